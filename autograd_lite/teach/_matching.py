"""Matching a learner's terms to chain-rule paths by the values of their factors.

Every factor, of a term or of a path, is known by its values at the same few points (the
given one and random ones around it). Two factors are the same function when their values
agree at every point, and the same up to a constant when their ratio is the same at every
point; points where both are 0 say nothing and are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple

_REL = 1e-8  # two values agree when they agree to this relative tolerance

Vector = Sequence[float]


def same(u: Vector, v: Vector) -> bool:
    """Whether two value vectors are equal at every point."""
    return all(math.isclose(a, b, rel_tol=_REL, abs_tol=1e-300) for a, b in zip(u, v))


def ratio(u: Vector, v: Vector) -> float | None:
    """The constant c with u = c·v at every point where either is not 0, if there is one."""
    if same(u, v):
        return 1.0
    rs = []
    for a, b in zip(u, v):
        if a == 0.0 and b == 0.0:
            continue
        if a == 0.0 or b == 0.0:
            return None
        r = a / b
        if r == 0.0 or not math.isfinite(r):  # beyond floats (1 / 1e-320): no constant to name
            return None
        rs.append(r)
    if not rs or not all(math.isclose(r, rs[0], rel_tol=_REL) for r in rs):
        return None
    return rs[0]


def constant(u: Vector) -> bool:
    """Whether a vector has the same value at every point."""
    return all(math.isclose(a, u[0], rel_tol=1e-12, abs_tol=1e-300) for a in u)


def product(vectors: Sequence[Vector], n: int) -> list[float]:
    out = [1.0] * n
    for v in vectors:
        out = [a * b for a, b in zip(out, v)]
    return out


class Match(NamedTuple):
    """How one term lines up with one path."""

    matched: int  # path factors accounted for
    missing: tuple[int, ...]  # indices of the path's factors the term lacks
    extra: tuple[int, ...]  # indices of the term's factors the path lacks
    constant: float  # what the term is beyond the path, as a constant factor
    slip: object = None  # a known slip that turns the missing factors into the extra ones

    @property
    def perfect(self) -> bool:
        return not self.missing and not self.extra

    @property
    def errors(self) -> float:
        """Missing and extra factors; a named slip counts as one half."""
        if self.slip is not None:
            return 0.5
        return len(self.missing) + len(self.extra)

    @property
    def score(self) -> float:
        return self.matched - 0.5 * self.errors + 0.5 * self.perfect

    @property
    def plausible(self) -> bool:
        """Whether the term can be said to stand for the path at all: much more of it
        agrees than disagrees (else it is a fragment, or another path's term)."""
        errors = self.errors
        # one factor in place of another, the rest alike: the learner's factor kept whole
        # ((1 + tanh(u)) where tanh'(u) belongs), not multiplied out into two wrong terms
        swap = len(self.missing) == len(self.extra) == 1 and self.matched >= 1
        return (
            self.perfect
            or swap
            or self.matched >= 1.5 * errors
            or 0 < errors <= min(2, self.matched)
        )


class Matcher:
    """Matches terms to paths, remembering the relation of each pair of factors.

    Args:
        atom: the value vector of a term's factor, by key.
        n: the number of points.
    """

    def __init__(self, atom: Callable[[Hashable], Vector], n: int, slip=None):
        self.atom = atom
        self.n = n
        self.slip = slip
        self._relations: dict = {}

    def _relation(self, a: Hashable, f: Hashable, fv: Vector) -> float | None:
        key = (a, f)
        if key not in self._relations:
            self._relations[key] = ratio(self.atom(a), fv)
        return self._relations[key]

    def match(self, atoms: list, coef: float, factors: list, path_const: float) -> Match:
        """Pair a term's factors (keys) with a path's factors ((key, vector) pairs)."""
        free_f = list(range(len(factors)))
        free_a = list(range(len(atoms)))
        r_all, matched = 1.0, 0
        for exact in (True, False):  # equal values first, then equal up to a constant
            for f in list(free_f):
                key, fv = factors[f]
                for a in free_a:
                    r = self._relation(atoms[a], key, fv)
                    if r is not None and (r == 1.0 or not exact):
                        free_f.remove(f)
                        free_a.remove(a)
                        r_all, matched = r_all * r, matched + 1
                        break
        # a term that shares no factor with the path is not this path's: no need to look
        # for factors that match in pairs
        if free_f and free_a and matched:
            # two of the learner's factors that make one local derivative (s·(1 − s)),
            # then one of theirs that stands for two local derivatives at once
            for f in list(free_f):
                hit = self._pair(factors[f], [(atoms[a], self.atom(atoms[a])) for a in free_a])
                if hit is not None:
                    i, j, r = hit
                    a, b = free_a[i], free_a[j]
                    free_f.remove(f)
                    free_a.remove(a)
                    free_a.remove(b)
                    r_all, matched = r_all * r, matched + 1
            for a in list(free_a):
                hit = self._pair((atoms[a], self.atom(atoms[a])), [factors[f] for f in free_f])
                if hit is not None:
                    i, j, r = hit
                    f, g = free_f[i], free_f[j]
                    free_a.remove(a)
                    free_f.remove(f)
                    free_f.remove(g)
                    r_all, matched = r_all / r, matched + 2
        if free_f and free_a and len(free_f) <= 2:
            # whatever is left on both sides may still be the same product (a·b⁻² for
            # −a/b²): then it all matches. Not for more of the path: a whole sum kept as
            # one factor would then pass for a whole path, and hide what is in it
            r = ratio(
                product([self.atom(atoms[a]) for a in free_a], self.n),
                product([factors[f][1] for f in free_f], self.n),
            )
            if r is not None:
                r_all, matched = r_all * r, matched + len(free_f)
                free_f, free_a = [], []
        slip = None
        if free_f and free_a and self.slip is not None:
            # what is left may be a slip a learner makes: σ'(out) for σ'(net), 1 − tanh for
            # 1 − tanh², p1 for p2; ``slip`` knows them and returns it with its constant
            found = self.slip(
                [factors[f][0] for f in free_f],
                product([self.atom(atoms[a]) for a in free_a], self.n),
            )
            if found is not None:
                slip, r = found
                r_all, matched = r_all * r, matched + 1
        # a path with a factor that is 0 at every point (a saturated σ, a dead ReLU) has no
        # constant to compare with: the vanishing-gradient note says why
        const = coef * r_all / path_const if path_const else 1.0
        return Match(matched, tuple(free_f), tuple(free_a), const, slip)

    def _pair(self, single, candidates) -> tuple[int, int, float] | None:
        """Two of the candidates ((key, vector) pairs) whose product is the single one up
        to a constant: their positions and the constant (pair over single)."""
        skey, sv = single
        for i, (ka, va) in enumerate(candidates):
            for j in range(i + 1, len(candidates)):
                kb, vb = candidates[j]
                key = ("pair", skey, ka, kb)
                if key not in self._relations:
                    self._relations[key] = ratio(product([va, vb], self.n), sv)
                r = self._relations[key]
                if r is not None:
                    return i, j, r
        return None


def assign(matches: dict[tuple[int, int], Match]) -> dict[int, int]:
    """Each term to at most one path and back, best matches first, plausible ones only."""
    order = sorted(matches, key=lambda k: (-matches[k].score, k))
    term_path: dict[int, int] = {}
    taken: set[int] = set()
    for t, p in order:
        if t in term_path or p in taken or not matches[t, p].plausible:
            continue
        term_path[t] = p
        taken.add(p)
    return term_path
