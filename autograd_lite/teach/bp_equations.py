"""The four equations of backpropagation, checked number by number against the engine.

For a network labelled in Nielsen's notation (``w^l_jk``, ``b^l_j``, ``z^l_j``, ``a^l_j``;
layer 1 is the input layer, w^l is the weight matrix *into* layer l), with cost C:

* BP1  δ^L_j = ∂C/∂a^L_j · σ'(z^L_j)
* BP2  δ^l_j = (Σ_k w^{l+1}_kj δ^{l+1}_k) · σ'(z^l_j)
* BP3  ∂C/∂b^l_j = δ^l_j
* BP4  ∂C/∂w^l_jk = a^{l-1}_k · δ^l_j

:func:`backprop_equations` computes every δ^l_j from these equations alone (σ' from the ops
table's rule of each activation node, ∂C/∂a^L from the engine) and puts each value next to
the engine's own gradient. :func:`backprop_table` does it for an ``MLP``, an input and a
target.

Example:
    >>> from autograd_lite.nn import MLP
    >>> model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=1)
    >>> table = backprop_table(model, [0.5, -1.0], 1.0)
    >>> table.agrees, len(table.rows)
    (True, 17)
    >>> table.rows[0].equation, table.rows[0].quantity
    ('BP1', 'δ^3_1')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from ..engine import Value, check_value, gradients, topo_order
from ..labels import parse_nielsen, weight_label
from ..ops import NARY, OPS, wsum_operands
from ..table import Table, fmt, report_html, report_markdown, report_text

__all__ = ["EquationRow", "BackpropTable", "backprop_equations", "backprop_table", "COSTS"]


def _half_squared_error(outputs: Sequence[Value], targets: Sequence[float]) -> Value:
    total = Value(0.0)
    for a, y in zip(outputs, targets):
        total = total + (a - y) ** 2
    return total * 0.5


def _cross_entropy_of_probabilities(outputs: Sequence[Value], targets: Sequence[float]) -> Value:
    total = Value(0.0)
    for a, y in zip(outputs, targets):
        total = total - (y * a.log() + (1 - y) * (1 - a).log())
    return total


COSTS: dict[str, Callable[..., Value]] = {
    "half_squared_error": _half_squared_error,
    "cross_entropy_of_probabilities": _cross_entropy_of_probabilities,
}
"""Nielsen's two costs by name (``nn.losses.LOSSES`` holds the losses fit knows):
``"half_squared_error"``, C = ½ Σ_j (a^L_j − y_j)², and
``"cross_entropy_of_probabilities"``, C = −Σ_j [y_j ln a^L_j + (1 − y_j) ln(1 − a^L_j)] on
outputs that are probabilities (a sigmoid output layer). Any other loss, those of
:mod:`autograd_lite.nn.losses` among them, is passed to :func:`backprop_table` as a
function (``loss=losses.mse``)."""


class EquationRow(NamedTuple):
    """One quantity computed from an equation and by the engine.

    Attributes:
        equation: ``"BP1"`` .. ``"BP4"``.
        quantity: what is computed, such as ``δ^2_1`` or ``∂C/∂w^3_11``.
        formula: the equation in labels, such as ``a^2_1·δ^3_1``.
        numbers: the same with the numbers put in.
        value: the value from the equation.
        engine: the engine's gradient (∂C/∂z for a δ).
        agrees: whether the two agree to 1e-9 relative.
    """

    equation: str
    quantity: str
    formula: str
    numbers: str
    value: float
    engine: float
    agrees: bool


class BackpropTable(NamedTuple):
    """BP1-BP4 for one input: every row's value from the equation next to the engine's.

    Attributes:
        rows: the rows, output layer first.
        cost: the value of C.
        deltas: δ^l_j from the equations, by label ``δ^l_j``.
        sigma_prime: σ'(z^l_j) by the label of z.
    """

    rows: tuple[EquationRow, ...]
    cost: float
    deltas: dict[str, float]
    sigma_prime: dict[str, float]
    digits: int = 12

    @property
    def agrees(self) -> bool:
        """True when every equation agrees with the engine."""
        return all(r.agrees for r in self.rows)

    def table(self) -> Table:
        """The rows as a :class:`~autograd_lite._table.Table`."""
        d = self.digits
        verdict = "all agree" if self.agrees else "SOME DISAGREE"
        title = f"The four equations of backpropagation, C = {fmt(self.cost, d)} ({verdict})"
        rows = [
            [
                r.equation,
                r.quantity,
                r.formula,
                r.numbers,
                fmt(r.value, d),
                fmt(r.engine, d),
                "yes" if r.agrees else "NO",
            ]
            for r in self.rows
        ]
        header = ["eq.", "quantity", "equation", "with numbers", "from equation", "engine", "agree"]
        return Table(title, header, rows)

    __str__ = report_text
    __repr__ = report_text  # a plain Python prompt shows the table, as a notebook does
    markdown = report_markdown
    _repr_html_ = report_html


class _Neuron:
    """What the equations need about neuron j of layer l."""

    def __init__(self, layer: int, j: int, z: Value):
        self.layer, self.j, self.z = layer, j, z
        self.a: Value = z  # a linear neuron's activation is its weighted input
        self.weights: dict[int, Value] = {}  # k -> w^l_jk
        self.inputs: dict[int, Value] = {}  # k -> a^{l-1}_k
        self.bias: Value | None = None


def _index(order: list[Value]) -> dict[tuple, Value]:
    found: dict[tuple, Value] = {}
    for v in order:
        parsed = parse_nielsen(v.label)
        if parsed is None:
            continue  # any other label (or a malformed one) is not part of the equations
        kind, layer, j, k = parsed
        key = ("w", layer, j, k) if kind == "w" else (kind, layer, j)
        if key in found and found[key] is not v:
            raise ValueError(
                f"two different nodes are labelled {v.label!r}: the equations need one "
                "example at a time (one forward pass, one cost)"
            )
        found[key] = v
    return found


def _neurons(cost: Value) -> dict[int, dict[int, _Neuron]]:
    nodes = _index(topo_order(cost))
    layers: dict[int, dict[int, _Neuron]] = {}
    for key, z in nodes.items():
        if key[0] != "z":
            continue
        _, l, j = key
        n = _Neuron(l, j, z)
        if z.op in OPS and OPS[z.op].arity == NARY:
            weights, inputs, n.bias = wsum_operands(z.parents)
            n.weights = dict(enumerate(weights, 1))
            n.inputs = dict(enumerate(inputs, 1))
        else:
            n.weights = {k[3]: v for k, v in nodes.items() if k[:3] == ("w", l, j)}
            n.inputs = {k: nodes[("a", l - 1, k)] for k in n.weights if ("a", l - 1, k) in nodes}
            n.bias = nodes.get(("b", l, j))
        n.a = nodes.get(("a", l, j), z)
        layers.setdefault(l, {})[j] = n
    if not layers:
        raise ValueError(
            "no node labelled z^l_j depends on the cost: the equations need a network "
            "labelled in Nielsen's notation (as autograd_lite.nn builds it)"
        )
    return layers


def _sigma_prime(n: _Neuron) -> float:
    """σ'(z): the local derivative of the activation node, from the ops table's rule."""
    a, z = n.a, n.z
    if a is z:
        return 1.0
    if a.parents == (z,):
        return OPS[a.op].rule(1.0, a.data, z.data)[0]
    return gradients(a, [z])[0]  # an activation made of several nodes


def _close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def _row(eq: str, quantity: str, formula: str, numbers: str, value: float, engine: float):
    return EquationRow(eq, quantity, formula, numbers, value, engine, _close(value, engine))


def backprop_equations(cost: Value, *, digits: int = 12) -> BackpropTable:
    """BP1-BP4 on any network labelled in Nielsen's notation, next to the engine's gradients.

    Args:
        cost: the cost C of one example, built from a network whose weighted inputs are
            labelled ``z^l_j`` (and activations ``a^l_j``; a neuron without an ``a`` node is
            linear).
        digits: significant digits in the printed table.

    Returns:
        A :class:`BackpropTable`.

    Raises:
        TypeError: if cost is not a Value.
        ValueError: if no ``z^l_j`` node is found, a label is used twice, or a weight the
            equations need (w^{l+1}_kj, a^{l-1}_k) cannot be found.
    """
    check_value(cost, "cost")
    layers = _neurons(cost)
    neurons = [n for l in sorted(layers) for n in layers[l].values()]
    params = [p for n in neurons for p in (*n.weights.values(), n.bias) if p is not None]
    g = dict(zip(params + [n.z for n in neurons], gradients(cost, params + [n.z for n in neurons])))
    out_layer = layers[max(layers)]
    out_neurons = [out_layer[j] for j in sorted(out_layer)]
    dc_da = dict(zip(out_neurons, gradients(cost, [n.a for n in out_neurons])))
    rows: list[EquationRow] = []
    delta: dict[_Neuron, float] = {}
    sp: dict[_Neuron, float] = {}
    for l in sorted(layers, reverse=True):
        for j in sorted(layers[l]):
            n = layers[l][j]
            sp[n] = _sigma_prime(n)
            if n in dc_da:
                delta[n] = dc_da[n] * sp[n]
                numbers = f"{fmt(dc_da[n], 6)} × {fmt(sp[n], 6)}"
                formula = f"∂C/∂a^{l}_{j}·σ'(z^{l}_{j})"
                rows.append(_row("BP1", f"δ^{l}_{j}", formula, numbers, delta[n], g[n.z]))
            else:
                rows.append(_bp2(n, layers.get(l + 1, {}), delta, sp[n], g[n.z]))
    for l in sorted(layers, reverse=True):
        for j in sorted(layers[l]):
            rows += _parameter_rows(layers[l][j], len(layers[l]), delta[layers[l][j]], g)
    return BackpropTable(
        tuple(rows),
        cost.data,
        {f"δ^{n.layer}_{n.j}": d for n, d in delta.items()},
        {n.z.label: s for n, s in sp.items()},
        digits,
    )


def _bp2(n: _Neuron, above: dict, delta: dict, sp: float, engine: float) -> EquationRow:
    """BP2 for neuron n: δ^l_j = (Σ_k w^{l+1}_kj δ^{l+1}_k)·σ'(z^l_j); sets ``delta[n]``."""
    l, j = n.layer, n.j
    names, terms, total = [], [], 0.0
    for k in sorted(above):
        nxt = above[k]
        pos = [i for i, a in nxt.inputs.items() if a is n.a]
        if len(pos) != 1 or pos[0] not in nxt.weights:
            raise ValueError(
                f"cannot find the weight from a^{l}_{j} into z^{l + 1}_{k}: the "
                "network is not laid out in layers as the equations expect"
            )
        w = nxt.weights[pos[0]]
        total += w.data * delta[nxt]
        names.append(f"{w.label or 'w'}·δ^{l + 1}_{k}")
        terms.append(f"{fmt(w.data, 6)}×{fmt(delta[nxt], 6)}")
    delta[n] = total * sp
    formula = f"({' + '.join(names)})·σ'(z^{l}_{j})"
    numbers = f"({' + '.join(terms)}) × {fmt(sp, 6)}"
    return _row("BP2", f"δ^{l}_{j}", formula, numbers, delta[n], engine)


def _parameter_rows(n: _Neuron, width: int, delta: float, g: dict) -> list[EquationRow]:
    """BP3 and BP4 for neuron n: ∂C/∂b^l_j = δ^l_j, ∂C/∂w^l_jk = a^{l-1}_k·δ^l_j."""
    l, j = n.layer, n.j
    rows = []
    if n.bias is not None:
        rows.append(_row("BP3", f"∂C/∂b^{l}_{j}", f"δ^{l}_{j}", fmt(delta, 6), delta, g[n.bias]))
    comma = any(k > 9 for k in n.weights) or width > 9
    for k in sorted(n.weights):
        w = n.weights[k]
        if k not in n.inputs:
            raise ValueError(f"cannot find the input a^{l - 1}_{k} of neuron z^{l}_{j}")
        a_in = n.inputs[k].data
        name = w.label or weight_label(l, j, k, comma=comma)
        numbers = f"{fmt(a_in, 6)} × {fmt(delta, 6)}"
        formula = f"a^{l - 1}_{k}·δ^{l}_{j}"
        rows.append(_row("BP4", f"∂C/∂{name}", formula, numbers, a_in * delta, g[w]))
    return rows


def backprop_table(
    model: Callable[[Sequence[float | Value]], Value | Sequence[Value]],
    x: Sequence[float | Value],
    y: float | Sequence[float],
    *,
    loss: str | Callable[[Sequence[Value], Sequence[float]], Value] = "half_squared_error",
    digits: int = 12,
) -> BackpropTable:
    """BP1-BP4 for a model, one input and its target.

    Args:
        model: a callable network labelled in Nielsen's notation, such as
            :class:`autograd_lite.nn.MLP`; it returns a Value or a list of Values.
        x: the input (numbers or Values).
        y: the target: one number per output, or one number for a model of one output;
            for a loss of class scores (softmax cross-entropy) the class index.
        loss: a name from :data:`COSTS`, or any function ``loss(outputs, targets) ->
            Value`` such as those of :mod:`autograd_lite.nn.losses`. It gets the outputs
            as a batch of samples of one number each; but a function given one target for
            several outputs gets them as one sample's class scores, ``loss([outputs], [y])``
            (``loss=losses.softmax_cross_entropy`` with y the class).
        digits: significant digits in the printed table.

    Returns:
        A :class:`BackpropTable`.

    Raises:
        ValueError: for an unknown loss name, a target of the wrong length or one the
            loss refuses, and as :func:`backprop_equations`.
        TypeError: if ``loss`` is neither a name nor a function.
    """
    by_name = isinstance(loss, str)
    if by_name:
        if loss not in COSTS:
            raise ValueError(
                f"unknown loss {loss!r}; choose one of {sorted(COSTS)} or pass a function "
                "loss(outputs, targets) -> Value (such as autograd_lite.nn.losses.mse)"
            )
        loss = COSTS[loss]
    if not callable(loss):
        raise TypeError(f"loss must be a name or a function, got {type(loss).__name__}")
    out = model(x)
    outputs = [out] if isinstance(out, Value) else list(out)
    targets = [y] if not isinstance(y, Sequence) else list(y)
    if len(targets) == len(outputs):
        cost = loss(outputs, targets)
    elif not by_name and len(targets) == 1 and not isinstance(y, Sequence):
        # one target for several outputs: they are one sample's class scores, y its class
        cost = loss([outputs], [y])
    else:
        raise ValueError(
            f"the model has {len(outputs)} output(s) but y has {len(targets)} value(s)"
        )
    if not isinstance(cost, Value):
        raise TypeError(f"loss must return a Value, got {type(cost).__name__}")
    return backprop_equations(cost, digits=digits)
