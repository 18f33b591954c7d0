"""Reading the operands of a group of nodes out of arrays, and adding gradients back.

Every value a compiled program holds lives in an array of shape (batch, width), or (1, width)
for values that do not depend on the sample (parameters, constants, L2). A node is one
column of one array. A :class:`Take` is how an instruction reads its operands, one per
member of its group: the whole array when the group's operands are exactly its columns in
order (the usual case in a network, and free), a slice, one column broadcast to all members,
a strided view of the parameters, or a gather by index. ``add`` sends a gradient back the
same way, summing over the batch for values that have no batch dimension.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["Take"]


def _regular(cols: np.ndarray):
    """(start, strides) when cols[i, j, ...] = start + Σ stride·index, else None."""
    start = int(cols.flat[0])
    strides = []
    for axis, size in enumerate(cols.shape):
        if size == 1:
            strides.append(0)
            continue
        index = [0] * cols.ndim
        index[axis] = 1
        strides.append(int(cols[tuple(index)]) - start)
    expected = start + sum(
        np.arange(size).reshape([-1 if a == axis else 1 for a in range(cols.ndim)]) * s
        for axis, (size, s) in enumerate(zip(cols.shape, strides))
    )
    if not np.array_equal(expected, cols) or any(s < 0 for s in strides):
        return None
    # no two entries share memory, or `+=` through the view would lose terms
    if len(np.unique(cols)) != cols.size:
        return None
    return start, strides


class Take:
    """The operand of every member of a group: columns of one array (or of several).

    Args:
        locs: per member (any shape), the ``(array index, column)`` of its operand.
        arrays: the program's array descriptions (``width``, ``batched``, ``name``).
        broadcast: allow one column read once for all members (elementwise operands).
        persistent: ``{array index: (data, grad)}`` for arrays whose storage never moves
            (the parameters): reads and gradient adds go through fixed strided views.
    """

    def __init__(self, locs: np.ndarray, arrays, *, broadcast: bool = False, persistent=None):
        self.shape = locs.shape[:-1]
        which = locs[..., 0]
        cols = locs[..., 1]
        self.sources = sorted(set(which.ravel().tolist()))
        self.arrays = arrays
        self.view = None
        if len(self.sources) > 1:
            self.mode = "pieces"
            self.pieces = []
            for v in self.sources:
                mask = which == v
                part = cols[mask]
                # a column taken twice gets both gradients (np.add.at), not the last one
                self.pieces.append((v, mask, part, len(np.unique(part)) == part.size))
            self.batched = any(arrays[v].batched for v in self.sources)
            return
        v = self.var = self.sources[0]
        self.cols = cols
        self.batched = arrays[v].batched
        width = arrays[v].width
        flat = cols.ravel()
        self.unique = len(np.unique(flat)) == flat.size
        if cols.ndim == 1 and np.array_equal(cols, np.arange(width)):
            self.mode = "whole"
        elif cols.ndim == 1 and broadcast and (flat == flat[0]).all():
            self.mode = "column"
            self.index = slice(int(flat[0]), int(flat[0]) + 1)
        elif persistent and v in persistent and not self.batched and _regular(cols):
            # a run or a regular grid of the parameters: fixed views of the flat arrays
            data, grad = persistent[v]
            start, strides = _regular(cols)
            item = data.itemsize
            shape = (1, *cols.shape)
            bytes_ = (0, *[s * item for s in strides])
            self.mode = "view"
            self.view = as_strided(data[start:], shape, bytes_, writeable=False)
            self.gview = as_strided(grad[start:], shape, bytes_)
        elif cols.ndim == 1 and np.array_equal(cols, np.arange(flat[0], flat[0] + len(flat))):
            self.mode = "slice"
            self.index = slice(int(flat[0]), int(flat[0]) + len(flat))
        else:
            self.mode = "gather"
            self.index = (slice(None), cols)
        if self.mode in ("slice", "column"):
            self.index = (slice(None), self.index)

    @property
    def needs_grad(self) -> bool:
        """Whether any array this reads from needs a gradient."""
        return any(self.arrays[v].needs_grad for v in self.sources)

    def read(self, env: list) -> np.ndarray:
        """The operands: an array of shape (batch or 1, *members) (one column if broadcast)."""
        mode = self.mode
        if mode == "whole":
            return env[self.var]
        if mode == "view":
            return self.view
        if mode != "pieces":
            return env[self.var][self.index]
        batch = max(env[v].shape[0] for v in self.sources)
        out = np.empty((batch, *self.shape))
        for v, mask, cols, _ in self.pieces:
            out[:, mask] = env[v][:, cols]
        return out

    def add(self, adj: list, owned: list, grad: np.ndarray) -> None:
        """Add ``grad`` (shape (batch or 1, *members)) to the adjoints of the operands."""
        mode = self.mode
        if mode == "view":
            if grad.shape[0] != 1:
                grad = grad.sum(axis=0, keepdims=True)
            self.gview += grad.reshape(self.gview.shape)
            return
        if mode == "pieces":
            for v, mask, cols, unique in self.pieces:
                if self.arrays[v].needs_grad:
                    _scatter(self.arrays[v], v, cols, grad[:, mask], adj, owned, unique)
            return
        spec = self.arrays[self.var]
        if not spec.needs_grad:
            return
        if grad.shape[0] != 1 and not spec.batched:
            grad = grad.sum(axis=0, keepdims=True)
        if mode == "column":
            grad = grad.sum(axis=1, keepdims=True)
        if mode == "whole":
            v = self.var
            cur = adj[v]
            if cur is None:
                adj[v] = grad
            elif owned[v]:
                cur += grad
            else:
                adj[v] = cur + grad
                owned[v] = True
            return
        if mode in ("slice", "column"):
            target = _owned(spec, self.var, adj, owned, grad.shape[0])
            target[self.index] += grad
            return
        _scatter(spec, self.var, self.cols, grad, adj, owned, self.unique)

    def text(self) -> str:
        """How the listing writes this operand."""
        if self.mode == "pieces":
            return "[" + ", ".join(self.arrays[v].name + "[…]" for v in self.sources) + "]"
        name = self.arrays[self.var].name
        if self.mode == "whole":
            return name
        if self.mode in ("slice", "column"):
            s = self.index[1]
            return (
                f"{name}[:, {s.start}]"
                if s.stop - s.start == 1
                else f"{name}[:, {s.start}:{s.stop}]"
            )
        lo, hi = int(self.cols.min()), int(self.cols.max())
        shape = "×".join(str(d) for d in self.cols.shape)
        return f"{name}[{lo}‥{hi}]→{shape}"


def _owned(spec, v: int, adj: list, owned: list, batch: int) -> np.ndarray:
    cur = adj[v]
    if cur is None:
        cur = adj[v] = np.zeros((batch if spec.batched else 1, spec.width))
        owned[v] = True
    elif not owned[v]:
        cur = adj[v] = cur.copy()
        owned[v] = True
    return cur


def _scatter(spec, v, cols, grad, adj, owned, unique) -> None:
    if grad.shape[0] != 1 and not spec.batched:
        grad = grad.sum(axis=0, keepdims=True)
    target = _owned(spec, v, adj, owned, grad.shape[0])
    if unique:
        target[:, cols] += grad
    else:
        np.add.at(target, (slice(None), cols), grad)
