"""The small checks of arguments that many modules make, each written once.

Booleans are not numbers here: ``True`` passed as a count, a rate or a label is almost
always a mistake, so every check refuses Python's and numpy's booleans alike.

Example:
    >>> check_integer(3, "steps", minimum=1)
    3
    >>> check_integer(True, "steps")
    Traceback (most recent call last):
    ...
    ValueError: steps must be a whole number, got True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from ._errors import describe

__all__ = [
    "is_bool",
    "is_integer",
    "is_real",
    "is_finite_real",
    "is_sequence",
    "check_bool",
    "check_integer",
    "check_real",
    "to_float",
    "short_repr",
]


def is_bool(x: object) -> bool:
    """Whether x is a boolean: Python's ``bool`` or numpy's (not a Real there), whose type
    is named ``bool_`` before numpy 2 and ``bool`` since."""
    return isinstance(x, bool) or (
        type(x).__name__ in ("bool_", "bool") and type(x).__module__ == "numpy"
    )


def is_integer(x: object) -> bool:
    """Whether x is a whole number of an integer type (int, numpy integers), not a bool."""
    return isinstance(x, numbers.Integral) and not is_bool(x)


def is_real(x: object) -> bool:
    """Whether x is a real number (int, float, numpy scalars), not a bool and not complex."""
    return isinstance(x, numbers.Real) and not is_bool(x)


def is_finite_real(x: object) -> bool:
    """Whether x is a real number (not a bool) whose float is finite: not NaN, not inf, and not
    an integer too large for a float (``10**400``, which ``math.isfinite`` cannot even take)."""
    if not is_real(x):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def is_sequence(x: object) -> bool:
    """Whether x is an ordered sequence of items: a list, tuple, range or numpy array (of at
    least one dimension), but not text or bytes (whose items are characters or byte values),
    nor a dict or a set (whose order or items are not what a caller meant)."""
    if type(x).__name__ == "ndarray":
        return getattr(x, "ndim", 0) >= 1
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes, bytearray))


def check_bool(x: object, what: str) -> bool:
    """Return x as a bool if it is one (Python's or numpy's), else raise ValueError.

    ``0`` or ``None`` where a switch is expected is refused rather than read as False: the
    caller may have meant a number for another argument.
    """
    if not is_bool(x):
        raise ValueError(f"{what} must be True or False, got {type(x).__name__}: {short_repr(x)}")
    return bool(x)


def check_integer(
    x: object, what: str, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return x as an int if it is a whole number within the bounds, else raise ValueError.

    Args:
        x: the value to check.
        what: its name in the message (``"steps"``, ``"layer_sizes[1]"``).
        minimum: the smallest allowed value, if any.
        maximum: the largest allowed value, if any.

    Raises:
        ValueError: naming ``what``, the value and the whole requirement (type and bounds).
    """
    if (
        not is_integer(x)
        or (minimum is not None and x < minimum)
        or (maximum is not None and x > maximum)
    ):
        raise ValueError(
            f"{what} must be a whole number{_bounds(minimum, maximum)}, got {short_repr(x)}"
        )
    return int(x)


def _bounds(minimum: int | None, maximum: int | None) -> str:
    """The bounds of a whole number as a message says them: " from 1 to 20", " of at least 1"."""
    if minimum is not None and maximum is not None:
        return f" from {minimum:,} to {maximum:,}"
    if minimum is not None:
        return f" of at least {minimum:,}"
    if maximum is not None:
        return f" of at most {maximum:,}"
    return ""


def check_real(
    x: object,
    what: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    finite: bool = True,
) -> float:
    """Return x as a float if it is a real number within the bounds, else raise ValueError.

    Integers too large for a float (``10**400``) are refused by name instead of failing
    later with Python's bare "int too large to convert to float".

    Args:
        x: the value to check.
        what: its name in the message.
        minimum, maximum: inclusive bounds, if any.
        finite: refuse inf (NaN is always refused).

    Raises:
        ValueError: naming ``what`` and the value.
    """
    if not is_real(x):
        raise ValueError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    try:
        f = float(x)
    except OverflowError:
        raise ValueError(f"{what} is too large for a float: {short_repr(x)}") from None
    if f != f:
        raise ValueError(f"{what} must be a number, got NaN")
    if finite and math.isinf(f):
        raise ValueError(f"{what} must be a finite number, got {f!r}")
    if minimum is not None and f < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {f!r}")
    if maximum is not None and f > maximum:
        raise ValueError(f"{what} must be at most {maximum}, got {f!r}")
    return f


def short_repr(x: object) -> str:
    """repr of x, shortened for a message: a 400-digit number in a message helps nobody.

    The digits of a huge integer are counted from its bit length: ``str()`` of an integer
    past 4,300 digits raises ValueError, and would take long before that.

    Example:
        >>> short_repr(10**400)
        'a 401-digit number'
    """
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) >= 10**30:
        digits = int(abs(x).bit_length() * 0.30102999566398120)  # log10(2)
        digits += abs(x) >= 10**digits  # the estimate is exact or one short
        return f"a {digits}-digit number"
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def to_float(x: object, what: str = "data") -> float:
    """x as a float if it is a real number (not a boolean, not NaN); a clear error if not.

    Example:
        >>> to_float(3), to_float(2.5)
        (3.0, 2.5)
    """
    t = type(x)
    if t is float:
        f = x
    elif t is int or (isinstance(x, numbers.Real) and not is_bool(x)):
        try:
            f = float(x)
        except OverflowError:
            raise OverflowError(
                f"{what} {short_repr(x)} is too large for a float (at most about 1.8e308)"
            ) from None
    elif is_bool(x):
        raise TypeError(
            f"{what} must be a real number, got a boolean ({x!r}); booleans are not numbers "
            "here: write 1.0 or 0.0 if you mean a number"
        )
    elif hasattr(x, "parents") and hasattr(x, "data"):  # a Value
        raise TypeError(
            f"{what} must be a real number, got a Value ({describe(x)}); "
            "use the Value itself in the expression, or .data for its number"
        )
    else:
        raise TypeError(
            f"{what} must be a real number (int, float or a numpy scalar), got {t.__name__}: {x!r}"
        )
    if f != f:
        raise ValueError(f"{what} is NaN (not a number); a Value needs a number")
    return f
