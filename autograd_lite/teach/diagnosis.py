"""Where is my mistake? A hand-derived derivative compared with the chain rule, term by term.

:func:`diagnose` takes a network or formula typed as text, the variable (or named
intermediate) to differentiate with respect to, and the learner's own formula for the
derivative. It answers as a tutor would:

1. it splits the learner's formula into terms, a sum of products (multiplying products
   out over sums where that makes the terms line up with the chain-rule paths);
2. it splits every chain-rule path from the variable to the output into its local
   derivatives, leaving out those that are identically 1, and names each one as the
   learner would read it: a variable (``w4``) or the derivative at a sub-expression of
   what they typed (``σ'(s(I*w1+1)*w2+1)``);
3. it matches each term to the path it stands for and each factor of the term to a factor
   of the path by comparing their *values at several random points* around the given one
   (values are functions of the variables, so a match never rests on a coincidence such
   as every weight being 0.5);
4. it reports, per term, the factors **missing** and **extra**, then the paths no term
   covers, the terms no path explains, a constant factor left over (½, 2, −1), a formula
   that is the derivative with respect to another variable, and factors that vanish
   because an activation is saturated.

Example:
    >>> d = diagnose("O = sigmoid(w2*sigmoid(w1*x))", "w1",
    ...              "ds(w2*sigmoid(w1*x)) * ds(w1*x) * x",
    ...              {"x": 1.0, "w1": 0.5, "w2": 0.5},
    ...              definitions=["ds(t)=sigmoid(t)*(1-sigmoid(t))"])
    >>> d.correct, [t.missing for t in d.terms]
    (False, [('w2',)])
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from ..engine import Value, gradients, topo_order
from ..formula.compiler import Bin, Call, Fn, Neg, Num, Var
from ..formula.program import Program, read_program
from ..formula.reader import Formula, _run, define, parse
from ..formula.source import ExprError
from ..labels import fmt, node_names
from ..ops import NARY, OPS, wsum_operands
from .table import Table

__all__ = [
    "Diagnosis",
    "TermReport",
    "PathReport",
    "diagnose",
    "MAX_TERMS",
    "MAX_PATHS",
]

MAX_TERMS = 300
"""A formula that multiplies out to more terms than this is refused."""

MAX_PATHS = 64
"""With more chain-rule paths than this, only the formula's value is compared."""

POINTS = 6
"""Random points, besides the given one, at which values are compared."""

_REL = 1e-8  # two value vectors are equal when they agree to this relative tolerance
_SATURATED = 1e-4  # a σ' or tanh' below this is reported as a vanishing factor


# --- what the report holds ------------------------------------------------------------------


class PathReport(NamedTuple):
    """One chain-rule path, as the product of its local derivatives.

    Attributes:
        factors: the names of its factors that are not constant, from the variable to the
            output (``("I", "σ'(I*w1+1)", "w2", ...)``).
        constant: the product of its constant factors (1, or −1 and ½ from a sign or a cost).
        value: the product of all its factors at the given point.
    """

    factors: tuple[str, ...]
    constant: float
    value: float


class TermReport(NamedTuple):
    """One term of the learner's formula and what it was matched to.

    Attributes:
        text: the term as a product of the learner's own sub-expressions.
        value: its value at the given point.
        path: the index (from 0) of the path it stands for, or None.
        missing: names of factors of that path the term does not have.
        extra: the term's own factors that are not factors of that path.
        constant: the constant factor the term has beyond the path (1 when none).
    """

    text: str
    value: float
    path: int | None
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    constant: float


class Diagnosis(NamedTuple):
    """The verdict on a hand-derived formula; see :func:`diagnose`.

    Attributes:
        of, wrt: the names of the output and of the variable.
        formula: the learner's formula as typed.
        value: the formula's value at the given point.
        gradient: the engine's derivative there.
        correct: whether the formula equals the derivative at every point compared.
        terms: one report per term of the formula.
        paths: one report per chain-rule path (empty when there are more than MAX_PATHS).
        path_count: how many chain-rule paths there are.
        uncovered: indices of the paths that no term stands for.
        unexplained: indices of the terms that stand for no path.
        equals: names of the other variables or intermediates whose derivative the
            formula equals (``("w3_11",)``), when it is not the one asked for.
        constant: when the whole formula is a constant times the derivative, that
            constant (else None).
        notes: further findings in words (vanishing gradients, ties in the matching).
    """

    of: str
    wrt: str
    formula: str
    value: float
    gradient: float
    correct: bool
    terms: tuple[TermReport, ...]
    paths: tuple[PathReport, ...]
    path_count: int
    uncovered: tuple[int, ...]
    unexplained: tuple[int, ...]
    equals: tuple[str, ...]
    constant: float | None
    notes: tuple[str, ...]
    digits: int = 12

    @property
    def ratio(self) -> float | None:
        """Your formula's value divided by the engine's (None when the engine's is 0)."""
        return self.value / self.gradient if self.gradient else None

    def verdict(self) -> str:
        """The answer in one or two sentences."""
        d = f"∂{self.of}/∂{self.wrt}"
        if (
            self.correct
            and self.gradient == 0.0
            and self.value == 0.0
            and any("is 0 at every point" in n for n in self.notes)
        ):
            return f"Your formula and {d} are both 0 at every point compared: see the notes."
        if self.correct:
            return f"Your formula is right: it equals {d} (checked at {POINTS + 1} points)."
        lines = [f"Your formula is not {d}."]
        if self.equals:
            other = ", ".join(f"∂{self.of}/∂{n}" for n in self.equals)
            lines = [f"Your formula equals {other}, not {d}."]
        elif self.constant is not None:
            lines.append(f"It is {_const_text(self.constant)} times {d}: {_why(self.constant)}.")
        missing = sum(1 for t in self.terms if t.path is not None and t.missing)
        extra = sum(1 for t in self.terms if t.path is not None and t.extra)
        if missing:
            lines.append(f"{missing} term(s) miss factors of their chain-rule path.")
        if extra:
            lines.append(f"{extra} term(s) have factors their path does not.")
        if self.uncovered:
            lines.append(f"{len(self.uncovered)} chain-rule path(s) have no term.")
        if self.unexplained:
            lines.append(f"{len(self.unexplained)} term(s) stand for no chain-rule path.")
        return " ".join(lines)

    def term_table(self) -> Table:
        """One row per term: the path it stands for, missing and extra factors."""
        rows = []
        for i, t in enumerate(self.terms, 1):
            where = f"path {t.path + 1}" if t.path is not None else "no path"
            const = "" if t.path is None or _close(t.constant, 1.0) else _const_text(t.constant)
            rows.append(
                [
                    str(i),
                    t.text,
                    where,
                    ", ".join(t.missing) or "—",
                    ", ".join(t.extra) or "—",
                    const or "—",
                ]
            )
        header = ["term", "your term", "stands for", "missing", "extra", "constant"]
        return Table("", header, rows)

    def path_table(self) -> Table:
        """One row per chain-rule path: its factors and value."""
        d = self.digits
        rows = []
        for i, p in enumerate(self.paths, 1):
            factors = " · ".join(p.factors) or "1"
            if not _close(p.constant, 1.0):
                factors = f"{_const_text(p.constant)} · {factors}"
            rows.append([str(i), factors, fmt(p.value, d)])
        title = f"chain-rule paths from {self.wrt} to {self.of} (factors that are 1 left out)"
        return Table(title, ["path", "product of local derivatives", "value"], rows)

    def table(self) -> Table:
        """The whole report as one :class:`~autograd_lite.teach.table.Table`."""
        d = self.digits
        notes = [
            f"engine:        {fmt(self.gradient, d)}",
            f"your formula:  {fmt(self.value, d)}",
        ]
        if self.ratio is not None:
            notes.append(f"ratio yours/engine = {fmt(self.ratio, d)}")
        for i in self.uncovered:
            notes.append(f"path {i + 1} has no term: {' · '.join(self.paths[i].factors)}")
        for i in self.unexplained:
            notes.append(f"term {i + 1} stands for no chain-rule path: {self.terms[i].text}")
        notes.extend(self.notes)
        t = self.term_table()
        return Table(self.verdict(), t.header, t.rows, notes)

    def __str__(self) -> str:
        return "\n\n".join([self.table().text(), self.path_table().text()])

    __repr__ = __str__

    def to_markdown(self) -> str:
        """The report as Markdown tables, to paste into a handout."""
        return "\n\n".join([self.table().markdown(), self.path_table().markdown()])

    def _repr_html_(self) -> str:
        return self.table().html() + self.path_table().html()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


_FRACTIONS = {0.5: "½", 0.25: "¼", 2.0: "2", 4.0: "4", -1.0: "−1", -0.5: "−½", -2.0: "−2"}


def _const_text(c: float) -> str:
    for value, text in _FRACTIONS.items():
        if _close(c, value):
            return text
    return fmt(c, 6)


def _why(c: float) -> str:
    """What a leftover constant factor usually means."""
    if _close(c, -1.0):
        return "the sign is flipped (a sign slip, such as (y − a) for (a − y))"
    if _close(abs(c), 2.0):
        return "a factor 2 too many (the 2 from differentiating a square, which the ½ cancels)"
    if _close(abs(c), 0.5):
        return "a factor ½ too few (a forgotten 2 from differentiating a square)"
    return f"a constant factor {_const_text(c)} is left over"


# --- the learner's formula as a sum of products --------------------------------------------


class _Expr(NamedTuple):
    """A node of the learner's formula, rebuilt from its compiled steps."""

    step: object
    children: tuple[int, ...]
    start: int  # its steps are code[start : end + 1]
    end: int


def _tree(formula: Formula) -> list[_Expr]:
    """The formula's expression nodes in post-order (children before parents)."""
    nodes: list[_Expr] = []
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
        nodes.append(_Expr(step, children, start, i))
        stack.append(len(nodes) - 1)
    return nodes


def _expand(nodes: list[_Expr], kept: frozenset[int]) -> list[tuple[float, tuple]]:
    """The formula as terms ``(coefficient, atoms)``; an atom is ``(node, power)``.

    Products are multiplied out over sums, except for the sums in ``kept``, which stay
    whole as one factor. Raises ValueError past MAX_TERMS terms.
    """
    terms: list[list[tuple[float, tuple]]] = []
    for i, e in enumerate(nodes):
        step, ch = e.step, e.children
        kind = type(step)
        if i in kept:
            out = [(1.0, ((i, 1),))]
        elif kind is Num:
            out = [(step.value, ())]
        elif kind is Neg:
            out = [(-c, a) for c, a in terms[ch[0]]]
        elif kind is Bin and step.op in "+-":
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
        elif kind is Bin and step.op == "**" and _small_power(nodes[ch[1]].step):
            base = terms[ch[0]]
            k = int(nodes[ch[1]].step.value)
            out = [(1.0, ())]
            for _ in range(k):
                out = _times(out, base)
        else:
            out = [(1.0, ((i, 1),))]
        if len(out) > MAX_TERMS:
            raise ValueError(
                f"your formula multiplies out to more than {MAX_TERMS} terms; write it "
                "as a sum of one product per chain-rule path, or check a smaller part of it"
            )
        terms.append(out)
    return [(c, a) for c, a in terms[-1] if c != 0.0]


def _times(left, right):
    if len(left) * len(right) > MAX_TERMS:
        raise ValueError(
            f"your formula multiplies out to more than {MAX_TERMS} terms; write it as a "
            "sum of one product per chain-rule path, or check a smaller part of it"
        )
    return [(c1 * c2, a1 + a2) for c1, a1 in left for c2, a2 in right]


def _small_power(step) -> bool:
    return type(step) is Num and float(step.value).is_integer() and 1 <= step.value <= 4


# --- the chain-rule paths --------------------------------------------------------------------


class _Group(NamedTuple):
    """Consecutive edges of a path that make one factor as the learner reads it."""

    edges: tuple[tuple[int, int], ...]  # (child's topological index, operand position)
    name: str


def _paths(order: list[Value], wrt: Value, root: Value) -> tuple[int, list[list[tuple]]]:
    """Count the paths from wrt to root and list them (edges as (child index, position))
    when there are at most MAX_PATHS; iterative, as everything that walks a graph."""
    index = {v: i for i, v in enumerate(order)}
    if wrt not in index:
        return 0, []
    reach = {wrt}
    children: dict[Value, list[tuple[Value, int]]] = {}
    count = {wrt: 1}
    for v in order:
        for pos, p in enumerate(v.parents):
            if p in reach:
                reach.add(v)
                children.setdefault(p, []).append((v, pos))
                count[v] = count.get(v, 0) + count[p]
    n = count.get(root, 0) if root in reach else 0
    if n == 0 or n > MAX_PATHS:
        return n, []
    paths = []
    stack = [(wrt, ())]
    while stack:
        node, edges = stack.pop()
        if node is root:
            paths.append(list(edges))
            continue
        for child, pos in reversed(children.get(node, [])):
            if child in reach and count.get(child):
                stack.append((child, (*edges, (index[child], pos))))
    return n, paths


def _locals(node: Value) -> tuple:
    """The local derivatives of a node, one per operand, from the ops table's rule."""
    return tuple(OPS[node.op].rule(1.0, node.data, *[p.data for p in node.parents]))


class _Namer:
    """Names of nodes and of local derivatives, in the text the learner typed."""

    def __init__(self, order: list[Value], origins: Mapping):
        self.order = order
        self.origins = origins
        self.ids = node_names(order)

    def text(self, v: Value) -> str:
        if v.label:
            return v.label
        if not v.op:
            return fmt(v.data)
        origin = self.origins.get(v)
        if origin is not None and origin.text:
            return origin.text
        return self.ids[v]

    def call(self, v: Value) -> str | None:
        origin = self.origins.get(v)
        return None if origin is None else origin.call

    def factor(self, child: Value, pos: int) -> str:
        """The local derivative d(child)/d(operand pos), named for a learner."""
        prim = OPS[child.op]
        ps = child.parents
        if prim.arity == 1:
            symbol = prim.symbol if prim.symbol.isalpha() or prim.symbol in "σ√" else prim.name
            return f"{symbol}'({self.text(ps[0])})"
        if prim.arity == NARY:
            weights, inputs, _ = wsum_operands(ps)
            n = len(weights)
            if pos < n:
                return self.text(inputs[pos])
            if pos < 2 * n:
                return self.text(weights[pos - n])
            return "1"
        if child.op == "pow" and pos == 0 and not ps[1].op:
            # a constant exponent k: k·a^(k−1), simplified as a learner writes it
            k = ps[1].data
            base = _wrap(self.text(ps[0]))
            if k == 2.0:
                return f"2·{base}"
            return f"{fmt(k)}·{base}^{_wrap(fmt(k - 1.0))}"
        # a binary rule's text from the ops table, with the operands' texts put in
        rhs = prim.derivatives[pos].split(" = ")[1]
        subs = {"a": self.text(ps[0]), "b": self.text(ps[1]), "out": self.text(child)}
        out = []
        word = ""
        for c in rhs + " ":
            if c.isalnum() or c == "_":
                word += c
                continue
            if word:
                out.append(_wrap(subs[word]) if word in subs else word)
                word = ""
            out.append(c)
        return "".join(out).strip()

    def groups(self, path: list[tuple[int, int]]) -> list[_Group]:
        """The path's edges grouped by the call of a user definition they lie in."""
        groups: list[_Group] = []
        run: list[tuple[int, int]] = []
        run_call = None
        entry = None
        for ci, pos in path:
            child = self.order[ci]
            call = self.call(child)
            parent = child.parents[pos]
            inside = call is not None and self.call(parent) == call and run_call == call
            if inside and run:
                run.append((ci, pos))
                continue
            if run:
                groups.append(self._group(run, run_call, entry))
            run, run_call, entry = [(ci, pos)], call, parent
        if run:
            groups.append(self._group(run, run_call, entry))
        return groups

    def _group(self, run, call, entry) -> _Group:
        if len(run) == 1 or call is None:
            ci, pos = run[0]
            if len(run) == 1:
                return _Group(tuple(run), self.factor(self.order[ci], pos))
        name = call.split("(", 1)[0].strip()
        return _Group(tuple(run), f"{name}'({self.text(entry)})")


def _wrap(text: str) -> str:
    """Text in parentheses unless it is a name or a number."""
    return text if text.replace("_", "").replace(".", "").isalnum() else f"({text})"


# --- values at random points ---------------------------------------------------------------


def _points(at: Mapping[str, float], count: int, seed: int, ok) -> list[dict[str, float]]:
    """The given point and up to ``count`` random points around it where ``ok`` holds."""
    rng = random.Random(seed)
    points = [dict(at)]
    tries = 0
    while len(points) <= count and tries < 40 * count:
        tries += 1
        p = {k: x + (0.3 * abs(x) + 0.3) * rng.uniform(-1.0, 1.0) for k, x in at.items()}
        if ok(p):
            points.append(p)
    return points


def _same(u: Sequence[float], v: Sequence[float]) -> bool:
    return all(math.isclose(a, b, rel_tol=_REL, abs_tol=1e-300) for a, b in zip(u, v))


def _ratio(u: Sequence[float], v: Sequence[float]) -> float | None:
    """The constant c with u = c·v at every point, if there is one."""
    if _same(u, v):
        return 1.0
    if any(b == 0.0 for b in v) or any(a == 0.0 for a in u):
        return None
    r = [a / b for a, b in zip(u, v)]
    return r[0] if all(math.isclose(x, r[0], rel_tol=_REL) for x in r) else None


def _constant(u: Sequence[float]) -> bool:
    return all(math.isclose(a, u[0], rel_tol=1e-12, abs_tol=1e-300) for a in u)


def _product(vectors: Iterable[Sequence[float]], n: int) -> list[float]:
    out = [1.0] * n
    for v in vectors:
        out = [a * b for a, b in zip(out, v)]
    return out


# --- matching a term to a path ----------------------------------------------------------------


class _Match(NamedTuple):
    matched: int
    missing: tuple[int, ...]  # factor indices
    extra: tuple[int, ...]  # atom indices
    constant: float

    @property
    def score(self) -> float:
        perfect = 0.5 if not self.missing and not self.extra else 0.0
        return self.matched - 0.5 * (len(self.missing) + len(self.extra)) + perfect


def _match(atoms: list, coef: float, factors: list, path_const: float) -> _Match:
    """Pair the term's atoms with the path's factors by their values at the points."""
    free_f = list(range(len(factors)))
    free_a = list(range(len(atoms)))
    ratio = 1.0
    matched = 0
    for exact in (True, False):  # equal values first, then equal up to a constant
        for f in list(free_f):
            for a in free_a:
                r = 1.0 if _same(atoms[a], factors[f]) else None
                if r is None and not exact:
                    r = _ratio(atoms[a], factors[f])
                if r is not None:
                    free_f.remove(f)
                    free_a.remove(a)
                    ratio *= r
                    matched += 1
                    break
    n = len(factors[0]) if factors else (len(atoms[0]) if atoms else 0)
    # two of the learner's factors that together make one local derivative (s·(1 − s)),
    # then one factor of the learner's that stands for two local derivatives at once
    found, r = _pair_up(factors, free_f, atoms, free_a, n, single_is_atom=False)
    matched, ratio = matched + found, ratio * r
    found, r = _pair_up(atoms, free_a, factors, free_f, n, single_is_atom=True)
    matched, ratio = matched + 2 * found, ratio * r
    # a path with a factor that is 0 everywhere compared (a saturated σ, a dead ReLU) has
    # no constant to compare with: the vanishing-gradient note says why
    constant = coef * ratio / path_const if path_const else 1.0
    return _Match(matched, tuple(free_f), tuple(free_a), constant)


def _pair_up(singles, free_s, doubles, free_d, n, *, single_is_atom: bool):
    """Match free singles to products of two free doubles, removing both from the free lists.

    Returns how many singles were matched and the product of the constant ratios, always
    taken as the learner's side over the path's side.
    """
    found, ratio = 0, 1.0
    for s in list(free_s):
        for i, a in enumerate(free_d):
            hit = None
            for b in free_d[i + 1 :]:
                pair = _product([doubles[a], doubles[b]], n)
                r = _ratio(singles[s], pair) if single_is_atom else _ratio(pair, singles[s])
                if r is not None:
                    hit = (b, r)
                    break
            if hit is not None:
                b, r = hit
                free_s.remove(s)
                free_d.remove(a)
                free_d.remove(b)
                found, ratio = found + 1, ratio * r
                break
    return found, ratio


def _assign(matches: dict[tuple[int, int], _Match], n_terms: int, n_paths: int) -> dict:
    """Each term to at most one path and back, best matches first."""
    order = sorted(matches, key=lambda k: (-matches[k].score, k))
    term_path: dict[int, int] = {}
    taken: set[int] = set()
    for t, p in order:
        m = matches[t, p]
        if t in term_path or p in taken:
            continue
        if m.matched == 0 and (m.missing or m.extra):
            continue
        term_path[t] = p
        taken.add(p)
    return term_path


# --- the diagnosis ----------------------------------------------------------------------------


def diagnose(
    network: str | Program,
    wrt: str,
    formula: str,
    at: Mapping[str, float],
    *,
    of: str | None = None,
    definitions: Iterable[str] = (),
    points: int = POINTS,
    seed: int = 0,
    digits: int = 12,
) -> Diagnosis:
    """Compare a hand-derived formula for d(of)/d(wrt) with the chain rule, term by term.

    Args:
        network: the network or function as text: one formula (``O = s(s(I*w1+1)*w2+1)``)
            or a list of statements (``z2_1 = w2_11*x1 + b2_1; a2_1 = s(z2_1); ...``), or
            a :class:`~autograd_lite.formula.Program` read already.
        wrt: the variable or named intermediate to differentiate with respect to.
        formula: your formula for the derivative; it may use the variables, the named
            intermediates of the network (``a2_1``) and the definitions.
        at: the value of every variable.
        of: the output to differentiate (a named result); the last statement by default.
        definitions: helper functions such as ``"s(x)=1/(1+exp(-x))"``.
        points: how many random points besides ``at`` to compare values at.
        seed: the seed of those points (the report is the same every time).
        digits: significant digits in the printed report.

    Returns:
        A :class:`Diagnosis`: print it, or read its fields.

    Raises:
        ExprError: for a network or formula that cannot be read or evaluated.
        ValueError: for an unknown ``wrt`` or ``of``, or a formula that multiplies out to
            more than MAX_TERMS terms.
    """
    defs = define(list(definitions))
    if isinstance(network, Program):
        program = network
    else:
        program = read_program(network, variables=list(at), definitions=defs)
    at = {k: float(v) for k, v in at.items()}
    base = program.evaluate(at, trace=True)
    names = [*program.variables, *program.results]
    of = of or program.output
    for what, name in (("of", of), ("wrt", wrt)):
        if name not in base.nodes:
            raise ValueError(
                f"{what}={name!r} is not a variable or a named result; the names are "
                f"{', '.join(names)}"
            )
    theirs = parse(formula, variables=names, definitions=program.definitions)
    tree = _tree(theirs)

    def run_at(p):
        run = base if p is at else program.evaluate(p)
        return run

    def usable(p) -> bool:
        try:
            run = program.evaluate(p)
            _run(theirs, run.nodes)
            gradients(run.nodes[of], [run.nodes[wrt]])
        except (ExprError, ArithmeticError, ValueError):
            return False
        return True

    pts = _points(at, points, seed, usable)
    runs = [base] + [program.evaluate(p) for p in pts[1:]]
    n = len(runs)
    root0, wrt0 = base.nodes[of], base.nodes[wrt]
    order0 = topo_order(root0)
    orders = [order0] + [topo_order(r.nodes[of]) for r in runs[1:]]

    # the formula, the engine and the other derivatives at every point
    others = [k for k in names if k != wrt and k != of]
    value_v, grad_v, other_v = [], [], {k: [] for k in others}
    for run in runs:
        value_v.append(_run(theirs, run.nodes).data)
        nodes = [run.nodes[wrt], *(run.nodes[k] for k in others)]
        g = gradients(run.nodes[of], nodes)
        grad_v.append(g[0])
        for k, x in zip(others, g[1:]):
            other_v[k].append(x)
    correct = _same(value_v, grad_v)
    vanished = all(g == 0.0 for g in grad_v)
    equals = () if correct else tuple(k for k in others if _same(value_v, other_v[k]))
    constant = None if correct or equals else _ratio(value_v, grad_v)

    # the chain-rule paths, their factors and values
    namer = _Namer(order0, base.origins)
    count, paths = _paths(order0, wrt0, root0)
    cache: list[dict[int, tuple]] = [{} for _ in range(n)]

    def local(k: int, ci: int, pos: int) -> float:
        row = cache[k].get(ci)
        if row is None:
            row = cache[k][ci] = _locals(orders[k][ci])
        return row[pos]

    path_groups = [namer.groups(p) for p in paths]
    path_factors: list[list[tuple[str, list[float]]]] = []
    path_consts: list[float] = []
    path_reports = []
    notes: list[str] = []
    for p, groups in zip(paths, path_groups):
        factors, const = [], 1.0
        for g in groups:
            vec = [math.prod(local(k, ci, pos) for ci, pos in g.edges) for k in range(n)]
            # a factor that is 0 at every point (a saturated σ, an inactive ReLU) keeps its
            # name: that is the factor the learner needs to see
            if _constant(vec) and vec[0] != 0.0:
                const *= vec[0]
            else:
                factors.append((g.name, vec))
        path_factors.append(factors)
        path_consts.append(const)
        value = const * math.prod(v[0] for _, v in factors)
        path_reports.append(PathReport(tuple(f for f, _ in factors), const, value))
        notes.extend(_vanishing(p, order0, namer, local))

    # the learner's terms, multiplied out so that they line up with the paths
    def evaluate_atom(node: int, k: int) -> float:
        e = tree[node]
        code = theirs.code[e.start : e.end + 1]
        return _run(
            Formula(theirs.text, code, theirs.variables, theirs.definitions), runs[k].nodes
        ).data

    atom_cache: dict[int, list[float]] = {}

    def atom_values(node: int, power: int) -> list[float]:
        if node not in atom_cache:
            atom_cache[node] = [evaluate_atom(node, k) for k in range(n)]
        vec = atom_cache[node]
        if power == 1:
            return vec
        return [x**power if x != 0.0 else math.inf for x in vec]

    def score(kept: frozenset[int]) -> tuple[float, list, dict, dict]:
        terms = _expand(tree, kept)
        matches = {}
        for t, (coef, atoms) in enumerate(terms):
            vecs, coef2 = [], coef
            for node, power in atoms:
                v = atom_values(node, power)
                if _constant(v):
                    coef2 *= v[0]
                else:
                    vecs.append(v)
            for pi in range(len(paths)):
                vf = [v for _, v in path_factors[pi]]
                matches[t, pi] = _match(vecs, coef2, vf, path_consts[pi])
        assign = _assign(matches, len(terms), len(paths))
        total = sum(matches[t, p].score for t, p in assign.items())
        total -= sum(len(a) + 1 for t, (_, a) in enumerate(terms) if t not in assign)
        covered = set(assign.values())
        total -= sum(len(path_factors[p]) + 1 for p in range(len(paths)) if p not in covered)
        return total, terms, matches, assign

    sums = [i for i, e in enumerate(tree) if type(e.step) is Bin and e.step.op in "+-"]
    kept: frozenset[int] = frozenset()
    best = score(kept)
    # Keep a sum whole where that lines the terms up better with the paths ((a − y) in
    # (a − y)·σ'(z) is one factor, not two terms); inner sums first, twice round at most.
    for _ in range(2 if paths and len(sums) <= 24 else 0):
        changed = False
        for i in sums:
            trial = score(kept ^ {i})
            if trial[0] > best[0]:
                kept, best, changed = kept ^ {i}, trial, True
        if not changed:
            break
    _, terms, matches, assign = best

    term_reports = []
    for t, (coef, atoms) in enumerate(terms):
        text = _term_text(coef, atoms, tree, theirs.text)
        value = coef * math.prod(atom_values(node, power)[0] for node, power in atoms)
        p = assign.get(t)
        if p is None:
            term_reports.append(TermReport(text, value, None, (), (), 1.0))
            continue
        m = matches[t, p]
        plain = [(node, power) for node, power in atoms if not _constant(atom_values(node, power))]
        missing = tuple(path_factors[p][f][0] for f in m.missing)
        extra = tuple(_atom_text(plain[a], tree, theirs.text) for a in m.extra)
        term_reports.append(TermReport(text, value, p, missing, extra, m.constant))
    uncovered = tuple(i for i in range(len(paths)) if i not in assign.values())
    unexplained = tuple(t for t in range(len(terms)) if t not in assign)
    if count > MAX_PATHS:
        notes.append(
            f"there are {count} chain-rule paths, more than {MAX_PATHS}: the terms were not "
            "matched to paths one by one, only the formula's value was compared"
        )
    if vanished:
        notes.insert(
            0,
            f"∂{of}/∂{wrt} is 0 at every point compared, so values cannot tell a right "
            "formula from a wrong one here: check it again at values where no activation "
            "is saturated",
        )
    for t in unexplained:
        again = [
            p for p in range(len(paths)) if not matches[t, p].missing and not matches[t, p].extra
        ]
        if again:
            owner = [k + 1 for k, q in assign.items() if q == again[0]]
            notes.append(
                f"term {t + 1} repeats path {again[0] + 1}, which term {owner[0]} already "
                "stands for: a path is counted once"
                if owner
                else f"term {t + 1} looks like path {again[0] + 1}"
            )
    return Diagnosis(
        of,
        wrt,
        theirs.text,
        value_v[0],
        grad_v[0],
        correct,
        tuple(term_reports),
        tuple(path_reports),
        count,
        uncovered,
        unexplained,
        equals,
        constant,
        tuple(dict.fromkeys(notes)),
        digits,
    )


def _atom_text(atom: tuple[int, int], tree: list[_Expr], text: str) -> str:
    node, power = atom
    e = tree[node]
    step = e.step
    if type(step) is Var:
        shown = step.name
    elif type(step) is Num:
        shown = fmt(step.value)
    else:
        a, b = step.span
        shown = text[a:b].strip()
        # a whole call reads well as it is; a sum or a quotient needs its parentheses
        if type(step) is Bin and (step.op in "+-" or power != 1) and not _enclosed(shown):
            shown = f"({shown})"
    return shown if power == 1 else f"1/{shown}"


def _enclosed(text: str) -> bool:
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


def _term_text(coef: float, atoms: tuple, tree: list[_Expr], text: str) -> str:
    parts = [_atom_text(a, tree, text) for a in atoms]
    if not _close(coef, 1.0) or not parts:
        if _close(coef, -1.0) and parts:
            parts[0] = "−" + parts[0]
        else:
            parts.insert(0, _const_text(coef))
    return "·".join(parts)


def _vanishing(path: list[tuple[int, int]], order: list[Value], namer: _Namer, local) -> list[str]:
    """Notes on saturated activations and inactive ReLUs along a path, at the given point."""
    out = []
    for ci, pos in path:
        node = order[ci]
        x = node.parents[pos].data
        d = local(0, ci, pos)
        where = namer.text(node.parents[pos])
        if node.op in ("sigmoid", "tanh") and abs(d) < _SATURATED:
            f = "σ" if node.op == "sigmoid" else "tanh"
            # the exact value, which out·(1 − out) in floats may round to 0
            e = math.exp(-abs(x))
            exact = e / (1.0 + e) ** 2 if f == "σ" else 4.0 * e * e / (1.0 + e * e) ** 2
            out.append(
                f"the gradient vanishes at {f}({where}): {where} = {fmt(x, 6)}, where {f} is "
                f"saturated (its output is {fmt(node.data, 6)}), so {f}'({fmt(x, 6)}) ≈ "
                f"{fmt(exact, 3)}: almost nothing flows back through it"
            )
        elif node.op == "relu" and d == 0.0:
            out.append(
                f"no gradient passes ReLU({where}): {where} = {fmt(x, 6)} ≤ 0, so ReLU' = 0 "
                "there (the unit is inactive)"
            )
    return out
