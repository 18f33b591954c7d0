"""Derivatives of the saturating activations keep their relative precision over the whole
finite range, on floats and on Values, checked against mpmath (50 digits)."""

import math

import mpmath
import pytest

from autograd_lite import Value, gradients

mpmath.mp.dps = 50

TINY = 2.0**-1022  # the smallest normal float
# every scale of the finite range, and a dense sweep where the functions bend
POINTS = sorted(
    {s * 10.0**k for k in range(-300, 309, 7) for s in (1.0, -1.0)}
    | {s * m * 10.0**k for k in range(-2, 3) for m in (1.0, 1.7, 3.3, 5.5, 8.2) for s in (1, -1)}
    | {x / 4.0 for x in range(-3200, 3201, 7)}
    | {0.0, 0.5, -0.5, 0.4999999999999999, 50.0, 20.0, 19.0, 37.0, 745.0, -745.0, 1e308}
)


def exact(name, a, order):
    """The derivative in forms that mpmath evaluates without cancellation at any a."""
    a = mpmath.mpf(a)
    if name == "sigmoid":
        e = mpmath.exp(-abs(a))
        d1 = e / (1 + e) ** 2  # σ' is even
        return d1 if order == 1 else -d1 * mpmath.tanh(a / 2)  # σ'' = σ'·(1 − 2σ)
    d1 = mpmath.sech(a) ** 2
    return d1 if order == 1 else -2 * mpmath.tanh(a) * d1


def close(got: float, want, ulps: float = 8.0) -> bool:
    """Within a few units in the last place of the exact value; where that is below the
    normal range, within a few of the smallest subnormal steps."""
    want = float(want)
    if abs(want) >= TINY:
        return abs(got - want) <= ulps * 2.0**-52 * abs(want)
    return abs(got - want) <= ulps * 2.0**-1074 + 1e-15 * abs(want)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_first_derivative_is_exact_to_a_few_ulps_over_the_whole_finite_range(name):
    bad = []
    for a in POINTS:
        x = Value(a)
        (g,) = gradients(getattr(x, name)(), [x])
        if not close(g, exact(name, a, 1)):
            bad.append((a, g, float(exact(name, a, 1))))
    assert bad == []


@pytest.mark.parametrize(
    "name, a, want",
    [("sigmoid", 50.0, 1.9287498479639178e-22), ("tanh", 20.0, 1.6993417021166355e-17)],
)
def test_the_saturated_cases_of_the_issue(name, a, want):
    x = Value(a)
    y = getattr(x, name)()
    y.backward()
    assert x.grad == pytest.approx(want, rel=1e-15)
    assert float(exact(name, a, 1)) == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_the_rule_on_values_gives_the_same_derivative_and_an_exact_second_one(name):
    bad = []
    for a in POINTS:
        if abs(a) > 700:  # the second derivative's graph holds e^(2|a|)-sized terms
            continue
        x = Value(a)
        (g,) = gradients(getattr(x, name)(), [x], create_graph=True)
        assert type(g) is Value
        (gg,) = gradients(g, [x])
        # σ'' = σ'·(1 − 2σ) and tanh'' = −2·tanh·tanh' cancel near 0 in any float form:
        # the second derivative is held to a few ulps of the first, which still asks for
        # relative precision where the functions saturate
        d1, d2 = float(exact(name, a, 1)), float(exact(name, a, 2))
        if not close(g.data, d1) or abs(gg - d2) > 64 * 2.0**-52 * d1 + 8 * 2.0**-1074:
            bad.append((a, g.data, gg, d2))
    assert bad == []


def test_derivatives_underflow_to_zero_only_where_the_exact_value_is_not_a_float():
    for a in (800.0, -800.0, 1e308):
        for name in ("sigmoid", "tanh"):
            x = Value(a)
            (g,) = gradients(getattr(x, name)(), [x])
            assert g == 0.0 and float(exact(name, a, 1)) == 0.0
    x = Value(740.0)  # e^-740 is a subnormal float: kept
    (g,) = gradients(x.sigmoid(), [x])
    assert g > 0.0 and math.isclose(g, float(exact("sigmoid", 740.0, 1)), rel_tol=1e-3)
