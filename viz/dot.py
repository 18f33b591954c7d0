"""Computation graphs as Graphviz DOT: :func:`to_dot`, :func:`draw` and :func:`render`.

Every value node is a small table (label, data, grad); every operation is its own oval node
with the symbol from the ops table. Node ids follow the topological order (``n0``, ``n1``,
...; an operation node is named after its output, ``n5_op``), so the same graph always gives
byte-identical DOT. Only public attributes of the nodes are read.

The ids are the names that :func:`autograd_lite.teach.explain` and the stepper give unlabelled
nodes (:func:`autograd_lite.labels.node_names`). A drawing with ``highlight`` (a path
picture) prints them in its unlabelled nodes by default, so each node of a path table can
be found in it; ``show_ids`` turns them on or off in any drawing.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphviz

from autograd_lite import Value, topo_order
from autograd_lite.labels import node_id
from autograd_lite.ops import OPS

from .labels import format_number, html_text, label_html, parse_nielsen

__all__ = [
    "to_dot",
    "draw",
    "render",
    "GraphTooLargeError",
    "DotNotFoundError",
    "DEFAULT_MAX_NODES",
]

DEFAULT_MAX_NODES = 300
"""Graphs with more value nodes than this are refused unless ``max_nodes`` is raised."""

FONT = "DejaVu Sans"
HIGHLIGHT = "#d95f02"
VALUE_FILL = "#ffffff"
OP_FILL = "#e4e4e4"
# Diverging red (negative) / blue (positive) colours, light to strong, then zero.
NEG_COLOURS = ("#fddbc7", "#f4a582", "#e0735f")
POS_COLOURS = ("#d1e5f0", "#92c5de", "#5aa2d0")
ZERO_COLOUR = "#f7f7f7"
# Binary primitives whose operands can be swapped; others get "a"/"b" on their edges.
_COMMUTATIVE = frozenset({"add", "mul"})
_RENDER_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}


class GraphTooLargeError(ValueError):
    """The graph has more nodes than the drawing limit ``max_nodes``."""


class DotNotFoundError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is not installed; the DOT source was written instead."""

    def __init__(self, message: str):
        RuntimeError.__init__(self, message)


@dataclass
class _Options:
    rankdir: str = "LR"
    fmt: str = ".4g"
    show_grad: bool = True
    color_by_grad: bool = False
    highlight: Iterable = ()
    cluster: bool = False
    max_nodes: int | None = DEFAULT_MAX_NODES
    compact_constants: bool = True
    show_ids: bool | None = None
    # Used by the stepper: grads to display instead of the nodes' own (index -> grad).
    display_grads: dict | None = field(default=None, repr=False)


_PUBLIC_OPTIONS = (
    "rankdir",
    "fmt",
    "show_grad",
    "color_by_grad",
    "highlight",
    "cluster",
    "max_nodes",
    "compact_constants",
    "show_ids",
)


def _options(options: dict) -> _Options:
    unknown = sorted(set(options) - set(_PUBLIC_OPTIONS))
    if unknown:
        raise TypeError(
            f"unknown drawing option(s) {', '.join(unknown)}; the options are "
            f"{', '.join(_PUBLIC_OPTIONS)}"
        )
    return _Options(**options)


def _check_options(opts: _Options) -> None:
    if opts.rankdir not in ("LR", "TB"):
        raise ValueError(
            f"rankdir must be 'LR' (left to right) or 'TB' (top to bottom), got {opts.rankdir!r}"
        )
    format_number(1.0, opts.fmt)  # raises a clear ValueError for a bad spec
    if opts.max_nodes is not None and (not isinstance(opts.max_nodes, int) or opts.max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {opts.max_nodes!r}")


def _name(v: Value) -> str:
    return f"{v.label!r} (data {v.data!r})" if v.label else f"the node with data {v.data!r}"


def check_size(order: list, max_nodes: int | None, what: str = "draw") -> None:
    """Refuse a graph above the drawing limit with a message that says what to do.

    Args:
        order: the graph's nodes (its topological order).
        max_nodes: the limit, or None for none.
        what: the name of the function, for the message.

    Raises:
        GraphTooLargeError: if ``len(order) > max_nodes``.
    """
    n = len(order)
    if max_nodes is not None and n > max_nodes:
        raise GraphTooLargeError(
            f"this graph has {n} value nodes, more than the drawing limit max_nodes="
            f"{max_nodes}: Graphviz would be slow and the picture unreadable. "
            f"To draw it anyway, call {what}(root, ..., max_nodes={n}) (or max_nodes=None for no "
            f"limit); to draw a part of it, pass an inner node as the root: {what}(node) "
            "draws only that node and the nodes it depends on."
        )


def _highlights(order: list, index: dict, highlight: Iterable) -> tuple[set, set]:
    """Split ``highlight`` into node indices and (parent index, child index) edges."""
    nodes: set[int] = set()
    edges: set[tuple[int, int]] = set()
    for item in highlight:
        if type(item) is Value:
            if item not in index:
                raise ValueError(f"highlight: {_name(item)} is not a node of this graph")
            nodes.add(index[item])
        elif isinstance(item, tuple) and len(item) == 2 and all(type(v) is Value for v in item):
            parent, child = item
            if child not in index or not any(p is parent for p in child.parents):
                raise ValueError(
                    f"highlight: ({_name(parent)}, {_name(child)}) is not an edge of this "
                    "graph; an edge is (parent, child) with parent among child.parents"
                )
            edges.add((index[parent], index[child]))
        else:
            raise TypeError(
                "highlight must hold Values (nodes) and (parent, child) pairs of Values "
                f"(edges), got {type(item).__name__}: {item!r}"
            )
    return nodes, edges


def _colour(g: float, scale: float) -> str:
    if g == 0.0 or scale == 0.0:
        return ZERO_COLOUR
    # Gradients span orders of magnitude, so the shades are decades below the largest:
    # a vanishing gradient stays visibly pale next to a healthy one.
    t = abs(g) / scale
    level = 2 if t > 0.1 else (1 if t > 0.01 else 0)
    return (POS_COLOURS if g > 0 else NEG_COLOURS)[level]


def _legend(scale: float, fmt: str) -> list[str]:
    def num(x: float) -> str:
        return html_text(format_number(x, fmt))

    top = scale
    if scale == 0.0:
        rows = [(ZERO_COLOUR, "every grad is 0")]
    else:
        mid, low = scale / 10, scale / 100
        rows = [
            (NEG_COLOURS[2], f"grad &lt; {num(-mid)}"),
            (NEG_COLOURS[1], f"{num(-mid)} … {num(-low)}"),
            (NEG_COLOURS[0], f"{num(-low)} … 0"),
            (ZERO_COLOUR, "0"),
            (POS_COLOURS[0], f"0 … {num(low)}"),
            (POS_COLOURS[1], f"{num(low)} … {num(mid)}"),
            (POS_COLOURS[2], f"grad &gt; {num(mid)}"),
        ]
    note = f'<TR><TD COLSPAN="2" BORDER="0">largest |grad|: {num(top)}</TD></TR>' if scale else ""
    cells = (
        "".join(
            f'<TR><TD BGCOLOR="{c}" WIDTH="24"> </TD><TD ALIGN="LEFT">{t}</TD></TR>'
            for c, t in rows
        )
        + note
    )
    table = f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">{cells}</TABLE>'
    return [
        "\tsubgraph cluster_legend {",
        '\t\tlabel=<grad colour> style=rounded color="#999999"',
        f"\t\tlegend [label=<{table}>]",
        "\t}",
    ]


def dot_lines(root: Value, opts: _Options) -> list[str]:
    """The DOT body lines (each starting with a tab) for ``root``'s graph."""
    if type(root) is not Value:
        raise TypeError(f"root must be a Value, got {type(root).__name__}: {root!r}")
    _check_options(opts)
    order = topo_order(root)
    check_size(order, opts.max_nodes)
    index = {v: i for i, v in enumerate(order)}
    hl_nodes, hl_edges = _highlights(order, index, opts.highlight)
    # A path picture is read next to a path table, which names unlabelled nodes by id.
    show_ids = opts.show_ids if opts.show_ids is not None else bool(hl_nodes or hl_edges)
    uses: dict[int, int] = {}
    for v in order:
        for p in v.parents:
            uses[index[p]] = uses.get(index[p], 0) + 1
    shown = opts.display_grads

    def grad(i: int) -> float:
        return order[i].grad if shown is None else shown.get(i, 0.0)

    # A constant exponent (x ** 2) is folded into its operation node: "^2".
    folded = set()
    for i, v in enumerate(order):
        if v.op == "pow":
            e = index[v.parents[1]]
            ev = order[e]
            if (
                not ev.parents
                and ev.label is None
                and uses[e] == 1
                and e not in hl_nodes
                and (e, i) not in hl_edges
                and v.parents[0] is not ev
            ):
                folded.add(e)
    compact = {
        i
        for i, v in enumerate(order)
        if opts.compact_constants
        and not v.parents
        and v.label is None
        and i not in folded
        and v is not root
    }
    full = [i for i in range(len(order)) if i not in folded and i not in compact]
    # The output's own grad is 1 by definition and says nothing: the scale ignores it
    # unless it is the only node.
    scale = max((abs(grad(i)) for i in full if i != len(order) - 1 or len(full) == 1), default=0.0)
    num = format_number

    def value_node(i: int) -> str:
        v = order[i]
        if i in compact:
            return (
                f"n{i} [label=<{html_text(num(v.data, opts.fmt))}> shape=box "
                'style="rounded,dashed" color="#888888" height=0.3 '
                'width=0.3 margin="0.06,0.02"]'
            )
        cells = []
        if v.label:
            cells.append(f"<TD><B>{label_html(v.label)}</B></TD>")
        elif show_ids:
            cells.append(f'<TD><FONT COLOR="#777777" POINT-SIZE="11">{node_id(i)}</FONT></TD>')
        cells.append(f"<TD>data {html_text(num(v.data, opts.fmt))}</TD>")
        if opts.show_grad:
            cells.append(f"<TD>grad {html_text(num(grad(i), opts.fmt))}</TD>")
        fill = _colour(grad(i), scale) if opts.color_by_grad else VALUE_FILL
        border = f'BORDER="3" COLOR="{HIGHLIGHT}"' if i in hl_nodes else 'BORDER="0"'
        table = (
            f'<TABLE {border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="5" '
            f'BGCOLOR="{fill}"><TR>{"".join(cells)}</TR></TABLE>'
        )
        return f"n{i} [label=<{table}>]"

    def op_node(i: int) -> str:
        v = order[i]
        prim = OPS.get(v.op)
        symbol = prim.symbol if prim is not None else v.op
        text = html_text(symbol)
        if v.op == "pow" and index[v.parents[1]] in folded:
            # the exponent is part of the operation's name, so it is written in full (^2,
            # ^0.5), whatever the number format of the data
            text = html_text(symbol + format(v.parents[1].data, ".6g"))
        extra = f' color="{HIGHLIGHT}" penwidth=3' if i in hl_nodes else ""
        return (
            f"n{i}_op [label=<{text}> shape=ellipse style=filled "
            f'fillcolor="{OP_FILL}" height=0.4 margin="0.06,0.02"{extra}]'
        )

    # Which cluster each drawn node goes in: (layer, neuron); neuron None for the inputs.
    clusters: dict[tuple, list[str]] = {}
    loose: list[str] = []
    for i in range(len(order)):
        if i in folded:
            continue
        v = order[i]
        decl = [op_node(i)] if v.parents else []
        decl.append(value_node(i))
        key = None
        if opts.cluster:
            parsed = parse_nielsen(v.label)
            if parsed is not None:
                kind, layer, neuron, _ = parsed
                key = (layer, None if kind == "a" and layer == 1 else neuron)
        if key is None:
            loose.extend(decl)
        else:
            clusters.setdefault(key, []).extend(decl)

    lines = [
        f'\tgraph [rankdir={opts.rankdir} fontname="{FONT}" fontsize=14 nodesep=0.25 '
        "ranksep=0.35 bgcolor=white]",
        f'\tnode [shape=plain fontname="{FONT}" fontsize=14]',
        f'\tedge [arrowsize=0.7 color="#444444" fontname="{FONT}"]',
    ]
    for layer in sorted({k[0] for k in clusters}):
        lines.append(f"\tsubgraph cluster_l{layer} {{")
        lines.append(f'\t\tlabel=<layer {layer}> style="rounded,dashed" color="#777777"')
        lines.extend(f"\t\t{d}" for d in clusters.get((layer, None), []))
        neurons = sorted(k[1] for k in clusters if k[0] == layer and k[1] is not None)
        for j in neurons:
            lines.append(f"\t\tsubgraph cluster_l{layer}_{j} {{")
            lines.append(
                f'\t\t\tlabel=<neuron {j}> style="rounded,filled" '
                'fillcolor="#f3f3f3" color="#bbbbbb"'
            )
            lines.extend(f"\t\t\t{d}" for d in clusters[(layer, j)])
            lines.append("\t\t}")
        lines.append("\t}")
    lines.extend(f"\t{d}" for d in loose)

    dim = ' color="#bbbbbb"' if (hl_nodes or hl_edges) else ""
    lit = f' color="{HIGHLIGHT}" penwidth=3'
    for i, v in enumerate(order):
        if not v.parents:
            continue
        labelled = (
            len(v.parents) == 2
            and v.op not in _COMMUTATIVE
            and not any(index[p] in folded for p in v.parents)
        )
        names = OPS[v.op].operand_names if v.op in OPS else ()
        for k, p in enumerate(v.parents):
            pi = index[p]
            if pi in folded:
                continue
            attrs = lit if (pi, i) in hl_edges else dim
            if labelled and k < len(names):
                attrs += (
                    f' headlabel=<{html_text(names[k])}> labelfontsize=11 labelfontcolor="#666666"'
                )
            lines.append(f"\tn{pi} -> n{i}_op" + (f" [{attrs.strip()}]" if attrs else ""))
        into = lit if any(e[1] == i for e in hl_edges) else dim
        lines.append(f"\tn{i}_op -> n{i}" + (f" [{into.strip()}]" if into else ""))
    if opts.color_by_grad:
        lines.extend(_legend(scale, opts.fmt))
    return lines


def to_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    fmt: str = ".4g",
    show_grad: bool = True,
    color_by_grad: bool = False,
    highlight: Iterable = (),
    cluster: bool = False,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    compact_constants: bool = True,
    show_ids: bool | None = None,
) -> str:
    """The DOT source of the graph ``root`` depends on.

    Args:
        root: the output node; the drawing holds it and every node it depends on.
        rankdir: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
        fmt: format spec for data and grads, such as ``".4g"`` or ``".3f"``.
        show_grad: show each node's ``grad`` next to its data.
        color_by_grad: fill value nodes by the sign and size of their grad (red negative,
            blue positive; strongest within a factor 10 of the largest |grad| apart from
            the output's, lighter one and two decades below) and add a legend.
        highlight: Values (nodes) and ``(parent, child)`` pairs (edges) to draw thick and
            coloured, for example one chain-rule path; other edges are drawn lighter.
        cluster: group nodes labelled in Nielsen's notation (``w^l_jk``, ``b^l_j``,
            ``z^l_j``, ``a^l_j``) into one box per layer and one per neuron.
        max_nodes: refuse graphs with more value nodes than this (None: no limit).
        compact_constants: draw unlabelled leaves (numbers used as operands) as just their
            number; a constant exponent is always folded into its node (``^2``).
        show_ids: show the node id (``n5``) in unlabelled nodes: the name that
            :func:`autograd_lite.teach.explain` and the stepper give them. None (the default)
            shows them when ``highlight`` is given, so a path table's nodes can be found in
            the picture; True or False shows or hides them in any drawing.

    Returns:
        The DOT text, identical for the same graph in any run.

    Raises:
        GraphTooLargeError: if the graph has more than ``max_nodes`` value nodes.
        ValueError: for a bad option or a highlighted node or edge not in the graph.
        TypeError: if root is not a Value or highlight holds something else.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(3.0, label="x")
        >>> "n2_op [label=<^2>" in to_dot(x ** 2)
        True
        >>> y = (x * 2).exp()
        >>> ">n2</FONT>" in to_dot(y), ">n2</FONT>" in to_dot(y, highlight=[y.parents[0]])
        (False, True)
    """
    opts = _Options(
        rankdir,
        fmt,
        show_grad,
        color_by_grad,
        highlight,
        cluster,
        max_nodes,
        compact_constants,
        show_ids,
    )
    return "digraph {\n" + "".join(line + "\n" for line in dot_lines(root, opts)) + "}\n"


def draw(root: Value, **options: Any) -> graphviz.Digraph:
    """The graph as a ``graphviz.Digraph``: notebooks display it inline by themselves.

    Args:
        root: the output node.
        **options: the keyword options of :func:`to_dot`.

    Returns:
        A Digraph whose ``.source`` is exactly ``to_dot(root, **options)``; call
        ``.render()`` or use :func:`render` to write files.

    Raises:
        GraphTooLargeError, ValueError, TypeError: as :func:`to_dot`.

    Example:
        >>> from autograd_lite import Value
        >>> g = draw(Value(1.0, label="x").tanh())
        >>> g.source == to_dot(Value(1.0, label="x").tanh())
        True
    """
    opts = _options(options)
    return graphviz.Digraph(body=[line + "\n" for line in dot_lines(root, opts)])


def install_hint() -> str:
    """How to install Graphviz's ``dot`` program, for error messages."""
    return (
        "install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), "
        "`brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`"
    )


def render(root: Value, path: str | os.PathLike, format: str | None = None, **options: Any) -> Path:
    """Draw the graph into a file: SVG, PNG, PDF or the DOT source itself.

    Args:
        root: the output node.
        path: the file to write.
        format: ``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"``; None takes it from the path's
            suffix (``.svg``, ``.png``, ``.pdf``, ``.dot``).
        **options: the keyword options of :func:`to_dot`.

    Returns:
        The path written.

    Raises:
        DotNotFoundError: if Graphviz's ``dot`` program is not installed; the DOT source is
            then written next to ``path`` with the suffix ``.dot``, and the message says so
            and how to install Graphviz.
        ValueError: for an unknown format, and as :func:`to_dot`.

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_lite import Value
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = render(Value(2.0, label="x").exp(), pathlib.Path(d) / "g.dot")
        ...     p.read_text().startswith("digraph {")
        True
    """
    path = Path(path)
    if format is None:
        fmt = _RENDER_FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(
                f"cannot tell the format from the file name {str(path)!r}: use the suffix "
                ".svg, .png, .pdf or .dot, or pass format='svg' (or 'png', 'pdf', 'dot')"
            )
    else:
        fmt = format.lower()
        if fmt not in ("svg", "png", "pdf", "dot"):
            raise ValueError(f"format must be 'svg', 'png', 'pdf' or 'dot', got {format!r}")
    source = "digraph {\n" + "".join(f"{x}\n" for x in dot_lines(root, _options(options)))
    source += "}\n"
    if fmt == "dot":
        path.write_text(source, encoding="utf-8")
        return path
    try:
        data = graphviz.Source(source).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(source, encoding="utf-8")
        raise DotNotFoundError(
            f"cannot write {str(path)!r}: Graphviz's `dot` program was not found on PATH. "
            f"The DOT source was written to {str(dot_path)!r} instead. To draw pictures, "
            f"{install_hint()}; the Python package `graphviz` alone does not include it."
        ) from None
    path.write_bytes(data)
    return path
