"""Labels as the compiled path reads them: numbers, and the constants that follow them.

A constant of the per-sample function that changes with the sample's label (the ``y`` in
``1 - y·s``, a target ``t``) becomes a per-sample column of the program, computed from each
sample's label: looked up by label when there are few distinct labels
(:data:`MAX_LABEL_TABLE`), else found to be ``o + s·t`` or ``o + t/d`` of one number ``t``
of the label and computed so, bit for bit (:func:`exact_affine`).
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction

import numpy as np

from ._errors import TraceError

__all__ = [
    "MAX_LABEL_TABLE",
    "MAX_LABELS_VERIFIED",
    "key",
    "label_matrix",
    "exact_affine",
    "spanning",
]

MAX_LABEL_TABLE = 64
"""Up to this many distinct labels, label constants are looked up by label; beyond, each
must be ``o + s·t`` of one number ``t`` of the label, computed exactly so (as ``y``, ``-y``,
``1 - y`` or a target ``t`` are), and is computed so for each sample."""


MAX_LABELS_VERIFIED = 4096
"""For code of your own, with more distinct labels than :data:`MAX_LABEL_TABLE`, the
constants of up to this many distinct labels (all of them, or as many spread over them) are
checked against their ``o + s·t`` form once, at trace time (a forward pass each); training
checks others as the batches come."""


def key(label):
    """What tells labels apart: their exact value (1, 1.0 and numpy's 1 are one label; 2**60
    and 2**60 + 100, or 0.0 and -0.0, are two, as the function may compute different
    constants from them). Lists, tuples and arrays by their values in order.

    Raises:
        TypeError: for a label that is not a number or a sequence of numbers.
    """
    if isinstance(label, np.ndarray):
        return tuple(key(v) for v in label.ravel())
    if isinstance(label, (list, tuple)):
        return tuple(key(v) for v in label)
    if isinstance(label, (bool, np.bool_, numbers.Integral)):
        value = int(label)
    elif isinstance(label, (float, np.float64, np.float32, np.float16)):
        value = float(label)  # exact: Python's float holds these
    elif isinstance(label, numbers.Real) or hasattr(label, "as_integer_ratio"):
        value = Fraction(*label.as_integer_ratio())  # longdouble, Decimal, Fraction: exact
    else:
        raise TypeError(
            f"a label must be a number or a list of numbers, got {type(label).__name__}"
        )
    # equal values are equal keys across types (Python's numbers hash alike); a zero keeps
    # its sign
    return ("zero", math.copysign(1.0, float(label))) if value == 0 else value


def label_matrix(labels: list) -> np.ndarray:
    """The labels' numbers as floats, one row per label (a TraceError for labels of unequal
    size, or not finite)."""
    rows = [np.ravel(np.asarray(v, dtype=float)) for v in labels]
    if len({len(r) for r in rows}) > 1:
        raise TraceError(
            "the labels are not all of one size, and there are too many distinct ones to "
            f"look their constants up one by one (more than {MAX_LABEL_TABLE})"
        )
    out = np.array(rows)
    if not np.isfinite(out).all():
        raise TraceError("a label is not a finite number")
    return out


def exact_affine(L: np.ndarray, table: np.ndarray) -> list[tuple] | None:
    """Each column of label constants as one number ``t`` of the label, scaled and shifted:
    ``o + s·t`` or ``o + t/d``, reproduced exactly (bit for bit, as the function computed
    them: ``t``, ``-t``, ``1 - t``, ``2·t - 1``, ``t / 10`` are) on every row; None if a
    column is not such a function.

    Args:
        L: the labels' numbers, one row per sample compared.
        table: the constants that vary with the label, one row per sample compared.

    Returns:
        Per column, ``(j, divides, factor, offset)``: ``offset + t_j / factor`` if
        ``divides``, else ``offset + factor · t_j``.
    """
    found = []
    with np.errstate(all="ignore"):
        for col in table.T:
            for j, t in enumerate(L.T):
                line = _exact_line(t, col)
                if line is not None:
                    found.append((j, *line))
                    break
            else:
                return None
    return found


def _exact_line(t: np.ndarray, col: np.ndarray) -> tuple[bool, float, float] | None:
    """``(divides, factor, offset)`` with ``col`` exactly ``offset + factor·t`` (or
    ``offset + t/factor``), or None."""
    lo, hi = int(np.argmin(t)), int(np.argmax(t))
    if t[lo] == t[hi]:
        return None
    s = (col[hi] - col[lo]) / (t[hi] - t[lo])
    at = int(np.argmin(np.abs(t)))  # the offset where the product's rounding is least
    # the quotient carries rounding: a whole or simple factor is tried as well
    for divides, raw in ((False, s), (True, 1.0 / s if s else 0.0)):
        for factor in dict.fromkeys((raw, float(np.round(raw, 9)))):
            if divides and not factor:
                continue
            scaled = t / factor if divides else factor * t
            o = col[at] - scaled[at]
            for offset in dict.fromkeys((o, float(np.round(o, 9)))):
                if np.array_equal(offset + scaled, col):
                    return divides, factor, offset
    return None


def spanning(numbers: np.ndarray) -> list[int]:
    """Indices of at most (label numbers + 1) samples whose rows (1, label...) span the rows
    of every sample: each number of the label that varies in the data varies among them, so
    a constant that follows it varies there too (and an affine function of the label is
    known from them on every sample). Picked greedily, each time the row farthest from the
    span of those picked.

    Args:
        numbers: the labels' numbers (:func:`label_matrix`), one row per sample.
    """
    # each number measured from its mean in units of its spread, so that numbers that
    # differ by 1 around 1e13 count as much as around 0
    spread = numbers - numbers.mean(axis=0)
    scale = np.abs(spread).max(axis=0)
    rows = np.hstack([np.ones((len(numbers), 1)), spread / np.where(scale > 0, scale, 1.0)])
    picked: list[int] = []
    left = rows.copy()
    first = None
    for _ in range(rows.shape[1]):
        norms = np.einsum("ij,ij->i", left, left)
        i = int(np.argmax(norms))
        if first is None:
            first = norms[i]
        if norms[i] <= 1e-24 * first:
            break
        picked.append(i)
        q = left[i] / np.sqrt(norms[i])
        left -= np.outer(left @ q, q)
    return picked
