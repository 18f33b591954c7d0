"""Forward mode, one node at a time: the backward-pass stepper's twin.

:func:`forward_step_texts` puts the steps of :func:`autograd_lite.forward.forward_steps`
(forward mode over the graph in evaluation order, the tangent of one input set to 1) in
words: at every step how the node's tangent is made from its operands' tangents and the
local derivatives of the ops table, in the notation of the trace tables: the tangent of a
node is its name with a dot (``v̇₄``, ``ẋ1``; a name of several symbols bracketed,
``(x1*w1)˙``), e.g. ``v̇₁ × ∂v₄/∂v₁ = v̇₁ × 1 = 0.5000 × 1``.

:func:`forward_stepper` writes the same kind of self-contained page as :func:`viz.stepper`,
with tangents in place of grads, and says what each mode costs on this graph: forward mode
needs one pass per input for the whole gradient, reverse mode one pass per output.

Example:
    >>> from autograd_lite import Value
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> y = (x * w).tanh(); y.label = "y"
    >>> steps = forward_step_texts(y, x)
    >>> print("\\n".join(steps[1].lines))
    ẋ × ∂v₁/∂x = ẋ × w = 1 × (−3) = −3
    ∂v₁/∂w × 0 = 0 (w does not move: its tangent is 0)
    v̇₁ = −3 + 0 = −3
    >>> steps[1].updates
    ((2, -3.0),)
"""

from __future__ import annotations

import os
from pathlib import Path

from autograd_lite import Value, topo_order
from autograd_lite.engine import check_value
from autograd_lite.forward import ForwardStep, forward_steps

from ._step_words import Words, compound, definition, dotted, local_formula, node_texts
from ._stepping import PageText, StepperPage, StepText, check_graph, step_options, step_page
from .labels import page_number
from .limits import DEFAULT_TIME_LIMIT, check_time_limit
from .picture import DrawingOptions

__all__ = ["forward_step_texts", "forward_stepper", "mode_costs"]


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


def forward_step_texts(root: Value, wrt: Value, *, fmt: str = ".4g") -> list[StepText]:
    """Forward mode on ``root``'s graph with tangent(wrt) = 1, in words and numbers.

    The first step seeds the tangents (1 for ``wrt``, 0 for every other leaf); then one step
    per step of :func:`autograd_lite.forward.forward_steps`, in topological order, says how
    a node's tangent is made. The tangents are exactly what :func:`autograd_lite.jvp` gives.

    Args:
        root: the output node.
        wrt: the input whose tangent is 1 (a leaf root depends on).
        fmt: format spec for the numbers in the text.

    Returns:
        The steps; each one's ``updates`` hold the tangent it makes.

    Raises:
        TypeError: if root or wrt is not a Value.
        ValueError: if wrt is not a leaf of root's graph, or for a bad ``fmt``.
        ZeroDivisionError, OverflowError: where a tangent is infinite or undefined.
    """
    check_value(root, "root")
    check_value(wrt, "wrt")
    page_number(1.0, fmt)
    order = topo_order(root)
    if wrt not in set(order) or wrt.parents:
        raise ValueError("wrt must be a leaf of root's graph (an input the root depends on)")
    names = node_texts(order, fmt)
    words = Words({v: i for i, v in enumerate(order)}, names, names, lambda x: page_number(x, fmt))
    w = words.index[wrt]
    others = [names[words.index[v]] for v in _inputs(order) if v is not wrt]
    x, dx = names[w], dotted(names[w])
    seed = StepText(
        w,
        f"Start at the input: {dx} = 1",
        (
            f"{dx} = {words.partial(wrt, wrt)} = 1: the tangent {dx} says how fast a node "
            f"moves when {x} moves, and forward mode carries it to every node"
            + (
                f"; the other leaves ({', '.join(others)}) stay fixed (tangent 0)."
                if others
                else "."
            ),
        ),
        ((w, 1.0),),
    )
    steps = [seed]
    for step in forward_steps([root], {wrt: 1.0}):
        steps.append(_step_text(step, words))
    return steps


def _symbol(name: str) -> str:
    """A name as differentiated: bracketed when it is more than one symbol."""
    return f"({name})" if compound(name) else name


def _term(step: ForwardStep, k: int, words: Words) -> tuple[str, float]:
    """The line for operand k's part of the tangent, and that part."""
    v, p = step.node, step.node.parents[k]
    name = words.name(p)
    t, local = step.tangents[k], step.local[k]
    if local is None:
        return f"{words.partial(v, p)} × 0 = 0 ({name} does not move: its tangent is 0)", 0.0
    named = local_formula(v, k, words)
    line = f"{dotted(name)} × {words.partial(v, p)} = {dotted(name)} × {named} = "
    numbers = local_formula(v, k, words, numbers=True)
    if numbers not in (named, words.num(local)):
        line += f"{words.num(t)} × {numbers} = "
    product = t * local
    line += f"{words.num(t)} × {words.factor(local)} = {words.num(product)}"
    return line, product


def _step_text(step: ForwardStep, words: Words) -> StepText:
    """One step of forward mode in words: a term per operand, then their sum."""
    v, num = step.node, words.num
    out = words.name(v)
    lines, terms = [], []
    for k, p in enumerate(v.parents):
        if p.is_constant:
            continue  # a number used as an operand: its tangent is 0
        line, term = _term(step, k, words)
        lines.append(line)
        terms.append(words.factor(term) if terms else num(term))
    total = f"{dotted(out)} = " + (" + ".join(terms) + " = " if len(terms) > 1 else "")
    lines.append(total + num(step.tangent))
    title = (
        f"Forward through {out} = {definition(v, words)} = "
        f"{definition(v, words, numbers=True)} = {num(v.data)}"
    )
    return StepText(words.index[v], title, tuple(lines), ((words.index[v], step.tangent),))


def forward_stepper(
    root: Value,
    wrt: Value,
    path: str | os.PathLike | None = None,
    *,
    options: DrawingOptions | None = None,
    title: str | None = None,
    interval_ms: int = 900,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Path | StepperPage:
    """A self-contained HTML page that steps through forward mode on ``root``'s graph, with
    the tangent of ``wrt`` set to 1: written to ``path``, or returned to show inline.

    The twin of :func:`viz.stepper`: the same picture with a tangent in every value node
    instead of a grad, the same buttons and keys, one node per step from the inputs to the
    output (:func:`forward_step_texts`), each step's rule in words and numbers. After the
    last step the output's tangent is ∂root/∂wrt, exactly what :func:`autograd_lite.jvp`
    gives. A line above the steps says what each mode costs on this graph
    (:func:`mode_costs`).

    Args:
        root: the output node.
        wrt: the input whose tangent is 1.
        path: the HTML file to write; None returns the page instead.
        options, title, interval_ms, time_limit: as for :func:`viz.stepper` (the title by
            default names the root and the input).

    Returns:
        The path written, or without ``path`` the :class:`StepperPage`.

    Raises:
        ValueError: if wrt is not a leaf of root's graph, and for bad options.
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
    stacked = getattr(options, "stacked", None)  # None: the page chooses the layout
    options = step_options(options, "forward_stepper")
    order = topo_order(root)
    check_graph(root, order, options, "forward_stepper")
    steps = forward_step_texts(root, wrt, fmt=options.fmt)
    names = node_texts(order, options.fmt)
    text = PageText(
        what="forward_stepper",
        cell="tangent",
        pass_name="forward pass",
        before="Before the forward pass: every tangent is 0. Press Next (\u2192) to start.",
        legend="Orange: the node whose tangent is computed and the edges its operands' "
        "tangents flow along. Forward mode: one pass per input; the backward-pass stepper "
        "shows reverse mode, one pass per output.",
        intro=mode_costs(root),
    )
    page = step_page(
        root,
        order,
        steps,
        options,
        text=text,
        title=title
        if title is not None
        else f"Forward mode: ∂{_symbol(names[-1])}/∂{_symbol(names[order.index(wrt)])}",
        interval_ms=interval_ms,
        time_limit=time_limit,
        stacked=stacked,
    )
    return page if path is None else page.save(path)
