"""Nielsen's labels: one writer and one reader, shared by nn, the equations and drawings."""

import pytest

import viz.labels
from autograd_lite import Value
from autograd_lite.labels import neuron_label, parse_nielsen, weight_label
from autograd_lite.nn import MLP
from autograd_lite.teach.bp_equations import backprop_equations


@pytest.mark.parametrize(
    "label, parsed",
    [
        ("w^2_11", ("w", 2, 1, 1)),
        ("w^3_1,12", ("w", 3, 1, 12)),
        ("w^12_10,9", ("w", 12, 10, 9)),
        ("b^2_10", ("b", 2, 10, None)),
        ("z^3_1", ("z", 3, 1, None)),
        ("a^1_2", ("a", 1, 2, None)),
    ],
)
def test_well_formed_labels_are_read(label, parsed):
    assert parse_nielsen(label) == parsed


@pytest.mark.parametrize(
    "label",
    [
        "w^2_1,2,3",  # three indices
        "w^2_1",  # a weight needs two indices
        "w^2_123",  # three digits without a comma: ambiguous
        "w^2_10",
        "w^2_0,1",
        "b^2_0",
        "z^0_1",  # indices and layers start at 1
        "b^2_01",
        "w^02_11",
        "w^2_01,1",  # leading zeros would name one node twice
        "b^2_1,2",  # a bias has one index
        "w^2_12 ",
        " a^1_1",
        "x_1",
        "delta^2_1",
        "",
        None,
    ],
)
def test_malformed_or_other_labels_read_as_none(label):
    assert parse_nielsen(label) is None


def test_written_labels_read_back():
    assert parse_nielsen(weight_label(4, 12, 3, comma=True)) == ("w", 4, 12, 3)
    assert parse_nielsen(weight_label(4, 2, 3, comma=False)) == ("w", 4, 2, 3)
    assert parse_nielsen(neuron_label("b", 2, 7)) == ("b", 2, 7, None)


def test_every_label_an_mlp_makes_reads_back():
    model = MLP(11, [12, 1], seed=0)
    out = model([0.0] * 11)
    labels = [p.label for p in model.parameters()] + [out.label]
    assert all(parse_nielsen(t) is not None for t in labels)


def test_drawings_use_the_same_reader():
    assert viz.labels.parse_nielsen is parse_nielsen


def test_equations_ignore_a_label_with_three_indices():
    # Once a raw int() ValueError; now the odd label is simply not part of the network.
    w, a, b = Value(0.5, label="w^2_11"), Value(2.0, label="a^1_1"), Value(0.1, label="b^2_1")
    z = w * a + b
    z.label = "z^2_1"
    cost = z * Value(1.0, label="w^2_1,2,3")
    table = backprop_equations(cost)
    assert table.agrees
    assert [r.quantity for r in table.rows] == ["δ^2_1", "∂C/∂b^2_1", "∂C/∂w^2_11"]
