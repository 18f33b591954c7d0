"""The slips learners make inside one factor of a chain-rule path, and how each reads.

A term may line up with a path except for one factor. That factor is then compared with
what the path's local derivative becomes under the usual slips, by values at every point:

* taken at the wrong node: σ'(out) for σ'(net), tanh'(out) for tanh'(net);
* a missing square: 1 − tanh(net) for 1 − tanh²(net);
* the function for its derivative: σ(net) for σ'(net), tanh, relu, log likewise;
* another output's probability: p1 for p2, where softmax's outputs are named.

The slip found is said in one sentence, with the corrected factor.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..engine import Value, apply
from ..forward import local_derivatives
from ..ops import OPS
from ._paths import _wrap


class Slip(NamedTuple):
    """A slip inside one factor.

    Attributes:
        kind: ``"node"``, ``"square"``, ``"function"`` or ``"probability"``.
        factor: the path's factor as the report names it (``σ'(net)``).
        right: the corrected factor as a person writes it (``σ'(net) = out(1 − out)``).
        wrong: for ``"probability"``, the output written instead (``p1``).
    """

    kind: str
    factor: str
    right: str
    wrong: str = ""

    def sentence(self, term: int, theirs: str) -> str:
        """The slip in one sentence about term ``term`` (from 1) whose factor is ``theirs``."""
        if self.kind == "node":
            symbol = self.factor.split("'", 1)[0]
            at = self.factor[self.factor.index("(") + 1 : -1]
            return (
                f"Term {term}: {theirs} is {symbol}' taken at the wrong node; it must be "
                f"taken at {at}: {self.right}."
            )
        if self.kind == "square":
            return f"Term {term}: the square is missing in {theirs}: {self.right}."
        if self.kind == "function":
            return (
                f"Term {term}: {theirs} is the function itself where its derivative "
                f"belongs: {self.right}."
            )
        return f"Term {term}: the probability should be {self.right}, not {self.wrong}."


def derivative_text(op: str, u: str, out: str) -> str:
    """The local derivative of a unary op at u, written with its output ``out``: the ops
    table's rule (``∂tanh(a)/∂a = 1 − out²``) with the learner's names put in."""
    prim = OPS[op]
    rule = prim.derivatives[0].split(" = ", 1)[1]
    names = {"a": _wrap(u), "out": _wrap(out)}
    return f"{prim.symbol}'({u}) = " + _OPERAND.sub(lambda m: names[m[1]], rule)


# an operand's name in a rule of the ops table (not a letter of a longer word)
_OPERAND = re.compile(r"(?<![A-Za-z0-9_])(a|out)(?![A-Za-z0-9_])")


def _local_at(op: str, x: float) -> float:
    """The op's local derivative (the ops table's rule) with its input at x."""
    return local_derivatives(apply(op, (Value(x),)))[0]


def candidates(nodes: list[Value]) -> list[tuple[str, list[float]]]:
    """What a learner writes for a unary op's local derivative by mistake, as values at
    every point (``nodes``: the op's node at each point)."""
    op = nodes[0].op
    outs = [v.data for v in nodes]
    if op == "sigmoid":
        return [
            ("node", [_local_at(op, o) for o in outs]),  # σ'(out) for σ'(net)
            ("function", outs),
        ]
    if op == "tanh":
        return [
            ("square", [1.0 - o for o in outs]),
            ("node", [_local_at(op, o) for o in outs]),
            ("function", outs),
        ]
    if op in ("relu", "log"):
        return [("function", outs)]
    return []


def derivative(nodes: list[Value]) -> list[float] | None:
    """A sigmoid's or tanh's local derivative at every point, from its output (``nodes``:
    the op's node at each point), or None for another op."""
    if nodes[0].op in ("sigmoid", "tanh"):
        return [local_derivatives(v)[0] for v in nodes]
    return None
