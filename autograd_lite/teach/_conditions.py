"""Relations among the given values under which a formula may be right.

A formula can agree with the chain rule at the learner's point and not around it because
the point keeps some relation: labels that add up to 1 (``p2 - y2`` for softmax with
cross-entropy), two weights that are equal, a value of 0 or 1. Each relation here is one a
learner's values make true; it comes with a way to move a point so that it keeps the
relation, so the diagnosis can test the formula at random points that keep it (never at the
one point alone).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

Point = dict[str, float]

MAX_RELATIONS = 40
"""At most this many relations are tried (each costs a few evaluations)."""

_INDEXED = re.compile(r"^(.*?)(\d+)$")


class Relation(NamedTuple):
    """A relation the given values keep.

    Attributes:
        text: the relation as an equation (``y1 + y2 + y3 = 1``).
        why: what it means, in words (``labels that add up to 1, ...``).
        zero: the text of g in the form g = 0 (``(y1 + y2 + y3 - 1)``), or None when the
            relation is more than one equation.
        keep: moves a point so that it keeps the relation (the point and a random source).
        g: the value of g at a point (None with ``zero``).
    """

    text: str
    why: str
    zero: str | None
    keep: Callable[[Point, random.Random], Point]
    g: Callable[[Mapping[str, float]], float] | None


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def families(at: Mapping[str, float]) -> list[list[str]]:
    """Groups of two or more names that differ only by a trailing index (y1, y2, y3)."""
    groups: dict[str, list[str]] = {}
    for name in at:
        m = _INDEXED.match(name)
        if m and m.group(1):
            groups.setdefault(m.group(1), []).append(name)
    return [g for g in groups.values() if len(g) >= 2]


def _distribution(names: list[str]) -> Relation:
    def keep(p: Point, rng: random.Random) -> Point:
        weights = [rng.uniform(0.05, 1.0) for _ in names]
        total = sum(weights)
        return {**p, **{n: w / total for n, w in zip(names, weights)}}

    total = " + ".join(names)
    return Relation(
        f"{total} = 1",
        "labels that add up to 1, as one-hot labels do",
        f"({total} − 1)",
        keep,
        lambda p: sum(p[n] for n in names) - 1.0,
    )


def _one_hot(names: list[str]) -> Relation:
    def keep(p: Point, rng: random.Random) -> Point:
        hot = rng.randrange(len(names))
        return {**p, **{n: float(i == hot) for i, n in enumerate(names)}}

    return Relation(
        f"one-hot {', '.join(names)}",
        "one label is 1 and the others 0",
        None,
        keep,
        None,
    )


def _equal(a: str, b: str) -> Relation:
    return Relation(
        f"{a} = {b}",
        "values that are equal",
        f"({a} − {b})",
        lambda p, rng: {**p, b: p[a]},
        lambda p: p[a] - p[b],
    )


def _all_equal(names: list[str]) -> Relation:
    def keep(p: Point, rng: random.Random) -> Point:
        return {**p, **{n: p[names[0]] for n in names[1:]}}

    return Relation(" = ".join(names), "values that are all equal", None, keep, None)


def _value(name: str, x: float) -> Relation:
    if x == 0.0:
        return Relation(
            f"{name} = 0", "a value of 0", name, lambda p, rng: {**p, name: 0.0}, lambda p: p[name]
        )
    return Relation(
        f"{name} = 1",
        "a value of 1",
        f"({name} − 1)",
        lambda p, rng: {**p, name: 1.0},
        lambda p: p[name] - 1.0,
    )


def relations(at: Mapping[str, float]) -> list[Relation]:
    """The relations the values ``at`` keep, the most general first: labels that add up to
    1 (then labels that are one-hot), two values that are equal (then all the values equal
    to one number), a value of 0 or 1."""
    groups = [
        g
        for g in families(at)
        if all(0.0 <= at[n] <= 1.0 for n in g) and _close(sum(at[n] for n in g), 1.0)
    ]
    out = [_distribution(g) for g in groups]
    out += [_one_hot(g) for g in groups if all(at[n] in (0.0, 1.0) for n in g)]
    names = list(at)
    pairs = [
        _equal(a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if at[a] == at[b] and at[a] not in (0.0, 1.0)
    ]
    classes: dict[float, list[str]] = {}
    for n in names:
        classes.setdefault(at[n], []).append(n)
    out += pairs[: MAX_RELATIONS // 2]
    out += [_all_equal(c) for c in classes.values() if len(c) >= 3]
    out += [_value(n, at[n]) for n in names if at[n] in (0.0, 1.0)]
    return out[:MAX_RELATIONS]
