"""The chain-rule paths of a graph, split into local derivatives named as a learner reads them.

A path from ``wrt`` to the root is a list of edges ``(child's topological index, operand
position)``. Its local derivatives come from the ops table's rules. Consecutive edges inside
one call of a function (a user definition such as ``s(x)=1/(1+exp(-x))``, or a library
function made of several primitives such as ``max``) make one factor, named after the
function: ``s'(I*w1+1)``. Other factors are named from the operands' text: a variable
(``w4``), or the derivative at a sub-expression (``σ'(s(I*w1+1)*w2+1)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from ..engine import Value
from ..labels import fmt, node_names
from ..ops import NARY, OPS, wsum_operands

MAX_PATHS = 64
"""With more chain-rule paths than this, the terms are not matched to paths one by one."""

Edge = tuple[int, int]


class Group(NamedTuple):
    """Consecutive edges of a path that make one factor as the learner reads it.

    ``scale`` is a constant the factor's value carries besides what its name says: the
    k of k·a^(k−1), which joins the path's other constants (so the ½ of a cost and the 2 of
    its square cancel, and ``(a − y)`` is the factor named).
    """

    edges: tuple[Edge, ...]
    name: str
    scale: float = 1.0


def paths(order: list[Value], wrt: Value, root: Value) -> tuple[int, list[list[Edge]]]:
    """Count the paths from wrt to root and list them when there are at most MAX_PATHS."""
    index = {v: i for i, v in enumerate(order)}
    if wrt not in index:
        return 0, []
    reach = {wrt}
    children: dict[Value, list[tuple[Value, int]]] = {}
    count = {wrt: 1}
    for v in order:
        for pos, p in enumerate(v.parents):
            if p in reach:
                reach.add(v)
                children.setdefault(p, []).append((v, pos))
                count[v] = count.get(v, 0) + count[p]
    n = count.get(root, 0) if root in reach else 0
    if n == 0 or n > MAX_PATHS:
        return n, []
    found = []
    stack: list[tuple[Value, tuple]] = [(wrt, ())]
    while stack:
        node, edges = stack.pop()
        if node is root:
            found.append(list(edges))
            continue
        for child, pos in reversed(children.get(node, [])):
            stack.append((child, (*edges, (index[child], pos))))
    return n, found


class Namer:
    """Names of nodes and of local derivatives, in the text the learner typed."""

    def __init__(self, order: list[Value], origins: Mapping):
        self.order = order
        self.origins = origins
        self.ids = node_names(order)

    def text(self, v: Value) -> str:
        """A node as the learner wrote it: its label, number or sub-expression."""
        if v.label:
            return v.label
        if not v.op:
            return fmt(v.data)
        origin = self.origins.get(v)
        if origin is not None and origin.text:
            return origin.text
        return self.ids[v]

    def call(self, v: Value) -> str | None:
        """The text of the function call the node was made inside, if any."""
        origin = self.origins.get(v)
        return None if origin is None else origin.call

    def inner(self, v: Value) -> bool:
        """Whether the node is a step inside a function call, not a value the learner wrote."""
        origin = self.origins.get(v)
        return origin is not None and origin.text is None and not v.label

    def factor(self, child: Value, pos: int) -> tuple[str, float]:
        """The local derivative d(child)/d(operand pos), named for a learner, and its scale."""
        prim = OPS[child.op]
        ps = child.parents
        if prim.arity == 1:
            symbol = prim.symbol if prim.symbol.isalpha() or prim.symbol in "σ√" else prim.name
            return f"{symbol}'({self.text(ps[0])})", 1.0
        if prim.arity == NARY:
            weights, inputs, _ = wsum_operands(ps)
            n = len(weights)
            if pos < n:
                return self.text(inputs[pos]), 1.0
            if pos < 2 * n:
                return self.text(weights[pos - n]), 1.0
            return "1", 1.0
        if child.op == "pow" and pos == 0 and not ps[1].op:
            # a constant exponent k: k·a^(k−1), named a^(k−1) with k as its scale
            k = ps[1].data
            base = self.text(ps[0])
            if k == 2.0:
                return _wrap(base), 2.0
            return f"{_wrap(base)}^{_wrap(fmt(k - 1.0))}", k
        # a binary rule's text from the ops table, with the operands' texts put in
        rhs = prim.derivatives[pos].split(" = ")[1]
        subs = {"a": self.text(ps[0]), "b": self.text(ps[1]), "out": self.text(child)}
        out, word = [], ""
        for c in rhs + " ":
            if c.isascii() and (c.isalnum() or c == "_"):
                word += c
                continue
            if word:
                out.append(_wrap(subs[word]) if word in subs else word)
                word = ""
            out.append(c)
        return "".join(out).strip(), 1.0

    def groups(self, path: list[Edge]) -> list[Group]:
        """The path's edges grouped by the function call they lie in."""
        groups: list[Group] = []
        run: list[Edge] = []
        run_call = None
        entry = None
        for ci, pos in path:
            child = self.order[ci]
            call = self.call(child)
            parent = child.parents[pos]
            if run and call is not None and call == run_call and self.inner(parent):
                run.append((ci, pos))
                continue
            if run:
                groups.append(self._group(run, run_call, entry))
            run, run_call, entry = [(ci, pos)], call, parent
        if run:
            groups.append(self._group(run, run_call, entry))
        return groups

    def _group(self, run: list[Edge], call: str | None, entry: Value) -> Group:
        ci, pos = run[0]
        child = self.order[ci]
        one_argument = call is None or not _several_arguments(call)
        if len(run) == 1 and not self.inner(child) and one_argument:
            # one primitive the learner wrote, or a definition that is one primitive
            # (s(x)=sigmoid(x)): named by the primitive, σ'(I*w1+1)
            name, scale = self.factor(child, pos)
            return Group(tuple(run), name, scale)
        if one_argument:
            return Group(tuple(run), f"{call.split('(', 1)[0].strip()}'({self.text(entry)})")
        result = self.order[run[-1][0]]
        return Group(tuple(run), f"∂{result.label or call}/∂{self.text(entry)}")


def _several_arguments(call: str) -> bool:
    """Whether a call's text passes more than one argument (a comma at the top level)."""
    return len(arguments(call)) > 1


def arguments(call: str) -> list[str]:
    """The texts of a call's arguments (split at the commas at the top level)."""
    inside = call[call.find("(") + 1 : call.rfind(")")]
    out, depth, start = [], 0, 0
    for i, c in enumerate(inside):
        depth += c in "(["
        depth -= c in ")]"
        if c == "," and depth == 0:
            out.append(inside[start:i].strip())
            start = i + 1
    return [*out, inside[start:].strip()]


def _wrap(text: str) -> str:
    """Text in parentheses unless it is a name or a number."""
    return text if text.replace("_", "").replace(".", "").isalnum() else f"({text})"


def vanishing(path: list[Edge], order: list[Value], namer: Namer, local) -> list[str]:
    """Notes on saturated activations and inactive ReLUs along a path, at the given point."""
    out = []
    for ci, pos in path:
        node = order[ci]
        if namer.inner(node):
            continue  # a step inside max() or softmax(), not a unit the learner wrote
        x = node.parents[pos].data
        d = local(0, ci, pos)
        where = namer.text(node.parents[pos])
        if node.op in ("sigmoid", "tanh") and abs(d) < 1e-4:
            f = "σ" if node.op == "sigmoid" else "tanh"
            # the exact value, which out·(1 − out) in floats may round to 0
            e = pow(2.718281828459045, -abs(x))
            exact = e / (1.0 + e) ** 2 if f == "σ" else 4.0 * e * e / (1.0 + e * e) ** 2
            out.append(
                f"the gradient vanishes at {f}({where}): {where} = {fmt(x, 6)}, where {f} is "
                f"saturated (its output is {fmt(node.data, 6)}), so {f}'({fmt(x, 6)}) ≈ "
                f"{fmt(exact, 3)}: almost nothing flows back through it"
            )
        elif node.op == "relu" and d == 0.0:
            out.append(
                f"no gradient passes ReLU({where}): {where} = {fmt(x, 6)} ≤ 0, so ReLU' = 0 "
                "there (the unit is inactive)"
            )
    return out
