"""A safe reader for formulas typed by a person, evaluated to ``Value`` nodes.

Formulas are written as on a graphing calculator: numbers, variables, ``+ - * /``, ``**``
or ``^`` for powers, unary minus, parentheses, the library functions of
:mod:`autograd_lite.formula.functions` (``exp log tanh sigmoid relu max logsumexp ...``) and
functions the user defines, such as ``s(x)=1/(1+exp(-x))``. What a calculator or a web page
gives is accepted too (``−``, ``·``, ``×``, ``²``, ``√x``, ``|x|``, ``2x``): see
:class:`~autograd_lite.formula.source.Source`.
Variables become labelled leaf Values, so the result can be differentiated.

Nothing is ever run with ``eval``: the text is parsed by :mod:`ast` and every node is
checked against a short whitelist, then compiled to a list of steps evaluated by a loop.
Everything else (attribute access, subscripts, strings, lambdas, comprehensions, keywords,
names that are not variables or functions) is refused with :class:`ExprError`, which shows
the formula with a caret under the offending place. Limits keep every input cheap:

* at most ``MAX_LENGTH`` characters;
* parentheses and runs of signs nested at most ``MAX_NESTING`` deep, checked *before*
  ``ast.parse`` (CPython's parser can fail with MemoryError or RecursionError on deep input);
* a syntax tree at most ``MAX_DEPTH`` deep; the tree is measured, checked and compiled
  with explicit stacks, so a formula is read the same at any depth of the caller's stack;
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

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from ..engine import Value
from .compiler import CONSTANTS, FUNCTIONS, Arg, Bin, Call, Compiler, Definition, Fn, Neg, Num, Var
from .functions import DERIVATIVES, MULTI_FUNCTIONS
from .source import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NESTING,
    ExprError,
    Source,
    as_text,
    check_text,
    parse_tree,
)

__all__ = [
    "ExprError",
    "Definition",
    "Formula",
    "parse",
    "define",
    "evaluate",
    "FUNCTIONS",
    "CONSTANTS",
    "MAX_LENGTH",
    "MAX_NESTING",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_STEPS",
]

MAX_EXPONENT = 10_000
MAX_STEPS = 200_000


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
    if open_ < 0 or close < open_ or head[close + 1 :].strip():
        raise ExprError(
            "a definition starts with a name and its parameters, as in  s(x)=", text, 0, eq
        )
    # names are folded as Python folds the names in the body (NFKC), so that a look-alike
    # letter in the header means the same name as in the formulas that call it
    name = unicodedata.normalize("NFKC", head[:open_].strip())
    params = tuple(
        unicodedata.normalize("NFKC", p.strip()) for p in head[open_ + 1 : close].split(",")
    )
    for part, pos in [(name, 0)] + [(p, open_ + 1) for p in params]:
        if not part.isidentifier() or "__" in part:
            raise ExprError(f"{part!r} is not a valid name here", text, pos, eq)
    if name in FUNCTIONS or name in MULTI_FUNCTIONS:
        raise ExprError(f"{name} is a built-in function; choose another name", text, 0, eq)
    if len(set(params)) != len(params):
        raise ExprError("a parameter name is repeated", text, open_, close + 1)
    return name, params, eq + 1


def define(texts: Iterable[str | bytes]) -> dict[str, Definition]:
    """Read user definitions such as ``s(x)=1/(1+exp(-x))``, in any order.

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
    texts = [as_text(t) for t in texts]
    headers: dict[str, tuple[tuple[str, ...], int, str]] = {}
    for text in texts:
        check_text(text)
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
        source = Source(body[lead:], base=body_at + lead, shown=text, values=params)
        tree = parse_tree(source)
        comp = Compiler(source, None, pending, params, f" in the definition of {name}")
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
                cycle = path[path.index(nxt) :] + [nxt]
                d = defs[nxt]
                raise ExprError(
                    "recursive definition: " + " calls ".join(cycle) + "; a definition may "
                    "call only functions that do not call it back",
                    d.text,
                    0,
                    d.text.find("="),
                )
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(defs[nxt].calls)))


def _check_definitions(defs: Mapping[str, Definition]) -> None:
    """Refuse a mapping that :func:`define` could not have made: by mixing the results of
    several calls, a definition could call one that is missing or calls it back."""
    for name, d in defs.items():
        if not isinstance(d, Definition) or d.name != name:
            raise ExprError(
                f"definitions must map each name to its Definition from define(), "
                f"got {name!r}: {d!r}"
            )
        for called in sorted(d.calls):
            if called not in defs:
                raise ExprError(
                    f"the definition of {name} calls {called}, which is not among "
                    "the definitions given; pass them all to one define() call",
                    d.text,
                    0,
                    d.text.find("="),
                )
    _refuse_cycles(defs)


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

    def __init__(
        self, text: str, code: list, variables: list[str], definitions: Mapping[str, Definition]
    ):
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
        values = {unicodedata.normalize("NFKC", k): v for k, v in values.items()}
        for name in self.variables:
            if name not in values:
                raise ExprError(
                    f"no value given for the variable {name!r}",
                    self.text,
                    *_first_use(self.text, name),
                )
            v = values[name]
            if isinstance(v, Value):
                leaves[name] = v
            else:
                try:
                    leaves[name] = Value(v, label=name)
                except (TypeError, ValueError) as err:
                    raise ExprError(f"the value of {name} is not usable: {err}") from None
        root = run_steps(self, leaves)
        # only now: a failed evaluation leaves the previous leaves in place
        self.leaves = leaves
        return root


def _first_use(text: str, name: str) -> tuple[int, int]:
    i = text.find(name)
    return (i, i + len(name)) if i >= 0 else (0, 1)


def parse(
    text: str | bytes,
    *,
    variables: Sequence[str] | None = None,
    definitions: Mapping[str, Definition] | None = None,
    allow_name: bool = False,
) -> Formula:
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
    text = as_text(text)
    check_text(text)
    definitions = definitions or {}
    _check_definitions(definitions)
    start, name = 0, None
    m = _NAMED.match(text) if allow_name else None
    if m:
        name, start = m.group(1), m.end()
    body = text[start:]
    lead = len(body) - len(body.lstrip())
    if not body.strip():
        raise ExprError("there is no formula after '='", text, start)
    source = Source(body[lead:], base=start + lead, shown=text, values=variables or ())
    tree = parse_tree(source)
    comp = Compiler(source, variables, definitions)
    comp.compile(tree)
    formula = Formula(text, comp.code, comp.names, definitions)
    formula.name = name
    return formula


_NAMED = re.compile(r"\s*([A-Za-z_]\w*)\s*=(?!=)")


def evaluate(
    text: str | bytes,
    values: Mapping[str, float | Value],
    *,
    definitions: Mapping[str, Definition] | None = None,
) -> Value:
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


def run_steps(formula: Formula, leaves: Mapping[str, Value], trace: list | None = None) -> Value:
    """Evaluate a formula's compiled steps with an explicit stack of call frames (no recursion).

    The evaluation loop behind :meth:`Formula.evaluate`; programs and the diagnosis call it
    with their own leaves (and a trace) and catch its ExprError themselves.

    With ``trace`` (a list), every node the steps make is recorded as ``(node, span,
    call)``: ``span`` is the range of the formula's text it is the value of (None for a node
    inside a definition's body, except the result of the outermost call) and ``call`` the
    span of the outermost call of a user definition it was made inside (None at the top
    level), so a caller can say which part of the typed text each node stands for.
    """
    text = formula.text
    steps = 0
    # a frame: code, next step, arguments, value stack, span of the outermost call
    frames = [(formula.code, [0], (), [], None)]
    result = None
    while frames:
        code, pc, _, stack, call_span = frames[-1]
        if pc[0] == len(code):
            result = _return(frames, trace)
            continue
        step = code[pc[0]]
        pc[0] += 1
        steps += 1
        if steps > MAX_STEPS:
            raise ExprError(
                f"the formula takes more than {MAX_STEPS} steps to evaluate "
                "(definitions calling definitions many times)",
                text,
            )
        try:
            made = _run_step(step, frames, leaves, formula, trace)
        except ExprError:
            raise
        except (ArithmeticError, ValueError) as err:
            where = "" if len(frames) == 1 else " (inside a defined function)"
            raise ExprError(f"cannot evaluate{where}: {err}", text, *_span(frames, step)) from None
        if made and trace is not None:
            if len(frames) == 1:
                trace.append((stack[-1], step.span, None))
            else:  # inside a definition: its span is in the definition's text
                trace.append((stack[-1], None, call_span))
    return result


def _return(frames: list, trace: list | None) -> Value:
    """End the innermost frame: its value goes onto its caller's stack (and the trace)."""
    _, _, _, stack, call_span = frames.pop()
    result = stack[-1]
    if frames:
        frames[-1][3].append(result)
        if trace is not None and len(frames) == 1:
            trace.append((result, call_span, call_span))
    return result


def _run_step(step, frames: list, leaves: Mapping[str, Value], formula: Formula, trace) -> bool:
    """Run one step in the innermost frame; whether it made a node for the trace to record
    as usual (a call records its nodes itself when it returns)."""
    _, _, args, stack, call_span = frames[-1]
    kind = type(step)
    if kind is Num:
        stack.append(Value(step.value))
    elif kind is Var:
        stack.append(leaves[step.name])
    elif kind is Arg:
        stack.append(args[step.index])
    elif kind is Call:
        n = step.nargs
        call_args = tuple(stack[len(stack) - n :])
        del stack[len(stack) - n :]
        outer = call_span if len(frames) > 1 else step.span
        frames.append((formula.definitions[step.name].code, [0], call_args, [], outer))
    elif kind is Neg:
        stack.append(-stack.pop())
        return True
    elif kind is Bin:
        b = stack.pop()
        a = stack.pop()
        stack.append(_binary(step, a, b, formula.text, frames))
        return True
    else:  # Fn
        return _call_function(step, stack, trace if len(frames) == 1 else None)
    return False


def _call_function(step: Fn, stack: list, trace: list | None) -> bool:
    """A library function on the top of the stack. At the top level (``trace`` given), a
    function made of several primitives (max, softmax, log2) has its inner nodes recorded as
    belonging to the call, as a definition's are."""
    n = step.nargs
    operands = stack[len(stack) - n :]
    del stack[len(stack) - n :]
    stack.append((FUNCTIONS.get(step.name) or DERIVATIVES[step.name])(*operands))
    if trace is None:
        return True
    for inner in inner_nodes(stack[-1], operands):
        trace.append((inner, None, step.span))
    trace.append((stack[-1], step.span, step.span))
    return False


def inner_nodes(result: Value, operands: Sequence[Value]) -> list[Value]:
    """The nodes a function call made between its operands and its result (not these)."""
    stop = {id(v) for v in operands}
    seen = {id(result)}
    out: list[Value] = []
    todo = list(result.parents)
    while todo:
        v = todo.pop()
        if id(v) in stop or id(v) in seen or not v.parents:
            continue
        seen.add(id(v))
        out.append(v)
        todo.extend(v.parents)
    return out


def _binary(step: Bin, a: Value, b: Value, text: str, frames: list) -> Value:
    op = step.op
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    if step.constant_exponent and abs(b.data) > MAX_EXPONENT:
        raise ExprError(
            f"the exponent {b.data:g} is too large (at most {MAX_EXPONENT} in size)",
            text,
            *_span(frames, step),
        )
    return a**b


def _span(frames: list, step) -> tuple[int, int]:
    """Where an error points: the operation, or the outermost call of a definition."""
    if len(frames) > 1:
        return frames[1][4]
    return step.span
