"""Computation graphs as Graphviz DOT: :func:`to_dot`, :func:`draw` and :func:`render`.

Every value node is a small table (label, data, grad); every operation is its own oval node
with the symbol from the ops table. Node ids follow the topological order (``n0``, ``n1``,
...; an operation node is named after its output, ``n5_op``), so the same graph always gives
byte-identical DOT. Only public attributes of the nodes are read.

The ids are the names that :func:`autograd_lite.teach.explain` and the stepper give unlabelled
nodes (:func:`autograd_lite.labels.node_names`). A drawing with ``highlight`` (a path
picture) prints them in its unlabelled nodes by default, so each node of a path table can
be found in it; ``show_ids`` turns them on or off in any drawing.

Drawing never hangs: besides ``max_nodes``, a graph whose layout would take Graphviz long (too
many edges, or edges across too many ranks; see :mod:`viz.limits` for the measurements) is
refused before ``dot`` runs, and :func:`render` stops ``dot`` after ``time_limit`` seconds.
Labels longer than :data:`viz.labels.MAX_LABEL_CHARS` are shortened with a "…" (the node's
tooltip holds more). Files are written atomically: a failure leaves an old file whole.

Every drawing entry point of ``viz`` takes its options as one :class:`DrawingOptions`
(``options=DrawingOptions(rankdir="TB")``); the stepper pages build the same picture
with grads other than the nodes' own.

Example:
    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> c.backward()
    >>> [line.strip() for line in to_dot(c).splitlines() if "->" in line]
    ['n0 -> n2_op', 'n1 -> n2_op', 'n2_op -> n2']
"""

from __future__ import annotations

import os
from pathlib import Path

import graphviz

from autograd_lite import Value
from autograd_lite.files import write_atomically

from .limits import DEFAULT_TIME_LIMIT, check_time_limit, run_dot
from .picture import (  # noqa: F401  (the colours and helpers are also read from here)
    DEFAULT_MAX_NODES,
    DIM,
    HIGHLIGHT,
    NEG_COLOURS,
    OP_FILL,
    POS_COLOURS,
    VALUE_FILL,
    ZERO_COLOUR,
    DotNotFoundError,
    DrawingOptions,
    GraphTooLargeError,
    check_layout,
    digraph,
    dot_lines,
    drawing_options,
)

_RENDER_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

__all__ = [
    "to_dot",
    "draw",
    "render",
    "DrawingOptions",
    "GraphTooLargeError",
    "DotNotFoundError",
    "DEFAULT_MAX_NODES",
]

# --- the entry points -----------------------------------------------------------------------


def to_dot(root: Value, *, options: DrawingOptions | None = None) -> str:
    """The DOT source of the graph ``root`` depends on.

    Args:
        root: the output node; the drawing holds it and every node it depends on.
        options: how to draw it (:class:`DrawingOptions`); None draws with the defaults.

    Returns:
        The DOT text, identical for the same graph in any run. Labels and numbers longer than
        :data:`viz.labels.MAX_LABEL_CHARS` characters are shortened with a "…".

    Raises:
        GraphTooLargeError: if the graph has more than ``options.max_nodes`` value nodes.
        ValueError: for a highlighted node or edge not in the graph.
        TypeError: if root is not a Value, options not a DrawingOptions, or highlight holds
            something else.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(3.0, label="x")
        >>> "n2_op [label=<(·)<SUP>2</SUP>>" in to_dot(x ** 2)
        True
        >>> y = (x * 2).exp()
        >>> lit = DrawingOptions(highlight=[y.parents[0]])
        >>> ">n2</FONT>" in to_dot(y), ">n2</FONT>" in to_dot(y, options=lit)
        (False, True)
    """
    return digraph(dot_lines(root, drawing_options(options)))


def draw(root: Value, *, options: DrawingOptions | None = None) -> graphviz.Digraph:
    """The graph as a ``graphviz.Digraph``: notebooks display it inline by themselves.

    Args:
        root: the output node.
        options: how to draw it (:class:`DrawingOptions`); None draws with the defaults.

    Returns:
        A Digraph whose ``.source`` is exactly :func:`to_dot`'s text for the same options;
        call ``.render()`` or use :func:`render` to write files.

    Raises:
        LayoutTooSlowError: if ``options.max_nodes`` is not None and Graphviz would take long
            to lay the graph out (a notebook runs it to show the picture); the message says
            what makes it slow and what helps.
        GraphTooLargeError, ValueError, TypeError: as :func:`to_dot`.

    Example:
        >>> from autograd_lite import Value
        >>> tb = DrawingOptions(rankdir="TB")
        >>> g = draw(Value(1.0, label="x").tanh(), options=tb)
        >>> g.source == to_dot(Value(1.0, label="x").tanh(), options=tb)
        True
    """
    options = drawing_options(options)
    lines = dot_lines(root, options)
    check_layout(root, options, "draw")
    # graphviz writes the same "digraph {" wrapper around the body as digraph() does
    return graphviz.Digraph(body=[f"{line}\n" for line in lines])


def render(
    root: Value,
    path: str | os.PathLike,
    format: str | None = None,
    *,
    options: DrawingOptions | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> Path:
    """Draw the graph into a file: SVG, PNG, PDF or the DOT source itself.

    Args:
        root: the output node.
        path: the file to write.
        format: ``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"``; None takes it from the path's
            suffix (``.svg``, ``.png``, ``.pdf``, ``.dot``).
        options: how to draw it (:class:`DrawingOptions`); None draws with the defaults.
        time_limit: seconds Graphviz's ``dot`` may take to draw the picture
            (:data:`viz.limits.DEFAULT_TIME_LIMIT` by default); it is stopped after that.

    Returns:
        The path written. The file is replaced in one step, so a failure leaves an old file
        at ``path`` whole.

    Raises:
        DotNotFoundError: if Graphviz's ``dot`` program is not installed; the DOT source is
            then written next to ``path`` with the suffix ``.dot``, and the message says so
            and how to install Graphviz.
        DotTimeoutError: if ``dot`` ran longer than ``time_limit``; nothing is written and the
            message says which options make the drawing faster.
        LayoutTooSlowError: as :func:`draw`, when drawing a picture (not for ``"dot"``).
        ValueError: for an unknown format or a bad ``time_limit``, and as :func:`to_dot`.
        GraphTooLargeError, TypeError: as :func:`to_dot`.

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_lite import Value
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = render(Value(2.0, label="x").exp(), pathlib.Path(d) / "g.dot")
        ...     p.read_text().startswith("digraph {")
        True
    """
    path = Path(path)
    file_format = _file_format(path, format)
    time_limit = check_time_limit(time_limit)
    options = drawing_options(options)
    source = digraph(dot_lines(root, options))
    if file_format == "dot":
        write_atomically(path, source)
        return path
    check_layout(root, options, "render")
    try:
        data = run_dot(source, file_format, time_limit=time_limit, hints=faster_hints(options))
    except graphviz.ExecutableNotFound:
        dot_path = path.with_suffix(".dot")
        write_atomically(dot_path, source)
        raise DotNotFoundError(
            f"cannot write {str(path)!r}: Graphviz's `dot` program was not found on PATH. "
            f"The DOT source was written to {str(dot_path)!r} instead. To draw pictures, "
            f"{install_hint()}; the Python package `graphviz` alone does not include it."
        ) from None
    write_atomically(path, data)
    return path


def faster_hints(options: DrawingOptions, what: str = "render") -> str:
    """What makes a drawing faster, for the message of a ``dot`` that ran out of time."""
    hints = [
        f"draw a part of the graph: {what}(node, ...) with an inner node draws only it and "
        "the nodes it depends on",
        "use fewer nodes (fewer terms, a smaller network)",
    ]
    if not options.compact_constants:
        hints.append("draw constants as small boxes (DrawingOptions(compact_constants=True))")
    if options.max_nodes is None:
        hints.append(
            "leave max_nodes at its default, which refuses such graphs at once with the reason"
        )
    hints.append("or give dot more time with a larger time_limit")
    return "To draw faster: " + "; ".join(hints) + "."


def _file_format(path: Path, format: str | None) -> str:
    """The format render writes: ``format`` if given, else the one the path's suffix names."""
    if format is None:
        file_format = _RENDER_FORMATS.get(path.suffix.lower())
        if file_format is None:
            raise ValueError(
                f"cannot tell the format from the file name {str(path)!r}: use the suffix "
                ".svg, .png, .pdf or .dot, or pass format='svg' (or 'png', 'pdf', 'dot')"
            )
        return file_format
    file_format = format.lower()
    if file_format not in ("svg", "png", "pdf", "dot"):
        raise ValueError(f"format must be 'svg', 'png', 'pdf' or 'dot', got {format!r}")
    return file_format


def install_hint() -> str:
    """How to install Graphviz's ``dot`` program, for error messages."""
    return (
        "install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), "
        "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`"
    )
