"""``weighted_sum``: a neuron's weighted input z = Σ w_k·a_k + b as one node of the graph."""

from __future__ import annotations

from collections.abc import Sequence

from .engine import Value, _operand, apply, check_value

__all__ = ["weighted_sum"]


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
