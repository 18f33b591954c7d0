"""Every primitive of the ops table, checked automatically against finite differences.

A new primitive added to ``OPS`` fails ``test_every_primitive_has_sample_points`` until it is
given sample points here, and from then on all the table-driven tests below check it.
"""

import math

import pytest

from autograd_lite import Value, gradients
from autograd_lite.ops import NARY, OPS, Primitive, register

# Points away from kinks and domain edges, one tuple of operands per point.
SAMPLE_POINTS = {
    "add": [(1.5, -2.0), (0.3, 0.7), (-4.0, 10.0)],
    "sub": [(1.5, -2.0), (0.3, 0.7), (-4.0, 10.0)],
    "mul": [(1.5, -2.0), (0.3, 0.7), (-4.0, 10.0)],
    "div": [(1.5, -2.0), (0.3, 0.7), (-4.0, 10.0)],
    "pow": [(1.5, 2.0), (0.3, -0.5), (2.0, 3.5), (0.7, 1.3)],
    "neg": [(1.5,), (-0.3,)],
    "abs": [(1.5,), (-0.3,), (7.0,)],
    "exp": [(1.5,), (-0.3,), (-5.0,)],
    "log": [(1.5,), (0.3,), (20.0,)],
    "log1p": [(1.5,), (-0.3,), (1e-3,)],
    "tanh": [(1.5,), (-0.3,), (0.01,)],
    "sigmoid": [(1.5,), (-0.3,), (-4.0,)],
    "relu": [(1.5,), (-0.3,), (4.0,)],
    "sqrt": [(1.5,), (0.3,), (9.0,)],
    "sin": [(1.5,), (-0.3,), (4.0,)],
    "cos": [(1.5,), (-0.3,), (4.0,)],
    # w1, w2, w3, a1, a2, a3, b
    "wsum": [(0.5, -1.0, 2.0, 1.5, 0.25, -3.0, 0.1), (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)],
}

# Exact expected outputs at one point each, worked by hand.
EXACT_FORWARD = {
    "add": ((1.5, -2.0), -0.5),
    "sub": ((1.5, -2.0), 3.5),
    "mul": ((1.5, -2.0), -3.0),
    "div": ((1.5, -2.0), -0.75),
    "pow": ((2.0, 3.0), 8.0),
    "neg": ((1.5,), -1.5),
    "abs": ((-1.5,), 1.5),
    "exp": ((0.0,), 1.0),
    "log": ((1.0,), 0.0),
    "log1p": ((1e-20,), 1e-20),
    "tanh": ((0.0,), 0.0),
    "sigmoid": ((0.0,), 0.5),
    "relu": ((-1.5,), 0.0),
    "sqrt": ((9.0,), 3.0),
    "sin": ((0.0,), 0.0),
    "cos": ((0.0,), 1.0),
    "wsum": ((2.0, 3.0, 10.0, 100.0, 1.0), 2.0 * 10.0 + 3.0 * 100.0 + 1.0),
}

CASES = [(name, point) for name, points in SAMPLE_POINTS.items() for point in points]


def build(name, leaves):
    """Apply primitive ``name`` to leaf Values through the public API."""
    a = leaves[0]
    b = leaves[1] if len(leaves) > 1 else None
    if name == "wsum":
        from autograd_lite import weighted_sum

        n = (len(leaves) - 1) // 2
        return weighted_sum(leaves[:n], leaves[n : 2 * n], leaves[-1])
    binary = {
        "add": lambda: a + b,
        "sub": lambda: a - b,
        "mul": lambda: a * b,
        "div": lambda: a / b,
        "pow": lambda: a**b,
    }
    if name in binary:
        return binary[name]()
    if name == "neg":
        return -a
    if name == "abs":
        return abs(a)
    return getattr(a, name)()


def central_difference(name, point, i, eps=1e-6):
    fwd = OPS[name].forward
    up = list(point)
    down = list(point)
    up[i] += eps
    down[i] -= eps
    return (fwd(*up) - fwd(*down)) / (2 * eps)


def test_every_primitive_has_sample_points():
    assert set(SAMPLE_POINTS) == set(OPS)
    assert set(EXACT_FORWARD) == set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
def test_table_entry_is_complete(name):
    prim = OPS[name]
    assert isinstance(prim, Primitive) and prim.name == name
    assert prim.symbol and prim.template
    if prim.arity != NARY:
        assert len(prim.derivatives) == prim.arity
    assert all(d.startswith("∂") and "=" in d for d in prim.derivatives)


@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_matches_hand_worked_value(name):
    point, expected = EXACT_FORWARD[name]
    leaves = [Value(x) for x in point]
    out = build(name, leaves)
    assert out.op == name
    assert out.parents == tuple(leaves)
    assert out.data == pytest.approx(expected, rel=1e-15, abs=1e-15)


@pytest.mark.parametrize("name,point", CASES)
def test_gradient_matches_central_differences(name, point):
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    out = build(name, leaves)
    out.backward()
    for i, leaf in enumerate(leaves):
        numeric = central_difference(name, point, i)
        assert leaf.grad == pytest.approx(numeric, rel=1e-6, abs=1e-7), (name, point, i)


@pytest.mark.parametrize("name,point", CASES)
def test_rule_scales_with_upstream_gradient(name, point):
    prim = OPS[name]
    out = prim.forward(*point)
    ones = prim.rule(1.0, out, *point)
    threes = prim.rule(3.0, out, *point)
    assert len(ones) == len(point)
    for g1, g3 in zip(ones, threes):
        assert g3 == pytest.approx(3.0 * g1, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("name,point", CASES)
def test_rule_works_on_values_too(name, point):
    # Rules are written with arithmetic that also works on Values, so gradients can later be
    # built as graphs; the numbers must agree with the float evaluation.
    prim = OPS[name]
    out = prim.forward(*point)
    floats = prim.rule(2.0, out, *point)
    values = prim.rule(Value(2.0), Value(out), *[Value(x) for x in point])
    for f, v in zip(floats, values):
        v = v.data if isinstance(v, Value) else v
        assert v == pytest.approx(f, rel=1e-12, abs=1e-300)


def test_relu_gradient_at_zero_is_zero():
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert y.data == 0.0 and x.grad == 0.0


def test_abs_gradient_at_zero_is_zero_by_convention():
    x = Value(0.0)
    y = abs(x)
    y.backward()
    assert y.data == 0.0 and x.grad == 0.0


@pytest.mark.parametrize("x", [-1000.0, -40.0, 0.0, 40.0, 1000.0, 1e308, -1e308])
def test_sigmoid_is_stable_for_any_finite_input(x):
    v = Value(x)
    y = v.sigmoid()
    y.backward()
    assert 0.0 <= y.data <= 1.0 and math.isfinite(v.grad)
    assert y.data == pytest.approx(0.5 * (1 + math.tanh(x / 2)), abs=1e-15)


@pytest.mark.parametrize(
    "x, out, grad",
    [
        (-1e308, -1.0, 0.0),
        # saturated: out is ±1 exactly, and the derivative 4e^(-2|x|)/(1 + e^(-2|x|))² is
        # still a normal float (1 − out² would give 0)
        (-30.0, -1.0, 4.0 * math.exp(-60.0)),
        (30.0, 1.0, 4.0 * math.exp(-60.0)),
        (1e308, 1.0, 0.0),
        # the last input whose tanh is below 1: the largest float under 1 is 1 - 2^-53, where
        # 1 - out² would round to 2^-52, nearly twice the derivative
        (19.0, 1.0 - 2.0**-53, 4.0 * math.exp(-38.0)),
        (-19.0, -(1.0 - 2.0**-53), 4.0 * math.exp(-38.0)),
    ],
)
def test_tanh_is_exact_at_extremes(x, out, grad):
    v = Value(x)
    y = v.tanh()
    y.backward()
    assert y.data == out
    assert v.grad == pytest.approx(grad, rel=1e-15, abs=0.0)


def test_pow_at_zero_base_with_zero_exponent_has_zero_gradient():
    x = Value(0.0)
    y = x**0
    y.backward()
    assert y.data == 1.0 and x.grad == 0.0


def test_pow_with_negative_base_and_integer_exponent():
    x = Value(-2.0)
    n = Value(3.0)
    y = x**n
    y.backward()
    assert y.data == -8.0
    assert x.grad == 12.0
    # the exponent's partial needs ln(x), which does not exist for x < 0: treated as constant
    assert n.grad == 0.0


def test_wsum_gradient_orders_weights_inputs_bias():
    ws = [Value(2.0), Value(3.0)]
    xs = [Value(5.0), Value(7.0)]
    b = Value(1.0)
    grads = gradients(build("wsum", ws + xs + [b]), ws + xs + [b])
    assert grads == [5.0, 7.0, 2.0, 3.0, 1.0]


def test_register_refuses_a_taken_name():
    with pytest.raises(ValueError, match="already"):
        register(OPS["add"])


def test_register_refuses_wrong_number_of_derivative_texts():
    bad = Primitive("twice", 1, lambda a: 2 * a, lambda g, out, a: (2 * g,), "2×", "2a", ())
    with pytest.raises(ValueError, match="1 operand"):
        register(bad)
    assert "twice" not in OPS
