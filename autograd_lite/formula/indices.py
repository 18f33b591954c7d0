"""Index notation: a statement with a free index letter is one statement per index value.

``z_j = Σ_k w_jk*x_k + b_j; a_j = sigmoid(z_j); C = 0.5*Σ_j (a_j - y_j)^2`` is read as the
statements a learner would otherwise type out by hand (``z_1 = (w_11*x_1 + w_12*x_2) + b_1``
...). A name is indexed when it ends in ``_`` and index letters (``w_jk``, ``a2_j``); an
index letter is one a statement defines (``z_j =``) or sums over (``Σ_k``, ``sum_k(...)``,
``\\sum_k``). Each letter's range comes from the names given values (``x_1, x_2``: k = 1..2)
or from the results defined before, one digit per letter, or from ``ranges``; two names
that disagree on a range are refused, naming both.

``Σ_k`` sums the term after it: up to the next ``+`` or ``-`` outside brackets
(``Σ_k w_jk*x_k + b_j`` sums ``w_jk*x_k``); ``sum_k(...)`` sums what is in its brackets.
The text is only rewritten as text: nothing is evaluated here.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Mapping

from .rewrite import plain_names
from .source import ExprError

__all__ = ["expand", "expand_sums", "index_letters", "substitute", "parse_ranges", "instances"]

MAX_INSTANCES = 400
"""A statement or a check unrolls to at most this many index values."""

_SUM = re.compile(r"(?:Σ|\\sum|sum)_\{?([a-z])\}?")
_INDEXED = re.compile(r"(?<![\w.])([A-Za-z][A-Za-z0-9]*)_([a-z0-9]+)(?!\w)")
_ASSIGN = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*)_([a-z0-9]*[a-z][a-z0-9]*)\s*=(?!=)")


def _letters_in(suffix: str, letters: Collection[str]) -> bool:
    """Whether an index suffix is made of digits and index letters, with one letter at least."""
    return any(c.isalpha() for c in suffix) and all(c.isdigit() or c in letters for c in suffix)


def index_letters(text: str) -> set[str]:
    """The letters the statements define (``z_j =``) or sum over (``Σ_k``)."""
    out = {c for m in _SUM.finditer(text) for c in m.group(1)}
    for piece in re.split(r"[;\n\r]", text):
        m = _ASSIGN.match(piece)
        if m:
            out.update(c for c in m.group(2) if c.isalpha())
    return out


def substitute(text: str, values: Mapping[str, int], letters: Collection[str]) -> str:
    """The text with the index letters in ``values`` put in as digits (``w_jk`` with j = 2
    is ``w_2k``); other names are left alone."""

    def put(m: re.Match) -> str:
        stem, suffix = m.group(1), m.group(2)
        if not _letters_in(suffix, letters):
            return m.group(0)
        return stem + "_" + "".join(str(values.get(c, c)) if c.isalpha() else c for c in suffix)

    return _INDEXED.sub(put, text)


def parse_ranges(texts: Collection[str]) -> dict[str, range]:
    """``["k=1..2", "j=1..3"]`` as ranges; an error names what is wrong."""
    out = {}
    for text in texts:
        m = re.fullmatch(r"\s*([a-z])\s*=\s*([0-9])\s*\.\.\s*([0-9])\s*", text)
        if not m or int(m.group(2)) > int(m.group(3)):
            raise ExprError(f"a range is written as k=1..3 (one letter, digits 0-9), not {text!r}")
        out[m.group(1)] = range(int(m.group(2)), int(m.group(3)) + 1)
    return out


def _range_of(letter: str, text: str, names: Collection[str], letters) -> dict[str, range]:
    """Each indexed name in the text that says what values ``letter`` takes: its range."""
    found: dict[str, range] = {}
    for m in _INDEXED.finditer(text):
        stem, suffix = m.group(1), m.group(2)
        if letter not in suffix or not _letters_in(suffix, letters):
            continue
        pattern = re.compile(
            re.escape(stem) + "_" + "".join(c if c.isdigit() else "([0-9])" for c in suffix)
        )
        at = [c for c in suffix if c.isalpha()].index(letter)
        digits = sorted(
            {int(mm.group(at + 1)) for n in names if (mm := pattern.fullmatch(n)) is not None}
        )
        if digits:
            found[m.group(0)] = range(digits[0], digits[-1] + 1)
    return found


def _ranges(letters_here, text, names, letters, given: Mapping[str, range]) -> dict[str, range]:
    out = {}
    for c in sorted(letters_here):
        if c in given:
            out[c] = given[c]
            continue
        found = _range_of(c, text, names, letters)
        spans = set(found.values())
        if not spans:
            raise ExprError(
                f"cannot tell what values the index {c} takes in {text.strip()!r}: give values "
                f"to names with it (x_1, x_2 for x_{c}) or its range with --range {c}=1..2"
            )
        if len(spans) > 1:
            told = ", ".join(f"{n} has {c} = {r.start}..{r.stop - 1}" for n, r in found.items())
            raise ExprError(
                f"the index {c} is ambiguous in {text.strip()!r}: {told}; give its range with "
                f"--range {c}=1..N"
            )
        out[c] = spans.pop()
    return out


def _sum_end(text: str, start: int) -> int:
    """Where the term that a Σ before ``start`` sums ends."""
    depth, i = 0, start
    while i < len(text) and text[i] == " ":
        i += 1
    began = i
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif c in "+-−;" and depth == 0 and i > began and text[i - 1] not in "*/^(eE":
            break
        i += 1
    return i


def expand_sums(
    text: str, names: Collection[str], letters: Collection[str], given: Mapping[str, range]
) -> str:
    """The text with every Σ_k (innermost first) written out as a sum in brackets."""
    for _ in range(100):
        matches = list(_SUM.finditer(text))
        if not matches:
            return text
        m = matches[-1]
        k = m.group(1)
        if text[m.end() : m.end() + 1] == "(" and m.group(0).startswith("sum"):
            close = _sum_end(text, m.end() + 1)
            body, end = text[m.end() + 1 : close], close + 1
        else:
            end = _sum_end(text, m.end())
            body = text[m.end() : end]
        span = _ranges({k}, body, names, letters, given)[k]
        body = body.strip()
        wrap = "({})" if _sum_end(body, 0) < len(body) else "{}"  # a sum in a sum: brackets
        parts = [wrap.format(substitute(body, {k: v}, letters)) for v in span]
        text = text[: m.start()] + "(" + " + ".join(parts) + ")" + text[end:]
    raise ExprError("too many sums in one statement")


def expand(text: str, names: Collection[str], ranges: Mapping[str, range] | None = None) -> str:
    """The program's text with its index notation unrolled; unchanged without any.

    Args:
        text: the statements.
        names: the names given values (they tell the ranges).
        ranges: ranges given by hand, by letter.

    Raises:
        ExprError: for an index whose range cannot be told, or is ambiguous.
    """
    if "{" in text or "[" in text:
        text = plain_names(text)  # w_{jk}, a^{2}_{j} and W[j,k] as the names w_jk, a2_j, W_jk
    letters = index_letters(text)
    if not letters:
        return text
    given = dict(ranges or {})
    known = set(names)
    out = []
    for piece in [p for p in re.split(r"[;\n\r]", text) if p.strip()]:
        m = _ASSIGN.match(piece)
        free = {c for c in m.group(2) if c.isalpha()} if m else set()
        if m and not all(c in letters for c in free):
            free = set()
        try:
            spans = _ranges(free, piece, known, letters, given) if free else {}
        except ExprError:
            if _SUM.search(piece) is not None:
                raise
            spans = {}  # a_out = ...: a plain name, not one statement per index value
        combos = list(itertools.product(*(spans[c] for c in sorted(spans))))
        if len(combos) > MAX_INSTANCES:
            raise ExprError(f"{piece.strip()!r} unrolls to {len(combos)} statements, too many")
        for combo in combos or [()]:
            values = dict(zip(sorted(spans), combo))
            one = substitute(piece, values, letters)
            one = expand_sums(one, known, letters, given)
            out.append(one.strip())
            lhs = _LHS.match(one)
            if lhs:
                known.add(lhs.group(1))
    return "\n".join(out)


_LHS = re.compile(r"\s*([A-Za-z_]\w*)\s*=(?!=)")


def instances(
    pattern: str,
    names: Collection[str],
    letters: Collection[str],
    given: Mapping[str, range] | None = None,
) -> list[dict[str, int]]:
    """The index values a name with index letters (``w_jk``) takes among ``names``: one
    dict per name that exists (``{"j": 1, "k": 2}`` for w_12)."""
    m = _INDEXED.fullmatch(pattern.strip())
    if not m or not _letters_in(m.group(2), letters):
        return []
    stem, suffix = m.group(1), m.group(2)
    regex = re.compile(
        re.escape(stem) + "_" + "".join(c if c.isdigit() else "([0-9])" for c in suffix)
    )
    order = [c for c in suffix if c.isalpha()]
    out = []
    for n in sorted(names):
        mm = regex.fullmatch(n)
        if mm is None:
            continue
        values = {}
        for c, d in zip(order, mm.groups()):
            if values.setdefault(c, int(d)) != int(d):
                break
        else:
            if all(c not in (given or {}) or values[c] in given[c] for c in values):
                out.append(values)
    return out
