"""Labels as the compiled path reads them: numbers, and the constants that follow them.

A constant of the per-sample function that changes with the sample's label (the ``y`` in
``1 - y·s``, a target ``t``) becomes a per-sample column of the program, computed from each
sample's label: looked up by label when there are few distinct labels
(:data:`MAX_LABEL_TABLE`), else found to be ``o + s·t`` or ``o + t/d`` of one number ``t``
of the label and computed so, bit for bit (:func:`exact_affine`).
"""

from __future__ import annotations

import numpy as np

from ._errors import TraceError

__all__ = ["MAX_LABEL_TABLE", "key", "label_matrix", "exact_affine", "spanning"]

MAX_LABEL_TABLE = 64
"""Up to this many distinct labels, label constants are looked up by label; beyond, each
must be ``o + s·t`` of one number ``t`` of the label, computed exactly so (as ``y``, ``-y``,
``1 - y`` or a target ``t`` are), and is computed so for each sample."""


def key(label):
    if isinstance(label, (list, tuple, np.ndarray)):
        return tuple(float(v) for v in np.ravel(np.asarray(label, dtype=float)))
    return float(label)


def label_matrix(keys: list) -> np.ndarray:
    """The labels' numbers, one row per label (a TraceError for labels of unequal size)."""
    rows = [np.ravel(np.asarray(k, dtype=float)) for k in keys]
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


def spanning(keys: list) -> list[int]:
    """Indices of at most (label numbers + 1) samples whose rows (1, label...) span the rows
    of every sample: each number of the label that varies in the data varies among them, so
    a constant that follows it varies there too (and an affine function of the label is
    known from them on every sample). Picked greedily, each time the row farthest from the
    span of those picked."""
    labels = label_matrix(keys)
    rows = np.hstack([np.ones((len(labels), 1)), labels])
    rows /= np.maximum(1.0, np.abs(rows).max(axis=0))  # columns of like size
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
