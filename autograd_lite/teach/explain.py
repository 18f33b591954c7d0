"""Why a derivative has its value: the chain rule as a sum over paths.

d(root)/d(wrt) is the sum, over every path from ``wrt`` to ``root`` in the computation graph,
of the product of the local derivatives along the path. :func:`explain` lists those paths
with each step's local derivative as a formula (from the ops table, in the nodes' labels)
and as a number, and checks that they add up to the engine's gradient.

Example:
    >>> from autograd_lite import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> y.label = "y"
    >>> ex = explain(y, x)
    >>> ex.path_count, ex.total, ex.gradient, ex.agrees
    (2, 6.0, 6.0, True)
    >>> [e.formula for p in ex.paths for e in p.edges]
    ['∂(x·x)/∂x = x', '∂(x·x)/∂x = x']

The number of paths can grow exponentially with the depth of a graph with shared
subexpressions, so paths are counted by dynamic programming and only the ``max_paths``
largest (by absolute product) are listed. Nothing here recurses.

Nodes are named by their labels; an unlabelled operation by its id, ``n`` and its index in
``topo_order(root)`` (:func:`~autograd_lite.labels.node_names`). A drawing of the same root
prints the same id in that node (a drawing that highlights ``ex.highlight()`` shows the
ids by default), so every node of a path table can be found in the picture.

The backprop-equation tables for networks (Nielsen's BP1-BP4), :func:`backprop_table` and
:func:`backprop_equations`, live in :mod:`autograd_lite.teach.bp_equations` and are re-exported
here.
"""

from __future__ import annotations

import heapq
import math
import re
import sys
from typing import NamedTuple

from ..engine import Value, check_value, gradients, reference_gradients, topo_order
from ..forward import local_derivatives
from ..labels import node_names
from ..ops import NARY, OPS, wsum_operands
from ..table import Table, fmt, report_html, report_markdown, report_text
from . import _scaled
from .bp_equations import BackpropTable, backprop_equations, backprop_table
from .size import check_size

__all__ = [
    "Edge",
    "Path",
    "Explanation",
    "explain",
    "node_names",
    "BackpropTable",
    "backprop_equations",
    "backprop_table",
]


class Edge(NamedTuple):
    """One step of a path: from ``parent`` into operand ``position`` of ``child``.

    Attributes:
        parent: the operand node.
        child: the node computed from it.
        position: the operand position (``a*a`` has two edges, positions 0 and 1).
        local: the local derivative d(child)/d(operand) at the current values.
        formula: the local derivative as text from the ops table, in the nodes' labels.
        parent_name, child_name: how the table names the two nodes.
    """

    parent: Value
    child: Value
    position: int
    local: float
    formula: str = ""
    parent_name: str = ""
    child_name: str = ""


class Path(NamedTuple):
    """A path from ``wrt`` to ``root``: its edges in order and the product of their locals."""

    edges: tuple[Edge, ...]
    product: float

    def nodes(self) -> list[Value]:
        """The nodes along the path, from wrt to root."""
        if not self.edges:
            return []
        return [self.edges[0].parent] + [e.child for e in self.edges]


def _operand_text(v: Value) -> str | None:
    """What replaces an operand letter in a formula: a label, a constant, or nothing."""
    if v.label:
        return v.label
    if not v.op:
        return fmt(v.data)
    return None


def _formula(child: Value, position: int, names: dict[Value, str]) -> str:
    """The local derivative text of the ops table, with operand letters replaced by labels.

    An unlabelled operation keeps its letter (``a``) unless a label elsewhere in the same
    formula is that letter too; then it is named as in the path column (``n3``).
    """
    prim = OPS[child.op]
    ps = child.parents
    operands: dict[str, Value] = {}
    if prim.arity == NARY:
        weights, inputs, bias = wsum_operands(ps)
        n = len(weights)
        if position < 2 * n:
            k = position % n
            text = prim.derivatives[0 if position < n else 1]
            operands = {"wₖ": weights[k], "aₖ": inputs[k]}
        else:
            text = prim.derivatives[2]
            operands = {"b": bias}
        out_name = "z"
    else:
        text = prim.derivatives[position]
        operands = dict(zip(prim.operand_names, ps))
        out_name = "out"
    subs = {k: _operand_text(v) for k, v in operands.items()}
    subs[out_name] = child.label
    taken = {t for t in subs.values() if t}
    for k, v in operands.items():
        if subs[k] is None and k in taken:
            subs[k] = names[v]
    subs = {k: t for k, t in subs.items() if t}
    if not subs:
        return text
    pattern = r"(?<!\w)(" + "|".join(sorted(map(re.escape, subs), key=len, reverse=True))
    pattern += r")(?!\w)"
    return re.sub(pattern, lambda m: subs[m.group(1)], text)


def _local_text(e: Edge, digits: int) -> str:
    """An edge's local derivative as the table prints it: with a decimal exponent of its own
    where the float is 0 or infinite but the derivative is not (-1e+600 at x = 1e-300)."""
    if e.local and math.isfinite(e.local):
        return fmt(e.local, digits)
    d = _scaled.local(e.child, e.position, e.local)
    return _scaled.text(d, f".{digits}g") if d[0] else "0"


class Explanation(NamedTuple):
    """The chain-rule decomposition of d(root)/d(wrt); see :func:`explain`.

    Attributes:
        root, wrt: the two nodes.
        root_name, wrt_name: their display names.
        paths: the listed paths, largest absolute product first.
        path_count: how many paths there are in all.
        total: the sum of the products over all paths: the adjoint of wrt that the
            engine's backward steps end with.
        gradient: the engine's d(root)/d(wrt), from :func:`gradients`.
        agrees: whether total and gradient agree (to 1e-9 relative).
        left_out: how many paths are not listed.
        left_out_total: the part of the total the unlisted paths carry.
    """

    root: Value
    wrt: Value
    root_name: str
    wrt_name: str
    paths: tuple[Path, ...]
    path_count: int
    total: float
    gradient: float
    agrees: bool
    left_out: int
    left_out_total: float
    digits: int = 12

    def highlight(self) -> set:
        """The nodes and ``(parent, child)`` edges of the listed paths, for a drawing."""
        out: set = {self.wrt, self.root}
        for p in self.paths:
            for e in p.edges:
                out.add(e.parent)
                out.add(e.child)
                out.add((e.parent, e.child))
        return out

    def table(self) -> Table:
        """The explanation as a :class:`~autograd_lite._table.Table`."""
        d = self.digits
        title = (
            f"∂{self.root_name}/∂{self.wrt_name} = sum over {self.path_count} path(s) of the "
            "product of the local derivatives along each path"
        )
        rows = []
        for i, p in enumerate(self.paths, 1):
            for j, e in enumerate(p.edges):
                rows.append(
                    [
                        str(i) if j == 0 else "",
                        f"{e.parent_name} → {e.child_name}",
                        e.formula,
                        _local_text(e, d),
                    ]
                )
            if not p.edges:
                rows.append([str(i), f"{self.wrt_name} (the root itself)", "", "1"])
            rows.append(["", "", f"product of path {i}", fmt(p.product, d)])
        notes = []
        if not self.root.label:
            notes.append(
                f"{self.root_name} is the output (root), which has no label: drawings and the "
                "stepper show this id in its node; give it a label to see that name instead"
            )
        if self.left_out:
            notes.append(
                f"{self.left_out} more path(s) not listed; together they carry "
                f"{fmt(self.left_out_total, d)} of the total"
            )
        verdict = "agrees" if self.agrees else "DISAGREES"
        notes.append(f"sum over all paths: {fmt(self.total, d)}")
        notes.append(f"engine gradient:    {fmt(self.gradient, d)}  ({verdict})")
        return Table(title, ["path", "edge", "local derivative", "value"], rows, notes)

    __str__ = report_text
    __repr__ = report_text  # a plain Python prompt shows the table, as a notebook does
    markdown = report_markdown
    _repr_html_ = report_html


def _relevant(order: list[Value], wrt: Value) -> dict[Value, bool]:
    """The nodes that depend on wrt (wrt included), in topological order."""
    reach = {wrt: True}
    for v in order:
        if v is not wrt and any(p in reach for p in v.parents):
            reach[v] = True
    return reach


def explain(
    root: Value,
    wrt: Value,
    *,
    max_paths: int = 20,
    digits: int = 12,
    gradient: float | None = None,
) -> Explanation:
    """Decompose d(root)/d(wrt) into the chain rule's paths.

    The sum over all paths is the adjoint of wrt that the engine's backward steps
    (:func:`~autograd_lite.engine.backward_steps`) end with: the paths' products summed in
    the order the backward pass sums them, so it is exact where a float product along a path
    would over- or underflow (each path's product is kept exactly on the way too).

    Args:
        root: the output.
        wrt: the node to differentiate with respect to (a leaf or an interior node).
        max_paths: how many paths to list at most; the rest are counted and summed.
        digits: significant digits in the printed tables.
        gradient: the engine's d(root)/d(wrt) when it is known already (read from
            ``wrt.grad`` after ``root.backward()`` on a fresh graph); None computes it.
            The table compares it with the sum over the paths.

    Returns:
        An :class:`Explanation`; print it for a table, or use ``markdown()`` or show it
        in a notebook.

    Raises:
        TypeError: if root or wrt is not a Value.
        ValueError: if max_paths is negative.

    Example:
        >>> from autograd_lite import Value
        >>> a, b = Value(2.0, label="a"), Value(5.0, label="b")
        >>> c = a * b + a
        >>> ex = explain(c, a)
        >>> [(e.formula, e.local) for e in ex.paths[0].edges]
        [('∂(a·b)/∂a = b', 5.0), ('∂(n2 + a)/∂n2 = 1', 1.0)]
        >>> ex.path_count, ex.total
        (2, 6.0)
    """
    check_value(root)
    check_value(wrt, "wrt")
    if max_paths < 0:
        raise ValueError(f"max_paths must be 0 or more, got {max_paths!r}")
    order = topo_order(root)
    check_size(order, "explain")  # before any backward pass over it
    if gradient is None:
        gradient = gradients(root, [wrt])[0]
    names = node_names(order)
    wrt_name = names.get(wrt) or wrt.label or fmt(wrt.data)
    graph = _Graph(order, wrt) if wrt in names else None
    paths = graph.largest_paths(root, max_paths) if graph else []
    paths = [_named(p, names) for p in paths]
    n = graph.count.get(root, 0) if graph else 0
    grand = reference_gradients(root).get(wrt, 0.0) if graph else 0.0
    listed = math.fsum(p.product for p in paths)
    left = n - len(paths)
    agrees = math.isclose(grand, gradient, rel_tol=1e-9, abs_tol=1e-12)
    return Explanation(
        root,
        wrt,
        names[root],
        wrt_name,
        tuple(paths),
        n,
        grand,
        gradient,
        agrees,
        left,
        grand - listed if left else 0.0,
        digits,
    )


class _Graph:
    """The subgraph between wrt and a root: its edges with their local derivatives (kept
    scaled, see :mod:`~autograd_lite.teach._scaled`) and the number of paths into each node."""

    def __init__(self, order: list[Value], wrt: Value):
        self.wrt = wrt
        self.reach = _relevant(order, wrt)
        # out_edges[v]: the edges out of v, each with its local derivative scaled
        self.out_edges: dict[Value, list[tuple[Edge, _scaled.Scaled]]] = {v: [] for v in self.reach}
        self.count = {v: 0 for v in self.reach}
        self.count[wrt] = 1
        for v in self.reach:
            if v is wrt:
                continue
            locals_ = local_derivatives(v)
            for i, p in enumerate(v.parents):
                if p in self.reach:
                    e = Edge(p, v, i, float(locals_[i]))
                    self.out_edges[p].append((e, _scaled.local(v, i, e.local)))
                    self.count[v] += self.count[p]  # paths into v: forward dynamic programming

    def best(self, root: Value) -> dict[Value, _scaled.Scaled]:
        """The largest |product| of a path from each node to root (exact bound for the search)."""
        best = {v: (0.0, 0) for v in self.reach}
        best[root] = _scaled.ONE
        for v in reversed(list(self.reach)):
            for e, d in self.out_edges[v]:
                through = _scaled.times((abs(d[0]), d[1]), best[e.child])
                best[v] = max(best[v], through, key=_scaled.magnitude)
        return best

    def largest_paths(self, root: Value, k: int) -> list[Path]:
        """The k paths from wrt to root with the largest |product|, largest first.

        A best-first search whose priority, |product so far| x best[node], is exactly the
        best completion, so every popped path to root is the next largest and each costs only
        its length in steps. Near-equal priorities (rounded to 12 digits) prefer the deeper
        partial path (which keeps ties from widening the search) and then the one found first.
        """
        found: list[Path] = []
        if k == 0:
            return found
        best = self.best(root)
        counter = 0
        # entry: (key, node, product, chain); chain is a linked list (edge, previous chain)
        heap = [(_key(best[self.wrt], 0, 0), self.wrt, _scaled.ONE, None)]
        while heap and len(found) < k:
            _, node, prod, chain = heapq.heappop(heap)
            if node is root:
                found.append(Path(_edges_of(chain), _scaled.as_float(prod)))
                continue
            depth = 0 if chain is None else chain[2] + 1
            for e, d in self.out_edges[node]:
                counter += 1
                p = _scaled.times(prod, d)
                priority = _scaled.times((abs(p[0]), p[1]), best[e.child])
                key = _key(priority, depth + 1, counter)
                heapq.heappush(heap, (key, e.child, p, (e, chain, depth)))
        return found


def _edges_of(chain) -> tuple[Edge, ...]:
    """The edges of a chain (edge, previous chain, depth), first edge first."""
    edges = []
    while chain is not None:
        edges.append(chain[0])
        chain = chain[1]
    edges.reverse()
    return tuple(edges)


def _named(path: Path, names: dict[Value, str]) -> Path:
    edges = tuple(
        Edge(
            e.parent,
            e.child,
            e.position,
            e.local,
            _formula(e.child, e.position, names),
            names[e.parent],
            names[e.child],
        )
        for e in path.edges
    )
    return Path(edges, path.product)


def _key(priority: _scaled.Scaled, depth: int, counter: int) -> tuple:
    """The heap key of a partial path: the largest priority first, 12 significant digits of
    it (near-equal ones then prefer the deeper path, then the one found first); priorities
    no float holds go first (too large) or after every float (too small), by exponent."""
    m, e = priority
    x = _scaled.as_float(priority)
    if not m:
        rank: tuple = (3, 0.0)
    elif math.isinf(x):
        rank = (0, -(e + math.log2(abs(m))))
    elif abs(x) < sys.float_info.min:
        rank = (2, -(e + math.log2(abs(m))))
    else:
        rank = (1, -float(f"{x:.12e}"))
    return (*rank, -depth, counter)
