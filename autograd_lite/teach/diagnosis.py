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
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..engine import gradients, topo_order
from ..formula.program import Program, read_program
from ..formula.reader import _run, define, parse
from ..formula.source import ExprError
from ..labels import fmt
from . import _paths, _terms
from ._matching import Matcher, assign, constant, ratio, same
from ._paths import MAX_PATHS
from ._terms import MAX_TERMS
from .table import Table

__all__ = ["Diagnosis", "TermReport", "PathReport", "diagnose", "MAX_TERMS", "MAX_PATHS"]

POINTS = 6
"""Random points, besides the given one, at which values are compared."""

_LISTED = 8  # paths without a term and terms without a path listed by name at most


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
        summary: the verdict, in sentences (see :meth:`verdict`).
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

    @property
    def ratio(self) -> float | None:
        """Your formula's value divided by the engine's (None when the engine's is 0)."""
        return self.value / self.gradient if self.gradient else None

    def verdict(self) -> str:
        """The answer in one or a few sentences."""
        return " ".join(self.summary)

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
        for i in self.uncovered[:_LISTED]:
            notes.append(f"path {i + 1} has no term: {' · '.join(self.paths[i].factors)}")
        if len(self.uncovered) > _LISTED:
            notes.append(f"... and {len(self.uncovered) - _LISTED} more paths have no term")
        for i in self.unexplained[:_LISTED]:
            notes.append(f"term {i + 1} stands for no chain-rule path: {self.terms[i].text}")
        if len(self.unexplained) > _LISTED:
            notes.append(f"... and {len(self.unexplained) - _LISTED} more terms stand for none")
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


def _const_text(c: float) -> str:
    for value, text in _FRACTIONS.items():
        if _close(c, value):
            return text
    return fmt(c, 6)


def _why(c: float, squares: bool) -> str:
    """What a leftover constant factor usually means."""
    if _close(c, -1.0):
        return "the sign is flipped (a sign slip, such as (y − a) for (a − y))"
    if _close(abs(c), 2.0):
        cause = " (often the 2 from differentiating a square, which a ½ cancels)" if squares else ""
        return f"a factor 2 too many{cause}"
    if _close(abs(c), 0.5):
        cause = " (often a forgotten 2 from differentiating a square)" if squares else ""
        return f"a factor ½ too few{cause}"
    return f"a constant factor {_const_text(c)} is left over"


# --- the diagnosis ----------------------------------------------------------------------------


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
        ValueError: for an unknown ``wrt`` or ``of``.
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

    kinks = _kink_sides(topo_order(base.nodes[of]))

    def usable(p) -> bool:
        # a point is used when everything evaluates there and every relu, abs and max is
        # on the same side of its kink as at the given point: a formula written for an
        # active unit is not wrong because a random point switched the unit off
        try:
            run = program.evaluate(p)
            _run(theirs, run.nodes)
            gradients(run.nodes[of], [run.nodes[wrt]])
        except (ExprError, ArithmeticError, ValueError):
            return False
        return _kink_sides(topo_order(run.nodes[of])) == kinks

    runs = [base] + [program.evaluate(p) for p in _points(at, points, seed, usable)[1:]]
    n = len(runs)
    root0, wrt0 = base.nodes[of], base.nodes[wrt]
    order0 = topo_order(root0)
    orders = [order0] + [topo_order(r.nodes[of]) for r in runs[1:]]

    # the formula, the engine and the other derivatives at every point
    others = [k for k in names if k not in (wrt, of)]
    value_v, grad_v, other_v = [], [], {k: [] for k in others}
    for run in runs:
        value_v.append(_run(theirs, run.nodes).data)
        g = gradients(run.nodes[of], [run.nodes[k] for k in (wrt, *others)])
        grad_v.append(g[0])
        for k, x in zip(others, g[1:]):
            other_v[k].append(x)
    correct = same(value_v, grad_v)
    here = not correct and grad_v[0] != 0.0 and _close(value_v[0], grad_v[0])
    equals = ()
    if not correct:
        equals = tuple(k for k in others if same(value_v, other_v[k]) and any(other_v[k]))
    whole = None if correct or equals else ratio(value_v, grad_v)

    # the chain-rule paths, their factors and values
    namer = _paths.Namer(order0, base.origins)
    count, paths = _paths.paths(order0, wrt0, root0)
    cache: list[dict[int, tuple]] = [{} for _ in range(n)]

    def local(k: int, ci: int, pos: int) -> float:
        row = cache[k].get(ci)
        if row is None:
            row = cache[k][ci] = _paths.local_derivatives(orders[k][ci])
        return row[pos]

    squares = False
    path_factors, path_consts, path_reports, notes = [], [], [], []
    for pi, p in enumerate(paths):
        factors, const = [], 1.0
        for g in namer.groups(p):
            vec = [math.prod(local(k, ci, pos) for ci, pos in g.edges) / g.scale for k in range(n)]
            const *= g.scale
            squares = squares or g.scale == 2.0
            # a factor that is 0 at every point (a saturated σ, an inactive ReLU) keeps its
            # name: that is the factor the learner needs to see
            if constant(vec) and vec[0] != 0.0:
                const *= vec[0]
            else:
                factors.append((g.name, vec))
        path_factors.append([((pi, i), v) for i, (_, v) in enumerate(factors)])
        path_consts.append(const)
        value = const * math.prod(v[0] for _, v in factors)
        path_reports.append(PathReport(tuple(f for f, _ in factors), const, value))
        notes.extend(_paths.vanishing(p, order0, namer, local))

    # the learner's terms, multiplied out so that they line up with the paths
    tree = _terms.tree(theirs)
    atom_cache: dict[int, list[float]] = {}

    def atom_vector(atom) -> list[float]:
        i, power = atom
        if i not in atom_cache:
            sub = _terms.code_of(theirs, tree, i)
            atom_cache[i] = [_run(sub, run.nodes).data for run in runs]
        vec = atom_cache[i]
        return vec if power == 1 else [x**power if x != 0.0 else math.inf for x in vec]

    matcher = Matcher(atom_vector, n)

    def score(kept: frozenset[int]):
        terms = _terms.expand(tree, kept)
        matches = {}
        for t, (coef, atoms) in enumerate(terms):
            plain, c = [], coef
            for atom in atoms:
                v = atom_vector(atom)
                if constant(v):
                    c *= v[0]
                else:
                    plain.append(atom)
            for pi in range(len(paths)):
                matches[t, pi] = matcher.match(plain, c, path_factors[pi], path_consts[pi])
        chosen = assign(matches)
        total = sum(matches[t, p].score for t, p in chosen.items())
        total -= sum(len(a) + 1 for t, (_, a) in enumerate(terms) if t not in chosen)
        covered = set(chosen.values())
        total -= sum(len(path_factors[p]) + 1 for p in range(len(paths)) if p not in covered)
        return total, terms, matches, chosen

    terms, matches, chosen = [], {}, {}
    try:
        sums = _terms.product_level_sums(tree)
        kept = _terms.simple_sums(tree, sums)
        best = score(kept)
        # keep or split one sum at a time where that lines the terms up better with the
        # paths; inner sums first, twice round at most
        for _ in range(2 if paths and len(sums) <= 24 else 0):
            changed = False
            for i in sums:
                trial = score(kept ^ {i})
                if trial[0] > best[0]:
                    kept, best, changed = kept ^ {i}, trial, True
            if not changed:
                break
        _, terms, matches, chosen = best
    except _terms.TooManyTerms as err:
        notes.append(str(err))

    term_reports = []
    for t, (coef, atoms) in enumerate(terms):
        text = _term_text(coef, atoms, tree, theirs.text)
        value = coef * math.prod(atom_vector(a)[0] for a in atoms)
        p = chosen.get(t)
        if p is None or (correct and not matches[t, p].perfect):
            term_reports.append(TermReport(text, value, None, (), (), 1.0))
            continue
        m = matches[t, p]
        plain = [a for a in atoms if not constant(atom_vector(a))]
        missing = tuple(path_reports[p].factors[f] for f in m.missing)
        extra = tuple(_terms.atom_text(plain[a], tree, theirs.text) for a in m.extra)
        term_reports.append(TermReport(text, value, p, missing, extra, m.constant))
    matched_paths = {r.path for r in term_reports if r.path is not None}
    uncovered = tuple(i for i in range(len(paths)) if i not in matched_paths)
    unexplained = tuple(t for t, r in enumerate(term_reports) if r.path is None)
    if correct or not terms or count > MAX_PATHS:
        uncovered, unexplained = (), ()
    if count > MAX_PATHS:
        notes.append(
            f"there are {count} chain-rule paths, more than {MAX_PATHS}: the terms were not "
            "matched to paths one by one, only the formula's value was compared"
        )
    for t in unexplained:
        again = [p for p in range(len(paths)) if matches[t, p].perfect]
        owner = [k + 1 for k, r in enumerate(term_reports) if again and r.path == again[0]]
        if owner:
            notes.append(
                f"term {t + 1} repeats path {again[0] + 1}, which term {owner[0]} already "
                "stands for: each path is counted once"
            )
    vanished = all(g == 0.0 for g in grad_v)
    if not vanished and grad_v[0] == 0.0 and value_v[0] == 0.0:
        notes.insert(
            0,
            f"your formula and ∂{of}/∂{wrt} are both 0 at your values (an input or a weight "
            "of 0?), so they were compared at the points around them",
        )
    if vanished:
        notes.insert(
            0,
            f"∂{of}/∂{wrt} is 0 at every point compared, so values cannot tell a right "
            "formula from a wrong one here: check it again at values where no activation "
            "is saturated",
        )
    summary = _summary(
        of,
        wrt,
        correct,
        here,
        vanished,
        equals,
        whole,
        squares,
        term_reports,
        uncovered,
        unexplained,
        grouped=correct and any(r.path is None for r in term_reports),
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
        whole,
        tuple(dict.fromkeys(notes)),
        tuple(summary),
        digits,
    )


def _kink_sides(order) -> tuple:
    """Which side of its kink each relu and abs node is on (its operand's sign)."""
    return tuple(
        (v.parents[0].data > 0.0) - (v.parents[0].data < 0.0)
        for v in order
        if v.op in ("relu", "abs")
    )


def _summary(
    of,
    wrt,
    correct,
    here,
    vanished,
    equals,
    whole,
    squares,
    terms,
    uncovered,
    unexplained,
    *,
    grouped,
) -> list[str]:
    d = f"∂{of}/∂{wrt}"
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
    if equals:
        out = [f"Your formula equals {', '.join(f'∂{of}/∂{k}' for k in equals)}, not {d}."]
    elif here:
        out.append(
            "It gives the right value at your point but not at points around it: it holds "
            "only for your particular values (a weight of 0 or 1, labels that add up to 1, "
            "a point at the kink of relu or max, ...)."
        )
    elif whole is not None:
        out.append(f"It is {_const_text(whole)} times {d}: {_why(whole, squares)}.")
    missing = sum(1 for t in terms if t.path is not None and t.missing)
    extra = sum(1 for t in terms if t.path is not None and t.extra)
    signs = [i + 1 for i, t in enumerate(terms) if t.path is not None and _close(t.constant, -1)]
    if missing:
        out.append(f"{missing} term(s) miss factors of their chain-rule path.")
    if extra:
        out.append(f"{extra} term(s) have factors their path does not.")
    if signs and whole is None:
        out.append(f"Term(s) {', '.join(map(str, signs))} have the wrong sign.")
    if uncovered:
        out.append(f"{len(uncovered)} chain-rule path(s) have no term.")
    if unexplained:
        out.append(f"{len(unexplained)} term(s) stand for no chain-rule path.")
    return out


def _term_text(coef: float, atoms: tuple, tree, text: str) -> str:
    parts = [_terms.atom_text(a, tree, text) for a in atoms]
    if not _close(coef, 1.0) or not parts:
        if _close(coef, -1.0) and parts:
            parts[0] = "−" + parts[0]
        else:
            parts.insert(0, _const_text(coef))
    return "·".join(parts)
