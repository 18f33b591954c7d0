"""nn: parameters, their order and labels, forward nodes, activations, init, inputs."""

import math
import random

import numpy as np
import pytest

from autograd_lite import Value, topo_order
from autograd_lite.nn import MLP, Layer, Neuron

NAMES_2_3_1 = [
    "w^2_11",
    "w^2_12",
    "b^2_1",
    "w^2_21",
    "w^2_22",
    "b^2_2",
    "w^2_31",
    "w^2_32",
    "b^2_3",
    "w^3_11",
    "w^3_12",
    "w^3_13",
    "b^3_1",
]


def set_params(module, values):
    for p, x in zip(module.parameters(), values, strict=True):
        p.data = float(x)


# --- parameters ---------------------------------------------------------------------------


def test_parameter_count_of_the_standard_network():
    assert len(MLP(2, [16, 16, 1]).parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + 16 + 1


def test_parameter_names_of_a_2_3_1_network_in_order():
    assert [name for name, _ in MLP(2, [3, 1]).named_parameters()] == NAMES_2_3_1


def test_named_parameters_are_the_parameters_in_the_same_order():
    model = MLP(2, [3, 1])
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert all(p.label == name for name, p in model.named_parameters())


def test_parameters_are_layer_by_layer_neuron_by_neuron_weights_then_bias():
    model = MLP(2, [3, 1])
    expected = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
    assert model.parameters() == expected


def test_wide_layers_separate_weight_indices_with_commas():
    names = [name for name, _ in MLP(2, [10, 1]).named_parameters()]
    assert names[:3] == ["w^2_1,1", "w^2_1,2", "b^2_1"]
    assert "w^2_10,2" in names and "b^2_10" in names
    assert names[-3:] == ["w^3_1,9", "w^3_1,10", "b^3_1"]


def test_narrow_layer_after_a_wide_one_keeps_plain_indices():
    names = [name for name, _ in MLP(12, [2, 1]).named_parameters()]
    assert "w^2_1,12" in names
    assert names[-3:] == ["w^3_11", "w^3_12", "b^3_1"]


def test_biases_start_at_zero_and_uniform_weights_lie_in_minus_one_one():
    model = MLP(2, [16, 16, 1])
    for layer in model.layers:
        for n in layer.neurons:
            assert n.b.data == 0.0
            assert all(-1.0 <= w.data <= 1.0 for w in n.w)


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# --- initialisation -------------------------------------------------------------------------


def data_of(model):
    return [p.data for p in model.parameters()]


def test_default_initialisation_is_the_same_every_time():
    assert data_of(MLP(2, [16, 16, 1])) == data_of(MLP(2, [16, 16, 1]))


def test_a_seed_gives_other_but_reproducible_weights():
    assert data_of(MLP(2, [4, 1], seed=5)) == data_of(MLP(2, [4, 1], seed=5))
    assert data_of(MLP(2, [4, 1], seed=5)) != data_of(MLP(2, [4, 1], seed=6))


def test_an_rng_passed_in_draws_the_same_weights_as_its_seed_and_advances():
    rng = random.Random(7)
    first = MLP(2, [4, 1], rng=rng)
    assert data_of(first) == data_of(MLP(2, [4, 1], seed=7))
    assert data_of(MLP(2, [4, 1], rng=rng)) != data_of(first)


def test_seed_and_rng_together_are_refused():
    with pytest.raises(ValueError, match="either seed or rng"):
        MLP(2, [1], seed=1, rng=random.Random(1))


def test_xavier_weights_lie_within_their_bound():
    bound = math.sqrt(6.0 / (16 + 16))
    weights = [w.data for n in MLP(16, [16], init="xavier").layers[0].neurons for w in n.w]
    assert all(abs(w) <= bound for w in weights)
    assert max(abs(w) for w in weights) > 0.9 * bound


@pytest.mark.parametrize(
    "init, std", [("he", math.sqrt(2.0 / 50)), ("kaiming", 0.2), ("normal", 1.0)]
)
def test_gaussian_initialisations_have_their_spread(init, std):
    weights = np.array([w.data for p in [Layer(50, 40, init=init)] for n in p.neurons for w in n.w])
    assert np.std(weights) == pytest.approx(std, rel=0.1)


def test_a_function_can_initialise_the_weights():
    neuron = Neuron(3, init=lambda rng, fan_in, fan_out: fan_in * 10 + fan_out)
    assert [w.data for w in neuron.w] == [31.0, 31.0, 31.0]


def test_unknown_init_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="xavier"):
        MLP(2, [1], init="zeros")


# --- forward nodes and their labels ---------------------------------------------------------


def test_forward_nodes_of_a_2_3_1_network_carry_nielsen_labels():
    model = MLP(2, [3, 1])
    out = model([0.5, -1.0])
    labels = [v.label for v in topo_order(out)]
    made = [lab for lab in labels if lab not in NAMES_2_3_1]
    assert sorted(made) == sorted(
        ["a^1_1", "a^1_2", "z^2_1", "a^2_1", "z^2_2", "a^2_2", "z^2_3", "a^2_3", "z^3_1"]
    )
    assert len(labels) == 13 + len(made)  # no unlabelled node at all


def test_each_weighted_input_is_one_wsum_node_with_weights_inputs_bias():
    model = MLP(2, [3, 1])
    out = model([0.5, -1.0])
    assert out.op == "wsum" and out.label == "z^3_1"
    assert [p.label for p in out.parents] == [
        "w^3_11",
        "w^3_12",
        "w^3_13",
        "a^2_1",
        "a^2_2",
        "a^2_3",
        "b^3_1",
    ]
    a21 = out.parents[3]
    assert a21.op == "relu"
    z21 = a21.parents[0]
    assert (z21.op, z21.label) == ("wsum", "z^2_1")
    assert [p.label for p in z21.parents] == ["w^2_11", "w^2_12", "a^1_1", "a^1_2", "b^2_1"]


def test_numbers_become_input_leaves_labelled_a1():
    out = MLP(2, [1])([0.5, -1.0])
    inputs = out.parents[2:4]
    assert [(v.label, v.data, v.op) for v in inputs] == [("a^1_1", 0.5, ""), ("a^1_2", -1.0, "")]


def test_value_inputs_are_used_as_given():
    x = [Value(0.5, label="x1"), Value(-1.0)]
    out = MLP(2, [1])(x)
    assert out.parents[2] is x[0] and out.parents[3] is x[1]
    assert (x[0].label, x[1].label) == ("x1", None)


def test_standalone_neuron_is_labelled_by_its_layer_and_index():
    neuron = Neuron(2, activation="tanh", layer=3, index=2)
    a = neuron([1.0, 2.0])
    assert [p.label for p in neuron.parameters()] == ["w^3_21", "w^3_22", "b^3_2"]
    assert (a.label, a.parents[0].label) == ("a^3_2", "z^3_2")
    assert [v.label for v in a.parents[0].parents[2:4]] == ["a^2_1", "a^2_2"]


def test_output_activation_adds_an_activation_node():
    out = MLP(2, [3, 1], output_activation="sigmoid")([0.5, -1.0])
    assert (out.op, out.label, out.parents[0].label) == ("sigmoid", "a^3_1", "z^3_1")


# --- activations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "activation, f, df",
    [
        ("relu", lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
        ("tanh", math.tanh, lambda z: 1 - math.tanh(z) ** 2),
        (
            "sigmoid",
            lambda z: 1 / (1 + math.exp(-z)),
            lambda z: math.exp(-z) / (1 + math.exp(-z)) ** 2,
        ),
        ("linear", lambda z: z, lambda z: 1.0),
    ],
)
@pytest.mark.parametrize("bias", [0.3, -2.0])
def test_each_activation_value_and_gradient(activation, f, df, bias):
    neuron = Neuron(2, activation=activation)
    set_params(neuron, [0.5, -0.25, bias])
    x = [1.2, 0.4]
    z = 0.5 * 1.2 - 0.25 * 0.4 + bias
    out = neuron(x)
    out.backward()
    assert out.data == pytest.approx(f(z), rel=1e-12)
    assert [p.grad for p in neuron.parameters()] == pytest.approx(
        [df(z) * 1.2, df(z) * 0.4, df(z)], rel=1e-12
    )


def test_linear_neuron_output_is_its_weighted_input():
    out = Neuron(2, activation="linear")([1.0, 2.0])
    assert (out.op, out.label) == ("wsum", "z^2_1")


def test_unknown_activation_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="relu, tanh, sigmoid, linear"):
        Neuron(2, activation="softplus")


def test_mlp_matches_a_hand_computed_forward_pass():
    model = MLP(2, [2, 1], activation="tanh")
    set_params(model, [0.1, 0.2, 0.3, -0.4, 0.5, -0.6, 0.7, 0.8, 0.9])
    h1 = math.tanh(0.1 * 1.0 + 0.2 * 2.0 + 0.3)
    h2 = math.tanh(-0.4 * 1.0 + 0.5 * 2.0 - 0.6)
    assert model([1.0, 2.0]).data == pytest.approx(0.7 * h1 + 0.8 * h2 + 0.9, rel=1e-14)


# --- outputs and inputs ---------------------------------------------------------------------


def test_layer_returns_a_list_even_for_one_neuron():
    out = Layer(2, 1)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1


def test_mlp_returns_a_value_for_one_output_and_a_list_for_several():
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and [v.label for v in out] == ["z^3_1", "z^3_2"]


@pytest.mark.parametrize(
    "x",
    [
        [1.0, 2.0],
        (1, 2),
        np.array([1.0, 2.0]),
        [np.float32(1.0), np.int64(2)],
        [Value(1.0), 2.0],
    ],
)
def test_every_kind_of_input_gives_the_same_output(x):
    model = MLP(2, [3, 1])
    assert model(x).data == model([1.0, 2.0]).data


@pytest.mark.parametrize("x", [[1.0], [1.0, 2.0, 3.0], np.zeros(3)])
def test_wrong_number_of_inputs_names_expected_and_got(x):
    with pytest.raises(ValueError, match=rf"expected 2 input\(s\), got {len(x)}"):
        MLP(2, [1])(x)


def test_non_number_input_names_its_position_and_label():
    with pytest.raises(TypeError, match=r"input 2 \(a\^1_2\).*str"):
        MLP(2, [1])([1.0, "2"])


def test_nan_input_is_refused():
    with pytest.raises(ValueError, match="NaN"):
        MLP(2, [1])([1.0, float("nan")])


@pytest.mark.parametrize("args", [(0, [1]), (2, []), (2, [0]), (2, 3), (2, [2.5])])
def test_bad_sizes_are_refused(args):
    with pytest.raises(ValueError):
        MLP(*args)


@pytest.mark.parametrize(
    "x",
    [{0: 5.0, 1: 7.0}, b"ab", "ab", {1.0, 2.0}, bytearray(b"ab"), None, np.array(1.0)],
    ids=["dict", "bytes", "str", "set", "bytearray", "None", "0-d array"],
)
def test_an_input_that_is_not_a_sequence_of_numbers_is_refused(x):
    with pytest.raises(TypeError, match="must be a list of numbers"):
        MLP(2, [1])(x)


@pytest.mark.parametrize("flag", [True, False, np.True_, np.False_])
def test_a_boolean_input_is_refused_by_position(flag):
    for model in (MLP(2, [1]), Layer(2, 1), Neuron(2)):
        with pytest.raises(TypeError, match=r"input 2 \(a\^1_2\).*bool"):
            model([1.0, flag])


@pytest.mark.parametrize(
    "bad, message",
    [
        (math.inf, "finite"),
        (-math.inf, "finite"),
        (10**400, "too large"),
        (np.float64("nan"), "NaN"),
    ],
)
def test_a_non_finite_or_huge_input_is_refused_by_position(bad, message):
    with pytest.raises(ValueError, match=rf"input 1 \(a\^1_1\).*{message}"):
        MLP(2, [1])([bad, 1.0])


@pytest.mark.parametrize(
    "args",
    [(2, [10**400]), (10**400, [1]), (2, [10**12]), (2, [4000, 4000, 4000]), (2, [1] * 6_000_000)],
    ids=["huge width", "huge n_inputs", "10**12", "just over the cap", "millions of layers"],
)
def test_a_network_too_large_is_refused_by_arithmetic_before_anything_is_made(args, monkeypatch):
    from autograd_lite.nn import saving

    monkeypatch.setattr(Neuron, "__init__", lambda *a, **k: pytest.fail("a neuron was made"))
    with pytest.raises(ValueError, match=f"more than {saving.MAX_PARAMETERS:,} parameters"):
        MLP(*args)


def test_neurons_and_layers_too_large_are_refused_too():
    with pytest.raises(ValueError, match="more than 10,000,000 parameters"):
        Neuron(10**400)
    with pytest.raises(ValueError, match="more than 10,000,000 parameters"):
        Layer(10**4, 10**4)


def test_the_size_limit_is_the_loaders_and_a_network_at_it_is_allowed():
    from autograd_lite.nn import saving

    assert saving.check_parameter_count(9_999, [1_000]) == saving.MAX_PARAMETERS
    with pytest.raises(ValueError):
        saving.check_parameter_count(9_999, [1_000, 1])


@pytest.mark.parametrize(
    "args, name",
    [
        ((True, [1]), "n_inputs"),
        ((2, [1, True]), r"layer_sizes\[1\]"),
        ((2, {3, 1}), "layer_sizes"),
        ((2, "31"), "layer_sizes"),
        ((2, np.int64(3)), "layer_sizes"),
    ],
)
def test_bad_sizes_name_the_size(args, name):
    with pytest.raises(ValueError, match=name):
        MLP(*args)


@pytest.mark.parametrize("seed", [True, 1.5, "1", math.nan])
def test_a_seed_must_be_a_whole_number(seed):
    for make in (lambda: MLP(2, [1], seed=seed), lambda: Neuron(2, seed=seed)):
        with pytest.raises(ValueError, match="seed must be a whole number"):
            make()


@pytest.mark.parametrize("weight", [math.inf, math.nan, 10**400, True, "0.1", 1j])
def test_an_init_function_must_return_a_finite_real_number(weight):
    with pytest.raises(ValueError, match="the weight returned by init"):
        MLP(2, [1], init=lambda rng, fan_in, fan_out: weight)


def test_neuron_switches_and_counts_are_checked():
    with pytest.raises(ValueError, match="comma_indices"):
        Neuron(2, comma_indices=1)
    with pytest.raises(ValueError, match="fan_out"):
        Neuron(2, fan_out=True)


def test_repr_shows_the_architecture():
    assert repr(MLP(2, [16, 16, 1])) == (
        "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')"
    )
    assert repr(Layer(3, 2)) == "Layer(3, 2, activation='relu', layer=2)"
    assert repr(Neuron(3, "tanh")) == "Neuron(3, activation='tanh', layer=2, index=1)"


# --- coming from micrograd ------------------------------------------------------------------


def test_a_micrograd_training_loop_runs_unchanged_and_learns():
    X = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    n = MLP(3, [4, 4, 1])
    losses = []
    for _ in range(30):
        ypred = [n(x) for x in X]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        n.zero_grad()
        loss.backward()
        for p in n.parameters():
            p.data -= 0.02 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.2 * losses[0]


# --- the public API documents itself ----------------------------------------------------------


def _public_modules():
    """Every module of the two packages whose name has no leading underscore."""
    import pkgutil

    import autograd_lite
    from conftest import HAS_GRAPHVIZ

    packages = [autograd_lite]
    if HAS_GRAPHVIZ:  # viz needs the graphviz Python package (the "viz" extra)
        import viz

        packages.append(viz)
    names = []
    for package in packages:
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            parts = info.name.split(".")
            if not any(part.startswith("_") for part in parts):
                names.append(info.name)
    return sorted(names)


_DOCUMENTED_MODULES = _public_modules()


def _public_api(module_name):
    import importlib
    import inspect

    module = importlib.import_module(module_name)
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module_name:
            continue
        if inspect.isfunction(obj):
            yield name, obj
        elif inspect.isclass(obj):
            yield name, obj
            for attr, member in vars(obj).items():
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                public = not attr.startswith("_") or attr == "__call__"
                if public and inspect.isfunction(member) and member.__module__ == module_name:
                    yield f"{name}.{attr}", member


@pytest.mark.parametrize("module_name", _DOCUMENTED_MODULES)
def test_every_public_function_and_method_has_its_own_docstring(module_name):
    missing = [name for name, obj in _public_api(module_name) if not obj.__doc__]
    assert missing == []


@pytest.mark.parametrize("module_name", _DOCUMENTED_MODULES)
def test_every_public_function_has_type_hints(module_name):
    import inspect

    missing = []
    for name, obj in _public_api(module_name):
        if not inspect.isfunction(obj):
            continue
        sig = inspect.signature(obj)
        missing += [
            f"{name}({p.name})"
            for p in sig.parameters.values()
            if p.name not in ("self", "cls") and p.annotation is p.empty
        ]
        if sig.return_annotation is sig.empty:
            missing.append(f"{name} -> ?")
    assert missing == []


def test_parameters_of_deeply_nested_modules_need_no_recursion():
    from autograd_lite.nn import Module, Neuron

    class Wrap(Module):
        def __init__(self, inner):
            self.inner = inner

        def _children(self):
            return [self.inner]

    leaf = Neuron(2, seed=0)
    model = leaf
    for _ in range(5000):
        model = Wrap(model)
    assert model.parameters() == leaf.parameters()
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in leaf.named_parameters()]
    model.zero_grad()
