"""The table of primitives: every operation the engine knows, in one place.

Each :class:`Primitive` holds

* ``forward``: the function on plain floats that computes the node's value;
* ``rule``: the local derivative, written as ``rule(g, out, *inputs)`` and returning one
  gradient per input, in operand order, already multiplied by the upstream gradient ``g``.
  ``out`` is the node's own value and ``inputs`` are its operands' values;
* ``symbol``: what a drawing shows for the operation (×, +, σ, tanh, ReLU, ^ ...);
* ``template``: the operation written in its operands' names, such as ``a·b`` or ``σ(a)``;
* ``derivatives``: the local derivative with respect to each operand as text, such as
  ``∂(a·b)/∂a = b``, which explanations and the backward-pass stepper print.

The rules use only arithmetic that works on floats *and* on ``Value`` objects (the helpers
below dispatch on the type), so the same table can later build graphs of gradients.

Example:
    >>> OPS["mul"].rule(2.0, 6.0, 2.0, 3.0)   # g = 2, out = a·b = 6, a = 2, b = 3
    (6.0, 4.0)
    >>> OPS["mul"].derivatives
    ('∂(a·b)/∂a = b', '∂(a·b)/∂b = a')
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable, Sequence

__all__ = ["Primitive", "OPS", "NARY", "register"]

NARY = -1
"""Arity of a primitive that takes any number of operands (the weighted sum)."""


class Primitive:
    """One entry of the ops table.

    Attributes:
        name: the name stored in ``Value.op`` (``"mul"``).
        arity: number of operands, or ``NARY`` for the weighted sum.
        forward: computes the output from the operands' floats.
        rule: ``rule(g, out, *inputs)`` returns one gradient per operand, in order.
        symbol: the short symbol drawings show in the operation's node.
        template: the operation written with operand names ``a`` and ``b``.
        derivatives: one text per operand giving the local derivative.
        operand_names: the names the texts use for the operands.
    """

    # A plain class rather than a dataclass: importing dataclasses would double the time
    # `import autograd_lite` takes.
    __slots__ = (
        "name",
        "arity",
        "forward",
        "rule",
        "symbol",
        "template",
        "derivatives",
        "operand_names",
    )

    def __init__(
        self,
        name: str,
        arity: int,
        forward: Callable[..., float],
        rule: Callable[..., Sequence],
        symbol: str,
        template: str,
        derivatives: tuple[str, ...],
        operand_names: tuple[str, ...] = ("a", "b"),
    ):
        self.name = name
        self.arity = arity
        self.forward = forward
        self.rule = rule
        self.symbol = symbol
        self.template = template
        self.derivatives = tuple(derivatives)
        self.operand_names = tuple(operand_names)

    def replace(self, **changes) -> Primitive:
        """A copy with some fields changed (for experiments and tests)."""
        fields = {name: getattr(self, name) for name in self.__slots__}
        fields.update(changes)
        return Primitive(**fields)

    def __repr__(self) -> str:
        return f"Primitive({self.name!r}, symbol={self.symbol!r}, template={self.template!r})"


OPS: dict[str, Primitive] = {}
"""All primitives by name. The engine, the drawings and the explanations read only this."""


def register(prim: Primitive) -> Primitive:
    """Add a primitive to the table.

    Args:
        prim: the primitive; its name must not be taken yet.

    Returns:
        The same primitive, so the call can be used as an expression.

    Raises:
        ValueError: if a primitive of that name exists, or the number of derivative texts
            does not match the arity.
    """
    if prim.name in OPS:
        raise ValueError(f"a primitive named {prim.name!r} is already in the ops table")
    if prim.arity != NARY and len(prim.derivatives) != prim.arity:
        raise ValueError(
            f"primitive {prim.name!r} takes {prim.arity} operand(s) but has "
            f"{len(prim.derivatives)} derivative text(s)"
        )
    OPS[prim.name] = prim
    return prim


def wsum_operands(operands: Sequence) -> tuple[Sequence, Sequence, object]:
    """Split a weighted sum's operands ``(w_1..w_n, a_1..a_n, b)`` into weights, inputs, bias.

    Works on a node's ``parents`` and on the operands' floats alike.

    Example:
        >>> wsum_operands((0.5, -1.0, 2.0, 3.0, 1.0))
        ((0.5, -1.0), (2.0, 3.0), 1.0)
    """
    n = (len(operands) - 1) // 2
    return operands[:n], operands[n : 2 * n], operands[-1]


# --- helpers that work on floats and on Values -------------------------------------------


def _data(x):
    """The float behind x, whether x is a float or a Value."""
    return getattr(x, "data", x)


def _log(x):
    return x.log() if hasattr(x, "log") else math.log(x)


def _sin(x):
    return x.sin() if hasattr(x, "sin") else math.sin(x)


def _cos(x):
    return x.cos() if hasattr(x, "cos") else math.cos(x)


# --- forward functions that need more than one Python operator ---------------------------


def _pow_forward(a: float, b: float) -> float:
    # NOTE: Python's float ** returns a complex number for a negative base and a fractional
    # exponent; the engine never holds complex data, so that case is refused like math.pow.
    if a < 0.0 and not float(b).is_integer():
        raise ValueError("a negative number to a fractional power is not a real number")
    return a**b


def _sigmoid_forward(a: float) -> float:
    # NOTE: two branches so that exp never overflows: for a < 0, exp(a) is at most 1.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _wsum_forward(*x: float) -> float:
    # operands are w_1..w_n, a_1..a_n, b; summed left to right starting from b
    n = (len(x) - 1) // 2
    return sum(map(operator.mul, x[:n], x[n:-1]), x[-1])


# --- rules --------------------------------------------------------------------------------


def _pow_rule(g, out, a, b):
    # NOTE: d(a^b)/da = b·a^(b-1) is 0 for b = 0 even at a = 0, where Python's 0.0 ** -1
    # would raise. d(a^b)/db = a^b·ln(a) exists only for a > 0; at a = 0 the power is 0 for
    # every positive b (derivative 0), and for a < 0 the power is defined at integer b only,
    # so there is no derivative in b: the exponent is then treated as a constant (grad 0).
    da = g * b * a ** (b - 1) if _data(b) != 0.0 else g * 0.0
    db = g * out * _log(a) if _data(a) > 0.0 else g * 0.0
    return da, db


def _abs_rule(g, out, a):
    # NOTE: |a| has no derivative at 0; like relu, the engine uses 0 there (a subgradient).
    x = _data(a)
    return (g if x > 0.0 else (-g if x < 0.0 else g * 0.0),)


def _relu_rule(g, out, a):
    # NOTE: relu'(0) = 0 (as in most frameworks), so a dead unit at exactly 0 gets no gradient.
    return (g if _data(a) > 0.0 else g * 0.0,)


def _wsum_rule(g, out, *x):
    n = (len(x) - 1) // 2
    # dz/dw_k = a_k, dz/da_k = w_k, dz/db = 1; map(mul, ...) multiplies in C, and works for
    # floats and Values alike
    gs = itertools.repeat(g)
    return [*map(operator.mul, x[n:-1], gs), *map(operator.mul, x[:n], gs), g]


# --- the table ----------------------------------------------------------------------------

register(
    Primitive(
        "add",
        2,
        lambda a, b: a + b,
        lambda g, out, a, b: (g, g),
        "+",
        "a + b",
        ("∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1"),
    )
)
register(
    Primitive(
        "sub",
        2,
        lambda a, b: a - b,
        lambda g, out, a, b: (g, -g),
        "−",
        "a − b",
        ("∂(a − b)/∂a = 1", "∂(a − b)/∂b = −1"),
    )
)
register(
    Primitive(
        "mul",
        2,
        lambda a, b: a * b,
        lambda g, out, a, b: (g * b, g * a),
        "×",
        "a·b",
        ("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"),
    )
)
register(
    Primitive(
        "div",
        2,
        lambda a, b: a / b,
        lambda g, out, a, b: (g / b, -g * out / b),
        "÷",
        "a / b",
        ("∂(a / b)/∂a = 1/b", "∂(a / b)/∂b = −a/b² = −out/b"),
    )
)
register(
    Primitive(
        "pow",
        2,
        _pow_forward,
        _pow_rule,
        "^",
        "a^b",
        ("∂(a^b)/∂a = b·a^(b−1)", "∂(a^b)/∂b = out·ln(a)"),
    )
)
register(
    Primitive(
        "neg",
        1,
        lambda a: -a,
        lambda g, out, a: (-g,),
        "−",
        "−a",
        ("∂(−a)/∂a = −1",),
        ("a",),
    )
)
register(
    Primitive(
        "abs",
        1,
        abs,
        _abs_rule,
        "|·|",
        "|a|",
        ("∂|a|/∂a = sign(a)  (0 at a = 0)",),
        ("a",),
    )
)
register(
    Primitive(
        "exp",
        1,
        math.exp,
        lambda g, out, a: (g * out,),
        "exp",
        "exp(a)",
        ("∂exp(a)/∂a = exp(a) = out",),
        ("a",),
    )
)
register(
    Primitive(
        "log",
        1,
        math.log,
        lambda g, out, a: (g / a,),
        "log",
        "log(a)",
        ("∂log(a)/∂a = 1/a",),
        ("a",),
    )
)
register(
    Primitive(
        "log1p",
        1,
        math.log1p,
        lambda g, out, a: (g / (1.0 + a),),
        "log1p",
        "log(1 + a)",
        ("∂log(1 + a)/∂a = 1/(1 + a)",),
        ("a",),
    )
)
register(
    Primitive(
        "tanh",
        1,
        math.tanh,
        lambda g, out, a: (g * (1.0 - out * out),),
        "tanh",
        "tanh(a)",
        ("∂tanh(a)/∂a = 1 − out²",),
        ("a",),
    )
)
register(
    Primitive(
        "sigmoid",
        1,
        _sigmoid_forward,
        lambda g, out, a: (g * out * (1.0 - out),),
        "σ",
        "σ(a)",
        ("∂σ(a)/∂a = out·(1 − out)",),
        ("a",),
    )
)
register(
    Primitive(
        "relu",
        1,
        lambda a: a if a > 0.0 else 0.0,
        _relu_rule,
        "ReLU",
        "ReLU(a)",
        ("∂ReLU(a)/∂a = 1 if a > 0 else 0",),
        ("a",),
    )
)
register(
    Primitive(
        "sqrt",
        1,
        math.sqrt,
        lambda g, out, a: (g * 0.5 / out,),
        "√",
        "√a",
        ("∂√a/∂a = 1/(2·√a) = 1/(2·out)",),
        ("a",),
    )
)
register(
    Primitive(
        "sin",
        1,
        math.sin,
        lambda g, out, a: (g * _cos(a),),
        "sin",
        "sin(a)",
        ("∂sin(a)/∂a = cos(a)",),
        ("a",),
    )
)
register(
    Primitive(
        "cos",
        1,
        math.cos,
        lambda g, out, a: (-g * _sin(a),),
        "cos",
        "cos(a)",
        ("∂cos(a)/∂a = −sin(a)",),
        ("a",),
    )
)
register(
    Primitive(
        "wsum",
        NARY,
        _wsum_forward,
        _wsum_rule,
        "Σ",
        "Σₖ wₖ·aₖ + b",
        ("∂z/∂wₖ = aₖ", "∂z/∂aₖ = wₖ", "∂z/∂b = 1"),
        ("w", "a", "b"),
    )
)
