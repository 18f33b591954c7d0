"""A learner's formula as a sum of products: the terms the diagnosis matches to paths.

The formula's compiled steps are rebuilt into a tree (post-order, children first), then
multiplied out: products over sums, a quotient as its numerator times the inverses of the
denominator's factors. A sum may instead be *kept* whole as one factor, which is what a
learner means by ``(a − y)`` or ``(1 − s)``: the diagnosis chooses which sums to keep.
Nothing here recurses: every walk goes over the post-order list.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..formula.compiler import Bin, Call, Fn, Neg, Num, Var
from ..formula.reader import Formula
from ..labels import fmt

MAX_TERMS = 300
"""A formula that multiplies out to more terms than this is not split into terms."""

Atom = tuple[int, int]
"""A factor of a term: (index of a tree node, power +1 or −1)."""

Term = tuple[float, tuple[Atom, ...]]
"""A term: its numeric coefficient and its factors."""


class TooManyTerms(ValueError):
    """The formula multiplies out to more than MAX_TERMS terms."""


class Node(NamedTuple):
    """A node of the learner's formula, rebuilt from its compiled steps."""

    step: object
    children: tuple[int, ...]
    start: int  # its steps are code[start : end + 1]
    end: int


def tree(formula: Formula) -> list[Node]:
    """The formula's expression nodes in post-order; the last one is the whole formula."""
    nodes: list[Node] = []
    stack: list[int] = []
    for i, step in enumerate(formula.code):
        kind = type(step)
        if kind is Neg:
            n = 1
        elif kind is Bin:
            n = 2
        elif kind in (Fn, Call):
            n = step.nargs
        else:
            n = 0
        children = tuple(stack[len(stack) - n :]) if n else ()
        del stack[len(stack) - n :]
        start = nodes[children[0]].start if children else i
        nodes.append(Node(step, children, start, i))
        stack.append(len(nodes) - 1)
    return nodes


def _is_sum(node: Node) -> bool:
    return type(node.step) is Bin and node.step.op in "+-"


def product_level_sums(nodes: list[Node]) -> list[int]:
    """The sums that multiplying out can split: those not inside a function's argument,
    a power or a denominator (which stay whole anyway), in post-order (inner first)."""
    if not nodes:
        return []
    out = []
    todo = [len(nodes) - 1]
    while todo:
        i = todo.pop()
        node = nodes[i]
        step = node.step
        if _is_sum(node):
            out.append(i)
            todo.extend(node.children)
        elif type(step) is Neg or (type(step) is Bin and step.op == "*"):
            todo.extend(node.children)
        elif type(step) is Bin and step.op == "/":
            todo.append(node.children[0])
    return sorted(out)


def simple_sums(nodes: list[Node], sums: list[int]) -> frozenset[int]:
    """The sums of plain factors, such as ``a − y`` or ``1 − s(z)``: no product inside.

    A sum of chain-rule paths is a sum of products; a sum of single names and numbers is
    almost always one factor of one path, so these are kept whole to begin with.
    """
    kept = set()
    for i in sums:
        todo = list(nodes[i].children)
        simple = True
        while todo and simple:
            node = nodes[todo.pop()]
            if _is_sum(node) or type(node.step) is Neg:
                todo.extend(node.children)
            elif type(node.step) is Bin:
                simple = node.step.op == "**"
        if simple:
            kept.add(i)
    return frozenset(kept)


def expand(nodes: list[Node], kept: frozenset[int]) -> list[Term]:
    """The formula as terms; the sums in ``kept`` stay whole as one factor.

    Raises:
        TooManyTerms: past MAX_TERMS terms.
    """
    terms: list[list[Term]] = []
    for i, node in enumerate(nodes):
        step, ch = node.step, node.children
        kind = type(step)
        if i in kept:
            out = [(1.0, ((i, 1),))]
        elif kind is Num:
            out = [(step.value, ())]
        elif kind is Neg:
            out = [(-c, a) for c, a in terms[ch[0]]]
        elif _is_sum(node):
            sign = 1.0 if step.op == "+" else -1.0
            out = terms[ch[0]] + [(sign * c, a) for c, a in terms[ch[1]]]
        elif kind is Bin and step.op == "*":
            out = _times(terms[ch[0]], terms[ch[1]])
        elif kind is Bin and step.op == "/":
            right = terms[ch[1]]
            if len(right) == 1 and right[0][0] != 0.0:
                c, atoms = right[0]
                inverse = [(1.0 / c, tuple((n, -p) for n, p in atoms))]
            else:
                inverse = [(1.0, ((ch[1], -1),))]
            out = _times(terms[ch[0]], inverse)
        else:  # a variable, a call, a power: one factor
            out = [(1.0, ((i, 1),))]
        if len(out) > MAX_TERMS:
            raise TooManyTerms(_too_many())
        terms.append(out)
    return [(c, a) for c, a in terms[-1] if c != 0.0]


def _times(left: list[Term], right: list[Term]) -> list[Term]:
    if len(left) * len(right) > MAX_TERMS:
        raise TooManyTerms(_too_many())
    return [(c1 * c2, a1 + a2) for c1, a1 in left for c2, a2 in right]


def _too_many() -> str:
    return (
        f"your formula multiplies out to more than {MAX_TERMS} terms, too many to match to "
        "chain-rule paths one by one: only its value was compared. Write it as a sum of one "
        "product per path, or check a smaller part of it (a δ, say)"
    )


def atom_text(atom: Atom, nodes: list[Node], text: str) -> str:
    """How a factor of a term reads: the learner's own text of it."""
    i, power = atom
    step = nodes[i].step
    if type(step) is Var:
        shown = step.name
    elif type(step) is Num:
        shown = fmt(step.value)
    else:
        a, b = step.span
        shown = text[a:b].strip()
        # a whole call reads well as it is; a sum or a quotient needs its parentheses
        if type(step) is Bin and (step.op in "+-" or power != 1) and not enclosed(shown):
            shown = f"({shown})"
    return shown if power == 1 else f"1/{shown}"


def enclosed(text: str) -> bool:
    """Whether the whole text is inside one pair of parentheses."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, c in enumerate(text):
        depth += c == "("
        depth -= c == ")"
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def code_of(formula: Formula, nodes: list[Node], i: int) -> Formula:
    """The sub-formula of node i, as a formula of its own that can be evaluated."""
    node = nodes[i]
    code = formula.code[node.start : node.end + 1]
    return Formula(formula.text, code, formula.variables, formula.definitions)


def close(a: float, b: float) -> bool:
    """Whether two numbers agree to 1e-9 relative."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


_FRACTIONS = {
    0.5: "½",
    0.25: "¼",
    2.0: "2",
    4.0: "4",
    -1.0: "−1",
    -0.5: "−½",
    -2.0: "−2",
    1 / 3: "⅓",
    3.0: "3",
}


def constant_text(c: float) -> str:
    """A constant as a learner writes it: ½, −1, ⅓, or its digits."""
    for value, text in _FRACTIONS.items():
        if close(c, value):
            return text
    return fmt(c, 6)


def term_text(coef: float, atoms: tuple, nodes: list[Node], text: str) -> str:
    """A term as the product of the learner's own factors: ``2·(a - y)·x``."""
    parts = [atom_text(a, nodes, text) for a in atoms]
    if not close(coef, 1.0) or not parts:
        if close(coef, -1.0) and parts:
            parts[0] = "−" + parts[0]
        else:
            parts.insert(0, constant_text(coef))
    return "·".join(parts)
