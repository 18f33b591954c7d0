"""The neurons-only picture of a network: DrawingOptions(neurons_only=True)."""

import re
import shutil

import pytest

from autograd_lite import Value, topo_order
from autograd_lite.nn import MLP
from autograd_lite.nn.losses import mse
from viz import DrawingOptions, beamer, draw, forward_stepper, render, stepper, to_dot, to_tikz

NEURONS = DrawingOptions(neurons_only=True)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def one_sample_loss(sizes=(3, 1)):
    model = MLP(2, list(sizes), activation="tanh", seed=1)
    out = model([Value(0.5, label="x_1"), Value(-1.0, label="x_2")])
    loss = mse([out], [0.25])
    loss.label = "E"
    return model, loss


def batch_loss(sizes=(16, 16, 1), n=4):
    model = MLP(2, list(sizes), activation="tanh", seed=1)
    xs = [[0.1 * i, -0.2 * i] for i in range(n)]
    return model, mse([model(x) for x in xs], [float(i % 2) for i in range(n)])


def edges(dot: str) -> list[tuple[str, str, str]]:
    """(tail, head, attributes) of every drawn edge (invisible order edges left out)."""
    found = re.findall(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", dot, flags=re.M)
    return [e for e in found if "invis" not in e[2]]


def test_a_2_3_1_network_is_drawn_as_its_inputs_neurons_and_loss():
    model, loss = one_sample_loss()
    dot = to_dot(loss, options=NEURONS)
    assert dot.count("shape=box style=rounded") == 2  # the inputs x₁, x₂
    assert dot.count("shape=circle") == 4  # three hidden neurons and the output
    assert "x<SUB>1</SUB>" in dot and "a<SUP>2</SUP><SUB>3</SUB>" in dot
    assert "loss [label=<E<BR/>" in dot  # the loss, under its own label, with its value
    drawn = edges(dot)
    weighted = [e for e in drawn if e[1] != "loss"]
    assert len(weighted) == 2 * 3 + 3 * 1  # one arrow per weight, none for the biases
    assert [e for e in drawn if e[1] == "loss"] == [("u3", "loss", "")]
    assert "wsum" not in dot and "Σ" not in dot  # no Σ node, weight or bias box


def test_each_arrow_is_its_weights_sign_and_size():
    model, loss = one_sample_loss()
    dot = to_dot(loss, options=NEURONS)
    weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
    largest = max(abs(w.data) for w in weights)
    arrows = {re.search(r'tooltip="([^ ]+) =', e[2]).group(1): e[2] for e in edges(dot) if e[2]}
    assert len(arrows) == len(weights)
    for attributes in arrows.values():
        value = float(re.search(r"= ([^\"]+)\"", attributes).group(1).replace("−", "-"))
        colour = re.search(r'color="(#\w{6})', attributes).group(1)
        assert colour == ("#2c7bb6" if value > 0 else "#e08214")  # as the training page
        width = float(re.search(r"penwidth=([\d.]+)", attributes).group(1))
        assert width == pytest.approx(0.6 + 3.4 * abs(value) / largest, abs=0.02)


def test_a_batchs_copies_of_a_neuron_are_one_neuron_without_a_value():
    _, one = one_sample_loss((16, 16, 1))
    _, batch = batch_loss()
    single, many = to_dot(one, options=NEURONS), to_dot(batch, options=NEURONS)
    assert many.count("shape=circle") == single.count("shape=circle") == 33
    assert len(edges(many)) == len(edges(single)) == 2 * 16 + 16 * 16 + 16 + 1
    assert "applied to 4 samples" in many
    assert "POINT-SIZE" in single.split("u0 [")[1].split("\n")[0]
    assert "POINT-SIZE" not in many.split("u0 [")[1].split("\n")[0]


def test_the_drawing_limit_counts_the_drawn_nodes():
    _, loss = batch_loss()  # 620 value nodes, 35 drawn
    assert "shape=circle" in to_dot(loss, options=NEURONS)
    with pytest.raises(ValueError, match="35 value nodes, more than the drawing limit"):
        to_dot(loss, options=DrawingOptions(neurons_only=True, max_nodes=30))


def test_a_graph_without_neurons_is_refused_with_the_reason():
    x = Value(2.0, label="x")
    with pytest.raises(ValueError, match="this graph has no neuron"):
        to_dot((x * x).tanh(), options=NEURONS)


def test_labels_are_escaped():
    model = MLP(1, [1], seed=0)
    out = model([Value(1.0, label='<b>"&</b>')])
    out.label = "<i>"
    dot = to_dot(out, options=NEURONS)
    labels = re.sub(r'tooltip="(?:[^"\\]|\\.)*"', "", dot)  # tooltips are plain text
    assert "<b>" not in labels and "<i>" not in labels and "&lt;b&gt;" in labels
    assert 'tooltip="<i>: b' in dot


def test_the_pages_and_exports_that_draw_every_node_refuse_it():
    _, loss = one_sample_loss()
    x_1 = next(v for v in topo_order(loss) if v.label == "x_1")
    for call in (
        lambda: stepper(loss, options=NEURONS),
        lambda: beamer(loss, "/nonexistent/deck.tex", options=NEURONS),
        lambda: forward_stepper(loss, x_1, options=NEURONS),
        lambda: to_tikz(loss, options=NEURONS),
    ):
        with pytest.raises(ValueError, match="neurons_only"):
            call()


@needs_dot
@pytest.mark.parametrize(
    "sizes, rankdir", [((3, 1), "LR"), ((16, 16, 1), "LR"), ((16, 16, 1), "TB")]
)
def test_the_picture_has_a_slides_proportions(tmp_path, sizes, rankdir):
    _, loss = batch_loss(sizes, n=2)
    options = DrawingOptions(neurons_only=True, rankdir=rankdir)
    svg = render(loss, tmp_path / "net.svg", options=options).read_text()
    width, height = (
        float(v) for v in re.search(r'viewBox="0\.00 0\.00 ([\d.]+) ([\d.]+)"', svg).groups()
    )
    assert 1.4 <= width / height <= 2.1, (width, height)
    assert draw(loss, options=options).source == to_dot(loss, options=options)


def test_a_neuron_fed_by_a_computed_value_or_by_its_own_weights_is_refused():
    from autograd_lite import weighted_sum

    x1, x2 = Value(1.0), Value(2.0)
    w = [Value(0.5, label="w^2_11"), Value(-0.3, label="w^2_12")]
    a1 = weighted_sum(w, [x1, x2], Value(0.1, label="b^2_1")).tanh()
    h = a1 * 2.0  # between the layers, not a neuron's output
    out = weighted_sum([Value(0.7, label="w^3_11")], [h], Value(0.0, label="b^3_1")).tanh()
    with pytest.raises(ValueError, match=r"its input 1 is computed \(mul\)"):
        to_dot((out - 1.0) ** 2, options=NEURONS)
    v, c = Value(0.5, label="w"), Value(0.0, label="c")
    once = weighted_sum([v], [Value(1.0)], c).tanh()
    twice = weighted_sum([v], [once], c).tanh()
    with pytest.raises(ValueError, match="its weights also made one of its inputs"):
        to_dot(twice, options=NEURONS)


def test_unlabelled_inputs_of_different_layers_are_different_inputs():
    from autograd_lite import weighted_sum

    a = weighted_sum([Value(0.5, label="w^2_11")], [Value(1.0)], Value(0.0, label="b^2_1"))
    out = weighted_sum(
        [Value(0.7, label="w^3_11"), Value(0.2, label="w^3_12")],
        [a.tanh(), Value(3.0)],  # a second input, unlabelled, at layer 3
        Value(0.0, label="b^3_1"),
    )
    dot = to_dot(out, options=NEURONS)
    assert dot.count("shape=box style=rounded") == 2  # not merged with layer 2's x₁
