"""The ops table's forward functions and rules as the compiled path runs them, on arrays.

Most entries of :data:`autograd_lite.ops.OPS` work on NumPy arrays as written (``a + b``,
``g * out``): the compiled path calls them as they are. Where an entry does not (``math.exp``
takes one float; ``relu``'s rule tests ``a > 0`` with ``if``), its primitive carries a
vectorised form beside the scalar one (``array_forward``, ``array_rule``), which a test checks
against the scalar form on every primitive. This module only looks them up.

The weighted sum has one more form: many neurons over the same inputs at once, as a matrix
product (``matrix_forward``, ``matrix_rule``).
"""

from __future__ import annotations

import numpy as np

from ..ops import OPS

# TEMPORARY: the vectorised forms, until they sit beside their rules in ops.py.


def _pow_forward(a, b):
    return np.power(a, b)


def _pow_rule(g, out, a, b):
    da = np.where(b != 0.0, g * b * np.power(a, b - 1.0), g * 0.0)
    db = np.where(a > 0.0, g * out * np.log(np.where(a > 0.0, a, 1.0)), g * 0.0)
    return da, db


def _sigmoid_forward(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


_FORMS = {
    "pow": (_pow_forward, _pow_rule),
    "abs": (None, lambda g, out, a: (g * np.sign(a),)),
    "exp": (np.exp, None),
    "log": (np.log, None),
    "log1p": (np.log1p, None),
    "tanh": (np.tanh, None),
    "sigmoid": (_sigmoid_forward, None),
    "relu": (lambda a: np.maximum(a, 0.0), lambda g, out, a: (g * (a > 0.0),)),
    "sqrt": (np.sqrt, None),
    "sin": (np.sin, lambda g, out, a: (g * np.cos(a),)),
    "cos": (np.cos, lambda g, out, a: (-g * np.sin(a),)),
}


def _matrix_forward(W, A, b):
    return A @ W.T + b


def _matrix_rule(G, Z, W, A, b, wrt=(True, True, True)):
    return (
        G.T @ A if wrt[0] else None,
        G @ W if wrt[1] else None,
        G.sum(axis=0) if wrt[2] else None,
    )


def forward_of(op: str):
    """The forward function of ``op`` that takes arrays."""
    prim = OPS[op]
    return getattr(prim, "array_forward", None) or _FORMS.get(op, (None, None))[0] or prim.forward


def rule_of(op: str):
    """The derivative rule of ``op`` that takes arrays."""
    prim = OPS[op]
    return getattr(prim, "array_rule", None) or _FORMS.get(op, (None, None))[1] or prim.rule


def matrix_forms():
    """The weighted sum's matrix forms: ``forward(W, A, b)`` and ``rule(G, Z, W, A, b, wrt)``.

    ``W`` is (m, n): m neurons' weights; ``A`` is (batch, n): their shared inputs; ``b`` is
    (m,); the rule returns the gradients of W, A and b given ``G``, the gradient of ``Z``
    (None for those that ``wrt``, three booleans, does not ask for).
    """
    prim = OPS["wsum"]
    forward = getattr(prim, "matrix_forward", None) or _matrix_forward
    rule = getattr(prim, "matrix_rule", None) or _matrix_rule
    return forward, rule
