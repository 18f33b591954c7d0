"""The backward pass as Beamer slides: :func:`beamer`, one frame per step and a closing one.

Each frame holds what the stepper page shows at that step: the graph (a TikZ picture, see
:mod:`viz.tikz`) with the node whose chain-rule step runs and the edges into it in orange,
the grads it changes in green and every grad as it stands after the step, and below it the
step in words and numbers, e.g. grad(a) += ∂(a·b)/∂a × grad(out) = b × grad(out) = -3 × 2 = -6.
The steps are those of :func:`viz.backward_step_texts` (the engine's one backward loop),
with labels typeset in LaTeX (``w^2_11`` as :math:`w^{2}_{11}`, a one-letter label such as
``b`` in math too) and escaped, so a label can never run as a command; numbers carry a real
minus, and a title's straight apostrophe is set as a typographic one (Baydin’s). A closing
frame shows every grad and the output's gradient with respect to each leaf.

**Legible on a projector.** A picture is never shrunk: its text is 8 pt (the picture's own
size) or larger, sub- and superscripts at TeX's script size of it (6 pt), on any of Beamer's
slide shapes (``aspectratio=169``, 160 mm × 90 mm, by default; ``43`` is 4:3, 128 mm ×
96 mm). A graph that fits a frame at that size beside every step's text is drawn whole in
every frame, as a lecturer draws a neuron on the board. A larger one (any network's loss
graph: a 2-3-1 network's is 22 cm × 16 cm at 8 pt, and scaled into a frame its text was
2-3 pt) is shown in *close-ups*: each frame draws the step's node, its operation and its
operands, laid out on their own, and beside them a map of the whole graph without text
(grey boxes, the close-up's nodes darker, the step's node in orange), so the class sees
both the chain rule at work and where in the network it is. A neuron's Σ with many terms
takes several frames ("Step 4 of 10, part 1 of 4"), w_j with a_j in each, then the bias,
because one term is what its lines explain; a step whose heading would list every term says
how many operands it has instead. The closing frames then list every gradient in two
columns, the inputs first, then layer by layer each neuron's weights and its bias. A step
that cannot be drawn at 8 pt even one operand at a time (a label of 60 characters on a 4:3
slide) is refused with its size and the room the frame has, before anything is written.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from autograd_lite import Value, escape, topo_order
from autograd_lite.checks import is_integer
from autograd_lite.engine import check_value
from autograd_lite.files import write_atomically
from autograd_lite.labels import node_names

from ._network import loss_names
from ._step_words import compound, evaluation_numbers, node_texts
from ._stepping import StepText, step_options, widest
from .labels import page_number, parse_nielsen, shorten
from .latex import (
    DEFAULT_LATEX_TIME_LIMIT,
    LatexNotFoundError,
    check_latex_time_limit,
    label_latex,
    run_pdflatex,
)
from .limits import DEFAULT_TIME_LIMIT, check_time_limit
from .picture import DrawingOptions, _Layout, _layout, check_layout, check_size
from .stepper import step_texts
from .tikz import FONT_PT, Placement, overview, picture, place

__all__ = ["DEFAULT_MAX_STEPS", "beamer"]

DEFAULT_MAX_STEPS = 60
"""Decks with more steps (frames) than this are refused unless ``max_steps`` is raised: a
lecture rarely shows more, and pdflatex takes about a second per ten frames."""

_MAX_ENLARGE = 1.6  # how far a small picture is enlarged to fill its frame

_PREAMBLE = r"""\documentclass[aspectratio=%(ratio)d,11pt]{beamer}
\usepackage{tikz}
\setbeamertemplate{navigation symbols}{}
\setbeamertemplate{footline}{\hfill\scriptsize\insertframenumber\hspace*{3mm}\vspace*{2mm}}
\setbeamersize{text margin left=6mm, text margin right=6mm}
\title{%(title)s}
\begin{document}
"""


def beamer(
    root: Value,
    path: str | os.PathLike,
    *,
    options: DrawingOptions | None = None,
    title: str | None = None,
    max_steps: int | None = DEFAULT_MAX_STEPS,
    aspectratio: int = 169,
    pdf: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
    latex_time_limit: float = DEFAULT_LATEX_TIME_LIMIT,
) -> Path:
    """Write a Beamer document with one frame per step of the backward pass of ``root``.

    Frame k shows the graph after step k of :func:`viz.backward_step_texts` (the first seeds
    grad(output) = 1), the node whose rule runs highlighted, and the chain-rule step with
    its numbers; a closing frame shows every gradient. No picture's text is ever below 8 pt:
    a graph too large for that is shown in close-ups (see the module's description). The
    document needs pdflatex with
    Beamer and TikZ (Debian: texlive-latex-recommended and texlive-pictures). Files are
    replaced in one step.

    Args:
        root: the output node.
        path: the ``.tex`` file to write, or a ``.pdf`` file: then the ``.tex`` beside it is
            written and compiled.
        options: the picture's :class:`DrawingOptions`, as for :func:`viz.stepper`.
        title: the frames' title (cut to 80 characters with "…"); by default names the
            output.
        max_steps: refuse a backward pass of more steps than this (None: no limit).
        aspectratio: the slides' shape, as Beamer's option of that name: 169 (16:9, 160 mm
            × 90 mm, the default), 43 (4:3, 128 mm × 96 mm), 1610, 149, 141, 54 or 32.
        pdf: also compile the document to a PDF beside the ``.tex`` file.
        time_limit: seconds Graphviz's ``dot`` may take to place the nodes.
        latex_time_limit: seconds pdflatex may take; it is stopped after that.

    Returns:
        The path of the PDF when one was made, else of the ``.tex`` file.

    Raises:
        ValueError: for a path that ends neither in ``.tex`` nor ``.pdf``, more steps than
            ``max_steps``, a bad option, a step that cannot be shown at 8 pt even one operand
            at a time, and where ``backward()`` would raise. Nothing is written.
        LatexNotFoundError: if a PDF is asked for and pdflatex is not installed; the ``.tex``
            file was written.
        LatexError: if pdflatex failed or ran out of time; the ``.tex`` file was written.
        GraphTooLargeError, LayoutTooSlowError, DotNotFoundError, DotTimeoutError: as for
            :func:`viz.stepper`.

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_lite import Value
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> with tempfile.TemporaryDirectory() as d:
        ...     tex = beamer(a * b, pathlib.Path(d) / "steps.tex")
        ...     tex.read_text(encoding="utf-8").count("\\\\begin{frame}")
        3
    """
    check_value(root, "root")
    tex_path = _tex_path(path)
    pdf = bool(pdf) or Path(path).suffix.lower() == ".pdf"
    time_limit = check_time_limit(time_limit)
    latex_time_limit = check_latex_time_limit(latex_time_limit)
    _check_max_steps_and_title(max_steps, title)
    slide = _slide(aspectratio)
    options = step_options(options, "beamer")
    order = topo_order(root)
    check_size(order, options.max_nodes, what="beamer")
    names = _latex_names(order, options.fmt)
    steps = step_texts(order, options.fmt, names, escape.latex, number=_number(options.fmt))
    _check_steps(len(steps), max_steps)
    check_layout(root, options, "beamer")
    source = _document(order, steps, options, title, time_limit, slide)
    return _write(source, tex_path, pdf, latex_time_limit)


def _write(source: str, tex_path: Path, pdf: bool, latex_time_limit: float) -> Path:
    """Write the ``.tex`` file and, if asked, the PDF beside it."""
    write_atomically(tex_path, source)
    if not pdf:
        return tex_path
    try:
        data = run_pdflatex(source, time_limit=latex_time_limit)
    except LatexNotFoundError as err:
        raise LatexNotFoundError(f"{err} The document was written to {str(tex_path)!r}.") from None
    pdf_path = tex_path.with_suffix(".pdf")
    write_atomically(pdf_path, data)
    return pdf_path


def _tex_path(path: str | os.PathLike) -> Path:
    """The ``.tex`` file a deck is written to: the path itself, or the one beside a ``.pdf``."""
    path = Path(path)
    if path.suffix.lower() not in (".tex", ".pdf"):
        raise ValueError(
            f"beamer writes a .tex file (or a .pdf with the .tex beside it), got "
            f"{str(path)!r}; name it, for example, {path.stem or 'steps'}.tex"
        )
    return path.with_suffix(".tex")


def _check_max_steps_and_title(max_steps: int | None, title: str | None) -> None:
    if max_steps is not None and not (is_integer(max_steps) and max_steps >= 1):
        raise ValueError(f"max_steps must be a positive whole number or None, got {max_steps!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be text or None, got {type(title).__name__}")


def _check_steps(n: int, max_steps: int | None) -> None:
    if max_steps is not None and n > max_steps:
        raise ValueError(
            f"this backward pass has {n} steps, more than max_steps={max_steps}: one "
            f"frame each would make a deck too long to show. To make it anyway, call "
            f"beamer(root, path, max_steps={n}) (or max_steps=None); to show a part, "
            "pass an inner node as the root."
        )


_MAX_TITLE_CHARS = 80  # a frame title longer than a line is cut with "…" (100k took 120 s)


def _document(
    order: list[Value],
    steps: list[StepText],
    options: DrawingOptions,
    title: str | None,
    time_limit: float,
    slide: _Slide,
) -> str:
    """The LaTeX source of the deck: a frame per step (or per part of a step, in close-ups)
    and the closing frames, every picture at 8 pt or more."""
    fmt = options.fmt
    # Every frame has the same layout: each grad cell is sized for the widest grad it shows.
    sized = _named_layout(order, options, widest(steps, fmt))
    where = place(sized, time_limit=time_limit, what="beamer")
    names = _latex_names(order, fmt)
    heading = (
        _title_text(shorten(title, _MAX_TITLE_CHARS))  # in every frame: one line's worth
        if title is not None
        else (r"Backward pass of " + names[-1])
    )
    width, height = where.bb[2] - where.bb[0], where.bb[3] - where.bb[1]
    final = {i: x for step in steps for i, x in step.updates}
    closing = StepText(0, _DONE, _closing_lines(order, final, names, fmt), ())
    whole = all(slide.scale(width, height, s.title, s.lines) >= 1.0 for s in [*steps, closing])
    frames = []
    shown: dict[int, float] = {}
    for k, step in enumerate(steps, start=1):
        shown.update(step.updates)
        graph = _named_layout(order, options, dict(shown))
        subtitle = f"Step {k} of {len(steps)}"
        if whole:
            tikz = picture(graph, where, current=step.node, updated=[i for i, _ in step.updates])
            scale = slide.scale(width, height, step.title, step.lines)
            frames.append(_frame(heading, subtitle, _scaled(tikz, scale), step.title, step.lines))
        else:
            if _wrapped(step.title, slide.text_width, 10.0) > 2:
                step = _short_title(step, order, names, shown, fmt)
            parts = _close_ups(sized, where, step, k == 1, slide, time_limit)
            for j, part in enumerate(parts, start=1):
                figure = _close_up_figure(graph, where, step, part, slide)
                sub = subtitle + (f", part {j} of {len(parts)}" if len(parts) > 1 else "")
                frames.append(_frame(heading, sub, figure, step.title, part.lines))
    if whole:
        frames.append(_closing_frame(order, options, shown, where, heading, names, slide))
    else:
        frames.extend(_closing_lists(order, shown, where, heading, names, fmt, slide))
    return (
        _PREAMBLE
        % {
            "ratio": slide.ratio,
            "title": (
                _title_text(shorten(title, 200))
                if title is not None
                else f"Backward pass of {names[-1]}"
            ),
        }
        + (_map_box(where) if not whole else "")
        + "".join(frames)
        + "\\end{document}\n"
    )


def _short_title(
    step: StepText, order: list[Value], names: list[str], shown: dict[int, float], fmt: str
) -> StepText:
    """The step with a heading of two lines at most, for close-ups, which show its operands a
    few at a time: its operation's value and grad without the sum of every term."""
    v, name, num = order[step.node], names[step.node], _number(fmt)
    title = (
        f"Back through {name} = {escape.latex(num(v.data))} "
        f"({len(v.parents)} operands, a few in each frame), "
        f"grad({name}) = {escape.latex(num(shown.get(step.node, 0.0)))}"
    )
    return StepText(step.node, title, step.lines, step.updates)


def _number(fmt: str):
    """How the frames' text writes a number: as the picture does (:func:`page_number`)."""
    return lambda x: page_number(x, fmt)


def _title_text(text: str) -> str:
    """A title in LaTeX, with a typographic apostrophe (Baydin’s) for a straight one between
    letters, as a typesetter sets it; everything else as :func:`autograd_lite.escape.latex`."""
    return escape.latex(re.sub(r"(?<=\w)'(?=\w)", "\u2019", text))


def _gradients(order: list[Value], shown: dict[int, float], names: list[str], fmt: str) -> list:
    """∂out/∂x = grad(x) = ..., for each leaf that is not a constant, in a teacher's order
    (:func:`_teaching_order`)."""
    plain = node_texts(order, fmt)  # as the steps decide where brackets go (w²₁₁ needs none)

    def symbol(i: int) -> str:
        return f"({names[i]})" if compound(plain[i]) else names[i]

    return [
        f"\\ensuremath{{\\partial}}{symbol(len(order) - 1)}/\\ensuremath{{\\partial}}{symbol(i)} = "
        f"grad({names[i]}) = {escape.latex(_number(fmt)(shown.get(i, 0.0)))}"
        for i in _teaching_order(order)
    ]


def _teaching_order(order: list[Value]) -> list[int]:
    """The positions of the leaves that are not constants, as a teacher lists their
    gradients: the inputs first (a¹ₖ by k, then leaves not in Nielsen's notation, such as x₁,
    in topological order), then layer by layer each neuron's weights wˡⱼₖ by k and its bias
    bˡⱼ. A graph without Nielsen's labels keeps its topological order."""

    def key(i: int) -> tuple:
        kind, layer, j, k = parse_nielsen(order[i].label) or ("", 0, 0, None)
        if kind == "a" and layer == 1:  # a network input, a¹ₖ
            return (0, 0, j, 0)
        if kind in ("w", "b"):
            return (1, layer, j, k if kind == "w" else math.inf)
        return (0, 1, i, 0)  # an input by another name, or any other leaf

    leaves = [i for i, v in enumerate(order) if not v.parents and not v.is_constant]
    return sorted(leaves, key=key)


def _closing_frame(
    order: list[Value],
    options: DrawingOptions,
    shown: dict[int, float],
    where: Placement,
    heading: str,
    names: list[str],
    slide: _Slide,
) -> str:
    """The last frame of a deck whose graph fits whole: the graph with every grad the pass
    gave, and the gradient of the output with respect to each leaf that is not a constant."""
    tikz = picture(_named_layout(order, options, dict(shown)), where)
    lines = _closing_lines(order, shown, names, options.fmt)
    width, height = where.bb[2] - where.bb[0], where.bb[3] - where.bb[1]
    scale = slide.scale(width, height, _DONE, lines)  # at least 1: the deck is drawn whole
    return _frame(heading, "Every gradient", _scaled(tikz, scale), _DONE, lines)


_DONE = "The backward pass is done:"


def _closing_lines(
    order: list[Value], shown: dict[int, float], names: list[str], fmt: str
) -> tuple[str, ...]:
    """The closing frame's lines when the graph is drawn whole: eight at most, as every grad
    stands in the picture too."""
    lines = _gradients(order, shown, names, fmt)
    if len(lines) > 8:
        lines = lines[:7] + [f"and {len(lines) - 7} more: every grad stands in the picture"]
    return tuple(lines)


def _closing_lists(
    order: list[Value],
    shown: dict[int, float],
    where: Placement,
    heading: str,
    names: list[str],
    fmt: str,
    slide: _Slide,
) -> list[str]:
    """The last frames of a deck in close-ups: the map of the whole graph and the gradient
    with respect to every leaf that is not a constant, in two columns, over as many frames
    as they need."""
    entries = _gradients(order, shown, names, fmt)
    wide = max((_plain_length(e) for e in entries), default=0) * _CHAR_EM * 8 > (
        slide.text_width / 2 - 12
    )
    columns = 1 if wide else 2
    title = "The backward pass is done: the gradient with respect to each leaf"
    map_height = min(_OVERVIEW[1], slide.room(title, ()) / 3)
    rows = max(1, int((slide.room(title, ()) - map_height - 8) // _LIST_ROW))
    chunks = [entries[k : k + rows * columns] for k in range(0, len(entries), rows * columns)]
    figure = overview(where, current="", width=slide.picture_width, height=map_height)
    frames = []
    for j, chunk in enumerate(chunks or [[]], start=1):
        cells = chunk + [""] * (-len(chunk) % columns)
        n = len(cells) // columns
        body = "\\\\\n".join(" & ".join(cells[r + c * n] for c in range(columns)) for r in range(n))
        spec = "l@{\\hspace{2em}}" * (columns - 1) + "l"
        table = (
            "\\scriptsize\\renewcommand{\\arraystretch}{1.3}\n"
            f"\\begin{{tabular}}{{@{{}}{spec}@{{}}}}\n{body}\n\\end{{tabular}}\n"
        )
        sub = "Every gradient" + (f", part {j} of {len(chunks)}" if len(chunks) > 1 else "")
        frames.append(_frame(heading, sub, figure, title, (), table))
    return frames


def _named_layout(order: list[Value], options: DrawingOptions, grads: dict) -> _Layout:
    """The picture's layout with each unlabelled operation named vᵢ, as the stepper pages and
    the trace tables name it (:func:`viz._step_words.evaluation_numbers`)."""
    graph = _layout(order, options, grads)
    numbers = evaluation_numbers(order)
    ids = [f"v_{numbers[v]}" if v in numbers else graph.ids[i] for i, v in enumerate(order)]
    return dataclasses.replace(graph, ids=ids, label_ids=True)


def _latex_names(order: list[Value], fmt: str) -> list[str]:
    """Each node's name as :func:`viz.backward_step_texts` writes it, in LaTeX: a label with its
    textbook scripts, the name a drawing gives a part of the squared error (y, a − y,
    (a − y)²), a constant's number, an id."""
    numbers = evaluation_numbers(order)
    parts = loss_names(order, {v: i for i, v in enumerate(order)})
    return [
        label_latex(shorten(v.label))
        if v.label
        else parts[i].latex
        if i in parts
        else label_latex(f"v_{numbers[v]}")
        if v in numbers
        else escape.latex(shorten(page_number(v.data, fmt)))
        for i, v in enumerate(order)
    ]


# --- the slide and what fits on it ----------------------------------------------------------

SLIDES = {
    169: (160.0, 90.0),
    1610: (160.0, 100.0),
    149: (140.0, 90.0),
    141: (148.5, 105.0),
    54: (125.0, 100.0),
    43: (128.0, 96.0),
    32: (135.0, 90.0),
}
"""Beamer's slide shapes (its ``aspectratio`` option): width and height in millimetres."""

MIN_TEXT_PT = FONT_PT
"""The smallest text a frame's picture has, in points: pictures are drawn at their natural
size or larger, never shrunk (a label's sub- and superscripts are at TeX's script size of it,
6 pt)."""

_MM = 72 / 25.4  # big points in a millimetre
_MARGIN = 6 * _MM  # the text margins the preamble sets
_SIDE = 2.5 * _MM  # a picture may be as wide as the slide but this at each side
_HEAD = 46.0  # the frame title, its subtitle and the skip under them
_FOOT = 14.0  # the footline with the frame number
_OVERVIEW = (110.0, 64.0)  # the largest map beside a close-up
_OVERVIEW_GAP = 12.0
_CHAR_EM = 0.52  # the mean width of a character of the frames' text, in ems
_LIST_ROW = 12.5  # a row of the closing frames' list (8 pt, stretched for the scripts)


@dataclass(frozen=True)
class _Slide:
    """A Beamer slide of one shape, in big points, and the room a frame's text leaves."""

    ratio: int
    width: float
    height: float

    @property
    def text_width(self) -> float:
        return self.width - 2 * _MARGIN

    @property
    def picture_width(self) -> float:
        return self.width - 2 * _SIDE

    def room(self, title: str, lines: tuple[str, ...] | list[str]) -> float:
        """The height the frame leaves for its picture under the title, the step's heading
        (``\\small``) and its lines (``\\footnotesize``, or ``\\scriptsize`` from 5 lines)."""
        size, lead = (9.0, 11.0) if len(lines) <= 4 else (8.0, 9.5)
        used = 12.0 * _wrapped(title, self.text_width, 10.0) + 14.0
        used += sum(lead * _wrapped(line, self.text_width - 20, size) + 2 for line in lines)
        return self.height - _HEAD - _FOOT - used - (10.0 if lines else 0.0)

    def scale(self, width: float, height: float, title: str, lines) -> float:
        """The scale a picture of this natural size is drawn at: as large as fits, at most
        :data:`_MAX_ENLARGE`."""
        room = self.room(title, lines)
        return min(self.picture_width / max(width, 1.0), room / max(height, 1.0), _MAX_ENLARGE)


def _slide(aspectratio: int) -> _Slide:
    if not (is_integer(aspectratio) and int(aspectratio) in SLIDES):
        raise ValueError(
            f"aspectratio must be one of Beamer's slide shapes {', '.join(map(str, SLIDES))} "
            f"(169 is 16:9, 43 is 4:3), got {aspectratio!r}"
        )
    w, h = SLIDES[aspectratio]
    return _Slide(aspectratio, w * _MM, h * _MM)


def _plain_length(text: str) -> float:
    """About how many characters LaTeX text prints (scripts count 0.7)."""
    text = re.sub(r"\\(ensuremath|mbox|textcolor\{[^}]*\})", "", text)
    scripts = sum(len(m) for m in re.findall(r"[\^_]\{([^}]*)\}", text))
    text = re.sub(r"\\[a-zA-Z]+(\{\})?", "x", text)
    text = re.sub(r"[{}^_]", "", text)
    return len(text) - 0.3 * scripts


def _wrapped(text: str, width: float, size: float) -> int:
    """About how many lines text of this size takes in this width."""
    return max(1, math.ceil(_plain_length(text) * _CHAR_EM * size / width))


# --- close-ups of a step ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    """A frame's share of a step: the nodes it draws, their placement and the step's lines
    about them."""

    only: frozenset[str]
    where: Placement
    lines: tuple[str, ...]
    updated: tuple[int, ...]


def _close_ups(
    sized: _Layout, where: Placement, step: StepText, seed: bool, slide: _Slide, time_limit: float
) -> list[_Part]:
    """A step as close-ups at 8 pt or more: the step's node, its operation and its operands,
    in as few parts (frames) as fit, each with the lines about its operands. Operands are
    taken in order and kept in their groups (a Σ's w_j with a_j) while a group fits.

    Raises:
        ValueError: if even one operand at a time does not fit beside the step's text.
    """
    own = {f"n{step.node}"} if seed else {f"n{step.node}", f"n{step.node}_op"}

    def part_of(atoms: list[tuple[int, str | None]]) -> _Part:
        names = own | {f"n{pi}" for pi, _ in atoms}
        only = frozenset(names & where.nodes.keys())
        lines = tuple(line for _, line in atoms if line is not None) if atoms else step.lines
        placed = place(sized, time_limit=time_limit, what="beamer", only=only)
        return _Part(only, placed, lines, tuple(pi for pi, _ in atoms))

    queue = _operand_groups(sized, step, seed)
    parts: list[_Part] = []
    atoms: list[tuple[int, str | None]] = []
    last = part_of([])
    while queue:
        group = queue.pop(0)
        trial = part_of(atoms + group)
        if _close_up_scale(step, trial, slide) >= 1.0:
            atoms, last = atoms + group, trial
        elif atoms:  # the part is full: the group starts the next one
            parts.append(last)
            atoms = []
            queue.insert(0, group)
        elif len(group) > 1:  # a group too large alone: its operands one at a time
            queue[:0] = [[atom] for atom in group]
        else:
            raise ValueError(_too_large(sized, step, trial, slide))
    if not parts or atoms:
        if _close_up_scale(step, last, slide) < 1.0:
            raise ValueError(_too_large(sized, step, last, slide))
        parts.append(last)
    return parts


def _operand_groups(sized: _Layout, step: StepText, seed: bool) -> list:
    """The step's operands as groups of ``(index, its line or None)`` that a close-up keeps
    together if it can: a neuron's Σ term by term (w_j with a_j, then the bias), any other
    operation operand by operand (a constant with the one before it)."""
    if seed:
        return []
    v = sized.order[step.node]
    with_lines = [k for k, p in enumerate(v.parents) if not p.is_constant]
    if len(with_lines) != len(step.lines):  # lines that do not follow the operands
        return [[(sized.index[p], None) for p in v.parents]]
    line_of = dict(zip(with_lines, step.lines))
    if v.op == "wsum":
        n = (len(v.parents) - 1) // 2
        positions = [[k, n + k] for k in range(n)] + [[2 * n]]
    else:
        positions = []
        for k in range(len(v.parents)):
            if k in line_of or not positions:
                positions.append([])
            positions[-1].append(k)
    return [[(sized.index[v.parents[k]], line_of.get(k)) for k in group] for group in positions]


def _close_up_scale(step: StepText, part: _Part, slide: _Slide) -> float:
    """The scale of a close-up beside its map: as large as fits, at most :data:`_MAX_ENLARGE`."""
    width = part.where.bb[2] - part.where.bb[0]
    height = part.where.bb[3] - part.where.bb[1]
    room = slide.room(step.title, part.lines)
    beside = slide.picture_width - _OVERVIEW[0] - _OVERVIEW_GAP
    return min(beside / max(width, 1.0), room / max(height, 1.0), _MAX_ENLARGE)


def _map_box(where: Placement) -> str:
    """The grey map of the whole graph, saved once in a box that every close-up's map shows
    under its marks (a 2-16-16-1 network has some 700 nodes and 400 frames)."""
    grey = overview(where, width=_OVERVIEW[0], height=_OVERVIEW[1])
    return f"\\newsavebox{{\\agmap}}\n\\sbox{{\\agmap}}{{%\n{grey}}}\n"


def _close_up_figure(
    graph: _Layout, where: Placement, step: StepText, part: _Part, slide: _Slide
) -> str:
    """The close-up, at its scale, and beside it the map of the whole graph."""
    tikz = picture(graph, part.where, current=step.node, updated=part.updated, only=part.only)
    # centred on the map beside it
    tikz = tikz.replace("[", "[baseline=(current bounding box.center), ", 1)
    scale = _close_up_scale(step, part, slide)
    room = slide.room(step.title, part.lines)
    figure = overview(
        where,
        width=_OVERVIEW[0],
        height=_OVERVIEW[1],
        current=f"n{step.node}",
        marked=part.only,
        under=r"\usebox{\agmap}",  # the grey map, made once (see _document)
    )
    if room < _OVERVIEW[1]:
        figure = _scaled(figure, room / _OVERVIEW[1])
    return _scaled(tikz, scale) + f"\\hspace{{{_OVERVIEW_GAP:g}bp}}%\n" + figure


def _too_large(sized: _Layout, step: StepText, big: _Part, slide: _Slide) -> str:
    v = sized.order[step.node]
    name = v.label or node_names(sized.order)[v]
    w, h = big.where.bb[2] - big.where.bb[0], big.where.bb[3] - big.where.bb[1]
    return (
        f"the step back through {name!r} cannot be shown with its text at {MIN_TEXT_PT:g} pt "
        f"or more on a slide of {slide.width / _MM:g} mm x {slide.height / _MM:g} mm "
        f"(aspectratio={slide.ratio}): its picture with one operand is {w:.0f} x {h:.0f} bp, "
        f"and the frame leaves {slide.picture_width - _OVERVIEW[0] - _OVERVIEW_GAP:.0f} x "
        f"{max(0.0, slide.room(step.title, big.lines)):.0f} bp beside its text. Pass an "
        "inner node as the root to show a part of the graph, or a taller slide shape."
    )


def _scaled(tikz: str, scale: float) -> str:
    return f"\\scalebox{{{scale:.4f}}}{{%\n{tikz}}}"


def _frame(
    heading: str,
    subtitle: str,
    figure: str,
    title: str,
    lines: tuple[str, ...],
    body: str = "",
) -> str:
    """One frame: the picture as wide as the slide allows, centred, then the step."""
    size = r"\footnotesize" if len(lines) <= 4 else r"\scriptsize"
    items = "".join(f"  \\item {line}\n" for line in lines)
    return (
        f"\\begin{{frame}}[t]\n\\frametitle{{{heading}}}\n"
        f"\\framesubtitle{{{subtitle}}}\n"
        f"\\begin{{center}}\n\\makebox[\\textwidth][c]{{{figure}}}\n\\end{{center}}\n"
        f"{{\\small {title}}}\n"
        + (f"{size}\n\\begin{{itemize}}\n{items}\\end{{itemize}}\n" if lines else "")
        + body
        + "\\end{frame}\n"
    )
