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
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..formula.indices import expand_sums, index_letters, parse_ranges
from ..formula.program import Program, read_program
from ..formula.reader import define
from ..labels import fmt
from ..table import Table
from ._case import POINTS, Case
from ._indexed import IndexedDiagnosis, indexed
from ._paths import MAX_PATHS
from ._terms import MAX_TERMS, close, constant_text

__all__ = [
    "Diagnosis",
    "IndexedDiagnosis",
    "TermReport",
    "PathReport",
    "diagnose",
    "MAX_TERMS",
    "MAX_PATHS",
]

_LISTED = 8  # paths without a term and terms without a path listed by name at most

WIDTH = 100
"""The tables' rows fit this many columns: longer factors are named once, below them."""


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
        slip: the slip inside a factor that explains the missing and extra factors, in
            one sentence with the corrected factor (σ' taken at the wrong node, a missing
            square, ...), or None.
    """

    text: str
    value: float
    path: int | None
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    constant: float
    slip: str | None = None


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
        summary: the verdict, in sentences (see :meth:`verdict`).
        digits: significant digits in the printed report.
        given: when the formula is right only where the given values keep a relation (and
            the values keep it), that relation (``"y1 + y2 + y3 = 1"``), else None.
        general: then the derivative in general, as the formula plus what the relation
            makes 0 (``"p2 - y2 + p2·(y1 + y2 + y3 − 1)"``), when it can be named.
        differentiated: the other named results (an intermediate, the output instead of
            the loss) whose derivative with respect to ``wrt`` the formula is.
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
    summary: tuple[str, ...] = ()
    digits: int = 12
    given: str | None = None
    general: str | None = None
    differentiated: tuple[str, ...] = ()

    @property
    def ratio(self) -> float | None:
        """Your formula's value divided by the engine's (None when the engine's is 0)."""
        return self.value / self.gradient if self.gradient else None

    def verdict(self) -> str:
        """The answer in one or a few sentences."""
        return " ".join(self.summary)

    def term_table(self) -> Table:
        """One row per term: the path it stands for, missing and extra factors."""
        return self._term_table(self._legend())

    def _term_table(self, legend: Mapping[str, str]) -> Table:
        rows = []
        for i, t in enumerate(self.terms, 1):
            where = f"path {t.path + 1}" if t.path is not None else "no path"
            const = "" if t.path is None or close(t.constant, 1.0) else constant_text(t.constant)
            if const and not (t.constant and math.isfinite(t.constant)):
                const = "beyond floats"  # the path's constant is subnormal or huge (x·1e-320)
            rows.append(
                [
                    str(i),
                    _named(t.text, legend),
                    where,
                    ", ".join(legend.get(m, m) for m in t.missing) or "—",
                    ", ".join(legend.get(x, x) for x in t.extra) or "—",
                    const or "—",
                ]
            )
        header = ["term", "your term", "stands for", "missing", "extra", "constant"]
        return Table("", header, rows)

    def path_table(self) -> Table:
        """One row per chain-rule path: its factors and value."""
        return self._path_table(self._legend())

    def _path_table(self, legend: Mapping[str, str]) -> Table:
        d = self.digits
        rows = []
        for i, p in enumerate(self.paths, 1):
            factors = " · ".join(legend.get(f, f) for f in p.factors)
            if not close(p.constant, 1.0):
                factors = " · ".join(x for x in (constant_text(p.constant), factors) if x)
            factors = factors or "1"
            rows.append([str(i), factors, fmt(p.value, d)])
        title = f"chain-rule paths from {self.wrt} to {self.of} (factors that are 1 left out)"
        return Table(title, ["path", "product of local derivatives", "value"], rows)

    def _legend(self) -> dict[str, str]:
        """Short names (⟨1⟩, ⟨2⟩, ...) for the factors too long for the tables to fit
        WIDTH columns: the longest named first, each named once."""
        pieces = [f for p in self.paths for f in p.factors]
        for t in self.terms:
            pieces += [*_factors(t.text), *t.missing, *t.extra]
        pieces = sorted(set(pieces), key=lambda x: (-len(x), x))
        legend: dict[str, str] = {}
        for piece in pieces:
            if self._width(legend) <= WIDTH or len(piece) <= 8:
                break
            legend[piece] = f"⟨{len(legend) + 1}⟩"
        return legend

    def _width(self, legend: Mapping[str, str]) -> int:
        """The widest line of the two tables' rows with these short names."""
        tables = (self._term_table(legend), self._path_table(legend))
        return max(len(line) for t in tables for line in t.text().splitlines()[1:] or [""])

    def table(self) -> Table:
        """The whole report as one :class:`~autograd_lite.table.Table`."""
        d = self.digits
        legend = self._legend()
        notes = [
            f"engine:        {fmt(self.gradient, d)}",
            f"your formula:  {fmt(self.value, d)}",
        ]
        if self.ratio is not None:
            notes.append(f"ratio yours/engine = {_ratio_text(self.value, self.gradient, d)}")
        for i in self.uncovered[:_LISTED]:
            factors = " · ".join(legend.get(f, f) for f in self.paths[i].factors)
            notes.append(f"path {i + 1} has no term: {factors}")
        if len(self.uncovered) > _LISTED:
            notes.append(f"... and {len(self.uncovered) - _LISTED} more paths have no term")
        for i in self.unexplained[:_LISTED]:
            text = _named(self.terms[i].text, legend)
            notes.append(f"term {i + 1} stands for no chain-rule path: {text}")
        if len(self.unexplained) > _LISTED:
            notes.append(f"... and {len(self.unexplained) - _LISTED} more terms stand for none")
        notes.extend(f"{short} = {long}" for long, short in legend.items())
        notes.extend(self.notes)
        t = self._term_table(legend)
        return Table(self.verdict(), t.header, t.rows, notes)

    def __str__(self) -> str:
        return "\n\n".join([self.table().text(), self.path_table().text()])

    __repr__ = __str__

    def markdown(self) -> str:
        """The report as Markdown tables, to paste into a handout."""
        return "\n\n".join([self.table().markdown(), self.path_table().markdown()])

    def _repr_html_(self) -> str:
        return self.table().html() + self.path_table().html()


def _factors(text: str) -> list[str]:
    """A term's text split into its factors at the top-level ``·`` (a sign kept apart)."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += c in "(["
        depth -= c in ")]"
        if c == "·" and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [f[1:] if f.startswith("−") else f for f in out]


def _named(text: str, legend: Mapping[str, str]) -> str:
    """A term's text with its long factors called by their short names."""
    if not legend:
        return text
    sign = "−" if text.startswith("−") else ""
    return sign + "·".join(legend.get(f, f) for f in _factors(text))


def _swapped(a: str, b: str) -> bool:
    """Whether two names differ only by the order of their index digits (w_21, w_12)."""
    stem_a, _, ia = a.rpartition("_")
    stem_b, _, ib = b.rpartition("_")
    return bool(stem_a) and stem_a == stem_b and ia != ib and ia.isdigit() and ia == ib[::-1]


def _ratio_text(value: float, gradient: float, digits: int) -> str:
    """value / gradient, or its size where the quotient is beyond floats (1 / 1e-320)."""
    r = value / gradient
    if (r and math.isfinite(r)) or not value or not math.isfinite(value):
        return fmt(r, digits)
    exponent = math.log10(abs(value)) - math.log10(abs(gradient))
    whole = math.floor(exponent)
    sign = "-" if (value < 0) != (gradient < 0) else ""
    return f"{sign}{10 ** (exponent - whole):.3g}e{whole:+d} (beyond the range of floats)"


def _why(c: float, squares: bool) -> str:
    """What a leftover constant factor usually means."""
    if close(c, -1.0):
        return "the sign is flipped (a sign slip, such as (y − a) for (a − y))"
    if close(abs(c), 2.0):
        cause = " (often the 2 from differentiating a square, which a ½ cancels)" if squares else ""
        return f"a factor 2 too many{cause}"
    if close(abs(c), 0.5):
        cause = " (often a forgotten 2 from differentiating a square)" if squares else ""
        return f"a factor ½ too few{cause}"
    return f"a constant factor {constant_text(c)} is left over"


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
    ranges: Mapping[str, range] | Iterable[str] | None = None,
) -> Diagnosis | IndexedDiagnosis:
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
        ranges: the values of index letters the names given do not tell, as
            ``{"k": range(1, 3)}`` or ``["k=1..2"]``.

    Index notation (:mod:`~autograd_lite.formula.indices`) is read in the network
    (``z_j = Σ_k w_jk*x_k + b_j``) and in the formula; a ``wrt`` with index letters
    (``w_jk``) checks the formula for every index value the network has.

    Returns:
        A :class:`Diagnosis`: print it, or read its fields; for an indexed ``wrt``, an
        :class:`IndexedDiagnosis` with one Diagnosis per index value.

    Raises:
        ExprError: for a network or formula that cannot be read or evaluated.
        ValueError: for an unknown ``wrt`` or ``of``.
    """
    defs = define(list(definitions))
    if ranges is not None and not isinstance(ranges, Mapping):
        ranges = parse_ranges(list(ranges))
    if not isinstance(network, Program):
        network = read_program(network, variables=list(at), definitions=defs, ranges=ranges)
    names = [*network.variables, *network.results]
    kwargs = {"of": of, "points": points, "seed": seed, "digits": digits}
    many = indexed(
        wrt,
        formula,
        names,
        dict(ranges or {}),
        lambda w, f: _diagnose(network, w, f, at, **kwargs),
    )
    if many is not None:
        return many
    formula = expand_sums(formula, names, index_letters(formula), dict(ranges or {}))
    return _diagnose(network, wrt, formula, at, **kwargs)


def _diagnose(network: Program, wrt: str, formula: str, at, *, of, points, seed, digits):
    """The diagnosis of one formula for one derivative; see :func:`diagnose`."""
    case = Case(network, wrt, formula, at, of=of, points=points, seed=seed)
    v = case.values()
    given = case.given(v)
    paths, notes = case.chain_rule_paths()
    terms, terms_note = case.terms(paths)
    notes += terms_note
    rows, uncovered, unexplained = case.term_reports(terms, paths, v.correct or bool(given))
    reports = [TermReport(*row) for row in rows]
    if case.count > MAX_PATHS:
        notes.append(
            f"there are {case.count} chain-rule paths, more than {MAX_PATHS}: the terms were "
            "not matched to paths one by one, only the formula's value was compared"
        )
    notes += case.repeats(terms, reports, unexplained)
    vanished = all(g == 0.0 for g in v.gradient)
    notes = _zero_notes(f"∂{case.of}/∂{wrt}", v, vanished) + notes
    grouped = v.correct and any(r.path is None for r in reports)
    args = (v, vanished, paths.squares, reports, uncovered, unexplained)
    summary = _summary(case.of, wrt, *args, grouped=grouped, theirs=formula.strip())
    if given:
        summary = _given_summary(f"∂{case.of}/∂{wrt}", *given)
    return Diagnosis(
        case.of,
        wrt,
        case.theirs.text,
        v.formula[0],
        v.gradient[0],
        v.correct,
        tuple(reports),
        tuple(PathReport(*row) for row in paths.reports),
        case.count,
        uncovered,
        unexplained,
        v.equals,
        v.whole,
        tuple(dict.fromkeys(notes)),
        tuple(summary),
        digits,
        given[0].text if given else None,
        given[1] if given else None,
        v.of,
    )


def _given_summary(d: str, relation, general: str | None) -> list[str]:
    """The verdict on a formula that is right wherever a relation among the values holds."""
    out = [
        f"Your formula is right, given {relation.text} ({relation.why}): it equals {d} at "
        f"every point compared that keeps this, and your values keep it."
    ]
    if general:
        out.append(f"Without it, in general, {d} = {general}.")
    else:
        out.append(f"At values that do not keep it, it differs from {d}.")
    return out


def _zero_notes(d: str, v, vanished: bool) -> list[str]:
    """The notes that come first: a derivative that is 0 where the values were compared."""
    if vanished:
        return [
            f"{d} is 0 at every point compared, so values cannot tell a right formula from a "
            "wrong one here: check it again at values where no activation is saturated"
        ]
    if v.gradient[0] == 0.0 and v.formula[0] == 0.0:
        return [
            f"your formula and {d} are both 0 at your values (an input or a weight of 0?), "
            "so they were compared at the points around them"
        ]
    return []


def _summary(
    of, wrt, v, vanished, squares, terms, uncovered, unexplained, *, grouped, theirs=""
) -> list[str]:
    d = f"∂{of}/∂{wrt}"
    correct, here, equals, whole = v.correct, v.here, v.equals, v.whole
    if correct and vanished:
        return [f"Your formula and {d} are both 0 at every point compared: see the notes."]
    if correct:
        out = [f"Your formula is right: it equals {d} (checked at {POINTS + 1} points)."]
        if grouped:
            out.append(
                "Its terms group the chain-rule paths differently from one term per path, "
                "so the table pairs only the terms that are one path each."
            )
        return out
    out = [f"Your formula is not {d}."]
    if v.of:
        shown = theirs if len(theirs) <= 40 else "Your formula"
        out = [
            f"{shown} is {', '.join(f'∂{r}/∂{wrt}' for r in v.of)}: you differentiated "
            f"{' or '.join(v.of)}, not {of}."
        ]
    elif equals:
        out = [f"Your formula equals {', '.join(f'∂{of}/∂{k}' for k in equals)}, not {d}."]
        out += [f"The indices are swapped: {k} for {wrt}." for k in equals if _swapped(k, wrt)][:1]
    elif here:
        out.append(
            "It gives the right value at your point but not at points around it: it holds "
            "only for your particular values, under none of the relations among them that "
            "were tried (labels that add up to 1, equal values, a value of 0 or 1)."
        )
    elif whole is not None:
        out.append(f"It is {constant_text(whole)} times {d}: {_why(whole, squares)}.")
    out += [t.slip for t in terms if t.slip]
    missing = sum(1 for t in terms if t.path is not None and t.missing and not t.slip)
    extra = sum(1 for t in terms if t.path is not None and t.extra and not t.slip)
    signs = [i + 1 for i, t in enumerate(terms) if t.path is not None and close(t.constant, -1)]
    if missing:
        out.append(f"{missing} term(s) miss factors of their chain-rule path.")
    if extra:
        out.append(f"{extra} term(s) have factors their path does not.")
    if signs and whole is None and not v.of:
        out.append(f"Term(s) {', '.join(map(str, signs))} have the wrong sign.")
    if uncovered:
        out.append(f"{len(uncovered)} chain-rule path(s) have no term.")
    if unexplained:
        out.append(f"{len(unexplained)} term(s) stand for no chain-rule path.")
    return out
