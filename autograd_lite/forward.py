"""Forward mode: one pass in evaluation order that carries a tangent beside every value.

The tangent of a node is how fast it changes when the inputs move in a chosen direction:
v̇ = Σᵢ ∂v/∂uᵢ · u̇ᵢ over its operands uᵢ. The local derivatives ∂v/∂uᵢ are the ones the
backward pass uses, read from the same rules of the ops table (:mod:`autograd_lite.ops`):
a rule returns ``g · ∂v/∂uᵢ`` for every operand, so running it with the operand's tangent as
``g`` gives that operand's term of the sum, and running it with ``g = 1`` gives all the local
derivatives at once. No derivative is written here.

Where reverse mode gets the derivatives of one output with respect to every input in one
pass, forward mode gets the derivatives of every node with respect to one input direction in
one pass: a gradient of n inputs takes n forward passes and one backward pass.

Example:
    >>> from autograd_lite import Value
    >>> x1, x2 = Value(2.0, label="x1"), Value(5.0, label="x2")
    >>> y = x1.log() + x1 * x2 - x2.sin()
    >>> forward_tangents([y], {x1: 1.0})[y]      # ∂y/∂x1 = 1/x1 + x2
    5.5

With ``create_graph=True`` the tangents are Values whose graphs differentiate again (the
rules then run on the nodes themselves, as for :func:`autograd_lite.gradients`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from ._backward import Exact, run_rule
from ._errors import describe
from .engine import Value, topo_order

__all__ = [
    "ForwardStep",
    "forward_steps",
    "forward_tangents",
    "local_derivatives",
    "node_tangent",
    "joint_order",
]


def joint_order(roots: Iterable[Value]) -> list[Value]:
    """Every node the roots depend on, each after its parents, each once (``topo_order`` of
    each root in turn, without repeating a node met already)."""
    order: list[Value] = []
    seen: set = set()
    for root in roots:
        for v in topo_order(root):
            if v not in seen:
                seen.add(v)
                order.append(v)
    return order


def local_derivatives(node: Value) -> Sequence[float]:
    """∂node/∂operand for each operand, in order: the node's rule with ``g = 1``.

    Example:
        >>> a, b = Value(2.0), Value(3.0)
        >>> local_derivatives(a * b)
        (3.0, 2.0)
    """
    if not node.parents:
        return ()
    return run_rule(node, 1.0, [True] * len(node.parents), graph=False)


def _is_zero(t) -> bool:
    # a float 0 carries nothing; a Value tangent is kept even at 0, since its own derivatives
    # (for a derivative of a derivative) need not be 0
    return t is None or (type(t) is not Value and t == 0.0)


def node_tangent(node: Value, tangents: Sequence, *, graph: bool = False) -> float | Value:
    """The tangent of a node from its operands' tangents: Σᵢ ∂node/∂uᵢ · u̇ᵢ.

    An operand whose tangent is 0 (or None) adds nothing and its local derivative is not
    needed (0 times an infinite local derivative counts as 0, as in the backward pass).
    With one operand moving, the rule runs with that tangent as ``g``; with several, it runs
    once with ``g = 1`` and the local derivatives are multiplied by the tangents. On floats
    ``g`` is exact: nothing is rounded before the tangent is complete.

    Args:
        node: a node made by an operation.
        tangents: one tangent per operand, in operand order (floats, Values or None).
        graph: run the rule on the nodes themselves, so the tangent is a Value whose graph
            differentiates again.

    Returns:
        The tangent (a float, or with ``graph`` a float or a Value); None if no operand moves.

    Raises:
        ZeroDivisionError, ValueError, OverflowError: if a needed local derivative is
            infinite or undefined here (√a at a = 0), naming the node.
    """
    moving = [not _is_zero(t) for t in tangents]
    count = sum(moving)
    if not count:
        return None
    if count == 1:
        i = moving.index(True)
        t = run_rule(node, tangents[i] if graph else Exact(tangents[i]), moving, graph)[i]
        return t if graph else float(t)
    # NOTE: on floats the rule runs with an exact g (Exact), so a local derivative that would
    # over- or underflow alone (−out/b with out = 1e298, b = 1e-299) keeps its exponent until
    # the tangent brings the term back into range, as the backward pass's careful adjoints do.
    local = run_rule(node, 1.0 if graph else Exact(1.0), moving, graph)
    terms = [d * t for d, t, m in zip(local, tangents, moving) if m]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total if graph else float(total)


class ForwardStep:
    """One step of :func:`forward_steps`: a node's tangent from its operands' tangents.

    Attributes:
        node: the node made by an operation; its operands are ``node.parents``.
        tangents: each operand's tangent, in operand order (0.0 where it does not move).
        tangent: the node's tangent, Σᵢ ∂node/∂uᵢ · u̇ᵢ (0.0 if no operand moves).
        local: ∂node/∂uᵢ for each operand (computed when first read; None for an operand
            that does not move, whose local derivative the pass never needs).
    """

    __slots__ = ("node", "tangents", "tangent", "_local")

    def __init__(self, node: Value, tangents: tuple, tangent: float | Value):
        self.node, self.tangents, self.tangent, self._local = node, tangents, tangent, None

    @property
    def local(self) -> tuple:
        """∂node/∂uᵢ per operand at g = 1, worked out on first read (None where uᵢ is still)."""
        if self._local is None:
            moving = [not _is_zero(t) for t in self.tangents]
            terms = run_rule(self.node, 1.0, moving, False) if any(moving) else ()
            self._local = tuple(d if m else None for d, m in zip(terms, moving)) or (
                (None,) * len(self.tangents)
            )
        return self._local

    def __repr__(self) -> str:
        return f"ForwardStep({self.node.op}, tangents={self.tangents!r}, tangent={self.tangent!r})"


def forward_steps(
    outputs: Iterable[Value],
    seeds: Mapping[Value, float | Value],
    *,
    create_graph: bool = False,
) -> Iterator[ForwardStep]:
    """Forward mode one node at a time: every teaching view of it replays these steps.

    The nodes are visited once each, in evaluation order (every node after its operands); a
    seeded node keeps its seed (and has no step), any other node made by an operation gets
    :func:`node_tangent` of its operands' tangents.

    Args:
        outputs: the nodes whose tangents are wanted (and everything they depend on).
        seeds: the input direction: a tangent for each input node (others start at 0).
        create_graph: make the tangents Values whose graphs differentiate again.

    Raises:
        ZeroDivisionError, ValueError, OverflowError: if a tangent is infinite or undefined.

    Example:
        >>> x = Value(3.0, label="x")
        >>> [(s.node.op, s.tangents, s.tangent) for s in forward_steps([x * x], {x: 1.0})]
        [('mul', (1.0, 1.0), 6.0)]
    """
    tangent: dict[Value, float | Value] = {v: t for v, t in seeds.items() if not _is_zero(t)}
    for node in joint_order(outputs):
        if node in seeds or not node.parents:
            continue
        operands = tuple(tangent.get(p, 0.0) for p in node.parents)
        t = node_tangent(node, operands, graph=create_graph)
        if not _is_zero(t):
            x = t.data if type(t) is Value else t
            if x - x:  # inf or NaN
                raise (OverflowError if x == x else ValueError)(
                    f"forward mode: the tangent of the node {describe(node)} (op {node.op!r}) "
                    f"is {x!r}: a local derivative is not a finite number here, or the tangent "
                    "is too large for a float"
                )
            tangent[node] = t
        yield ForwardStep(node, operands, 0.0 if t is None else t)


def forward_tangents(
    outputs: Iterable[Value],
    seeds: Mapping[Value, float | Value],
    *,
    create_graph: bool = False,
) -> dict[Value, float | Value]:
    """One forward-mode pass: the tangent of every node the outputs depend on (the
    tangents :func:`forward_steps` ends with).

    Returns:
        A dict from node to tangent, for every node whose tangent is not 0 (seeds included);
        a missing node's tangent is 0.

    Example:
        >>> x = Value(3.0)
        >>> y = x * x
        >>> forward_tangents([y], {x: 1.0})[y]
        6.0
    """
    tangent = {v: t for v, t in seeds.items() if not _is_zero(t)}
    for step in forward_steps(outputs, seeds, create_graph=create_graph):
        if not _is_zero(step.tangent):
            tangent[step.node] = step.tangent
    return tangent
