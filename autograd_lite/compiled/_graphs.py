"""One sample's run of a per-sample function, described and compared with the first's.

:func:`run_once` runs the function on one sample with the engine and describes every node
of its graph (parameters included, in topological order): the description a trace is built
from. :class:`Compared` compares other samples with the first by a cheaper description
(:class:`Shape`, which never walks into the parameters) and, when they differ, names the
first node where they part (:func:`compare`).
"""

from __future__ import annotations

from itertools import filterfalse

import numpy as np

from ..engine import Value, topo_order
from ._errors import HOW_TO, TraceError

__all__ = ["NO_LABEL", "Run", "Compared", "run_once", "compare", "describe_node"]


class Run:
    """One run of the function on one sample: its nodes and what each one is."""

    def __init__(self, nodes: list[Value], desc: list[tuple], consts: list[int]):
        self.nodes = nodes
        self.desc = desc
        self.consts = consts  # indices of constant leaves, in order

    def const_values(self) -> list[float]:
        return [self.nodes[i].data for i in self.consts]


NO_LABEL = object()


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
        result = fn(arg) if label is NO_LABEL else fn(arg, label)
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


class Shape:
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


class Compared:
    """Compares samples' graphs and constants with those of the first sample (``plain``,
    run without the penalty), by their :class:`Shape`."""

    def __init__(self, fn, params_at, scalar_input, row, label):
        self.fn, self.params_at, self.scalar_input = fn, params_at, scalar_input
        self.shape = Shape(params_at)
        xs, loss, outs, _ = _call(fn, row, label, scalar_input)
        self.plain = _describe(params_at, xs, loss, outs, None)
        self.desc, consts = self.shape.of(xs, loss, outs)
        # the constants in the shape's order, placed in the plain run's order
        where = {id(self.plain.nodes[i]): k for k, i in enumerate(self.plain.consts)}
        self.order = np.array([where[id(c)] for c in consts], dtype=np.intp)

    def describe(self, row, label) -> Run:
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
                f"{where}: {err}, where the first sample gave a Value. " + HOW_TO
            ) from None
        desc, consts = self.shape.of(xs, loss, outs)
        if desc != self.desc:
            if desc[:-1] == self.desc[:-1]:
                raise TraceError(
                    f"the function returns other nodes as its loss or outputs for {where} "
                    "than for the first sample (the same graph, another node returned). " + HOW_TO
                )
            compare(self.plain, _describe(self.params_at, xs, loss, outs, None), where)
            raise TraceError(  # the shapes differ, so the full descriptions do too
                f"the function builds a different graph for {where} than for the first "
                "sample. " + HOW_TO
            )
        values = np.empty(len(consts))
        values[self.order] = [c.data for c in consts]
        return values


def run_once(fn, params_at, row, label, penalty, scalar_input):
    """Run fn on one sample; return the run, the root, the outputs, their form, the penalty."""
    xs, loss, outs, as_list = _call(fn, row, label, scalar_input)
    run, root, out_at, pen_at = _describe_all(params_at, xs, loss, outs, penalty)
    return run, root, out_at, as_list, pen_at


def _describe(params_at, xs, loss, outs, penalty) -> Run:
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
    run = Run(nodes, desc, consts)
    return run, index[loss], [index[o] for o in outs], (index[pen] if pen is not None else None)


def _name(v: Value) -> str:
    if v.label:
        return repr(v.label)
    if v.op:
        return f"a {v.op} node"
    return "a constant" if not v.parents else "a node"


def describe_node(run: Run, i: int) -> str:
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


def compare(first: Run, other: Run, where: str) -> None:
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
        f"node #{i} is {describe_node(first, i)} for the first sample, but "
        f"{describe_node(other, j)} there. " + HOW_TO
    )
