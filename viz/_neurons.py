"""A network drawn as its neurons only: the picture of a slide, not of the graph.

``DrawingOptions(neurons_only=True)`` draws a graph that holds neurons (weighted sums,
:func:`autograd_lite.weighted.weighted_sum`, as :mod:`autograd_lite.nn` builds them) the way
a textbook draws the network: a column of inputs, one circle per neuron (its activation's
label, a²₁, and its value), the loss, and one arrow per weight, blue where the weight is
positive and orange where it is negative, wider when it is larger (TensorFlow Playground's
colours, as on the training page). A neuron is a weighted sum whose weights are labelled
leaves, as nn's are (``w^2_11``). The weights, biases, Σ nodes and the loss's inner nodes
are left out; each neuron's tooltip holds its bias and each arrow's its weight.

A neuron is known by its weights and bias, so a loss over a batch (the same network applied
to many samples) is drawn as one network; its neurons then show no value (they had one per
sample). Small weights' arrows are fainter, so a wide layer's many arrows leave its large
weights visible. The ranks are spread so that the picture has a 16:9 slide's proportions;
a network with layers of more than about eight neurons comes out larger on the slide drawn
top to bottom (``rankdir="TB"``), its layers across the slide's width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from autograd_lite import Value
from autograd_lite.ops import wsum_operands

from .labels import FONT, html_text, label_html, label_text, page_number, quoted_text, shorten

POSITIVE = "#2c7bb6"  # a positive weight's arrow (blue, as in the training page)
NEGATIVE = "#e08214"  # a negative weight's arrow (orange)
ZERO = "#bbbbbb"
NODE_INCHES = 0.95  # a neuron's circle (wider if its text needs it), and its room in a rank
SLIDE = 16 / 9


@dataclass
class _Neuron:
    """One neuron: its Σ node, its output node, the weights of its inputs, its bias."""

    sigma: Value
    output: Value
    weights: Sequence[Value]
    bias: Value
    sources: list[str]  # the DOT name of what feeds each weight
    samples: int = 1
    rank: int = 1
    name: str = ""


@dataclass
class Network:
    """What the neurons-only picture draws: neurons, inputs and which outputs feed the loss."""

    neurons: dict[tuple[int, ...], _Neuron] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # DOT name -> label (HTML)
    input_names: dict[str, str] = field(default_factory=dict)  # input's key -> DOT name
    outputs: dict[Value, str] = field(default_factory=dict)  # output node -> neuron's name

    @property
    def drawn(self) -> list[str]:
        """The DOT names of the drawn nodes (inputs and neurons; the loss not counted)."""
        return [*self.inputs, *(n.name for n in self.neurons.values())]


def find_neurons(order: list[Value]) -> Network:
    """The neurons of a graph (its topological order) and the inputs that feed them.

    Raises:
        ValueError: if the graph holds no neuron (no weighted sum).
    """
    network = _network(order)
    if not network.neurons:
        raise ValueError(
            "neurons_only draws networks, and this graph has no neuron (no weighted sum, "
            "as autograd_lite.nn's Neuron, Layer and MLP build them); draw it without "
            "neurons_only"
        )
    network.outputs = _outputs(order, network)
    return network


def neuron_lines(network: Network, root: Value, rankdir: str, fmt: str) -> list[str]:
    """The DOT body lines of the neurons-only picture of a network found in root's graph."""
    outputs = network.outputs
    loss = root not in outputs
    lines = _attributes(network, rankdir, loss=loss)
    lines += [
        f"\t{name} [label=<{text}> shape=box style=rounded]"
        for name, text in network.inputs.items()
    ]
    lines += [_neuron_line(n, fmt) for n in network.neurons.values()]
    lines += _rank_lines(network)
    largest = max((abs(w.data) for n in network.neurons.values() for w in n.weights), default=0)
    for n in network.neurons.values():
        lines += [_weight_edge(src, n, w, largest, fmt) for src, w in zip(n.sources, n.weights)]
    if loss:
        lines.append(_loss_line(root, fmt))
        lines += [f"\t{name} -> loss" for name in dict.fromkeys(outputs.values())]
    return lines


def _network(order: list[Value]) -> Network:
    """The neurons of the graph (keyed by the ids of their weights and bias, so a batch's
    copies of one neuron are one) and the inputs that feed them."""
    consumers: dict[Value, list[Value]] = {}
    for v in order:
        for p in v.parents:
            consumers.setdefault(p, []).append(v)
    network = Network()
    by_output: dict[Value, _Neuron] = {}
    for v in order:
        if v.op != "wsum":
            continue
        weights, inputs, bias = wsum_operands(v.parents)
        if any(p.parents or p.label is None for p in weights):
            continue  # not weights but numbers (a mean's 1/n): no neuron
        after = consumers.get(v, [])
        output = after[0] if len(after) == 1 and len(after[0].parents) == 1 else v
        key = tuple(id(p) for p in (*weights, bias))
        neuron = network.neurons.get(key)
        if neuron is not None:
            if any(by_output.get(a) is neuron for a in inputs):
                raise _not_drawable(v, "its weights also made one of its inputs")
            neuron.samples += 1
            by_output[output] = neuron
            continue
        rank = 1 + max((by_output[a].rank for a in inputs if a in by_output), default=0)
        sources = [_source(network, by_output, v, a, k, rank) for k, a in enumerate(inputs)]
        neuron = _Neuron(
            v, output, weights, bias, sources, rank=rank, name=f"u{len(network.neurons)}"
        )
        network.neurons[key] = neuron
        by_output[output] = neuron
    return network


def _not_drawable(v: Value, why: str) -> ValueError:
    name = f"the neuron {v.label!r}" if v.label else "a neuron"
    return ValueError(
        f"neurons_only cannot draw this graph: {name} cannot be drawn as one circle, {why}; "
        "draw it without neurons_only"
    )


def _source(network: Network, by_output: dict, v: Value, a: Value, k: int, rank: int) -> str:
    """The DOT name of what feeds a weight: a neuron, or an input (a leaf, known by its
    label, else by its place and its neuron's layer)."""
    if a in by_output:
        return by_output[a].name
    if a.parents:
        raise _not_drawable(v, f"its input {k + 1} is computed ({a.op}) from other values")
    key = f"label {a.label}" if a.label else f"place {k + 1} of layer {rank}"
    if key not in network.input_names:
        name = network.input_names[key] = f"in{len(network.inputs)}"
        network.inputs[name] = label_html(shorten(a.label)) if a.label else f"x<SUB>{k + 1}</SUB>"
    return network.input_names[key]


def _outputs(order: list[Value], network: Network) -> dict[Value, str]:
    """The output nodes of the neurons that feed something other than a neuron (the loss),
    with their neuron's DOT name."""
    names: dict[Value, str] = {}
    outputs = {n.output: n for n in network.neurons.values()}
    for v in order:
        for p in v.parents:
            if p in outputs and v.op != "wsum":
                names[p] = outputs[p].name
    root = order[-1]
    if root in outputs:
        names[root] = outputs[root].name
    return names


def _attributes(network: Network, rankdir: str, *, loss: bool) -> list[str]:
    """Graph attributes whose rank separation gives the picture a slide's proportions."""
    ranks = max(n.rank for n in network.neurons.values()) + 1 + int(loss)
    counts: dict[int, int] = {0: len(network.inputs)}
    for n in network.neurons.values():
        counts[n.rank] = counts.get(n.rank, 0) + 1
    across = max(counts.values()) * NODE_INCHES * 1.3  # the tallest rank, with its gaps
    along = across * SLIDE if rankdir == "LR" else across / SLIDE
    ranksep = (along - ranks * NODE_INCHES) / max(ranks - 1, 1)
    ranksep = min(max(ranksep, 0.6), 10.0)
    return [
        f'\tgraph [rankdir={rankdir} fontname="{FONT}" fontsize=14 nodesep=0.25 '
        f"ranksep={ranksep:.2f} bgcolor=white]",
        f'\tnode [fontname="{FONT}" fontsize=14 width={NODE_INCHES} height={NODE_INCHES / 2}]',
        f'\tedge [arrowsize=0.5 fontname="{FONT}"]',
    ]


def _neuron_line(n: _Neuron, fmt: str) -> str:
    label = n.output.label or n.sigma.label
    text = label_html(shorten(label)) if label else f"neuron {n.name[1:]}"
    if n.samples == 1:
        text += f'<BR/><FONT POINT-SIZE="12">{html_text(page_number(n.output.data, fmt))}</FONT>'
    bias = label_text(n.bias.label) if n.bias.label else "b"
    tip = f"{label or 'neuron'}: {bias} = {page_number(n.bias.data, fmt)}"
    if n.samples > 1:
        tip += f"; applied to {n.samples} samples"
    return (
        f"\t{n.name} [label=<{text}> shape=circle width={NODE_INCHES} margin=0.04 "
        f'tooltip="{quoted_text(tip)}"]'
    )


def _rank_lines(network: Network) -> list[str]:
    """Inputs in one rank, and each layer's neurons in theirs, in their order."""
    ranks: dict[int, list[str]] = {0: list(network.inputs)}
    for n in network.neurons.values():
        ranks.setdefault(n.rank, []).append(n.name)
    lines = []
    for names in ranks.values():
        if len(names) > 1:
            lines.append(f"\t{{rank=same {' '.join(names)}}}")
            lines.append(f"\t{' -> '.join(names)} [style=invis]")
    return lines


def _weight_edge(source: str, n: _Neuron, w: Value, largest: float, fmt: str) -> str:
    share = abs(w.data) / largest if largest > 0 else 1.0
    # small weights fade, so that a wide layer's many edges do not hide its large ones
    alpha = format(round(64 + 191 * share), "02x")
    colour = (POSITIVE if w.data > 0 else NEGATIVE if w.data < 0 else ZERO) + alpha
    width = 0.6 + 3.4 * share
    name = label_text(w.label) if w.label else "w"
    tip = quoted_text(f"{name} = {page_number(w.data, fmt)}")
    return f'\t{source} -> {n.name} [color="{colour}" penwidth={width:.2f} tooltip="{tip}"]'


def _loss_line(root: Value, fmt: str) -> str:
    name = html_text(shorten(root.label)) if root.label else "loss"
    value = html_text(page_number(root.data, fmt))
    return f'\tloss [label=<{name}<BR/><FONT POINT-SIZE="12">{value}</FONT>> shape=box]'
