"""The fast backward pass behind :func:`autograd_lite.engine.backward` and ``gradients``.

:func:`autograd_lite.engine.backward_steps` is the backward pass as a learner writes it; this
module computes the same numbers faster, and is tested to agree with it to the last bit.

How a pass runs:

1. The fast pass (:func:`fast_pass`): float adjoints in a dict of the pass's own, every node
   of the order, rules read from the ops table, with the one- and two-operand nodes and the
   weighted sum (most of any graph) written out. A node whose adjoint is exactly 0 passes
   nothing on (0 times any local derivative, even an infinite one, is taken as 0); when
   most end at 0 (a trained network's dead units and fitted samples), only the others are
   kept, since adding 0 changes no grad.
2. It gives up (:class:`GiveUp`) on anything unusual: an adjoint that is infinite or NaN, a
   rule that raises, or a term that underflowed to 0 (a nonzero local derivative times a
   nonzero adjoint, rounded away).
3. The careful pass (:func:`careful_pass`) then starts again with :class:`Exact` adjoints,
   which never overflow or underflow, and visits only the nodes that need a gradient: those
   on a path to a Value the user made. Constants, and nodes made of constants alone, are
   never differentiated, so their infinite or undefined gradients fail nothing.

Neither pass writes a ``grad`` attribute: :func:`add_to_grads` does that at the end, in one
loop that runs in C. Python runs signal handlers (Ctrl-C's KeyboardInterrupt among them) only
between bytecodes, so an interrupt lands before that loop or after it, never inside: every
grad is as before the call or as after it, with no handler swapped and no lock taken.
"""

from __future__ import annotations

import math
from collections import deque
from itertools import compress, repeat
from operator import add, attrgetter

from ._errors import arity_error, backward_error, non_finite_gradient
from .ops import OPS, _data, _wsum_rule

__all__ = [
    "Exact",
    "GiveUp",
    "needs_gradient",
    "fast_pass",
    "careful_pass",
    "adjoints",
    "for_grads",
    "add_to_grads",
    "run_rule",
    "graph_pass",
]

_HUGE = 2.0**1000  # an upstream gradient that brings any underflowed term back above zero


class Exact:
    """A number m·2**e with the exponent e unbounded: an adjoint that never over- or underflows.

    Rules multiply and divide the upstream gradient by floats and the pass adds adjoints, so
    those are the operations it has. ``float()`` rounds it to the nearest float. Where no
    float result over- or underflows, every operation rounds exactly as float arithmetic
    does (scaling by a power of two is exact), so it agrees with the fast pass bit for bit.
    """

    __slots__ = ("m", "e")

    def __init__(self, m: float, e: int = 0):
        m, k = math.frexp(m)  # m in [0.5, 1), or 0, inf, NaN
        self.m = m
        self.e = e + k

    def __mul__(self, x):
        if type(x) is Exact:
            return Exact(self.m * x.m, self.e + x.e)
        m, k = math.frexp(x)
        return Exact(self.m * m, self.e + k)

    __rmul__ = __mul__

    def __truediv__(self, x):
        m, k = math.frexp(x)  # x == 0 raises ZeroDivisionError below, as float division does
        return Exact(self.m / m, self.e - k)

    def __neg__(self):
        return Exact(-self.m, self.e)

    def __add__(self, x):
        if type(x) is not Exact:
            x = Exact(x)
        if not x.m:
            return self
        if not self.m or x.e > self.e:
            self, x = x, self
        return Exact(self.m + math.ldexp(x.m, max(x.e - self.e, -2000)), self.e)

    __radd__ = __add__

    def __bool__(self) -> bool:
        return bool(self.m)

    def __float__(self) -> float:
        try:
            return math.ldexp(self.m, max(min(self.e, 5000), -5000))
        except OverflowError:
            return math.copysign(math.inf, self.m)


class GiveUp(Exception):
    """The fast pass met something unusual; the careful pass takes over."""


def needs_gradient(order: list) -> dict:
    """Whether each node of ``order`` lies on a path to a Value the user made.

    Constants (numbers used as operands) and nodes made of constants alone need none.
    """
    needs: dict = {}
    for v in order:  # parents first
        parents = v.parents
        needs[v] = any(map(needs.__getitem__, parents)) if parents else not v.is_constant
    return needs


_NORMAL = 2.0**-1022  # the smallest normal float: an adjoint below it has lost precision
_G_SAFE = 2.0**-600  # an upstream gradient above this ...
_LO, _HI = 2.0**-120, 2.0**120  # ... times local derivatives made of numbers in this range


def _underflowed(rule, grads, g: float, out: float, inputs: list) -> bool:
    """Whether a zero among ``grads`` (the terms a rule returned) may be a nonzero rounded away.

    NOTE: the local derivatives of the table are products of at most three of the node's
    numbers (operands, output), their reciprocals, and values of exp, log, tanh, cos ...
    that are never below 2^-62 unless exactly 0. With every number 0 or within 2^±120 and
    |g| above 2^-600, every term is far above the smallest float, so its zero is a true
    zero (a dead ReLU, a factor that is 0): that cheap test settles almost every case.
    Otherwise the rule runs again with a huge upstream gradient: a term that is zero with
    g but not with 2^1000 is a nonzero local derivative whose product underflowed.
    """
    if (
        abs(g) > _G_SAFE
        and (not out or _LO < abs(out) < _HI)
        and max(map(abs, inputs)) < _HI
        and min(filter(None, map(abs, inputs)), default=1.0) > _LO
    ):
        return False
    try:
        again = rule(_HUGE, out, *inputs)
    except Exception:
        return True  # the careful pass will tell
    return any(not g and h for g, h in zip(grads, again))


def _underflowed_unary(rule, g: float, out: float, a: float) -> bool:
    """:func:`_underflowed` for a one-operand node whose term is 0, its cheap test written
    out for one number (a dead ReLU's zero, the common case, is settled without a list)."""
    if abs(g) > _G_SAFE and (not out or _LO < abs(out) < _HI) and (not a or _LO < abs(a) < _HI):
        return False
    return _underflowed(rule, (0.0,), g, out, [a])


def _wsum(adjoint: dict, parents: tuple, g: float) -> None:
    """The ops table's weighted-sum rule, term for term, without building its list.

    NOTE: w_k gets a_k·g, then a_k gets w_k·g, then b gets g, added in the order the generic
    loop adds the rule's list (a Value used twice sums its terms in the same order); the
    give-up test is _underflowed's for this rule (a term that is 0 while its factor is
    not). A test checks that both give bitwise the same gradients on random inputs.
    """
    k = len(parents) >> 1
    ws, xs = parents[:k], parents[k:-1]
    for w, a in zip(ws, xs):
        t = a.data * g
        if not t and a.data:
            raise GiveUp
        adjoint[w] += t
    for w, a in zip(ws, xs):
        t = w.data * g
        if not t and w.data:
            raise GiveUp
        adjoint[a] += t
    adjoint[parents[-1]] += g


def fast_pass(order: list) -> dict:
    """d(root)/d(v) as floats for the nodes v of ``order`` (root last), in a dict of its own:
    for every node, or, when most adjoints are 0, for those that are not.

    Raises:
        GiveUp: on an infinite or NaN adjoint, a rule that raises or an underflowed term.
    """
    rules = {name: prim.rule for name, prim in OPS.items()}
    # the weighted sum's rule written out, when the table's entry is the one written out
    fused_wsum = rules.get("wsum") is _wsum_rule
    adjoint = dict.fromkeys(order, 0.0)
    adjoint[order[-1]] = 1.0
    low, high = -_NORMAL, _NORMAL
    zeros = 0  # nodes whose adjoint is 0: most of a trained network's
    try:
        for node in reversed(order):
            g = adjoint[node]
            if not g:
                zeros += 1
                continue
            # Every use of a node comes before it in this order, so its adjoint is complete.
            if g - g or low < g < high:  # inf or NaN, or subnormal: bits were lost
                raise GiveUp
            parents = node.parents
            n = len(parents)
            # A rule that returns the wrong number of gradients fails the unpacking
            # (ValueError): the careful pass then names it.
            if n == 1:
                a = parents[0]
                rule = rules[node.op]
                (ga,) = rule(g, node.data, a.data)
                if not ga and _underflowed_unary(rule, g, node.data, a.data):
                    raise GiveUp
                adjoint[a] += ga
            elif n == 2:
                a, b = parents
                rule = rules[node.op]
                ga, gb = rule(g, node.data, a.data, b.data)
                if not (ga and gb) and _underflowed(rule, (ga, gb), g, node.data, [a.data, b.data]):
                    raise GiveUp
                adjoint[a] += ga
                adjoint[b] += gb  # after a's update, so a*a gets both terms
            elif n & 1 and fused_wsum and node.op == "wsum":
                _wsum(adjoint, parents, g)
            elif n:
                inputs = [p.data for p in parents]
                grads = rules[node.op](g, node.data, *inputs)
                if len(grads) != n:
                    raise arity_error(node, grads)
                if 0.0 in grads and _underflowed(rules[node.op], grads, g, node.data, inputs):
                    raise GiveUp
                for p, gp in zip(parents, grads):
                    adjoint[p] += gp
    except (ArithmeticError, ValueError) as err:
        raise GiveUp from err
    return _checked(adjoint, zeros)


def _checked(adjoint: dict, zeros: int) -> dict:
    """The fast pass's adjoints, once none is infinite or NaN; without the 0s when ``zeros``
    (how many are 0) is most of them, since adding 0 changes no grad.

    Raises:
        GiveUp: if one is infinite or NaN.
    """
    total = sum(adjoint.values())  # in C: inf or NaN if any adjoint is (a leaf's, say)
    if total - total:  # or if the sum overflows: the careful pass then takes its time
        raise GiveUp
    if zeros > len(adjoint) >> 1:
        return dict(compress(adjoint.items(), adjoint.values()))
    return adjoint


def careful_pass(order: list) -> tuple[dict, dict]:
    """The pass with :class:`Exact` adjoints, over the nodes that need a gradient only.

    Returns:
        ``(adjoint, needs)``: d(root)/d(v) as a float for every node v reached, and
        :func:`needs_gradient` of the order.

    Raises:
        ZeroDivisionError, ValueError, OverflowError: if a node that needs a gradient gets
            an infinite or undefined one on the way, naming the node.
    """
    needs = needs_gradient(order)
    adjoint: dict = {order[-1]: Exact(1.0)}
    for node in reversed(order):
        g = adjoint.get(node)
        if g is None or not g or not needs[node] or not node.parents:
            continue
        if not math.isfinite(g.m):
            raise non_finite_gradient(node, float(g))
        parents = node.parents
        try:
            grads = OPS[node.op].rule(g, node.data, *[p.data for p in parents])
        except (ArithmeticError, ValueError) as err:
            raise backward_error(node, err) from None
        if len(grads) != len(parents):
            raise arity_error(node, grads)
        for p, gp in zip(parents, grads):
            q = adjoint.get(p)
            adjoint[p] = (gp if type(gp) is Exact else Exact(gp)) if q is None else q + gp
    return {v: float(s) for v, s in adjoint.items()}, needs


def adjoints(order: list) -> tuple[dict, dict | None]:
    """d(root)/d(v) for the nodes of ``order``: the fast pass, or the careful one if it gives up.

    Returns:
        ``(adjoint, needs)``: the floats, and ``needs`` of :func:`careful_pass` if it ran
        (None after the fast pass, whose adjoints are all finite). After the careful pass,
        a gradient may be infinite, or too large for a float: the caller says which matter.
    """
    try:
        return fast_pass(order), None
    except GiveUp:
        return careful_pass(order)


def for_grads(adjoint: dict, needs: dict | None) -> dict:
    """The adjoints :func:`add_to_grads` may store: all of them, when every one is finite;
    else an error naming a node that needs a gradient and has none, or the finite ones."""
    if needs is None:
        return adjoint
    for v, g in adjoint.items():
        if g - g and needs[v]:  # infinite, or too large for a float: it cannot be stored
            raise non_finite_gradient(v, g)
    return {v: g for v, g in adjoint.items() if g - g == 0.0}  # a constant's when finite


_grad_of = attrgetter("grad")


def add_to_grads(adjoint: dict) -> None:
    """``v.grad += adjoint[v]`` for every node of ``adjoint``, all at once.

    NOTE: map, attrgetter, add and setattr on a slot are all written in C, and deque
    consumes the chain in C: no bytecode runs until every grad is set, so no signal handler
    (Python runs them between bytecodes only) and no other thread (the interpreter lock is
    handed over between bytecodes too) sees the grads half-way.
    """
    new = map(add, map(_grad_of, adjoint), adjoint.values())
    deque(map(setattr, adjoint, repeat("grad"), new), maxlen=0)


# --- gradients as graphs ----------------------------------------------------------------------


def _operands(node, graph: bool) -> tuple:
    """What a rule gets as ``out`` and inputs: the floats, or the nodes themselves."""
    if graph:
        return (node, *node.parents)
    return (node.data, *[p.data for p in node.parents])


def run_rule(node, g, needed, graph: bool):
    """``rule(g, out, *inputs)`` of the node's primitive, the terms its caller needs checked.

    On floats a rule gives an infinite term where a derivative is infinite (the base of
    ``0 ** x``); on Values that term raises, since no node holds an infinity. When such a
    term belongs to an operand nobody differentiates (a constant), the rule runs again with
    those operands as plain numbers: the terms that are needed are still built from the
    nodes they depend on (pow's ``g·out·ln a`` keeps ``out``), so they differentiate again,
    and the unneeded ones may be infinite, being dropped.

    Raises:
        ZeroDivisionError, ValueError, OverflowError: naming the node, when a needed term is
            infinite or undefined.
    """
    rule = OPS[node.op].rule
    try:
        grads = rule(g, *_operands(node, graph))
    except (ArithmeticError, ValueError) as err:
        if not graph or all(needed):
            raise backward_error(node, err) from None
        inputs = [p if need else p.data for p, need in zip(node.parents, needed)]
        try:
            grads = rule(g, node, *inputs)
        except (ArithmeticError, ValueError):
            raise backward_error(node, err) from None
        grads = [gp if need else None for gp, need in zip(grads, needed)]
        if any(need and not math.isfinite(_data(gp)) for gp, need in zip(grads, needed)):
            raise backward_error(node, err) from None
    if len(grads) != len(node.parents):
        raise arity_error(node, grads)
    return grads


def graph_pass(order: list, wrt: list, constant) -> list:
    """d(root)/d(v) for each v of ``wrt`` as Values whose graphs differentiate again.

    The backward pass with Value adjoints: every rule of the ops table runs on the nodes
    themselves (``rule(g, node, *node.parents)``), so each term is a new node of the
    gradient's graph. Only nodes on a path from the root to a node of ``wrt`` are visited.

    Args:
        order: the topological order of the root (root last).
        wrt: the nodes to differentiate with respect to.
        constant: makes a constant leaf of a number (the engine's).
    """
    wanted = set(wrt)
    # whether a node lies on a path to a node of wrt: only those get adjoints
    leads: dict = {}
    for v in order:
        leads[v] = v in wanted or any(map(leads.__getitem__, v.parents))
    adjoint: dict = {order[-1]: constant(1.0)}
    for node in reversed(order):  # every use of a node comes before the node itself
        g = adjoint.get(node)
        if g is None or not node.parents or not leads[node]:
            continue
        needed = [leads[p] for p in node.parents]
        for p, gp, need in zip(node.parents, run_rule(node, g, needed, True), needed):
            if need:
                if not hasattr(gp, "parents"):
                    gp = constant(gp)
                q = adjoint.get(p)
                adjoint[p] = gp if q is None else q + gp
    return [adjoint[v] if v in adjoint else constant(0.0) for v in wrt]
