"""Numbers m·2**e whose exponent no float could hold, for what the teaching views print.

The engine keeps adjoints exactly where floats over- or underflow (``0.5 / (1 / x)`` at
x = 1e-300: the adjoint of 1/x is -5e-601, its local derivative -1e600, their product 0.5).
A view that shows those factors, or multiplies local derivatives along a path, needs them
too: here they are pairs ``(m, e)``, m a float in [0.5, 1) (or 0) and e an int.
"""

from __future__ import annotations

import math
import sys

from ..engine import Value
from ..ops import OPS

Scaled = tuple[float, int]

ONE: Scaled = (0.5, 1)


def scaled(x: float) -> Scaled:
    """A float as ``(m, e)``."""
    return math.frexp(x)


def local(node: Value, k: int, d: float | None = None) -> Scaled:
    """∂node/∂operand k as ``(m, e)``, also where the float is 0 or infinite.

    A rule returns g·∂node/∂operand, so with g a power of two the local derivative comes
    back scaled exactly; one of three scales brings any local derivative of the ops table
    into the range of floats. ``d``, the float local derivative when it is known already,
    is used as it is when it is an ordinary number.
    """
    if d is not None and d and math.isfinite(d):
        return math.frexp(d)
    rule, inputs = OPS[node.op].rule, [p.data for p in node.parents]
    for scale in (0, 1000, -1000):
        try:
            x = float(rule(math.ldexp(1.0, scale), node.data, *inputs)[k])
        except (ArithmeticError, ValueError):
            continue
        if x and math.isfinite(x):
            m, e = math.frexp(x)
            return m, e - scale
    return (d, 0) if d is not None and d != d else (0.0, 0)


def times(a: Scaled, b: Scaled) -> Scaled:
    """The product of two scaled numbers."""
    m, k = math.frexp(a[0] * b[0])
    return m, a[1] + b[1] + k


def divide(x: float, b: Scaled) -> Scaled:
    """x / b (b not 0)."""
    m, k = math.frexp(x / b[0])
    return m, k - b[1]


def magnitude(a: Scaled) -> tuple:
    """A key that orders scaled numbers by their absolute value."""
    return (a[1], abs(a[0])) if a[0] else (-math.inf, 0.0)


def as_float(a: Scaled) -> float:
    """The nearest float (±inf beyond the largest, 0 below the smallest)."""
    try:
        return math.ldexp(*a)
    except OverflowError:
        return math.copysign(math.inf, a[0])


def in_floats(a: Scaled) -> bool:
    """Whether a float holds the number as an ordinary (not subnormal) number, or it is 0."""
    x = as_float(a)
    return not a[0] or (math.isfinite(x) and abs(x) >= sys.float_info.min)


def text(a: Scaled, spec: str) -> str:
    """``format(m·2**e, spec)`` for a general format (``".4g"``), with a decimal exponent of
    its own where no float holds the number (``-5e-601``)."""
    m, e = a
    x = as_float(a)
    if not m or m != m or (math.isfinite(x) and abs(x) >= sys.float_info.min):
        return format(x, spec)
    exponent = math.log10(abs(m)) + e * math.log10(2.0)
    p = math.floor(exponent)
    s = format(math.copysign(10.0 ** (exponent - p), m), spec)
    if s.lstrip("-").startswith("10"):  # 9.99995 rounded up to the next power of ten
        p += 1
        s = format(math.copysign(10.0 ** (exponent - p), m), spec)
    return f"{s}e{p:+03d}"
