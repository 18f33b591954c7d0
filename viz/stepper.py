"""The backward pass, one node at a time: its steps in words and numbers, and an HTML page.

:func:`backward_step_texts` puts the steps of :func:`autograd_lite.engine.backward_steps`
(the one backward loop every teaching view replays) in words: at every step what the chain
rule adds to each operand's grad, in the operands' names and then in numbers, e.g.
``grad(n) += ∂o/∂n × grad(o) = (1 − o²) × grad(o) = (1 − 0.7071²) × 1 = 0.5000 × 1 = 0.5000``.
Every page names nodes alike (:mod:`viz._step_words`): a label with its scripts (``z²₁``), a
constant by its number, an unlabelled operation ``vᵢ`` as the trace tables do.

:func:`stepper` writes one self-contained HTML file (the drawing rendered to SVG at export
time, all script and style inline, nothing fetched from a network) that plays those steps
with Next / Previous / Play / Reset buttons and the arrow keys.

Example:
    >>> from autograd_lite import Value
    >>> x, w = Value(2.0, label="x_1"), Value(-3.0, label="w")
    >>> y = x * w; y.label = "y"
    >>> steps = backward_step_texts(y)
    >>> print(steps[1].title)
    Back through y = x₁·w = 2·(−3) = −6, grad(y) = 1
    >>> print(steps[1].lines[0])
    grad(x₁) += ∂y/∂x₁ × grad(y) = w × grad(y) = −3 × 1 = −3
    >>> steps[1].updates
    ((0, -3.0), (1, 2.0))
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

from autograd_lite import Value, topo_order
from autograd_lite.engine import BackwardStep, backward_steps, check_value
from autograd_lite.forward import local_derivatives

from ._step_words import Words, definition, local_formula, node_texts, picture_ids
from ._stepping import PageText, StepperPage, StepText, check_graph, step_options, step_page
from .labels import page_number
from .limits import DEFAULT_TIME_LIMIT, check_time_limit
from .picture import DrawingOptions

__all__ = ["StepText", "StepperPage", "backward_step_texts", "stepper", "stepper_ids"]


def stepper_ids(root: Value, *, fmt: str = ".4g") -> list[str]:
    """What the stepper pages' picture writes in each node of ``root``'s graph, by
    topological index: an unlabelled operation's vᵢ, numbered as the steps' text and the
    trace tables number it (written as a label, ``v_1``), a label, or a constant's number.

    Pass it as ``ids`` to :func:`viz.picture.dot_lines` to draw another picture of the
    graph whose unlabelled nodes have the steppers' names.

    Raises:
        TypeError: if root is not a Value.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(0.5, label="x")
        >>> stepper_ids((x * 2).tanh())
        ['x', '2', 'v_1', 'v_2']
    """
    check_value(root, "root")
    page_number(1.0, fmt)  # a bad format is refused here, with the reason
    return picture_ids(topo_order(root), fmt)


def backward_step_texts(root: Value, *, fmt: str = ".4g") -> list[StepText]:
    """The backward pass of ``root`` in words and numbers, one :class:`StepText` per step.

    The first step seeds grad(root) = 1; then one step per step of
    :func:`autograd_lite.engine.backward_steps`, whose numbers are exactly those of
    ``backward()``. No ``grad`` attribute is touched.

    Args:
        root: the output node.
        fmt: format spec for the numbers in the text.

    Returns:
        The steps; each one's ``updates`` hold the grads it changes, as they are after it.

    Raises:
        TypeError: if root is not a Value.
        ValueError, ZeroDivisionError, OverflowError: for a bad ``fmt``, and where
            ``backward()`` would raise.
    """
    check_value(root, "root")
    page_number(1.0, fmt)
    order = topo_order(root)
    return step_texts(order, fmt, node_texts(order, fmt), number=lambda x: page_number(x, fmt))


def step_texts(
    order: list[Value],
    fmt: str,
    names: list[str],
    text: Callable[[str], str] = str,
    number: Callable[[float], str] | None = None,
) -> list[StepText]:
    """:func:`backward_step_texts` for a topological order, with every node written as
    ``names`` says, every number as ``number`` says (by default ``fmt`` as
    :func:`viz.labels.page_number` applies it, as the pictures write numbers) and every
    other piece of text passed through ``text`` (Beamer frames pass LaTeX names and
    :func:`autograd_lite.escape.latex`)."""
    words = Words(
        {v: i for i, v in enumerate(order)},
        names,
        node_texts(order, fmt),
        number or (lambda x: page_number(x, fmt)),
        text,
    )
    r = len(order) - 1
    root = names[r]
    seed = StepText(
        r,
        text("Start at the output: grad(") + root + text(") = 1"),
        (
            text("grad(")
            + root
            + text(") = ")
            + words.partial(order[r], order[r])
            + text(
                " = 1: the backward pass starts at the output and walks back through "
                "every operation, parents after children."
            ),
        ),
        ((r, 1.0),),
    )
    steps = [seed]
    for step in backward_steps(order[-1]):
        steps.append(_step_text(step, words))
    return steps


def _local(node: Value) -> tuple | None:
    """∂node/∂operand for each operand, or None where the rule fails here (only ever a node
    whose own grad is 0, which the backward pass then does not run)."""
    try:
        return tuple(local_derivatives(node))
    except (ArithmeticError, ValueError):
        return None


def _product(local: float | None, g: float, term: float, words: Words) -> str:
    """``'−3 × 2 = −6'``: a term of the chain rule, the local derivative times the grad."""
    num = words.num
    if local is None:
        return num(term) + words.text(" (grad 0 flows back as 0)")
    line = num(local) + words.text(" × ") + words.factor(g) + words.text(" = ") + num(term)
    if not math.isfinite(local) or (g == 0.0 and term != 0.0):
        line += words.text(" (worked out exactly: as floats, the factors alone over- or underflow)")
    return line


def _chain_rule(step: BackwardStep, k: int, local: tuple | None, words: Words) -> str:
    """``grad(x) += ∂y/∂x × grad(y) = (1 − y²) × grad(y) = (1 − 0.5²) × 2 = 0.75 × 2 = 1.5``:
    the chain rule for operand k, in names, then numbers."""
    v, text = step.node, words.text
    p, out = words.name(v.parents[k]), words.name(v)
    named = local_formula(v, k, words)
    line = (
        text("grad(") + p + text(") += ") + words.partial(v, v.parents[k]) + text(" × grad(") + out
        + text(") = ") + named + text(" × grad(") + out + text(") = ")
    )  # fmt: skip
    if local is not None:
        numbers = local_formula(v, k, words, numbers=True)
        if numbers not in (named, words.num(local[k])):
            line += numbers + text(" × ") + words.factor(step.adjoint) + text(" = ")
    return line + _product(None if local is None else local[k], step.adjoint, step.terms[k], words)


def _step_text(step: BackwardStep, words: Words) -> StepText:
    """One step of the engine's backward pass in words: a line per operand."""
    v, text, num = step.node, words.text, words.num
    out = words.name(v)
    local = _local(v)
    last = {p: k for k, p in enumerate(v.parents)}  # an operand used twice: its last term
    running: dict[int, float] = {}
    lines, updates = [], []
    for k, (p, term) in enumerate(zip(v.parents, step.terms)):
        pi = words.index[p]
        before = running.get(pi, step.before[k])
        after = step.after[k] if last[p] == k else before + term
        running[pi] = after
        updates.append((pi, after))
        if p.is_constant:
            continue  # a number used as an operand: nothing to learn from its grad
        line = _chain_rule(step, k, local, words)
        if before != 0.0:
            line += (
                text(";  grad(") + words.name(p) + text(") = ") + num(before) + text(" + ")
                + words.factor(term) + text(" = ") + num(after) + text(" (sum over paths)")
            )  # fmt: skip
        lines.append(line)
    title = (
        text("Back through ") + out + text(" = ") + definition(v, words) + text(" = ")
        + definition(v, words, numbers=True) + text(" = ") + num(v.data) + text(", grad(")
        + out + text(") = ") + num(step.adjoint)
    )  # fmt: skip
    return StepText(words.index[v], title, tuple(lines), tuple(updates))


_PAGE = PageText(
    what="stepper",
    cell="grad",
    pass_name="backward pass",
    before="Before the backward pass: every grad is 0. Press Next (\u2192) to start.",
    legend="Orange: the node whose chain-rule step runs and the edges the gradient flows "
    "back along; green: the grads this step changes.",
)


def stepper(
    root: Value,
    path: str | os.PathLike | None = None,
    *,
    options: DrawingOptions | None = None,
    title: str | None = None,
    interval_ms: int = 900,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Path | StepperPage:
    """A self-contained HTML page that steps through the backward pass of ``root``: written
    to ``path``, or returned to show inline in a notebook.

    The page shows the graph (rendered to SVG now, by Graphviz's ``dot``) with every grad
    at 0, fitted whole to the window (up to 2x, or scrolled where its text would be under
    10 px: Fit shows it whole), then plays the backward pass one node at a time
    (:func:`backward_step_texts`): Next / Previous / Play / Reset, or → ← Home space. Each step
    highlights the node whose rule runs, lights up its incoming edges, updates the grads in
    the picture and shows the chain-rule step in words and numbers. After the last step the
    grads shown are those ``backward()`` computes. Labels are shown as text, never as markup;
    a long label is shortened in the picture (with a "…") and shown in full in the steps'
    text. Opening the page needs no network. The page replaces an old one in one step: if
    anything fails, an old page at ``path`` stays whole.

    Graphs above the drawing limits are refused, as by :func:`viz.draw`.

    Args:
        root: the output node.
        path: the HTML file to write; None returns the page instead.
        options: the picture's :class:`DrawingOptions` (rankdir, fmt, cluster,
            compact_constants, max_nodes, stacked: None holds both layouts and shows the one
            with larger text); the page draws grads, highlights and ids itself.
        title: the page's heading; by default names the root.
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
        ValueError: for options the page draws itself (highlight, color_by_grad, ...), a bad
            ``time_limit``, and where ``backward()`` would raise.
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
    stacked = getattr(options, "stacked", None)  # None: the page chooses the layout
    options = step_options(options, "stepper")
    order = topo_order(root)
    check_graph(root, order, options, "stepper")
    names = node_texts(order, options.fmt)
    steps = step_texts(order, options.fmt, names, number=lambda x: page_number(x, options.fmt))
    page = step_page(
        root,
        order,
        steps,
        options,
        text=_PAGE,
        title=title if title is not None else f"Backward pass of {names[-1]}",
        interval_ms=interval_ms,
        time_limit=time_limit,
        stacked=stacked,
    )
    return page if path is None else page.save(path)
