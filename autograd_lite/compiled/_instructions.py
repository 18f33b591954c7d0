"""The instructions of a compiled program: each computes a group of nodes over a batch.

* :class:`_Elementwise`: one primitive applied to every member of a group, its forward
  function and rule from the ops table (their array forms where the table has them);
* :class:`_Matmul`: weighted sums over the same inputs with weights that do not depend on
  the sample (a layer), ``A @ Wᵀ + b``, the weighted sum's matrix forms from the table;
* :class:`_WeightedSums`: weighted sums whose weights change with the sample, the table's
  own rule on arrays.

:mod:`autograd_lite.compiled._codegen` writes the first two out as Python source (and
calls the third's ``forward(env)`` and ``backward(env, adj, owned, g)``); each has
``lines(arrays)``, its forward statement and backward statements in the listing
``print(program)`` shows.
"""

from __future__ import annotations

import numpy as np

from ..ops import OPS
from ._arrays import forward_of, matrix_forms, rule_of
from ._takes import Take


class _Array:
    """What the program knows of one of its arrays before it runs."""

    __slots__ = ("name", "width", "batched", "needs_grad", "members")

    def __init__(self, name, width, batched, needs_grad, members=()):
        self.name = name
        self.width = width
        self.batched = batched
        self.needs_grad = needs_grad
        self.members = list(members)


class _Elementwise:
    """One primitive applied to each member of a group: ``out = op(operands)``."""

    def __init__(self, op, out, takes, width):
        self.op = op
        self.out = out
        self.takes = takes
        self.width = width
        self.forward_fn = forward_of(op)
        self.rule = rule_of(op)
        # the operands that pass a gradient on, with their place among the rule's results
        self.sends = [(r, t) for r, t in enumerate(takes) if t.needs_grad]

    def lines(self, arrays):
        out = arrays[self.out].name
        args = ", ".join(t.text() for t in self.takes)
        fwd = f"{out} = {self.op}({args})"
        back = [
            f"d{t.text()} += d{out} · ∂{out}/∂{t.text()}   ({d})"
            for t, d in zip(self.takes, OPS[self.op].derivatives)
            if _needs(t, arrays)
        ]
        return fwd, back


class _Matmul:
    """Weighted sums over the same inputs with fixed weights: ``out = A @ Wᵀ + b``."""

    def __init__(self, out, a, w, b):
        self.out, self.a, self.w, self.b = out, a, w, b
        self.forward_fn, self.rule = matrix_forms()
        self.wrt = (w.needs_grad, a.needs_grad, b.needs_grad)
        # weights and biases read straight out of the parameters (views that never move)
        # are looked up once, not at every step
        self.W = w.view[0] if w.mode == "view" else None
        self.bias = b.view[0] if b.mode == "view" else None
        # their gradients likewise: (m, n) and (m,) views into the gradient array
        self.dW = w.gview[0] if w.mode == "view" else None
        self.db = b.gview[0] if b.mode == "view" else None

    def lines(self, arrays):
        out = arrays[self.out].name
        fwd = f"{out} = {self.a.text()} @ {self.w.text()}ᵀ + {self.b.text()}"
        back = []
        if _needs(self.w, arrays):
            back.append(f"d{self.w.text()} += d{out}ᵀ @ {self.a.text()}")
        if _needs(self.b, arrays):
            back.append(f"d{self.b.text()} += Σ_batch d{out}")
        if _needs(self.a, arrays):
            back.append(f"d{self.a.text()} += d{out} @ {self.w.text()}")
        return fwd, back


class _WeightedSums:
    """Weighted sums whose weights change with the sample: the table's own wsum, on arrays."""

    def __init__(self, out, n, w, a, b):
        self.out, self.n, self.w, self.a, self.b = out, n, w, a, b
        self.forward_fn = forward_of("wsum")
        self.rule = rule_of("wsum")

    def _operands(self, env):
        W, A, b = self.w.read(env), self.a.read(env), self.b.read(env)
        return [*[W[..., k] for k in range(self.n)], *[A[..., k] for k in range(self.n)], b]

    def forward(self, env):
        env[self.out] = self.forward_fn(*self._operands(env))

    def backward(self, env, adj, owned, g):
        grads = self.rule(g, env[self.out], *self._operands(env))
        n = self.n
        self.w.add(adj, owned, np.stack(np.broadcast_arrays(*grads[:n]), axis=-1))
        self.a.add(adj, owned, np.stack(np.broadcast_arrays(*grads[n : 2 * n]), axis=-1))
        self.b.add(adj, owned, np.asarray(grads[-1]))

    def lines(self, arrays):
        out = arrays[self.out].name
        w, a, b = self.w.text(), self.a.text(), self.b.text()
        fwd = f"{out} = Σₖ {w}·{a} + {b}"
        back = [
            f"d{t.text()} += d{out} · {s}"
            for t, s in ((self.w, a), (self.a, w), (self.b, "1"))
            if _needs(t, arrays)
        ]
        return fwd, back


def _needs(take: Take, arrays) -> bool:
    return any(arrays[v].needs_grad for v in take.sources)
