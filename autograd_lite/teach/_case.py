"""One diagnosis at work: the network and the learner's formula at several points.

:class:`Case` evaluates the network and the formula at the given point and at random points
around it, lists the chain-rule paths with their factors' values at every point, multiplies
the formula out into terms that line up with the paths, and matches them. The report types
and the words of the verdict are in :mod:`autograd_lite.teach.diagnosis`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import NamedTuple

from ..engine import gradients, topo_order
from ..formula.program import Program
from ..formula.reader import parse, run_steps
from ..formula.source import ExprError
from ..forward import local_derivatives
from . import _conditions, _paths, _slips, _terms
from ._matching import Matcher, assign, constant, ratio, same

POINTS = 6
"""Random points, besides the given one, at which values are compared."""


class Values(NamedTuple):
    """The formula and the derivatives at every point (the given one first)."""

    formula: list[float]
    gradient: list[float]
    correct: bool  # equal at every point
    here: bool  # equal (and not 0) at the given point only
    equals: tuple[str, ...]  # other names whose derivative the formula equals
    whole: float | None  # the formula is this constant times the derivative
    of: tuple[str, ...] = ()  # other results whose derivative with respect to wrt it is


class Paths(NamedTuple):
    """The chain-rule paths: per path its factors' (key, values) and its constant."""

    factors: list[list[tuple[tuple[int, int], list[float]]]]
    constants: list[float]
    reports: list  # per path: (factor names, constant, value at the given point)
    squares: bool  # a square's 2 is among the constants (for the words of the verdict)


class Terms(NamedTuple):
    """The formula multiplied out, and each term's match with each path."""

    terms: list
    matches: dict
    chosen: dict[int, int]


class Case:
    """The network, the learner's formula and the points they are compared at.

    Args:
        program: the network.
        wrt: the name to differentiate with respect to.
        formula: the learner's formula for the derivative.
        at: the value of every variable.
        of: the output's name (the program's output by default).
        points: random points besides ``at``.
        seed: their seed.

    Raises:
        ValueError: for an unknown ``wrt`` or ``of``.
        ExprError: for a formula that cannot be read or evaluated.
    """

    def __init__(
        self,
        program: Program,
        wrt: str,
        formula: str,
        at: Mapping[str, float],
        *,
        of: str | None,
        points: int,
        seed: int,
    ):
        at = {k: float(v) for k, v in at.items()}
        base = program.evaluate(at, trace=True)
        self.names = [*program.variables, *program.results]
        self.of = of = of or program.output
        self.wrt = wrt
        for what, name in (("of", of), ("wrt", wrt)):
            if name not in base.nodes:
                raise ValueError(
                    f"{what}={name!r} is not a variable or a named result; the names are "
                    f"{', '.join(self.names)}"
                )
        self.theirs = parse(formula, variables=self.names, definitions=program.definitions)
        self.order = topo_order(base.nodes[of])
        self.program = program
        self.at, self.seed = at, seed
        self._kinks = _kink_sides(self.order)
        self.runs = [base] + [
            program.evaluate(p) for p in _points(at, points, seed, self.usable)[1:]
        ]
        self.n = len(self.runs)
        self.orders = [self.order] + [topo_order(r.nodes[of]) for r in self.runs[1:]]
        self.namer = _paths.Namer(self.order, base.origins)
        self.count, self.paths = _paths.paths(self.order, base.nodes[wrt], base.nodes[of])
        self._locals: list[dict[int, tuple]] = [{} for _ in range(self.n)]
        self._atoms: dict[int, list[float]] = {}
        self.tree = _terms.tree(self.theirs)
        self.factor_info: dict[tuple[int, int], tuple[str, tuple]] = {}
        self._factor_vectors: dict[tuple[int, int], list[float]] = {}

    def usable(self, p: Mapping[str, float]) -> bool:
        """Whether a point can be compared at: everything evaluates there and every relu,
        abs and max is on the same side of its kink as at the given point (a formula written
        for an active unit is not wrong because a random point switched the unit off)."""
        try:
            run = self.program.evaluate(p)
            run_steps(self.theirs, run.nodes)
            gradients(run.nodes[self.of], [run.nodes[self.wrt]])
        except (ExprError, ArithmeticError, ValueError):
            return False
        return _kink_sides(topo_order(run.nodes[self.of])) == self._kinks

    def values(self) -> Values:
        """The formula, the engine's derivative and the other derivatives at every point."""
        others = [k for k in self.names if k not in (self.wrt, self.of)]
        formula, gradient, other = [], [], {k: [] for k in others}
        for run in self.runs:
            formula.append(run_steps(self.theirs, run.nodes).data)
            g = gradients(run.nodes[self.of], [run.nodes[k] for k in (self.wrt, *others)])
            gradient.append(g[0])
            for k, x in zip(others, g[1:]):
                other[k].append(x)
        correct = same(formula, gradient)
        here = not correct and gradient[0] != 0.0 and same(formula[:1], gradient[:1])
        equals = ()
        if not correct:
            equals = tuple(k for k in others if same(formula, other[k]) and any(other[k]))
        whole = None if correct or equals else ratio(formula, gradient)
        of = () if correct else self._of_another(formula)
        if of:
            equals, whole = (), None
        return Values(formula, gradient, correct, here, equals, whole, of)

    def _of_another(self, formula: list[float]) -> tuple[str, ...]:
        """The named results (not the output) whose derivative with respect to wrt the
        formula is at every point: the output instead of the loss, an intermediate."""
        out = []
        for r in self.program.results:
            if r in (self.of, self.wrt) or r not in self.runs[0].nodes:
                continue
            try:
                d = [gradients(run.nodes[r], [run.nodes[self.wrt]])[0] for run in self.runs]
            except (ArithmeticError, ValueError):
                continue
            if any(d) and same(formula, d):
                out.append(r)
        return tuple(out)

    def given(self, v: Values) -> tuple[_conditions.Relation, str | None] | None:
        """The first relation among the given values under which the formula is right, and
        the derivative in general (the formula plus what the relation makes 0), if any.

        The formula must agree with the derivative at POINTS random points that keep the
        relation, and the derivative must not be 0 at all of them (0 = 0 proves nothing).
        """
        if v.correct or not same(v.formula[:1], v.gradient[:1]):
            return None
        for relation in _conditions.relations(self.at):
            rng = random.Random(self.seed)
            points = [
                relation.keep(p, rng)
                for p in _points(self.at, 4 * POINTS, self.seed + 1, lambda p: True)[1:]
            ]
            points = [p for p in points if self.usable(p)][:POINTS]
            if len(points) < POINTS:
                continue
            formula, gradient = [], []
            for p in points:
                run = self.program.evaluate(p)
                formula.append(run_steps(self.theirs, run.nodes).data)
                gradient.append(gradients(run.nodes[self.of], [run.nodes[self.wrt]])[0])
            if same(formula, gradient) and any(gradient):
                return relation, self._general(relation, v)
        return None

    def _general(self, relation: _conditions.Relation, v: Values) -> str | None:
        """The derivative in general, as the formula plus c·g, where the relation is g = 0
        and c is a named value (or a constant times one) at every point compared."""
        if relation.g is None:
            return None
        mine = self.theirs.text.strip()
        for name in self.names:  # a lost factor: x1 dropped where x1 = 1
            x = [run.nodes[name].data for run in self.runs]
            if not constant(x) and same(v.gradient, [f * a for f, a in zip(v.formula, x)]):
                return f"({mine})·{name}" if not _terms.enclosed(mine) else f"{mine}·{name}"
        gs = [relation.g({k: run.nodes[k].data for k in self.at}) for run in self.runs]
        if not all(gs[1:]):
            return None
        c = [(d - f) / g for d, f, g in zip(v.gradient[1:], v.formula[1:], gs[1:])]
        named = [(name, [run.nodes[name].data for run in self.runs]) for name in self.names]
        # or a part of the learner's own formula: (z - y) in (z - y)*x2 where x1 = x2
        named += [
            (_terms.atom_text((i, 1), self.tree, self.theirs.text), self.atom((i, 1)))
            for i in range(len(self.tree))
        ]
        if constant(c):
            return f"{mine} + {_terms.constant_text(c[0])}·{relation.zero}"
        found = _name_of(c, named) or _name_of(c, _pairs_of(named[:30]))
        if found is None:
            return None
        name, r = found
        k = "" if r == 1.0 else f"{_terms.constant_text(r)}·"
        return f"{mine} + {k}{name}·{relation.zero}"

    def local(self, k: int, ci: int, pos: int) -> float:
        """The local derivative of edge (ci, pos) at point k, from the ops table."""
        row = self._locals[k].get(ci)
        if row is None:
            row = self._locals[k][ci] = local_derivatives(self.orders[k][ci])
        return row[pos]

    def _vector(self, edges, scale: float) -> list[float]:
        """The values of a product of local derivatives at every point, over a scale."""
        return [
            math.prod(self.local(k, ci, pos) for ci, pos in edges) / scale for k in range(self.n)
        ]

    def _merged(self) -> list[list[tuple[str, float, list[float]]]]:
        """Per path, its factors (name, scale, values); paths that differ only inside a
        function call (softmax's numerator and denominator) are one path, that call's
        factor the sum of theirs, so no two paths read the same with different values."""
        keyed: dict[tuple, list[list[_paths.Group]]] = {}
        for p in self.paths:
            groups = self.namer.groups(p)
            key = tuple(
                (g.name, id(self.order[g.edges[0][0]].parents[g.edges[0][1]]), g.edges[-1][0])
                for g in groups
            )
            keyed.setdefault(key, []).append(groups)
        out, kept = [], []
        for members in keyed.values():
            factors = []
            for i, g in enumerate(members[0]):
                runs = list(dict.fromkeys(m[i].edges for m in members))
                vecs = [self._vector(e, g.scale) for e in runs]
                factors.append((g.name, g.scale, [sum(xs) for xs in zip(*vecs)], runs[0]))
            whole = [sum(x) for x in zip(*(self._path_vector(m) for m in members))]
            if len(members) > 1 and not same(whole, _product([f[2] for f in factors], self.n)):
                # not a product of sums after all: keep the paths apart
                for m in members:
                    out.append(
                        [(g.name, g.scale, self._vector(g.edges, g.scale), g.edges) for g in m]
                    )
                    kept.append(self.paths[self.paths.index(_edges(m))])
                continue
            out.append(factors)
            kept.append(_edges(members[0]))
        self.paths = kept
        self.count = min(self.count, len(kept)) if self.count <= _paths.MAX_PATHS else self.count
        return [self._softmax_names(f) for f in out]

    def _path_vector(self, groups: list[_paths.Group]) -> list[float]:
        return _product([self._vector(g.edges, g.scale) for g in groups], self.n)

    def _softmax_names(self, factors):
        """softmax's local derivatives as a person writes them: p2(1 − p2) and −p1·p2."""
        out = []
        for name, scale, vec, edges in factors:
            shown = self._softmax_name(name, vec)
            if shown and shown.startswith("−"):
                # −p1·p2: the sign joins the path's constant, the factor reads p1·p2
                out.append((shown[1:], -scale, [-x for x in vec], edges))
            else:
                out.append((shown or name, scale, vec, edges))
        return out

    def _softmax_name(self, name: str, vec: list[float]) -> str | None:
        if not name.startswith("∂"):
            return None
        result, entry = name[1:].split("/∂", 1)
        if result.startswith("logsumexp("):
            return self._logsumexp_name(result, entry, vec)
        for st in self.program.statements:
            if st.function == "logsoftmax" and result in st.names:
                return self._logsoftmax_name(st, result, vec)
            if st.function != "softmax" or result not in st.names:
                continue
            p = {k: [run.nodes[k].data for run in self.runs] for k in st.names}
            if same(vec, [a * (1.0 - a) for a in p[result]]):
                return f"{result}(1 − {result})"
            for other in st.names:
                if other != result and same(vec, [-a * b for a, b in zip(p[result], p[other])]):
                    return f"−{result}·{other}"
        return None

    def _logsoftmax_name(self, st, result: str, vec: list[float]) -> str | None:
        """∂l2/∂o2 of l = logsoftmax(o) is 1 − exp(l2), ∂l1/∂o2 is −exp(l2)."""
        for other in st.names:
            e = [math.exp(run.nodes[other].data) for run in self.runs]
            if other == result and same(vec, [1.0 - x for x in e]):
                return f"(1 − exp({other}))"
            if other != result and same(vec, [-x for x in e]):
                return f"−exp({other})"
        return None

    def _logsumexp_name(self, call: str, entry: str, vec: list[float]) -> str:
        """∂logsumexp(o1, o2, o3)/∂o2 is softmax's p2: named so when the network names it,
        else written out, exp(o2)/(exp(o1) + exp(o2) + exp(o3))."""
        for st in self.program.statements:
            for k in st.names if st.function == "softmax" else ():
                if same(vec, [run.nodes[k].data for run in self.runs]):
                    return k
        args = _paths.arguments(call)
        return f"exp({entry})/({' + '.join(f'exp({a})' for a in args)})"

    def chain_rule_paths(self) -> tuple[Paths, list[str]]:
        """Every path's factors named and valued at every point, and notes on vanishing."""
        squares = False
        factors_all, constants, reports, notes = [], [], [], []
        for pi, groups in enumerate(self._merged()):
            factors, const = [], 1.0
            for name, scale, vec, edges in groups:
                const *= scale
                squares = squares or scale == 2.0
                # a factor that is 0 at every point (a saturated σ, an inactive ReLU) keeps
                # its name: that is the factor the learner needs to see
                if constant(vec) and vec[0] != 0.0:
                    const *= vec[0]
                else:
                    self.factor_info[pi, len(factors)] = (name, edges)
                    self._factor_vectors[pi, len(factors)] = vec
                    factors.append((name, vec))
            factors_all.append([((pi, i), v) for i, (_, v) in enumerate(factors)])
            constants.append(const)
            value = const * math.prod(v[0] for _, v in factors)
            reports.append((tuple(f for f, _ in factors), const, value))
            notes.extend(_paths.vanishing(self.paths[pi], self.order, self.namer, self.local))
        return Paths(factors_all, constants, reports, squares), notes

    def slip(self, keys: list, vec: list[float]) -> tuple[_slips.Slip, float] | None:
        """A slip that turns the path factors ``keys`` into a product of the learner's
        factors with values ``vec``, and the constant left over (see :mod:`._slips`)."""
        if len(keys) == 1:
            name, edges = self.factor_info[keys[0]]
            if len(edges) == 1:
                ci, _ = edges[0]
                nodes = [order[ci] for order in self.orders]
                for kind, cand in self._candidates(ci, nodes):
                    r = ratio(vec, cand)
                    if r is not None:
                        node = self.order[ci]
                        u, out = self.namer.text(node.parents[0]), self.namer.text(node)
                        return _slips.Slip(kind, name, _slips.derivative_text(node.op, u, out)), r
            elif "'(" in name:
                # a function of one's own (s(x)=1/(1+exp(-x))) written for its derivative
                ci = edges[-1][0]
                r = ratio(vec, [order[ci].data for order in self.orders])
                if r is not None:
                    return _slips.Slip("function", name, name), r
        return self._probability(keys, vec)

    def _candidates(self, ci: int, nodes: list) -> list[tuple[str, list[float]]]:
        """The slips of node ci's local derivative, then its derivative taken at another
        unit of the same kind (o(1 − o) of the next unit for h(1 − h))."""
        out = _slips.candidates(nodes)
        for cj, v in enumerate(self.order):
            if cj != ci and v.op == nodes[0].op and not self.namer.inner(v):
                d = _slips.derivative([order[cj] for order in self.orders])
                if d is not None:
                    out.append(("node", d))
        return out

    def _probability(self, keys: list, vec: list[float]) -> tuple[_slips.Slip, float] | None:
        """p_k written where the path has p_i, both outputs of one softmax."""
        path = _product([self._factor_vector(k) for k in keys], self.n)
        for st in self.program.statements:
            if st.function != "softmax":
                continue
            p = {k: [run.nodes[k].data for run in self.runs] for k in st.names}
            wrong = [(k, r) for k in st.names if (r := ratio(vec, p[k])) is not None]
            right = [(k, r) for k in st.names if (r := ratio(path, p[k])) is not None]
            if len(wrong) == 1 and len(right) == 1 and wrong[0][0] != right[0][0]:
                names = " · ".join(self.factor_info[k][0] for k in keys)
                slip = _slips.Slip("probability", names, right[0][0], wrong[0][0])
                return slip, wrong[0][1] / right[0][1]
        return None

    def _factor_vector(self, key) -> list[float]:
        return self._factor_vectors[key]

    def atom(self, atom: _terms.Atom) -> list[float]:
        """The values of a factor of the learner's formula at every point."""
        i, power = atom
        if i not in self._atoms:
            sub = _terms.code_of(self.theirs, self.tree, i)
            self._atoms[i] = [run_steps(sub, run.nodes).data for run in self.runs]
        vec = self._atoms[i]
        return vec if power == 1 else [x**power if x != 0.0 else math.inf for x in vec]

    def terms(self, paths: Paths) -> tuple[Terms, list[str]]:
        """The formula multiplied out so that its terms line up best with the paths."""
        matcher = Matcher(self.atom, self.n, self.slip)
        n_paths = len(self.paths)

        def score(kept: frozenset[int]):
            terms = _terms.expand(self.tree, kept)
            matches = {}
            for t, (coef, atoms) in enumerate(terms):
                plain, c = [], coef
                for a in atoms:
                    v = self.atom(a)
                    if constant(v):
                        c *= v[0]
                    else:
                        plain.append(a)
                for pi in range(n_paths):
                    matches[t, pi] = matcher.match(plain, c, paths.factors[pi], paths.constants[pi])
            chosen = assign(matches)
            total = sum(matches[t, p].score for t, p in chosen.items())
            total -= sum(len(a) + 1 for t, (_, a) in enumerate(terms) if t not in chosen)
            covered = set(chosen.values())
            total -= sum(len(paths.factors[p]) + 1 for p in range(n_paths) if p not in covered)
            return total, Terms(terms, matches, chosen)

        try:
            sums = _terms.product_level_sums(self.tree)
            kept = _terms.simple_sums(self.tree, sums)
            best = score(kept)
            # keep or split one sum at a time where that lines the terms up better with
            # the paths; inner sums first, twice round at most
            for _ in range(2 if n_paths and len(sums) <= 24 else 0):
                changed = False
                for i in sums:
                    trial = score(kept ^ {i})
                    if trial[0] > best[0]:
                        kept, best, changed = kept ^ {i}, trial, True
                if not changed:
                    break
        except _terms.TooManyTerms as err:
            return Terms([], {}, {}), [str(err)]
        return best[1], []

    def term_reports(self, terms: Terms, paths: Paths, correct: bool):
        """Per term (text, value, path, missing, extra, constant), and the paths without a
        term and the terms without a path."""
        reports = []
        for t, (coef, atoms) in enumerate(terms.terms):
            text = _terms.term_text(coef, atoms, self.tree, self.theirs.text)
            value = coef * math.prod(self.atom(a)[0] for a in atoms)
            p = terms.chosen.get(t)
            if p is None or (correct and not terms.matches[t, p].perfect):
                reports.append((text, value, None, (), (), 1.0, None))
                continue
            m = terms.matches[t, p]
            plain = [a for a in atoms if not constant(self.atom(a))]
            missing = tuple(paths.reports[p][0][f] for f in m.missing)
            extra = tuple(_terms.atom_text(plain[a], self.tree, self.theirs.text) for a in m.extra)
            said = self._said(t, m, extra, p, len(paths.reports[p][0]))
            reports.append((text, value, p, missing, extra, m.constant, said))
        matched = {r[2] for r in reports if r[2] is not None}
        uncovered = tuple(i for i in range(len(self.paths)) if i not in matched)
        unexplained = tuple(t for t, r in enumerate(reports) if r[2] is None)
        if correct or not terms.terms or self.count > _paths.MAX_PATHS:
            uncovered, unexplained = (), ()
        for (a, b), p in self._pairs(terms, paths, uncovered, unexplained):
            # two terms that are one path between them (p2·y2 − y2 for −(1 − p2)·y2)
            for t in (a, b):
                reports[t] = (*reports[t][:2], p, (), (), 1.0, None)
            uncovered = tuple(i for i in uncovered if i != p)
            unexplained = tuple(t for t in unexplained if t not in (a, b))
        return reports, uncovered, unexplained

    def _pairs(self, terms: Terms, paths: Paths, uncovered, unexplained):
        """Pairs of terms without a path whose sum is a path without a term."""
        vec = {}
        for t in unexplained[:12]:
            coef, atoms = terms.terms[t]
            vec[t] = _product([self.atom(a) for a in atoms], self.n)
            vec[t] = [coef * x for x in vec[t]]
        found, used = [], set()
        for p in uncovered:
            target = [
                paths.constants[p] * x for x in _product([v for _, v in paths.factors[p]], self.n)
            ]
            for i, a in enumerate(vec):
                for b in list(vec)[i + 1 :]:
                    if used.isdisjoint((a, b)) and same(
                        [x + y for x, y in zip(vec[a], vec[b])], target
                    ):
                        found.append(((a, b), p))
                        used.update((a, b))
        return found

    def _said(self, t: int, m, extra: tuple[str, ...], p: int, n: int) -> str | None:
        """The slip in term t (matched to path p of n factors) in one sentence, if known."""
        if m.slip is not None:
            return m.slip.sentence(t + 1, "·".join(extra))
        if len(m.missing) == len(extra) == 1:
            right = self.factor_info[p, m.missing[0]][0]
            return f"Term {t + 1} has {extra[0]} where the chain rule has {right}."
        if m.missing and not m.extra and len(m.missing) < n:
            if tuple(m.missing) == tuple(range(len(m.missing))):
                # the factors next to the variable: the chain stopped early
                names = " · ".join(self.factor_info[p, f][0] for f in m.missing)
                ci, pos = self.paths[p][0]
                inner = self.namer.text(self.order[ci])
                return (
                    f"Term {t + 1}: the chain rule stopped one step early: the inner "
                    f"derivative {names} (of {inner} with respect to {self.wrt}) is missing."
                )
        return None

    def repeats(self, terms: Terms, reports, unexplained) -> list[str]:
        """Notes on terms that repeat a path another term stands for already."""
        notes = []
        for t in unexplained:
            again = [p for p in range(len(self.paths)) if terms.matches[t, p].perfect]
            owner = [k + 1 for k, r in enumerate(reports) if again and r[2] == again[0]]
            if owner:
                notes.append(
                    f"term {t + 1} repeats path {again[0] + 1}, which term {owner[0]} "
                    "already stands for: each path is counted once"
                )
        return notes


def _name_of(c: list[float], named) -> tuple[str, float] | None:
    """The first (name, values) whose values are c up to a constant, and that constant."""
    for name, x in named:
        r = ratio(c, x[1:])
        if r is not None and not constant(x):
            return name, r
    return None


def _pairs_of(named):
    """The products of two named values (p2·x), as (text, values), lazily."""
    for i, (a, x) in enumerate(named):
        for b, y in named[i:]:
            yield f"{a}·{b}", [p * q for p, q in zip(x, y)]


def _edges(groups: list[_paths.Group]) -> list[tuple[int, int]]:
    """The path a list of groups was made from."""
    return [e for g in groups for e in g.edges]


def _product(vectors: list[list[float]], n: int) -> list[float]:
    out = [1.0] * n
    for v in vectors:
        out = [a * b for a, b in zip(out, v)]
    return out


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


def _kink_sides(order) -> tuple:
    """Which side of its kink each relu and abs node is on (its operand's sign)."""
    return tuple(
        (v.parents[0].data > 0.0) - (v.parents[0].data < 0.0)
        for v in order
        if v.op in ("relu", "abs")
    )
