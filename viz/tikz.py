"""Computation graphs as TikZ pictures for LaTeX documents: :func:`to_tikz`.

The picture is the one :func:`viz.to_dot` draws, made from the same decisions (which nodes,
which constants folded or drawn as numbers, what is highlighted, the layer and neuron boxes,
the colours): a box per value with its label (Nielsen's ``w^2_11`` as :math:`w^{2}_{11}`), data
and grad stacked, an oval per operation with the ops table's symbol. Graphviz places the
nodes: ``dot`` lays out boxes of the sizes the TikZ text needs, and the picture puts its nodes
and edges (Graphviz's curves) at those coordinates, so it compiles with plain pdflatex and
only ``\\usepackage{tikz}``, no TikZ library and no LuaLaTeX.

Every label and number passes through :func:`autograd_lite.escape.latex`, so a label can only ever
print its own characters.

Its text is 8 pt, and it is never scaled down: a graph wider than a page (``max_width_cm``,
12 cm by default) is cut into rows between its columns of nodes, each a picture of its own.

Example:
    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, label="w^2_11"), Value(-3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> tikz = to_tikz(c)
    >>> tikz.startswith("\\\\begin{tikzpicture}"), "w^{2}_{11}" in tikz
    (True, True)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import graphviz

from autograd_lite import Value, escape, topo_order
from autograd_lite.checks import is_finite_real
from autograd_lite.engine import check_value
from autograd_lite.labels import node_id
from autograd_lite.ops import OPS

from .dot import faster_hints, install_hint
from .labels import page_number, shorten
from .latex import label_latex
from .limits import DEFAULT_TIME_LIMIT, check_time_limit, run_dot
from .picture import (
    DIM,
    HIGHLIGHT,
    NEG_COLOURS,
    OP_FILL,
    POS_COLOURS,
    VALUE_FILL,
    ZERO_COLOUR,
    DotNotFoundError,
    DrawingOptions,
    _cluster_key,
    _colour,
    _Layout,
    _layout,
    check_layout,
    check_size,
    drawing_options,
    drawn_edges,
    legend_rows,
)

__all__ = ["DEFAULT_MAX_WIDTH_CM", "to_tikz"]

DEFAULT_MAX_WIDTH_CM = 12.0
"""How wide :func:`to_tikz` draws a row at most, in centimetres: the text width of LaTeX's
article class on A4 or letter paper is 12.2 cm, a 16:9 Beamer slide's 14.8 cm."""

FONT_PT = 8.0
"""The size of the text in the nodes, in points; the picture's coordinates are in big points
(1/72 inch), as Graphviz's are."""
_ROW = 10.0  # height of one line of a value box
_PAD_X, _PAD_Y = 3.5, 1.5
_LEGEND_WIDTH = 150.0  # the colour legend beside a picture, in big points
_EDGE = "#444444"
_UPDATED = "#1b9e77"
_UPDATED_TEXT = "#0d7a5a"
_GREYS = ("#f3f3f3", "#bbbbbb", "#999999", "#888888", "#777777", "#666666", "#333333")


# --- the entry point ------------------------------------------------------------------------


def to_tikz(
    root: Value,
    *,
    options: DrawingOptions | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    max_width_cm: float | None = DEFAULT_MAX_WIDTH_CM,
) -> str:
    """The source of a TikZ picture of the graph ``root`` depends on.

    Put it in a document that loads ``\\usepackage{tikz}`` (nothing else is needed) and
    compile with pdflatex. The picture is drawn at its natural size, text at 8 pt, and never
    wider than ``max_width_cm``: a wider graph (the learner's worked example is 39 cm long) is
    cut between its columns into rows, each a picture of its own, one under the other, so
    that a page can break between them; an edge that goes on in the next row ends at a
    dashed line. Scaling it down to the page instead (``\\resizebox``) would set its text at
    2 or 3 pt.

    Args:
        root: the output node.
        options: how to draw it (:class:`viz.DrawingOptions`); None draws with the defaults.
        time_limit: seconds Graphviz's ``dot`` may take to place the nodes; it is stopped
            after that.
        max_width_cm: the widest a row may be, in centimetres (12, the default, fits the text
            width of LaTeX's article class on A4 or letter paper and of a 16:9 Beamer slide);
            None draws one picture, however wide.

    Returns:
        ``\\begin{tikzpicture} ... \\end{tikzpicture}`` (several of them for rows, with
        ``\\par\\medskip\\noindent`` between them), identical for the same graph in any run.
        Labels are typeset as text (Nielsen's labels with sub- and superscripts), never read
        as LaTeX commands.

    Raises:
        DotNotFoundError: if Graphviz's ``dot`` program is not installed.
        DotTimeoutError: if ``dot`` ran longer than ``time_limit``.
        LayoutTooSlowError: as :func:`viz.draw`.
        ValueError: for ``neurons_only`` (to_tikz draws every node), for a ``max_width_cm``
            that is not a positive number (at least 2) or None, and as :func:`viz.to_dot`.
        GraphTooLargeError, TypeError: as :func:`viz.to_dot`.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(0.5, label="x")
        >>> y = (x * x).tanh()
        >>> print(to_tikz(y, options=DrawingOptions(show_grad=False)).splitlines()[-1])
        \\end{tikzpicture}
    """
    check_value(root, "root")
    time_limit = check_time_limit(time_limit)
    if max_width_cm is not None and not (is_finite_real(max_width_cm) and max_width_cm >= 2):
        raise ValueError(
            "max_width_cm must be a number of centimetres, at least 2, or None for one picture "
            f"however wide, got {max_width_cm!r}"
        )
    options = drawing_options(options)
    if options.neurons_only:
        raise ValueError(
            "to_tikz draws every node of the graph; for the neurons-only picture of a network "
            "use render(root, 'net.pdf', options=DrawingOptions(neurons_only=True)) and "
            "\\includegraphics it"
        )
    order = topo_order(root)
    check_size(order, options.max_nodes, what="to_tikz")
    check_layout(root, options, "to_tikz")
    graph = _layout(order, options, None)
    where = place(graph, time_limit=time_limit, what="to_tikz")
    width = where.bb[2] - where.bb[0]
    legend = _LEGEND_WIDTH if options.color_by_grad else 0.0
    if max_width_cm is None or width + legend <= max_width_cm * 72 / 2.54:
        return picture(graph, where)
    return picture(graph, where, cuts=_cuts(where, max_width_cm * 72 / 2.54))


# --- where Graphviz puts things -------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where ``dot`` put each part of a picture, in big points, y upwards.

    Attributes:
        bb: the picture's bounding box ``(x0, y0, x1, y1)``.
        nodes: each drawn node's ``(x, y, width, height)`` by name (``n3``, ``n3_op``).
        edges: each edge's curve (Graphviz's Bézier points), in the order of
            :func:`viz.picture.drawn_edges`.
        head_labels: where each edge's operand name goes, by edge position.
        clusters: ``(x0, y0, x1, y1, label, label x, label y)`` for each layer or neuron box.
    """

    bb: tuple[float, float, float, float]
    nodes: dict[str, tuple[float, float, float, float]]
    edges: list[list[tuple[float, float]]]
    head_labels: dict[int, tuple[float, float]]
    clusters: list[tuple[float, float, float, float, str, float, float]]


def _text_width(text: str) -> float:
    """A generous estimate of the width of text in ems of the sans-serif font (measured at
    8 pt: lower case 10%, digits 4% under it), so that boxes fit their text without the room
    that made pictures wider than a slide."""
    width = 0.0
    for c in text:
        if c in "il.,:;'|!()[]`j ":
            width += 0.32
        elif c in "mwMW":
            width += 0.9
        elif c.isascii() and c.isupper():
            width += 0.72
        elif c.isascii():
            width += 0.55
        else:
            width += 0.9  # a symbol, or the start of an escape such as \u4e2d
            if not escape.latex(c).startswith("\\ensuremath") and "\\textbackslash" in (
                escape.latex(c)
            ):
                width += 0.55 * 5
    return width


def _label_width(label: str) -> float:
    if label_latex(label).startswith("\\ensuremath{") and label_latex(label) != escape.latex(label):
        base, _, scripts = label.replace("delta", "d").partition("^")
        if not scripts:
            base, _, scripts = label.partition("_")
        longest = max((len(s) for s in scripts.split("_")), default=0)
        return _text_width(base) + 0.6 * longest + 0.2
    return _text_width(label)


def _rows(graph: _Layout, i: int) -> list[tuple[str, float]]:
    """The lines of value node i's box, top to bottom: ``(LaTeX, width in ems)``."""
    v = graph.order[i]
    fmt = graph.options.fmt
    name = graph.names.get(i)
    if i in graph.compact:
        text = shorten(page_number(v.data, fmt))
        if name is not None:
            return [(f"{name.latex} = {escape.latex(text)}", _text_width(f"{name.plain} = {text}"))]
        return [(escape.latex(text), _text_width(text))]
    rows = []
    if v.label:
        label = shorten(v.label)
        rows.append((label_latex(label), _label_width(label)))
    elif name is not None:
        rows.append((name.latex, _text_width(name.plain)))
    elif graph.show_ids and graph.label_ids:  # the pages' vᵢ, written as a label is
        rows.append((label_latex(graph.ids[i]), _label_width(graph.ids[i])))
    elif graph.show_ids:
        rows.append((rf"\textcolor{{{_rgb('#777777')}}}{{{node_id(i)}}}", _text_width(node_id(i))))
    data = "data " + shorten(page_number(v.data, fmt))
    rows.append((escape.latex(data), _text_width(data)))
    if graph.options.show_grad:
        grad = "grad " + shorten(page_number(graph.grads[i], fmt))
        rows.append((escape.latex(grad), _text_width(grad)))
    return rows


def _value_size(graph: _Layout, i: int) -> tuple[float, float]:
    rows = _rows(graph, i)
    width = max(w for _, w in rows) * FONT_PT + 2 * _PAD_X
    return max(width, 18.0), len(rows) * _ROW + 2 * _PAD_Y


def _op_text(graph: _Layout, i: int) -> str:
    v = graph.order[i]
    prim = OPS.get(v.op)
    symbol = prim.symbol if prim is not None else v.op
    if v.op == "pow" and graph.index[v.parents[1]] in graph.folded:
        return shorten(symbol + format(v.parents[1].data, ".6g"))
    return shorten(symbol)


def _op_latex(text: str) -> str:
    if text.startswith("^"):  # a folded exponent, as in x²
        return r"\ensuremath{{}^{\mathrm{" + escape.latex(text[1:]) + "}}}"
    return escape.latex(text)


def _op_size(graph: _Layout, i: int) -> tuple[float, float]:
    text = _op_text(graph, i)
    return max(_text_width(text) * FONT_PT + 2 * 5.0, 20.0), 14.0


def _layout_source(graph: _Layout, only: frozenset[str] | None = None) -> str:
    """DOT text that only places boxes of the picture's sizes; nothing of it is drawn. With
    ``only``, just the nodes of those names and the edges between them."""

    def box(name: str, size: tuple[float, float], shape: str = "box") -> str:
        return f"{name} [shape={shape} width={size[0] / 72:.4f} height={size[1] / 72:.4f}]"

    clusters: dict[tuple[int, int | None], list[str]] = {}
    loose: list[str] = []
    for i, v in enumerate(graph.order):
        if i in graph.folded:
            continue
        lines = [box(f"n{i}_op", _op_size(graph, i))] if v.parents else []
        lines.append(box(f"n{i}", _value_size(graph, i)))
        if only is not None:
            lines = [line for line in lines if line.split()[0] in only]
        key = _cluster_key(v) if graph.options.cluster else None
        (loose if key is None else clusters.setdefault(key, [])).extend(lines)
    out = [
        "digraph {",
        f"graph [rankdir={graph.options.rankdir} nodesep=0.12 ranksep=0.2 margin=0]",
        'node [fixedsize=true label="" fontsize=8]',
        f'edge [arrowsize=0.6 fontsize={_n(FONT_PT)} fontname="DejaVu Sans"]',
    ]
    clusters = {key: lines for key, lines in clusters.items() if lines}  # none of a part's
    for layer in sorted({layer for layer, _ in clusters}):
        out.append(f'subgraph cluster_l{layer} {{ label="layer {layer}" fontsize=9 margin=6')
        out.extend(clusters.get((layer, None), []))
        for j in sorted(j for ell, j in clusters if ell == layer and j is not None):
            out.append(f'subgraph cluster_l{layer}_{j} {{ label="neuron {j}" fontsize=9 margin=5')
            out.extend(clusters[(layer, j)])
            out.append("}")
        out.append("}")
    out.extend(loose)
    out.extend(_network_lines(graph, only))
    for pi, i, tail, head, name in _edges(graph, only):
        attrs = []
        if name:
            # beside the edge, placed by dot clear of the nodes and of the arrowhead
            attrs.append(f'xlabel="{name}"')
        if (pi, i) in graph.input_edges:
            attrs.append("minlen=2")
        out.append(f"{tail} -> {head}" + (f" [{' '.join(attrs)}]" if attrs else ""))
    out.append("}")
    return "\n".join(out) + "\n"


def _network_lines(graph: _Layout, only: frozenset[str] | None = None) -> list[str]:
    """A network's weights, bias and inputs kept in their order, as :func:`viz.to_dot` keeps
    them (outside the neuron boxes, which order their nodes by rules of their own)."""
    if graph.options.cluster:
        return []
    chains = [[j for j in chain if only is None or f"n{j}" in only] for chain in graph.chains]
    return [
        f"{{rank=same {' '.join(f'n{j}' for j in chain)}}} "
        f"{' -> '.join(f'n{j}' for j in chain)} [style=invis]"
        for chain in chains
        if len(chain) > 1
    ]


def _edges(graph: _Layout, only: frozenset[str] | None) -> list[tuple[int, int, str, str, str]]:
    """:func:`viz.picture.drawn_edges`, or those between the nodes named in ``only``."""
    edges = drawn_edges(graph)
    if only is None:
        return edges
    return [e for e in edges if e[2] in only and e[3] in only]


def _point(text: str) -> tuple[float, float]:
    x, y = text.split(",")[:2]
    return float(x), float(y)


def place(
    graph: _Layout, *, time_limit: float, what: str, only: frozenset[str] | None = None
) -> Placement:
    """Let Graphviz's ``dot`` place the picture's nodes, with its time limit: every node, or
    those named in ``only`` (``n3``, ``n3_op``) and the edges between them.

    Raises:
        DotNotFoundError: if ``dot`` is not installed.
        DotTimeoutError: if it ran longer than ``time_limit``.
    """
    try:
        out = run_dot(
            _layout_source(graph, only),
            "json0",
            time_limit=time_limit,
            hints=faster_hints(graph.options, what),
        )
    except graphviz.ExecutableNotFound:
        raise DotNotFoundError(
            f"{what} places its nodes with Graphviz's `dot` program, which was not found on "
            f"PATH; {install_hint()}"
        ) from None
    data = json.loads(out)
    nodes, clusters, names = {}, [], {}
    for obj in data.get("objects", []):
        if "pos" not in obj:  # a layer or neuron box
            if "bb" in obj:
                x0, y0, x1, y1 = (float(t) for t in obj["bb"].split(","))
                lx, ly = _point(obj.get("lp", f"{(x0 + x1) / 2},{y1}"))
                clusters.append((x0, y0, x1, y1, obj.get("label", ""), lx, ly))
            continue
        names[obj["_gvid"]] = obj["name"]
        x, y = _point(obj["pos"])
        nodes[obj["name"]] = (x, y, float(obj["width"]) * 72, float(obj["height"]) * 72)
    # Graphviz numbers edges its own way: find each edge by its two ends (an a*a graph has
    # two edges between the same nodes, taken in turn)
    curves: dict[tuple[str, str], list] = {}
    for edge in sorted(data.get("edges", []), key=lambda e: e["_gvid"]):
        points = [_point(p) for p in edge["pos"].split() if not p.startswith(("e,", "s,"))]
        label = _point(edge["xlp"]) if "xlp" in edge else None
        curves.setdefault((names[edge["tail"]], names[edge["head"]]), []).append((points, label))
    edges, head_labels = [], {}
    for k, (_, _, tail, head, _) in enumerate(_edges(graph, only)):
        points, label = curves[(tail, head)].pop(0)
        edges.append(points)
        if label is not None:
            head_labels[k] = label
    bb = tuple(float(t) for t in data["bb"].split(","))
    return Placement(bb, nodes, edges, head_labels, clusters)  # type: ignore[arg-type]


# --- the picture ----------------------------------------------------------------------------


def _rgb(colour: str) -> str:
    """The name the picture gives a colour (``"#d95f02"`` is ``ag-D95F02``)."""
    return "ag-" + colour[1:].upper()


def _palette() -> list[str]:
    """Every colour a picture can use, defined once at its start: naming them is much faster
    for pdflatex than colour expressions at every node."""
    colours = {HIGHLIGHT, DIM, OP_FILL, VALUE_FILL, ZERO_COLOUR, _EDGE, _UPDATED, _UPDATED_TEXT}
    colours |= set(_GREYS)
    colours |= set(NEG_COLOURS) | set(POS_COLOURS)
    return [rf"\definecolor{{{_rgb(c)}}}{{HTML}}{{{c[1:].upper()}}}" for c in sorted(colours)]


def _n(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def picture(
    graph: _Layout,
    where: Placement,
    *,
    current: int | None = None,
    updated: Iterable[int] = (),
    legend: bool = True,
    only: frozenset[str] | None = None,
    cuts: Sequence[float] | None = None,
) -> str:
    """The TikZ source of ``graph`` with its nodes where ``where`` says.

    Args:
        graph: what to draw (grads, highlights, ...), from :func:`viz.picture._layout`.
        where: the placement from :func:`place`, made for a graph of the same shape.
        current: the node whose chain-rule step runs (a Beamer frame); it, its operation and
            the edges into them are lit.
        updated: nodes whose grad the step changes, drawn with a green border.
        legend: add the colour legend when the graph is coloured by grad.
        only: draw just the nodes of these names and the edges between them (``where``
            placed the same ones).
        cuts: x positions (from :func:`_cuts`) where the picture is cut into rows, each its
            own picture, one under the other, the legend under them; None: one picture.
    """
    lit_nodes, lit_edges = set(graph.lit_nodes), set(graph.lit_edges)
    lit_ops = set(graph.lit_nodes)
    lit_children = {child for _, child in lit_edges}
    if current is not None:
        lit_nodes.add(current)
        lit_ops.add(current)
        lit_children.add(current)
        lit_edges |= {(graph.index[p], current) for p in graph.order[current].parents}
    updated = set(updated) - {current}
    nodes: dict[str, list[str]] = {}
    for i, v in enumerate(graph.order):
        if i in graph.folded:
            continue
        if v.parents and (only is None or f"n{i}_op" in only):
            nodes[f"n{i}_op"] = [_op_node(graph, where, i, i in lit_ops)]
        if only is None or f"n{i}" in only:
            nodes[f"n{i}"] = _value_box(graph, where, i, i in lit_nodes, i in updated)
    dim = bool(lit_nodes or lit_edges)
    edges = _edge_lines(graph, where, lit_edges, lit_children, dim=dim, only=only)
    key = legend and graph.options.color_by_grad
    if cuts is not None:
        rows = [_row(where, nodes, edges, cuts, k) for k in range(len(cuts) - 1)]
        if key:  # under the rows, in a picture of its own
            x0, y1 = where.bb[0], where.bb[3]
            rows.append("\n".join([*_preamble(), *_legend(graph, x0, y1), r"\end{tikzpicture}"]))
        return "\n\\par\\medskip\\noindent\n".join(rows) + "\n"
    out = _preamble() + _boxes(where.clusters)
    for lines in nodes.values():
        out.extend(lines)
    for _, _, lines in edges:
        out.extend(lines)
    if key:
        out.extend(_legend(graph, where.bb[2] + 14, where.bb[3] - 4))
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"


def _op_node(graph: _Layout, where: Placement, i: int, lit: bool) -> str:
    x, y, w, h = where.nodes[f"n{i}_op"]
    border = "draw=" + _rgb(HIGHLIGHT) + ", line width=1.6bp" if lit else "draw=" + _rgb("#666666")
    return (
        rf"\node[{border}, fill={_rgb(OP_FILL)}, rounded corners={_n(h / 2)}bp, "
        rf"minimum width={_n(w)}bp, minimum height={_n(h)}bp] (n{i}_op) "
        f"at ({_n(x)},{_n(y)}) "
        f"{{{_op_latex(_op_text(graph, i))}}};"
    )


def _cuts(where: Placement, max_width: float) -> list[float]:
    """Where a picture wider than ``max_width`` big points is cut into rows: in the gaps
    between its columns of nodes (a node wider than a row is cut through)."""
    x0, _, x1, _ = where.bb
    gaps, reach = [], x0
    for left, right in sorted((x - w / 2, x + w / 2) for x, _, w, _ in where.nodes.values()):
        if left > reach:
            gaps.append((reach + left) / 2)
        reach = max(reach, right)
    cuts = [x0]
    while x1 - cuts[-1] > max_width:
        inside = [g for g in gaps if cuts[-1] < g <= cuts[-1] + max_width]
        cuts.append(inside[-1] if inside else cuts[-1] + max_width)
    return [*cuts, x1]


def _row_height(where: Placement, inside: set[str], clusters: list) -> tuple[float, float]:
    """The lowest and highest y of a row's nodes and boxes (an edge in from another row
    may be cut at its top or bottom)."""
    ys = [y + d * h / 2 for name in inside for _, y, _, h in [where.nodes[name]] for d in (-1, 1)]
    ys += [y for c in clusters for y in (c[1], c[3])]
    if not ys:
        return where.bb[1], where.bb[3]
    return min(ys) - 4, max(ys) + 4


def _row(
    where: Placement,
    nodes: dict[str, list[str]],
    edges: list[tuple[str, str, list[str]]],
    cuts: Sequence[float],
    k: int,
) -> str:
    """Row k of a picture cut into rows: the nodes between two cuts, and the edges into and
    out of them, cut at the row's ends, where a dashed line says that the picture goes on."""
    a, b = cuts[k], cuts[k + 1]
    last = k == len(cuts) - 2
    inside = {
        name for name in nodes if a <= where.nodes[name][0] and (where.nodes[name][0] < b or last)
    }
    row_edges = [e for e in edges if e[0] in inside or e[1] in inside]
    ends = {name for tail, head, _ in row_edges for name in (tail, head)} - inside
    y0, y1 = _row_height(where, inside, [c for c in where.clusters if c[0] < b and c[2] > a])
    out = _preamble()
    out.append(rf"\useasboundingbox ({_n(a)},{_n(y0)}) rectangle ({_n(b)},{_n(y1)});")
    out.append(rf"\clip ({_n(a)},{_n(y0 - 2)}) rectangle ({_n(b)},{_n(y1 + 2)});")
    out.extend(_boxes([c for c in where.clusters if c[0] < b and c[2] > a]))
    for name in sorted(ends):  # a node of another row: only where an edge ends, not drawn
        x, y, w, h = where.nodes[name]
        out.append(
            rf"\node[minimum width={_n(w)}bp, minimum height={_n(h)}bp] ({name}) "
            f"at ({_n(x)},{_n(y)}) {{}};"
        )
    for name in nodes:
        if name in inside:
            out.extend(nodes[name])
    for _, _, lines in row_edges:
        out.extend(lines)
    dashes = rf"[dashed, draw={_rgb('#999999')}, line width=0.4bp]"
    for x in ([a] if k else []) + ([] if last else [b]):
        out.append(rf"\draw{dashes} ({_n(x)},{_n(y0)}) -- ({_n(x)},{_n(y1)});")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out)


def _preamble() -> list[str]:
    """The picture's opening: its styles, its colours and its font."""
    return [
        r"\begin{tikzpicture}[x=1bp, y=1bp, line join=round,",
        "  every node/.style={inner sep=0pt, outer sep=0pt},",
        r"  edge/.style={->, >=stealth, line width=0.6bp, draw=" + _rgb(_EDGE) + "},",
        "  dim/.style={draw=" + _rgb(DIM) + "},",
        "  lit/.style={draw=" + _rgb(HIGHLIGHT) + ", line width=1.6bp}]",
        *_palette(),
        # one font switch for the whole picture: a font key would switch at every node,
        # which makes pdflatex several times slower
        rf"\fontsize{{{_n(FONT_PT)}}}{{{_n(FONT_PT * 1.2)}}}\selectfont\sffamily",
    ]


def _boxes(clusters: list) -> list[str]:
    """The layer and neuron boxes, with their names."""
    out = []
    for x0, y0, x1, y1, label, lx, ly in clusters:
        if label.startswith("neuron"):
            style = "fill=" + _rgb("#f3f3f3") + ", draw=" + _rgb("#bbbbbb")
        else:
            style = "dashed, draw=" + _rgb("#777777")
        out.append(
            rf"\draw[rounded corners=4bp, {style}] ({_n(x0)},{_n(y0)}) "
            rf"rectangle ({_n(x1)},{_n(y1)});"
        )
        out.append(
            rf"\node at ({_n(lx)},{_n(ly)}) "
            f"{{{escape.latex(label)}}};"
        )
    return out


def _edge_lines(
    graph: _Layout,
    where: Placement,
    lit_edges: set,
    lit_children: set,
    *,
    dim: bool,
    only: frozenset[str] | None = None,
) -> list[tuple[str, str, list[str]]]:
    """Every edge along Graphviz's curve, lit, dimmed or plain, with its operand name, as
    ``(tail, head, TikZ lines)``."""
    out = []
    for k, (pi, child, tail, head, name) in enumerate(_edges(graph, only)):
        is_lit = (pi, child) in lit_edges if pi >= 0 else child in lit_children
        style = "edge, lit" if is_lit else ("edge, dim" if dim else "edge")
        lines = [rf"\draw[{style}] {_curve(tail, head, where.edges[k])};"]
        if name and k in where.head_labels:
            lx, ly = where.head_labels[k]
            lines.append(
                rf"\node[text={_rgb('#666666')}] "
                f"at ({_n(lx)},{_n(ly)}) {{{escape.latex(name)}}};"
            )
        out.append((tail, head, lines))
    return out


def _curve(tail: str, head: str, points: list[tuple[float, float]]) -> str:
    """Graphviz's Bézier curve from node to node; TikZ clips its ends at the node borders."""
    if len(points) < 4 or (len(points) - 1) % 3:
        return f"({tail}) -- ({head})"
    parts = [f"({tail})"]
    for k in range(1, len(points), 3):
        c1, c2, end = points[k : k + 3]
        target = f"({head})" if k + 3 >= len(points) else f"({_n(end[0])},{_n(end[1])})"
        parts.append(
            f".. controls ({_n(c1[0])},{_n(c1[1])}) and ({_n(c2[0])},{_n(c2[1])}) .. {target}"
        )
    return " ".join(parts)


def _value_box(graph: _Layout, where: Placement, i: int, lit: bool, updated: bool) -> list[str]:
    x, y, w, h = where.nodes[f"n{i}"]
    rows = _rows(graph, i)
    if i in graph.compact:
        return [
            rf"\node[draw={_rgb('#888888')}, dashed, rounded corners=3bp, minimum width={_n(w)}bp, "
            rf"minimum height={_n(h)}bp] (n{i}) at ({_n(x)},{_n(y)}) {{{rows[0][0]}}};"
        ]
    fill = _colour(graph.grads[i], graph.bins) if graph.options.color_by_grad else VALUE_FILL
    if lit:
        border = "draw=" + _rgb(HIGHLIGHT) + ", line width=1.6bp"
    elif updated:
        border = "draw=" + _rgb(_UPDATED) + ", line width=1.4bp"
    else:
        border = "draw=" + _rgb("#333333") + ", line width=0.5bp"
    out = [
        rf"\node[{border}, fill={_rgb(fill)}, minimum width={_n(w)}bp, minimum height={_n(h)}bp] "
        rf"(n{i}) at ({_n(x)},{_n(y)}) {{}};"
    ]
    top = y + h / 2 - _PAD_Y
    for k, (text, _) in enumerate(rows):
        centre = top - (k + 0.5) * _ROW
        colour = (
            r"\color{" + _rgb(_UPDATED_TEXT) + "}"
            if updated and k == len(rows) - 1 and graph.options.show_grad
            else ""
        )
        out.append(
            rf"\node[text height=6bp, text depth=2bp] at ({_n(x)},{_n(centre)}) {{{colour}{text}}};"
        )
        if k:
            line_y = top - k * _ROW
            out.append(
                rf"\draw[line width=0.3bp, draw={_rgb('#999999')}] "
                f"({_n(x - w / 2)},{_n(line_y)}) -- "
                f"({_n(x + w / 2)},{_n(line_y)});"
            )
    return out


def _legend(graph: _Layout, x0: float, y: float) -> list[str]:
    """The colour legend, its top left corner at (x0, y): right of the picture, or under it."""
    out = [rf"\node[anchor=west] at ({_n(x0)},{_n(y)}) {{grad colour}};"]
    for colours, text in legend_rows(graph.scale, graph.options.fmt, graph.bins):
        y -= 11
        for k, colour in enumerate(colours):
            x = x0 + 16 * k
            out.append(
                rf"\draw[fill={_rgb(colour)}, draw={_rgb('#999999')}, line width=0.3bp] "
                f"({_n(x)},{_n(y - 4)}) rectangle ({_n(x + 14)},{_n(y + 4)});"
            )
        out.append(rf"\node[anchor=west] at ({_n(x0 + 34)},{_n(y)}) {{{escape.latex(text)}}};")
    return out


def overview(
    where: Placement,
    *,
    width: float,
    height: float,
    current: str = "",
    marked: Iterable[str] = (),
    under: str | None = None,
) -> str:
    """A map of a whole picture without any text, to show where a close-up of it lies.

    Each node of ``where`` is a small grey box (``marked`` ones darker, ``current`` in the
    step's orange, with a ring) and each edge a thin line between its ends; the map is scaled
    to fit ``width`` × ``height`` big points, so it holds no text that could be too small to
    read.

    Args:
        where: the placement of the whole picture (:func:`place`).
        width: the map's largest width, in big points.
        height: the map's largest height, in big points.
        current: the name of the node to light (``n5``).
        marked: names of the nodes the close-up shows.
        under: LaTeX of the map's grey part made once (a saved box, as a Beamer deck keeps
            it): then only the marks are drawn here, over it. None draws the whole map.
    """
    x0, y0, x1, y1 = where.bb
    s = min(width / max(x1 - x0, 1.0), height / max(y1 - y0, 1.0))
    marked = set(marked)

    def at(x: float, y: float) -> str:
        return f"({_n((x - x0) * s)},{_n((y - y0) * s)})"

    def box(name: str, colour: str) -> str:
        x, y, w, h = where.nodes[name]
        corners = f"{at(x - w / 2, y - h / 2)} rectangle {at(x + w / 2, y + h / 2)}"
        return rf"\fill[{_rgb(colour)}] {corners};"

    out = [
        r"\begin{tikzpicture}[x=1bp, y=1bp, baseline=(current bounding box.center)]",
        *_palette(),
        rf"\useasboundingbox {at(x0, y0)} rectangle {at(x1, y1)};",
    ]
    if under is not None:
        out.append(rf"\node[inner sep=0pt, anchor=south west] at (0,0) {{{under}}};")
    else:
        out.append(
            rf"\draw[draw={_rgb('#999999')}, line width=0.4bp] {at(x0, y0)} rectangle "
            f"{at(x1, y1)};"
        )
        out.extend(
            rf"\draw[draw={_rgb('#bbbbbb')}, line width=0.3bp] {at(*points[0])} -- "
            f"{at(*points[-1])};"
            for points in where.edges
        )
        out.extend(box(name, "#bbbbbb") for name in where.nodes if name not in marked)
    out.extend(box(name, "#666666") for name in where.nodes if name in marked)
    if current in where.nodes:  # a ring, so that a node a few points wide is still found
        out.append(box(current, HIGHLIGHT))
        x, y, _, _ = where.nodes[current]
        out.append(rf"\draw[{_rgb(HIGHLIGHT)}, line width=1bp] {at(x, y)} circle (4bp);")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"
