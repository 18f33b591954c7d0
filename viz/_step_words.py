"""What a step of the stepper pages (and of the Beamer frames) says: the nodes' names and the
ops table's formulas written in them, then in their numbers.

One notation for every page: a labelled node is called by its label with its textbook scripts
(``z²₂``, as the picture draws it), a number used as an operand by its number, and an
unlabelled operation ``vᵢ``, numbered in evaluation order as the trace tables of
:mod:`autograd_lite.teach.traces` number it. A rule is written in its operands' names, never
in the ops table's placeholders ``a`` and ``b`` (a bias is often called b): ``∂o/∂n =
1 − o²``, then with the numbers put in, ``1 − 0.7071²``. A name that is more than one
symbol is bracketed where it is differentiated (``∂n/∂(x1*w1 + x2*w2)``, ``∂(x1*w1)/∂x1``)
or dotted (the tangent ``(x2*w2)˙``, where ``ẋ2*w2`` would read as ẋ2 times w2). Numbers are
written by :func:`viz.labels.page_number`: one format, one minus sign.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from autograd_lite import Value, escape
from autograd_lite.ops import NARY, OPS, wsum_operands

from .labels import label_text, page_number

__all__ = [
    "Words",
    "compound",
    "definition",
    "dotted",
    "evaluation_numbers",
    "local_formula",
    "node_texts",
]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
# The ops table's names of the operands and of the result, as whole words.
# (numbered a_0, b_0 ... for the terms of a weighted sum, written out here)
_OPERAND = re.compile(r"(?<![A-Za-z0-9])((?:out|a|b)(?:_[0-9]+)?)(?![A-Za-z0-9])")
_OPERATORS = re.compile(r"[\s+\-−*·×/^÷=<>]")
# one letter, then digits, scripts, primes or an index: ẋ1, v̇₄, ż²₂ take their dot on it
_SYMBOL = re.compile(r"[^\W\d_][0-9⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉′']*")


def compound(name: str) -> bool:
    """Whether a name (as plain text) needs brackets to be differentiated: it holds a space
    or an operator (``x1*w1``, ``a − y``), or starts with a minus (a number ``−3``)."""
    return _OPERATORS.search(name) is not None


def dotted(name: str) -> str:
    """The tangent of a node as the trace tables write it: a dot over its name's letter
    (``v̇₄``, ``ẋ1``, ``ż²₂``); a name that is not one letter with scripts or digits (``x1*w1``,
    ``loss``) bracketed, with the dot after it (``(x1*w1)˙``), so that it cannot read as
    the tangent of its first letter."""
    if _SYMBOL.fullmatch(name):
        return unicodedata.normalize("NFC", name[0] + "\u0307" + name[1:])
    return f"({name})\u02d9"


def evaluation_numbers(order: list[Value]) -> dict[Value, int]:
    """The i of each operation's vᵢ: evaluation order from 1, nodes at the same depth (the
    longest path from a leaf) side by side in topological order, as the trace tables of
    :func:`autograd_lite.teach.traces` number them (Baydin et al.'s order)."""
    depth: dict[Value, int] = {}
    for v in order:
        depth[v] = 1 + max(depth[p] for p in v.parents) if v.parents else 0
    position = {v: i for i, v in enumerate(order)}
    ops = sorted((v for v in order if v.parents), key=lambda v: (depth[v], position[v]))
    return {v: i + 1 for i, v in enumerate(ops)}


def node_texts(order: list[Value], fmt: str) -> list[str]:
    """What the pages call each node: its label with its scripts (``z²₂``), a constant's
    number, else ``vᵢ`` as the trace tables call it. A lone surrogate, which no file can
    hold, is written as its escape (``\\ud800``)."""
    numbers = evaluation_numbers(order)
    names = []
    for v in order:
        if v.label:
            names.append(label_text(escape.visible(v.label)))
        elif not v.parents:
            names.append(page_number(v.data, fmt))
        else:
            names.append("v" + str(numbers[v]).translate(_SUBSCRIPTS))
    return names


@dataclass(frozen=True)
class Words:
    """How a step's text writes things.

    Attributes:
        index: each node's position in the topological order.
        names: each node's name as the text writes it (LaTeX in Beamer frames).
        plain: each node's name as plain text (what decides where brackets go).
        number: a number as plain text.
        text: what every other piece of text passes through (LaTeX escaping in Beamer).
    """

    index: Mapping[Value, int]
    names: list[str]
    plain: list[str]
    number: Callable[[float], str]
    text: Callable[[str], str] = str

    def name(self, v: Value) -> str:
        """The node's name, as written."""
        return self.names[self.index[v]]

    def symbol(self, v: Value) -> str:
        """The node's name where it is differentiated: bracketed when it is more than one
        symbol (``∂(x1*w1)/∂x1``, :func:`compound`)."""
        name = self.name(v)
        if compound(self.plain[self.index[v]]):
            return self.text("(") + name + self.text(")")
        return name

    def partial(self, out: Value, v: Value) -> str:
        """∂out/∂v, each name bracketed where it is more than one symbol."""
        return self.text("∂") + self.symbol(out) + self.text("/∂") + self.symbol(v)

    def num(self, x: float) -> str:
        """A number, as written."""
        return self.text(self.number(x))

    def factor(self, x: float) -> str:
        """A number as the second factor of a product or term of a sum: bracketed when
        negative (``0.5 × (−2)``)."""
        raw = self.number(x)
        return self.text(f"({raw})" if raw.startswith("−") else raw)


_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉0123456789"


def _bracket(formula: str, start: int, end: int, raw: str) -> bool:
    """Whether the name or number ``raw``, put in place of ``formula[start:end]``, needs
    brackets: a sign after an operator (``2·(−3)``, but ``−6 + 1``), an operator inside it
    (unless the formula brackets it already, ``tanh(x + y)``), scripts or several letters
    under a power (``(z²₁)²``, but ``v₈²``, ``0.5²``)."""
    before, after = formula[:start].rstrip(), formula[end:]
    if before.endswith(("(", "|")) and after.startswith((")", "|")):
        return False
    signed = raw.startswith(("−", "-"))
    if after.startswith(tuple(_SUPERSCRIPT)) or after.startswith("^"):
        if signed or any(c in _SUPERSCRIPT for c in raw):
            return True
        core = raw[:1] + "".join(c for c in raw[1:] if c not in _SUBSCRIPT)
        return len(core) > 1 and not raw.replace(".", "").isdigit()
    if _OPERATORS.search(raw[1:] if signed else raw):
        return True
    return signed and before.endswith(("·", "×", "/", "^", "+", "−", "-"))


def _fill(formula: str, nodes: Mapping[str, Value], words: Words, numbers: bool) -> str:
    """``formula`` with each operand placeholder replaced by its node's name or number."""
    alone = _OPERAND.fullmatch(formula) is not None
    parts, last = [], 0
    for m in _OPERAND.finditer(formula):
        node = nodes[m[1]]
        if numbers:
            raw = words.number(node.data)
            written = words.text(raw)
        else:
            raw, written = words.plain[words.index[node]], words.name(node)
        if not alone and _bracket(formula, m.start(), m.end(), raw):
            written = words.text("(") + written + words.text(")")
        parts += [words.text(formula[last : m.start()]), written]
        last = m.end()
    parts.append(words.text(formula[last:]))
    return "".join(parts)


def _is_wsum(v: Value) -> bool:
    prim = OPS[v.op]
    return prim.arity == NARY and len(prim.operand_names) == 3 and len(v.parents) % 2 == 1


def _operands(v: Value) -> dict[str, Value]:
    """The ops table's placeholder for each of v's operands, and ``out`` for v."""
    nodes = dict(zip(OPS[v.op].operand_names, v.parents))
    nodes["out"] = v
    return nodes


def definition(v: Value, words: Words, *, numbers: bool = False) -> str:
    """v's operation written in its operands' names (``x1·w1``; a weighted sum in full,
    ``w²₁₁·a¹₁ + w²₁₂·a¹₂ + b²₁``), or with ``numbers`` in their numbers."""
    if _is_wsum(v):
        weights, inputs, bias = wsum_operands(v.parents)
        nodes = {"out": bias}
        for i, (w, x) in enumerate(zip(weights, inputs)):
            nodes[f"a_{i}"], nodes[f"b_{i}"] = w, x
        formula = "".join(f"a_{i}·b_{i} + " for i in range(len(weights))) + "out"
        return _fill(formula, nodes, words, numbers)
    n = _small_power(v)
    template = f"a{_SUPERSCRIPT[n]}" if n else OPS[v.op].template
    return _fill(template, _operands(v), words, numbers)


def _small_power(v: Value) -> int:
    """n for ``x ** n`` with a constant whole n from 2 to 9, written ``x²``; else 0."""
    if v.op != "pow" or not v.parents[1].is_constant:
        return 0
    n = v.parents[1].data
    return int(n) if n in range(2, 10) else 0


def _top_level(text: str, needles: tuple[str, ...]) -> bool:
    """Whether any needle occurs in text outside parentheses."""
    depth = 0
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and any(text.startswith(n, i) for n in needles):
            return True
    return False


def _rule_formula(text: str) -> str:
    """``'∂(a·b)/∂a = b'`` -> ``'b'``: the first formula of a derivative text, bracketed when
    it is a sum or a case, so that it can be multiplied."""
    rhs = text.partition(" = ")[2].split("  (")[0]  # drop a note such as "  (0 at a = 0)"
    first = rhs.split(" = ")[0]
    if first.count("(") == first.count(")"):
        rhs = first
    return f"({rhs})" if _top_level(rhs, (" + ", " − ", " - ", " if ")) else rhs


def local_formula(v: Value, k: int, words: Words, *, numbers: bool = False) -> str:
    """∂v/∂(operand k) as the ops table writes it, in the operands' names (``1 − o²``) or
    with ``numbers`` in their numbers (``1 − 0.7071²``)."""
    if _is_wsum(v):
        weights, inputs, _ = wsum_operands(range(len(v.parents)))
        if k in weights:
            other = v.parents[inputs[weights.index(k)]]
        elif k in inputs:
            other = v.parents[weights[inputs.index(k)]]
        else:
            return words.text("1")
        return _fill("a", {"a": other}, words, numbers)
    n = _small_power(v)
    if n and k == 0:  # b·a^(b−1) with b = 2 is 2·a
        return _fill(
            f"{n}·a" + (_SUPERSCRIPT[n - 1] if n > 2 else ""), _operands(v), words, numbers
        )
    return _fill(_rule_formula(OPS[v.op].derivatives[k]), _operands(v), words, numbers)
