"""Forward mode: tangents from the ops table's rules agree with reverse mode on random graphs,
and one pass visits each node once."""

import math

import pytest
from examples import worked_example
from expressions import BINARY, NAMES, UNARY, step
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, gradients, topo_order, weighted_sum
from autograd_lite import ops as ops_module
from autograd_lite.forward import forward_tangents, local_derivatives, node_tangent
from autograd_lite.functional import jvp


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step, min_size=1, max_size=8),
    point=st.tuples(*[st.floats(-1.5, 1.5) for _ in NAMES]),
    direction=st.tuples(*[st.floats(-2, 2) for _ in NAMES]),
)
def test_forward_and_reverse_give_the_same_directional_derivative_on_random_graphs(
    steps, point, direction
):
    leaves = [Value(v) for v in point]
    pool = list(leaves)
    for kind, name, *picks in steps:
        operands = [pool[i % len(pool)] for i in picks]
        make = (UNARY if kind == "u" else BINARY)[name][0]
        pool.append(make(*operands))
    root = pool[-1]
    reverse = sum(g * d for g, d in zip(gradients(root, leaves), direction))
    forward = forward_tangents([root], dict(zip(leaves, direction))).get(root, 0.0)
    assert math.isclose(forward, reverse, rel_tol=1e-9, abs_tol=1e-12)
    # one forward pass per input gives the whole gradient
    for leaf, g in zip(leaves, gradients(root, leaves)):
        t = forward_tangents([root], {leaf: 1.0}).get(root, 0.0)
        assert math.isclose(t, g, rel_tol=1e-12, abs_tol=1e-14)


def test_forward_mode_on_the_worked_example_gives_every_partial_derivative():
    out, w = worked_example()
    leaves = list(w.values())
    for leaf, g in zip(leaves, gradients(out, leaves)):
        assert forward_tangents([out], {leaf: 1.0})[out] == pytest.approx(g, rel=1e-14)


def test_the_forward_pass_visits_each_node_once(monkeypatch):
    out, w = worked_example()
    calls: dict[int, int] = {}
    for name, prim in list(ops_module.OPS.items()):
        rule = prim.rule

        def counting(g, o, *inputs, rule=rule):
            calls[id(o)] = calls.get(id(o), 0) + 1
            return rule(g, o, *inputs)

        monkeypatch.setitem(ops_module.OPS, name, prim.replace(rule=counting))
    # every operand moves: w1 is used by the shared hidden neuron, the others one each
    seeds = {v: 1.0 for v in w.values()}
    forward_tangents([out], seeds)
    ops = [v for v in topo_order(out) if v.parents]
    assert len(calls) == len(ops)
    assert set(calls.values()) == {1}


def test_local_derivatives_are_the_rule_with_g_1():
    a, b = Value(2.0), Value(3.0)
    assert local_derivatives(a * b) == (3.0, 2.0)
    assert local_derivatives(a / b) == pytest.approx((1 / 3, -2 / 9))
    assert local_derivatives(a) == ()


def test_node_tangent_sums_the_terms_of_the_operands_that_move():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert node_tangent(c, [1.0, 0.0]) == 3.0
    assert node_tangent(c, [1.0, 1.0]) == 5.0
    assert node_tangent(c, [None, 0.0]) is None


def test_a_constant_with_an_infinite_local_derivative_does_not_stop_forward_mode():
    x = Value(1.5)
    y = 0.0**x + x.sqrt()
    (t,) = [forward_tangents([y], {x: 1.0})[y]]
    assert t == pytest.approx(0.5 / math.sqrt(1.5))


def test_an_infinite_tangent_is_an_error_naming_the_node():
    x = Value(0.0, label="x")
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        forward_tangents([x.sqrt()], {x: 1.0})


def test_forward_mode_through_weighted_sum():
    w = [Value(0.5), Value(-1.0)]
    a = [Value(2.0), Value(3.0)]
    b = Value(0.1)
    z = weighted_sum(w, a, b).tanh()
    seeds = {w[0]: 1.0, a[1]: 2.0, b: -1.0}
    reverse = gradients(z, [w[0], a[1], b])
    assert forward_tangents([z], seeds)[z] == pytest.approx(
        reverse[0] + 2 * reverse[1] - reverse[2], rel=1e-14
    )


def test_forward_mode_with_create_graph_gives_values_that_differentiate_again():
    x = Value(0.4)
    y = (x * x).sin()
    t = forward_tangents([y], {x: 1.0}, create_graph=True)[y]
    assert type(t) is Value
    assert t.data == pytest.approx(2 * 0.4 * math.cos(0.16))
    (dt,) = gradients(t, [x])
    assert dt == pytest.approx(2 * math.cos(0.16) - 4 * 0.16 * math.sin(0.16))


def test_jvp_of_several_outputs_shares_one_pass():
    out, t = jvp(lambda x, y: [x * y, (x * y).exp(), 2.0], (1.0, 2.0), (1.0, 0.0))
    assert out == [2.0, pytest.approx(math.exp(2.0)), 2.0]
    assert t == [2.0, pytest.approx(2 * math.exp(2.0)), 0.0]


@pytest.mark.parametrize(
    "f, x, expected",
    [
        # x / (x·x·1e300) · 1e300 is 1/x: the divisor's local derivative −out/b underflows
        (lambda x: x / (x * x * 1e300) * 1e300, 2.5, -1 / 2.5**2),
        # x / (1e-300 / x) is x²·1e300: the divisor's local derivative alone is −1e597
        (lambda x: x / (1e-300 / x), 0.1, 2 * 0.1 / 1e-300),
    ],
)
def test_a_local_derivative_beyond_float_range_still_gives_the_right_tangent(f, x, expected):
    from autograd_lite import jvp

    _, tangent = jvp(f, (x,), (1.0,))
    assert tangent == pytest.approx(expected, rel=1e-12)
