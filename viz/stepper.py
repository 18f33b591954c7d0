"""The backward pass, one node at a time: its steps in words and numbers, and an HTML page.

:func:`backward_steps` replays ``backward()`` in Python with the rules of the ops table, in
reverse topological order and a fresh store of adjoints, and says at every step what the
chain rule adds to each operand's grad, e.g.
``grad(a) += ∂(a·b)/∂a × grad(c) = b × grad(c) = -3 × 2 = -6``.

:func:`stepper` writes one self-contained HTML file (the drawing rendered to SVG at export
time, all script and style inline, nothing fetched from a network) that plays those steps
with Next / Previous / Play / Reset buttons and the arrow keys.

Example:
    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> steps, grads = backward_steps(c)
    >>> print(steps[1].lines[0])
    grad(a) += ∂(a·b)/∂a × grad(c) = b × grad(c) = -3 × 1 = -3
    >>> grads
    [-3.0, 2.0, 1.0]
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import graphviz

from autograd_lite import Value, gradients, topo_order
from autograd_lite.engine import check_value
from autograd_lite.labels import node_id, node_names
from autograd_lite.ops import NARY, OPS, wsum_operands

from . import _page
from ._inline import InlinePage
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

__all__ = ["Step", "StepperPage", "backward_steps", "stepper"]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Step:
    """One step of the backward pass.

    Attributes:
        node: index (in topological order) of the node whose rule runs; the root for the
            first step, which seeds grad(root) = 1.
        title: one line saying what happens.
        lines: the chain-rule step for each operand, in words and numbers.
        updates: ``(node index, grad after this step)`` for every grad this step changes.
    """

    node: int
    title: str
    lines: tuple[str, ...]
    updates: tuple[tuple[int, float], ...]


def _names(order: list[Value], fmt: str) -> list[str]:
    """What the text calls each node: its label, a constant's number, else its id (``n12``),
    exactly as path tables name it and the page's picture prints it. A lone surrogate, which
    no file can hold, is written as its escape (``\\ud800``)."""
    names = node_names(order, lambda x: format_number(x, fmt))
    return [visible_text(names[v]) for v in order]


def _top_level(text: str, needles: tuple[str, ...]) -> bool:
    """Whether any needle occurs in text outside parentheses."""
    depth = 0
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and any(text.startswith(n, i) for n in needles):
            return True
    return False


def _split_derivative(text: str) -> tuple[str, str]:
    """``'∂(a·b)/∂a = b'`` -> ``('∂(a·b)/∂a', 'b')``: the derivative and its first formula."""
    lhs, _, rhs = text.partition(" = ")
    rhs = rhs.split("  (")[0]  # drop a note such as "  (0 at a = 0)"
    first = rhs.split(" = ")[0]
    if first.count("(") == first.count(")"):
        rhs = first
    if _top_level(rhs, (" + ", " − ", " - ", " if ")):
        rhs = f"({rhs})"
    return lhs, rhs


def _derivative_text(op: str, i: int, n_operands: int) -> str:
    prim = OPS[op]
    texts = prim.derivatives
    if prim.arity != NARY or len(texts) == n_operands:
        return texts[i]
    # weighted sum: one text each for the weights, the inputs and the bias
    weights, inputs, _ = wsum_operands(range(n_operands))
    for group, text in ((weights, texts[0]), (inputs, texts[1])):
        if i in group:
            return text.replace("ₖ", str(group.index(i) + 1).translate(_SUBSCRIPTS))
    return texts[-1]


def _where(
    v: Value, names: list[str], index: dict, fmt: str, text: Callable[[str], str] = str
) -> str:
    """``'a = x (2), b = y (-3)'``: which node each operand name of the template stands for."""
    prim = OPS[v.op]

    def operand(p: Value) -> str:
        return names[index[p]] + text(f" ({format_number(p.data, fmt)})")

    parts = []
    if prim.arity == NARY and len(prim.operand_names) == 3 and len(v.parents) % 2 == 1:
        weights, inputs, bias = wsum_operands(v.parents)
        groups = (weights, inputs, (bias,))
        for name, group in zip(prim.operand_names, groups):
            inner = text(", ").join(operand(p) for p in group)
            if name != "b":
                parts.append(text(f"{name} = (") + inner + text(")"))
            else:
                parts.append(text(f"{name} = ") + inner)
    else:
        for name, p in zip(prim.operand_names, v.parents):
            parts.append(text(f"{name} = ") + operand(p))
    return text(", ").join(parts)


def backward_steps(root: Value, *, fmt: str = ".4g") -> tuple[list[Step], list[float]]:
    """The backward pass of ``root`` as a list of steps, computed like ``backward()``.

    The rules of the ops table run in reverse topological order on a fresh store of
    adjoints, with the engine's arithmetic, so the final grads are exactly what
    ``backward()`` computes on fresh grads. No ``grad`` attribute is touched.

    Args:
        root: the output node.
        fmt: format spec for the numbers in the text.

    Returns:
        ``(steps, grads)``: the steps (the first one seeds grad(root) = 1) and the final
        grad of every node, in topological order.

    Raises:
        TypeError: if root is not a Value.
        ValueError, ZeroDivisionError, OverflowError: where ``backward()`` would raise.
    """
    check_value(root, "root")
    format_number(1.0, fmt)
    order = topo_order(root)
    return replay(order, fmt, _names(order, fmt))


def replay(
    order: list[Value], fmt: str, names: list[str], text: Callable[[str], str] = str
) -> tuple[list[Step], list[float]]:
    """:func:`backward_steps` for a topological order, with every node written as ``names``
    says and every other piece of text passed through ``text`` (Beamer frames pass LaTeX
    names and :func:`viz.latex.latex_text`); the default writes the stepper's own text."""
    index = {v: i for i, v in enumerate(order)}
    num = format_number
    adj = [0.0] * len(order)
    r = len(order) - 1
    adj[r] = 1.0
    root = names[r]
    steps = [
        Step(
            r,
            text("Start at the output: grad(") + root + text(") = 1"),
            (
                text("grad(")
                + root
                + text(") = ∂")
                + root
                + text("/∂")
                + root
                + text(
                    " = 1: the backward pass starts at the output and walks back through "
                    "every operation, parents after children."
                ),
            ),
            ((r, 1.0),),
        )
    ]
    for i in range(r, -1, -1):
        v = order[i]
        if not v.parents:
            continue
        prim = OPS[v.op]
        inputs = [p.data for p in v.parents]
        g = adj[i]
        grads = prim.rule(g, v.data, *inputs)
        local = prim.rule(1.0, v.data, *inputs)
        out = names[i]
        lines, updates = [], []
        for k, (p, gp) in enumerate(zip(v.parents, grads)):
            pi = index[p]
            before = adj[pi]
            adj[pi] = before + gp
            lhs, rhs = _split_derivative(_derivative_text(v.op, k, len(v.parents)))
            line = (
                text("grad(")
                + names[pi]
                + text(f") += {lhs} × grad(")
                + out
                + text(f") = {rhs} × grad(")
                + out
                + text(f") = {num(local[k], fmt)} × {num(g, fmt)} = {num(gp, fmt)}")
            )
            if before != 0.0:
                line += (
                    text(";  grad(")
                    + names[pi]
                    + text(
                        f") = {num(before, fmt)} + {num(gp, fmt)} = {num(adj[pi], fmt)} "
                        "(sum over paths)"
                    )
                )
            lines.append(line)
            updates.append((pi, adj[pi]))
        title = (
            text("Back through ")
            + out
            + text(f" = {prim.template}, where ")
            + _where(v, names, index, fmt, text)
            + text(" and grad(")
            + out
            + text(f") = {num(g, fmt)}")
        )
        steps.append(Step(i, title, tuple(lines), tuple(updates)))
    return steps, adj


def _safe_json(data) -> str:
    """JSON that cannot end a ``<script>`` element or start markup inside it."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for c, esc in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(c, esc)
    return text


def _number(x: float) -> float | str:
    # JSON has no inf; the page only shows the formatted text, the number is for tooling
    return x if x - x == 0.0 else repr(x)


class StepperPage(InlinePage):
    """A stepper page held in memory: notebooks show it inline, :meth:`save` writes it.

    See :class:`viz._inline.InlinePage` for how it shows inline (a sandboxed iframe).

    Attributes:
        html: the page's full HTML text, exactly what :meth:`save` writes.
        n_steps: the number of steps of the backward pass.
        title: the page's heading.
    """

    def __init__(self, html: str, *, n_steps: int, title: str, height: int = 640):
        super().__init__(html, title=title, height=height)
        self.n_steps = n_steps

    def __repr__(self) -> str:
        return (
            f"<StepperPage {self.title!r}: {self.n_steps} steps; in a notebook it shows "
            "inline, .save(path) writes it>"
        )


def stepper(
    root: Value,
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
    """A self-contained HTML page that steps through the backward pass of ``root``: written
    to ``path``, or returned to show inline in a notebook.

    The page shows the graph (rendered to SVG now, by Graphviz's ``dot``) with every grad
    at 0, then replays ``backward()`` one node at a time: Next / Previous / Play / Reset
    buttons, or the keys → ← Home and space. Each step highlights the node whose rule runs,
    lights up its incoming edges, updates the grads in the picture and shows the chain-rule
    step in words and numbers. After the last step the grads shown are those
    ``backward()`` computes. Labels are shown as text, never as markup; a long label is
    shortened in the picture (with a "…") and shown in full in the steps' text. Opening the
    page needs no network. The page replaces an old one in one step: if anything fails, an
    old page at ``path`` stays whole.

    Graphs above the drawing limits are refused, as by :func:`viz.draw`.

    Args:
        root: the output node.
        path: the HTML file to write; None returns the page instead.
        title: the page's heading; by default names the root.
        rankdir: ``"LR"`` or ``"TB"``, as for :func:`viz.to_dot`.
        fmt: format spec for the numbers in the picture and in the text.
        cluster: group Nielsen-labelled nodes by layer and neuron, as for ``to_dot``.
        compact_constants: draw unlabelled leaves as just their number.
        max_nodes: refuse graphs with more value nodes than this, or whose layout would take
            Graphviz long, as for :func:`viz.to_dot` (None: no limit).
        interval_ms: time between steps when playing.
        time_limit: seconds Graphviz's ``dot`` may take to draw the picture; it is stopped
            after that.

    Returns:
        The path written, or without ``path`` the :class:`StepperPage`.

    Raises:
        GraphTooLargeError: if the graph has more than ``max_nodes`` value nodes.
        LayoutTooSlowError: if the layout would take Graphviz long, as for ``to_dot``.
        DotNotFoundError: if Graphviz's ``dot`` program is not installed.
        DotTimeoutError: if ``dot`` ran longer than ``time_limit``; no page is written.
        RuntimeError: if the replayed grads differ from the engine's (a bug; no page is
            written).
        ValueError: for a bad ``rankdir``, ``fmt``, ``max_nodes`` or ``time_limit``, and where
            ``backward()`` would raise.
        ZeroDivisionError, OverflowError: where ``backward()`` would raise.

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_lite import Value
        >>> x = Value(0.5, label="x")
        >>> with tempfile.TemporaryDirectory() as d:
        ...     page = stepper(x.tanh() * x, pathlib.Path(d) / "steps.html")
        ...     "Next" in page.read_text(encoding="utf-8")
        True
        >>> inline = stepper(x.tanh() * x)
        >>> inline.n_steps, 'sandbox="allow-scripts"' in inline._repr_html_()
        (3, True)
    """
    check_value(root, "root")
    time_limit = check_time_limit(time_limit)
    # the picture's options, checked before any work
    options = DrawingOptions(
        rankdir=rankdir,
        fmt=fmt,
        cluster=cluster,
        max_nodes=max_nodes,
        compact_constants=compact_constants,
        show_ids=True,
    )
    order = topo_order(root)
    check_size(order, max_nodes, what="stepper")
    check_layout(root, options, "stepper")
    steps, final = backward_steps(root, fmt=fmt)
    engine = gradients(root, order)
    # The replay uses the engine's arithmetic in the engine's order: any difference is a bug,
    # and a page that teaches wrong numbers must never be written (not even under python -O).
    if final != engine:
        wrong = [i for i, (a, b) in enumerate(zip(final, engine)) if a != b]
        raise RuntimeError(
            f"the stepper's replay disagrees with backward() at node(s) {wrong[:10]} "
            "(topological indices); this is a bug in autograd_lite, please report it"
        )

    # Each grad cell is laid out for the widest text it will show, so no number overflows.
    widest: dict[int, float] = {}
    for step in steps:
        for i, g in step.updates:
            if len(format_number(g, fmt)) >= len(format_number(widest.get(i, 0.0), fmt)):
                widest[i] = g
    source = dot_source(root, options, grads=widest)
    hints = faster_hints(options, "stepper")
    try:
        svg = run_dot(source, "svg", time_limit=time_limit, hints=hints).decode("utf-8")
    except graphviz.ExecutableNotFound:
        raise DotNotFoundError(
            "the stepper page embeds a picture rendered by Graphviz's `dot` program, which "
            f"was not found on PATH; {install_hint()}"
        ) from None
    svg = svg[svg.index("<svg") :]

    root_name = _names(order, fmt)[-1]
    index = {v: i for i, v in enumerate(order)}
    data = {
        "fmt_zero": format_number(0.0, fmt),
        "interval": int(interval_ms),
        "nodes": [
            {"id": node_id(i), "parents": [index[p] for p in v.parents]}
            for i, v in enumerate(order)
        ],
        "steps": [
            {
                "node": s.node,
                "title": s.title,
                "lines": list(s.lines),
                "updates": [[i, format_number(g, fmt), _number(g)] for i, g in s.updates],
            }
            for s in steps
        ],
    }
    page_title = title if title is not None else f"Backward pass of {root_name}"
    parts = {
        "TITLE": html.escape(visible_text(page_title)),
        "STYLE": _page.STYLE,
        "SCRIPT": _page.SCRIPT,
        "NSTEPS": str(len(steps)),
        "SVG": svg,
        "DATA": _safe_json(data),
    }
    # One pass, so text inserted for one placeholder is never searched for another.
    text = re.sub(r"%%([A-Z]+)%%", lambda m: parts[m[1]], _page.TEMPLATE)
    page = StepperPage(text, n_steps=len(steps), title=visible_text(page_title))
    return page if path is None else page.save(path)
