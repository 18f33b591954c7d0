"""Random expressions over the ops table, built with the engine and, for the oracles, in sympy.

Shared by the sympy oracle and the tests of forward mode and of the functional API. sympy
is imported only when a sympy expression is first built (importing it takes most of a
second), so the quick run, which builds none, never loads it.
"""

import importlib

from hypothesis import strategies as st


def _sp():
    return importlib.import_module("sympy")


def symbols():
    """The sympy symbols of NAMES (real)."""
    return _sp().symbols(NAMES, real=True)


NAMES = ("x", "y", "z")

# Each entry builds (engine node, sympy expression) from operands drawn from the pool.
# Arguments are shaped so every operation stays inside its domain and away from kinks
# (relu and abs are applied to a shifted square, which is never 0 at the sampled points).
UNARY = {
    "neg": (lambda a: -a, lambda a: -a),
    "exp": (lambda a: a.tanh().exp(), lambda a: _sp().exp(_sp().tanh(a))),
    "log": (lambda a: (a * a + 1).log(), lambda a: _sp().log(a * a + 1)),
    "log1p": (lambda a: (a * a).log1p(), lambda a: _sp().log(1 + a * a)),
    "tanh": (lambda a: a.tanh(), lambda a: _sp().tanh(a)),
    "sigmoid": (lambda a: a.sigmoid(), lambda a: 1 / (1 + _sp().exp(-a))),
    "relu": (lambda a: (a * a + 0.25).relu(), lambda a: _sp().Max(0, a * a + _sp().Rational(1, 4))),
    "abs": (lambda a: abs(a * a - 7.3), lambda a: _sp().Abs(a * a - _sp().Float(7.3))),
    "sqrt": (lambda a: (a * a + 0.5).sqrt(), lambda a: _sp().sqrt(a * a + _sp().Rational(1, 2))),
    "sin": (lambda a: a.sin(), lambda a: _sp().sin(a)),
    "cos": (lambda a: a.cos(), lambda a: _sp().cos(a)),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    "pow": (lambda a, b: (a * a + 1) ** b.tanh(), lambda a, b: (a * a + 1) ** _sp().tanh(b)),
    "powc": (lambda a, b: a**3 + b**2, lambda a, b: a**3 + b**2),
    "rconst": (
        lambda a, b: 2.5 - a / 2 + 2 ** b.tanh(),
        lambda a, b: 2.5 - a / 2 + 2 ** _sp().tanh(b),
    ),
}

step = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 99)),
    st.tuples(
        st.sampled_from(["b"]),
        st.sampled_from(sorted(BINARY)),
        st.integers(0, 99),
        st.integers(0, 99),
    ),
)
