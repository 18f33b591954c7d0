"""A formula in index notation checked for every index value.

``--wrt w_jk`` with ``(a_j - y_j)*a_j*(1-a_j)*x_k`` is one check per (j, k) the network has:
the letters are put in (``w_12`` and ``(a_1 - y_1)*a_1*(1-a_1)*x_2``), each instance is
diagnosed as any formula is, and the answer says how many index values were checked and,
where the formula fails, which and why (a swapped index named as such).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping
from typing import NamedTuple

from ..formula.indices import expand_sums, instances, substitute
from ..formula.source import ExprError
from ..table import Table


class IndexedDiagnosis(NamedTuple):
    """The verdict on a formula in index notation, one diagnosis per index value.

    Attributes:
        of: the output's name.
        wrt: the indexed name differentiated with respect to (``w_jk``).
        formula: the formula as typed.
        letters: the index letters of ``wrt``, in order (``("j", "k")``).
        values: per instance, the letters' values (``(1, 2)``).
        diagnoses: per instance, its :class:`~autograd_lite.teach.diagnosis.Diagnosis`.
        swapped: per instance, the name whose derivative the formula is there when it is
            that of ``wrt`` with its indices swapped (``w_21`` for ``w_12``), else None.
    """

    of: str
    wrt: str
    formula: str
    letters: tuple[str, ...]
    values: tuple[tuple[int, ...], ...]
    diagnoses: tuple
    swapped: tuple[str | None, ...]

    @property
    def correct(self) -> bool:
        """Whether the formula is right at every index value."""
        return all(d.correct for d in self.diagnoses)

    @property
    def failures(self) -> tuple[int, ...]:
        """The instances (positions) where the formula is not right (nor right given a
        relation among the values)."""
        return tuple(i for i, d in enumerate(self.diagnoses) if not d.correct and not d.given)

    def _where(self, i: int) -> str:
        v = self.values[i]
        return f"({', '.join(map(str, v))})" if len(v) > 1 else str(v[0])

    def verdict(self) -> str:
        """The answer in a few sentences."""
        n, letters = len(self.diagnoses), ", ".join(self.letters)
        who = f"({letters})" if len(self.letters) > 1 else letters
        d = f"∂{self.of}/∂{self.wrt}"
        if self.correct:
            return f"Your formula is {d} for every {who}: {n} index values checked."
        bad = self.failures
        if not bad:
            given = sorted({x.given for x in self.diagnoses if x.given})
            return (
                f"Your formula is {d} for every {who} ({n} index values checked), given "
                f"{'; '.join(given)}."
            )
        listed = ", ".join(self._where(i) for i in bad[:8]) + (", ..." if len(bad) > 8 else "")
        out = [f"Your formula is not {d} for {len(bad)} of {n} index values, {who} = {listed}."]
        swapped = [i for i in bad if self.swapped[i]]
        if swapped and len(swapped) == len(bad):
            i = swapped[0]
            out.append(
                f"There it is the derivative for the indices swapped (at {who} = "
                f"{self._where(i)} it is ∂{self.of}/∂{self.swapped[i]}): a swapped index, "
                f"{_swap(self.wrt, self.letters)} for {self.wrt}."
            )
        else:
            first = self.diagnoses[bad[0]]
            out.append(f"At {who} = {self._where(bad[0])}: {first.verdict()}")
        return " ".join(out)

    def table(self) -> Table:
        """One row per index value: the name, the engine's value, the formula's, the verdict."""
        rows = []
        for i, d in enumerate(self.diagnoses):
            if d.correct:
                said = "right"
            elif d.given:
                said = f"right, given {d.given}"
            elif self.swapped[i]:
                said = f"is ∂{self.of}/∂{self.swapped[i]}"
            else:
                said = "not right"
            rows.append(
                [*map(str, self.values[i]), d.wrt, f"{d.gradient:.6g}", f"{d.value:.6g}", said]
            )
        header = [*self.letters, "derivative for", "engine", "your formula", "verdict"]
        return Table(self.verdict(), header, rows)

    def __str__(self) -> str:
        parts = [self.table().text()]
        if self.failures:
            i = self.failures[0]
            parts.append(f"at {self._where(i)}:\n{self.diagnoses[i]}")
        return "\n\n".join(parts)

    __repr__ = __str__

    def markdown(self) -> str:
        """The report as a Markdown table."""
        return self.table().markdown()

    def _repr_html_(self) -> str:
        return self.table().html()


def _swap(name: str, letters: tuple[str, ...]) -> str:
    """w_jk as w_kj: the index letters of the name in reverse order."""
    stem, _, suffix = name.rpartition("_")
    order = iter(reversed([c for c in suffix if c in letters]))
    return stem + "_" + "".join(next(order) if c in letters else c for c in suffix)


def indexed(
    wrt: str,
    formula: str,
    names: Collection[str],
    ranges: Mapping[str, range],
    one: Callable,
) -> IndexedDiagnosis | None:
    """Diagnose ``formula`` for every index value of ``wrt`` among ``names`` with ``one``
    (``one(wrt, formula)`` gives a Diagnosis), or None when wrt has no index letters."""
    stem, _, suffix = wrt.rpartition("_")
    letters = tuple(dict.fromkeys(c for c in suffix if c.isalpha()))
    if not stem or not letters or wrt in names:
        return None
    found = instances(wrt, names, letters, ranges)
    if not found:
        return None
    values, diagnoses, swapped = [], [], []
    for at in found:
        name = substitute(wrt, at, letters)
        text = expand_sums(substitute(formula, at, letters), names, letters, ranges)
        try:
            d = one(name, text)
        except ExprError as err:
            where = ", ".join(f"{c} = {at[c]}" for c in letters)
            raise ExprError(f"at {where} your formula reads {text}: {err.reason}") from None
        values.append(tuple(at[c] for c in letters))
        diagnoses.append(d)
        swapped.append(_swapped_name(d, wrt, at, letters))
    of = diagnoses[0].of
    return IndexedDiagnosis(
        of, wrt, formula, letters, tuple(values), tuple(diagnoses), tuple(swapped)
    )


def _swapped_name(d, wrt: str, at: Mapping[str, int], letters: tuple[str, ...]) -> str | None:
    """The name of wrt with its indices permuted whose derivative the formula is, if any."""
    if d.correct or not d.equals:
        return None
    for order in itertools.permutations(letters):
        if order == letters:
            continue
        moved = {a: at[b] for a, b in zip(letters, order)}
        name = substitute(wrt, moved, letters)
        if name in d.equals:
            return name
    return None
