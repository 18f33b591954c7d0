"""Checking a parsed formula against the whitelist and turning it into a list of steps.

The tree is walked with an explicit stack, never by recursion: each node is checked when it
is first reached (so errors are found left to right, a call's name before its arguments)
and its step is appended after its operands' steps (post-order), ready for the evaluation
loop of :mod:`autograd_lite.formula.reader`.

The compiled steps are small named tuples, one kind per operation of the evaluation stack:
:class:`Num`, :class:`Var`, :class:`Arg`, :class:`Neg`, :class:`Bin`, :class:`Fn` and
:class:`Call`. A ``span`` is the ``(start, end)`` range of the typed text the step came from.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..engine import Value
from .source import ExprError, Source

__all__ = [
    "FUNCTIONS",
    "CONSTANTS",
    "Definition",
    "Compiler",
    "Num",
    "Var",
    "Arg",
    "Neg",
    "Bin",
    "Fn",
    "Call",
    "Step",
]


class Num(NamedTuple):
    """Push a number (a constant of the formula)."""

    value: float


class Var(NamedTuple):
    """Push the leaf of a variable."""

    name: str


class Arg(NamedTuple):
    """Push argument ``index`` of the definition being evaluated."""

    index: int


class Neg(NamedTuple):
    """Replace the top of the stack by its negation."""

    span: tuple[int, int]


class Bin(NamedTuple):
    """Pop b, then a; push ``a op b`` (op is one of ``+ - * / **``).

    ``constant_exponent`` is true for ``**`` with an exponent that depends on no variable:
    its size is checked before the power is computed.
    """

    op: str
    span: tuple[int, int]
    constant_exponent: bool = False


class Fn(NamedTuple):
    """Pop ``nargs`` values and push the library function ``name`` of them."""

    name: str
    span: tuple[int, int]
    nargs: int = 1


class Call(NamedTuple):
    """Pop ``nargs`` values and evaluate the user definition ``name`` on them."""

    name: str
    nargs: int
    span: tuple[int, int]


Step = Num | Var | Arg | Neg | Bin | Fn | Call

FUNCTIONS = {
    "exp": Value.exp,
    "log": Value.log,
    "ln": Value.log,
    "log1p": Value.log1p,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "sqrt": Value.sqrt,
    "sin": Value.sin,
    "cos": Value.cos,
    "abs": Value.__abs__,
}
"""The library functions a formula may call, each of one argument."""

CONSTANTS = {"pi": math.pi, "e": math.e}
"""Names that mean a number unless a variable of that name is given."""

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}

_KINDS = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "subscripts (a[i])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.List: "lists",
    ast.Tuple: "tuples or commas",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.Starred: "starred arguments",
    ast.JoinedStr: "strings",
    ast.NamedExpr: ":=",
    ast.Await: "await",
    ast.Yield: "yield",
}


def _describe(node: ast.AST) -> str:
    for k, v in _KINDS.items():
        if isinstance(node, k):
            return v
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"the operator {type(node.op).__name__}"
    return type(node).__name__


class Definition:
    """A user function such as ``s(x)=1/(1+exp(-x))``, compiled and checked.

    Made by :func:`autograd_lite.expr.define`.

    Attributes:
        name: the function's name.
        params: its parameter names.
        text: the definition as typed.
        calls: the names of the user functions its body calls.
    """

    def __init__(self, name: str, params: tuple[str, ...], text: str, code: list, calls: set[str]):
        self.name, self.params, self.text, self.code, self.calls = name, params, text, code, calls

    def __repr__(self) -> str:
        return f"Definition({self.text!r})"


class Compiler:
    """Checks an ast tree against the whitelist and turns it into steps."""

    def __init__(
        self,
        source: Source,
        variables: Sequence[str] | None,
        definitions: Mapping[str, object],
        params: tuple[str, ...] = (),
        where: str = "",
    ):
        self.source = source
        self.variables = None if variables is None else list(variables)
        self.definitions = definitions
        self.params = params
        self.where = where  # " in the definition of s" for messages
        self.code: list[Step] = []
        self.names: list[str] = []  # variables in order of first use
        self.calls: set[str] = set()

    def fail(self, reason: str, node: ast.AST) -> ExprError:
        return self.source.error(reason + self.where, node)

    def compile(self, tree: ast.expr) -> bool:
        """Append the steps for the tree; return whether it is a constant (no variables).

        Iterative: a stack of (node, operands done) pairs; ``consts`` holds, per finished
        subtree, whether it is constant, as an evaluation stack would hold its value.
        """
        consts: list[bool] = []
        todo: list[tuple[ast.AST, bool]] = [(tree, False)]
        while todo:
            node, operands_done = todo.pop()
            if operands_done:
                self._finish(node, consts)
                continue
            operands = self._enter(node, consts)
            if operands:
                todo.append((node, True))
                # pushed in reverse, so they are compiled left to right
                todo.extend((child, False) for child in reversed(operands))
        return consts.pop()

    def _enter(self, node: ast.AST, consts: list[bool]) -> list[ast.expr]:
        """Check a node on first reaching it: a leaf is compiled now; for any other node,
        return its operands (compiled next, then the node itself by :meth:`_finish`)."""
        if isinstance(node, ast.Constant):
            consts.append(self._constant(node))
            return []
        if isinstance(node, ast.Name):
            consts.append(self._name(node))
            return []
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return [node.operand]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return [node.left, node.right]
        if isinstance(node, ast.Call):
            self._check_call(node)
            return list(node.args)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
            raise self.fail("^ is a power here; this one could not be read", node)
        raise self.fail(f"not allowed in a formula: {_describe(node)}", node)

    def _finish(self, node: ast.AST, consts: list[bool]) -> None:
        """Append the step of a node whose operands are compiled."""
        span = self.source.span(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                self.code.append(Neg(span))
        elif isinstance(node, ast.BinOp):
            right = consts.pop()
            left = consts.pop()
            op = _BINOPS[type(node.op)]
            self.code.append(Bin(op, span, op == "**" and right))
            consts.append(left and right)
        else:  # a call, checked by _check_call
            name = node.func.id
            n = len(node.args)
            const = all(consts[len(consts) - n :])
            del consts[len(consts) - n :]
            if name in FUNCTIONS:
                self.code.append(Fn(name, span, n))
            else:
                self.calls.add(name)
                self.code.append(Call(name, n, span))
            consts.append(const)

    def _constant(self, node: ast.Constant) -> bool:
        v = node.value
        if isinstance(v, (str, bytes)):
            raise self.fail("strings are not part of a formula", node)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(f"not allowed in a formula: {type(v).__name__} values", node)
        try:
            x = float(v)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise self.fail("this number is too large", node)
        self.code.append(Num(x))
        return True

    def _check_name(self, name: str, node: ast.AST) -> None:
        if "__" in name:
            raise self.fail(f"the name {name!r} is not allowed (no double underscores)", node)

    def _name(self, node: ast.Name) -> bool:
        name = node.id
        self._check_name(name, node)
        if name in self.params:
            self.code.append(Arg(self.params.index(name)))
            return False
        if name in FUNCTIONS or name in self.definitions:
            raise self.fail(f"{name} is a function: call it with an argument, {name}(x)", node)
        if self.variables is not None and name not in self.variables:
            if name in CONSTANTS:
                self.code.append(Num(CONSTANTS[name]))
                return True
            if self.params:
                raise self.fail(
                    f"unknown name {name!r}: a definition can use only its parameters "
                    f"({', '.join(self.params)})",
                    node,
                )
            known = ", ".join(self.variables) or "none"
            raise self.fail(f"unknown variable {name!r} (variables given: {known})", node)
        if self.variables is None and name in CONSTANTS:
            self.code.append(Num(CONSTANTS[name]))
            return True
        if self.params:
            raise self.fail(
                f"unknown name {name!r}: a definition can use only its "
                f"parameters ({', '.join(self.params)})",
                node,
            )
        if name not in self.names:
            self.names.append(name)
        self.code.append(Var(name))
        return False

    def _check_call(self, node: ast.Call) -> None:
        """Refuse a call that is not to a known function with the right arguments; done
        before its arguments are looked at, so the function's name is reported first."""
        f = node.func
        if not isinstance(f, ast.Name):
            raise self.fail("only named functions can be called, such as exp(x) or s(x)", f)
        name = f.id
        self._check_name(name, f)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node.keywords[0])
        if name in self.definitions:
            want = len(self.definitions[name].params)
        elif name in FUNCTIONS:
            want = 1
        else:
            known = ", ".join(sorted(FUNCTIONS) + sorted(self.definitions))
            raise self.fail(
                f"unknown function {name!r} (allowed: {known}; define your "
                f'own with --define "{name}(x)=...")',
                f,
            )
        if len(node.args) != want:
            raise self.fail(f"{name} takes {want} argument(s), got {len(node.args)}", node)
