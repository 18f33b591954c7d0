"""Gradients as graphs and the functional API (grad, jacobian, hessian, hvp, jvp): closed
forms, sympy on random expressions from every primitive, central differences, and JAX's
conventions for argnums, shapes and types."""

import math
import random
import threading

import pytest
from expressions import BINARY, NAMES, UNARY, step, symbols
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite
from autograd_lite import Value, gradients, topo_order, weighted_sum
from autograd_lite.functional import grad, hessian, hvp, jacobian, jvp
from autograd_lite.nn import MLP
from autograd_lite.ops import OPS


def close(a, b, tol=1e-9):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def central(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


# --- importable from both places ---------------------------------------------------------------


def test_the_api_is_importable_from_the_package_and_from_functional():
    from autograd_lite import functional

    for name in ("grad", "jacobian", "hessian", "hvp", "jvp"):
        assert getattr(autograd_lite, name) is getattr(functional, name)
        assert name in autograd_lite.__all__


# --- gradients(create_graph=True) ----------------------------------------------------------


def test_create_graph_returns_values_whose_graphs_differentiate_again():
    x, y = Value(1.5, label="x"), Value(-0.5, label="y")
    f = x * x * y + (x * y).sin()
    dx, dy = gradients(f, [x, y], create_graph=True)
    assert type(dx) is Value and type(dy) is Value
    assert dx.data == pytest.approx(2 * 1.5 * -0.5 + -0.5 * math.cos(-0.75))
    dxx, dxy = gradients(dx, [x, y])
    assert dxx == pytest.approx(2 * -0.5 - 0.25 * math.sin(-0.75))
    assert dxy == pytest.approx(2 * 1.5 + math.cos(-0.75) + 0.75 * math.sin(-0.75))


def test_create_graph_agrees_with_the_float_pass_on_every_primitive():
    points = {"log": 1.7, "sqrt": 2.3, "log1p": 0.4}
    for name, prim in OPS.items():
        a, b = Value(points.get(name, 0.8)), Value(1.3)
        if prim.arity == 1:
            out = (
                getattr(a, name)()
                if name not in ("neg", "abs")
                else (-a if name == "neg" else abs(a))
            )
            wrt = [a]
        elif name == "wsum":
            out = weighted_sum([a, b], [Value(0.3), Value(-2.0)], Value(0.1))
            wrt = [a, b]
        else:
            out = autograd_lite.engine.apply(name, (a, b))
            wrt = [a, b]
        floats = gradients(out, wrt)
        values = gradients(out, wrt, create_graph=True)
        assert [v.data for v in values] == pytest.approx(floats, rel=1e-15), name


def test_create_graph_writes_no_grad_slot():
    x = Value(0.3)
    y = (x * x).tanh().sigmoid() * x
    order = topo_order(y)
    for v in order:
        v.grad = 7.0
    (d,) = gradients(y, [x], create_graph=True)
    gradients(d, [x])
    assert all(v.grad == 7.0 for v in order)
    assert all(v.grad == 0.0 for v in topo_order(d) if v not in set(order))


def test_create_graph_leaves_a_reader_thread_seeing_no_change():
    x = Value(0.7)
    y = x
    for _ in range(300):
        y = (y * 0.9 + x).tanh()
    order = topo_order(y)
    seen = []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            seen.extend(v.grad for v in order[:50])

    t = threading.Thread(target=read)
    t.start()
    try:
        gradients(y, [x], create_graph=True)
    finally:
        stop.set()
        t.join()
    assert set(seen) <= {0.0}


def test_create_graph_for_a_node_root_does_not_depend_on_is_a_constant_zero():
    x, z = Value(2.0), Value(5.0)
    (dz,) = gradients(x * x, [z], create_graph=True)
    assert type(dz) is Value and dz.data == 0.0
    assert gradients(dz, [x]) == [0.0]


def test_constant_base_of_a_power_is_not_differentiated_on_values():
    x = Value(1.5)
    (d,) = gradients(0.0**x + x * x, [x], create_graph=True)  # d(0^x)/d(base) is infinite
    assert d.data == 3.0 and gradients(d, [x]) == [2.0]


def test_an_infinite_derivative_that_is_needed_is_an_error_naming_the_node():
    x = Value(0.0, label="x")
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        gradients(x.sqrt(), [x], create_graph=True)


# --- grad ------------------------------------------------------------------------------------


def test_grad_floats_in_floats_out_values_in_values_out():
    f = grad(lambda x: x * x * x)
    assert f(2.0) == 12.0 and type(f(2.0)) is float
    v = f(Value(2.0))
    assert type(v) is Value and v.data == 12.0


def test_grad_of_grad_is_the_second_derivative_to_any_order():
    assert grad(grad(lambda x: x * x * x))(2.0) == 12.0
    assert grad(grad(grad(lambda x: x * x * x)))(2.0) == 6.0
    assert grad(grad(grad(grad(lambda x: x * x * x))))(2.0) == 0.0
    assert grad(grad(lambda x: x.exp()))(0.7) == pytest.approx(math.exp(0.7), rel=1e-15)


def test_grad_argnums_int_gives_one_tuple_gives_a_tuple():
    f = lambda x, y: x * x * y  # noqa: E731
    assert grad(f)(3.0, 2.0) == 12.0
    assert grad(f, argnums=1)(3.0, 2.0) == 9.0
    assert grad(f, argnums=(0, 1))(3.0, 2.0) == (12.0, 9.0)
    assert grad(f, argnums=(1,))(3.0, 2.0) == (9.0,)
    assert grad(f, argnums=-1)(3.0, 2.0) == 9.0


def test_grad_of_a_list_argument_has_its_shape():
    f = lambda v: v[0] * v[1] + v[2].sin()  # noqa: E731
    assert grad(f)([2.0, 3.0, 0.0]) == [3.0, 2.0, 1.0]
    assert grad(f)((2.0, 3.0, 0.0)) == (3.0, 2.0, 1.0)
    assert grad(lambda t: t[0][0] * t[1])([[2.0], 5.0]) == [[5.0], 2.0]


def test_a_number_held_fixed_can_use_value_methods():
    assert grad(lambda x, y: x * y.sin())(2.0, 0.0) == 0.0


def test_mixed_partial_derivatives_by_nesting_with_argnums():
    f = lambda x, y: x * x * y * y + x.sin() * y  # noqa: E731
    fxy = grad(grad(f, 0), 1)(1.2, 0.7)
    fyx = grad(grad(f, 1), 0)(1.2, 0.7)
    assert fxy == pytest.approx(4 * 1.2 * 0.7 + math.cos(1.2), rel=1e-14)
    assert fyx == pytest.approx(fxy, rel=1e-14)


def test_grad_of_a_function_that_ignores_its_argument_is_zero():
    assert grad(lambda x: Value(3.0))(1.0) == 0.0
    assert grad(grad(lambda x: x * 2.0))(1.0) == 0.0


def test_grad_refuses_a_list_output_and_bad_argnums():
    with pytest.raises(TypeError, match="use jacobian"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="argnums"):
        grad(lambda x: x, argnums="0")
    with pytest.raises(TypeError, match="argnums"):
        grad(lambda x: x, argnums=True)
    with pytest.raises(ValueError, match="argument 3"):
        grad(lambda x: x, argnums=3)(1.0)
    with pytest.raises(TypeError, match="must be a number"):
        grad(lambda x: x)("1")
    with pytest.raises(TypeError, match="needs a function"):
        grad(3)


def test_grad_of_grad_against_central_differences_of_grad():
    rng = random.Random(3)
    funcs = [
        lambda x: (x * x + 1).log() * x.tanh(),
        lambda x: x.sigmoid() / (1 + x * x),
        lambda x: (x.cos() + 2).sqrt() * x**3,
        lambda x: 2 ** x.tanh() + (x * x + 0.5) ** 1.5,
    ]
    for f in funcs:
        g = grad(f)
        for _ in range(5):
            x = rng.uniform(-1.5, 1.5)
            assert close(grad(g)(x), central(g, x), 1e-6)


# --- jacobian and hessian ------------------------------------------------------------------


def test_jacobian_rows_are_outputs():
    f = lambda p: [p[0] * p[1].cos(), p[0] * p[1].sin(), p[0] * p[0]]  # noqa: E731
    r, t = 2.0, 0.3
    J = jacobian(f)([r, t])
    want = [
        [math.cos(t), -r * math.sin(t)],
        [math.sin(t), r * math.cos(t)],
        [2 * r, 0.0],
    ]
    assert len(J) == 3 and all(len(row) == 2 for row in J)
    for row, wrow in zip(J, want):
        assert row == pytest.approx(wrow, rel=1e-15)


def test_jacobian_of_scalar_arguments_with_a_tuple_of_argnums():
    f = lambda x, y: [x * y, x + y]  # noqa: E731
    assert jacobian(f, argnums=(0, 1))(2.0, 3.0) == [(3.0, 2.0), (1.0, 1.0)]
    assert jacobian(f)(2.0, 3.0) == [3.0, 1.0]
    assert jacobian(lambda x: x * x)(3.0) == 6.0


def test_hessian_closed_form():
    # f = x²y + e^(xy): fxx = 2y + y²e^(xy), fxy = 2x + (1 + xy)e^(xy), fyy = x²e^(xy)
    f = lambda x, y: x * x * y + (x * y).exp()  # noqa: E731
    x, y = 1.0, 2.0
    e = math.exp(x * y)
    H = hessian(f, argnums=(0, 1))(x, y)
    want = ((2 * y + y * y * e, 2 * x + (1 + x * y) * e), (2 * x + (1 + x * y) * e, x * x * e))
    for row, wrow in zip(H, want):
        assert row == pytest.approx(wrow, rel=1e-14)
    assert type(H) is tuple and type(H[0]) is tuple
    assert hessian(f)(x, y) == pytest.approx(want[0][0], rel=1e-14)
    assert hessian(lambda v: f(v[0], v[1]))([x, y]) == [
        pytest.approx(list(want[0]), rel=1e-14),
        pytest.approx(list(want[1]), rel=1e-14),
    ]


def test_hessian_of_a_quadratic_form_is_its_symmetric_matrix():
    A = [[2.0, -1.0, 0.5], [0.0, 3.0, 1.0], [4.0, 0.0, -2.0]]

    def q(v):
        return sum((A[i][j] * v[i] * v[j] for i in range(3) for j in range(3)), Value(0.0))

    H = hessian(q)([0.3, -1.2, 2.0])
    assert H == [[A[i][j] + A[j][i] for j in range(3)] for i in range(3)]


def test_hessian_values_in_values_out():
    H = hessian(lambda x: x * x * x)(Value(2.0))
    assert type(H) is Value and H.data == 12.0


@pytest.mark.slow  # sympy's Hessians take seconds; CI runs them
@settings(max_examples=12, deadline=None)  # sympy's nine second derivatives take a while
@given(
    steps=st.lists(step, min_size=1, max_size=6),
    point=st.tuples(*[st.floats(-1.5, 1.5) for _ in NAMES]),
)
def test_hessian_of_random_expressions_from_every_primitive_matches_sympy(steps, point):
    import sympy as sp

    SYMBOLS = symbols()
    exprs = []

    def f(v):
        pool = list(zip(v, SYMBOLS))
        for kind, name, *picks in steps:
            operands = [pool[i % len(pool)] for i in picks]
            make, sym = (UNARY if kind == "u" else BINARY)[name]
            pool.append((make(*[o[0] for o in operands]), sym(*[o[1] for o in operands])))
        exprs.append(pool[-1][1])
        return pool[-1][0]

    H = hessian(f)(list(point))
    expr = exprs[-1]
    subs = dict(zip(SYMBOLS, point))
    for i, si in enumerate(SYMBOLS):
        for j, sj in enumerate(SYMBOLS):
            want = float(sp.diff(expr, si, sj).evalf(30, subs=subs))
            assert math.isclose(H[i][j], want, rel_tol=1e-8, abs_tol=1e-10), (i, j, expr)


def test_every_primitive_appears_in_the_random_expressions():
    used = set(UNARY) | {"add", "sub", "mul", "div", "pow"}
    assert set(OPS) - {"wsum"} <= used


# --- jvp and hvp -----------------------------------------------------------------------------


def test_jvp_returns_the_output_and_its_tangent():
    f = lambda x1, x2: x1.log() + x1 * x2 - x2.sin()  # noqa: E731
    out, t = jvp(f, (2.0, 5.0), (1.0, 0.0))
    assert out == pytest.approx(11.652071455223084, rel=1e-15) and t == 5.5
    _, t2 = jvp(f, (2.0, 5.0), (0.0, 1.0))
    assert t2 == pytest.approx(2.0 - math.cos(5.0), rel=1e-15)
    assert type(out) is float and type(t) is float


def test_jvp_equals_the_jacobian_times_the_tangent():
    rng = random.Random(5)
    f = lambda v: [  # noqa: E731
        (v[0] * v[1]).tanh() + v[2].exp(),
        v[0] / (1 + v[2] * v[2]) - v[1].sigmoid(),
        (v[0] * v[0] + v[1] * v[1] + 1).log() * v[2].cos(),
    ]
    for _ in range(10):
        x = [rng.uniform(-1, 1) for _ in range(3)]
        t = [rng.uniform(-2, 2) for _ in range(3)]
        J = jacobian(f)(x)
        out, tangent = jvp(f, (x,), (t,))
        assert out == pytest.approx([o.data for o in f([Value(a) for a in x])], rel=1e-15)
        want = [sum(J[i][j] * t[j] for j in range(3)) for i in range(3)]
        assert tangent == pytest.approx(want, rel=1e-12, abs=1e-14)


def test_jvp_values_in_values_out_and_nests_with_grad():
    # d/dx of the directional derivative of x³ along 1: 6x
    assert grad(lambda x: jvp(lambda y: y * y * y, (x,), (1.0,))[1])(2.0) == 12.0
    out, t = jvp(lambda y: y * y, (Value(3.0),), (1.0,))
    assert type(out) is Value and type(t) is Value and t.data == 6.0


def test_jvp_refuses_tangents_of_another_shape():
    with pytest.raises(ValueError, match="tangent"):
        jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match="shape"):
        jvp(lambda v: v[0], ([1.0, 2.0],), ([1.0],))


def test_hvp_equals_the_hessian_times_the_vector():
    f = lambda x, y: x * x * y + (x * y).exp()  # noqa: E731
    H = hessian(f, argnums=(0, 1))(1.0, 2.0)
    hv = hvp(f, (1.0, 2.0), (1.0, 0.5))
    assert hv == pytest.approx((H[0][0] + 0.5 * H[0][1], H[1][0] + 0.5 * H[1][1]), rel=1e-14)
    g = lambda v: v[0] ** 3 * v[1] + v[1].sin()  # noqa: E731
    Hg = hessian(g)([1.5, 0.4])
    assert hvp(g, ([1.5, 0.4],), ([2.0, -1.0],)) == pytest.approx(
        [Hg[0][0] * 2 - Hg[0][1], Hg[1][0] * 2 - Hg[1][1]], rel=1e-14
    )


# --- second derivatives through weighted sums and a network ----------------------------------


def fd_hessian(f, x, h=1e-4):
    n = len(x)
    H = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):

            def at(di, dj, i=i, j=j):
                y = list(x)
                y[i] += di
                y[j] += dj
                return f(y)

            H[i][j] = (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h)
    return H


def test_second_derivatives_through_weighted_sum_match_finite_differences():
    def f(p):
        w, a, b = p[0:2], p[2:4], p[4]
        z = weighted_sum(w, a, b)
        return z.tanh() * z + (weighted_sum(w, [1.0, -2.0], 0.3)).sigmoid()

    x = [0.4, -0.7, 1.1, 0.2, 0.05]
    H = hessian(f)(x)
    F = fd_hessian(lambda y: f([Value(v) for v in y]).data, x)
    for i in range(5):
        for j in range(5):
            assert H[i][j] == pytest.approx(F[i][j], rel=1e-5, abs=1e-7)
            assert H[i][j] == pytest.approx(H[j][i], rel=1e-12, abs=1e-15)


def test_hessian_of_a_small_mlps_loss_matches_finite_differences():
    model = MLP(2, [3, 1], activation="tanh", seed=1)
    params = model.parameters()
    data = [([0.5, -1.0], 1.0), ([-0.3, 0.8], -1.0), ([1.2, 0.1], 1.0)]

    def loss(_params):
        # the model uses its own parameters: the Values the hessian differentiates
        total = Value(0.0)
        for xs, y in data:
            out = model(xs)
            total = total + (out - y) * (out - y)
        return total / len(data)

    H = hessian(loss)(params)  # Values in, Values out
    n = len(params)
    assert n == 13 and type(H[0][0]) is Value

    def loss_at(theta):
        for p, t in zip(params, theta):
            p.data = t
        return loss(params).data

    x0 = [p.data for p in params]
    F = fd_hessian(loss_at, x0)
    loss_at(x0)
    for i in range(n):
        for j in range(n):
            assert H[i][j].data == pytest.approx(F[i][j], rel=1e-4, abs=1e-6), (i, j)


# --- kinks -------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["relu", "abs"])
def test_kinks_take_the_derivative_0_at_0_and_their_second_derivative_is_0(op):
    f = (lambda x: x.relu()) if op == "relu" else (lambda x: abs(x))
    assert grad(f)(0.0) == 0.0  # NOTE: a subgradient, as the ops table documents
    assert grad(f)(2.0) == 1.0
    assert grad(f)(-2.0) == (0.0 if op == "relu" else -1.0)
    for x in (-2.0, 0.0, 2.0):
        assert grad(grad(f))(x) == 0.0
    assert "0 at a = 0" in OPS["abs"].derivatives[0]
    assert "1 if a > 0 else 0" in OPS["relu"].derivatives[0]


def test_grad_nests_through_a_closure_over_the_outer_argument():
    # the inner grad sees a number, but its function closes over the outer Value x: it
    # must give a Value so the outer grad sees the dependence (JAX and torch.func give these)
    assert grad(lambda x: grad(lambda y: x * y)(1.0))(2.0) == 1.0
    assert grad(lambda x: grad(lambda y: x * y * y)(3.0))(2.0) == 6.0
    assert jvp(lambda x: grad(lambda y: x * y)(1.0), (2.0,), (1.0,)) == (2.0, 1.0)
    assert hessian(lambda x: x * grad(lambda y: x * y * y)(3.0))(2.0) == 12.0


def test_a_transform_called_outside_any_other_still_gives_floats():
    d = grad(grad(lambda x: x.tanh()))(0.5)
    assert type(d) is float


def test_a_tangent_too_large_for_a_float_or_nan_is_named():
    with pytest.raises(OverflowError, match="jvp: tangent 0 .*too large for a float"):
        jvp(lambda x: x * 2, (1.0,), (10**400,))
    with pytest.raises(ValueError, match="jvp: tangent 1 is NaN"):
        jvp(lambda x, y: x * y, (1.0, 2.0), (1.0, float("nan")))


# A term of a second-order rule that is needed keeps the operands it depends on, even where
# the term of a constant operand overflows (the base of c ** x): values checked with mpmath
# at 50 digits.
@pytest.mark.parametrize(
    "base, x, expected",
    [
        (1e-300, -0.5, 4.771708299430558e155),  # c^x · ln²c, with c^(x−1) = 1e450
        (0.5, -1023.5, 6.107331365818127e307),
    ],
)
def test_hessian_of_a_constant_to_the_x_keeps_the_power_in_the_gradient(base, x, expected):
    assert hessian(lambda x: base**x)(x) == pytest.approx(expected, rel=1e-14)


def test_hvp_at_extreme_constants_matches_hessian():
    assert hvp(lambda x: 1 / (x * 1e300) * 1e300, (2.5,), (1.0,)) == pytest.approx(0.128)
    assert hvp(lambda x: x * (x / 1e-300).log1p(), (2.5,), (1.0,)) == pytest.approx(0.4)
