"""A safe reader for formulas typed by a person, evaluated to ``Value`` nodes.

Formulas are written as on a graphing calculator: numbers, variables, ``+ - * /``, ``**``
or ``^`` for powers, unary minus, parentheses, the functions ``exp log ln tanh sigmoid
relu sqrt sin cos abs`` and functions the user defines, such as ``s(x)=1/(1+exp(-x))``.
Variables become labelled leaf Values, so the result can be differentiated.

Nothing is ever run with ``eval``: the text is parsed by :mod:`ast` and every node is
checked against a short whitelist, then compiled to a list of steps evaluated by a loop.
Everything else (attribute access, subscripts, strings, lambdas, comprehensions, keywords,
names that are not variables or functions) is refused with :class:`ExprError`, which shows
the formula with a caret under the offending place. Limits keep every input cheap:

* at most ``MAX_LENGTH`` characters;
* parentheses and runs of signs nested at most ``MAX_NESTING`` deep, checked *before*
  ``ast.parse`` (CPython's parser can fail with MemoryError or RecursionError on deep input);
* a syntax tree at most ``MAX_DEPTH`` deep, measured without recursion; compiling the tree
  is then a recursion at most that deep, far below Python's own limit;
* a constant exponent at most ``MAX_EXPONENT`` in size, and at most ``MAX_STEPS`` steps of
  evaluation (definitions calling definitions cannot blow up).

Example:
    >>> f = parse("x^2 + 3*x", variables=["x"])
    >>> y = f.evaluate({"x": 2.0})
    >>> y.backward()
    >>> y.data, f.leaves["x"].grad
    (10.0, 7.0)
    >>> defs = define(["s(x)=1/(1+exp(-x))", "d(x)=s(x)*(1-s(x))"])
    >>> round(evaluate("d(0)", {}, definitions=defs).data, 6)
    0.25
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable, Mapping, Sequence

from .engine import Value

__all__ = [
    "ExprError", "Definition", "Formula", "parse", "define", "evaluate", "FUNCTIONS",
    "MAX_LENGTH", "MAX_NESTING", "MAX_DEPTH", "MAX_EXPONENT", "MAX_STEPS",
]

MAX_LENGTH = 5000
MAX_NESTING = 100
MAX_DEPTH = 200
MAX_EXPONENT = 10_000
MAX_STEPS = 200_000

FUNCTIONS = {
    "exp": Value.exp, "log": Value.log, "ln": Value.log, "log1p": Value.log1p,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid, "relu": Value.relu, "sqrt": Value.sqrt, "sin": Value.sin,
    "cos": Value.cos, "abs": Value.__abs__,
}
"""The library functions a formula may call, each of one argument."""

CONSTANTS = {"pi": math.pi, "e": math.e}
"""Names that mean a number unless a variable of that name is given."""

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


class ExprError(ValueError):
    """A formula that cannot be read or evaluated.

    Attributes:
        reason: what is wrong, in words.
        text: the formula.
        start, end: the character range the error is about (0-based, end exclusive), or
            None when it is about the whole text.

    ``str()`` gives the reason, the formula and a caret line under the place.
    """

    def __init__(self, reason: str, text: str = "", start: int | None = None,
                 end: int | None = None):
        self.reason = reason
        self.text = text
        self.start = start
        self.end = end if end is not None and start is not None and end > start else (
            None if start is None else start + 1)
        super().__init__(self._message())

    def _message(self) -> str:
        if not self.text or self.start is None:
            return self.reason
        shown = _printable(self.text)
        start = min(self.start, len(shown))
        end = max(min(self.end or start + 1, len(shown) + 1), start + 1)
        col = start + 1
        if len(shown) > 80:
            # show a window around the place, so a long formula still fits a terminal line
            lo = max(0, start - 30)
            hi = min(len(shown), max(end, start + 1) + 40, lo + 80)
            shown = ("…" if lo else "") + shown[lo:hi] + ("…" if hi < len(self.text) else "")
            shift = lo - (1 if lo else 0)
            start, end = start - shift, min(end - shift, len(shown))
        caret = " " * start + "^" * max(end - start, 1)
        return f"{self.reason} (at column {col})\n  {shown}\n  {caret}"


def _printable(text: str) -> str:
    """The text with control and unencodable characters shown as '?', one per character."""
    out = []
    for c in text:
        if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF:
            out.append(c)
        else:
            out.append("?")
    return "".join(out)


# --- checking the raw text ----------------------------------------------------------------


def _as_text(text) -> str:
    if isinstance(text, (bytes, bytearray)):
        try:
            return bytes(text).decode("utf-8")
        except UnicodeDecodeError as err:
            raise ExprError(f"the formula is not valid UTF-8 text (byte {err.start + 1} "
                            "cannot be decoded)") from None
    if not isinstance(text, str):
        raise ExprError(f"a formula must be text, got {type(text).__name__}")
    return text


def _check_text(text: str) -> None:
    """Refuse what must never reach the parser: empty, huge, odd characters, deep nesting."""
    if not text.strip():
        raise ExprError("the formula is empty: type an expression such as  x*w + b")
    for i, c in enumerate(text):
        if 0xD800 <= ord(c) <= 0xDFFF:
            raise ExprError("the formula is not valid UTF-8 text (an undecodable byte)", text, i)
        if not c.isprintable():
            raise ExprError(f"the formula contains the control character {c!r}; write it "
                            "on one line", text, i)
        if c in "'\"":
            raise ExprError("strings are not part of a formula", text, i)
    depth, signs = 0, 0
    for i, c in enumerate(text):
        if c in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ExprError(f"parentheses are nested more than {MAX_NESTING} deep", text, i)
        elif c in ")]}":
            depth -= 1
        if c in "+-~":
            signs += 1
            if signs > MAX_NESTING:
                raise ExprError(f"more than {MAX_NESTING} signs in a row", text, i)
        elif not c.isspace():
            signs = 0
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH} "
                        "are accepted", text, MAX_LENGTH, len(text))


def _caret_map(text: str) -> tuple[str, list[int]]:
    """Python source for the text (``^`` becomes ``**``) and, per source character, the
    index of the character of the text it came from."""
    src, where = [], []
    for i, c in enumerate(text):
        if c == "^":
            src.append("**")
            where += [i, i]
        else:
            src.append(c)
            where.append(i)
    where.append(len(text))
    return "".join(src), where


# --- parsing and checking the tree ---------------------------------------------------------


class _Source:
    """The text, its Python source and the offset maps between them."""

    def __init__(self, text: str, base: int = 0, shown: str | None = None):
        self.text = text
        self.base = base  # where this text starts inside `shown` (for definitions)
        self.shown = shown if shown is not None else text
        self.src, self.where = _caret_map(text)
        self.src_bytes = self.src.encode("utf-8")

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self._char(getattr(node, "col_offset", 0))
        end = self._char(getattr(node, "end_col_offset", None) or 0)
        return start, max(end, start + 1)

    def _char(self, byte_offset: int) -> int:
        # ast offsets count UTF-8 bytes of the source; map to characters of the text
        chars = len(self.src_bytes[:byte_offset].decode("utf-8", "replace"))
        return self.base + self.where[min(chars, len(self.where) - 1)]

    def error(self, reason: str, node: ast.AST | None = None,
              start: int | None = None) -> ExprError:
        if node is not None:
            s, e = self.span(node)
            return ExprError(reason, self.shown, s, e)
        if start is not None:
            return ExprError(reason, self.shown, self.base + start)
        return ExprError(reason, self.shown)


def _parse_tree(source: _Source) -> ast.expr:
    try:
        tree = ast.parse(source.src, mode="eval")
    except SyntaxError as err:
        col = (err.offset or 1) - 1
        chars = len(source.src_bytes[:col].decode("utf-8", "replace")) if col >= 0 else 0
        chars = min(chars, len(source.where) - 1)
        msg = (err.msg or "invalid syntax").replace("Perhaps you forgot a comma?", "").strip()
        if "limit" in msg and "digits" in msg:
            msg = "a number has too many digits"
        elif "=" in source.text:
            msg += " ('=' belongs in a definition such as s(x)=1/(1+exp(-x)), given separately)"
        raise ExprError(f"cannot read the formula: {msg}", source.shown,
                        source.base + source.where[chars]) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ExprError("the formula is too deeply nested or too large to read",
                        source.shown) from None
    # measure the depth without recursion before anything walks the tree recursively
    stack = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise source.error(
                f"the formula is more than {MAX_DEPTH} operations deep (nested calls, or a "
                "very long chain of operations); split it with definitions", node)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree.body


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access (a.b)", ast.Subscript: "subscripts (a[i])",
        ast.Lambda: "lambda", ast.ListComp: "comprehensions", ast.GeneratorExp:
        "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
        ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "if/else",
        ast.List: "lists", ast.Tuple: "tuples or commas", ast.Dict: "dicts", ast.Set: "sets",
        ast.Starred: "starred arguments", ast.JoinedStr: "strings", ast.NamedExpr: ":=",
        ast.Await: "await", ast.Yield: "yield",
    }
    for k, v in kinds.items():
        if isinstance(node, k):
            return v
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    if isinstance(node, ast.UnaryOp):
        return f"the operator {type(node.op).__name__}"
    return type(node).__name__


# Compiled steps: ("num", x) ("var", name) ("arg", i) ("bin", op, pos) ("neg", pos)
# ("fn", name, pos) ("call", name, nargs, pos)


class Definition:
    """A user function such as ``s(x)=1/(1+exp(-x))``, compiled and checked.

    Attributes:
        name: the function's name.
        params: its parameter names.
        text: the definition as typed.
        calls: the names of the user functions its body calls.
    """

    def __init__(self, name: str, params: tuple[str, ...], text: str, code: list,
                 calls: set[str]):
        self.name, self.params, self.text, self.code, self.calls = name, params, text, code, calls

    def __repr__(self) -> str:
        return f"Definition({self.text!r})"


class _Compiler:
    """Checks an ast tree against the whitelist and turns it into steps."""

    def __init__(self, source: _Source, variables: Sequence[str] | None,
                 definitions: Mapping[str, object], params: tuple[str, ...] = (),
                 where: str = ""):
        self.source = source
        self.variables = None if variables is None else list(variables)
        self.definitions = definitions
        self.params = params
        self.where = where  # " in the definition of s" for messages
        self.code: list = []
        self.names: list[str] = []  # variables in order of first use
        self.calls: set[str] = set()

    def fail(self, reason: str, node: ast.AST) -> ExprError:
        return self.source.error(reason + self.where, node)

    def compile(self, node: ast.expr) -> bool:
        """Append the steps for node; return whether it is a constant (no variables).

        Recursive, but only over trees already checked to be at most MAX_DEPTH deep.
        """
        code = self.code
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise self.fail(f"not allowed in a formula: {type(v).__name__} values", node)
            try:
                x = float(v)
            except OverflowError:
                x = math.inf
            if not math.isfinite(x):
                raise self.fail("this number is too large", node)
            code.append(("num", x))
            return True
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            const = self.compile(node.operand)
            if isinstance(node.op, ast.USub):
                code.append(("neg", self.source.span(node)))
            return const
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left = self.compile(node.left)
            right = self.compile(node.right)
            op = _BINOPS[type(node.op)]
            code.append(("bin", op, self.source.span(node), op == "**" and right))
            return left and right
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
            raise self.fail("^ is a power here; this one could not be read", node)
        raise self.fail(f"not allowed in a formula: {_describe(node)}", node)

    def _check_name(self, name: str, node: ast.AST) -> None:
        if "__" in name:
            raise self.fail(f"the name {name!r} is not allowed (no double underscores)", node)

    def _name(self, node: ast.Name) -> bool:
        name = node.id
        self._check_name(name, node)
        if name in self.params:
            self.code.append(("arg", self.params.index(name)))
            return False
        if name in FUNCTIONS or name in self.definitions:
            raise self.fail(f"{name} is a function: call it with an argument, {name}(x)", node)
        if self.variables is not None and name not in self.variables:
            if name in CONSTANTS:
                self.code.append(("num", CONSTANTS[name]))
                return True
            if self.params:
                raise self.fail(
                    f"unknown name {name!r}: a definition can use only its parameters "
                    f"({', '.join(self.params)})", node)
            known = ", ".join(self.variables) or "none"
            raise self.fail(f"unknown variable {name!r} (variables given: {known})", node)
        if self.variables is None and name in CONSTANTS:
            self.code.append(("num", CONSTANTS[name]))
            return True
        if self.params:
            raise self.fail(f"unknown name {name!r}: a definition can use only its "
                            f"parameters ({', '.join(self.params)})", node)
        if name not in self.names:
            self.names.append(name)
        self.code.append(("var", name))
        return False

    def _call(self, node: ast.Call) -> bool:
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
            raise self.fail(f"unknown function {name!r} (allowed: {known}; define your "
                            f"own with --define \"{name}(x)=...\")", f)
        if len(node.args) != want:
            raise self.fail(f"{name} takes {want} argument(s), got {len(node.args)}", node)
        const = True
        for a in node.args:
            const = self.compile(a) and const
        if name in FUNCTIONS:
            self.code.append(("fn", name, self.source.span(node)))
        else:
            self.calls.add(name)
            self.code.append(("call", name, want, self.source.span(node)))
        return const


# --- definitions ------------------------------------------------------------------------


class _Pending:
    """A definition whose header is read; enough for the compiler to check calls."""

    def __init__(self, params: tuple[str, ...]):
        self.params = params


def _split_definition(text: str) -> tuple[str, tuple[str, ...], int]:
    """Read ``name(p, q)=`` and return the name, the parameters and where the body starts."""
    eq = text.find("=")
    if eq < 0:
        raise ExprError("a definition looks like  s(x)=1/(1+exp(-x))  (no '=' found)", text, 0)
    head = text[:eq]
    open_ = head.find("(")
    close = head.rfind(")")
    if open_ < 0 or close < open_ or head[close + 1:].strip():
        raise ExprError("a definition starts with a name and its parameters, as in  s(x)=",
                        text, 0, eq)
    name = head[:open_].strip()
    params = tuple(p.strip() for p in head[open_ + 1:close].split(","))
    for part, pos in [(name, 0)] + [(p, open_ + 1) for p in params]:
        if not part.isidentifier() or "__" in part:
            raise ExprError(f"{part!r} is not a valid name here", text, pos, eq)
    if name in FUNCTIONS:
        raise ExprError(f"{name} is a built-in function; choose another name", text, 0, eq)
    if len(set(params)) != len(params):
        raise ExprError("a parameter name is repeated", text, open_, close + 1)
    return name, params, eq + 1


def define(texts: Iterable[str | bytes]) -> dict[str, Definition]:
    """Read user definitions such as ``s(x)=1/(1+exp(-x))``; any order, no recursion.

    Args:
        texts: the definitions, one per string. A body may call the library functions and
            any of the other definitions, and use only its own parameters.

    Returns:
        The definitions by name, for :func:`parse` and :func:`evaluate`.

    Raises:
        ExprError: for a malformed definition, a name defined twice, an unknown name or
            function, or a recursive definition (``s(x)=s(x)``, or s and t calling each other).

    Example:
        >>> sorted(define(["d(x)=s(x)*(1-s(x))", "s(x)=1/(1+exp(-x))"]))
        ['d', 's']
    """
    texts = [_as_text(t) for t in texts]
    headers: dict[str, tuple[tuple[str, ...], int, str]] = {}
    for text in texts:
        _check_text(text)
        name, params, body_at = _split_definition(text)
        if name in headers:
            raise ExprError(f"{name} is defined twice", text, 0, body_at - 1)
        headers[name] = (params, body_at, text)
    pending = {n: _Pending(p) for n, (p, _, _) in headers.items()}
    out: dict[str, Definition] = {}
    for name, (params, body_at, text) in headers.items():
        body = text[body_at:]
        if not body.strip():
            raise ExprError(f"the definition of {name} has no body after '='", text, body_at)
        lead = len(body) - len(body.lstrip())
        source = _Source(body[lead:], base=body_at + lead, shown=text)
        tree = _parse_tree(source)
        comp = _Compiler(source, None, pending, params, f" in the definition of {name}")
        comp.compile(tree)
        out[name] = Definition(name, params, text, comp.code, comp.calls)
    _refuse_cycles(out)
    return out


def _refuse_cycles(defs: Mapping[str, Definition]) -> None:
    """Raise ExprError if a definition calls itself, directly or through others."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(defs):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(sorted(defs[start].calls))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                d = defs[nxt]
                raise ExprError(
                    "recursive definition: " + " calls ".join(cycle) + "; a definition may "
                    "call only functions that do not call it back", d.text, 0,
                    d.text.find("="))
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(defs[nxt].calls)))


# --- formulas ----------------------------------------------------------------------------


class Formula:
    """A checked, compiled formula; evaluate it at given variable values.

    Attributes:
        text: the formula as typed (``^`` included).
        variables: the variable names it uses, in order of first use.
        definitions: the user functions it may call.
        leaves: after :meth:`evaluate`, the leaf Value of each variable.
        name: the name before ``=`` when parsed with ``allow_name``, else None.
    """

    def __init__(self, text: str, code: list, variables: list[str],
                 definitions: Mapping[str, Definition]):
        self.text = text
        self.code = code
        self.variables = variables
        self.definitions = dict(definitions)
        self.leaves: dict[str, Value] = {}
        self.name: str | None = None

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    def evaluate(self, values: Mapping[str, float | Value]) -> Value:
        """The formula's value as a graph of Values.

        Args:
            values: a number or a Value per variable. Numbers become leaves labelled with
                the variable's name; Values are used as they are (so several formulas can
                share leaves).

        Returns:
            The root Value.

        Raises:
            ExprError: for a missing variable, a value that is not a number, a domain error
                (log of a negative number, division by zero, overflow), an exponent that is
                too large, or a formula that takes too many steps; the message points at
                the operation.
        """
        leaves = {}
        for name in self.variables:
            if name not in values:
                raise ExprError(f"no value given for the variable {name!r}", self.text,
                                *_first_use(self.text, name))
            v = values[name]
            if isinstance(v, Value):
                leaves[name] = v
            else:
                try:
                    leaves[name] = Value(v, label=name)
                except (TypeError, ValueError) as err:
                    raise ExprError(f"the value of {name} is not usable: {err}") from None
        self.leaves = leaves
        return _run(self, leaves)


def _first_use(text: str, name: str) -> tuple[int, int]:
    i = text.find(name)
    return (i, i + len(name)) if i >= 0 else (0, 1)


def parse(text: str | bytes, *, variables: Sequence[str] | None = None,
          definitions: Mapping[str, Definition] | None = None,
          allow_name: bool = False) -> Formula:
    """Read and check a formula.

    Args:
        text: the formula, such as ``"s(s(I*w1+1)*w2+1)"`` (``^`` means power).
        variables: the allowed variable names; None allows any name that is not a function
            (then ``pi`` and ``e`` mean the constants).
        definitions: user functions from :func:`define`.
        allow_name: accept a leading ``NAME =`` (as in ``O = s(x)``); the name is kept in
            ``Formula.name``.

    Returns:
        A :class:`Formula`.

    Raises:
        ExprError: for anything outside the whitelist or the limits, with the position.

    Example:
        >>> parse("2^x * exp(-y)").variables
        ['x', 'y']
    """
    text = _as_text(text)
    _check_text(text)
    definitions = definitions or {}
    start, name = 0, None
    m = _NAMED.match(text) if allow_name else None
    if m:
        name, start = m.group(1), m.end()
    body = text[start:]
    lead = len(body) - len(body.lstrip())
    if not body.strip():
        raise ExprError("there is no formula after '='", text, start)
    source = _Source(body[lead:], base=start + lead, shown=text)
    tree = _parse_tree(source)
    comp = _Compiler(source, variables, definitions)
    comp.compile(tree)
    formula = Formula(text, comp.code, comp.names, definitions)
    formula.name = name
    return formula


_NAMED = re.compile(r"\s*([A-Za-z_]\w*)\s*=(?!=)")


def evaluate(text: str | bytes, values: Mapping[str, float | Value], *,
             definitions: Mapping[str, Definition] | None = None) -> Value:
    """Parse and evaluate a formula in one call; the variables are the keys of ``values``.

    Args:
        text: the formula.
        values: a number or Value per variable.
        definitions: user functions from :func:`define`.

    Returns:
        The root Value.

    Raises:
        ExprError: as :func:`parse` and :meth:`Formula.evaluate`.

    Example:
        >>> evaluate("x*w + b", {"x": 2, "w": 3, "b": 1}).data
        7.0
    """
    return parse(text, variables=list(values), definitions=definitions).evaluate(values)


def _run(formula: Formula, leaves: Mapping[str, Value]) -> Value:
    """Evaluate the compiled steps with an explicit stack of call frames (no recursion)."""
    defs = formula.definitions
    text = formula.text
    steps = 0
    # a frame: code, next step, arguments, value stack, span of the call in the formula
    frames = [(formula.code, [0], (), [], None)]
    result = None
    while frames:
        code, pc, args, stack, call_span = frames[-1]
        if pc[0] == len(code):
            frames.pop()
            result = stack[-1]
            if frames:
                frames[-1][3].append(result)
            continue
        step = code[pc[0]]
        pc[0] += 1
        steps += 1
        if steps > MAX_STEPS:
            raise ExprError(f"the formula takes more than {MAX_STEPS} steps to evaluate "
                            "(definitions calling definitions many times)", text)
        kind = step[0]
        try:
            if kind == "num":
                stack.append(Value(step[1]))
            elif kind == "var":
                stack.append(leaves[step[1]])
            elif kind == "arg":
                stack.append(args[step[1]])
            elif kind == "neg":
                stack.append(-stack.pop())
            elif kind == "bin":
                b = stack.pop()
                a = stack.pop()
                op = step[1]
                if op == "**" and step[3] and abs(b.data) > MAX_EXPONENT:
                    raise ExprError(f"the exponent {b.data:g} is too large (at most "
                                    f"{MAX_EXPONENT} in size)", text, *_span(frames, step))
                if op == "+":
                    stack.append(a + b)
                elif op == "-":
                    stack.append(a - b)
                elif op == "*":
                    stack.append(a * b)
                elif op == "/":
                    stack.append(a / b)
                else:
                    stack.append(a ** b)
            elif kind == "fn":
                stack.append(FUNCTIONS[step[1]](stack.pop()))
            else:  # call of a user definition
                _, name, n, span_here = step
                call_args = tuple(stack[len(stack) - n:])
                del stack[len(stack) - n:]
                if len(frames) > len(defs) + 1:  # pragma: no cover - cycles are refused
                    raise ExprError("definitions call each other without end", text)
                frames.append((defs[name].code, [0], call_args, [],
                               frames[1][4] if len(frames) > 1 else span_here))
        except ExprError:
            raise
        except (ArithmeticError, ValueError) as err:
            where = "" if len(frames) == 1 else " (inside a defined function)"
            raise ExprError(f"cannot evaluate{where}: {err}", text,
                            *_span(frames, step)) from None
    return result


def _span(frames: list, step: tuple) -> tuple[int, int]:
    """Where an error points: the operation, or the outermost call of a definition."""
    if len(frames) > 1:
        return frames[1][4]
    return step[2] if step[0] == "bin" else step[-1]
