"""Recording a per-sample function once, with its numbers unknown: the trace.

The function (a model and a loss written with ``Value``\\ s, as users write them) runs once
with the engine, on Values that stand for any sample: its inputs ``x_1, x_2, ...``, the
numbers of its label ``y`` (or ``y_1, y_2, ...``) and the parameters, all holding
:data:`~autograd_lite.unknown.UNKNOWN` as their data (the parameters get theirs back
afterwards). The operations build the graph as usual; the graph is the *trace*. Each of its
leaves is a parameter, an input, a label number, or a constant: a number written in the
code, the same for every sample.

Nothing is compared or guessed afterwards: code that reads the number of a value that
depends on the sample or the parameters (``if x.data > 0``, ``max(s.data for s in ...)``,
``float(x)``, a comparison) raises where it reads it, and :func:`trace_function` refuses the
function with :class:`TraceError`, as ``jax.jit`` refuses Python control flow on traced
values: a program that replays one graph for every sample cannot hold such a choice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..engine import Value, topo_order
from ..unknown import UNKNOWN, UnknownRead
from ._errors import HOW_TO, TraceError

__all__ = ["TraceError", "Trace", "trace_function"]


class Trace:
    """One recorded graph, in topological order, with what each leaf is.

    Attributes:
        kinds: per node, ``"param"``, ``"input"``, ``"label"``, ``"const"`` or ``"op"``.
        ops: per node, the primitive's name (``""`` for a leaf).
        parents: per node, the indices of its operands (``()`` for a leaf).
        slots: per leaf, its parameter, input or label-number index (or its constant value).
        names: per node, its label or None.
        root: index of the per-sample loss; ``penalty``: of the parameter-only term or None.
        outputs: indices of the model's outputs; ``outputs_are_list``: whether the function
            returned them as a list.
        n_inputs: numbers per sample; ``scalar_input``: the function takes one Value, not a
            list.
        n_labels: numbers per label; ``label_form``: ``None`` (no label), ``"number"``
            (one Value) or ``"list"`` (a list of Values).
    """

    def __init__(self, n_inputs: int, scalar_input: bool, n_labels: int, label_form):
        self.kinds: list[str] = []
        self.ops: list[str] = []
        self.parents: list[tuple[int, ...]] = []
        self.slots: list = []
        self.names: list[str | None] = []
        self.root = 0
        self.penalty: int | None = None
        self.outputs: list[int] = []
        self.outputs_are_list = False
        self.n_inputs, self.scalar_input = n_inputs, scalar_input
        self.n_labels, self.label_form = n_labels, label_form

    def __len__(self) -> int:
        return len(self.kinds)


def _placeholder(label: str) -> Value:
    v = Value(0.0, label)
    v.data = UNKNOWN
    return v


def _check_params(params: Sequence[Value]) -> dict[Value, int]:
    """The parameters by index; refuse what is not a leaf Value, or is listed twice."""
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
    return params_at


def _hash_of_known(v: Value) -> int:
    """A Value's hash while a function is traced: its identity's, as always, unless its
    number is unknown. A dict or set lookup of a traced label (``weights.get(t)``) would
    find nothing for every sample, silently; as jax.jit's tracers are unhashable, it is
    refused instead."""
    if v.data is UNKNOWN:
        raise UnknownRead(
            "a value that stands for any sample was looked up by hash (a dict key, a set "
            "member): the lookup cannot depend on the sample's number"
        )
    return object.__hash__(v)


def _run(fn: Callable, x, label, penalty: Callable | None, params: list[Value]):
    """Run ``fn`` (and the penalty) with the parameters' numbers unknown; their numbers
    are back however it ends. Returns ``(result, penalty term or None)``."""
    saved = [p.data for p in params]
    # NOTE: only the user's function runs while Value's hash refuses an unknown number; the
    # engine hashes no node while it builds one, and the old hash is back however it ends
    Value.__hash__ = _hash_of_known
    try:
        for p in params:
            p.data = UNKNOWN
        result = fn(x) if label is None else fn(x, label)
        return result, (penalty() if penalty is not None else None)
    except TraceError:
        raise
    except TypeError as err:  # UnknownRead among them: a number read while unknown
        raise TraceError(
            f"the function uses the number of a value that depends on the sample, its "
            f"label or the parameters, which a compiled program does not know when it is "
            f"traced ({type(err).__name__}: {err}). {HOW_TO}"
        ) from None
    except Exception as err:
        # the user's code failed, not the tracer: say so, keeping the error's type
        note = (
            "(raised by the function being traced, on Values standing for any sample: the "
            "error is in that function, not in the compiled path)"
        )
        if hasattr(err, "add_note"):
            err.add_note(note)
        elif len(err.args) == 1 and isinstance(err.args[0], str):  # Python 3.10
            err.args = (f"{err.args[0]} {note}",)
        raise
    finally:
        Value.__hash__ = object.__hash__
        for p, v in zip(params, saved):
            p.data = v


def _split(result) -> tuple[Value, list[Value], bool]:
    """The function's result as (loss, outputs, whether the outputs were a list)."""
    loss, outs, as_list = result, [], False
    if isinstance(result, tuple) and len(result) == 2:
        loss, outs = result
        as_list = isinstance(outs, (list, tuple))
        outs = list(outs) if as_list else [outs]
    if type(loss) is not Value:
        raise TraceError(
            f"the per-sample function must return a Value (the sample's loss), "
            f"got {type(loss).__name__}"
        )
    for i, o in enumerate(outs):
        if type(o) is not Value:
            raise TraceError(f"output {i} of the per-sample function is not a Value")
    return loss, outs, as_list


def trace_function(
    fn: Callable,
    params: Sequence[Value],
    n_inputs: int,
    *,
    scalar_input: bool = False,
    n_labels: int = 0,
    label_form: str | None = None,
    penalty: Callable[[], Value] | None = None,
) -> Trace:
    """Run ``fn`` once on Values standing for any sample, and keep its graph.

    Args:
        fn: ``fn(x, label)`` (``fn(x)`` when ``label_form`` is None) returning the sample's
            loss, or ``(loss, outputs)`` with the model's output(s) to report. ``x`` is a
            list of ``n_inputs`` Values (one Value if ``scalar_input``); ``label`` one Value
            (``label_form="number"``) or a list of ``n_labels`` (``"list"``).
        params: the parameters (leaf Values); every other leaf is an input, a label number
            or a constant.
        n_inputs: numbers per sample.
        scalar_input: give ``fn`` one Value, not a list (then ``n_inputs`` is 1).
        n_labels: numbers per label.
        label_form: ``None``, ``"number"`` or ``"list"``.
        penalty: a function of no arguments returning a term of the parameters only (such
            as L2), traced with the rest and computed once per batch.

    Returns:
        The :class:`Trace`.

    Raises:
        TraceError: if the function uses a number that depends on the sample, its label or
            the parameters (``.data`` compared or computed with, ``float()``, ``bool()``), or
            returns something other than Values.
    """
    params = list(params)
    params_at = _check_params(params)
    xs = [_placeholder(f"x_{k + 1}") for k in range(n_inputs)]
    if label_form == "list":
        ys = [_placeholder(f"y_{k + 1}") for k in range(n_labels)]
        label = ys
    else:
        ys = [_placeholder("y")] if label_form == "number" else []
        label = ys[0] if ys else None
    result, pen = _run(fn, xs[0] if scalar_input else xs, label, penalty, params)
    loss, outs, as_list = _split(result)
    if pen is not None and type(pen) is not Value:
        raise TraceError(f"the penalty must return a Value, got {type(pen).__name__}")
    trace = Trace(n_inputs, scalar_input, len(ys), label_form)
    leaves = {
        **{x: ("input", k) for k, x in enumerate(xs)},
        **{y: ("label", k) for k, y in enumerate(ys)},
        **{p: ("param", j) for p, j in params_at.items()},
    }
    index = _describe(trace, [loss, *outs, *([pen] if pen is not None else [])], leaves)
    trace.root = index[loss]
    trace.outputs = [index[o] for o in outs]
    trace.outputs_are_list = as_list
    trace.penalty = index[pen] if pen is not None else None
    return trace


def _describe(trace: Trace, roots: list[Value], leaves: dict) -> dict[Value, int]:
    """Fill the trace with every node the roots depend on, in topological order."""
    index: dict[Value, int] = {}
    for root in roots:
        if root in index:  # an output inside the loss's graph: its nodes are there already
            continue
        for v in topo_order(root):
            if v in index:
                continue
            index[v] = len(trace.kinds)
            trace.names.append(v.label)
            if v.parents:
                trace.kinds.append("op")
                trace.ops.append(v.op)
                trace.parents.append(tuple(index[p] for p in v.parents))
                trace.slots.append(None)
                continue
            kind, slot = leaves.get(v, ("const", v.data))
            if slot is UNKNOWN:
                raise TraceError(
                    f"a leaf{f' labelled {v.label!r}' if v.label else ''} holds the number of "
                    "a value of the sample or the parameters, cut off from the graph (made "
                    "under no_grad, or by detach()): a compiled program would freeze it. " + HOW_TO
                )
            trace.kinds.append(kind)
            trace.ops.append("")
            trace.parents.append(())
            trace.slots.append(slot)
    return index
