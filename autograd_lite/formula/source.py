"""The text of a formula before and after :mod:`ast` reads it: checks, positions, errors.

Everything here is about *where* in the typed text something is: the checks that run on the
raw characters before the parser sees them, the map from Python source offsets back to
columns of the text (``^`` is typed as one character but parsed as ``**``), and
:class:`ExprError`, whose message shows the formula with a caret line under the place.
The public names are re-exported by :mod:`autograd_lite.formula.reader`.
"""

from __future__ import annotations

import ast
import unicodedata
from collections.abc import Collection

from .errors import ExprError
from .functions import FUNCTIONS, MULTI_FUNCTIONS
from .rewrite import _Rewriter

__all__ = ["ExprError", "MAX_LENGTH", "MAX_NESTING", "MAX_DEPTH"]

MAX_LENGTH = 5000
MAX_NESTING = 100
MAX_DEPTH = 200

_QUOTES = "'\""


# --- checking the raw text ----------------------------------------------------------------


def as_text(text: object) -> str:
    """The formula as ``str``: bytes are decoded as UTF-8, anything else is refused."""
    if isinstance(text, (bytes, bytearray)):
        try:
            return bytes(text).decode("utf-8")
        except UnicodeDecodeError as err:
            raise ExprError(
                f"the formula is not valid UTF-8 text (byte {err.start + 1} cannot be decoded)"
            ) from None
    if not isinstance(text, str):
        raise ExprError(f"a formula must be text, got {type(text).__name__}")
    return text


def check_text(text: str) -> None:
    """Refuse what must never reach the parser: huge, empty, odd characters, ``#``.

    The length is checked first, so a huge text is refused before any character is read.
    Nesting is checked later, on the Python source (see :class:`Source`).
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are accepted",
            text,
            MAX_LENGTH,
            len(text),
        )
    if not text.strip():
        raise ExprError("the formula is empty: type an expression such as  x*w + b")
    for i, c in enumerate(text):
        if 0xD800 <= ord(c) <= 0xDFFF:
            raise ExprError("the formula is not valid UTF-8 text (an undecodable byte)", text, i)
        if not c.isprintable():
            raise ExprError(
                f"the formula contains the control character {c!r}; write it on one line", text, i
            )
        if c == "#":
            # Python would read the rest of the line as a comment and silently drop it
            raise ExprError(
                "'#' is not part of a formula (everything after it would be ignored); "
                "remove it, and write what follows as part of the formula",
                text,
                i,
            )


# --- parsing ------------------------------------------------------------------------------


class Source:
    """The typed text, its Python source and the map between them.

    Forgiving input is read here, by rewriting the text as Python source: ``^`` is ``**``;
    dashes such as ``−`` are minus; ``· × ⋅ ∙ ∗`` are products and ``÷ ∕ ⁄`` division;
    ``½ ⅓ ¼ ¾ ⅔`` (and the other vulgar fractions) are the fractions in brackets, (1/2);
    superscripts after a name, number or bracket are powers: ``x²``, ``x³``, ``x⁴``,
    ``x¹⁰``, ``x⁻¹``; a power of a function is the power of its value, as books write it:
    ``tanh²(z)`` and ``tanh^2(z)`` are ``tanh(z)^2`` (``tanh⁻¹(z)``, the inverse in many
    books, is refused). Subscript digits are part of a name: ``w₁₂`` is ``w12``, and a
    letter after them starts another name (``w₁x`` is w1 times x); Nielsen's ``w²₁₁`` and
    ``w^2_11`` (which Python reads as w to the power 211) are refused with the name to
    write, ``w2_11``. ``π`` is pi and a name of its own (``2πx`` is 2*π*x). Square brackets
    group as parentheses do (``[(a-y)*a]*x``; ``w[1]`` is refused: it is not an index).
    ``√x``, ``√2``, ``√(x+1)`` are square roots of what follows right after (``√x²`` is
    (√x)²; write √(x²) for the other); ``|x|`` is ``abs(x)``, bars nesting as in
    ``|x - |y||``. A ``*`` is put between an
    operand and what starts another: ``2x``, ``2 x``, ``2(x+1)``, ``(a+b)(c+d)``,
    ``(x+1)w2``, ``|a||b|``, and ``x(1-x)`` when x is one of ``values`` (a variable or a
    parameter; otherwise it is a call). Never before a number (``x 2`` stays an error), and
    never right after ``/`` or a power, where it could be read two ways (``1/2x``,
    ``e^2x``): those are refused with both readings. ``1e-3``, ``1e−3`` (as the tables print
    it) and ``2.5e+3`` are numbers;
    ``2e`` is 2*e.

    Args:
        text: what was typed (without a leading ``name =``).
        base: where ``text`` starts inside ``shown`` (for definitions and named formulas).
        shown: the whole text shown in error messages (``text`` by default).
        values: the names that are values, not functions: the variables of a formula or
            the parameters of a definition.

    Raises:
        ExprError: for a ``|`` never closed, a ``√`` with nothing after it, a derivative
            typed as ``s'(x)``, an ambiguous implicit product, an underscore in a number,
            brackets that do not pair up, or brackets or signs nested
            more than ``MAX_NESTING`` deep (checked before the parser sees them: CPython's
            parser can fail with MemoryError or RecursionError on deep input).
    """

    def __init__(
        self,
        text: str,
        base: int = 0,
        shown: str | None = None,
        *,
        values: Collection[str] = (),
    ):
        self.text = text
        self.base = base  # where this text starts inside `shown` (for definitions)
        self.shown = shown if shown is not None else text
        functions = set(FUNCTIONS) | set(MULTI_FUNCTIONS)
        self.values = frozenset(unicodedata.normalize("NFKC", v) for v in values) - functions
        self.src, self.where = _Rewriter(text, self.values, self._fail).run()
        self.src_bytes = self.src.encode("utf-8")
        self._check_nesting()

    def _fail(self, reason: str, start: int, end: int | None = None) -> ExprError:
        return self.error(reason, start=start, end=end)

    def _check_nesting(self) -> None:
        depth, signs = 0, 0
        for i, c in enumerate(self.src):
            if c in "([{":
                depth += 1
                if depth > MAX_NESTING:
                    raise self.error(
                        f"parentheses are nested more than {MAX_NESTING} deep "
                        "(counting |x| and √ as parentheses)",
                        start=self.where[i],
                    )
            elif c in ")]}":
                depth -= 1
            if c in "+-~":
                signs += 1
                if signs > MAX_NESTING:
                    raise self.error(f"more than {MAX_NESTING} signs in a row", start=self.where[i])
            elif not c.isspace():
                signs = 0

    def span(self, node: ast.AST) -> tuple[int, int]:
        """The character range of ``node`` in the shown text (end exclusive)."""
        start = self._char(getattr(node, "col_offset", 0))
        end = self._char(getattr(node, "end_col_offset", None) or 0)
        return start, max(end, start + 1)

    def _char(self, byte_offset: int) -> int:
        # ast offsets count UTF-8 bytes of the source; map to characters of the text
        chars = len(self.src_bytes[:byte_offset].decode("utf-8", "replace"))
        return self.base + self.where[min(chars, len(self.where) - 1)]

    def error(
        self,
        reason: str,
        node: ast.AST | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> ExprError:
        """An :class:`ExprError` pointing at ``node``, or at the characters ``start`` to
        ``end`` of the text (end exclusive; one character when not given)."""
        if node is not None:
            s, e = self.span(node)
            return ExprError(reason, self.shown, s, e)
        if start is not None:
            stop = None if end is None else self.base + end
            return ExprError(reason, self.shown, self.base + start, stop)
        return ExprError(reason, self.shown)


def parse_tree(source: Source) -> ast.expr:
    """Parse the source as one Python expression, at most ``MAX_DEPTH`` deep.

    A string that stops the parser is reported as a string. A string that parses is left
    to the compiler, so that ``__import__('os')`` is reported for its name first.
    """
    try:
        tree = ast.parse(source.src, mode="eval")
    except SyntaxError as err:
        quote = next((i for i, c in enumerate(source.text) if c in _QUOTES), None)
        if quote is not None:
            raise source.error("strings are not part of a formula", start=quote) from None
        col = (err.offset or 1) - 1
        chars = len(source.src_bytes[:col].decode("utf-8", "replace")) if col >= 0 else 0
        chars = min(chars, len(source.where) - 1)
        msg = (err.msg or "invalid syntax").replace("Perhaps you forgot a comma?", "").strip()
        if "limit" in msg and "digits" in msg:
            msg = "a number has too many digits"
        elif "=" in source.text:
            msg += " ('=' belongs in a definition such as s(x)=1/(1+exp(-x)), given separately)"
        raise ExprError(
            f"cannot read the formula: {msg}", source.shown, source.base + source.where[chars]
        ) from None
    except (RecursionError, MemoryError, ValueError, OverflowError):
        raise ExprError(
            "the formula is too deeply nested or too large to read", source.shown
        ) from None
    # measured with an explicit stack, as everything that walks the tree
    stack = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise source.error(
                f"the formula is more than {MAX_DEPTH} operations deep (nested calls, or a "
                "very long chain of operations); split it with definitions",
                node,
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree.body
