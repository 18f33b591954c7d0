"""The table of primitives: every operation the engine knows, in one place.

Each :class:`Primitive` holds

* ``forward``: the function on plain floats that computes the node's value;
* ``rule``: the local derivative, written as ``rule(g, out, *inputs)`` and returning one
  gradient per input, in operand order, already multiplied by the upstream gradient ``g``.
  ``out`` is the node's own value and ``inputs`` are its operands' values;
* ``symbol``: what a drawing shows for the operation (×, +, σ, tanh, ReLU, ^ ...);
* ``template``: the operation written in its operands' names, such as ``a·b`` or ``σ(a)``;
* ``derivatives``: the local derivative with respect to each operand as text, such as
  ``∂(a·b)/∂a = b``, which explanations and the backward-pass stepper print;
* ``array_forward``, ``array_rule``: the same forward and rule on NumPy arrays, element by
  element, for the compiled path (:mod:`autograd_lite.compiled`), where the scalar one does
  not take arrays as written (``math.exp`` takes one float; ``relu``'s rule tests ``a > 0``
  with ``if``). They sit right beside the scalar ones and a test checks that the two agree
  on every primitive; None means the scalar one works on arrays as it is.

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

# typing.TYPE_CHECKING without importing typing, which would double the import time
TYPE_CHECKING = False
if TYPE_CHECKING:  # only for the annotations: numpy is imported when the array forms run
    import numpy as np

__all__ = [
    "Primitive",
    "OPS",
    "NARY",
    "register",
    "wsum_operands",
    "wsum_matrix_forward",
    "wsum_matrix_rule",
]

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
        operand_names: the names the texts use for the operands; by default ``("a",)`` for
            one operand and ``("a", "b")`` for two.
        array_forward: the forward function on arrays, or None if ``forward`` takes them.
        array_rule: the rule on arrays, or None if ``rule`` takes them.
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
        "array_forward",
        "array_rule",
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
        operand_names: tuple[str, ...] | None = None,
        array_forward: Callable | None = None,
        array_rule: Callable | None = None,
    ):
        self.name = name
        self.arity = arity
        self.forward = forward
        self.rule = rule
        self.symbol = symbol
        self.template = template
        self.derivatives = tuple(derivatives)
        if operand_names is None:  # the names the derivative texts use: a, or a and b
            operand_names = ("a",) if arity == 1 else ("a", "b")
        self.operand_names = tuple(operand_names)
        self.array_forward = array_forward
        self.array_rule = array_rule

    def replace(self, **changes: object) -> Primitive:
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


# --- the table ----------------------------------------------------------------------------
#
# Read it top to bottom: every derivative the engine knows is here, once. A rule gets the
# upstream gradient g, the node's own value out and the operands' values, and returns
# g · ∂out/∂operand for each operand, in order.
#
# NOTE: where a local derivative is zero, a rule returns `g * 0.0`, not `0.0`. On floats the
# two are the same number; when the rules run on Values (to build the graph of a gradient,
# which derivatives of derivatives differentiate again) g is a Value, and `g * 0.0` keeps the
# result a Value in that graph where a bare 0.0 would drop out of it.

# fmt: off


def _data(x):
    """The float behind x, whether x is a float or a Value (for the tests in the rules)."""
    return getattr(x, "data", x)


def _np():
    """NumPy, for the array forms: only the compiled path calls them, so importing this
    module (and ``import autograd_lite``) loads no numpy."""
    import numpy

    return numpy


register(Primitive(
    name="add", arity=2,
    forward=lambda a, b: a + b,
    rule=lambda g, out, a, b: (g, g),
    symbol="+", template="a + b",
    derivatives=("∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1"),
))

register(Primitive(
    name="sub", arity=2,
    forward=lambda a, b: a - b,
    rule=lambda g, out, a, b: (g, -g),
    symbol="−", template="a − b",
    derivatives=("∂(a − b)/∂a = 1", "∂(a − b)/∂b = −1"),
))

register(Primitive(
    name="mul", arity=2,
    forward=lambda a, b: a * b,
    rule=lambda g, out, a, b: (g * b, g * a),
    symbol="×", template="a·b",
    derivatives=("∂(a·b)/∂a = b", "∂(a·b)/∂b = a"),
))

register(Primitive(
    name="div", arity=2,
    forward=lambda a, b: a / b,
    rule=lambda g, out, a, b: (g / b, -g * out / b),
    symbol="÷", template="a / b",
    derivatives=("∂(a / b)/∂a = 1/b", "∂(a / b)/∂b = −a/b² = −out/b"),
))


def _pow_forward(a: float, b: float) -> float:
    # NOTE: Python's float ** returns a complex number for a negative base and a fractional
    # exponent; the engine never holds complex data, so that case is refused like math.pow.
    if a < 0.0 and not float(b).is_integer():
        raise ValueError("a negative number to a fractional power is not a real number")
    return a**b


def _log(x):
    return x.log() if hasattr(x, "log") else math.log(x)


def _power(a, e):
    """a ** e, or an infinity where the float power overflows or divides by zero (0 ** -0.5)."""
    if hasattr(a, "data"):
        return a**e
    try:
        return a**e
    except (OverflowError, ZeroDivisionError):
        return math.inf


def _pow_rule(g, out, a, b):
    # NOTE: d(a^b)/da = b·a^(b-1) is 0 for b = 0 even at a = 0, where Python's 0.0 ** -1
    # would raise; at a = 0 with 0 < b < 1 it is infinite, returned as inf rather than
    # raised, so that 0 ** x, whose base is a constant nobody differentiates, still gives x
    # its gradient. d(a^b)/db = a^b·ln(a) exists only for a > 0; at a = 0 the power is 0 for
    # every positive b (derivative 0), and for a < 0 the power is defined at integer b only,
    # so there is no derivative in b: the exponent is then treated as a constant (grad 0).
    # NOTE: b·a^(b-1) is written b·out/a where both are ordinary numbers, so the upstream
    # gradient multiplies in before the division: a^(b-1) alone under- or overflows where
    # the product does not ((x·1e200)^-1: a^-2 is 3e-400, g·b·out/a is -3.3e-200), and an
    # exact adjoint (the careful pass) then carries it through.
    if _data(b) == 0.0:
        da = g * 0.0
    else:
        da = None
        if _data(a) != 0.0 and _data(out) != 0.0:  # (a node's number is never inf)
            try:
                da = g * b * out / a
            except (ArithmeticError, ValueError):  # on Values, a node beyond floats on the way
                pass
        if da is None:
            da = g * b * _power(a, b - 1)
    db = g * out * _log(a) if _data(a) > 0.0 else g * 0.0
    return da, db


def _pow_array_rule(g, out, a, b):
    # the same cases as _pow_rule, element by element (the masked-out lanes may hold inf or
    # NaN from the unused branch; np.where drops them)
    np = _np()
    da = np.where(b != 0.0, g * b * a ** (b - 1.0), g * 0.0)
    db = np.where(a > 0.0, g * out * np.log(np.where(a > 0.0, a, 1.0)), g * 0.0)
    return da, db


register(Primitive(
    name="pow", arity=2,
    forward=_pow_forward,
    rule=_pow_rule,
    symbol="^", template="a^b",
    derivatives=("∂(a^b)/∂a = b·a^(b−1)", "∂(a^b)/∂b = out·ln(a)"),
    array_forward=lambda a, b: a**b,
    array_rule=_pow_array_rule,
))

register(Primitive(
    name="neg", arity=1,
    forward=lambda a: -a,
    rule=lambda g, out, a: (-g,),
    symbol="−", template="−a",
    derivatives=("∂(−a)/∂a = −1",),
))


def _abs_rule(g, out, a):
    # NOTE: |a| has no derivative at 0; like relu, the engine uses 0 there (a subgradient).
    x = _data(a)
    return (g if x > 0.0 else (-g if x < 0.0 else g * 0.0),)


register(Primitive(
    name="abs", arity=1,
    forward=abs,
    rule=_abs_rule,
    symbol="|·|", template="|a|",
    derivatives=("∂|a|/∂a = sign(a)  (0 at a = 0)",),
    array_rule=lambda g, out, a: (g * _np().sign(a),),
))

register(Primitive(
    name="exp", arity=1,
    forward=math.exp,
    rule=lambda g, out, a: (g * out,),
    symbol="exp", template="exp(a)",
    derivatives=("∂exp(a)/∂a = exp(a) = out",),
    array_forward=lambda a: _np().exp(a),
))

register(Primitive(
    name="log", arity=1,
    forward=math.log,
    rule=lambda g, out, a: (g / a,),
    # NOTE: written ln, as Baydin et al. and most courses write the natural log; the method
    # and the formula reader keep Python's name, log (the reader takes ln too).
    symbol="ln", template="ln(a)",
    derivatives=("∂ln(a)/∂a = 1/a",),
    array_forward=lambda a: _np().log(a),
))

register(Primitive(
    name="log1p", arity=1,
    forward=math.log1p,
    rule=lambda g, out, a: (g / (1.0 + a),),
    symbol="log1p", template="ln(1 + a)",
    derivatives=("∂ln(1 + a)/∂a = 1/(1 + a)",),
    array_forward=lambda a: _np().log1p(a),
))

def _exp(x):
    return x.exp() if hasattr(x, "exp") else math.exp(x)


def _tanh_rule(g, out, a):
    # NOTE: 1 − out² loses the derivative where tanh saturates: out rounds to ±1 and
    # tanh'(20) ≈ 1.7e-17 becomes 0. With e = exp(−2|a|), 1 − out² = (1 − out)(1 + out) =
    # 4e/(1 + e)², which keeps its relative precision for every a; below |a| = 0.5, out² is
    # under 1/4 and 1 − out² is exact enough (and cheaper). exp(−2a) and exp(2a) are chosen
    # by the sign of a rather than written with |a|, so that on Values the formula stays
    # smooth and its own derivatives are right.
    x = _data(a)
    if -0.5 < x < 0.5:
        return (g * (1.0 - out * out),)
    e = _exp(-2.0 * a) if x > 0.0 else _exp(2.0 * a)
    return (g * (4.0 * e / ((1.0 + e) * (1.0 + e))),)


def _tanh_array_rule(g, out, a):
    np = _np()
    e = np.exp(-2.0 * np.abs(a))
    return (g * np.where(np.abs(a) < 0.5, 1.0 - out * out, 4.0 * e / ((1.0 + e) * (1.0 + e))),)


register(Primitive(
    name="tanh", arity=1,
    forward=math.tanh,
    rule=_tanh_rule,
    symbol="tanh", template="tanh(a)",
    derivatives=("∂tanh(a)/∂a = 1 − out²",),
    array_forward=lambda a: _np().tanh(a),
    array_rule=_tanh_array_rule,
))


def _sigmoid_forward(a: float) -> float:
    # NOTE: two branches so that exp never overflows: for a < 0, exp(a) is at most 1.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _sigmoid_array_forward(a):
    # the two branches of _sigmoid_forward, element by element: exp(-|a|) is exp(-a) where
    # a >= 0 and exp(a) where a < 0, at most 1 either way
    np = _np()
    e = np.exp(-np.abs(a))
    return np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_rule(g, out, a):
    # NOTE: out·(1 − out) loses the derivative where σ saturates: for a > 37, out rounds
    # to 1 and σ'(50) ≈ 1.9e-22 becomes 0. For a >= 0, 1 − out = σ(−a) = e^(−a)·out, so
    # σ'(a) = out²·e^(−a), which keeps its relative precision wherever it is a normal
    # float; for a < 0, out is accurate and 1 − out lies in (1/2, 1], so the usual form is.
    if _data(a) >= 0.0:
        return (g * (out * out * _exp(-a)),)
    return (g * (out * (1.0 - out)),)


def _sigmoid_array_rule(g, out, a):
    np = _np()
    return (g * np.where(a >= 0.0, out * out * np.exp(-np.abs(a)), out * (1.0 - out)),)


register(Primitive(
    name="sigmoid", arity=1,
    forward=_sigmoid_forward,
    rule=_sigmoid_rule,
    symbol="σ", template="σ(a)",
    derivatives=("∂σ(a)/∂a = out·(1 − out)",),
    array_forward=_sigmoid_array_forward,
    array_rule=_sigmoid_array_rule,
))


def _relu_rule(g, out, a):
    # NOTE: relu'(0) = 0 (as in most frameworks), so a dead unit at exactly 0 gets no gradient.
    return (g if _data(a) > 0.0 else g * 0.0,)


register(Primitive(
    name="relu", arity=1,
    forward=lambda a: a if a > 0.0 else 0.0,
    rule=_relu_rule,
    symbol="ReLU", template="ReLU(a)",
    derivatives=("∂ReLU(a)/∂a = 1 if a > 0 else 0",),
    array_forward=lambda a: _np().maximum(a, 0.0),
    array_rule=lambda g, out, a: (g * (a > 0.0),),  # g·0 where a <= 0, as _relu_rule
))

register(Primitive(
    name="sqrt", arity=1,
    forward=math.sqrt,
    rule=lambda g, out, a: (g * 0.5 / out,),
    symbol="√", template="√a",
    derivatives=("∂√a/∂a = 1/(2·√a) = 1/(2·out)",),
    array_forward=lambda a: _np().sqrt(a),
))


def _cos(x):
    return x.cos() if hasattr(x, "cos") else math.cos(x)


register(Primitive(
    name="sin", arity=1,
    forward=math.sin,
    rule=lambda g, out, a: (g * _cos(a),),
    symbol="sin", template="sin(a)",
    derivatives=("∂sin(a)/∂a = cos(a)",),
    array_forward=lambda a: _np().sin(a),
    array_rule=lambda g, out, a: (g * _np().cos(a),),
))


def _sin(x):
    return x.sin() if hasattr(x, "sin") else math.sin(x)


register(Primitive(
    name="cos", arity=1,
    forward=math.cos,
    rule=lambda g, out, a: (-g * _sin(a),),
    symbol="cos", template="cos(a)",
    derivatives=("∂cos(a)/∂a = −sin(a)",),
    array_forward=lambda a: _np().cos(a),
    array_rule=lambda g, out, a: (-g * _np().sin(a),),
))


# The weighted sum z = Σ_k w_k·a_k + b, a neuron's weighted input as one node. Its operands
# are w_1..w_n, a_1..a_n, b in that order (n weights, n inputs, one bias).
def wsum_operands(operands: Sequence) -> tuple[Sequence, Sequence, object]:
    """Split a weighted sum's operands ``(w_1..w_n, a_1..a_n, b)`` into weights, inputs, bias.

    Works on a node's ``parents`` and on the operands' floats alike.

    Example:
        >>> wsum_operands((0.5, -1.0, 2.0, 3.0, 1.0))
        ((0.5, -1.0), (2.0, 3.0), 1.0)
    """
    n = (len(operands) - 1) // 2
    return operands[:n], operands[n : 2 * n], operands[-1]


def _wsum_forward(*x: float) -> float:
    # summed left to right starting from b; map(mul, ...) multiplies the pairs in C
    n, odd = divmod(len(x), 2)  # n weights, n inputs, and the bias that makes the count odd
    if not odd:
        raise TypeError(f"wsum takes n weights, n inputs and a bias, got {len(x)} operands")
    return sum(map(operator.mul, x[:n], x[n:-1]), x[-1])


def _wsum_rule(g, out, *x):
    # dz/dw_k = a_k, dz/da_k = w_k, dz/db = 1; map(mul, ...) multiplies in C, and works for
    # floats and Values alike
    n = (len(x) - 1) // 2
    gs = itertools.repeat(g)
    return [*map(operator.mul, x[n:-1], gs), *map(operator.mul, x[:n], gs), g]


def wsum_matrix_forward(W: np.ndarray, A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Many weighted sums over the same inputs at once: Z = A·Wᵀ + b (the compiled path's
    form of a layer: W is (m, n), one row per neuron; A is (batch, n); b is (m,))."""
    return A @ W.T + b


def wsum_matrix_rule(
    G: np.ndarray,
    Z: np.ndarray,
    W: np.ndarray,
    A: np.ndarray,
    b: np.ndarray,
    wrt: tuple[bool, bool, bool] = (True, True, True),
) -> tuple:
    """_wsum_rule for all of Z = A·Wᵀ + b at once, given G = the gradient of Z: dz/dw_k = a_k
    summed over the batch (Gᵀ·A), dz/da_k = w_k (G·W), dz/db = 1 (G summed over the batch).
    ``wrt`` says which of the three to compute (None for the others)."""
    return (
        G.T @ A if wrt[0] else None,
        G @ W if wrt[1] else None,
        # a product with a row of ones sums over the batch several times faster than
        # G.sum(axis=0) does on the small arrays of a step
        _ones(len(G)) @ G if wrt[2] else None,
    )


_ONES: dict = {}


def _ones(n: int):
    """A read-only row of n ones, made once per length (at most 64 lengths are kept)."""
    ones = _ONES.get(n)
    if ones is None:
        if len(_ONES) >= 64:
            _ONES.clear()
        ones = _ONES[n] = _np().ones(n)
        ones.flags.writeable = False
    return ones


register(Primitive(
    name="wsum", arity=NARY,
    forward=_wsum_forward,
    rule=_wsum_rule,
    symbol="Σ", template="Σₖ wₖ·aₖ + b",
    derivatives=("∂z/∂wₖ = aₖ", "∂z/∂aₖ = wₖ", "∂z/∂b = 1"),
    operand_names=("w", "a", "b"),
))

# fmt: on
