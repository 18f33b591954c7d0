"""BP1-BP4 against the engine, on question 2's 2-3-1 sigmoid network and others."""

import random

import pytest

from autograd_lite import Value, gradients
from autograd_lite.nn import MLP
from autograd_lite.nn.losses import LOSSES as LIBRARY_LOSSES
from autograd_lite.teach.bp_equations import backprop_equations, backprop_table

SEEDS = [0, 1, 2, 3, 4]


def q2_network(seed):
    return MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=seed)


def q2_cost(seed, x=(0.3, -0.8), y=0.25):
    model = q2_network(seed)
    a3 = model(list(x))
    cost = 0.5 * (a3 - y) ** 2
    return model, a3, cost


def sigmoid_prime(z):
    s = Value(z).sigmoid().data
    return s * (1 - s)


def find(root, label):
    from autograd_lite import topo_order

    (node,) = [v for v in topo_order(root) if v.label == label]
    return node


@pytest.mark.parametrize("seed", SEEDS)
def test_question_2_weight_into_layer_3_is_a2_times_error_times_sigma_prime(seed):
    model, a3, cost = q2_cost(seed)
    w = dict(model.named_parameters())["w^3_11"]
    a2_1 = find(cost, "a^2_1").data
    z3_1 = find(cost, "z^3_1").data
    expected = a2_1 * (a3.data - 0.25) * sigmoid_prime(z3_1)
    assert gradients(cost, [w])[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("seed", SEEDS)
def test_all_four_equations_hold_on_random_weights(seed):
    rng = random.Random(seed)
    model = q2_network(seed)
    x = [rng.uniform(-2, 2), rng.uniform(-2, 2)]
    table = backprop_table(model, x, rng.uniform(0, 1))
    assert table.agrees
    assert {r.equation for r in table.rows} == {"BP1", "BP2", "BP3", "BP4"}
    assert len(table.rows) == 1 + 3 + 4 + 9


@pytest.mark.parametrize("seed", SEEDS)
def test_equation_values_are_the_engine_gradients(seed):
    model, _, cost = q2_cost(seed)
    table = backprop_equations(cost)
    params = dict(model.named_parameters())
    by_name = {r.quantity: r for r in table.rows}
    for name, p in params.items():
        g = gradients(cost, [p])[0]
        assert by_name[f"∂C/∂{name}"].value == pytest.approx(g, rel=1e-12, abs=1e-15)


def test_bp1_for_half_squared_error_is_error_times_sigma_prime():
    model, a3, cost = q2_cost(7)
    table = backprop_equations(cost)
    z = find(cost, "z^3_1").data
    assert table.deltas["δ^3_1"] == pytest.approx((a3.data - 0.25) * sigmoid_prime(z), rel=1e-12)


def test_bp2_uses_the_weights_into_the_next_layer():
    model, _, cost = q2_cost(3)
    t = backprop_equations(cost)
    w = dict(model.named_parameters())
    z21 = find(cost, "z^2_1").data
    assert t.deltas["δ^2_1"] == pytest.approx(
        w["w^3_11"].data * t.deltas["δ^3_1"] * sigmoid_prime(z21), rel=1e-12
    )


def test_equations_read_sigma_prime_from_the_ops_table(monkeypatch):
    # with a broken sigmoid rule the equations (which read the same table) and the engine
    # still agree: the table checks the chain rule, gradcheck checks the rules
    from autograd_lite.ops import OPS

    monkeypatch.setitem(OPS, "sigmoid", OPS["sigmoid"].replace(rule=lambda g, out, a: (g * out,)))
    _, _, cost = q2_cost(1)
    table = backprop_equations(cost)
    a = find(cost, "a^3_1").data
    assert table.sigma_prime["z^3_1"] == a and table.agrees


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("loss", ["half_squared_error", "cross_entropy_of_probabilities"])
def test_every_activation_and_nielsen_loss(activation, loss):
    model = MLP(3, [4, 3, 2], activation=activation, output_activation="sigmoid", seed=5)
    table = backprop_table(model, [0.2, -0.4, 0.9], [1.0, 0.0], loss=loss)
    assert table.agrees and len(table.deltas) == 4 + 3 + 2


def test_linear_output_layer_has_sigma_prime_one():
    model = MLP(2, [2, 1], activation="tanh", seed=2)
    table = backprop_table(model, [1.0, 2.0], 0.5)
    assert table.sigma_prime["z^3_1"] == 1.0 and table.agrees


def test_wide_layers_use_comma_labels():
    model = MLP(10, [11, 1], activation="sigmoid", seed=0)
    table = backprop_table(model, [0.1] * 10, 1.0)
    assert table.agrees
    assert "∂C/∂w^2_11,10" in {r.quantity for r in table.rows}


def test_custom_loss_function():
    model = q2_network(0)
    table = backprop_table(model, [1.0, 1.0], 0.0, loss=lambda out, y: abs(out[0] - y[0]))
    assert table.agrees


def test_hand_built_network_with_binary_ops():
    x = Value(0.7, label="a^1_1")
    w = Value(-1.2, label="w^2_11")
    b = Value(0.3, label="b^2_1")
    z = w * x + b
    z.label = "z^2_1"
    a = z.tanh()
    a.label = "a^2_1"
    table = backprop_equations((a - 1.0) ** 2)
    assert table.agrees and [r.equation for r in table.rows] == ["BP1", "BP3", "BP4"]


def test_two_forward_passes_are_refused():
    model = q2_network(0)
    cost = model([1.0, 0.0]) + model([0.0, 1.0])
    with pytest.raises(ValueError, match="one example at a time"):
        backprop_equations(cost)


def test_unlabelled_graph_is_refused():
    with pytest.raises(ValueError, match="Nielsen"):
        backprop_equations(Value(1.0) * 2)


def test_wrong_target_length_is_refused():
    with pytest.raises(ValueError, match="1 output"):
        backprop_table(q2_network(0), [1.0, 1.0], [1.0, 2.0])


def test_unknown_loss_is_refused():
    with pytest.raises(ValueError, match="unknown loss"):
        backprop_table(q2_network(0), [1.0, 1.0], 1.0, loss="hinge?")


def test_formats_show_every_row():
    table = backprop_table(q2_network(0), [1.0, 1.0], 1.0)
    assert str(table).count("\n") == len(table.rows) + 1
    assert table.markdown().count("| BP") == len(table.rows)
    assert table._repr_html_().count("<tr>") == len(table.rows) + 1


_LIBRARY_TARGETS = {
    "mse": [0.3, -0.2],
    "hinge": [1, -1],
    "binary_cross_entropy": [0, 1],
    "softmax_cross_entropy": 0,
}


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("name", sorted(LIBRARY_LOSSES))
def test_every_library_loss_as_a_function(name, activation):
    model = MLP(3, [4, 2], activation=activation, seed=5)
    loss = LIBRARY_LOSSES[name]
    table = backprop_table(model, [0.2, -0.4, 0.9], _LIBRARY_TARGETS[name], loss=loss)
    assert table.agrees and len(table.deltas) == 4 + 2
    assert {r.equation for r in table.rows} == {"BP1", "BP2", "BP3", "BP4"}
    outputs, y, loss = model([0.2, -0.4, 0.9]), _LIBRARY_TARGETS[name], LIBRARY_LOSSES[name]
    # softmax cross-entropy reads the outputs as one sample's scores, the others each
    # output as one sample
    expected = loss([outputs], [y]) if isinstance(y, int) else loss(outputs, y)
    assert table.cost == expected.data


def test_one_target_for_several_outputs_gives_a_function_one_sample_of_scores():
    model = MLP(2, [3, 2], seed=1)
    table = backprop_table(model, [0.5, -1.0], 1, loss=LIBRARY_LOSSES["softmax_cross_entropy"])
    expected = LIBRARY_LOSSES["softmax_cross_entropy"]([model([0.5, -1.0])], [1])
    assert table.agrees and table.cost == expected.data


def test_one_target_for_several_outputs_is_refused_for_a_loss_by_name():
    with pytest.raises(ValueError, match="2 output"):
        backprop_table(MLP(2, [3, 2], seed=1), [0.5, -1.0], 1.0)


def test_library_loss_names_point_to_the_functions():
    with pytest.raises(ValueError, match="nn.losses.mse"):
        backprop_table(q2_network(0), [1.0, 1.0], 1.0, loss="mse")


def test_softmax_cross_entropy_refuses_a_target_that_is_not_a_class():
    model = MLP(2, [3, 2], seed=1)
    with pytest.raises(ValueError, match="class index"):
        loss = LIBRARY_LOSSES["softmax_cross_entropy"]
        backprop_table(model, [0.5, -1.0], 1.5, loss=loss)
