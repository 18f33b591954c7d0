"""The picture of a computation graph, as DOT lines: what to draw, decided once per graph.

:class:`DrawingOptions` holds the drawing options, checked. :func:`dot_lines` writes the
graph's DOT statements in the order they appear: graph attributes, nodes (clusters first),
edges, legend; :func:`digraph` wraps them as one ``digraph``. The entry points that users
call (:func:`viz.to_dot`, :func:`viz.draw`, :func:`viz.render`) are in :mod:`viz.dot`; the
stepper pages, TikZ and Beamer build on the same decisions (``_layout``).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import graphviz

from autograd_lite import Value, topo_order
from autograd_lite.checks import is_integer
from autograd_lite.engine import check_value
from autograd_lite.labels import MINUS, node_id
from autograd_lite.ops import OPS

from ._network import LossName, input_edges, is_network, loss_names, weight_chains
from ._neurons import find_neurons, neuron_lines
from .labels import (
    FONT,
    MAX_LABEL_CHARS,
    MAX_TOOLTIP_CHARS,
    html_text,
    label_html,
    page_number,
    parse_nielsen,
    quoted_text,
    shorten,
)
from .limits import check_layout_cost

__all__ = [
    "DrawingOptions",
    "digraph",
    "drawn_edges",
    "drawing_options",
    "dot_lines",
    "check_size",
    "check_layout",
    "legend_rows",
    "GraphTooLargeError",
    "DotNotFoundError",
    "DEFAULT_MAX_NODES",
]

DEFAULT_MAX_NODES = 300
"""Graphs with more value nodes than this are refused unless ``max_nodes`` is raised."""

HIGHLIGHT = "#d95f02"
VALUE_FILL = "#ffffff"
OP_FILL = "#e4e4e4"
DIM = "#bbbbbb"
# Diverging orange (negative) / blue (positive) colours, light to strong, then zero: the
# weights' colours of the neurons-only view, the training page and the lab (TensorFlow
# Playground's), each strong shade light enough for black text.
NEG_COLOURS = ("#fee0b6", "#fdb863", "#e8913a")
POS_COLOURS = ("#d1e5f0", "#92c5de", "#5aa2d0")
ZERO_COLOUR = "#f7f7f7"
# Binary primitives whose operands can be swapped; others get "a"/"b" on their edges.
_COMMUTATIVE = frozenset({"add", "mul"})


class GraphTooLargeError(ValueError):
    """The graph has more nodes than the drawing limit ``max_nodes``.

    Attributes:
        n_nodes: the number of value nodes of the graph.
        max_nodes: the limit it is above.
    """

    def __init__(self, message: str, *, n_nodes: int, max_nodes: int):
        super().__init__(message)
        self.n_nodes = n_nodes
        self.max_nodes = max_nodes


class DotNotFoundError(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` program is not installed; the DOT source was written instead."""

    def __init__(self, message: str):
        RuntimeError.__init__(self, message)


@dataclass(frozen=True, kw_only=True)
class DrawingOptions:
    """How a graph is drawn: the one set of options every drawing of ``viz`` takes.

    :func:`viz.to_dot`, :func:`viz.draw`, :func:`viz.render`, :func:`viz.to_tikz`, the
    stepper pages and the Beamer frames all take ``options=DrawingOptions(...)``; making one
    checks it.

    Attributes:
        rankdir: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).
        fmt: format spec for data and grads, such as ``".4g"`` or ``".3f"``.
        show_grad: show each node's ``grad`` next to its data.
        color_by_grad: fill value nodes by the sign and size of their grad (orange negative,
            blue positive, as the weights elsewhere; strongest within a factor 10 of the
            largest |grad| apart from the output's, lighter one and two decades below) and
            add a legend.
        highlight: Values (nodes) and ``(parent, child)`` pairs (edges) to draw thick and
            coloured, for example one chain-rule path; other edges are drawn lighter.
        cluster: group nodes labelled in Nielsen's notation (``w^l_jk``, ``b^l_j``,
            ``z^l_j``, ``a^l_j``) into one box per layer and one per neuron.
        max_nodes: refuse graphs with more value nodes than this (None: no limit). Where
            Graphviz lays the graph out (:func:`viz.draw`, :func:`viz.render` to a picture,
            TikZ, the steppers), graphs whose layout would take it long are refused too: more
            than :data:`viz.limits.MAX_EDGES` edges, or edges across more than
            :data:`viz.limits.MAX_RANKS_CROSSED` ranks; None lifts these limits as well.
        compact_constants: draw unlabelled leaves (numbers used as operands) as just their
            number; a constant exponent is always folded into its node (``(·)²``).
        show_ids: show the node id (``n5``) in unlabelled nodes: the name that
            :func:`autograd_lite.teach.explain` and the stepper give them. None (the default)
            shows them when ``highlight`` is given, so a path table's nodes can be found in
            the picture; True or False shows or hides them in any drawing.
        stacked: write each value's label, data and grad one above the other (a narrow box)
            instead of side by side. None (the default) stacks them in left-to-right
            drawings of networks (graphs with a neuron's Σ node), whose many columns would
            otherwise make the picture several times wider than a slide. A network drawn
            stacked, or top to bottom, has its inputs in a column (row) of their own before
            the weights. The stepper pages, given None, hold both layouts and show the one
            whose text is larger with the whole graph fitted to the window.
        neurons_only: draw a network as a textbook or a slide does: its inputs, one circle
            per neuron (label and value), the loss, and one arrow per weight coloured by its
            sign (blue positive, orange negative) and wider when larger; weights, biases
            and Σ nodes are left out (they are in the tooltips), and the ranks are spread to
            a 16:9 slide's proportions. For graphs built of neurons (:mod:`autograd_lite.nn`);
            the steppers, Beamer and TikZ draw every node and refuse it. Of the other
            options only ``rankdir``, ``fmt`` and ``max_nodes`` apply.

    Raises:
        ValueError: for a bad ``rankdir``, ``fmt`` or ``max_nodes``.

    Example:
        >>> DrawingOptions(rankdir="TB").fmt
        '.4g'
        >>> DrawingOptions(rankdir="up")
        Traceback (most recent call last):
        ...
        ValueError: rankdir must be 'LR' (left to right) or 'TB' (top to bottom), got 'up'
    """

    rankdir: str = "LR"
    fmt: str = ".4g"
    show_grad: bool = True
    color_by_grad: bool = False
    highlight: Iterable = ()
    cluster: bool = False
    max_nodes: int | None = DEFAULT_MAX_NODES
    compact_constants: bool = True
    show_ids: bool | None = None
    stacked: bool | None = None
    neurons_only: bool = False

    def __post_init__(self) -> None:
        # kept as a tuple, so options stay unchanged and hashable whatever was passed
        try:
            object.__setattr__(self, "highlight", tuple(self.highlight))
        except TypeError:
            raise TypeError(
                "highlight must be a list of Values (nodes) and (parent, child) pairs of "
                f"Values (edges), got {type(self.highlight).__name__}"
            ) from None
        if self.rankdir not in ("LR", "TB"):
            raise ValueError(
                "rankdir must be 'LR' (left to right) or 'TB' (top to bottom), "
                f"got {self.rankdir!r}"
            )
        page_number(1.0, self.fmt)  # raises a clear ValueError for a bad spec
        if self.max_nodes is not None and not (is_integer(self.max_nodes) and self.max_nodes >= 1):
            raise ValueError(
                f"max_nodes must be a positive whole number or None, got {self.max_nodes!r}"
            )


def drawing_options(options: DrawingOptions | None) -> DrawingOptions:
    """The options a drawing entry point was given: the defaults for None.

    Raises:
        TypeError: if options is neither a DrawingOptions nor None.
    """
    if options is None:
        return DrawingOptions()
    if not isinstance(options, DrawingOptions):
        raise TypeError(
            "options must be a DrawingOptions, for example options=DrawingOptions(rankdir='TB'), "
            f"or None, got {type(options).__name__}"
        )
    return options


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
            f"To draw it anyway, call {what}(root, ..., options=DrawingOptions(max_nodes={n})) "
            f"(or max_nodes=None for no limit); to draw a part of it, pass an inner node as the "
            f"root: {what}(node) draws only that node and the nodes it depends on.",
            n_nodes=n,
            max_nodes=max_nodes,
        )


def check_layout(root: Value, options: DrawingOptions, what: str) -> None:
    """Refuse, unless ``options.max_nodes`` is None, a graph that Graphviz would take long to
    lay out (see :mod:`viz.limits`).

    Call it after the node count is checked. Folded exponents are counted as drawn, so the
    estimate is never below the picture's own.

    Raises:
        LayoutTooSlowError: as :func:`viz.limits.check_layout_cost`.
    """
    if options.max_nodes is not None and not options.neurons_only:
        check_layout_cost(topo_order(root), set(), what)


def digraph(lines: list[str]) -> str:
    """The one place the ``digraph { ... }`` wrapper is written around :func:`dot_lines`."""
    return "digraph {\n" + "".join(f"{line}\n" for line in lines) + "}\n"


def dot_lines(
    root: Value,
    options: DrawingOptions,
    *,
    grads: Mapping[int, float] | None = None,
    number: Callable[[float], str] | None = None,
    ids: Sequence[str] | None = None,
    tooltips: Mapping[str, str] | None = None,
    operand_marks: bool = False,
) -> list[str]:
    """The DOT body lines (each starting with a tab) for ``root``'s graph.

    Args:
        root: the output node.
        options: the drawing options.
        grads: grads to show instead of the nodes' own, by topological index (0 for an
            index not given); the stepper pages and Beamer frames draw their pictures so.
        number: how to write data and grads (by default ``options.fmt``); the pages write
            their own numbers.
        ids: each unlabelled node's name for its id cell, by topological index, written as a
            label (``v_5``, drawn v₅ in grey at the size of the labels); by default the small
            grey id ``n5``. The pages call such nodes as their text does.
        tooltips: tooltips by DOT name (``"n5"``, ``"n5_op"``, ``"n2->n5_op"``), as plain text.
        operand_marks: mark the second operand of − ÷ ^ with the operation's symbol instead of
            writing the ops table's operand names a and b on both edges (the pages, whose
            text names operands by their labels).

    Returns:
        The graph's attributes, its nodes (in their clusters, if any), its edges and, when
        colouring by grad, the legend.

    Raises:
        GraphTooLargeError, ValueError, TypeError: as :func:`to_dot`.
    """
    check_value(root, "root")
    order = topo_order(root)
    if options.neurons_only:
        network = find_neurons(order)
        check_size(network.drawn, options.max_nodes)
        return neuron_lines(network, root, options.rankdir, options.fmt)
    check_size(order, options.max_nodes)
    graph = _layout(order, options, grads)
    if number is not None or ids is not None or tooltips is not None or operand_marks:
        graph = dataclasses.replace(
            graph,
            number=number or graph.number,
            ids=list(ids) if ids is not None else graph.ids,
            label_ids=ids is not None,
            tooltips=dict(tooltips or {}),
            operand_marks=operand_marks,
        )
    lines = _graph_attributes(options)
    if graph.chains and options.cluster:
        # NOTE: in the neuron boxes dot 2.43 left the output layer's weights in a rotated order
        # (w₁₃, b, w₁₁, w₁₂) with its default effort to uncross edges; ten times it (mclimit,
        # 0.16 s instead of 0.1 s on a 2-16-16-1 network) keeps them in theirs
        lines.append("\tgraph [mclimit=10]")
    lines += _node_lines(graph)
    lines += _edge_lines(graph)
    if options.color_by_grad:
        lines += _legend(graph)
    return lines


# --- what to draw, decided once per graph ---------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """What :func:`dot_lines` draws for one graph; nodes are named by topological index."""

    order: list[Value]
    index: dict[Value, int]
    options: DrawingOptions
    grads: list[float]  # the grad shown for each node
    lit_nodes: set[int]  # highlighted nodes
    lit_edges: set[tuple[int, int]]  # highlighted (parent, child) edges
    show_ids: bool
    folded: set[int]  # constant exponents written inside their operation node
    compact: set[int]  # constants drawn as just their number
    scale: float  # the largest |grad| drawn in full, said by the legend
    bins: tuple[float, float]  # |grad| from which a fill is medium, strong (see _grad_bins)
    number: Callable[[float], str]  # how data and grads are written
    ids: list[str]  # the id cell's text for each node
    tooltips: dict[str, str] = dataclasses.field(default_factory=dict)  # by DOT name
    label_ids: bool = False  # ids written as labels, at the labels' size
    operand_marks: bool = False  # the second operand of − ÷ ^ marked by the symbol
    stacked: bool = False  # label, data and grad one above the other
    input_edges: set[tuple[int, int]] = dataclasses.field(default_factory=set)  # two ranks long
    chains: list[list[int]] = dataclasses.field(default_factory=list)  # kept in this order
    names: dict[int, LossName] = dataclasses.field(default_factory=dict)  # of unlabelled nodes


def _layout(order: list[Value], options: DrawingOptions, grads: Mapping | None) -> _Layout:
    index = {v: i for i, v in enumerate(order)}
    lit_nodes, lit_edges = _highlights(index, options.highlight)
    # A path picture is read next to a path table, which names unlabelled nodes by id.
    show_ids = options.show_ids if options.show_ids is not None else bool(lit_nodes or lit_edges)
    if grads is None:
        shown = [v.grad for v in order]
    else:
        shown = [grads.get(i, 0.0) for i in range(len(order))]
    folded = _folded_exponents(order, index, lit_nodes, lit_edges)
    compact = _constants(order, folded) if options.compact_constants else set()
    network = is_network(order)
    stacked = options.stacked
    if stacked is None:
        stacked = network and options.rankdir == "LR"
    full = folded | compact
    columns = network and (stacked or options.rankdir == "TB")
    return _Layout(
        order=order,
        index=index,
        options=options,
        grads=shown,
        lit_nodes=lit_nodes,
        lit_edges=lit_edges,
        show_ids=show_ids,
        folded=folded,
        compact=compact,
        scale=_grad_scale(shown, drawn_in_full=full),
        bins=_grad_bins(shown, drawn_in_full=full),
        number=lambda x: page_number(x, options.fmt),
        ids=[node_id(i) for i in range(len(order))],
        stacked=stacked,
        # the inputs' own column costs two columns of width: not where values stand side by
        # side in a row (the pages, wider than tall), where it would shrink their text
        input_edges=input_edges(order, index) if columns else set(),
        chains=weight_chains(order, index, folded) if network else [],
        names=loss_names(order, index),
    )


def _name(v: Value) -> str:
    return f"{v.label!r} (data {v.data!r})" if v.label else f"the node with data {v.data!r}"


def _highlights(index: dict, highlight: Iterable) -> tuple[set, set]:
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


def _folded_exponents(order: list, index: dict, lit_nodes: set, lit_edges: set) -> set[int]:
    """The constant exponents (the 2 of ``x ** 2``) drawn inside their node as ``^2``.

    Only an unlabelled leaf used nowhere else and not highlighted is folded, so the
    picture loses nothing.
    """
    uses = Counter(index[p] for v in order for p in v.parents)
    folded = set()
    for i, v in enumerate(order):
        if v.op != "pow":
            continue
        exponent = v.parents[1]
        e = index[exponent]
        if (
            not exponent.parents
            and exponent.label is None
            and uses[e] == 1
            and e not in lit_nodes
            and (e, i) not in lit_edges
        ):
            folded.add(e)
    return folded


def _constants(order: list, folded: set) -> set[int]:
    """The unlabelled leaves (numbers used as operands) that are drawn as just their number."""
    root = len(order) - 1
    return {
        i
        for i, v in enumerate(order)
        if not v.parents and v.label is None and i not in folded and i != root
    }


def _coloured(grads: list[float], drawn_in_full: set) -> list[float]:
    """The |grad| of the nodes drawn in full whose grad says something."""
    full = [i for i in range(len(grads)) if i not in drawn_in_full]
    root = len(grads) - 1
    # The output's own grad is 1 by definition and says nothing: the scale ignores it
    # unless it is the only node.
    return [abs(grads[i]) for i in full if i != root or len(full) == 1]


def _grad_scale(grads: list[float], *, drawn_in_full: set) -> float:
    """The largest |grad| of the nodes drawn in full, which the legend names."""
    return max(_coloured(grads, drawn_in_full), default=0.0)


def _grad_bins(grads: list[float], *, drawn_in_full: set) -> tuple[float, float]:
    """The |grad| from which a fill is medium and strong: the nonzero |grad|s split in
    thirds by rank, each bound rounded down to one significant digit (two if one would make
    them equal), so the shades spread over the graph however its grads are spread."""
    sizes = sorted(g for g in _coloured(grads, drawn_in_full) if g != 0.0)
    if not sizes:
        return (0.0, 0.0)
    # a grad a rounding error below a round number (1 − tanh² = 0.49999999999999994) counts
    # as that number, as the picture writes it
    low, high = (sizes[len(sizes) * k // 3] * (1 + _SLACK) for k in (1, 2))
    rounded = (_round_down(low, 1), _round_down(high, 1))
    if rounded[0] == rounded[1] and low < high:
        rounded = (_round_down(low, 2), _round_down(high, 2))
    return rounded


_SLACK = 1e-9


def _round_down(x: float, digits: int) -> float:
    """x rounded down to ``digits`` significant digits (0.0709 -> 0.07), never above x."""
    if not math.isfinite(x) or x <= 0.0:
        return x
    step = 10.0 ** (math.floor(math.log10(x)) - digits + 1)
    r = float(format(math.floor(x / step * (1 + 1e-12)) * step, f".{digits}g"))
    return r if r <= x else float(format(r - step, f".{digits}g"))


# --- the DOT lines, in the order they are written --------------------------------------------


def _graph_attributes(options: DrawingOptions) -> list[str]:
    return [
        f'\tgraph [rankdir={options.rankdir} fontname="{FONT}" fontsize=14 nodesep=0.25 '
        "ranksep=0.35 bgcolor=white]",
        f'\tnode [shape=plain fontname="{FONT}" fontsize=14]',
        f'\tedge [arrowsize=0.7 color="#444444" fontname="{FONT}"]',
    ]


def _node_lines(graph: _Layout) -> list[str]:
    """Every node's declaration, an operation's before its result's; boxed by layer and
    neuron when ``cluster`` is on, and then the nodes that belong to no box. A neuron's
    weights and bias stand in one column in their order (:func:`_chain_lines`)."""
    clusters: dict[tuple[int, int | None], list[str]] = {}
    loose: list[str] = []
    boxed = _boxed_chains(graph)
    for i, v in enumerate(graph.order):
        if i in graph.folded or (i in boxed and boxed[i][0] != i):
            continue
        if i in boxed:
            declarations = _chain_lines(graph, boxed[i], boxed=True)
        else:
            declarations = [_op_node(graph, i)] if v.parents else []
            declarations.append(_value_node(graph, i))
        key = _cluster_key(v) if graph.options.cluster else None
        if key is None:
            loose.extend(declarations)
        else:
            clusters.setdefault(key, []).extend(declarations)
    for chain in graph.chains:
        if chain[0] not in boxed:
            loose.extend(_chain_lines(graph, chain, boxed=False))
    return _cluster_lines(clusters) + [f"\t{d}" for d in loose]


def _boxed_chains(graph: _Layout) -> dict[int, list[int]]:
    """The chains whose nodes are all in one neuron's box, by each of their nodes."""
    if not graph.options.cluster:
        return {}
    boxed = {}
    for chain in graph.chains:
        keys = {_cluster_key(graph.order[j]) for j in chain}
        if len(keys) == 1 and None not in keys:
            boxed.update((j, chain) for j in chain)
    return boxed


def _chain_lines(graph: _Layout, chain: list[int], *, boxed: bool) -> list[str]:
    """A neuron's weights and bias in one rank, tied in their order by invisible edges.

    NOTE: in a neuron's box dot orders a rank by its own rules, flat edges or not; the nodes
    declared only in a box of their own keep the order of the edges.
    """
    names = [f"n{j}" for j in chain]
    if not boxed:
        return [f"{{rank=same {' '.join(names)}}}", f"{' -> '.join(names)} [style=invis]"]
    return [
        f"subgraph cluster_{names[0]}_weights {{",
        "\tstyle=invis",
        *(f"\t{_value_node(graph, j)}" for j in chain),
        f"\t{{rank=same {' '.join(names)}}}",
        f"\t{' -> '.join(names[::-1] if graph.options.rankdir == 'LR' else names)} [style=invis]",
        "}",
    ]


def _op_node(graph: _Layout, i: int) -> str:
    """The oval of the operation that made node i, with the ops table's symbol."""
    v = graph.order[i]
    prim = OPS.get(v.op)
    symbol = prim.symbol if prim is not None else v.op
    text = html_text(shorten(symbol))
    if v.op == "pow" and graph.index[v.parents[1]] in graph.folded:
        # the exponent is part of the operation's name, so it is written in full ((·)²,
        # (·)^0.5 as a superscript), whatever the number format of the data
        power = format(v.parents[1].data, ".6g").replace("-", MINUS)
        text = f"(·)<SUP>{html_text(shorten(power))}</SUP>"
    extra = f' color="{HIGHLIGHT}" penwidth=3' if i in graph.lit_nodes else ""
    extra += _tooltip(graph, f"n{i}_op")
    return (
        f"n{i}_op [label=<{text}> shape=ellipse style=filled "
        f'fillcolor="{OP_FILL}" height=0.4 margin="0.06,0.02"{extra}]'
    )


def _value_node(graph: _Layout, i: int) -> str:
    """Node i as a table of label (or id), data and grad; a constant as just its number."""
    v = graph.order[i]
    number = graph.number
    if i in graph.compact:
        text = _number_html(v.data, number)
        if i in graph.names:
            text = f"<I>{graph.names[i].html}</I> = {text}"
        return (
            f"n{i} [label=<{text}> shape=box "
            'style="rounded,dashed" color="#888888" height=0.3 '
            f'width=0.3 margin="0.06,0.02"{_tooltip(graph, f"n{i}")}]'
        )
    grad = graph.grads[i]
    cells = []
    tooltip = _tooltip(graph, f"n{i}")
    if v.label:
        cells.append(f"<TD><B>{label_html(shorten(v.label))}</B></TD>")
        if len(v.label) > MAX_LABEL_CHARS and not tooltip:
            tooltip = f' tooltip="{quoted_text(shorten(v.label, MAX_TOOLTIP_CHARS))}"'
    elif i in graph.names:
        cells.append(f"<TD><B>{graph.names[i].html}</B></TD>")
    elif graph.show_ids and graph.label_ids:
        cells.append(f'<TD><FONT COLOR="#555555">{label_html(shorten(graph.ids[i]))}</FONT></TD>')
    elif graph.show_ids:
        cell = html_text(shorten(graph.ids[i]))
        cells.append(f'<TD><FONT COLOR="#777777" POINT-SIZE="11">{cell}</FONT></TD>')
    cells.append(f"<TD>data {_number_html(v.data, number)}</TD>")
    if graph.options.show_grad:
        cells.append(f"<TD>grad {_number_html(grad, number)}</TD>")
    fill = _colour(grad, graph.bins) if graph.options.color_by_grad else VALUE_FILL
    border = f'BORDER="3" COLOR="{HIGHLIGHT}"' if i in graph.lit_nodes else 'BORDER="0"'
    rows = [f"<TR>{c}</TR>" for c in cells] if graph.stacked else [f"<TR>{''.join(cells)}</TR>"]
    padding = 3 if graph.stacked else 5
    table = (
        f'<TABLE {border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="{padding}" '
        f'BGCOLOR="{fill}">{"".join(rows)}</TABLE>'
    )
    return f"n{i} [label=<{table}>{tooltip}]"


def _number_html(x: float, number: Callable[[float], str]) -> str:
    # a format such as ".3f" writes 1e300 with 301 digits
    return html_text(shorten(number(x)))


def _tooltip(graph: _Layout, name: str) -> str:
    """The tooltip attribute of the DOT node or edge ``name``, if it has one."""
    text = graph.tooltips.get(name)
    return f' tooltip="{quoted_text(shorten(text, MAX_TOOLTIP_CHARS))}"' if text else ""


def _colour(g: float, bins: tuple[float, float]) -> str:
    """The fill of a node whose grad is g: orange for negative, blue for positive, in three
    shades by where |g| stands among the graph's grads (:func:`_grad_bins`)."""
    if g == 0.0 or bins[1] == 0.0:
        return ZERO_COLOUR
    t = abs(g) * (1 + _SLACK)
    level = 2 if t >= bins[1] else (1 if t >= bins[0] else 0)
    return (POS_COLOURS if g > 0 else NEG_COLOURS)[level]


def _cluster_key(v: Value) -> tuple[int, int | None] | None:
    """The box a Nielsen-labelled node goes in: (layer, neuron), neuron None for the inputs
    a^1_j; None for a node with another label or none."""
    if v.label is None or len(v.label) > MAX_LABEL_CHARS:
        return None  # not a textbook label, and its numbers could be thousands of digits
    parsed = parse_nielsen(v.label)
    if parsed is None:
        return None
    kind, layer, neuron, _ = parsed
    return (layer, None if kind == "a" and layer == 1 else neuron)


def _cluster_lines(clusters: dict[tuple[int, int | None], list[str]]) -> list[str]:
    """One box per layer, holding its inputs and one box per neuron, in order."""
    lines = []
    for layer in sorted({layer for layer, _ in clusters}):
        lines.append(f"\tsubgraph cluster_l{layer} {{")
        lines.append(f'\t\tlabel=<layer {layer}> style="rounded,dashed" color="#777777"')
        lines.extend(f"\t\t{d}" for d in clusters.get((layer, None), []))
        neurons = sorted(j for ell, j in clusters if ell == layer and j is not None)
        for j in neurons:
            lines.append(f"\t\tsubgraph cluster_l{layer}_{j} {{")
            lines.append(
                f'\t\t\tlabel=<neuron {j}> style="rounded,filled" '
                'fillcolor="#f3f3f3" color="#bbbbbb"'
            )
            lines.extend(f"\t\t\t{d}" for d in clusters[(layer, j)])
            lines.append("\t\t}")
        lines.append("\t}")
    return lines


def _edge_lines(graph: _Layout) -> list[str]:
    """Each operand into its operation, then the operation into its result. Highlighted
    edges are thick and coloured; when anything is highlighted, the others are lighter."""
    dim = f' color="{DIM}"' if (graph.lit_nodes or graph.lit_edges) else ""
    lit = f' color="{HIGHLIGHT}" penwidth=3'
    lit_children = {child for _, child in graph.lit_edges}
    lines = []
    for pi, i, tail, head, name in drawn_edges(graph):
        if pi < 0:
            lines.append(_edge(tail, head, lit if i in lit_children else dim))
            continue
        attrs = (lit if (pi, i) in graph.lit_edges else dim) + _tooltip(graph, f"{tail}->{head}")
        if (pi, i) in graph.input_edges:
            attrs += " minlen=2"  # the inputs in a column of their own, before the weights
        if name:
            size = 16 if graph.operand_marks else 11
            attrs += f' headlabel=<{html_text(name)}> labelfontsize={size} labelfontcolor="#666666"'
        lines.append(_edge(tail, head, attrs))
    return lines


def drawn_edges(graph: _Layout) -> list[tuple[int, int, str, str, str]]:
    """Every drawn edge as ``(parent index or -1, child index, tail, head, operand name)``, in
    drawing order: each operand into its operation, then the operation into its result."""
    out = []
    for i, v in enumerate(graph.order):
        if not v.parents:
            continue
        names = _operand_names(graph, v)
        for k, p in enumerate(v.parents):
            pi = graph.index[p]
            if pi not in graph.folded:
                out.append((pi, i, f"n{pi}", f"n{i}_op", names[k] if k < len(names) else ""))
        out.append((-1, i, f"n{i}_op", f"n{i}", ""))
    return out


def _operand_names(graph: _Layout, v: Value) -> tuple[str, ...]:
    """The names written on the edges into v's operation: its operands' names ("a", "b")
    when they cannot be swapped (− and ÷, not + and ×) and both are drawn; else none."""
    if len(v.parents) != 2 or v.op in _COMMUTATIVE or v.op not in OPS:
        return ()
    if any(graph.index[p] in graph.folded for p in v.parents):
        return ()
    if graph.operand_marks:
        return ("", OPS[v.op].symbol)
    return OPS[v.op].operand_names


def _edge(tail: str, head: str, attrs: str) -> str:
    return f"\t{tail} -> {head}" + (f" [{attrs.strip()}]" if attrs else "")


def legend_rows(
    scale: float, fmt: str, bins: tuple[float, float] | None = None
) -> list[tuple[tuple[str, ...], str]]:
    """The colour legend of ``color_by_grad`` as ``(fill colours, plain text)`` rows: each
    shade's negative and positive colour and the |grad| it stands for, zero, and a last row
    (no colour) that says which colour is which sign and the largest |grad|. Every drawing
    that colours by grad writes these rows.

    Args:
        scale: the largest |grad| coloured.
        fmt: the number format.
        bins: the |grad| from which a fill is medium and strong; by default a tenth and all
            of ``scale``.
    """

    def num(x: float) -> str:
        return shorten(page_number(x, fmt))

    if scale == 0.0:
        return [((ZERO_COLOUR,), "every grad is 0")]
    low, high = bins if bins is not None else (scale / 10, scale)
    rows = [((NEG_COLOURS[2], POS_COLOURS[2]), f"|grad| ≥ {num(high)}")]
    if low < high:
        rows.append(((NEG_COLOURS[1], POS_COLOURS[1]), f"{num(low)} … {num(high)}"))
    rows += [
        ((NEG_COLOURS[0], POS_COLOURS[0]), f"below {num(low)}"),
        ((ZERO_COLOUR,), "0"),
        ((), f"orange < 0 < blue; largest |grad| {num(scale)}"),
    ]
    return rows


def _legend(graph: _Layout) -> list[str]:
    """A small table under the picture that says which grads each fill colour stands for."""
    rows = []
    for colours, text in legend_rows(graph.scale, graph.options.fmt, graph.bins):
        swatches = "".join(f'<TD BGCOLOR="{c}" WIDTH="16"> </TD>' for c in colours)
        span = f' COLSPAN="{3 - len(colours)}"' if len(colours) < 3 else ""
        border = "" if colours else ' BORDER="0"'
        rows.append(f'<TR>{swatches}<TD ALIGN="LEFT"{span}{border}>{html_text(text)}</TD></TR>')
    table = (
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
        f'<TR><TD COLSPAN="3" BORDER="0"><B>grad colour</B></TD></TR>{"".join(rows)}</TABLE>'
    )
    return [f"\tgraph [label=<{table}> labelloc=b labeljust=r fontsize=12]"]
