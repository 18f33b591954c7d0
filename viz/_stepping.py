"""The step engine of the two stepper pages and the Beamer frames: what a step says and how a
page plays the steps.

The steps themselves come from the library's generators (``backward_steps`` of
:mod:`autograd_lite.engine`, ``forward_steps`` of :mod:`autograd_lite.forward`); here they
are put in words (:class:`StepText`) and played on one kind of page (:func:`step_page`): the
graph rendered to SVG once, a number cell in every value node, and the steps' text and
updates in a JSON block that the page's script plays with Next / Previous / Play / Reset.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import graphviz

from autograd_lite import Value, escape
from autograd_lite.labels import node_id

from . import _stepper_page
from ._inline import InlinePage
from ._page import html_page
from ._step_words import Words, definition, node_texts, picture_ids
from .dot import faster_hints, install_hint
from .labels import page_number
from .limits import run_dot
from .picture import (
    DotNotFoundError,
    DrawingOptions,
    check_layout,
    check_size,
    digraph,
    dot_lines,
    drawing_options,
)

__all__ = ["StepText", "StepperPage"]

MIN_TEXT_PX = 10
"""The smallest size, in CSS pixels, that a page opens the picture's text at: a graph too
large to fit whole at that size (in either layout) is shown at it and scrolled so that each
step's node and operands are in view. The Fit button (key 0) still shows it whole, smaller."""

MAX_SCALE = 2.0
"""How far a page's fit to the window enlarges a small graph (its text to 37 px)."""

LAYOUTS = ("side by side", "stacked")
"""The two pictures a page holds, unless ``stacked`` chose one: each value's label, data and
grad side by side (a wide, low picture) or one above the other (a narrower one). The page
shows the one whose text is larger when fitted whole to the window."""

_FONT_PX = 14 * 4 / 3  # the picture's 14 pt text, at its natural size


@dataclass(frozen=True)
class StepText:
    """One step of a pass, in words and numbers, as a stepper page or a Beamer frame shows it.

    Attributes:
        node: index (in topological order) of the node the step is about: the node whose
            rule runs (backward), whose tangent is made (forward), or the seeded node.
        title: one line saying what happens.
        lines: the chain-rule step for each operand, in words and numbers.
        updates: ``(node index, number after this step)`` for every grad (or tangent) this
            step changes, in the order it changes them.
    """

    node: int
    title: str
    lines: tuple[str, ...]
    updates: tuple[tuple[int, float], ...]


class StepperPage(InlinePage):
    """A stepper page held in memory: notebooks show it inline, :meth:`save` writes it.

    See :class:`viz._inline.InlinePage` for how it shows inline (a sandboxed iframe).

    Attributes:
        html: the page's full HTML text, exactly what :meth:`save` writes.
        n_steps: the number of steps the page plays.
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


# --- the page --------------------------------------------------------------------------------


def step_options(options: DrawingOptions | None, what: str) -> DrawingOptions:
    """The drawing options of a page or deck of steps: ids always shown (the steps' text
    names unlabelled nodes by them); grads, colours and highlights are the steps' own. Values
    stand side by side unless ``stacked=True`` asks otherwise (the pages, which can hold both
    layouts, look at the caller's ``stacked`` themselves: see :func:`step_page`).

    Raises:
        TypeError: if options is not a DrawingOptions.
        ValueError: for show_grad=False, color_by_grad, highlight, show_ids=False or
            neurons_only.
    """
    options = drawing_options(options)
    own = {
        "show_grad": options.show_grad is not True,
        "color_by_grad": options.color_by_grad is not False,
        "highlight": bool(options.highlight),
        "show_ids": options.show_ids is False,
        "neurons_only": options.neurons_only,
    }
    if any(own.values()):
        bad = ", ".join(f"{k}={getattr(options, k)!r}" for k, v in own.items() if v)
        raise ValueError(
            f"{what} draws the numbers of each step, lights up the step's node and names "
            f"unlabelled nodes by their ids itself; leave show_grad, color_by_grad, highlight, "
            f"show_ids and neurons_only at their defaults (got {bad})"
        )
    stacked = False if options.stacked is None else options.stacked
    return dataclasses.replace(options, show_ids=True, stacked=stacked)


def check_graph(root: Value, order: list[Value], options: DrawingOptions, what: str) -> None:
    """Refuse a graph above the drawing limits before any step is worked out."""
    check_size(order, options.max_nodes, what=what)
    check_layout(root, options, what)


def widest(steps: Sequence[StepText], fmt: str) -> dict[int, float]:
    """For each node, the number of the steps whose text is widest: every number cell is laid
    out for it, so no number overflows its cell and every frame has the same layout."""
    out: dict[int, float] = {}
    for step in steps:
        for i, x in step.updates:
            if len(page_number(x, fmt)) >= len(page_number(out.get(i, 0.0), fmt)):
                out[i] = x
    return out


@dataclass(frozen=True)
class PageText:
    """What tells a backward page from a forward one.

    Attributes:
        what: the entry point's name, for messages.
        cell: the word in the value nodes' number cell (``"grad"``, ``"tangent"``).
        pass_name: ``"backward pass"`` or ``"forward pass"``.
        before: the text shown before the first step.
        legend: the footer's line on what the colours mean.
        intro: a paragraph shown in the panel before the first step, as plain text (empty:
            none).
    """

    what: str
    cell: str
    pass_name: str
    before: str
    legend: str
    intro: str = ""


def _number(x: float) -> float | str:
    # JSON has no inf; the page only shows the formatted text, the number is for tooling
    return x if x - x == 0.0 else repr(x)


def _tooltips(order: list[Value], names: list[str], fmt: str) -> dict[str, str]:
    """What hovering over a node, an operation or an edge says, in the text's names."""
    words = Words({v: i for i, v in enumerate(order)}, names, names, lambda x: page_number(x, fmt))
    tips = {}
    for i, v in enumerate(order):
        tips[f"n{i}"] = names[i]
        if v.parents:
            tips[f"n{i}_op"] = f"{names[i]} = {definition(v, words)}"
            for p in v.parents:
                tips[f"n{words.index[p]}->n{i}_op"] = f"{names[words.index[p]]} \u2192 {names[i]}"
    return tips


def _svg(
    root: Value,
    order: list[Value],
    options: DrawingOptions,
    steps,
    text: PageText,
    time_limit: float,
) -> str:
    """The page's picture: dot's SVG, each number cell laid out for its widest number, numbers
    and names written as the steps' text writes them."""
    fmt = options.fmt
    names = node_texts(order, fmt)
    lines = dot_lines(
        root,
        options,
        grads=widest(steps, fmt),
        number=lambda x: page_number(x, fmt),
        # an unlabelled operation's vᵢ, drawn as a label is (v<SUB>i</SUB>)
        ids=picture_ids(order, fmt),
        tooltips=_tooltips(order, names, fmt),
        operand_marks=True,
    )
    source = digraph(lines)
    if text.cell != "grad":
        source = source.replace("<TD>grad ", f"<TD>{text.cell} ")
    try:
        svg = run_dot(source, "svg", time_limit=time_limit, hints=faster_hints(options, text.what))
    except graphviz.ExecutableNotFound:
        raise DotNotFoundError(
            f"the {text.what} page embeds a picture rendered by Graphviz's `dot` program, "
            f"which was not found on PATH; {install_hint()}"
        ) from None
    svg = svg.decode("utf-8")
    return svg[svg.index("<svg") :]


def _pictures(root, order, options, steps, text, time_limit, stacked: bool | None) -> str:
    """The page's pictures, each marked with its layout (:data:`LAYOUTS`): both for
    ``stacked=None``, else the one asked for. Ids in the second are prefixed to stay unique."""
    chosen = [False, True] if stacked is None else [stacked]
    pictures = []
    for k, flag in enumerate(chosen):
        svg = _svg(root, order, dataclasses.replace(options, stacked=flag), steps, text, time_limit)
        if k:
            svg = svg.replace(' id="', ' id="s-')
        layout = LAYOUTS[int(flag)]
        pictures.append(svg.replace("<svg", f'<svg data-layout="{layout}"', 1))
    return "\n".join(pictures)


def step_page(
    root: Value,
    order: list[Value],
    steps: Sequence[StepText],
    options: DrawingOptions,
    *,
    text: PageText,
    title: str,
    interval_ms: int,
    time_limit: float,
    stacked: bool | None = None,
) -> StepperPage:
    """The page that plays ``steps`` on the picture of ``root``'s graph, drawn in the layout
    ``stacked`` asks for, or for None in both (:data:`LAYOUTS`) for the page to choose.

    Raises:
        DotNotFoundError: if Graphviz's ``dot`` program is not installed.
        DotTimeoutError: if ``dot`` ran longer than ``time_limit``.
    """
    svg = _pictures(root, order, options, steps, text, time_limit, stacked)
    fmt = options.fmt
    index = {v: i for i, v in enumerate(order)}
    data = {
        "fmt_zero": page_number(0.0, fmt),
        "min_scale": round(MIN_TEXT_PX / _FONT_PX, 4),
        "max_scale": MAX_SCALE,
        "interval": int(interval_ms),
        "cell": f"{text.cell} ",
        "before": text.before,
        "nodes": [
            {"id": node_id(i), "parents": [index[p] for p in v.parents]}
            for i, v in enumerate(order)
        ],
        "steps": [
            {
                "node": s.node,
                "title": s.title,
                "lines": list(s.lines),
                "updates": [[i, page_number(x, fmt), _number(x)] for i, x in s.updates],
            }
            for s in steps
        ],
    }
    intro = text.intro and f'<p id="costs">{escape.html(text.intro)}</p>\n  '
    page = html_page(
        title=title,
        body=_stepper_page.BODY,
        style=_stepper_page.STYLE,
        script=_stepper_page.SCRIPT,
        data=data,
        data_id="steps-data",
        parts={
            "NSTEPS": str(len(steps)),
            "PASS": text.pass_name,
            "INTRO": intro,
            "LEGEND": escape.html(text.legend),
            "SVG": svg,
        },
    )
    return StepperPage(page, n_steps=len(steps), title=escape.visible(title))
