"""Random expressions built from the ops, with reused subexpressions, against sympy."""

import math

import pytest
import sympy as sp
from expressions import BINARY, NAMES, UNARY, step, symbols
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, gradients

# an oracle run in full by CI; importing sympy alone takes most of a second
pytestmark = pytest.mark.slow

SYMBOLS = symbols()


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step, min_size=1, max_size=7),
    point=st.tuples(*[st.floats(-1.5, 1.5) for _ in NAMES]),
)
def test_random_expressions_match_sympy(steps, point):
    leaves = [Value(v, label=n) for v, n in zip(point, NAMES)]
    pool = list(zip(leaves, SYMBOLS))
    for kind, name, *picks in steps:
        # Reuse: operands are drawn from everything built so far, so subexpressions repeat.
        operands = [pool[i % len(pool)] for i in picks]
        if kind == "u":
            make, sym = UNARY[name]
        else:
            make, sym = BINARY[name]
        pool.append((make(*[o[0] for o in operands]), sym(*[o[1] for o in operands])))
    root, expr = pool[-1]
    subs = dict(zip(SYMBOLS, point))
    assert close(root.data, float(expr.evalf(30, subs=subs)))
    for leaf, symbol, grad in zip(leaves, SYMBOLS, gradients(root, leaves)):
        expected = float(sp.diff(expr, symbol).evalf(30, subs=subs))
        assert close(grad, expected), (leaf.label, grad, expected, expr)


@pytest.mark.parametrize("x", [-1.2, 0.4, 2.0])
def test_worked_example_against_sympy(x):
    I, w1, w2, w3, w4, w5 = sp.symbols("I w1 w2 w3 w4 w5", real=True)

    def s(t):
        return 1 / (1 + sp.exp(-t))

    h = s(I * w1 + 1)
    O = s(s(h * w2 + 1) * w4 + s(h * w3 + 1) * w5 + 1)
    at = {I: x, w1: 0.5, w2: -0.3, w3: 0.8, w4: 1.1, w5: -0.7}
    leaves = {k: Value(v, label=str(k)) for k, v in at.items()}
    L = leaves
    hv = (L[I] * L[w1] + 1).sigmoid()
    Ov = (((hv * L[w2] + 1).sigmoid() * L[w4] + (hv * L[w3] + 1).sigmoid() * L[w5]) + 1).sigmoid()
    grads = gradients(Ov, list(leaves.values()))
    for sym, grad in zip(leaves, grads):
        assert close(grad, float(sp.diff(O, sym).evalf(30, subs=at)))
