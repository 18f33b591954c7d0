"""Forward mode, one node at a time: the backward-pass stepper's twin.

:func:`forward_steps` runs forward mode (:mod:`autograd_lite.forward`) over the graph in
evaluation order with the tangent of one input set to 1, and says at every step how the
node's tangent is made from its operands' tangents and the local derivatives of the ops
table, e.g. ``tangent(c) = tangent(a) × ∂(a·b)/∂a + tangent(b) × ∂(a·b)/∂b = 1 × -3 + 0 × 2``.

:func:`forward_stepper` writes the same kind of self-contained page as :func:`viz.stepper`,
with tangents in place of grads, and says what each mode costs on this graph: forward mode
needs one pass per input for the whole gradient, reverse mode one pass per output.

Example:
    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> steps, tangents = forward_steps(c, a)
    >>> print(steps[1].lines[-1])
    tangent(c) = -3 + 0 = -3
    >>> tangents
    [1.0, 0.0, -3.0]
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import graphviz

from autograd_lite import Value, topo_order
from autograd_lite.engine import check_value
from autograd_lite.forward import forward_tangents, local_derivatives, node_tangent
from autograd_lite.labels import node_id
from autograd_lite.ops import OPS

from . import _page
from .dot import faster_hints, install_hint
from .labels import format_number, visible_text
from .limits import DEFAULT_TIME_LIMIT, check_time_limit, run_dot
from .picture import (
    DEFAULT_MAX_NODES,
    DotNotFoundError,
    DrawingOptions,
    check_layout,
    check_size,
    dot_source,
)
from .stepper import Step, StepperPage, _derivative_text, _names, _safe_json, _split_derivative

__all__ = ["forward_steps", "forward_stepper", "mode_costs"]


def _inputs(order: list[Value]) -> list[Value]:
    """The leaves a user made (not numbers used as operands): the graph's inputs."""
    return [v for v in order if not v.parents and not v.is_constant]


def mode_costs(root: Value) -> str:
    """What forward and reverse mode cost on this graph, in one paragraph.

    Example:
        >>> from autograd_lite import Value
        >>> x, y = Value(1.0, label="x"), Value(2.0, label="y")
        >>> text = mode_costs(x * y + 1)
        >>> "2 passes (one per input)" in text, "1 pass (one per output)" in text
        (True, True)
    """
    order = topo_order(root)
    n_in = len(_inputs(order))
    n_ops = sum(1 for v in order if v.parents)

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 'es' if word.endswith('ss') else 's'}"

    return (
        f"This graph has {plural(n_in, 'input')}, 1 output and {plural(n_ops, 'operation')}. "
        "Forward mode gets the derivatives of every node along one input direction per pass: "
        f"the whole gradient takes {plural(n_in, 'pass')} (one per input), "
        f"{plural(n_in * n_ops, 'operation visit')}. Reverse mode gets the derivatives of one "
        "output with respect to every node per pass: the whole gradient takes 1 pass (one per "
        f"output), {plural(n_ops, 'operation visit')}. With many inputs and one output, as a "
        "network's loss has, reverse mode (backpropagation) is the cheap one."
    )


def forward_steps(root: Value, wrt: Value, *, fmt: str = ".4g") -> tuple[list[Step], list[float]]:
    """Forward mode on ``root``'s graph with tangent(wrt) = 1, as a list of steps.

    The first step seeds the tangents (1 for ``wrt``, 0 for every other leaf); then one step
    per operation, in topological order, computes its tangent. The final tangents are
    exactly what :func:`autograd_lite.jvp` computes.

    Args:
        root: the output node.
        wrt: the input whose tangent is 1 (a leaf root depends on).
        fmt: format spec for the numbers in the text.

    Returns:
        ``(steps, tangents)``: the steps and the final tangent of every node, in topological
        order.

    Raises:
        TypeError: if root or wrt is not a Value.
        ValueError: if wrt is not a leaf of root's graph.
        ZeroDivisionError, OverflowError: where a tangent is infinite or undefined.
    """
    check_value(root, "root")
    check_value(wrt, "wrt")
    format_number(1.0, fmt)
    order = topo_order(root)
    if wrt not in set(order) or wrt.parents:
        raise ValueError("wrt must be a leaf of root's graph (an input the root depends on)")
    names = _names(order, fmt)
    index = {v: i for i, v in enumerate(order)}
    num = format_number
    tangent = [0.0] * len(order)
    w = index[wrt]
    tangent[w] = 1.0
    others = [names[index[v]] for v in _inputs(order) if v is not wrt]
    steps = [
        Step(
            w,
            f"Start at the input: tangent({names[w]}) = 1",
            (
                f"tangent({names[w]}) = ∂{names[w]}/∂{names[w]} = 1: forward mode follows how "
                f"every node changes when {names[w]} moves"
                + (
                    f"; the other leaves ({', '.join(others)}) stay fixed (tangent 0)."
                    if others
                    else "."
                ),
            ),
            ((w, 1.0),),
        )
    ]
    for i, v in enumerate(order):
        if not v.parents:
            continue
        ts = [tangent[index[p]] for p in v.parents]
        moving = [t != 0.0 for t in ts]
        local = local_derivatives(v) if any(moving) else [0.0] * len(ts)
        t = node_tangent(v, ts)
        tangent[i] = 0.0 if t is None else t
        lines, terms = [], []
        for k, p in enumerate(v.parents):
            pi = index[p]
            lhs, rhs = _split_derivative(_derivative_text(v.op, k, len(v.parents)))
            if moving[k]:
                term = num(ts[k] * local[k], fmt)
                lines.append(
                    f"tangent({names[pi]}) × {lhs} = tangent({names[pi]}) × {rhs} = "
                    f"{num(ts[k], fmt)} × {num(local[k], fmt)} = {term}"
                )
            else:
                term = num(0.0, fmt)
                why = "does not move" if p.label or p.parents else "is a constant"
                lines.append(f"tangent({names[pi]}) × {lhs} = 0 ({names[pi]} {why})")
            terms.append(term)
        total = " + ".join(terms)
        lines.append(
            f"tangent({names[i]}) = {total} = {num(tangent[i], fmt)}"
            if len(terms) > 1
            else f"tangent({names[i]}) = {num(tangent[i], fmt)}"
        )
        where = ", ".join(f"{n} = {names[index[p]]}" for n, p in zip(_operand_names(v), v.parents))
        title = f"Forward through {names[i]} = {OPS[v.op].template}, where {where}"
        steps.append(Step(i, title, tuple(lines), ((i, tangent[i]),)))
    return steps, tangent


def _operand_names(v: Value) -> list[str]:
    prim = OPS[v.op]
    if len(prim.operand_names) == len(v.parents):
        return list(prim.operand_names)
    n = (len(v.parents) - 1) // 2  # the weighted sum: w₁..wₙ, a₁..aₙ, b
    return [f"w{k + 1}" for k in range(n)] + [f"a{k + 1}" for k in range(n)] + ["b"]


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%%TITLE%%</title>
<style>
%%STYLE%%
#costs { flex: none; padding: 0.3em 1em; font-size: 0.95em; background: #f4f8ff;
         border-bottom: 1px solid #ccc; }
</style>
</head>
<body>
<header>
  <h1>%%TITLE%%</h1>
  <nav aria-label="forward pass controls">
    <button type="button" id="reset" title="Reset (Home)">&#x21BA; Reset</button>
    <button type="button" id="prev" title="Previous step (&#x2190;)">&#x25C0; Previous</button>
    <button type="button" id="play" title="Play / pause (space)">&#x25B6; Play</button>
    <button type="button" id="next" title="Next step (&#x2192;)">Next &#x25B6;</button>
    <button type="button" id="fit" title="Fit the picture to the window">Fit width</button>
    <span id="counter" aria-live="polite">Step 0 of %%NSTEPS%%</span>
  </nav>
</header>
<p id="costs">%%COSTS%%</p>
<section id="panel" aria-live="polite">
  <h2 id="step-title">Before the forward pass</h2>
  <ol id="step-lines"></ol>
</section>
<main id="graph">
%%SVG%%
</main>
<footer>Keys: &#x2192; next, &#x2190; previous, space play/pause, Home reset.
Orange: the node whose tangent is computed and the edges its operands' tangents flow along.
Forward mode: one pass per input; the backward-pass stepper shows reverse mode, one pass per
output.</footer>
<script type="application/json" id="steps-data">%%DATA%%</script>
<script>
%%SCRIPT%%
</script>
</body>
</html>
"""


def forward_stepper(
    root: Value,
    wrt: Value,
    path: str | os.PathLike | None = None,
    *,
    title: str | None = None,
    rankdir: str = "LR",
    fmt: str = ".4g",
    cluster: bool = False,
    compact_constants: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    interval_ms: int = 900,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Path | StepperPage:
    """A self-contained HTML page that steps through forward mode on ``root``'s graph, with
    the tangent of ``wrt`` set to 1: written to ``path``, or returned to show inline.

    The twin of :func:`viz.stepper`: the same picture with a tangent in every value node
    instead of a grad, the same buttons and keys, one node per step from the inputs to the
    output, each step's rule in words and numbers. After the last step the output's tangent
    is ∂root/∂wrt, exactly what :func:`autograd_lite.jvp` gives. A line above the steps says
    what each mode costs on this graph (:func:`mode_costs`).

    Args:
        root: the output node.
        wrt: the input whose tangent is 1.
        path: the HTML file to write; None returns the page instead.
        title: the page's heading; by default names the root and the input.
        rankdir, fmt, cluster, compact_constants, max_nodes, interval_ms, time_limit: as
            for :func:`viz.stepper`.

    Returns:
        The path written, or without ``path`` the :class:`StepperPage`.

    Raises:
        ValueError: if wrt is not a leaf of root's graph, and for bad options.
        RuntimeError: if the steps' tangents differ from forward mode's (a bug; no page is
            written).
        GraphTooLargeError, LayoutTooSlowError, DotNotFoundError, DotTimeoutError: as for
            :func:`viz.stepper`.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(0.5, label="x")
        >>> page = forward_stepper(x.tanh() * x, x)
        >>> page.n_steps, "one per input" in page.html
        (3, True)
    """
    check_value(root, "root")
    time_limit = check_time_limit(time_limit)
    options = DrawingOptions(
        rankdir=rankdir,
        fmt=fmt,
        cluster=cluster,
        max_nodes=max_nodes,
        compact_constants=compact_constants,
        show_ids=True,
    )
    order = topo_order(root)
    check_size(order, max_nodes, what="forward_stepper")
    check_layout(root, options, "forward_stepper")
    steps, final = forward_steps(root, wrt, fmt=fmt)
    engine = forward_tangents([root], {wrt: 1.0})
    expected = [engine.get(v, 0.0) if v is not wrt else 1.0 for v in order]
    if final != expected:
        wrong = [i for i, (a, b) in enumerate(zip(final, expected)) if a != b]
        raise RuntimeError(
            f"the forward stepper's tangents disagree with forward mode at node(s) {wrong[:10]} "
            "(topological indices); this is a bug in autograd_lite, please report it"
        )

    widest: dict[int, float] = {}
    for step in steps:
        for i, t in step.updates:
            if len(format_number(t, fmt)) >= len(format_number(widest.get(i, 0.0), fmt)):
                widest[i] = t
    # the drawing's number cell says "tangent" here; its width is laid out for that word
    source = dot_source(root, options, grads=widest).replace("<TD>grad ", "<TD>tangent ")
    try:
        svg = run_dot(
            source, "svg", time_limit=time_limit, hints=faster_hints(options, "forward_stepper")
        ).decode("utf-8")
    except graphviz.ExecutableNotFound:
        raise DotNotFoundError(
            "the forward stepper page embeds a picture rendered by Graphviz's `dot` program, "
            f"which was not found on PATH; {install_hint()}"
        ) from None
    svg = svg[svg.index("<svg") :]

    names = _names(order, fmt)
    index = {v: i for i, v in enumerate(order)}
    data = {
        "fmt_zero": format_number(0.0, fmt),
        "interval": int(interval_ms),
        "cell": "tangent ",
        "before": "Before the forward pass: every tangent is 0. Press Next (\u2192) to start.",
        "nodes": [
            {"id": node_id(i), "parents": [index[p] for p in v.parents]}
            for i, v in enumerate(order)
        ],
        "steps": [
            {
                "node": s.node,
                "title": s.title,
                "lines": list(s.lines),
                "updates": [
                    [i, format_number(t, fmt), t if t - t == 0.0 else repr(t)] for i, t in s.updates
                ],
            }
            for s in steps
        ],
    }
    page_title = title if title is not None else f"Forward mode: ∂{names[-1]}/∂{names[index[wrt]]}"
    parts = {
        "TITLE": html.escape(visible_text(page_title)),
        "STYLE": _page.STYLE,
        "SCRIPT": _page.SCRIPT,
        "NSTEPS": str(len(steps)),
        "COSTS": html.escape(visible_text(mode_costs(root))),
        "SVG": svg,
        "DATA": _safe_json(data),
    }
    text = re.sub(r"%%([A-Z]+)%%", lambda m: parts[m[1]], TEMPLATE)
    page = StepperPage(text, n_steps=len(steps), title=visible_text(page_title))
    return page if path is None else page.save(path)
