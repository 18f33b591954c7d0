"""The ops table's forward functions and rules as the compiled path runs them, on arrays.

Most entries of :data:`autograd_lite.ops.OPS` work on NumPy arrays as written (``a + b``,
``g * out``): the compiled path calls them as they are. Where an entry does not (``math.exp``
takes one float; ``relu``'s rule tests ``a > 0`` with ``if``), its primitive carries a
vectorised form beside the scalar one (``array_forward``, ``array_rule``), which a test checks
against the scalar form on every primitive. This module only looks them up.

The weighted sum has one more form, beside its rule in the table: many neurons over the same
inputs at once, as a matrix product (``wsum_matrix_forward``, ``wsum_matrix_rule``).
"""

from __future__ import annotations

from ..ops import OPS, wsum_matrix_forward, wsum_matrix_rule


def forward_of(op: str):
    """The forward function of ``op`` that takes arrays."""
    prim = OPS[op]
    return prim.array_forward or prim.forward


def rule_of(op: str):
    """The derivative rule of ``op`` that takes arrays."""
    prim = OPS[op]
    return prim.array_rule or prim.rule


def matrix_forms():
    """The weighted sum's matrix forms: ``forward(W, A, b)`` and ``rule(G, Z, W, A, b, wrt)``.

    ``W`` is (m, n): m neurons' weights; ``A`` is (batch, n): their shared inputs; ``b`` is
    (m,); the rule returns the gradients of W, A and b given ``G``, the gradient of ``Z``
    (None for those that ``wrt``, three booleans, does not ask for).
    """
    return wsum_matrix_forward, wsum_matrix_rule
