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
import difflib
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from .functions import (
    ALIASES,
    ARITY,
    CONSTANTS,
    DERIVATIVES,
    FUNCTIONS,
    MULTI_FUNCTIONS,
    NOT_BUILT_IN,
    SYNONYMS,
)
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
        # folded as Python folds the names in the formula (NFKC: ſ is s), so a name given
        # as typed is the name the formula reads
        self.variables = (
            None if variables is None else [unicodedata.normalize("NFKC", v) for v in variables]
        )
        self.definitions = definitions
        self.params = params
        self.where = where  # " in the definition of s" for messages
        self.code: list[Step] = []
        self.names: list[str] = []  # variables in order of first use
        self.calls: set[str] = set()

    def fail(self, reason: str, node: ast.AST) -> ExprError:
        """An error about ``node``, pointing at its place in the text."""
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
            name = self._function(node.func.id)
            n = len(node.args)
            const = all(consts[len(consts) - n :])
            del consts[len(consts) - n :]
            if name in FUNCTIONS or name in DERIVATIVES:
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
        if name in FUNCTIONS or name in MULTI_FUNCTIONS or name in self.definitions:
            if name in self.definitions:
                lo = len(self.definitions[name].params)
            else:
                lo = ARITY[name][0]
            example = "x" if lo == 1 else "a, b"
            raise self.fail(
                f"{name} is a function: call it with an argument, {name}({example})", node
            )
        known = self.params or self.variables
        if name in CONSTANTS and (known is None or name not in known):
            self.code.append(Num(CONSTANTS[name]))
            return True
        if known is not None and name not in known:
            raise self._unknown_name(name, node)
        if name not in self.names:
            self.names.append(name)
        self.code.append(Var(name))
        return False

    def _unknown_name(self, name: str, node: ast.AST) -> ExprError:
        """The error for a name that is neither a variable (or parameter) nor a function:
        what it splits into, or the nearest names, and what to write instead."""
        known = list(self.params or self.variables or ())
        if self.params:
            head = f"unknown name {name!r}"
            listed = f" (a definition can use only its parameters: {', '.join(known)})"
        else:
            head = f"unknown variable {name!r}"
            listed = f" (variables given: {', '.join(known) or 'none'})"
        if name.lower() in NOT_BUILT_IN:
            return self._not_built_in(name, "x", node)
        if name == "Σ":
            return self.fail(f"Σ is a sum: {_SUM_HOW}", node)
        if not name.isascii() and not self.params:
            # a symbol of the learner's own (φ): a value to give, or a function to define
            return self.fail(
                f"{head}{listed}: give {name} a value, or if it is a function of your own, "
                f'define it with --define "{name}(x)=..."',
                node,
            )
        splits = split_into(name, known)
        if splits:
            products = " or ".join("*".join(parts) for parts in splits)
            reads = " or as ".join(" times ".join(parts) for parts in splits)
            return self.fail(
                f"{head}: it reads as one name, but also as {reads}; to multiply, write "
                f"{products} (a product needs '*' between names)",
                node,
            )
        close = _nearest(name, known, n=3, cutoff=0.6)
        if close:
            return self.fail(f"{head}: did you mean {' or '.join(close)}?{listed}", node)
        function = self._nearest_function(name)
        if function:
            return self.fail(
                f"{head}: did you mean the function {function}, as in {function}(x)?{listed}",
                node,
            )
        return self.fail(head + listed, node)

    def _nearest_function(self, name: str) -> str | None:
        """The library or user function the name most likely means, or None."""
        names = list(FUNCTIONS) + list(MULTI_FUNCTIONS) + list(self.definitions)
        if "Σ" in name:
            return None  # a sum, never sigmoid's σ in capitals
        low = name.lower()
        if low in SYNONYMS:
            return SYNONYMS[low]
        close = _nearest(name, names, n=1, cutoff=0.75)
        return close[0] if close else None

    def _check_call(self, node: ast.Call) -> None:
        """Refuse a call that is not to a known function with the right arguments; done
        before its arguments are looked at, so the function's name is reported first."""
        f = node.func
        if not isinstance(f, ast.Name):
            raise self.fail("only named functions can be called, such as exp(x) or s(x)", f)
        self._check_name(f.id, f)
        name = self._function(f.id)
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node.keywords[0])
        n = len(node.args)
        if name in self.definitions:
            lo = hi = len(self.definitions[name].params)
        elif name in FUNCTIONS:
            lo, hi = ARITY[name]
        elif name in DERIVATIVES:
            lo, hi = 1, 1
        elif name in MULTI_FUNCTIONS:
            outs = ", ".join(f"p{i + 1}" for i in range(max(n, 1)))
            start, end = self.source.span(node)
            typed = self.source.shown[start:end]
            raise self.fail(
                f"{name} gives one result per argument, so it cannot be part of an "
                f"expression: write it as a statement of its own, {outs} = {typed}, "
                f"and use {outs} in the formulas after it",
                node,
            )
        elif name in self.params or name in (self.variables or ()):
            raise self.fail(
                f"{name} is a variable, not a function: to multiply, write {name}*(...)", f
            )
        elif name.lower() in NOT_BUILT_IN:
            arg = node.args[0] if len(node.args) == 1 else None
            typed = self.source.shown[slice(*self.source.span(arg))] if arg else "x"
            raise self._not_built_in(name, typed, f)
        else:
            raise self._unknown_function(name, f)
        if n < lo or (hi is not None and n > hi):
            if hi is None:
                want = f"{lo} or more arguments"
            else:
                want = f"{lo} argument" + ("s" if lo != 1 else "")
            raise self.fail(f"{name} takes {want}, got {n}", node)

    def _function(self, name: str) -> str:
        """The function a call names: σ is sigmoid, unless the learner defined their own σ."""
        if name in self.definitions:
            return name
        name = ALIASES.get(name, name)
        known = FUNCTIONS.keys() | MULTI_FUNCTIONS.keys() | DERIVATIVES.keys()
        if name not in known and name.lower() in known and name not in (self.variables or ()):
            return name.lower()  # ReLU(x), Sigmoid(z), TANH(u): the library's functions
        return name

    def _not_built_in(self, name: str, arg: str, node: ast.AST) -> ExprError:
        """The error for a function learners use that is not built in (sech, cosh): how to
        write it with the built-in ones, at the argument typed."""
        simple = arg.replace("_", "").replace(".", "").isalnum()
        how = NOT_BUILT_IN[name.lower()].format(x=arg, gx=arg if simple else f"({arg})")
        return self.fail(f"{name} is not built in: {how}", node)

    def _unknown_function(self, name: str, node: ast.AST) -> ExprError:
        """The error for a call of a function that does not exist. It never suggests
        defining a function of a name the learner may have meant as a variable (x(1-x))."""
        known = ", ".join(sorted(FUNCTIONS) + sorted(self.definitions))
        if name == "Σ":
            return self.fail(f"Σ is a sum, not a function: {_SUM_HOW}", node)
        function = self._nearest_function(name)
        if function:
            return self.fail(f"unknown function {name!r}: did you mean {function}?", node)
        define = f'define it with --define "{name}(x)=..." (in Python: definitions=[...])'
        if not name.isascii():
            # a symbol of the learner's own (φ, ψ): a function to define, not a product
            return self.fail(f"{name} is not a function the reader knows: {define}", node)
        if self.variables is None and not self.params:
            # any name that is not a function is a variable here, x(1-x) included
            return self.fail(
                f"{name} is not a function, so {name}(...) cannot be a call: to multiply "
                f"by {name}, write {name}*(...)",
                node,
            )
        return self.fail(
            f"unknown function {name!r}. To multiply by {name}, write {name}*(...) and give "
            f"{name} a value. The functions are {known}; functions of your own are given "
            "with --define",
            node,
        )


_SUM_HOW = (
    "write its terms out, as w1*a1 + w2*a2 + w3*a3 (in a network or a checked formula, "
    "Σ_k w_k*a_k sums over the index k)"
)


def _nearest(name: str, names: Sequence[str], n: int, cutoff: float) -> list[str]:
    """Up to ``n`` of ``names`` nearest to ``name``, ignoring case; a name with the very
    letters of ``name`` in another case comes first (X: x)."""
    low = name.lower()
    same = [k for k in names if k.lower() == low and k != name]
    by_lower: dict[str, list[str]] = {}
    for k in names:
        by_lower.setdefault(k.lower(), []).append(k)
    close = difflib.get_close_matches(low, list(by_lower), n=n, cutoff=cutoff)
    rest = [k for c in close for k in by_lower[c] if k not in same and k != name]
    return (same + rest)[:n]


def split_into(name: str, known: Sequence[str], limit: int = 3) -> list[list[str]]:
    """The ways ``name`` is written as two or more of the ``known`` names run together.

    Example:
        >>> split_into("Iw_1", ["I", "w_1", "w_2"])
        [['I', 'w_1']]
    """
    if len(name) > 40:  # no one runs that many names together; keep the search small
        return []
    # ways[i]: up to `limit` splits of name[:i], built left to right (no recursion)
    ways: list[list[list[str]]] = [[] for _ in range(len(name) + 1)]
    ways[0] = [[]]
    for i in range(len(name)):
        if not ways[i]:
            continue
        for k in known:
            j = i + len(k)
            if k and name.startswith(k, i) and len(ways[j]) < limit:
                ways[j].extend(w + [k] for w in ways[i][: limit - len(ways[j])])
    return [w for w in ways[len(name)] if len(w) >= 2]
