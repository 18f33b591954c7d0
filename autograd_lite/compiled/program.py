"""A traced per-sample loss as a program of array operations over a batch.

:func:`compile_loss` records the function (see :mod:`autograd_lite.compiled.tracing`) and
turns its graph into a :class:`CompiledLoss`: a short list of instructions, each computing
a whole group of nodes for every sample of a batch at once.

* Nodes are grouped by depth. Weighted sums at the same depth over the same inputs, with
  weights and bias that do not depend on the sample (a layer's neurons), become one matrix
  product ``A @ Wᵀ + b``; the weights are read straight out of the flat parameter array.
* Other nodes of one primitive at the same depth, whose operands come from the same arrays
  (a layer's activations), become one array operation.
* Nodes that depend only on the parameters and constants (an L2 term) have no batch
  dimension: they are computed once per batch.

Every forward function and derivative rule comes from the ops table
(:mod:`autograd_lite.compiled._arrays` finds the vectorised form where the scalar one does
not take arrays). The instructions run as straight-line Python functions written out once
(:mod:`autograd_lite.compiled._codegen`). ``print(program)`` shows them, forward and
backward.

Example:
    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.nn.losses import hinge
    >>> model = MLP(2, [3, 1], seed=0)
    >>> X, y = [[0.5, -1.0], [1.0, 2.0], [0.0, 1.0]], [1, -1, 1]
    >>> program = compile_loss(
    ...     lambda x, t: hinge.per_sample(model(x), t), model.parameters(), X, y
    ... )
    >>> loss, grad = program.value_and_grad(X, y)
    >>> eager = hinge([model(x) for x in X], y)
    >>> eager.backward()
    >>> abs(loss - eager.data) < 1e-12, grad.shape
    (True, (13,))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..engine import Value
from ._codegen import compile_passes
from ._grouping import Namer, consts_text, layout, split_by_sources
from ._instructions import _Array, _Elementwise, _Matmul, _WeightedSums
from ._takes import Take
from .tracing import Trace, TraceError, trace_function

__all__ = ["CompiledLoss", "compile_loss", "TraceError"]

X, Y, P, K = 0, 1, 2, 3  # the arrays every program starts from: inputs, labels, p, constants


class CompiledLoss:
    """A per-sample loss compiled to array operations over a batch.

    Made by :func:`compile_loss`. The loss of a batch is the mean of the per-sample losses,
    plus the penalty (if one was traced), exactly as the library's losses define it.

    Attributes:
        params: the parameters (Values), in the order given (the order of the gradient
            :meth:`value_and_grad` returns).
        layout: the same Values in the order of :attr:`flat`: each group of weighted sums
            that becomes a matrix product (a layer) has its weights there row by row, then
            its biases, so that the weights are one matrix in memory; then the others.
        flat: the parameters' values as one array, in :attr:`layout` order; the program
            reads the parameters from it (:meth:`pull` refreshes it from the Values).
        grad: the gradient of the last backward pass, in :attr:`layout` order.
        outputs_are_list: whether the traced model returned a list of outputs.
        program: the instructions, in order; ``source``: the Python functions they are
            written out as.
    """

    def __init__(self, trace_: Trace, params: Sequence[Value]):
        self.params = list(params)
        self.trace = trace_
        self.outputs_are_list = trace_.outputs_are_list
        order = layout(trace_, len(self.params))
        self.layout = [self.params[j] for j in order]
        # _at[j]: where the j-th given parameter sits in flat
        self._at = np.empty(len(order), dtype=np.intp)
        self._at[order] = np.arange(len(order))
        self.flat = np.array([p.data for p in self.layout], dtype=float)
        self.grad = np.zeros_like(self.flat)
        self._flat_row = self.flat[None, :]  # flat's storage never moves (views read it)
        self._one = np.ones((1, 1))
        self._one.flags.writeable = False
        consts = [i for i, k in enumerate(trace_.kinds) if k == "const"]
        self._consts = np.array([[trace_.slots[i] for i in consts]], dtype=float)
        self._build(trace_, consts)

    # --- compiling ------------------------------------------------------------------------

    def _build(self, tr: Trace, consts: list[int]) -> None:
        n = len(tr)
        arrays = self.arrays = [
            _Array("x", tr.n_inputs, True, False),
            _Array("y", tr.n_labels, True, False),
            _Array("p", len(self.params), False, True),
            _Array("k", len(consts), False, False),
        ]
        loc = [None] * n
        batched = [False] * n
        needs = [False] * n
        level = [0] * n
        const_col = {i: c for c, i in enumerate(consts)}
        base = {"input": X, "label": Y, "param": P}
        for i, kind in enumerate(tr.kinds):
            if kind == "op":
                ps = tr.parents[i]
                batched[i] = any(batched[p] for p in ps)
                needs[i] = any(needs[p] for p in ps)
                level[i] = 1 + max(level[p] for p in ps)
            elif kind == "const":
                loc[i] = (K, const_col[i])
            else:
                slot = int(self._at[tr.slots[i]]) if kind == "param" else tr.slots[i]
                loc[i] = (base[kind], slot)
                batched[i] = kind != "param"
                needs[i] = kind == "param"
        persistent = {P: (self.flat, self.grad)}
        by_level: dict[int, dict] = {}
        for i in range(n):
            if tr.kinds[i] != "op":
                continue
            ps = tr.parents[i]
            op = tr.ops[i]
            if op == "wsum":
                k = (len(ps) - 1) // 2
                ws, xs, b = ps[:k], ps[k : 2 * k], ps[-1]
                if not any(batched[p] for p in (*ws, b)):
                    key = ("matmul", k, tuple(xs))
                else:
                    key = ("wsum", k)
            else:
                key = ("op", op)  # tagged: a primitive may be named "matmul"
            by_level.setdefault(level[i], {})
            by_level[level[i]].setdefault(key, []).append(i)
        self.program = []
        names = Namer(tr.names)
        for lev in sorted(by_level):
            # operands are placed by now (they sit at lower levels)
            for key, members in by_level[lev].items():
                for group in split_by_sources(key, members, tr, loc):
                    out = len(arrays)
                    arrays.append(
                        _Array(
                            names.name(group),
                            len(group),
                            any(batched[i] for i in group),
                            any(needs[i] for i in group),
                            group,
                        )
                    )
                    self.program.append(self._instruction(key, group, out, tr, loc, persistent))
                    for col, i in enumerate(group):
                        loc[i] = (out, col)
        self._loc = loc
        writers = {_Elementwise: "elementwise", _Matmul: "matmul"}
        self._forward, self._backward_passes, self.source = compile_passes(self.program, writers)
        self._seeds = {}
        # the widest array a run makes per sample, and the batch sizes the heap has room for
        self._widest = max((a.width for a in arrays if a.batched), default=1)
        self._roomy: set[int] = set()
        self._root = Take(np.array([loc[tr.root]]), arrays)
        self._penalty = None if tr.penalty is None else Take(np.array([loc[tr.penalty]]), arrays)
        self._outputs = Take(np.array([loc[i] for i in tr.outputs]), arrays) if tr.outputs else None

    def _instruction(self, key, group, out, tr, loc, persistent):
        arrays = self.arrays
        kind = key[0]
        if kind in ("matmul", "wsum"):
            ps = [tr.parents[i] for i in group]
            k = (len(ps[0]) - 1) // 2
            w = np.array([[loc[p] for p in q[:k]] for q in ps])
            a = np.array([[loc[p] for p in q[k : 2 * k]] for q in ps])
            b = np.array([loc[q[-1]] for q in ps])
            if kind == "matmul":
                # the sums do not depend on the order of their (weight, input) pairs: put the
                # inputs in the order they sit in memory (an L2 term's parameters, given in
                # the model's order, then read the flat array whole, not gathered)
                order = np.lexsort((a[0, :, 1], a[0, :, 0]))
                if (order != np.arange(k)).any():
                    a, w = a[:, order], w[:, order]
                return _Matmul(
                    out,
                    Take(a[0], arrays),
                    Take(w, arrays, persistent=persistent),
                    Take(b, arrays, persistent=persistent),
                )
            return _WeightedSums(out, k, Take(w, arrays), Take(a, arrays), Take(b, arrays))
        arity = len(tr.parents[group[0]])
        takes = [
            Take(np.array([loc[tr.parents[i][r]] for i in group]), arrays, broadcast=True)
            for r in range(arity)
        ]
        return _Elementwise(key[1], out, takes, len(group))

    # --- running --------------------------------------------------------------------------

    def pull(self) -> None:
        """Copy the parameters' current values into :attr:`flat`."""
        self.flat[:] = [p.data for p in self.layout]

    def push(self, grads: bool = False) -> None:
        """Write :attr:`flat` back into the parameters' ``data`` (and ``grad`` if asked)."""
        for p, v in zip(self.layout, self.flat.tolist()):
            p.data = v
        if grads:
            for p, v in zip(self.layout, self.grad.tolist()):
                p.grad = v

    def batch(self, X: Sequence, y: Sequence | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The arrays a run needs for samples ``X`` and labels ``y``: inputs, label numbers.

        Raises:
            ValueError: if the batch is empty, or the samples or labels are not numbers of
                the shape the program was made for.
        """
        tr = self.trace
        rows = np.asarray(X, dtype=float)
        if rows.ndim == 1 and tr.scalar_input:
            rows = rows[:, None]
        if rows.ndim != 2 or rows.shape[1] != tr.n_inputs:
            raise ValueError(
                f"expected samples of {tr.n_inputs} number(s), got an array of shape {rows.shape}"
            )
        if not len(rows):
            raise ValueError("the batch is empty: give at least one sample")
        if tr.label_form is None:
            return rows, np.empty((len(rows), 0))
        labels = np.asarray(y, dtype=float)
        if tr.label_form == "number" and labels.ndim == 1:
            labels = labels[:, None]
        if labels.shape != (len(rows), tr.n_labels):
            raise ValueError(
                f"expected {len(rows)} label(s) of {tr.n_labels} number(s) each "
                f"({'a number' if tr.label_form == 'number' else 'a list'}), got an array of "
                f"shape {labels.shape}"
            )
        return rows, labels

    def run(
        self, rows: np.ndarray, labels: np.ndarray, *, grad: bool = True, outputs: bool = False
    ) -> tuple[float, np.ndarray | None]:
        """Forward (and backward) over a batch given as arrays (see :meth:`batch`).

        Uses :attr:`flat` as the parameters and leaves the gradient in :attr:`grad`.

        Returns:
            ``(loss, outputs)``: the mean per-sample loss plus the penalty, and the model's
            outputs as an array (batch, outputs) if asked for, else None.
        """
        with np.errstate(all="ignore"):
            return self.run_unchecked(rows, labels, outputs, grad)

    def run_unchecked(
        self, rows: np.ndarray, labels: np.ndarray, outputs: bool = False, grad: bool = True
    ) -> tuple[float, np.ndarray | None]:
        """:meth:`run` for a caller that has set NumPy's error state (``np.errstate``)
        itself: inf and nan are let through, for the caller to test."""
        if len(rows) not in self._roomy:
            self._roomy.add(len(rows))
            _roomy_heap(2 * 8 * len(rows) * self._widest)
        env = [None] * len(self.arrays)
        env[X], env[Y], env[P], env[K] = rows, labels, self._flat_row, self._consts
        for forward in self._forward:
            forward(env)
        per_sample = self._root.read(env)[:, 0]
        size = len(rows)
        loss = (
            float(per_sample.sum() * (1.0 / size)) if len(per_sample) > 1 else float(per_sample[0])
        )
        if self._penalty is not None:
            loss = loss + float(self._penalty.read(env)[0, 0])
        out = None
        if outputs and self._outputs is not None:
            out = self._outputs.read(env)
            if out.shape[0] != size:  # outputs that do not depend on the sample
                out = np.broadcast_to(out, (size, out.shape[1]))
        if grad:
            self._backward(env, size, len(per_sample))
        return loss, out

    def _backward(self, env, size, rows):
        n = len(self.arrays)
        adj = [None] * n
        owned = [False] * n
        self.grad.fill(0.0)
        adj[P], owned[P] = self.grad[None, :], True
        # the seed is read, never written (adds copy what they do not own): kept per size
        seed = self._seeds.get((rows, size))
        if seed is None:
            seed = np.full((rows, 1), 1.0 / size if rows > 1 else 1.0)
            seed.flags.writeable = False
            self._seeds[(rows, size)] = seed
        self._root.add(adj, owned, seed)
        if self._penalty is not None:
            self._penalty.add(adj, owned, self._one)
        for backward in self._backward_passes:
            backward(env, adj, owned)

    def value_and_grad(self, X: Sequence, y: Sequence | None = None) -> tuple[float, np.ndarray]:
        """The batch's loss and its gradient with respect to :attr:`params`.

        Reads the parameters' current values first.

        Args:
            X: the samples.
            y: their labels (None if the function takes none).

        Returns:
            ``(loss, grad)``: a float and the gradient as a new array, in :attr:`params`
            order.

        Raises:
            ValueError: if the batch is empty or not of the shape traced, or the loss or a
                gradient is not finite (run the function with the engine to see which
                operation fails, and why).
        """
        self.pull()
        loss, _ = self.run(*self.batch(X, y))
        if not (np.isfinite(loss) and np.isfinite(self.grad).all()):
            raise ValueError(
                "the compiled program's loss or gradient is not a finite number; run the "
                "function with the engine on these samples to see which operation fails"
            )
        return loss, self.grad[self._at]

    def __call__(self, X: Sequence, y: Sequence | None = None) -> float:
        """The batch's loss (the parameters' current values are read first)."""
        self.pull()
        return self.run(*self.batch(X, y), grad=False)[0]

    # --- reading --------------------------------------------------------------------------

    def __str__(self) -> str:
        arrays = self.arrays
        head = (
            f"program(x: B×{arrays[X].width}, y: B×{arrays[Y].width}; "
            f"p: {arrays[P].width}, k: {arrays[K].width} = {consts_text(self._consts[0])})"
        )
        fwd, back = [], []
        for ins in self.program:
            f, b = ins.lines(arrays)
            spec = arrays[ins.out]
            shape = f"B×{spec.width}" if spec.batched else f"{spec.width}"
            note = f"# {shape}{'' if spec.batched else ', once per batch'}"
            fwd.append(f"  {f:<44} {note}" if len(f) < 44 else f"  {f}  {note}")
            back.append(b)
        root = self._root.text()
        total = f"mean({root})" + (f" + {self._penalty.text()}" if self._penalty else "")
        lines = [head, " forward:", *fwd, f"  loss = {total}", " backward:", f"  d{root} = 1/B"]
        if self._penalty:
            lines.append(f"  d{self._penalty.text()} = 1")
        for b in reversed(back):
            lines.extend("  " + line for line in b)
        lines.append(" grad = dp")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<CompiledLoss: {len(self.program)} array operations for {len(self.trace)} nodes per "
            f"sample, {len(self.params)} parameters>"
        )


def _roomy_heap(nbytes: int) -> None:
    """Let the C allocator keep the arrays of a run, of up to ``nbytes``, in its heap.

    glibc's malloc hands blocks over 128 KB out with mmap and gives them back to the system
    when they are freed, so each run would fault in fresh pages for every large array it
    makes (a 2-64-64-1 step on 1,000 points took 2.2 ms instead of 0.75 ms, three quarters
    of it in the kernel). Freeing one block raises that threshold to the block's size (up
    to 32 MB), after which blocks that size are reused from the heap: this allocates one,
    never touched, and frees it at once. Elsewhere it costs a microsecond and changes
    nothing.
    """
    np.empty(min(max(nbytes, 4 << 20), 32 << 20), dtype=np.uint8)


def compile_loss(
    fn: Callable,
    params: Sequence[Value],
    X: Sequence,
    y: Sequence | None = None,
    *,
    penalty: Callable[[], Value] | None = None,
) -> CompiledLoss:
    """Trace a per-sample loss into a :class:`CompiledLoss` that runs over whole batches.

    Args:
        fn: ``fn(x, label) -> loss`` for one sample, written with Values as for the engine
            (``fn(x)`` when ``y`` is None). It runs once, on Values that stand for any
            sample: ``x`` a list of them (one Value if the samples are numbers), ``label``
            one Value (labels that are numbers) or a list of them (labels that are lists of
            numbers). It may also return ``(loss, outputs)``, with the model's output(s),
            which :meth:`CompiledLoss.run` can then return per sample.
        params: the parameters: the Values the gradient is taken with respect to.
        X: samples of the shape the program will run on (each a list of numbers, or a
            number); only their shape is read.
        y: labels of the shape it will run on (numbers, or lists of numbers), or None.
        penalty: a function of no arguments returning a term of the parameters only (such
            as ``lambda: l2(params, 1e-4)``), added once to the batch's mean loss.

    Returns:
        The compiled loss.

    Raises:
        TraceError: if the function uses the number of a value that depends on the sample,
            its label or the parameters (it branches on ``.data``, or computes a constant
            from it), or ``X`` or ``y`` is not numbers of one shape.
    """
    rows = _numbers(X, "X", "samples")
    n_labels, form = 0, None
    if y is not None:
        labels = _numbers(y, "y", "labels")
        if len(labels) != len(rows):
            raise TraceError(f"got {len(rows)} samples but {len(labels)} labels")
        n_labels, form = (1, "number") if labels.ndim == 1 else (labels.shape[1], "list")
    tr = trace_function(
        fn,
        params,
        1 if rows.ndim == 1 else rows.shape[1],
        scalar_input=rows.ndim == 1,
        n_labels=n_labels,
        label_form=form,
        penalty=penalty,
    )
    return CompiledLoss(tr, params)


def _numbers(values: Sequence, name: str, what: str) -> np.ndarray:
    """``values`` as a 1-D or 2-D array of floats, at least one row."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise TraceError(f"{name} must be {what} made of numbers, of one shape: {err}") from None
    if array.ndim not in (1, 2) or not len(array):
        raise TraceError(
            f"{name} must be a non-empty list of {what}, each a number or a list of numbers; "
            f"got an array of shape {array.shape}"
        )
    return array
