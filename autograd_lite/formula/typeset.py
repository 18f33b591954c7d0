"""Formulas typeset: what a learner typed, read by the reader and written as a textbook prints it.

:func:`latex` reads a formula or a list of statements with the reader itself (so it accepts
what the command line accepts, and refuses the rest with the reader's own message), then
writes the syntax tree as LaTeX math: fractions as ``\\frac``, powers as superscripts,
products by juxtaposition (``2x``, ``w_{jk} x_{k}``, ``x(1 - x)``) or ``\\cdot`` between
calls, the library's functions as operators (``\\sigma``, ``\\tanh``, ``\\ln``, ``e^{-x}``,
``\\sqrt{x}``, ``\\operatorname{ReLU}``), primes (``\\sigma'(z)``), names with their indices
(``w2_11`` is :math:`w^{2}_{11}`, Nielsen's layer above and the neuron below; ``x1`` is
:math:`x_{1}`; ``w_jk`` is :math:`w_{jk}`), sums in index notation (``Σ_k w_jk*x_k`` is
:math:`\\sum_{k} w_{jk} x_{k}`), and only the brackets the order of operations needs.

Every name is the user's text, and goes through :func:`autograd_lite.escape.latex`; a
name the reader accepts is made of letters, digits and underscores anyway, so no command,
brace or comment of the user's can reach the LaTeX. The output is math for amsmath
(``\\operatorname``, ``\\text``, ``aligned``), which KaTeX renders too.

The tree is walked with an explicit stack, as everything that walks a formula.

Example:
    >>> latex("s(x) = 1/(1+exp(-x))")
    's(x) = \\\\frac{1}{1 + e^{-x}}'
    >>> latex("C = 0.5*(a2_1 - y)^2")
    'C = 0.5 (a^{2}_{1} - y)^{2}'
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from .. import escape
from .compiler import Definition
from .functions import ALIASES, DERIVATIVES, FUNCTIONS, MULTI_FUNCTIONS, PRIME
from .indices import _SUM, _sum_end, index_letters
from .program import _ASSIGN, _DEFINITION, Statement, read_program, split_statements
from .reader import define
from .rewrite import plain_names
from .source import ExprError, Source, as_text, parse_tree

__all__ = ["latex"]

# how tightly each kind of expression binds: an operand that binds less gets brackets
ADD, MUL, NEG, POW, ATOM = range(1, 6)


class _Tex(NamedTuple):
    """A sub-expression written as LaTeX, with what its neighbours need to know of it.

    ``kind`` is ``"number"``, ``"symbol"`` (a letter with its indices), ``"group"`` (in
    brackets), ``"fraction"``, ``"call"`` or ``""``, and a product's is its last factor's
    (what follows it is juxtaposed to that factor, or not);
    ``open_end`` says that it ends with a sum whose reach runs on to the right
    (``\\sum_k x_k``), so a factor after it would join the sum; ``power`` is the operator
    and the brackets of a call whose power books write as ``\\tanh^{2}(z)``.
    """

    text: str
    prec: int
    kind: str = ""
    open_end: bool = False
    power: tuple[str, str] | None = None


# --- names ------------------------------------------------------------------------------------

_GREEK_WORDS = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma "
    "tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi "
    "Omega".split()
)
# a name the way the reader's names carry indices: letters, then digits (Nielsen's layer,
# or the index of x1), then _ and the indices (w2_11, z2_j, w_jk)
_INDEXED = re.compile(r"(?P<base>[^\W\d_]+)(?P<digits>[0-9]*)(?:_(?P<sub>[^\W_]+))?")
_MATH_ONLY = re.compile(r"(?:\\ensuremath\{\\[A-Za-z]+\})+")
_CONSTANTS = {"pi": r"\pi", "π": r"\pi", "e": "e"}


def _letters(word: str) -> str:
    """Letters of a name in math: one Latin letter in italics, a word in \\mathit, a Greek
    letter's name as the letter, anything else through escape.latex."""
    if word in _GREEK_WORDS:
        return "\\" + word
    if word.isascii() and word.isalnum():
        return word if len(word) == 1 else rf"\mathit{{{word}}}"
    tex = escape.latex(word)
    if _MATH_ONLY.fullmatch(tex):  # Greek letters: \ensuremath{\alpha} is math already
        return tex
    return rf"\text{{{tex}}}"


def _index(sub: str) -> str:
    """An index: digits and index letters as they are, a word (out, hidden) upright."""
    if sub.isascii() and sub.isalpha() and len(sub) >= 3:
        return rf"\mathrm{{{sub}}}"
    if sub.isascii():
        return sub
    return _letters(sub)


def _name(name: str) -> str:
    """A name of the formula as a textbook writes it: ``w2_11`` as w^{2}_{11}, ``x1`` as
    x_{1}, ``w_jk`` as w_{jk}, ``delta`` as \\delta; other names letter for letter."""
    m = _INDEXED.fullmatch(name)
    if m is None:
        tex = escape.latex(name)
        return rf"\mathit{{{tex}}}" if name.isascii() else rf"\text{{{tex}}}"
    out = _letters(m["base"])
    if m["sub"] is not None:
        if m["digits"]:
            out += f"^{{{m['digits']}}}"
        return out + f"_{{{_index(m['sub'])}}}"
    if m["digits"]:
        out += f"_{{{m['digits']}}}"
    return out


def _symbol_kind(name: str) -> tuple[int, str]:
    """How a name binds and juxtaposes: a letter with indices is a symbol (w_{1} x_{1} reads
    as a product), a word is not; a name with a superscript is a power already."""
    m = _INDEXED.fullmatch(name)
    if m is None or (len(m["base"]) > 1 and m["base"] not in _GREEK_WORDS):
        return ATOM, ""
    return (POW if m["digits"] and m["sub"] is not None else ATOM), "symbol"


# --- functions ----------------------------------------------------------------------------------

_OPERATORS = {
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "log": r"\ln",
    "ln": r"\ln",
    "log2": r"\log_{2}",
    "log10": r"\log_{10}",
    "sin": r"\sin",
    "cos": r"\cos",
    "exp": r"\exp",
    "relu": r"\operatorname{ReLU}",
    "max": r"\max",
    "min": r"\min",
    "sqrt": r"\operatorname{sqrt}",
    "abs": r"\operatorname{abs}",
    "log1p": r"\operatorname{log1p}",
    "logsumexp": r"\operatorname{logsumexp}",
    "softmax": r"\operatorname{softmax}",
    "logsoftmax": r"\operatorname{logsoftmax}",
}
# written as books write their powers: tanh(z)^2 is \tanh^{2}(z)
_POWERED = ("tanh", "sin", "cos")
_SUM_CALL = re.compile(r"Σ_([a-z])")


def _library(name: str, definitions: Mapping[str, Definition]) -> str | None:
    """The library function a call names, as the compiler resolves it (σ, ReLU, Tanh), or
    None for a definition of the user's."""
    if name in definitions:
        return None
    name = ALIASES.get(name, name)
    known = FUNCTIONS.keys() | MULTI_FUNCTIONS.keys() | DERIVATIVES.keys()
    if name in known:
        return name
    return name.lower() if name.lower() in known else None


def _brackets(args: Sequence[_Tex]) -> str:
    """Arguments in brackets, which grow around a fraction or a sum."""
    inside = ", ".join(a.text for a in args)
    if any(tall in inside for tall in (r"\frac", r"\sum", r"\left")):
        return rf"\left({inside}\right)"
    return f"({inside})"


def _library_call(name: str, args: Sequence[_Tex]) -> _Tex:
    """A call of a library function or of a derivative (``sigmoidʹ`` is σ')."""
    prime = name.endswith(PRIME)
    base = name[: -len(PRIME)] if prime else name
    if not prime:
        (arg, *_) = args
        if base == "sqrt":
            return _Tex(rf"\sqrt{{{arg.text}}}", ATOM, "call")
        if base == "abs":
            return _Tex(rf"\left|{arg.text}\right|", ATOM, "call")
        if base == "exp" and not any(c in arg.text for c in ("^", "\\frac", "\\sum", "(")):
            return _Tex(f"e^{{{arg.text}}}", POW)
        if base == "log1p":  # ln(1 + x), as books write it
            return _Tex(r"\ln" + _brackets([_Tex(f"1 + {arg.text}", ADD)]), ATOM, "call")
    head = _OPERATORS[base] + ("'" if prime else "")
    inside = _brackets(args)
    power = (head, inside) if base in _POWERED and not prime else None
    return _Tex(head + inside, ATOM, "call", power=power)


def _call(node: ast.Call, args: list[_Tex], definitions: Mapping[str, Definition]) -> _Tex:
    name = node.func.id
    library = _library(name, definitions)
    if library is not None:
        return _library_call(library, args)
    m = _SUM_CALL.fullmatch(name)
    if m and name not in definitions:
        if len(args) != 1:
            raise ExprError(f"Σ_{m[1]} sums one term, as in Σ_k w_k*x_k or sum_k(w_k*x_k)")
        (body,) = args
        inside = body.text if body.prec > ADD else f"\\left({body.text}\\right)"
        return _Tex(rf"\sum_{{{m[1]}}} {inside}", NEG, open_end=True)
    return _Tex(_head(name) + _brackets(args), ATOM, "call")


def _head(name: str) -> str:
    """A function of the user's: a word upright, as operators are (\\operatorname{ds})."""
    return rf"\operatorname{{{name}}}" if re.fullmatch("[A-Za-z]{2,}", name) else _name(name)


# --- numbers and operators ----------------------------------------------------------------------

_NUMBER = re.compile(r"([0-9]*\.?[0-9]*)(?:[eE]([+-]?)0*([0-9]+))?")


def _number(node: ast.Constant, source: Source) -> _Tex:
    """A number as typed (0.50 stays 0.50), or as Python writes its value when it was typed
    another way (½); 1e-3 is 1 \\times 10^{-3}."""
    start, end = source.span(node)
    typed = source.shown[start:end]
    m = _NUMBER.fullmatch(typed)
    if m is None or not any(c.isdigit() for c in m[1]):
        value = node.value
        typed = str(value) if isinstance(value, int) else repr(float(value))
        m = _NUMBER.fullmatch(typed)
    mantissa = m[1] if not m[1].startswith(".") else "0" + m[1]
    if m[3] is None:
        return _Tex(mantissa, ATOM, "number")
    sign = "-" if m[2] == "-" else ""
    return _Tex(rf"{mantissa} \times 10^{{{sign}{m[3]}}}", MUL)


def _wrapped(t: _Tex) -> _Tex:
    inside = t.text
    if r"\frac" in inside or r"\sum" in inside:
        return _Tex(rf"\left({inside}\right)", ATOM, "group")
    return _Tex(f"({inside})", ATOM, "group")


def _negative(t: _Tex) -> bool:
    return t.text.startswith("-")


def _juxtaposed(a: _Tex, b: _Tex) -> bool:
    """Whether a product is written without a sign, as books do: 2x, 2(x + 1), x(1 - x),
    (a - y) x, w_{1} x_{1}, \\frac{1}{2} x; a dot after calls and words, and before numbers."""
    if b.text[:1].isdigit() or b.kind in ("number", "fraction"):
        return False
    if a.kind in ("number", "fraction"):
        return True
    if b.kind == "group":
        return a.kind in ("symbol", "group", "call")
    return a.kind in ("symbol", "group") and b.kind == "symbol"


def _product(a: _Tex, b: _Tex) -> _Tex:
    if a.prec < MUL or a.open_end:
        a = _wrapped(a)
    if b.prec < MUL or _negative(b):
        b = _wrapped(b)
    # what follows is juxtaposed to the last factor, or not, as to that factor alone
    kind = b.kind if b.kind in ("symbol", "group") else ""
    sign = " " if _juxtaposed(a, b) else r" \cdot "
    return _Tex(a.text + sign + b.text, MUL, kind, b.open_end)


def _power(a: _Tex, b: _Tex, exponent: ast.expr) -> _Tex:
    if a.power is not None and isinstance(exponent, ast.Constant):
        if isinstance(exponent.value, int) and exponent.value > 0:
            head, inside = a.power
            return _Tex(f"{head}^{{{b.text}}}{inside}", ATOM, "call")
    kind = a.kind if a.kind in ("symbol", "group") else ""
    if a.prec < ATOM or a.kind == "fraction" or a.open_end:
        a, kind = _wrapped(a), "group"
    return _Tex(f"{a.text}^{{{b.text}}}", POW, kind)


def _binary(node: ast.BinOp, a: _Tex, b: _Tex) -> _Tex:
    op = type(node.op)
    if op is ast.Div:
        return _Tex(rf"\frac{{{a.text}}}{{{b.text}}}", ATOM, "fraction")
    if op is ast.Pow:
        return _power(a, b, node.right)
    if op is ast.Mult:
        return _product(a, b)
    if _negative(b) or (op is ast.Sub and b.prec <= ADD):
        b = _wrapped(b)
    sign = "+" if op is ast.Add else "-"
    return _Tex(f"{a.text} {sign} {b.text}", ADD, "", b.open_end)


def _unary(node: ast.UnaryOp, a: _Tex) -> _Tex:
    if a.prec <= ADD or _negative(a) or a.text.startswith("+"):
        a = _wrapped(a)
    sign = "-" if isinstance(node.op, ast.USub) else "+"
    return _Tex(sign + a.text, NEG, "", a.open_end)


# --- the tree -------------------------------------------------------------------------------------


def _operands(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def _checked(node: ast.AST, source: Source) -> ast.AST:
    """The node, if it is one the reader compiles. The reader checked the text with its
    sums left out; the sums put back in can make only what a sum typed in the wrong place
    makes (``Σ_k *x``, ``aΣ_k``), which is refused here."""
    if isinstance(node, ast.Constant):
        ok = isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    elif isinstance(node, ast.BinOp):
        ok = isinstance(node.op, _BINARY)
    elif isinstance(node, ast.UnaryOp):
        ok = isinstance(node.op, (ast.USub, ast.UAdd))
    elif isinstance(node, ast.Call):
        ok = isinstance(node.func, ast.Name) and not node.keywords
        ok = ok and not any(isinstance(a, ast.Starred) for a in node.args)
    else:
        ok = isinstance(node, ast.Name)
    if not ok:
        raise source.error("a sum is written Σ_k before the term it sums, as in Σ_k w_k*x_k", node)
    return node


def _leaf(node: ast.AST, source: Source, params: Sequence[str], clashing: set[str]) -> _Tex:
    if isinstance(node, ast.Constant):
        return _number(node, source)
    name = node.id
    if name in _CONSTANTS and name not in params:
        return _Tex(_CONSTANTS[name], ATOM, "symbol")
    if name in clashing:  # written as typed, so x1 and x_1 do not both read x₁
        return _Tex(rf"\texttt{{{escape.latex(name)}}}", ATOM, "")
    prec, kind = _symbol_kind(name)
    return _Tex(_name(name), prec, kind)


_GLYPH = re.compile(r"\\ensuremath\{(\\[A-Za-z]+)\}")


def _clashing(tree: ast.AST, params: Sequence[str]) -> set[str]:
    """The names of an expression that a textbook's rendering would print alike (``x1`` and
    ``x_1`` are both x₁, ``delta`` and ``δ`` both δ): they are written as typed instead."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | set(params)
    seen: dict[str, list[str]] = {}
    for name in names:
        seen.setdefault(_GLYPH.sub(r"\1", _name(name)), []).append(name)
    return {name for alike in seen.values() if len(alike) > 1 for name in alike}


def _expression(text: str, params: Sequence[str], definitions: Mapping[str, Definition]) -> _Tex:
    """One expression (read and checked by the reader already) as LaTeX; post-order over the
    tree with an explicit stack."""
    source = Source(text, values=params)
    tree = parse_tree(source)
    clashing = _clashing(tree, params)
    done: list[_Tex] = []
    todo: list[tuple[ast.AST, bool]] = [(tree, False)]
    while todo:
        node, ready = todo.pop()
        operands = _operands(_checked(node, source))
        if operands and not ready:
            todo.append((node, True))
            todo.extend((child, False) for child in reversed(operands))
            continue
        if not operands and not isinstance(node, ast.Call):
            done.append(_leaf(node, source, params, clashing))
            continue
        args = done[len(done) - len(operands) :]
        del done[len(done) - len(operands) :]
        if isinstance(node, ast.BinOp):
            done.append(_binary(node, *args))
        elif isinstance(node, ast.UnaryOp):
            done.append(_unary(node, *args))
        else:
            done.append(_call(node, args, definitions))
    return done.pop()


# --- statements -----------------------------------------------------------------------------------


def _blank_sums(piece: str) -> str:
    """The statement with its sum signs (Σ_k, sum_k, \\sum_{k}) as spaces: what the reader
    checks, each column where it was typed."""
    return _SUM.sub(lambda m: " " * len(m[0]), piece)


def _wrapped_sums(text: str) -> str:
    """Each Σ_k and the term it sums (up to the next + or − outside brackets, as the reader
    of index notation reads it) as the call ``Σ_k(term)``; ``sum_k(...)`` as ``Σ_k(...)``."""
    for m in reversed(list(_SUM.finditer(text))):
        if m[0].startswith("sum") and text[m.end() : m.end() + 1] == "(":
            text = text[: m.start()] + f"Σ_{m[1]}" + text[m.end() :]
            continue
        end = _sum_end(text, m.end())
        if not text[m.end() : end].strip():
            raise ExprError(
                f"{m[0]} sums nothing: write the term after it, as in Σ_k w_k*x_k",
                text,
                m.start(),
                m.end(),
            )
        text = text[: m.start()] + f"Σ_{m[1]}(" + text[m.end() : end] + ")" + text[end:]
    return text


def _restored(err: ExprError, pieces: Mapping[str, str]) -> ExprError:
    """The reader's error about a statement with its sums blanked, shown with them: the
    reader sees each statement stripped, and its error may show the right side only."""
    for blank, piece in pieces.items():
        stripped = blank.strip()
        if err.text and stripped.endswith(err.text):
            start = blank.index(stripped) + len(stripped) - len(err.text)
            at = [None if i is None else i + start for i in (err.start, err.end)]
            return ExprError(err.reason, piece, *at)
    return err


def _read(
    pieces: list[str],
    variables: Sequence[str] | None,
    definitions: Mapping[str, Definition] | None,
) -> tuple[list[Statement], dict[str, Definition]]:
    """The statements and the definitions, read by the reader with the sums blanked (its
    error shows them); text that only defines functions is read as definitions. Names in
    index notation are read as plain names: their values are not known here."""
    blanked = [_blank_sums(p) for p in pieces]
    for blank, piece in zip(blanked, pieces):
        if not blank.strip():
            _wrapped_sums(piece)  # says what sums nothing
    text = "\n".join(blanked)
    known = None if variables is None or index_letters(text) else list(variables)
    try:
        if blanked and all(_DEFINITION.match(p) for p in blanked):
            read_program(text + "\n0", variables=known, definitions=definitions)  # the checks
            return [], {**(definitions or {}), **define(blanked)}
        program = read_program(text, variables=known, definitions=definitions)
    except ExprError as err:
        if blanked == pieces:
            raise
        raise _restored(err, dict(zip(blanked, pieces))) from None
    return program.statements, program.definitions


def _definition(piece: str, defs: Mapping[str, Definition]) -> tuple[str, str]:
    m = _DEFINITION.match(_blank_sums(piece))  # the header as the reader read it
    d = defs[unicodedata.normalize("NFKC", m[1])]
    lhs = _head(d.name) + "(" + ", ".join(_name(p) for p in d.params) + ")"
    body = _wrapped_sums(piece[m.end() :]).strip()
    return lhs, _expression(body, d.params, defs).text


def _statement(
    piece: str, names: Sequence[str], values: Sequence[str], defs: Mapping[str, Definition]
) -> tuple[str | None, str]:
    equals = piece.find("=")
    if equals > 0 and ("{" in piece[:equals] or "[" in piece[:equals]):
        piece = plain_names(piece[:equals]) + piece[equals:]
    m = _ASSIGN.match(piece)
    rhs = _wrapped_sums(piece[m.end() :] if m else piece).strip()
    lhs = ", ".join(_name(n) for n in names) if m else None
    return lhs, _expression(rhs, values, defs).text


def latex(
    text: str | bytes,
    *,
    variables: Sequence[str] | None = None,
    definitions: Mapping[str, Definition] | None = None,
) -> str:
    """A formula, or statements one per line, as LaTeX math the way a textbook prints them.

    The text is read by the reader (:func:`~autograd_lite.formula.read_program`), with
    everything it accepts: definitions (``s(x)=1/(1+exp(-x))``), named results, index
    notation (``z_j = Σ_k w_jk*x_k + b_j``), ``σ'(z)``, ``w_{11}``, ``\\frac{a}{b}``.

    Args:
        text: the formula or the statements (separated by new lines or ``;``).
        variables: the names that have values, as the command line's ``--at`` gives them
            (then ``x(1-x)`` is a product, as the command line reads it, and any other name
            is refused); None takes every name that is not a function as a variable.
        definitions: functions defined elsewhere that the text calls, from
            :func:`~autograd_lite.formula.define` or ``Program.definitions`` (a learner's
            formula for a derivative calls the network's ``s`` and ``d``).

    Returns:
        LaTeX for math mode (amsmath, or KaTeX): one line, ``O = ...``; several statements
        in an ``aligned`` environment, one per line, aligned at their ``=``.

    Names a textbook would print alike (``x1`` and ``x_1``, ``delta`` and ``δ``) are written
    as typed, in typewriter letters, so that different variables never look the same.

    Raises:
        ExprError: the reader's own error for a text it cannot read, and for LaTeX nested
            more than :data:`MAX_DEPTH` braces deep.

    Example:
        >>> latex("sigmoid(z2_1)*(1 - sigmoid(z2_1))")
        '\\\\sigma(z^{2}_{1}) (1 - \\\\sigma(z^{2}_{1}))'
        >>> latex("z_j = Σ_k w_jk*x_k + b_j")
        'z_{j} = \\\\sum_{k} w_{jk} x_{k} + b_{j}'
    """
    text = as_text(text)
    pieces = split_statements(text)
    statements, defs = _read(pieces, variables, definitions)
    values = [*(variables or ()), *(n for st in statements for n in st.names)]
    statements = iter(statements)
    lines = []
    for piece in pieces:
        if _DEFINITION.match(_blank_sums(piece)):
            lines.append(_definition(piece, defs))
        else:
            lines.append(_statement(piece, next(statements).names, values, defs))
    if len(lines) == 1:
        lhs, rhs = lines[0]
        out = rhs if lhs is None else f"{lhs} = {rhs}"
    else:
        rows = [f"{lhs} &= {rhs}" if lhs is not None else f"&{rhs}" for lhs, rhs in lines]
        out = r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"
    _check_depth(out, text)
    return out


MAX_DEPTH = 60
"""The deepest nesting of braces :func:`latex` writes (powers of powers, fractions in
fractions): a browser's math renderer failed on 150 nested powers, and a page must not."""


def _check_depth(tex: str, text: str) -> None:
    depth = deepest = 0
    for c in tex:
        if c == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif c == "}":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise ExprError(
            f"too deeply nested to typeset: its LaTeX nests {deepest} levels of braces, more "
            f"than {MAX_DEPTH} (math renderers fail on deeper ones); the formula itself can "
            "still be evaluated and checked",
            text,
        )
