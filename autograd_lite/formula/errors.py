"""ExprError: a formula that cannot be read or evaluated, shown with a caret under the place."""

from __future__ import annotations

__all__ = ["ExprError", "printable"]


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
        n = len(self.text)
        start = min(self.start, n)
        end = max(min(self.end or start + 1, n + 1), start + 1)
        col = start + 1
        lo, hi = 0, n
        if n > 80:
            # show a window around the place, so a long formula still fits a terminal line;
            # only the window is made printable, so a huge text costs no more than a short one
            lo = max(0, start - 30)
            hi = min(n, max(end, start + 1) + 40, lo + 80)
        shown = ("…" if lo else "") + printable(self.text[lo:hi]) + ("…" if hi < n else "")
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
