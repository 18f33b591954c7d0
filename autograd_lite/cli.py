"""The ``autograd-lite`` command: derivatives of a typed formula, explained and checked.

Only argument parsing and printing live here; the work is done by
:mod:`autograd_lite.formula`, :mod:`autograd_lite.teach` and (for pictures) the ``viz``
package.
"""

from __future__ import annotations

import argparse
import math
import os
import stat
import sys
import unicodedata
from collections.abc import Sequence

from . import __version__, escape
from .engine import topo_order
from .formula.indices import index_letters, parse_ranges
from .formula.reader import ExprError, define
from .table import fmt

__all__ = ["main", "build_parser"]

# the drawing limit of viz.DEFAULT_MAX_NODES, repeated so that --help needs no Graphviz;
# a test keeps the two equal
DEFAULT_MAX_NODES = 300

MAX_PATHS_SHOWN = 1000
"""--max-paths at most: a path table of 10,000 paths takes seconds and megabytes to print."""

MAX_FILE_BYTES = 1_000_000
"""--file reads at most this many bytes."""

# What the output says in plain ASCII where the terminal cannot print the symbols.
_ASCII = str.maketrans(
    {
        "∂": "d",
        "σ": "sigma",
        "·": "*",
        "×": "*",
        "→": "->",
        "−": "-",
        "½": "1/2",
        "¼": "1/4",
        "⏎": "|",
        "√": "sqrt",
        "Σ": "sum",
        "ₖ": "_k",
        "³": "^3",
        "²": "^2",
        "—": "-",
        "≤": "<=",
        "≈": "~",
        "…": "...",
        "δ": "delta",
        "η": "eta",
        "∇": "grad ",
        "ε": "eps",
        "̇": "'",  # the dot above a tangent (v̇) reads as a prime
        "̄": "~",  # the bar above an adjoint (v̄)
        "≥": ">=",
        "≠": "!=",
        "±": "+/-",
        "⊙": "(*)",
    }
)

EXAMPLES = """\
examples:
  autograd-lite grad "x^2 * w + b" --at x=3,w=0.5,b=1
  autograd-lite grad "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)" \\
      --define "s(x)=1/(1+exp(-x))" --define "d(x)=s(x)*(1-s(x))" \\
      --at I=1,w1=0.5,w2=0.5,w3=0.5,w4=0.5,w5=0.5 --wrt w1 --explain
  autograd-lite grad "tanh(x*w)" --at x=1,w=2 --draw graph.svg --step steps.html
  autograd-lite grad "ln(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5 --hessian --trace
  autograd-lite demo backprop
  autograd-lite lab site/
"""

GRAD_HELP = """\
Print the value of EXPR and its partial derivative with respect to every variable.
EXPR is typed as on a graphing calculator: + - * / and ^ (or **) for powers, parentheses,
exp log ln tanh sigmoid relu sqrt sin cos abs, and functions given with --define.
Start it with "NAME =" to name the result (O = ...). A network can be typed as a list of
statements, separated by ; or new lines (or read with --file):
  z2_1 = w2_11*x1 + w2_12*x2 + b2_1; a2_1 = sigmoid(z2_1); C = 0.5*(a2_1 - y)^2
Every named result can be used by later statements, by --check, --wrt and --of.
"""


LAB_HELP = """\
Write a static site that runs this package in the browser, under Pyodide: check a
hand-derived gradient, step through backward passes, train a small network. Every file it
loads is in DIR; serve DIR with any static server (python -m http.server -d DIR).
Needs a source checkout with `npm ci` run in its lab folder, and Graphviz's dot for the
stepper pages.
"""


class UsageError(Exception):
    """A mistake in the command line, reported as a message and exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command (also used to print the help).

    Returns:
        An ``argparse.ArgumentParser``.
    """
    parser = _Parser(
        prog="autograd-lite",
        description="Exact derivatives of formulas, with the chain rule spelled out.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    g = sub.add_parser(
        "grad",
        help="value and partial derivatives of a formula",
        description=GRAD_HELP,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_formula_options(g)
    _add_report_options(g)
    _add_picture_options(g)
    d = sub.add_parser(
        "demo", help="worked examples", description="Run a worked example and print its output."
    )
    d.add_argument(
        "name",
        choices=["backprop", "nielsen"],
        help="backprop: a hand-derived gradient checked; nielsen: BP1-BP4 on a 2-3-1 network",
    )
    lab = sub.add_parser(
        "lab", help="write the lab: a static site running the package", description=LAB_HELP
    )
    lab.add_argument("dir", metavar="DIR", help="the folder to write the site in")
    return parser


def _add_formula_options(g: argparse.ArgumentParser) -> None:
    """What to differentiate: the formula, its values, its outputs and variables."""
    g.add_argument(
        "expr",
        metavar="EXPR",
        nargs="?",
        help='the formula, e.g. "s(x*w + b)", or statements separated by ; '
        '("z = w*x + b; a = s(z); C = 0.5*(a - y)^2")',
    )
    g.add_argument(
        "--file",
        metavar="FILE",
        help="read the formula or the statements (one per line) from FILE instead of EXPR",
    )
    g.add_argument(
        "--of",
        metavar="NAME[,NAME...]",
        help="differentiate these named results (default: the last statement); several "
        "names print the Jacobian as a table",
    )
    g.add_argument(
        "--at",
        action="append",
        default=[],
        metavar="NAME=NUMBER,...",
        help="values of the variables, e.g. --at x=1,w=0.5 (may be repeated)",
    )
    g.add_argument(
        "--wrt",
        action="append",
        default=[],
        metavar="NAME[,NAME...]",
        help="print only these derivatives, of variables or named results "
        "(default: every variable)",
    )
    g.add_argument(
        "--define",
        action="append",
        default=[],
        metavar='"f(x)=..."',
        help='define a helper function, e.g. --define "s(x)=1/(1+exp(-x))"',
    )
    g.add_argument(
        "--range",
        action="append",
        default=[],
        metavar="k=1..2",
        help="the values of an index letter that the names given do not tell (index "
        "notation: z_j = Σ_k w_jk*x_k + b_j)",
    )


def _add_report_options(g: argparse.ArgumentParser) -> None:
    """What to print besides the derivatives: explanations, checks, tables."""
    g.add_argument(
        "--explain",
        action="store_true",
        help="show each derivative as the sum over chain-rule paths",
    )
    g.add_argument(
        "--check",
        metavar="FORMULA",
        help="your own formula for the derivative (needs one --wrt); it may use named "
        "results. Prints where it differs from the chain rule: the factors each term "
        "misses or has extra, paths without a term, a constant left over",
    )
    g.add_argument(
        "--max-paths",
        type=int,
        default=20,
        metavar="N",
        help="list at most N paths per derivative (default 20)",
    )
    g.add_argument(
        "--digits",
        type=int,
        default=12,
        metavar="N",
        help="significant digits printed (default 12)",
    )
    g.add_argument(
        "--order",
        type=int,
        choices=(1, 2),
        default=1,
        metavar="N",
        help="2 also prints the second derivatives (the Hessian) with respect to the "
        "variables, from the gradient's own graph",
    )
    g.add_argument("--hessian", action="store_true", help="the same as --order 2")
    g.add_argument(
        "--trace",
        action="store_true",
        help="print the evaluation, forward tangent (along the first --wrt variable) and "
        "reverse adjoint traces, as Baydin et al. tabulate them",
    )


def _add_picture_options(g: argparse.ArgumentParser) -> None:
    """The pictures and pages written with the viz package."""
    g.add_argument(
        "--draw",
        metavar="FILE",
        help="draw the graph to FILE (.svg .png .pdf .dot); with one --wrt, the "
        "paths are highlighted (needs the viz extra and Graphviz)",
    )
    g.add_argument(
        "--step", metavar="FILE", help="write an HTML page that steps through the backward pass"
    )
    g.add_argument(
        "--step-forward",
        metavar="FILE",
        help="write an HTML page that steps through forward mode (tangent 1 for the first "
        "--wrt variable)",
    )
    g.add_argument(
        "--max-nodes",
        type=_max_nodes,
        default=DEFAULT_MAX_NODES,
        metavar="N",
        help="--draw, --step and --trace refuse graphs of more than N value nodes "
        f"(default {DEFAULT_MAX_NODES}; 0 or 'none' for no limit)",
    )


def _max_nodes(text: str) -> int | None:
    """The --max-nodes value: a positive int, or None (no limit) for 0 or 'none'."""
    if text.strip().lower() == "none":
        return None
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of nodes, 0 or 'none' (no limit), got {_safe(text)!r}"
        )
    return n or None


def _values(items: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            name, eq, number = part.partition("=")
            # folded as the formula reader folds names (Python's NFKC), so that a look-alike
            # letter typed in --at names the same variable as in the formula
            name = unicodedata.normalize("NFKC", name.strip())
            if not eq or not name.isidentifier():
                raise UsageError(
                    f"--at expects NAME=NUMBER pairs separated by commas, got {_safe(part)!r}"
                )
            if name in out:
                raise UsageError(f"--at gives {name} twice; give each variable one value")
            try:
                # the true minus (−) the tables print reads as a minus here too
                x = float(number.replace("\u2212", "-"))
            except ValueError:
                bad = _safe(number.strip())
                raise UsageError(f"--at {name}: {bad!r} is not a number") from None
            if not math.isfinite(x):
                raise UsageError(f"--at {name}: the value must be a finite number")
            out[name] = x
    return out


def _names(items: Sequence[str], option: str) -> list[str]:
    """The names of a repeatable NAME[,NAME...] option, folded as the reader folds them."""
    out = []
    for item in items:
        for w in item.split(","):
            w = unicodedata.normalize("NFKC", w.strip())
            if w and w in out:
                raise UsageError(f"{option} names {w} twice")
            if w:
                out.append(w)
    return out


class _Parser(argparse.ArgumentParser):
    """argparse's parser, writing its help and errors through :func:`_say` too (an unknown
    option is echoed in its error)."""

    def _print_message(self, message: str, file=None) -> None:
        if message:
            _say(message.rstrip("\n"), file=file or sys.stderr)


def _say(*parts, file=None) -> None:
    """print() for everything the command writes: the text passes through
    :func:`autograd_lite.escape.terminal` (a formula or name typed with an escape sequence
    is shown, never obeyed), falling back to plain ASCII where the output cannot encode the
    symbols."""
    stream = file or sys.stdout
    if stream is None:  # started with the stream closed (`>&-`): there is nowhere to write
        return
    text = escape.terminal(" ".join(_safe(str(p)) for p in parts)) + "\n"
    try:
        text.encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        # symbols the terminal cannot show become their plain spelling: NFKD turns
        # subscripts into digits (v₋₁ -> v-1) and splits ẋ into x and its dot, which the
        # table spells with the rest
        plain = unicodedata.normalize("NFKD", text.translate(_ASCII)).translate(_ASCII)
        text = plain.encode("ascii", "backslashreplace").decode("ascii")
    stream.write(text)


def _options_first(argv: list[str]) -> list[str]:
    """Keep a formula that starts with a minus ("-x^2") from being read as an option.

    argparse takes every argument that starts with '-' for an option; a leading space makes
    it a value again, and the formula reader ignores the space.
    """
    out = []
    for a in argv:
        is_option = a in ("-h", "--") or (a.startswith("--") and a[2:3].isalpha())
        out.append(" " + a if a.startswith("-") and not is_option else a)
    return out


def _safe(text: str) -> str:
    """Text as it can be printed: undecodable bytes of the command line become '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _source(args: argparse.Namespace) -> str:
    """The formula or statements: EXPR, or the text of --file."""
    if args.file is None:
        if args.expr is None:
            raise UsageError("give the formula as EXPR, or a file of statements with --file")
        return args.expr
    if args.expr is not None:
        raise UsageError("give either EXPR or --file, not both")
    try:
        # a pipe, a device or a folder is refused before it is opened: reading one could
        # wait for ever or never end
        if not stat.S_ISREG(os.stat(args.file).st_mode):
            raise UsageError(f"--file {_safe(args.file)}: not a regular file")
        with open(args.file, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or err
        raise UsageError(f"--file {_safe(args.file)}: {reason}") from None
    if len(data) > MAX_FILE_BYTES:
        raise UsageError(f"--file {_safe(args.file)}: larger than {MAX_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"--file {_safe(args.file)}: not UTF-8 text") from None


def _check_numbers(args: argparse.Namespace) -> None:
    if args.max_paths < 0 or args.max_paths > MAX_PATHS_SHOWN:
        raise UsageError(
            f"--max-paths must be between 0 and {MAX_PATHS_SHOWN:,} (the path tables say how "
            "many paths there are in all)"
        )
    if args.digits < 1 or args.digits > 17:
        raise UsageError("--digits must be between 1 and 17")


def _check_names(wanted: dict[str, list[str]], run, known: list[str]) -> None:
    """Every name of --of and --wrt is a variable or a named result."""
    for option, names in wanted.items():
        for w in names:
            if w not in run.nodes:
                raise UsageError(
                    f"{option} {_safe(w)}: not a variable or a named result; the names are "
                    f"{', '.join(known) or 'none'} (give values with --at)"
                )


def _check_combination(args: argparse.Namespace, run, outputs: list, targets: list) -> None:
    """Refuse options that do not go together, before anything is computed."""
    one = len(outputs) == 1
    pictures = args.draw or args.step or args.step_forward
    if not one and (args.check or args.explain or args.trace or pictures):
        raise UsageError(
            "--check, --explain, --draw, --step, --trace and --step-forward work on one "
            "output: one --of"
        )
    if not one and (args.hessian or args.order == 2):
        raise UsageError("--order 2 (--hessian) works on one output: one --of")
    if (args.trace or args.step_forward) and (
        not targets or any(run.nodes[t].parents for t in targets)
    ):
        raise UsageError(
            "--trace and --step-forward start from variables: give --wrt variables (not "
            "named results), or none for every variable"
        )
    if args.check is not None and len(targets) != 1:
        raise UsageError("--check needs exactly one derivative: add --wrt NAME")
    if args.trace and args.max_nodes is not None:
        n = len(topo_order(run.nodes[outputs[0]]))
        if n > args.max_nodes:
            raise UsageError(
                f"--trace: the formula's graph has {n:,} nodes, more than --max-nodes "
                f"{args.max_nodes:,}: its three tables would print {n:,} rows each; give a "
                "larger --max-nodes (0 for no limit) to print them"
            )


def _grad(args: argparse.Namespace) -> None:
    from .formula.program import read_program
    from .teach import jacobian_table

    _check_numbers(args)
    values = _values(args.at)
    ranges, source = parse_ranges(args.range), _source(args)
    program = read_program(
        source, variables=list(values), definitions=define(args.define), ranges=ranges
    )
    run = program.evaluate(values)
    outputs = _names([args.of], "--of") if args.of else [program.output]
    wrt = _names(args.wrt, "--wrt")
    if args.check is not None and len(wrt) == 1 and wrt[0] not in run.nodes:
        letters = index_letters(source)
        if set(wrt[0].rpartition("_")[2]) & letters:  # w_jk: checked for every (j, k)
            _check_indexed(args, program, wrt[0], values, ranges, outputs)
            return
    _check_names({"--of": outputs, "--wrt": wrt}, run, [*values, *program.results])
    targets = wrt or [v for v in values if v in run.nodes]
    _check_combination(args, run, outputs, targets)
    if len(outputs) > 1:
        nodes = {t: run.nodes[t] for t in targets}
        _say(jacobian_table({o: run.nodes[o] for o in outputs}, nodes, digits=args.digits).text())
        return
    _one_output(args, program, run, outputs[0], targets, values)


def _check_indexed(args, program, wrt: str, values: dict, ranges: dict, outputs: list) -> None:
    """--check of a formula with index letters against every index value of --wrt."""
    from .teach.diagnosis import diagnose

    of = outputs[0] if args.of else None
    _say(f"your formula for ∂{of or program.output}/∂{wrt}: {args.check}")
    _say(diagnose(program, wrt, args.check, values, of=of, ranges=ranges, digits=args.digits))


def _one_output(args, program, run, name: str, targets: list[str], values: dict) -> None:
    """The value and derivatives of one output, and what the options add to them."""
    from .teach import hessian_table
    from .teach.explain import explain

    d = args.digits
    root = run.nodes[name]
    nodes = {t: run.nodes[t] for t in targets}
    # one backward pass: every gradient printed, explained and drawn comes from it
    root.backward()
    grads = {t: nodes[t].grad for t in targets}
    _say(f"{name} = {fmt(root.data, d)}")
    width = max((len(t) for t in targets), default=0)
    for t in targets:
        _say(f"∂{name}/∂{t.ljust(width)} = {fmt(grads[t], d)}")
    if args.check is not None:
        from .teach.diagnosis import diagnose

        _say()
        _say(f"your formula for ∂{name}/∂{targets[0]}: {args.check}")
        _say(diagnose(program, targets[0], args.check, values, of=name, digits=d))
    explanations = {}
    if args.explain or (args.draw and len(targets) == 1):
        for t in targets:
            explanations[t] = explain(
                root, nodes[t], max_paths=args.max_paths, digits=d, gradient=grads[t]
            )
    if args.explain:
        for t in targets:
            _say()
            _say(explanations[t])
    if args.hessian or args.order == 2:
        _say()
        _say(hessian_table(root, nodes, name=name, digits=d).text())
    if args.trace:
        from .teach.traces import traces

        _say()
        _say(traces(root, list(nodes.values()), fmt=f".{min(d, 6)}g").text())
    if args.draw or args.step or args.step_forward:
        _pictures(args, root, explanations, nodes[targets[0]] if targets else None)


def _pictures(args, root, explanations, first_input=None) -> None:
    try:
        import viz
    except ImportError as err:
        raise UsageError(
            f"--draw, --step and --step-forward need the viz package and graphviz ({err}); "
            "install them with  pip install 'autograd-lite[viz]'"
        ) from None
    options = viz.DrawingOptions(max_nodes=args.max_nodes)
    try:
        if args.draw:
            lit = next(iter(explanations.values())).highlight() if len(explanations) == 1 else ()
            drawing = viz.DrawingOptions(max_nodes=args.max_nodes, highlight=lit)
            _say(f"\ndrawing written to {viz.render(root, args.draw, options=drawing)}")
        if args.step:
            path = viz.stepper(root, args.step, options=options)
            _say(f"backward-pass stepper written to {path}")
        if args.step_forward:
            path = viz.forward_stepper(root, first_input, args.step_forward, options=options)
            _say(f"forward-mode stepper written to {path}")
    except viz.GraphTooLargeError as err:
        # the library's advice is about its options; the command's is about its own
        raise UsageError(
            f"this graph has {err.n_nodes} value nodes, more than the drawing limit of "
            f"{err.max_nodes}: Graphviz would be slow and the picture hard to read. To draw "
            f"it anyway, add --max-nodes {err.n_nodes} (or --max-nodes none for no limit)"
        ) from None
    except viz.LayoutTooSlowError as err:
        raise UsageError(
            f"{err.measure} Draw a smaller formula (fewer terms, or a variable used in fewer "
            "places), or add --max-nodes none to try anyway (Graphviz is still stopped after "
            f"{viz.DEFAULT_TIME_LIMIT:g} s)"
        ) from None


DEMO_BACKPROP = [
    "grad",
    "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)",
    "--define",
    "s(x)=sigmoid(x)",
    "--define",
    "d(x)=s(x)*(1-s(x))",
    "--at",
    "I=1,w1=0.5,w2=0.5,w3=0.5,w4=0.5,w5=0.5",
    "--wrt",
    "w1",
    "--check",
    "d(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
    " * (d(s(I*w1+1)*w2+1)*d(I*w1+1)*I + d(s(I*w1+1)*w3+1)*d(I*w1+1)*I)",
]


def _demo(args: argparse.Namespace) -> None:
    if args.name == "backprop":
        _say(
            "$ autograd-lite "
            + " ".join(f'"{a}"' if " " in a or "(" in a else a for a in DEMO_BACKPROP)
        )
        _say()
        _grad(build_parser().parse_args(DEMO_BACKPROP))
        return
    from .nn.layers import MLP
    from .teach.bp_equations import backprop_table

    model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    _say("2-3-1 sigmoid network (seed 0), x = (0.3, -0.8), y = 0.25, C = ½(a³ − y)²")
    _say(backprop_table(model, [0.3, -0.8], 0.25))


# The lab's stepper pages: file, title, statements, values, and forward mode's input (if any).
LAB_STEPPERS = [
    (
        "backprop-question.html",
        "The backprop question: backward pass",
        "s(x) = sigmoid(x); O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)",
        "I=1,w1=0.5,w2=0.5,w3=0.5,w4=0.5,w5=0.5",
        None,
    ),
    (
        "neuron-backward.html",
        "A tanh neuron: backward pass",
        "y = tanh(x*w + b)",
        "x=0.5,w=-2,b=1",
        None,
    ),
    (
        "neuron-forward.html",
        "A tanh neuron: forward mode in w",
        "y = tanh(x*w + b)",
        "x=0.5,w=-2,b=1",
        "w",
    ),
]

# The playground's data sets: name, maker, its other arguments, and four noise levels (400
# points each: the page splits them into a training and a test set).
LAB_DATA = [
    ("moons", "moons", {"zero_one": True}, (0.0, 0.1, 0.2, 0.3)),
    ("circles", "circles", {"zero_one": True}, (0.0, 0.05, 0.1, 0.15)),
    ("xor", "xor", {"zero_one": True}, (0.0, 0.1, 0.2, 0.3)),
    ("blobs", "blobs", {"centers": 2}, (0.4, 0.8, 1.2, 1.6)),
    ("spiral", "spiral", {"classes": 2}, (0.0, 0.1, 0.2, 0.3)),
]


def _lab_files() -> dict[str, str]:
    """The lab's files made with the package: the data sets and the stepper pages."""
    import json

    from . import lab, lesson
    from .formula.program import read_program
    from .nn import data

    files = {}
    sets = {}
    for name, maker, kwargs, noises in LAB_DATA:
        sets[name] = []
        for noise in noises:
            X, y = getattr(data, maker)(400, noise=noise, seed=0, **kwargs)
            points = [[round(a, 4), round(b, 4)] for a, b in X]
            sets[name].append({"noise": noise, "X": points, "y": y})
    files["data.json"] = json.dumps(sets, separators=(",", ":"))
    # the lesson's data sets, made here: the page has no numpy to make them
    notebook = lab.lab_folder().parent / lesson.NOTEBOOK
    makers = {name: getattr(data, name) for name in data.__all__ if name != "MAX_SAMPLES"}
    sets = lesson.data_sets(json.loads(notebook.read_text("utf-8")), makers)
    files[lesson.DATA_FILE] = json.dumps(sets, separators=(",", ":"))
    try:
        import viz
    except ImportError as err:
        _say(f"no stepper pages: the viz package needs graphviz ({err})")
        return files
    pages = []
    for file, title, statements, at, forward in LAB_STEPPERS:
        values = _values([at])
        program = read_program(statements, variables=list(values))
        run = program.evaluate(values)
        root = run.nodes[program.output]
        try:
            if forward:
                page = viz.forward_stepper(root, run.nodes[forward], title=title)
            else:
                page = viz.stepper(root, title=title)
        except (RuntimeError, OSError) as err:  # no dot program, or dot failed
            _say(f"no example stepper pages: {err}")
            return files
        files[f"steppers/{file}"] = page.html
        pages.append({"file": file, "title": title, "formula": statements, "values": at})
    files["steppers/index.json"] = json.dumps(pages, indent=1)
    return files


def _lab(args: argparse.Namespace) -> None:
    from . import lab

    try:
        site = lab.build_site(args.dir, extra_files=_lab_files())
    except lab.LabError as err:
        raise UsageError(str(err)) from None
    _say(f"lab written to {site}")
    _say(f"try it:  python -m http.server -d {site}  and open http://localhost:8000/")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command.

    Args:
        argv: the arguments (without the program name); None reads ``sys.argv``.

    Returns:
        The exit code: 0 on success, 2 for a mistake in the command or a formula.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(_options_first(list(sys.argv[1:] if argv is None else argv)))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "grad":
            _grad(args)
        elif args.command == "lab":
            _lab(args)
        else:
            _demo(args)
    except (ExprError, UsageError) as err:
        _say(f"autograd-lite: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader (say `| head`) stopped early: not an error of the command; point stdout
        # at devnull so that the interpreter's final flush does not complain again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ArithmeticError, ValueError, OSError, ImportError) as err:
        # from the engine or the drawing: a domain error, a file that cannot be written,
        # Graphviz missing; each message already says what to do
        _say(f"autograd-lite: error: {err}", file=sys.stderr)  # _say makes it safe
        return 2
    return 0
