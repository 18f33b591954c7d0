"""Forgiving input: the text a learner types, rewritten as Python source for :mod:`ast`.

What a graphing calculator or a web page gives is accepted: ``^`` for powers, look-alike
minus signs, ``·`` and ``×`` for products, ``÷``, ``²`` ``³``, ``√x``, ``|x|``, vulgar
fractions, subscript digits in names, square brackets for grouping, ``π``, implicit products
(``2x``, ``(a+b)(c+d)``, ``x(1-x)`` for a value x) and powers of functions (``tanh²(z)``).
The rewrite keeps, for every character of the source, the column of the typed text it came
from, so an error points at what the learner typed. See :class:`~.source.Source`.
"""

from __future__ import annotations

import keyword
import re
import unicodedata

from .functions import (
    ALIASES,
    DERIVATIVES,
    FUNCTIONS,
    MULTI_FUNCTIONS,
    NOT_BUILT_IN,
    PRIME,
    SYNONYMS,
)

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"  # ‐ ‑ ‒ – — − ﹣ －
_TIMES = "\u00b7\u00d7\u22c5\u2219\u2217"  # · × ⋅ ∙ ∗
_FOLD = {
    "^": "**",
    "\u00f7": "/",  # ÷
    "\u2215": "/",  # ∕
    "\u2044": "/",  # ⁄ (fraction slash)
    **{c: "-" for c in _DASHES},
    **{c: "*" for c in _TIMES},
}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-"))
# ½ is (1/2): a number in brackets, so ½x and x^½ read as they look
_FRACTIONS = {
    c: "(" + unicodedata.normalize("NFKC", c).replace("\u2044", "/") + ")"
    for c in "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
}
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789"))
# (a dash left in a token is an exponent's sign: 1e−3, as the tables print it)
_ONE_FOR_ONE = str.maketrans(
    {**_SUPERSCRIPTS, **_SUBSCRIPTS, "[": "(", "]": ")", **{c: "-" for c in _DASHES}}
)
_PAIRS = ("()", "[]", "{}")
_PI = "π"  # a name of its own, even inside a word: 2πx is 2*π*x
_TO_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_TO_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_PRIMES = "'\u2032\u2019"  # ' ′ ’
_NUMBER = re.compile(
    rf"(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+\-{_DASHES}]?[0-9][0-9_]*)?"
)
_RELU_DERIVATIVE = (
    "relu'(x) is 1 where x > 0 and 0 where x < 0: write the number it has at your values "
    "(or leave the factor out where it is 1)"
)


# LaTeX's indices: w_{11}, a^{2}_{1}, w^2_{11} (a superscript alone, a^{2}, is a power)
_INDEXED = re.compile(r"([^\W\d_][^\W_]*)(?:\^\{(\w+)\}|\^([0-9]+))?_\{(\w+)\}")
_LATEX = re.compile(r"\\(sigma|cdot|times|tanh|exp|log|ln|sqrt)(?![A-Za-z])")
_LATEX_WORDS = {
    "sigma": "σ",
    "cdot": "*",
    "times": "*",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "ln": "ln",
    "sqrt": "sqrt",
}
_LATEX_OPS = ("cdot", "times")


def _plain_name(m: re.Match) -> str:
    """The plain name of a LaTeX-indexed one: w_{11} is w_11, a^{2}_{1} is a2_1."""
    name, upper, lower = m.group(1), m.group(2) or m.group(3) or "", m.group(4)
    return f"{name}{upper}_{lower}"


# a matrix's entry: W[1,2] is the name W_12, W[j,k] the indexed name W_jk
_BRACKETED = re.compile(r"([^\W\d_][^\W_]*)\[\s*([0-9a-z])\s*,\s*([0-9a-z])\s*\]")


def plain_names(text: str) -> str:
    """The text with LaTeX-indexed names and matrix entries made plain (``a^{2}_{1}`` is
    ``a2_1``, ``W[1,2]`` is ``W_12``), padded with spaces to its length, so the columns
    after it stay where they were."""
    out = _INDEXED.sub(_plain_name, text)
    out = _BRACKETED.sub(lambda m: f"{m.group(1)}_{m.group(2)}{m.group(3)}", out)
    return out + " " * (len(text) - len(out))


def _nielsen(name: str, upper: str, lower: str) -> str:
    """What to write for Nielsen's notation, as in "for Nielsen's w²₁₁ write the name w2_11"."""
    typed = name + upper.translate(_TO_SUPERSCRIPT) + lower.translate(_TO_SUBSCRIPT)
    return f"for Nielsen's {typed} write the name {name}{upper}_{lower}"


def _library_name(name: str) -> str | None:
    """The library function a name stands for (σ, sigma and Tanh included), or None."""
    name = unicodedata.normalize("NFKC", name)
    if "Σ" in name:
        return None  # a sum, never sigmoid's σ in capitals
    name = ALIASES.get(name, name)
    low = name.lower()
    if low in FUNCTIONS:
        return low
    return SYNONYMS.get(low)


def _bracketed(text: str, open_at: int, longest: int = 40) -> str:
    """The text inside the bracket opening at ``open_at``, or "x" when it is not closed or
    longer than ``longest`` (a message shows it)."""
    depth = 0
    for i in range(open_at, min(len(text), open_at + longest + 2)):
        depth += text[i] in "(["
        depth -= text[i] in ")]"
        if depth == 0:
            return text[open_at + 1 : i].strip() or "x"
    return "x"


class _Rewriter:
    """Turns the typed text into Python source, with the typed column of each character.

    Read in four passes over a list of tokens ``(kind, start, end)``, none recursive:

    1. :meth:`tokenize`: numbers, names, brackets, bars ``|``, roots ``√``, superscripts;
       then :meth:`move_function_powers` moves the power of ``tanh²(z)`` after its bracket;
    2. :meth:`match_bars`: each ``|`` is opening or closing, from what comes before it (a
       bar right after an operand closes the innermost open bar, if any);
    3. :meth:`find_roots`: where the operand of each ``√`` ends (a number, a name, a call,
       a bracket or a ``|...|``, or another root);
    4. :meth:`find_products` and :meth:`emit`: a ``*`` between an operand and what starts
       another one (``2x``, ``2(x+1)``, ``(a+b)(c+d)``, ``x(1-x)`` when x is a value).
    """

    def __init__(self, text: str, values: frozenset[str], fail):
        self.text = text
        self.values = values
        self.fail = fail  # fail(reason, start, end) -> ExprError
        self.toks: list[tuple[str, int, int]] = []
        self.role: dict[int, str] = {}  # bar -> "open" or "close"
        self.match: dict[int, int] = {}  # opening bracket or bar -> its closer
        self.opener: dict[int, int] = {}  # and back
        self.closers: dict[int, int] = {}  # token -> how many ')' follow it
        self.star_before: set[int] = set()
        self.power_at: dict[int, int] = {}  # a moved power token -> the column it stands for
        self.rename: dict[int, str] = {}  # a token -> the source it stands for (σ' -> sigmoidʹ)
        self.braces: list[str] = []  # LaTeX braces open: "plain" (a^{2}), "num", "den"
        self.denominator = False  # a \frac's numerator closed: its denominator's { is next
        self.slash_before: set[int] = set()  # a \frac's denominator: / before it

    def run(self) -> tuple[str, list[int]]:
        self.tokenize()
        self.move_function_powers()
        self.sig = [t for t, tok in enumerate(self.toks) if tok[0] != "space"]
        self.pos = {t: k for k, t in enumerate(self.sig)}  # token -> significant index
        self.match_bars()
        self.find_roots()
        self.find_products()
        return self.emit()

    def tokenize(self) -> None:
        text, n, i = self.text, len(self.text), 0
        while i < n:
            c, j = text[i], i + 1
            if c.isspace():
                kind = "space"
            elif c in _FOLD:
                kind = "op"
            elif c in _SUPERSCRIPTS:
                kind = "sup"
                while j < n and text[j] in _SUPERSCRIPTS:
                    j += 1
            elif c in "√|()[]" or self.latex_brace(c, i):
                kind = {"√": "root", "|": "bar", "(": "open", ")": "close"}.get(c)
                kind = kind or ("open" if c in "[{" else "close")
            elif c == _PI:
                kind = "name"
            elif c in _FRACTIONS:
                kind = "num"
                self.refuse_mixed_number(i)
            elif c in "0123456789" or (c == "." and text[j : j + 1].isdigit()):
                kind, j = "num", _NUMBER.match(text, i).end()
                self.refuse_digit_separator(i, j)
            elif c in _SUBSCRIPTS:
                self.refuse_subscript(i)
            elif c == "\\" and self.fraction(i):
                kind, j = "open", self.text.index("{", i) + 1
            elif c == "\\" and _LATEX.match(text, i):
                kind, j = self.latex_word(i)
            elif c == "_" or c.isidentifier():
                kind, j = self.name_token(i)
            elif c in "'\"":
                # kept whole, so nothing inside is rewritten; the compiler refuses strings
                close = text.find(c, j)
                kind, j = "str", (n if close < 0 else close + 1)
            else:
                kind = "op"
            self.toks.append((kind, i, j))
            i = j

    def name_token(self, i: int) -> tuple[str, int]:
        """The name (or keyword) starting at column i: its token kind and where it ends."""
        text = self.text
        m = _INDEXED.match(text, i)
        if m:
            # w_{11} and a^{2}_{1}, as LaTeX writes indices: the plain names w_11, a2_1
            self.rename[len(self.toks)] = _plain_name(m)
            return "name", m.end()
        m = _BRACKETED.match(text, i)
        if m:
            self.rename[len(self.toks)] = f"{m.group(1)}_{m.group(2)}{m.group(3)}"
            return "name", m.end()
        j = self.name_end(i)
        if text[i] == "_":
            self.refuse_nielsen_indices(i, j)
        kind = "kw" if keyword.iskeyword(text[i:j]) else "name"
        return kind, self.derivative(i, j)

    def latex_word(self, i: int) -> tuple[str, int]:
        """A LaTeX word (``\\sigma``, ``\\cdot``) read as what it means, with a derivative's
        prime (``\\sigma'(z)``): its token kind and where it ends."""
        m = _LATEX.match(self.text, i)
        word, j = m.group(1), m.end()
        if word in _LATEX_OPS:
            self.rename[len(self.toks)] = "*"
            return "op", j
        self.rename[len(self.toks)] = _LATEX_WORDS[word]
        function = _library_name(_LATEX_WORDS[word])
        primed = self.text[j : j + 1] in tuple(_PRIMES)
        if primed and self.text[j + 1 :].lstrip().startswith("("):
            if function is not None and function + PRIME in DERIVATIVES:
                self.rename[len(self.toks)] = function + PRIME
                return "name", j + 1
        return "name", j

    def latex_brace(self, c: str, i: int) -> bool:
        """Whether a brace groups as LaTeX's do: ``a^{2}`` and ``\\frac{a}{b}`` (any other
        brace is refused). A fraction's denominator gets a ``/`` before it, and its
        closing brace closes the bracket the fraction opened."""
        t = len(self.toks)  # the token this brace will be
        if c == "{" and (self.text[:i].rstrip().endswith("^") or self.denominator):
            self.braces.append("den" if self.denominator else "plain")
            if self.denominator:
                self.slash_before.add(t)
            self.denominator = False
            return True
        if c == "}" and self.braces:
            kind = self.braces.pop()
            if kind == "num":
                self.denominator = self.text[i + 1 :].lstrip().startswith("{")
            elif kind == "den":
                self.rename[t] = "))"
            return True
        return False

    def fraction(self, i: int) -> tuple[str, int] | None:
        """``\\frac{`` at column i, as the opening of a fraction, or None."""
        m = re.compile(r"\\frac\s*\{").match(self.text, i)
        if m is None:
            return None
        self.braces.append("num")
        self.rename[len(self.toks)] = "(("
        return "open", m.end()

    def name_end(self, start: int) -> int:
        """Where the name starting at ``start`` ends. Subscript digits are part of it (w₁ is
        w1), and a letter after them starts another name (w₁x is w1 times x)."""
        text, j = self.text, start + 1
        while j < len(text):
            c = text[j]
            if c not in _SUBSCRIPTS:
                if c in _FOLD or c == _PI or not ("a" + c).isidentifier():
                    break
                if text[j - 1] in _SUBSCRIPTS and c.isalpha():
                    break
            j += 1
        return j

    def superscript_of_a_name(self, at: int) -> tuple[str, str] | None:
        """The name and the superscript typed right before column ``at`` (``w²`` before
        ``₁₁`` or ``_11``), or None."""
        if len(self.toks) < 2:
            return None
        (kind, s, e), (sup, s2, e2) = self.toks[-2], self.toks[-1]
        if kind != "name" or sup != "sup" or e != s2 or e2 != at:
            return None
        return self.text[s:e], self.text[s2:e2]

    def refuse_nielsen_indices(self, start: int, end: int) -> None:
        """Refuse ``w²_11``: w squared times a name _11, where Nielsen's w²₁₁ was meant."""
        typed = self.superscript_of_a_name(start)
        if typed is None:
            return
        name, sup = typed
        lower = self.text[start + 1 : end].translate(_ONE_FOR_ONE)
        raise self.fail(
            f"{name}{sup}_{lower} reads as {name}{sup} times a name _{lower}; "
            + _nielsen(name, sup.translate(_ONE_FOR_ONE), lower),
            start - len(name) - len(sup),
            end,
        )

    def refuse_mixed_number(self, at: int) -> None:
        """Refuse ``2½``: a number right before a fraction is a sum in print, not a product."""
        before = [tok for tok in self.toks if tok[0] != "space"]
        if not before or before[-1][0] != "num":
            return
        _, s, _ = before[-1]
        number, fraction = self.text[s : before[-1][2]], self.text[at]
        raise self.fail(
            f"{number}{fraction} can be read two ways: write {number} + {fraction} for the "
            f"mixed number, or {number}*{fraction} for the product",
            s,
            at + 1,
        )

    def refuse_subscript(self, start: int) -> None:
        """Refuse a subscript digit that does not follow a name: ``w²₁₁`` or ``x + ₁``."""
        end = start
        while end < len(self.text) and self.text[end] in _SUBSCRIPTS:
            end += 1
        typed = self.superscript_of_a_name(start)
        if typed is None:
            raise self.fail(
                "a subscript digit belongs right after a name, as in x₁ (read as x1)",
                start,
                end,
            )
        name, sup = typed
        lower = self.text[start:end].translate(_ONE_FOR_ONE)
        raise self.fail(
            f"{name}{sup}{self.text[start:end]} would read as {name}{sup} (a power) followed "
            "by indices; " + _nielsen(name, sup.translate(_ONE_FOR_ONE), lower),
            start - len(name) - len(sup),
            end,
        )

    def derivative(self, start: int, end: int) -> int:
        """Read ``σ'(z)``, ``tanh'(z)``, ``relu'(z)`` as the derivatives the reports print
        (a call of ``sigmoidʹ``): where the name with its prime ends. Refuse any other
        ``s'(x)``, a prime after a name and then a bracket, saying how to write it."""
        text, k = self.text, end
        while k < len(text) and text[k] in _PRIMES:
            k += 1
        if k == end or not text[k:].lstrip().startswith("("):
            return end
        function = _library_name(text[start:end])
        function = "log" if function == "ln" else function
        if k == end + 1 and function is not None and function + PRIME in DERIVATIVES:
            self.rename[len(self.toks)] = function + PRIME
            return k
        self.refuse_derivative(start, end, k)
        return end

    def refuse_derivative(self, start: int, end: int, k: int) -> None:
        """Refuse ``s'(x)``: a derivative of a function the reader does not know one of."""
        text = self.text
        name, typed = text[start:end], text[start:k]
        arg = _bracketed(text, text.index("(", k))
        head = f"{typed}({arg}) is a derivative, which a formula does not take for you"
        function = _library_name(name)
        if function == "relu":
            raise self.fail(f"{head}: {_RELU_DERIVATIVE}", start, k)
        raise self.fail(
            f"{head}: write the derivative of {name} out, or define it with --define, "
            f"e.g. d{name}(x)=..., and write d{name}({arg})",
            start,
            k,
        )

    def refuse_digit_separator(self, start: int, end: int) -> None:
        """Refuse ``2_11``: Python reads it as 211, so Nielsen's ``w^2_11`` would be w**211."""
        number = self.text[start:end]
        if "_" not in number:
            return
        value = number.replace("_", "")
        before = [tok for tok in self.toks if tok[0] != "space"]
        words = [self.text[s:e] for _, s, e in before[-3:]]
        power = "^" if words[-1:] == ["^"] else "**" if words[-2:] == ["*", "*"] else ""
        base = before[-1 - len(power)] if power and len(before) > len(power) else None
        if base is None or base[0] not in ("name", "num"):
            head = f"{number} reads as the number {value}"
            fix = f"write {value} for that number, or a name with a letter first, as in w{number}"
        else:
            name = self.text[base[1] : base[2]]
            head = f"{name}{power}{number} reads as {name} to the power {value}"
            indices = re.fullmatch(r"([0-9]+)_([0-9]+)", number)
            if base[0] == "name" and indices:
                fix = _nielsen(name, *indices.groups())
            else:
                fix = f"write {name}^{value} if that power is meant"
        raise self.fail(
            f"{head}: an underscore in a number is a digit separator; {fix}", start, end
        )

    def names_function(self, word: str) -> bool:
        """Whether a name before ``²(`` is a function: a library one, or any name that is not
        a value when the values are known (a user definition)."""
        word = unicodedata.normalize("NFKC", word)
        if word in FUNCTIONS or word in MULTI_FUNCTIONS or word in ALIASES:
            return True
        if word.lower() in SYNONYMS or word.lower() in NOT_BUILT_IN:
            return True
        return bool(self.values) and word not in self.values and word != _PI

    def move_function_powers(self) -> None:
        """Read ``tanh²(z)`` and ``tanh^2(z)`` as ``tanh(z)^2``, as books write them, by moving
        the power after the bracket of the call. ``tanh⁻¹(z)`` (the inverse) is refused."""
        toks, text = self.toks, self.text
        sig = [t for t, tok in enumerate(toks) if tok[0] != "space"]
        closer: dict[int, int] = {}
        stack: list[int] = []
        for t in sig:
            if toks[t][0] == "open":
                stack.append(t)
            elif toks[t][0] == "close" and stack:
                closer[stack.pop()] = t
        moved: dict[int, list[int]] = {}  # a closing bracket -> the power tokens after it
        skip: set[int] = set()
        for k, t in enumerate(sig):
            kind, s, e = toks[t]
            if kind != "name" or not self.names_function(text[s:e]):
                continue
            power = sig[k + 1 : k + 2]
            if power and toks[power[0]][0] != "sup":
                power = sig[k + 1 : k + 3]
                digits = text[toks[power[-1]][1] : toks[power[-1]][2]] if power else ""
                if len(power) < 2 or text[toks[power[0]][1]] != "^" or not digits.isdigit():
                    continue
            after = sig[k + 1 + len(power)] if k + 1 + len(power) < len(sig) else None
            if not power or after not in closer:
                continue
            typed = text[s : toks[power[-1]][2]]
            if "⁻" in typed:
                name = text[s:e]
                raise self.fail(
                    f"{typed}(x) usually means the inverse function of {name}, which a "
                    f"formula does not have; for 1/{name}(x) write {name}(x)^-1",
                    s,
                    toks[power[-1]][2],
                )
            moved[closer[after]] = power
            skip.update(power)
        if not moved:
            return
        order: list[int] = []
        for t in range(len(toks)):
            if t not in skip:
                order.append(t)
            for p in moved.get(t, ()):
                self.power_at[len(order)] = toks[t][2]
                order.append(p)
        self.toks = [toks[t] for t in order]

    def kind(self, k: int) -> str:
        """The kind of significant token ``k``, bars told apart: bar-open, bar-close."""
        t = self.sig[k]
        kind = self.toks[t][0]
        return f"bar-{self.role[t]}" if kind == "bar" else kind

    def word(self, k: int) -> str:
        _, s, e = self.toks[self.sig[k]]
        return self.text[s:e]

    def match_bars(self) -> None:
        stack: list[int] = []  # open brackets and bars, as token indices
        after_operand = False
        for t in self.sig:
            kind, s, _ = self.toks[t]
            if kind == "bar":
                if after_operand and stack and self.toks[stack[-1]][0] == "bar":
                    self.role[t] = "close"
                    self.match[stack[-1]], self.opener[t] = t, stack[-1]
                    stack.pop()
                else:
                    self.role[t] = "open"
                    stack.append(t)
                after_operand = self.role[t] == "close"
                continue
            if kind == "open" or self.text[s] in "[{":
                stack.append(t)
            elif kind == "close" or self.text[s] in "]}":
                if stack and self.toks[stack[-1]][0] == "bar":
                    bar = self.toks[stack[-1]][1]
                    raise self.fail(
                        "this | is not closed before the bracket after it closes: write "
                        "|x| for the absolute value of x",
                        bar,
                        s + 1,
                    )
                if stack:
                    self.refuse_mismatch(stack[-1], t)
                    self.match[stack[-1]], self.opener[t] = t, stack[-1]
                    stack.pop()
            after_operand = kind in ("num", "name", "close", "sup") or self.text[s] in "]}"
        for t in stack:
            if self.toks[t][0] == "bar":
                raise self.fail(
                    "this | is never closed: write |x| for the absolute value of x",
                    self.toks[t][1],
                )

    def refuse_mismatch(self, opener: int, closer: int) -> None:
        """Refuse ``[x+1)``: square brackets are read as parentheses, so a pair must match."""
        o, c = self.text[self.toks[opener][1]], self.text[self.toks[closer][1]]
        o = "{" if o == "\\" else o  # \frac{
        if o + c not in _PAIRS:
            raise self.fail(
                f"this {c} closes the {o} before it: close ( with ) and [ with ]",
                self.toks[closer][1],
            )

    def refuse_index(self, k: int) -> None:
        """Refuse ``w[1]``: square brackets group here, so it is not an index."""
        name, (_, s, _) = self.word(k - 1), self.toks[self.sig[k - 1]]
        end = self.toks[self.match.get(self.sig[k], len(self.toks) - 1)][2]
        typed, inner = self.text[s:end], self.text[self.toks[self.sig[k]][2] : end - 1]
        if unicodedata.normalize("NFKC", name) in FUNCTIONS or name in ALIASES:
            fix = f"for a call write {name}({inner})"
        elif inner.strip().isalnum():
            fix = f"for an indexed name write {name}_{inner.strip()} or {name}{inner.strip()}"
        else:
            fix = f"for a product write {name}*[{inner}]"
        raise self.fail(
            f"{typed} is not an index (a formula has no subscripts: square brackets group, "
            f"as parentheses do); {fix}",
            s,
            end,
        )

    def is_call(self, k: int) -> bool:
        """Whether significant token ``k`` is a name called as a function: followed by a
        bracket and not a value (``x(1-x)`` with x a variable is a product)."""
        return (
            self.kind(k) == "name"
            and k + 1 < len(self.sig)
            and self.kind(k + 1) == "open"
            and unicodedata.normalize("NFKC", self.word(k)) not in self.values
            and self.word(k) != _PI
        )

    def operand_end(self, k: int) -> int | None:
        """The token where the operand starting at significant token ``k`` ends, or None
        when no operand starts there. Roots after ``k`` must be resolved already."""
        last = len(self.toks) - 1
        kind, t = self.kind(k), self.sig[k]
        if kind == "num" or (kind == "name" and not self.is_call(k)):
            return t
        if kind == "name":
            end = self.match.get(self.sig[k + 1], last)
            while end + 1 in self.power_at:  # tanh²(x) is one operand: √tanh²(x)
                end += 1
            return end
        if kind in ("open", "bar-open"):
            return self.match.get(t, last)
        if kind == "root":
            return self.root_end.get(t)
        return None

    def find_roots(self) -> None:
        self.root_end: dict[int, int] = {}
        # right to left, so the end of √√x is known from the end of √x
        for k in range(len(self.sig) - 1, -1, -1):
            t = self.sig[k]
            if self.toks[t][0] != "root":
                continue
            end = self.operand_end(k + 1) if k + 1 < len(self.sig) else None
            if end is None:
                raise self.fail(
                    "√ needs what it takes the root of right after it: √x, √2 or √(x+1)",
                    self.toks[t][1],
                )
            self.root_end[t] = end
            self.closers[end] = self.closers.get(end, 0) + 1

    def operand_start(self, k: int) -> int:
        """The first significant token of the operand that ends at significant token k."""
        while True:
            kind = self.kind(k)
            if kind == "sup" and k > 0:
                k -= 1
                continue
            if kind in ("close", "bar-close") and self.sig[k] in self.opener:
                k = self.pos[self.opener[self.sig[k]]]
                if kind == "close" and k > 0 and self.is_call(k - 1):
                    k -= 1
            while k > 0 and self.kind(k - 1) == "root":
                k -= 1
            return k

    def find_products(self) -> None:
        for k in range(1, len(self.sig)):
            left, right = self.kind(k - 1), self.kind(k)
            if left == "name" and self.word(k) == "[":
                self.refuse_index(k)
            if left not in ("num", "name", "close", "sup", "bar-close"):
                continue
            if right not in ("name", "open", "root", "bar-open"):
                continue
            if left == "name" and right == "open" and self.is_call(k - 1):
                continue
            self.refuse_ambiguous(k)
            self.star_before.add(self.sig[k])

    def refuse_ambiguous(self, k: int) -> None:
        """Refuse an implicit product right after ``/`` or a power: ``1/2x``, ``e^2x``."""
        start = self.operand_start(k - 1)
        if start > 0 and self.sig[start - 1] in self.power_at:
            return  # tanh^2(z)(y): the power of a call, moved after it, then a product
        op = self.word(start - 1) if start > 0 else ""
        if op == "*" and start > 1 and self.word(start - 2) == "*":
            op = "**"
        elif _FOLD.get(op, op) != "/" and op != "^":
            return
        first = self.toks[self.sig[start]][1]  # where the left operand of the product starts
        before = start - 1 - len(op)  # the token before the operator
        if before >= 0 and self.kind(before) in ("num", "name", "close", "sup", "bar-close"):
            first = self.toks[self.sig[self.operand_start(before)]][1]
        op_at = self.toks[self.sig[start - 1]][2]
        end = self.operand_end(k)
        end = self.sig[k] if end is None else end
        right = self.text[self.toks[self.sig[k]][1] : self.toks[end][2]]
        # the typed end of the left operand (a moved power of a call is typed inside it)
        lhs = self.text[op_at : max(self.toks[self.sig[i]][2] for i in range(start, k))]
        whole = self.text[first : self.toks[end][2]]
        head = self.text[first:op_at]
        raise self.fail(
            f"'{whole}' can be read two ways: write {head}({lhs.strip()}*{right}) if the "
            f"whole product is meant, or {head}{lhs.strip()}*{right}",
            first,
            self.toks[end][2],
        )

    def emit(self) -> tuple[str, list[int]]:
        src: list[str] = []
        where: list[int] = []
        for t, (kind, s, e) in enumerate(self.toks):
            typed = self.text[s:e]
            if t in self.slash_before:  # \frac{a}{b}: the denominator
                src.append("/")
                where.append(s)
            elif t in self.star_before:
                src.append("*")
                where.append(s)
            # a power moved after its call's bracket stands for the end of the call
            at = self.power_at.get(t, s)
            if kind == "root":
                out = "sqrt("
            elif kind == "bar":
                out = "abs(" if self.role[t] == "open" else ")"
            elif kind == "op" and typed in _FOLD:
                out = _FOLD[typed]
            elif kind == "num" and typed in _FRACTIONS:
                out = _FRACTIONS[typed]
            elif kind == "sup":
                out = "**"
            elif t in self.rename:
                out = self.rename[t]
            elif kind in ("open", "close") and typed in "{}":
                out = "(" if typed == "{" else ")"
            else:
                out = None
            if out is not None:
                src.append(out)
                where += [at] * len(out)
            if out is None or kind == "sup":  # the typed characters, one for one
                src.append(typed if kind == "str" else typed.translate(_ONE_FOR_ONE))
                where.extend(range(s, e))
            n = self.closers.get(t, 0)
            src.append(")" * n)
            where += [e] * n
        where.append(len(self.text))
        return "".join(src), where
