"""The lab's Python side, run under Pyodide in a Web Worker: the package's own calls.

check() runs the command line itself (autograd_lite.cli.main) on the question, so the page
shows word for word what `autograd-lite grad ... --check ...` prints, and typeset() writes the
question in LaTeX (autograd_lite.formula.latex) for the page's KaTeX; the playground trains
the package's MLP with its losses and optimizer.
"""

import contextlib
import io
import json
import random
import re
import time

from autograd_lite import cli, escape, no_grad
from autograd_lite.formula import ExprError, latex, read_program
from autograd_lite.labels import page_number
from autograd_lite.nn.layers import MLP
from autograd_lite.nn.losses import binary_cross_entropy, l2
from autograd_lite.nn.optim import SGD


def command(formula, values, wrt, yours):
    """The command line's arguments for a question of the page."""
    argv = ["grad", formula]
    if values.strip():
        argv += ["--at", values]
    if wrt.strip():
        argv += ["--wrt", wrt]
    if yours.strip():
        argv += ["--check", yours]
    return argv


def check(formula, values, wrt, yours):
    """What the command prints for the question, as escaped HTML, and its exit code."""
    argv = command(formula, values, wrt, yours)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    text = (out.getvalue() + err.getvalue()).rstrip("\n")
    return json.dumps({"code": code, "html": escape.html(text), "argv": argv})


def _values(text):
    """The names of "x=1, w=0.5" and their numbers; None if it is not that (the command
    line's own message says what is wrong)."""
    out = {}
    for part in filter(str.strip, text.split(",")):
        name, _, number = part.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            return None
    return out


def _typeset(text, **known):
    """{"tex": LaTeX} for a text, or {"error": the reader's message}."""
    try:
        return {"tex": latex(text, **known)}
    except ExprError as err:
        return {"error": str(err)}


_PRIMED = re.compile(r"([^\W\d]\w*)'\((.*)\)")
_PARTIAL = re.compile(r"∂(.+)/∂(.+)")


def _factor(text, known):
    """A factor of a chain-rule path as the diagnosis names it: a formula the reader reads
    (w2, σ'(z), p1(1 − p1)), the derivative of a function of the learner's, s'(I*w1+1),
    or ∂p1/∂o2."""
    try:
        return latex(text, **known)
    except ExprError:
        pass
    m = _PRIMED.fullmatch(text)
    if m:
        inside = latex(m[2], **known)
        tall = any(t in inside for t in (r"\frac", r"\sum", r"\left"))
        return latex(m[1]) + (rf"'\left({inside}\right)" if tall else f"'({inside})")
    m = _PARTIAL.fullmatch(text)
    if m:
        return rf"\frac{{\partial {latex(m[1])}}}{{\partial {latex(m[2])}}}"
    raise ExprError(f"cannot typeset the factor {text}")


def _operand(tex):
    """A factor's LaTeX in brackets when it is a sum or starts with a minus sign."""
    depth, top = 0, tex.startswith("-")
    for i, c in enumerate(tex):
        depth += (c in "({") - (c in ")}")
        top = top or (depth == 0 and tex[i : i + 3] in (" + ", " - "))
    return rf"\left({tex}\right)" if top else tex


def derivative(network, at, wrt, yours):
    """The derivative the chain rule gives, as the diagnosis of --check splits it: one term
    per path, the product of its local derivatives; None where there is no diagnosis or
    its paths are not listed."""
    from autograd_lite.teach.diagnosis import Diagnosis, diagnose

    try:
        d = diagnose(network, wrt.strip(), yours, at)
    except (ExprError, ArithmeticError, ValueError, TypeError):  # the verdict says why
        return None
    if not isinstance(d, Diagnosis) or not d.paths:
        return None
    known = {"variables": [*network.variables, *network.results]}
    known["definitions"] = network.definitions
    lines = []
    for path in d.paths:
        c = path.constant
        factors = [_factor(f, known) for f in path.factors]
        if len(factors) > 1 or c < 0 or abs(c) != 1:
            factors = [_operand(f) for f in factors]
        term = r" \cdot ".join(factors) or "1"
        if abs(c) != 1:
            term = f"{abs(c):g}" + (r" \cdot " if term[0].isdigit() else " ") + term
        sign = "-" if c < 0 else "+"
        lines.append(f"{sign} {term}" if lines else ("-" if c < 0 else "") + term)
    head = rf"\frac{{\partial {latex(d.of)}}}{{\partial {latex(d.wrt)}}}"
    rows = r" \\ &\quad ".join(lines)
    return rf"\begin{{aligned}}{head} &= {rows}\end{{aligned}}"


def typeset(formula, values, wrt, yours, with_derivative):
    """The question in LaTeX for KaTeX: the function, the learner's formula (read with the
    function's names and definitions, as --check reads it) and, after a check, the
    derivative the chain rule gives; a text that does not read gets the reader's message."""
    at = _values(values)
    variables = list(at) if at else None
    out = {"formula": _typeset(formula, variables=variables)}
    try:
        network = read_program(formula, variables=variables)
    except ExprError:
        network = None
    if not yours.strip():
        return json.dumps(out)
    known = {}
    if network is not None:
        known = {"variables": [*network.variables, *network.results]}
        known["definitions"] = network.definitions
    out["yours"] = _typeset(yours, **known)
    if "error" in out["yours"] and known:
        # index notation (a_j, x_k) names no variable: typeset it as it is written
        plain = _typeset(yours, definitions=known["definitions"])
        out["yours"] = plain if "tex" in plain else out["yours"]
    if with_derivative:
        try:
            tex = derivative(network, at, wrt, yours) if network and at else None
        except ExprError:
            tex = None
        out["derivative"] = {"tex": tex} if tex else None
    return json.dumps(out)


PICTURES = {
    "draw": "/tmp/graph.svg",
    "step": "/tmp/steps.html",
    "step-forward": "/tmp/forward.html",
}


def stepper_named_drawing(formula, values, wrt):
    """The graph as --draw draws it (the paths to the variable highlighted, every grad after
    the backward pass), its unlabelled operations named vᵢ as the steppers below it name
    them (viz.stepper_ids) instead of the drawings' n5; None where the values are not
    plain numbers. Called once the command drew the question, so it reads and fits."""
    import viz
    from autograd_lite.teach.explain import explain
    from viz.limits import run_dot
    from viz.picture import digraph, dot_lines

    at = _values(values)
    if at is None:
        return None
    program = read_program(formula, variables=list(at))
    run = program.evaluate(at)
    root = run.nodes[program.output]
    root.backward()
    targets = [wrt.strip()] if wrt.strip() else [v for v in at if v in run.nodes]
    lit = explain(root, run.nodes[targets[0]]).highlight() if len(targets) == 1 else ()
    lines = dot_lines(root, viz.DrawingOptions(highlight=lit), ids=viz.stepper_ids(root))
    svg = run_dot(digraph(lines), "svg", time_limit=viz.DEFAULT_TIME_LIMIT).decode("utf-8")
    return svg[svg.index("<svg") :]


def pictures(formula, values, wrt):
    """The command line's --draw, --step and --step-forward for the question: its text (with
    the bounds it sets on a drawing), the picture and the two stepper pages. The picture is
    the command's, with the steppers' names for unlabelled nodes (stepper_named_drawing)."""
    import os

    for path in PICTURES.values():
        if os.path.exists(path):
            os.remove(path)
    argv = command(formula, values, wrt, "")
    for option, path in PICTURES.items():
        argv += [f"--{option}", path]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    text = (out.getvalue() + err.getvalue()).rstrip("\n")
    made = {}
    for option, path in PICTURES.items():
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                made[option] = f.read()
    if code == 0 and "draw" in made:
        made["draw"] = stepper_named_drawing(formula, values, wrt) or made["draw"]
    return json.dumps({"code": code, "html": escape.html(text), "argv": argv, **made})


def tall_step_text(page, lines):
    """A stepper page whose step text is as tall as a step of ``lines`` lines (its title
    and a line of text each, as the page's style sets them), up to 60% of the frame and
    scrolled past that: the page's own height, a fifth of the window, is made for a
    window, and a neuron's steps in the playground's frame would be cut at their third line."""
    height = 3.4 + 1.725 * lines  # em: padding and title, then lines at 1.15em × 1.5
    style = f"#panel {{ height: auto; min-height: min({height:.2f}em, 60vh); max-height: 60vh; }}"
    return page.replace("</style>", style + "\n</style>", 1)


MAX_LAYERS, MAX_WIDTH, MAX_BATCH = 6, 16, 200
GRID_BUDGET = 200_000  # grid points times parameters for the pictures of one update
"""The playground's bounds: a scalar engine in a browser trains small networks."""


def hidden_layers(text):
    """The hidden layer sizes typed in the page ("4,2"), checked against the bounds."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not all(p.isdigit() and 1 <= int(p) <= MAX_WIDTH for p in parts):
        raise ValueError(
            f"hidden layers: whole numbers from 1 to {MAX_WIDTH} separated by commas, got {text!r}"
        )
    if len(parts) > MAX_LAYERS:
        raise ValueError(f"hidden layers: at most {MAX_LAYERS}, got {len(parts)}")
    return [int(p) for p in parts]


class Playground:
    """One network on one data set, trained a few steps at a time.

    config: data set, noise level (an index), train fraction, hidden layer sizes, activation,
    learning rate, L2 strength, batch size; data: the site's data.json.
    """

    def __init__(self, config, data):
        c = json.loads(config)
        points = json.loads(data)[c["dataset"]][int(c.get("noise", 1))]
        X, y = points["X"], points["y"]
        cut = min(len(X) - 1, max(1, round(len(X) * float(c.get("train", 0.5)))))
        self.train = (X[:cut], y[:cut])
        self.test = (X[cut:], y[cut:])
        sizes = hidden_layers(c["layers"]) + [1]
        self.model = MLP(2, sizes, activation=c["activation"], seed=int(c.get("seed", 0)))
        self.opt = SGD(self.model.parameters(), lr=float(c["lr"]))
        self.alpha = float(c.get("l2", 0.0))
        self.batch = min(MAX_BATCH, max(1, int(c["batch"])))
        self.rng = random.Random(0)
        self.steps = 0
        self.last_x = self.train[0][0]

    def _loss(self, X, y):
        loss = binary_cross_entropy([self.model(x) for x in X], y)
        return loss + l2(self.model.parameters(), self.alpha) if self.alpha else loss

    def step(self):
        """One step of SGD on a random batch of the training set."""
        X, y = self.train
        idx = self.rng.sample(range(len(X)), min(self.batch, len(X)))
        self.last_x = X[idx[0]]
        loss = self._loss([X[i] for i in idx], [y[i] for i in idx])
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.steps += 1

    def _measure(self, X, y):
        with no_grad():
            logits = [self.model(x).data for x in X]
            loss = binary_cross_entropy(logits, y).data
        right = sum((z > 0) == (t == 1) for z, t in zip(logits, y))
        return loss, right / len(X)

    def _grids(self, n, box):
        """Every neuron's output on an n×n grid over box, by layer (the last is the model's)."""
        x0, x1, y0, y1 = box
        maps = [[[] for _ in layer.neurons] for layer in self.model.layers]
        with no_grad():
            for j in range(n):
                b = y1 - (y1 - y0) * (j + 0.5) / n
                for i in range(n):
                    a = [x0 + (x1 - x0) * (i + 0.5) / n, b]
                    for k, layer in enumerate(self.model.layers):
                        a = layer(a)
                        for m, v in enumerate(a):
                            maps[k][m].append(round(v.data, 3))
        return maps

    def neuron_page(self, layer, index):
        """The backward-pass stepper of one neuron on the last training point it saw: its
        inputs are that point's activations of the layer before, its weights the model's.

        Returns JSON: the page ("html") and the most lines a step of it writes ("lines"),
        for which its step text is made tall enough, so that no step's lines are cut.
        """
        import viz

        a = list(self.last_x)
        with no_grad():
            for before in self.model.layers[:layer]:
                a = [v.data for v in before(a)]
        neuron = self.model.layers[layer].neurons[index]
        out = neuron(a)
        point = ", ".join(page_number(v, ".3g") for v in self.last_x)
        title = f"Layer {layer + 2}, neuron {index + 1}, at the point ({point})"
        html = viz.stepper(out, title=title).html
        lines = max(len(s.lines) for s in viz.backward_step_texts(out))
        return json.dumps({"html": tall_step_text(html, lines), "lines": lines})

    def weights(self):
        """The weights and bias of every neuron, by layer: [[w..., b], ...]."""
        return [
            [[round(p.data, 4) for p in (*neuron.w, neuron.b)] for neuron in layer.neurons]
            for layer in self.model.layers
        ]

    def run(self, budget_ms, max_steps, grid, box):
        """Steps for about budget_ms (at most max_steps), then the figures to draw."""
        start = time.perf_counter()
        done = 0
        while done < max_steps and (time.perf_counter() - start) * 1000 < budget_ms:
            self.step()
            done += 1
        train_ms = (time.perf_counter() - start) * 1000
        train_loss, train_acc = self._measure(*self.train)
        test_loss, test_acc = self._measure(*self.test)
        # the pictures cost a forward pass per grid point: a larger network gets a coarser grid
        n_params = len(self.model.parameters())
        grid = min(int(grid), max(12, int((GRID_BUDGET / n_params) ** 0.5)))
        maps = self._grids(grid, box) if grid else []
        return json.dumps(
            {
                "steps": self.steps,
                "done": done,
                "train_ms": train_ms,
                "train_loss": train_loss,
                "test_loss": test_loss,
                "train_acc": train_acc,
                "test_acc": test_acc,
                "grid": maps[-1][0] if maps else [],
                "grid_n": grid,
                "neurons": [layer for layer in maps[:-1]],
                "weights": self.weights(),
                "n_train": len(self.train[0]),
            }
        )
