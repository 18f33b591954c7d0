"""Recording a per-sample function: run it on every sample, compare, keep one graph.

A per-sample function (a model and a loss written with ``Value``\\ s, as users write them) is
run with the engine on every sample of the data (one forward pass per sample, the cost of
one eager step): its graph is the *trace*. Each leaf of the
graph is a parameter (one of the Values given as parameters), an input (the tracer makes the
sample's numbers into Values), or a constant: a number the code used. A constant that is the
same on every sample stays a constant; one that changes with the label (the ``y`` in
``1 - y·s``) becomes a per-sample column computed from each sample's label.

Code that branches on ``.data`` would be frozen at the branch it took when traced, so the
graphs of all the samples (and of the first one with the parameters nudged) must be the
same: the same operations in the same order, wired to the same operands, with constants in
the same places; otherwise :class:`TraceError` names the first node where they part and
says how to write it without a branch. Parameters change in training and a branch may flip
later: :meth:`Trace.check` runs the same comparison on a batch at the current parameters
(``fit`` calls it now and then while it trains through the program).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..engine import Value
from ._errors import TraceError
from ._graphs import NO_LABEL, Compared, Run, compare, describe_node, run_once
from ._labels import (
    MAX_LABEL_TABLE,
    MAX_LABELS_VERIFIED,
    exact_affine,
    key,
    label_matrix,
    spanning,
)

__all__ = ["TraceError", "Trace", "record", "MAX_LABEL_TABLE", "MAX_COMPARED"]


class Trace:
    """One recorded graph, in topological order, with what each leaf is.

    Attributes:
        kinds: per node, ``"param"``, ``"input"``, ``"label"``, ``"const"`` or ``"op"``.
        ops: per node, the primitive's name (``""`` for a leaf).
        parents: per node, the indices of its operands (``()`` for a leaf).
        slots: per leaf, its parameter, input or label-column index (or its constant value).
        names: per node, its label or None.
        root: index of the per-sample loss; ``penalty``: of the parameter-only term or None.
        outputs: indices of the model's outputs; ``outputs_are_list``: whether the model
            returned a list.
        n_inputs: numbers per sample; ``scalar_input``: the samples are single numbers.
        label_columns: ``label_columns(labels)`` gives the label constants of each sample,
            an array of shape (len(labels), number of label columns).
    """

    def __init__(self):
        self.kinds: list[str] = []
        self.ops: list[str] = []
        self.parents: list[tuple[int, ...]] = []
        self.slots: list = []
        self.names: list[str | None] = []
        self.root = 0
        self.penalty: int | None = None
        self.outputs: list[int] = []
        self.outputs_are_list = False
        self.n_inputs = 0
        self.scalar_input = False
        self.n_label_columns = 0
        self.label_columns: Callable[[Sequence], np.ndarray] = lambda labels: np.empty(
            (len(labels), 0)
        )
        self._checker: Callable = lambda trace, rows, labels: None

    def __len__(self) -> int:
        return len(self.kinds)

    def check(self, X: Sequence, y: Sequence | None = None) -> None:
        """Run the traced function with the engine on the samples ``X`` (labels ``y``) at the
        parameters' current values and check that each builds the traced graph, with the
        traced constants (one forward pass per sample, no backward).

        Raises:
            TraceError: naming the first node that differs, as :func:`record` does.
        """
        rows = np.asarray(X, dtype=float)
        if rows.ndim == 1:
            rows = rows[:, None]
        self._checker(self, rows, None if y is None else list(y))


def record(
    fn: Callable,
    params: Sequence[Value],
    X: Sequence,
    y: Sequence | None = None,
    *,
    penalty: Callable[[], Value] | None = None,
    samples: int = 0,
) -> Trace:
    """Trace ``fn`` on the samples of ``(X, y)`` and check that one graph serves them all.

    The graphs of up to MAX_COMPARED samples, spread over the data and including one of
    each label, are compared with the first sample's (each costs one eager forward pass);
    checks during training (:meth:`Trace.check`) compare more as the batches come.

    Args:
        fn: ``fn(x, label)`` (or ``fn(x)`` when ``y`` is None) returning the sample's loss,
            or ``(loss, outputs)`` with the model's output(s) to report.
        params: the parameters (Values); every other leaf is an input or a constant.
        X: the samples (each a sequence of numbers, or a number).
        y: the labels, or None.
        penalty: a function of no arguments returning a term that depends on the
            parameters only (such as L2); traced with the rest, computed once per batch.
        samples: compare this many samples (spread over the data, and one of each label)
            instead of MAX_COMPARED: for code known to take one path (the library's models
            and losses), the samples only show which constants come from the label.

    Returns:
        The :class:`Trace`.

    Raises:
        TraceError: if the graphs differ between samples, or a constant depends on the
            sample's inputs or on the parameters rather than on its label alone.
    """
    params = list(params)
    for j, p in enumerate(params):
        if type(p) is not Value:
            raise TraceError(f"parameter {j} is a {type(p).__name__}, not a Value")
        if p.parents:
            raise TraceError(
                f"parameter {j} ({p.label or p.op} = {p.data!r}) is made by an operation "
                "from other Values, not a leaf: the compiled program reads parameters as "
                "numbers of their own (train it eagerly, or make it a Value of its own)"
            )
    params_at = {p: j for j, p in enumerate(params)}
    if len(params_at) != len(params):
        raise TraceError("a parameter is listed twice")
    rows = np.asarray(X, dtype=float)
    if rows.ndim not in (1, 2) or len(rows) == 0:
        raise TraceError(
            f"X must be a list of samples, each a list of numbers; got shape {rows.shape}"
        )
    scalar_input = rows.ndim == 1
    if scalar_input:
        rows = rows[:, None]
    n = len(rows)
    labels = [NO_LABEL] * n if y is None else list(y)
    if len(labels) != n:
        raise TraceError(f"got {n} samples but {len(labels)} labels")
    try:
        keys = [0.0] * n if y is None else [key(v) for v in labels]
        if y is not None:
            label_matrix(labels[:1])  # numbers as floats
    except (TypeError, ValueError, OverflowError) as err:
        raise TraceError(
            f"the labels must be numbers or lists of numbers, as floats, to be replayed over "
            f"a batch ({type(err).__name__}: {err})"
        ) from None

    # Every sample, at the current parameters: the graph (operations, wiring, where the
    # constants are) must be the same, and the constants a function of the label.
    base, root, outs, as_list, pen = run_once(
        fn, params_at, rows[0], labels[0], penalty, scalar_input
    )
    first = (root, outs, as_list, pen)
    # the others without the penalty (its nodes come last, the same for every sample)
    first_sample = Compared(fn, params_at, scalar_input, rows[0], labels[0])
    plain = first_sample.plain
    values = np.empty((n, len(plain.consts)))
    values[0] = plain.const_values()
    if samples and y is not None:
        # a few more samples than label numbers, for the label constants' form to show
        samples = max(samples, label_matrix(labels[:1]).shape[1] + 8)
    compared = _spread(n, samples or MAX_COMPARED)
    firsts = {}
    for i, k in enumerate(keys):
        firsts.setdefault(k, i)
    if len(firsts) <= MAX_LABEL_TABLE:
        # every label among the samples compared: its constants are looked up by label
        compared = sorted(set(compared) | set(firsts.values()))
    else:
        # each constant must be o + s·t of one number t of the label, found on the samples
        # compared: take samples on which every number of the label varies as much as in
        # the whole data (so that a constant that follows one varies there too, and is not
        # taken for a fixed one, however the labels are spread) and a few more distinct
        # labels (so that a dependence of another form, a one-hot class, shows)
        numbers = label_matrix(labels)
        distinct = sorted(firsts.values(), key=lambda i: numbers[i].tolist())
        more = [distinct[i] for i in _spread(len(distinct), 16)]
        compared = sorted(set(compared) | set(spanning(numbers)) | set(more))
    values = values[: len(compared)]
    for row_at, i in enumerate(compared[1:], 1):
        values[row_at] = first_sample.run(rows[i], labels[i], f"sample {i}")

    # The same sample with the parameters nudged: a constant computed from .data of a value
    # that depends on them (a max taken for stability, a stop-gradient) changes here.
    nudged = None
    saved = [p.data for p in params]
    try:
        for p in params:
            p.data = p.data * (1.0 + 1e-6) + 1e-6
        nudged, *_ = run_once(fn, params_at, rows[0], labels[0], penalty, scalar_input)
    except (ArithmeticError, ValueError):
        nudged = None
    finally:
        for p, v in zip(params, saved):
            p.data = v
    if nudged is not None:
        compare(base, nudged, "the same sample with the parameters changed a little")
        moved = np.flatnonzero(np.array(nudged.const_values()) != np.array(base.const_values()))
        if len(moved):
            _refuse_constant(base, base.consts[moved[0]], "the parameters")

    probe_labels = [labels[i] for i in compared]
    keys = [keys[i] for i in compared]
    # looked up by label only when every label of the data is among those compared
    table_mode = len(firsts) <= MAX_LABEL_TABLE
    varying = np.flatnonzero((values != values[0]).any(axis=0)) if n else []
    trace = Trace()
    label_col = {}
    if len(varying):
        if y is None:
            _refuse_constant(base, base.consts[varying[0]], "the sample's inputs")
        probe_keys = keys
        table = values[:, varying]
        if table_mode:
            by_key = {}
            for k, row in zip(probe_keys, table):
                if k in by_key and not np.array_equal(by_key[k], row):
                    bad = int(np.flatnonzero(by_key[k] != row)[0])
                    _refuse_constant(base, base.consts[varying[bad]], "the sample's inputs")
                by_key[k] = row

            width = len(varying)

            def label_columns(ls, by_key=by_key, width=width):
                if not len(ls):
                    return np.empty((0, width))
                try:
                    return np.array([by_key[key(v)] for v in ls], dtype=float)
                except (KeyError, TypeError):
                    missing = next(v for v in ls if _unknown(v, by_key))
                    raise ValueError(
                        f"label {missing!r} is not one of the {len(by_key)} labels the "
                        "program was traced with, whose constants it looks up by label; "
                        "trace it on data that has every label"
                    ) from None

        else:
            fits = exact_affine(label_matrix(probe_labels), table)
            if fits is None:
                _refuse_varying(base, base.consts[varying[0]])
            js = np.array([f[0] for f in fits], dtype=np.intp)
            divides = np.array([f[1] for f in fits])
            factors = np.array([f[2] for f in fits])
            offsets = np.array([f[3] for f in fits])

            def label_columns(ls, js=js, divides=divides, factors=factors, offsets=offsets):
                if not len(ls):
                    return np.empty((0, len(js)))
                t = label_matrix(ls)[:, js]
                with np.errstate(all="ignore"):
                    return np.where(divides, offsets + t / factors, offsets + factors * t)

            if not samples:
                # code of your own may compute a label's constants any way it likes: each
                # distinct label not compared yet is run once and checked against the form
                seen = set(compared)
                todo = [i for i in firsts.values() if i not in seen]
                if len(todo) > MAX_LABELS_VERIFIED:
                    todo = [todo[k] for k in _spread(len(todo), MAX_LABELS_VERIFIED)]
                _verify_labels(first_sample, plain, varying, label_columns, rows, labels, todo)

        trace.label_columns = label_columns
        trace.n_label_columns = len(varying)
        label_col = {base.consts[j]: c for c, j in enumerate(varying)}

    for i, (v, d) in enumerate(zip(base.nodes, base.desc)):
        trace.names.append(v.label)
        if v.parents:
            trace.kinds.append("op")
            trace.ops.append(v.op)
            trace.parents.append(d[1])
            trace.slots.append(None)
            continue
        trace.ops.append("")
        trace.parents.append(())
        if d[0] == "const":
            if i in label_col:
                trace.kinds.append("label")
                trace.slots.append(label_col[i])
            else:
                trace.kinds.append("const")
                trace.slots.append(v.data)
        else:
            trace.kinds.append(d[0])
            trace.slots.append(d[1])
    trace.root, trace.outputs, trace.outputs_are_list, trace.penalty = first
    trace.n_inputs = rows.shape[1]
    trace.scalar_input = scalar_input
    fixed = np.array(plain.const_values())
    fixed[varying] = np.nan  # label constants: from the label columns
    trace._checker = _Checker(first_sample, fixed, list(varying))
    return trace


class _Checker:
    """Runs the function on a batch at the current parameters and compares with the trace."""

    def __init__(self, first_sample: Compared, fixed, varying):
        self.first_sample, self.fixed, self.varying = first_sample, fixed, varying

    def __call__(self, trace: Trace, rows: np.ndarray, labels: Sequence | None) -> None:
        fixed = self.fixed
        expected = np.broadcast_to(fixed, (len(rows), len(fixed))).copy()
        if self.varying:
            expected[:, self.varying] = trace.label_columns(list(labels))
        for i in _spread(len(rows)):
            label = NO_LABEL if labels is None else labels[i]
            where = f"sample {i} of the batch at the current parameters"
            got = self.first_sample.run(rows[i], label, where)
            bad = np.flatnonzero(got != expected[i])
            if len(bad):
                run = self.first_sample.describe(rows[i], label)  # the graph of the first
                _refuse_constant(run, run.consts[bad[0]], "the parameters or the sample")


MAX_COMPARED = 256
"""Samples whose graphs are compared with the first at once (spread over the data): a
larger data set is compared on that many, and each check during training on as many of
its batch, so a check costs at most that many eager forward passes."""


def _spread(n: int, most: int = MAX_COMPARED) -> list[int]:
    """Indices of at most ``most`` (at least 2) samples of n, spread evenly, the first and
    last in."""
    most = max(2, most)
    if n <= most:
        return list(range(n))
    return sorted({round(k * (n - 1) / (most - 1)) for k in range(most)})


def _unknown(label, by_key: dict) -> bool:
    try:
        return key(label) not in by_key
    except TypeError:
        return True


def _verify_labels(first_sample, plain, varying, label_columns, rows, labels, todo) -> None:
    """Run the function on the samples ``todo`` (one of each label not compared yet) and
    refuse a label constant that is not what its ``o + s·t`` form gives."""
    fixed = np.array(plain.const_values())
    for i in todo:
        want = fixed.copy()
        want[varying] = label_columns([labels[i]])[0]
        got = first_sample.run(rows[i], labels[i], f"sample {i}")
        bad = np.flatnonzero(got != want)
        if len(bad):
            run = first_sample.describe(rows[i], labels[i])
            _refuse_varying(run, run.consts[bad[0]], f" at sample {i} (label {labels[i]!r})")


def _refuse_varying(run: Run, i: int, where: str = "") -> None:
    v = run.nodes[i]
    raise TraceError(
        f"node #{i}, the number {v.data!r}{where}, changes from sample to sample, and there "
        f"are more "
        f"than {MAX_LABEL_TABLE} distinct labels to look it up by label: a compiled program "
        "computes such a number from each sample's label only as o + s·t or o + t/d of one "
        "number t of the label (t, -t, 1 - t, t / 10), and this one is neither (computed "
        "from .data of the sample, or from the label some other way). Compute it with Values "
        "inside the function, or train eagerly (compiled=False)."
    )


def _refuse_constant(run: Run, i: int, source: str) -> None:
    v = run.nodes[i]
    users = [w for w in run.nodes if any(p is v for p in w.parents)]
    used = f", used by {describe_node(run, run.nodes.index(users[0]))}" if users else ""
    raise TraceError(
        f"node #{i}, the number {v.data!r}{used}, changes with {source}: it is a number "
        "computed from .data (a max taken for stability, a value used as a constant), which "
        "a compiled program would freeze at its traced value. Compute it with Values "
        "(b + relu(a - b) for max(a, b)), or train eagerly (compiled=False)."
    )
