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
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from autograd_lite import Value, escape, topo_order
from autograd_lite.checks import is_integer
from autograd_lite.engine import check_value
from autograd_lite.files import write_atomically
from autograd_lite.labels import node_names

from ._stepping import StepText, step_options, widest
from .labels import format_number, shorten
from .latex import (
    DEFAULT_LATEX_TIME_LIMIT,
    LatexNotFoundError,
    check_latex_time_limit,
    label_latex,
    run_pdflatex,
)
from .limits import DEFAULT_TIME_LIMIT, check_time_limit
from .picture import DrawingOptions, _layout, check_layout, check_size
from .stepper import step_texts
from .tikz import picture, place

__all__ = ["DEFAULT_MAX_STEPS", "beamer"]

DEFAULT_MAX_STEPS = 60
"""Decks with more steps (frames) than this are refused unless ``max_steps`` is raised: a
lecture rarely shows more, and pdflatex takes about a second per ten frames."""

# The frame's text area of a 16:9 Beamer slide, in big points, as the picture may fill it.
_TEXT_WIDTH = 400.0
_TEXT_HEIGHT = 215.0
_MAX_ENLARGE = 1.6

_PREAMBLE = r"""\documentclass[aspectratio=169,11pt]{beamer}
\usepackage{tikz}
\setbeamertemplate{navigation symbols}{}
\setbeamertemplate{footline}{\hfill\insertframenumber\hspace*{3mm}\vspace*{2mm}}
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
    pdf: bool = False,
    time_limit: float = DEFAULT_TIME_LIMIT,
    latex_time_limit: float = DEFAULT_LATEX_TIME_LIMIT,
) -> Path:
    """Write a Beamer document with one frame per step of the backward pass of ``root``.

    Frame k shows the graph after step k of :func:`viz.backward_step_texts` (the first seeds
    grad(output) = 1), the node whose rule runs highlighted, and the chain-rule step with
    its numbers; a closing frame shows every gradient. The document needs pdflatex with
    Beamer and TikZ (Debian: texlive-latex-recommended and texlive-pictures). Files are
    replaced in one step.

    Args:
        root: the output node.
        path: the ``.tex`` file to write, or a ``.pdf`` file: then the ``.tex`` beside it is
            written and compiled.
        options: the picture's :class:`DrawingOptions`, as for :func:`viz.stepper`.
        title: the frames' title (cut to 80 characters with "…"); by default names the
            output.
        max_steps: refuse a backward pass of more steps (frames) than this (None: no limit).
        pdf: also compile the document to a PDF beside the ``.tex`` file.
        time_limit: seconds Graphviz's ``dot`` may take to place the nodes.
        latex_time_limit: seconds pdflatex may take; it is stopped after that.

    Returns:
        The path of the PDF when one was made, else of the ``.tex`` file.

    Raises:
        ValueError: for a path that ends neither in ``.tex`` nor ``.pdf``, more steps than
            ``max_steps``, a bad option, and where ``backward()`` would raise. Nothing is
            written.
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
    if max_steps is not None and not (is_integer(max_steps) and max_steps >= 1):
        raise ValueError(f"max_steps must be a positive whole number or None, got {max_steps!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be text or None, got {type(title).__name__}")
    options = step_options(options, "beamer")
    order = topo_order(root)
    check_size(order, options.max_nodes, what="beamer")
    names = _latex_names(order, options.fmt)
    steps = step_texts(order, options.fmt, names, escape.latex, number=_number(options.fmt))
    _check_steps(len(steps), max_steps)
    check_layout(root, options, "beamer")
    source = _document(order, steps, options, title, time_limit)
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
) -> str:
    """The LaTeX source of the deck: a frame per step, every frame laid out alike."""
    fmt = options.fmt
    # Every frame has the same layout: each grad cell is sized for the widest grad it shows.
    where = place(_layout(order, options, widest(steps, fmt)), time_limit=time_limit, what="beamer")
    root_name = shorten(node_names(order, lambda x: format_number(x, fmt))[order[-1]])
    names = _latex_names(order, fmt)
    heading = (
        _title_text(shorten(title, _MAX_TITLE_CHARS))  # in every frame: one line's worth
        if title is not None
        else (r"Backward pass of " + names[-1])
    )
    frames = []
    shown: dict[int, float] = {}
    for k, step in enumerate(steps, start=1):
        shown.update(step.updates)
        graph = _layout(order, options, dict(shown))
        tikz = picture(graph, where, current=step.node, updated=[i for i, _ in step.updates])
        frames.append(_frame(heading, k, len(steps), tikz, where.bb, step.title, step.lines))
    frames.append(_closing_frame(order, options, shown, where, heading, names))
    return (
        _PREAMBLE % {"title": _title_text(shorten(title if title is not None else root_name, 200))}
        + "".join(frames)
        + "\\end{document}\n"
    )


def _number(fmt: str):
    """How the frames' text writes a number: as the picture does, with a real minus (−)."""
    return lambda x: format_number(x, fmt).replace("-", "\u2212")


def _title_text(text: str) -> str:
    """A title in LaTeX, with a typographic apostrophe (Baydin’s) for a straight one between
    letters, as a typesetter sets it; everything else as :func:`autograd_lite.escape.latex`."""
    return escape.latex(re.sub(r"(?<=\w)'(?=\w)", "\u2019", text))


def _closing_frame(
    order: list[Value],
    options: DrawingOptions,
    shown: dict[int, float],
    where,
    heading: str,
    names: list[str],
) -> str:
    """The last frame: the graph with every grad the pass gave, and the gradient of the output
    with respect to each leaf that is not a constant."""
    tikz = picture(_layout(order, options, dict(shown)), where)
    out = names[-1]
    fmt = options.fmt
    lines = tuple(
        f"\\ensuremath{{\\partial}}{out}/\\ensuremath{{\\partial}}{names[i]} = "
        f"grad({names[i]}) = {escape.latex(_number(fmt)(shown.get(i, 0.0)))}"
        for i, v in enumerate(order)
        if not v.parents and not v.is_constant
    )
    return _frame(heading, 0, 0, tikz, where.bb, "The backward pass is done:", lines[:8])


def _latex_names(order: list[Value], fmt: str) -> list[str]:
    """Each node's name as :func:`viz.backward_step_texts` writes it, in LaTeX: a label with its
    textbook scripts, a constant's number, an id."""
    names = node_names(order, lambda x: format_number(x, fmt))
    return [
        label_latex(shorten(v.label)) if v.label else escape.latex(shorten(names[v])) for v in order
    ]


def _frame(
    heading: str,
    k: int,
    n: int,
    tikz: str,
    bb: tuple[float, float, float, float],
    title: str,
    lines: tuple[str, ...],
) -> str:
    """One frame: the picture scaled to the room the text leaves, then the step."""
    room = _TEXT_HEIGHT * max(0.3, 0.8 - 0.07 * len(lines))
    width, height = bb[2] - bb[0], bb[3] - bb[1]
    scale = min(_TEXT_WIDTH / max(width, 1.0), room / max(height, 1.0), _MAX_ENLARGE)
    size = r"\footnotesize" if len(lines) <= 4 else r"\scriptsize"
    items = "".join(f"  \\item {line}\n" for line in lines)
    subtitle = f"Step {k} of {n}" if k else "Every gradient"
    return (
        f"\\begin{{frame}}[t]\n\\frametitle{{{heading}}}\n"
        f"\\framesubtitle{{{subtitle}}}\n"
        f"\\begin{{center}}\n\\scalebox{{{scale:.4f}}}{{%\n{tikz}}}\n\\end{{center}}\n"
        f"{{\\small {title}}}\n"
        f"{size}\n\\begin{{itemize}}\n{items}\\end{{itemize}}\n"
        "\\end{frame}\n"
    )
