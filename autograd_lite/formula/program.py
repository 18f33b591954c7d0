"""Networks typed the way learners write them: a list of equations.

A program is a list of statements separated by ``;`` or new lines::

    z2_1 = w2_11*x1 + w2_12*x2 + b2_1
    a2_1 = s(z2_1)
    C = 0.5*(a2_1 - y)^2

Every statement names its result, which later statements (and a hand-derived formula
checked against the program) may use by name; the result's node carries that name as its
label, so path tables, drawings and the stepper show it. A statement may also

* give several names to a function with several results: ``p1, p2, p3 = softmax(x1, x2, x3)``;
* define a helper function: ``s(x) = 1/(1+exp(-x))``;
* be a bare expression, as the last statement only (its result is then called ``f``).

The last statement is the output. Names that no statement defines are the variables.

Example:
    >>> prog = read_program("h = tanh(x*w); y = h*h", variables=["x", "w"])
    >>> run = prog.evaluate({"x": 0.5, "w": 2.0})
    >>> run.output.label, round(run.output.data, 6), run.nodes["h"].label
    ('y', 0.580026, 'h')
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from ..engine import Value
from .compiler import CONSTANTS, FUNCTIONS, Definition
from .functions import MULTI_FUNCTIONS, SYNONYMS
from .indices import expand
from .reader import Formula, define, inner_nodes, parse, run_steps
from .rewrite import plain_names
from .source import MAX_LENGTH, ExprError, as_text

__all__ = [
    "Statement",
    "Program",
    "Run",
    "Origin",
    "read_program",
    "split_statements",
    "MAX_STATEMENTS",
]

MAX_STATEMENTS = 500
"""At most this many statements in one program."""

_NAME = r"[^\W\d]\w*"
_DEFINITION = re.compile(rf"\s*({_NAME})\s*\(([^()]*)\)\s*=(?!=)")
_ASSIGN = re.compile(rf"\s*({_NAME}(?:\s*,\s*{_NAME})*)\s*=(?!=)")
_CALL = re.compile(rf"\s*({_NAME})\s*\((.*)\)\s*$", re.S)


class Statement(NamedTuple):
    """One statement of a program.

    Attributes:
        names: the names it gives its results (one, or several for a function with several
            results); empty for a bare expression.
        text: the statement as typed.
        formulas: the right side as one formula, or the arguments of a function with
            several results, one formula each.
        function: the name of that function (``"softmax"``), or None.
    """

    names: tuple[str, ...]
    text: str
    formulas: tuple[Formula, ...]
    function: str | None = None


class Run(NamedTuple):
    """A program evaluated at some values; see :meth:`Program.evaluate`.

    Attributes:
        output: the output node (the last statement's result).
        nodes: every named node: the variables' leaves and the statements' results.
        origins: with ``trace=True``, where each node a statement made came from, as an
            :class:`Origin`.
    """

    output: Value
    nodes: dict[str, Value]
    origins: dict[Value, Origin]


class Origin(NamedTuple):
    """The typed text a node stands for.

    Attributes:
        statement: the index of the statement that made it.
        text: the sub-expression it is the value of (``s(I*w1+1)*w2+1``), or None for a
            node inside the body of a definition (other than the call's result).
        call: for a node made inside a user definition, the text of the outermost call
            (``s(I*w1+1)``); None for a node of the statement's own expression.
    """

    statement: int
    text: str | None
    call: str | None


class Program:
    """A checked list of statements; evaluate it at given values of its variables.

    Attributes:
        statements: the statements, in order.
        variables: the names the program needs values for, in order of first use.
        results: the names the statements define, in order.
        definitions: the helper functions, from the program and from ``definitions``.
        output: the name of the output: the last statement's first name (``f`` for a
            bare expression).
    """

    def __init__(
        self,
        statements: list[Statement],
        variables: list[str],
        definitions: Mapping[str, Definition],
    ):
        self.statements = statements
        self.variables = variables
        self.definitions = dict(definitions)
        self.results = [n for s in statements for n in s.names]
        self.output = statements[-1].names[0]

    def __repr__(self) -> str:
        return f"Program({len(self.statements)} statement(s), output {self.output!r})"

    def evaluate(self, values: Mapping[str, float | Value], *, trace: bool = False) -> Run:
        """Run the statements in order.

        Args:
            values: a number or a Value per variable; numbers become leaves labelled with
                the variable's name.
            trace: record where every node came from (``Run.origins``).

        Returns:
            A :class:`Run`.

        Raises:
            ExprError: for a missing value, or an operation that cannot be evaluated,
                naming the statement.
        """
        nodes = self._leaves(values)
        origins: dict = {}
        result = None
        for i, st in enumerate(self.statements):
            outputs = _run_statement(i, st, nodes, origins if trace else None)
            for name, node in zip(st.names, outputs):
                if node.label is None:
                    node.label = name
                nodes[name] = node
            result = outputs[0]
        return Run(result, nodes, origins)

    def _leaves(self, values: Mapping[str, float | Value]) -> dict[str, Value]:
        """A node per variable: a Value given, or a leaf labelled with its name."""
        nodes: dict[str, Value] = {}
        for name in self.variables:
            if name not in values:
                raise ExprError(f"no value given for the variable {name!r}")
            v = values[name]
            try:
                nodes[name] = v if isinstance(v, Value) else Value(v, label=name)
            except (TypeError, ValueError) as err:
                raise ExprError(f"the value of {name} is not usable: {err}") from None
        return nodes


def _run_statement(i: int, st: Statement, nodes: dict, origins: dict | None) -> list[Value]:
    """The results of statement i; with ``origins``, where each node came from goes there."""
    outputs = []
    for formula in st.formulas:
        steps: list | None = [] if origins is not None else None
        try:
            outputs.append(run_steps(formula, nodes, steps))
        except ExprError as err:
            raise _in_statement(err, i, st) from None
        for node, span, call in steps or ():
            within = None if call is None else formula.text[call[0] : call[1]].strip()
            shown = None if span is None else formula.text[span[0] : span[1]].strip()
            if shown is not None or node not in origins:
                origins[node] = Origin(i, shown, within)
    if st.function is None:
        return outputs
    arguments = outputs
    try:
        outputs = list(_multi_functions()[st.function](*arguments))
    except (ArithmeticError, ValueError) as err:
        raise ExprError(f"statement {i + 1} ({st.text.strip()}): {err}") from None
    if origins is not None:
        call = st.text.split("=", 1)[1].strip()
        for node in outputs:
            for inner in inner_nodes(node, arguments):
                origins.setdefault(inner, Origin(i, None, call))
            origins[node] = Origin(i, call, call)
    return outputs


def _in_statement(err: ExprError, i: int, st: Statement) -> ExprError:
    return ExprError(f"statement {i + 1}: {err.reason}", err.text, err.start, err.end)


def _multi_name(name: str) -> str | None:
    """The function with several results a call names (Softmax, log_softmax), or None."""
    low = name.lower()
    low = SYNONYMS.get(low, low)
    return low if low in _multi_functions() else None


def _multi_functions() -> Mapping:
    """The functions with several results (softmax)."""
    return MULTI_FUNCTIONS


def split_statements(text: str) -> list[str]:
    """The statements of a program: its pieces between ``;`` and new lines, blanks dropped.

    Example:
        >>> split_statements("a = x*2; b = a + 1\\n\\n c = b^2")
        ['a = x*2', 'b = a + 1', 'c = b^2']
    """
    return [p.strip() for p in re.split(r"[;\n\r]", text) if p.strip()]


def read_program(
    text: str | bytes,
    *,
    variables: Sequence[str] | None = None,
    definitions: Mapping[str, Definition] | None = None,
    ranges: Mapping[str, range] | None = None,
) -> Program:
    """Read and check a list of statements.

    Args:
        text: the statements, separated by ``;`` or new lines.
        variables: the names that will be given values; None takes every name that no
            statement defines as a variable.
        definitions: helper functions from :func:`~autograd_lite.formula.define`, besides
            those the program defines itself.
        ranges: the values of index letters (``{"k": range(1, 3)}``) where the statements
            use index notation (``z_j = Σ_k w_jk*x_k + b_j``, see
            :mod:`~autograd_lite.formula.indices`) and the names given do not tell them.

    Returns:
        A :class:`Program`.

    Raises:
        ExprError: for a statement that cannot be read, a name defined twice, a statement's
            name that is also a variable, or a name used before the statement that defines
            it; the message names the statement.

    Example:
        >>> read_program("z = w*x + b; a = sigmoid(z)").variables
        ['w', 'x', 'b']
    """
    text = as_text(text)
    if given_names := (list(variables) if variables is not None else None):
        text = expand(text, given_names, ranges)
    pieces = _pieces(text)
    defs = _with_own_definitions(pieces, definitions)
    given = None if variables is None else list(variables)
    later = _names_defined(pieces)
    known: list[str] = []  # results defined so far
    found: list[str] = []  # variables in order of first use
    statements: list[Statement] = []
    body = [p for p in pieces if not _DEFINITION.match(p)]
    if not body:
        raise ExprError("the program only defines functions; add a statement that uses them")
    for i, piece in enumerate(body):
        last = i == len(body) - 1
        st = _read_statement(piece, i, last, given, known, defs)
        for formula in st.formulas:
            for name in formula.variables:
                if name in known or name in found:
                    continue
                if name in later:
                    raise ExprError(
                        f"statement {i + 1} uses {name} before the statement that defines it"
                    )
                found.append(name)
        for name in st.names:
            _check_new_name(name, i, known, given, defs)
            known.append(name)
        statements.append(st)
    if not statements[-1].names:
        # a bare expression at the end: its result is called f (or f_ if f is taken)
        name = "f" if "f" not in (*known, *found, *(given or ())) else "f_"
        statements[-1] = statements[-1]._replace(names=(name,))
    if given is not None:
        found = [n for n in given if n in found]
    return Program(statements, found, defs)


def _pieces(text: str) -> list[str]:
    """The statements of a program's text, checked for size."""
    if len(text) > MAX_LENGTH * 20:
        raise ExprError(
            f"the program is {len(text)} characters long; at most {MAX_LENGTH * 20} are accepted"
        )
    pieces = split_statements(text)
    if not pieces:
        raise ExprError("the program is empty: type statements such as  z = w*x + b; a = s(z)")
    if len(pieces) > MAX_STATEMENTS:
        raise ExprError(f"the program has {len(pieces)} statements; at most {MAX_STATEMENTS}")
    return pieces


def _with_own_definitions(pieces: list[str], definitions: Mapping | None) -> dict:
    """The definitions given and those the program makes itself (``s(x)=...``)."""
    helper_texts = [p for p in pieces if _DEFINITION.match(p)]
    defs = dict(definitions or {})
    if helper_texts:
        own = define(helper_texts)
        for name in own:
            if name in defs:
                raise ExprError(f"{name} is defined twice (in the program and outside it)")
        defs.update(own)
    return defs


def _names_defined(pieces: list[str]) -> set[str]:
    names = set()
    for p in pieces:
        if _DEFINITION.match(p):
            continue
        m = _ASSIGN.match(p)
        if m:
            names.update(n.strip() for n in m.group(1).split(","))
    return names


def _check_new_name(name: str, i: int, known: list[str], given, defs) -> None:
    where = f"statement {i + 1}"
    if "__" in name:
        raise ExprError(f"{where}: the name {name!r} is not allowed (no double underscores)")
    if name in known:
        raise ExprError(
            f"{where}: {name} is defined twice; give each result its own name (a2_1, a2_2 ...)"
        )
    if given is not None and name in given:
        raise ExprError(
            f"{where} computes {name}, which is also given a value; drop one of the two"
        )
    if name in FUNCTIONS or name in defs or name in _multi_functions():
        raise ExprError(f"{where}: {name} is a function; choose another name for the result")
    if name in CONSTANTS and given is None:
        raise ExprError(f"{where}: {name} is a constant; choose another name for the result")


def _read_statement(piece: str, i: int, last: bool, given, known: list[str], defs) -> Statement:
    equals = piece.find("=")
    if equals > 0 and ("{" in piece[:equals] or "[" in piece[:equals]):  # z^{2}_{1}, W[1,2]
        piece = plain_names(piece[:equals]) + piece[equals:]
    m = _ASSIGN.match(piece)
    names: tuple[str, ...] = ()
    rhs, offset = piece, 0
    if m:
        names = tuple(n.strip() for n in m.group(1).split(","))
        rhs, offset = piece[m.end() :], m.end()
    elif not last:
        raise ExprError(
            f"statement {i + 1} ({piece}) has no name: write NAME = ... so that later "
            "statements can use its result"
        )
    if not rhs.strip():
        raise ExprError(f"statement {i + 1}: there is nothing after '='", piece, offset)
    allowed = None if given is None else [*given, *known]
    if len(names) > 1:
        return _read_multi(piece, rhs, offset, names, i, allowed, defs)
    call = _CALL.match(rhs)
    if call and _multi_name(call.group(1)) is not None:
        raise ExprError(
            f"statement {i + 1}: {call.group(1)} gives several results; name each of them, "
            f"as in  p1, p2, p3 = {call.group(1)}(x1, x2, x3)"
        )
    try:
        formula = parse(rhs, variables=allowed, definitions=defs)
    except ExprError as err:
        raise _shifted(err, i, piece, offset) from None
    return Statement(names, piece, (formula,))


def _read_multi(piece, rhs, offset, names, i, allowed, defs) -> Statement:
    call = _CALL.match(rhs)
    if not call or _multi_name(call.group(1)) is None:
        known = ", ".join(sorted(_multi_functions())) or "none"
        raise ExprError(
            f"statement {i + 1}: several names need a function with several results "
            f"({known}), as in  p1, p2, p3 = softmax(x1, x2, x3)",
            piece,
            offset,
        )
    args = _split_arguments(call.group(2))
    if len(args) != len(names):
        raise ExprError(
            f"statement {i + 1}: {call.group(1)} of {len(args)} argument(s) gives "
            f"{len(args)} result(s), but {len(names)} name(s) are given",
            piece,
        )
    start = offset + call.start(2)
    formulas = []
    for arg, at in args:
        try:
            formulas.append(parse(arg, variables=allowed, definitions=defs))
        except ExprError as err:
            raise _shifted(err, i, piece, start + at) from None
    return Statement(names, piece, tuple(formulas), _multi_name(call.group(1)))


def _split_arguments(text: str) -> list[tuple[str, int]]:
    """The comma-separated arguments at the top level of the parentheses, with offsets."""
    out, depth, start = [], 0, 0
    for j, c in enumerate(text):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "," and depth == 0:
            out.append((text[start:j], start))
            start = j + 1
    out.append((text[start:], start))
    return out


def _shifted(err: ExprError, i: int, piece: str, offset: int) -> ExprError:
    """The error of the right side, pointing into the whole statement."""
    if err.start is None or err.text != piece[offset:]:
        return ExprError(f"statement {i + 1}: {err.reason}", err.text, err.start, err.end)
    end = None if err.end is None else err.end + offset
    return ExprError(f"statement {i + 1}: {err.reason}", piece, err.start + offset, end)
