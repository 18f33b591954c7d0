"""``weighted_sum``: a neuron's weighted input z = Σ w_k·a_k + b as one node of the graph;
``weighted_sums`` and ``activations``: a layer's weighted inputs and activations at once."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter, mul

from .engine import Value, _node, _operand, apply, check_value
from .ops import OPS, _wsum_forward

__all__ = ["weighted_sum", "weighted_sums", "activations"]


def weighted_sum(weights: Sequence[Value], inputs: Sequence, bias: Value | float = 0.0) -> Value:
    """One node z = Σ w_k·a_k + b: a neuron's weighted input as the textbook draws it.

    Its parents are ``(w_1, ..., w_n, a_1, ..., a_n, b)``; one n-ary node instead of a chain
    of ``×`` and ``+`` makes a training step several times cheaper. Inputs and bias may be
    numbers (constants); weights must be Values, as many as the inputs.

    Example:
        >>> z = weighted_sum([Value(0.5), Value(-1.0)], [2.0, 3.0], Value(1.0))
        >>> z.data, len(z.parents)
        (-1.0, 5)
    """
    n = len(weights)
    if n != len(inputs) or n == 0:
        raise ValueError(
            f"weighted_sum needs as many inputs as weights (at least one); "
            f"got {n} weight(s) and {len(inputs)} input(s)"
        )
    for i, w in enumerate(weights):
        check_value(w, f"weights[{i}]")
    return apply("wsum", (*weights, *map(_operand, inputs), _operand(bias)))


_data_of = attrgetter("data")


def weighted_sums(
    rows: Sequence[Sequence[Value]], inputs: Sequence[Value], biases: Sequence[Value]
) -> list[Value]:
    """A layer's weighted inputs z_j = Σ_k w_jk·a_k + b_j: one node per row of weights, each
    the node ``weighted_sum(rows[j], inputs, biases[j])`` makes, made faster.

    The hot path of every model: the inputs' numbers are read once for all rows, and each
    sum runs in C. Everything must be a Value already, and nothing else is checked before
    the work (as :func:`~autograd_lite.engine.apply`, which sorts out a bad operand when
    it fails): a row of another length than the inputs raises ValueError.

    Example:
        >>> a = [Value(2.0), Value(3.0)]
        >>> rows = [[Value(0.5), Value(-1.0)], [Value(1.0), Value(1.0)]]
        >>> [z.data for z in weighted_sums(rows, a, [Value(1.0), Value(0.0)])]
        [-1.0, 5.0]
    """
    inputs, n = tuple(inputs), len(inputs)
    if len(rows) != len(biases) or n == 0:
        raise ValueError(
            f"weighted_sums needs one bias per row and at least one input; got {len(rows)} "
            f"row(s), {len(biases)} bias(es) and {n} input(s)"
        )
    try:
        numbers = list(map(_data_of, inputs))
    except AttributeError:  # not a Value: apply names it
        numbers = None
    # NOTE: the sum is the ops table's wsum forward, written out (left to right from b), so
    # it is used only while the table holds that forward; anything unusual (a number not
    # known yet while a model is traced, a result that is not finite, a wrong operand) goes
    # through apply, which makes the node or says what was wrong.
    fused = OPS["wsum"].forward is _wsum_forward and numbers is not None
    out = []
    for w, b in zip(rows, biases):
        if len(w) != n:
            raise ValueError(f"weighted_sums: a row has {len(w)} weight(s) for {n} input(s)")
        try:
            z = sum(map(mul, map(_data_of, w), numbers), b.data) if fused else None
        except (ArithmeticError, AttributeError, TypeError):
            z = None
        if z is None or z - z:
            out.append(apply("wsum", (*w, *inputs, b)))
        else:
            out.append(_node(z, "wsum", (*w, *inputs, b)))
    return out


def activations(op: str, zs: Sequence[Value]) -> list[Value]:
    """A layer's activations: ``apply(op, (z,))`` for every z of ``zs``, one node each,
    made faster (the primitive is looked up once); anything unusual goes through apply.

    Example:
        >>> [a.data for a in activations("relu", [Value(-1.0), Value(2.0)])]
        [0.0, 2.0]
    """
    prim = OPS.get(op) if type(op) is str else None
    if prim is None:  # not in the ops table: apply says so
        return [apply(op, (z,)) for z in zs]
    forward = prim.forward
    out = []
    for z in zs:
        try:
            r = forward(z.data)
        except (ArithmeticError, AttributeError, TypeError, ValueError):
            r = None
        if r is None or r - r:
            out.append(apply(op, (z,)))
        else:
            out.append(_node(r, op, (z,)))
    return out
