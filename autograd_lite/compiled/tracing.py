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
from itertools import filterfalse

import numpy as np

from ..engine import Value, topo_order

__all__ = ["TraceError", "Trace", "record"]

MAX_LABEL_TABLE = 64
"""Up to this many distinct labels, label constants are looked up by label; beyond, each
must be ``o + s·t`` of one number ``t`` of the label, computed exactly so (as ``y``, ``-y``,
``1 - y`` or a target ``t`` are), and is computed so for each sample."""

_HOW_TO = (
    "Code that tests .data (if x.data > 0: ...) takes one path per sample, and a compiled "
    "program replays one path for every sample. Write the choice with arithmetic on Values "
    "instead: relu(x) for max(x, 0), abs(x), b + relu(a - b) for max(a, b), or a weighted sum "
    "with 0/1 weights made from the label; or train eagerly (compiled=False)."
)


class TraceError(ValueError):
    """A function that the compiled path cannot replay over a batch, and why."""


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


class _Run:
    """One run of the function on one sample: its nodes and what each one is."""

    def __init__(self, nodes: list[Value], desc: list[tuple], consts: list[int]):
        self.nodes = nodes
        self.desc = desc
        self.consts = consts  # indices of constant leaves, in order

    def const_values(self) -> list[float]:
        return [self.nodes[i].data for i in self.consts]


_NO_LABEL = object()


def _split(result) -> tuple[Value, list[Value], bool]:
    """The function's result as (loss, outputs, whether the outputs were a list)."""
    if isinstance(result, tuple) and len(result) == 2:
        loss, outs = result
        if isinstance(outs, (list, tuple)):
            return loss, list(outs), True
        return loss, [outs], False
    return result, [], False


def _call(fn, row, label, scalar_input):
    """Run fn on one sample: (the input Values, the loss, the outputs, whether a list)."""
    xs = [Value(float(v), f"x_{k + 1}") for k, v in enumerate(row)]
    arg = xs[0] if scalar_input else xs
    try:
        result = fn(arg) if label is _NO_LABEL else fn(arg, label)
    except TraceError:
        raise
    except Exception as err:
        # the user's code failed, not the tracer: say so, keeping the error's type
        note = (
            "(raised by the function being traced, run with the engine on one sample of "
            "the data: the error is in that function, not in the compiled path)"
        )
        if hasattr(err, "add_note"):
            err.add_note(note)
        elif len(err.args) == 1 and isinstance(err.args[0], str):
            err.args = (f"{err.args[0]} {note}",)
        raise
    loss, outs, as_list = _split(result)
    if type(loss) is not Value:
        raise TraceError(
            f"the per-sample function must return a Value (the sample's loss), "
            f"got {type(loss).__name__}"
        )
    for i, o in enumerate(outs):
        if type(o) is not Value:
            raise TraceError(f"output {i} of the per-sample function is not a Value")
    return xs, loss, outs, as_list


class _Shape:
    """A cheap description of one sample's graph, for comparing samples with the first.

    The description lists the nodes other than parameters and inputs, in a depth-first
    post-order from the loss and then the outputs, each as ``(op, codes of its operands)``
    (``None`` for a constant): an operand is coded by its place in the list, or by a
    negative number for a parameter or an input; a last entry gives the codes of the loss
    and the outputs. Two samples build the same graph, and return the same nodes of it,
    exactly when their descriptions are equal. Parameters are never walked into, so a
    sample costs about its forward pass however many parameters the model has.
    """

    def __init__(self, params_at: dict):
        self.known = {p: -1 - j for j, p in enumerate(params_at)}
        self.first_input = -1 - len(self.known)

    def of(self, xs, loss, outs) -> tuple[list, list[Value]]:
        """``(desc, constants)`` of a run: the constants as Values, in the list's order."""
        codes = dict(self.known)
        for k, x in enumerate(xs):
            codes[x] = self.first_input - k
        have = codes.__contains__
        code = codes.__getitem__
        desc: list = []
        consts: list[Value] = []
        stack: list = []
        push = stack.append
        for root in (loss, *outs):
            if have(root):
                continue
            if not root.parents:  # a constant returned as it is
                codes[root] = len(desc)
                desc.append(None)
                consts.append(root)
                continue
            node, parents = root, filterfalse(have, root.parents)
            while True:
                for p in parents:
                    if p.parents:
                        push((node, parents))
                        node, parents = p, filterfalse(have, p.parents)
                        break
                    codes[p] = len(desc)  # a constant, met for the first time
                    desc.append(None)
                    consts.append(p)
                else:
                    codes[node] = len(desc)
                    desc.append((node.op, tuple(map(code, node.parents))))
                    if not stack:
                        break
                    node, parents = stack.pop()
        # which nodes are the loss and the outputs (a parameter or an input among them too)
        desc.append(("=", tuple(map(code, (loss, *outs)))))
        return desc, consts


class _Compared:
    """Compares samples' graphs and constants with those of the first sample (``plain``,
    run without the penalty), by their :class:`_Shape`."""

    def __init__(self, fn, params_at, scalar_input, row, label):
        self.fn, self.params_at, self.scalar_input = fn, params_at, scalar_input
        self.shape = _Shape(params_at)
        xs, loss, outs, _ = _call(fn, row, label, scalar_input)
        self.plain = _describe(params_at, xs, loss, outs, None)
        self.desc, consts = self.shape.of(xs, loss, outs)
        # the constants in the shape's order, placed in the plain run's order
        where = {id(self.plain.nodes[i]): k for k, i in enumerate(self.plain.consts)}
        self.order = np.array([where[id(c)] for c in consts], dtype=np.intp)

    def describe(self, row, label) -> _Run:
        """The full description of a sample's run (for messages)."""
        xs, loss, outs, _ = _call(self.fn, row, label, self.scalar_input)
        return _describe(self.params_at, xs, loss, outs, None)

    def run(self, row, label, where: str) -> np.ndarray:
        """Run the function on one sample, refuse a graph that differs from the first
        sample's (naming the node, see :func:`_compare`), and return its constants in the
        first sample's order."""
        try:
            xs, loss, outs, _ = _call(self.fn, row, label, self.scalar_input)
        except TraceError as err:
            raise TraceError(
                f"{where}: {err}, where the first sample gave a Value. " + _HOW_TO
            ) from None
        desc, consts = self.shape.of(xs, loss, outs)
        if desc != self.desc:
            if desc[:-1] == self.desc[:-1]:
                raise TraceError(
                    f"the function returns other nodes as its loss or outputs for {where} "
                    "than for the first sample (the same graph, another node returned). " + _HOW_TO
                )
            _compare(self.plain, _describe(self.params_at, xs, loss, outs, None), where)
            raise TraceError(  # the shapes differ, so the full descriptions do too
                f"the function builds a different graph for {where} than for the first "
                "sample. " + _HOW_TO
            )
        values = np.empty(len(consts))
        values[self.order] = [c.data for c in consts]
        return values


def _run_once(fn, params_at, row, label, penalty, scalar_input):
    """Run fn on one sample; return the run, the root, the outputs, their form, the penalty."""
    xs, loss, outs, as_list = _call(fn, row, label, scalar_input)
    run, root, out_at, pen_at = _describe_all(params_at, xs, loss, outs, penalty)
    return run, root, out_at, as_list, pen_at


def _describe(params_at, xs, loss, outs, penalty) -> _Run:
    """The full description of a run (every node, parameters included, in topo order)."""
    return _describe_all(params_at, xs, loss, outs, penalty)[0]


def _describe_all(params_at, xs, loss, outs, penalty):
    nodes = topo_order(loss)
    index = {v: i for i, v in enumerate(nodes)}
    extra = [*outs]
    pen = penalty() if penalty is not None else None
    if pen is not None:
        if type(pen) is not Value:
            raise TraceError(f"the penalty must return a Value, got {type(pen).__name__}")
        extra.append(pen)
    for v in extra:
        if v not in index:
            for w in topo_order(v):
                if w not in index:
                    index[w] = len(nodes)
                    nodes.append(w)
    inputs = {v: k for k, v in enumerate(xs)}
    desc, consts = [], []
    at, param, given = index.__getitem__, params_at.get, inputs.get
    for i, v in enumerate(nodes):
        if v.parents:
            desc.append((v.op, tuple(map(at, v.parents))))
            continue
        j = param(v)
        if j is not None:
            desc.append(("param", j))
            continue
        k = given(v)
        if k is not None:
            desc.append(("input", k))
        else:
            desc.append(("const",))
            consts.append(i)
    run = _Run(nodes, desc, consts)
    return run, index[loss], [index[o] for o in outs], (index[pen] if pen is not None else None)


def _name(v: Value) -> str:
    if v.label:
        return repr(v.label)
    if v.op:
        return f"a {v.op} node"
    return "a constant" if not v.parents else "a node"


def _what(run: _Run, i: int) -> str:
    if i >= len(run.nodes):
        return "nothing (the graph ends before it)"
    v = run.nodes[i]
    kind = run.desc[i]
    if v.op:
        args = ", ".join(_name(run.nodes[p]) for p in kind[1])
        return f"{v.op}({args}){' labelled ' + repr(v.label) if v.label else ''}"
    return {"param": "a parameter", "input": "an input", "const": "a constant"}[kind[0]] + (
        f" {v.label!r}" if v.label else f" {v.data!r}"
    )


def _compare(first: _Run, other: _Run, where: str) -> None:
    """Refuse two runs whose graphs differ, naming the first node (from the loss back)."""
    if first.desc == other.desc:
        return
    # Walk both graphs from their outputs together: the first pair that differs is where
    # the code took another path.
    pairs = [(len(first.desc) - 1, len(other.desc) - 1)]
    seen = set()
    while pairs:
        i, j = pairs.pop(0)
        if (i, j) in seen:
            continue
        seen.add((i, j))
        a, b = first.desc[i], other.desc[j]
        is_op = isinstance(a[-1], tuple)
        if a[0] != b[0] or (is_op and len(a[1]) != len(b[1])) or (not is_op and a != b):
            break
        if is_op:
            pairs.extend(zip(a[1], b[1]))
    else:
        i = j = next(
            (
                k
                for k in range(min(len(first.desc), len(other.desc)))
                if first.desc[k] != other.desc[k]
            ),
            min(len(first.desc), len(other.desc)),
        )
    raise TraceError(
        f"the function builds a different graph for {where} than for the first sample: "
        f"node #{i} is {_what(first, i)} for the first sample, but {_what(other, j)} "
        f"there. " + _HOW_TO
    )


def _key(label):
    if isinstance(label, (list, tuple, np.ndarray)):
        return tuple(float(v) for v in np.ravel(np.asarray(label, dtype=float)))
    return float(label)


def _label_matrix(keys: list) -> np.ndarray:
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


def _exact_affine(L: np.ndarray, table: np.ndarray) -> list[tuple] | None:
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
    labels = [_NO_LABEL] * n if y is None else list(y)
    if len(labels) != n:
        raise TraceError(f"got {n} samples but {len(labels)} labels")
    try:
        keys = [0.0] * n if y is None else [_key(v) for v in labels]
    except (TypeError, ValueError, OverflowError) as err:
        raise TraceError(
            f"the labels must be numbers or lists of numbers, as floats, to be replayed over "
            f"a batch ({type(err).__name__}: {err})"
        ) from None

    # Every sample, at the current parameters: the graph (operations, wiring, where the
    # constants are) must be the same, and the constants a function of the label.
    base, root, outs, as_list, pen = _run_once(
        fn, params_at, rows[0], labels[0], penalty, scalar_input
    )
    first = (root, outs, as_list, pen)
    # the others without the penalty (its nodes come last, the same for every sample)
    compare = _Compared(fn, params_at, scalar_input, rows[0], labels[0])
    plain = compare.plain
    values = np.empty((n, len(plain.consts)))
    values[0] = plain.const_values()
    if samples:
        # a few more samples than label numbers, for the label constants' form to show
        width = len(keys[0]) if isinstance(keys[0], tuple) else 1
        samples = max(samples, width + 8)
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
        distinct = sorted(firsts, key=lambda k: np.ravel(k).tolist())
        more = [firsts[distinct[i]] for i in _spread(len(distinct), 16)]
        compared = sorted(set(compared) | set(_spanning(keys)) | set(more))
    values = values[: len(compared)]
    for row_at, i in enumerate(compared[1:], 1):
        values[row_at] = compare.run(rows[i], labels[i], f"sample {i}")

    # The same sample with the parameters nudged: a constant computed from .data of a value
    # that depends on them (a max taken for stability, a stop-gradient) changes here.
    nudged = None
    saved = [p.data for p in params]
    try:
        for p in params:
            p.data = p.data * (1.0 + 1e-6) + 1e-6
        nudged, *_ = _run_once(fn, params_at, rows[0], labels[0], penalty, scalar_input)
    except (ArithmeticError, ValueError):
        nudged = None
    finally:
        for p, v in zip(params, saved):
            p.data = v
    if nudged is not None:
        _compare(base, nudged, "the same sample with the parameters changed a little")
        moved = np.flatnonzero(np.array(nudged.const_values()) != np.array(base.const_values()))
        if len(moved):
            _refuse_constant(base, base.consts[moved[0]], "the parameters")

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
                    return np.array([by_key[_key(v)] for v in ls], dtype=float)
                except KeyError as err:
                    raise ValueError(
                        f"label {err.args[0]!r} is not one of the {len(by_key)} labels the "
                        "program was traced with, whose constants it looks up by label; "
                        "trace it on data that has every label"
                    ) from None

        else:
            fits = _exact_affine(_label_matrix(probe_keys), table)
            if fits is None:
                _refuse_varying(base, base.consts[varying[0]])
            js = np.array([f[0] for f in fits], dtype=np.intp)
            divides = np.array([f[1] for f in fits])
            factors = np.array([f[2] for f in fits])
            offsets = np.array([f[3] for f in fits])

            def label_columns(ls, js=js, divides=divides, factors=factors, offsets=offsets):
                if not len(ls):
                    return np.empty((0, len(js)))
                t = _label_matrix([_key(v) for v in ls])[:, js]
                with np.errstate(all="ignore"):
                    return np.where(divides, offsets + t / factors, offsets + factors * t)

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
    trace._checker = _Checker(compare, fixed, list(varying))
    return trace


class _Checker:
    """Runs the function on a batch at the current parameters and compares with the trace."""

    def __init__(self, compare: _Compared, fixed, varying):
        self.compare, self.fixed, self.varying = compare, fixed, varying

    def __call__(self, trace: Trace, rows: np.ndarray, labels: Sequence | None) -> None:
        fixed = self.fixed
        expected = np.broadcast_to(fixed, (len(rows), len(fixed))).copy()
        if self.varying:
            expected[:, self.varying] = trace.label_columns(list(labels))
        for i in _spread(len(rows)):
            label = _NO_LABEL if labels is None else labels[i]
            where = f"sample {i} of the batch at the current parameters"
            got = self.compare.run(rows[i], label, where)
            bad = np.flatnonzero(got != expected[i])
            if len(bad):
                run = self.compare.describe(rows[i], label)  # the same graph as the first
                _refuse_constant(run, run.consts[bad[0]], "the parameters or the sample")


MAX_COMPARED = 256
"""Samples whose graphs are compared with the first at once (spread over the data): a
larger data set is compared on that many, and each check during training on as many of
its batch, so a check costs at most that many eager forward passes."""


def _spanning(keys: list) -> list[int]:
    """Indices of at most (label numbers + 1) samples whose rows (1, label...) span the rows
    of every sample: each number of the label that varies in the data varies among them, so
    a constant that follows it varies there too (and an affine function of the label is
    known from them on every sample). Picked greedily, each time the row farthest from the
    span of those picked."""
    labels = _label_matrix(keys)
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


def _spread(n: int, most: int = MAX_COMPARED) -> list[int]:
    """Indices of at most ``most`` (at least 2) samples of n, spread evenly, the first and
    last in."""
    most = max(2, most)
    if n <= most:
        return list(range(n))
    return sorted({round(k * (n - 1) / (most - 1)) for k in range(most)})


def _refuse_varying(run: _Run, i: int) -> None:
    v = run.nodes[i]
    raise TraceError(
        f"node #{i}, the number {v.data!r}, changes from sample to sample, and there are more "
        f"than {MAX_LABEL_TABLE} distinct labels to look it up by label: a compiled program "
        "computes such a number from each sample's label only as o + s·t or o + t/d of one "
        "number t of the label (t, -t, 1 - t, t / 10), and this one is neither (computed "
        "from .data of the sample, or from the label some other way). Compute it with Values "
        "inside the function, or train eagerly (compiled=False)."
    )


def _refuse_constant(run: _Run, i: int, source: str) -> None:
    v = run.nodes[i]
    users = [w for w in run.nodes if any(p is v for p in w.parents)]
    used = f", used by {_what(run, run.nodes.index(users[0]))}" if users else ""
    raise TraceError(
        f"node #{i}, the number {v.data!r}{used}, changes with {source}: it is a number "
        "computed from .data (a max taken for stability, a value used as a constant), which "
        "a compiled program would freeze at its traced value. Compute it with Values "
        "(b + relu(a - b) for max(a, b)), or train eagerly (compiled=False)."
    )
