"""The text of a formula before and after :mod:`ast` reads it: checks, positions, errors.

Everything here is about *where* in the typed text something is: the checks that run on the
raw characters before the parser sees them, the map from Python source offsets back to
columns of the text (``^`` is typed as one character but parsed as ``**``), and
:class:`ExprError`, whose message shows the formula with a caret line under the place.
The public names are re-exported by :mod:`autograd_lite.formula.reader`.
"""

from __future__ import annotations

import ast

__all__ = ["ExprError", "MAX_LENGTH", "MAX_NESTING", "MAX_DEPTH"]

MAX_LENGTH = 5000
MAX_NESTING = 100
MAX_DEPTH = 200

_QUOTES = "'\""


class ExprError(ValueError):
    """A formula that cannot be read or evaluated.

    Attributes:
        reason: what is wrong, in words.
        text: the formula.
        start, end: the character range the error is about (0-based, end exclusive), or
            None when it is about the whole text.

    ``str()`` gives the reason, the formula and a caret line under the place.

    Example:
        >>> print(ExprError("unknown variable 'z'", "x + z", 4))
        unknown variable 'z' (at column 5)
          x + z
              ^
    """

    def __init__(
        self, reason: str, text: str = "", start: int | None = None, end: int | None = None
    ):
        self.reason = reason
        self.text = text
        self.start = start
        self.end = (
            end
            if end is not None and start is not None and end > start
            else (None if start is None else start + 1)
        )
        super().__init__(self._message())

    def _message(self) -> str:
        if not self.text or self.start is None:
            return self.reason
        shown = printable(self.text)
        start = min(self.start, len(shown))
        end = max(min(self.end or start + 1, len(shown) + 1), start + 1)
        col = start + 1
        if len(shown) > 80:
            # show a window around the place, so a long formula still fits a terminal line
            lo = max(0, start - 30)
            hi = min(len(shown), max(end, start + 1) + 40, lo + 80)
            shown = ("…" if lo else "") + shown[lo:hi] + ("…" if hi < len(self.text) else "")
            shift = lo - (1 if lo else 0)
            start, end = start - shift, min(end - shift, len(shown))
        caret = " " * start + "^" * max(end - start, 1)
        return f"{self.reason} (at column {col})\n  {shown}\n  {caret}"


# Users catch it as autograd_lite.expr.ExprError; tracebacks should name that place.
ExprError.__module__ = "autograd_lite.formula.reader"


def printable(text: str) -> str:
    """The text with control and unencodable characters shown as '?', one per character."""
    out = []
    for c in text:
        if c.isprintable() and not 0xD800 <= ord(c) <= 0xDFFF:
            out.append(c)
        else:
            out.append("?")
    return "".join(out)


# --- checking the raw text ----------------------------------------------------------------


def as_text(text) -> str:
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
    """Refuse what must never reach the parser: empty, huge, odd characters, deep nesting."""
    if not text.strip():
        raise ExprError("the formula is empty: type an expression such as  x*w + b")
    for i, c in enumerate(text):
        if 0xD800 <= ord(c) <= 0xDFFF:
            raise ExprError("the formula is not valid UTF-8 text (an undecodable byte)", text, i)
        if not c.isprintable():
            raise ExprError(
                f"the formula contains the control character {c!r}; write it on one line", text, i
            )
    depth, signs = 0, 0
    for i, c in enumerate(text):
        if c in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise ExprError(f"parentheses are nested more than {MAX_NESTING} deep", text, i)
        elif c in ")]}":
            depth -= 1
        if c in "+-~":
            signs += 1
            if signs > MAX_NESTING:
                raise ExprError(f"more than {MAX_NESTING} signs in a row", text, i)
        elif not c.isspace():
            signs = 0
    if len(text) > MAX_LENGTH:
        raise ExprError(
            f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are accepted",
            text,
            MAX_LENGTH,
            len(text),
        )


def caret_map(text: str) -> tuple[str, list[int]]:
    """Python source for the text (``^`` becomes ``**``) and, per source character, the
    index of the character of the text it came from."""
    src, where = [], []
    for i, c in enumerate(text):
        if c == "^":
            src.append("**")
            where += [i, i]
        else:
            src.append(c)
            where.append(i)
    where.append(len(text))
    return "".join(src), where


# --- parsing ------------------------------------------------------------------------------


class Source:
    """The text, its Python source and the offset maps between them."""

    def __init__(self, text: str, base: int = 0, shown: str | None = None):
        self.text = text
        self.base = base  # where this text starts inside `shown` (for definitions)
        self.shown = shown if shown is not None else text
        self.src, self.where = caret_map(text)
        self.src_bytes = self.src.encode("utf-8")

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
        self, reason: str, node: ast.AST | None = None, start: int | None = None
    ) -> ExprError:
        """An :class:`ExprError` pointing at ``node``, or at the character ``start``."""
        if node is not None:
            s, e = self.span(node)
            return ExprError(reason, self.shown, s, e)
        if start is not None:
            return ExprError(reason, self.shown, self.base + start)
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
