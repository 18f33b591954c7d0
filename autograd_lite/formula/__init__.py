"""The safe reader of formulas typed by a person: text in, ``Value`` graphs out, no ``eval``.

* :mod:`~autograd_lite.formula.errors`: ``ExprError``, which points at the place in the text;
* :mod:`~autograd_lite.formula.source`: the text, its limits, and the syntax tree;
* :mod:`~autograd_lite.formula.rewrite`: forgiving input (``−``, ``·``, ``²``, ``√x``,
  ``|x|``, ``2x`` ...) rewritten as Python source, with a map back to the typed columns;
* :mod:`~autograd_lite.formula.functions`: the functions a formula may call;
* :mod:`~autograd_lite.formula.compiler`: the syntax tree checked against a whitelist and
  compiled to a list of steps;
* :mod:`~autograd_lite.formula.reader`: ``parse``, ``define`` and ``evaluate``, the entry
  points for one formula;
* :mod:`~autograd_lite.formula.program`: ``read_program``, a network typed as a list of
  equations (``z2_1 = w2_11*x1 + b2_1; a2_1 = s(z2_1); ...``);
* :mod:`~autograd_lite.formula.typeset`: ``latex``, a formula or statements as LaTeX math,
  the way a textbook prints them.

Example:
    >>> from autograd_lite.formula import parse
    >>> f = parse("x^2 + 1", variables=["x"])
    >>> f.evaluate({"x": 3.0}).data
    10.0
"""

from .compiler import CONSTANTS, FUNCTIONS, Definition
from .program import Program, Run, read_program
from .reader import Formula, define, evaluate, parse
from .source import MAX_DEPTH, MAX_LENGTH, MAX_NESTING, ExprError
from .typeset import latex

__all__ = [
    "ExprError",
    "Definition",
    "Formula",
    "parse",
    "define",
    "evaluate",
    "Program",
    "Run",
    "read_program",
    "latex",
    "FUNCTIONS",
    "CONSTANTS",
    "MAX_LENGTH",
    "MAX_NESTING",
    "MAX_DEPTH",
]
