"""The functions and constants a formula may use, and how many arguments each takes.

Every function here is composed from the engine's primitives (``Value`` methods and
arithmetic), so its derivative comes from the ops table and nothing new has to be trusted:
``max(a, b)`` is ``a + relu(b - a)``, ``log2(x)`` is ``log(x) / ln 2``.

* :data:`FUNCTIONS`: name -> callable taking the arguments positionally, returning a Value;
* :data:`ARITY`: name -> (fewest, most) arguments, ``most`` None when there is no bound;
* :data:`MULTI_FUNCTIONS`: functions with one result per argument (``softmax``), which
  return a list; they cannot be part of an expression, only of a statement such as
  ``p1, p2 = softmax(x1, x2)``;
* :data:`ALIASES`: other names a formula may call a library function by (``σ(z)``);
* :data:`CONSTANTS`: names that mean a number unless a variable of that name is given;
* :data:`SYNONYMS`: other names learners use for a function, for "did you mean";
* :data:`NOT_BUILT_IN`: functions learners use that are not here, and how to write them;
* :data:`DERIVATIVES`: the derivatives of some of them, ``σ'(z)``, ``tanh'(z)``, ``relu'(z)``,
  as the reports print them (read under the name ``sigmoidʹ`` and so on: see :data:`PRIME`).

Example:
    >>> from autograd_lite import Value
    >>> FUNCTIONS["max"](Value(1.0), Value(3.0), Value(2.0)).data
    3.0
    >>> [round(p.data, 4) for p in MULTI_FUNCTIONS["softmax"](Value(0.0), Value(0.0))]
    [0.5, 0.5]
"""

from __future__ import annotations

import math

from ..engine import Value, gradients

__all__ = [
    "FUNCTIONS",
    "ARITY",
    "MULTI_FUNCTIONS",
    "ALIASES",
    "CONSTANTS",
    "SYNONYMS",
    "NOT_BUILT_IN",
    "PRIME",
    "DERIVATIVES",
]


def _max2(a: Value, b: Value) -> Value:
    # NOTE: written around the larger operand, so the value is exactly that operand
    # (a + (b - a) can round away from b); at a tie the gradient goes to the first one.
    if a.data >= b.data:
        return a + (b - a).relu()
    return b + (a - b).relu()


def _min2(a: Value, b: Value) -> Value:
    # as _max2, mirrored: at a tie the gradient goes to the first operand
    if a.data <= b.data:
        return a - (a - b).relu()
    return b - (b - a).relu()


def maximum(*args: Value) -> Value:
    """The largest argument; at a tie the gradient goes to the first of the largest."""
    out = args[0]
    for x in args[1:]:
        out = _max2(out, x)
    return out


def minimum(*args: Value) -> Value:
    """The smallest argument; at a tie the gradient goes to the first of the smallest."""
    out = args[0]
    for x in args[1:]:
        out = _min2(out, x)
    return out


def _sum(terms: list[Value]) -> Value:
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def logsumexp(*args: Value) -> Value:
    """log(exp(a) + exp(b) + ...), computed without overflow.

    The largest value ``m`` is taken out as a constant: log(sum exp(x - m)) + m. It is a
    plain number, not a node, so the gradient (the softmax of the arguments) is unchanged.
    """
    m = max(a.data for a in args)
    return _sum([(a - m).exp() for a in args]).log() + m


def softmax(*args: Value) -> list[Value]:
    """exp(x_i) / (exp(x_1) + ... + exp(x_n)) for each argument, as a list of n Values.

    The largest value is subtracted first, as a constant, so no exponential overflows.
    """
    m = max(a.data for a in args)
    exps = [(a - m).exp() for a in args]
    total = _sum(exps)
    return [e / total for e in exps]


def logsoftmax(*args: Value) -> list[Value]:
    """log(softmax(x))_i = x_i − logsumexp(x) for each argument, as a list of n Values.

    Written as the difference, not as the log of softmax's quotient, so no output is the
    log of a probability that rounded to 0.
    """
    lse = logsumexp(*args)
    return [a - lse for a in args]


def log2(x: Value) -> Value:
    """Base-2 logarithm, log(x) / ln 2."""
    return x.log() / math.log(2.0)


def log10(x: Value) -> Value:
    """Base-10 logarithm, log(x) / ln 10."""
    return x.log() / math.log(10.0)


FUNCTIONS = {
    "exp": Value.exp,
    "log": Value.log,
    "ln": Value.log,
    "log1p": Value.log1p,
    "log2": log2,
    "log10": log10,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "sqrt": Value.sqrt,
    "sin": Value.sin,
    "cos": Value.cos,
    "abs": Value.__abs__,
    "max": maximum,
    "min": minimum,
    "logsumexp": logsumexp,
}
"""The library functions a formula may call; each takes its arguments positionally."""

MULTI_FUNCTIONS = {"softmax": softmax, "logsoftmax": logsoftmax}
"""Functions with one result per argument; each returns a list of Values."""

ARITY = {
    **{name: (1, 1) for name in FUNCTIONS},
    "max": (2, None),
    "min": (2, None),
    "logsumexp": (1, None),
    "softmax": (1, None),
    "logsoftmax": (1, None),
}
"""The fewest and the most arguments of each function (None: no upper bound)."""

_ONE_ARGUMENT = [name for name, arity in ARITY.items() if arity == (1, 1) and name in FUNCTIONS]


PRIME = "\u02b9"
"""The modifier letter prime ʹ: ``σ'(z)`` as typed is read as a call of ``sigmoidʹ``, a name
no learner types (a Python name may hold it, while ``'`` would start a string)."""


def _derivative(f):
    """x -> f'(x) for a library function f of one argument: the engine differentiates f at x
    with the ops table's rules, so the derivative is written nowhere else, and the result
    is a Value of x's graph."""

    def prime(x: Value) -> Value:
        (d,) = gradients(f(x), [x], create_graph=True)
        return d

    return prime


DERIVATIVES = {name + PRIME: _derivative(FUNCTIONS[name]) for name in _ONE_ARGUMENT}
"""The derivative of each library function of one argument, called as ``σ'(z)``,
``tanh'(z)``, ``relu'(z)``, ``exp'(z)`` ... (written in a report, typed back in a formula);
relu'(0) is 0, as in the ops table."""


ALIASES = {"σ": "sigmoid"}
"""Names a formula may call a library function by, as books write it: σ(z) is sigmoid(z).

A definition of the same name (``--define "σ(x)=..."``) takes its place, and a variable of
that name is a variable (σ(x+1) is then a product)."""

CONSTANTS = {"pi": math.pi, "π": math.pi, "e": math.e}
"""Names that mean a number unless a variable of that name is given."""

SYNONYMS = {
    "sigma": "sigmoid",
    "σ": "sigmoid",
    "logistic": "sigmoid",
    "sig": "sigmoid",
    "expit": "sigmoid",
    "lb": "log2",
    "ld": "log2",
    "lg": "log10",
    "lse": "logsumexp",
    "maximum": "max",
    "minimum": "min",
    "absolute": "abs",
    "fabs": "abs",
    "root": "sqrt",
    "softargmax": "softmax",
    "log_softmax": "logsoftmax",
}
"""Other names for a library function (compared in lower case), for suggestions."""

NOT_BUILT_IN = {
    "sech": "sech({x})^2 = 1 - tanh({x})^2, so write 1-tanh({x})^2 for sech({x})^2 "
    "(sech({x}) itself is 2/(exp({x})+exp(-{gx})))",
    "cosh": "write (exp({x})+exp(-{gx}))/2 for cosh({x})",
    "sinh": "write (exp({x})-exp(-{gx}))/2 for sinh({x})",
    "tan": "write sin({x})/cos({x}) for tan({x})",
    "softplus": "write log(1+exp({x})) for softplus({x})",
}
"""Functions learners use that are not built in (compared in lower case), and how to write
each with the built-in ones: ``{x}`` is the argument as typed, ``{gx}`` the argument in
brackets when it is more than a name or a number."""
