"""A small table that prints as text, Markdown and HTML (shared by the teaching reports)."""

from __future__ import annotations

from collections.abc import Sequence

from . import escape
from .labels import fmt

__all__ = ["Table", "fmt", "report_text", "report_markdown", "report_html"]


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _one_line(text: str) -> str:
    return escape.terminal(" ⏎ ".join(_lines(text)))


class Table:
    """Rows of text cells under a header, with a title above and notes below.

    Args:
        title: one line shown above the table.
        header: the column names.
        rows: the cells; a row may be shorter than the header (missing cells are empty).
        notes: lines shown below the table.
        marked: indices of rows to stand out (drawn bold and red in HTML), such as the
            failures of a check.
        align: one letter per column, ``"r"`` for a column set flush right (numbers) and
            ``"l"`` for one set flush left, the default for a column not given.

    Cells may hold any text: each form escapes it for its target (:mod:`autograd_lite.escape`:
    no tag or emphasis in Markdown and HTML, no control character in text), and the text
    form shows a line break inside a cell as ``⏎`` so each row stays one line.

    Example:
        >>> print(Table("T", ["name", "x"], [["a|b", "1"]]).markdown())
        **T**
        <BLANKLINE>
        | name | x |
        |---|---|
        | a\\|b | 1 |
    """

    def __init__(
        self,
        title: str,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        notes: Sequence[str] = (),
        marked: Sequence[int] = (),
        align: str = "",
    ):
        self.title = title
        self.header = list(header)
        n = len(self.header)
        self.rows = [list(r) + [""] * (n - len(r)) for r in rows]
        self.notes = list(notes)
        self.marked = frozenset(marked)
        self.right = [align[i : i + 1] == "r" for i in range(n)]

    def text(self) -> str:
        """Aligned plain text."""
        rows = [[_one_line(c) for c in r] for r in (self.header, *self.rows)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.header))]
        lines = [_one_line(self.title)] if self.title else []
        for r in rows:
            cells = (
                c.rjust(w) if right else c.ljust(w) for c, w, right in zip(r, widths, self.right)
            )
            lines.append("  ".join(cells).rstrip())
        lines.extend(map(escape.terminal, self.notes))
        return "\n".join(lines)

    def markdown(self) -> str:
        """A GitHub-flavoured Markdown table; pipes inside cells are escaped."""

        def cell(c: str) -> str:
            return escape.markdown("\n".join(_lines(c)))  # a line break is <br>: one row

        lines = [f"**{cell(self.title)}**", ""] if self.title else []
        lines.append("| " + " | ".join(cell(h) for h in self.header) + " |")
        lines.append("|" + "".join("---:|" if right else "---|" for right in self.right))
        for r in self.rows:
            lines.append("| " + " | ".join(cell(c) for c in r) + " |")
        if self.notes:
            lines.append("")
            lines.extend(cell(n) + "  " for n in self.notes)
        return "\n".join(lines)

    def html(self) -> str:
        """An HTML fragment; every piece of text is escaped."""
        esc = escape.html
        flush = ' style="text-align:right"'
        th = [f"<th{flush}>" if right else "<th>" for right in self.right]
        td = [f"<td{flush}>" if right else "<td>" for right in self.right]
        head = "".join(f"{t}{esc(h)}</th>" for t, h in zip(th, self.header))
        mark = ' style="color:#b00020;font-weight:bold"'
        body = "".join(
            f"<tr{mark if i in self.marked else ''}>"
            + "".join(f"{t}{esc(c)}</td>" for t, c in zip(td, r))
            + "</tr>"
            for i, r in enumerate(self.rows)
        )
        parts = [f"<p><b>{esc(self.title)}</b></p>"] if self.title else []
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        parts.extend(f"<p>{esc(n)}</p>" for n in self.notes)
        return "".join(parts)


# Results that can draw themselves as a Table (explanations, reports) share these three
# methods; they are NamedTuples, which take no mixin class, so the methods are assigned:
#     __str__ = __repr__ = report_text; markdown = report_markdown; _repr_html_ = report_html


def report_text(self) -> str:
    """The result as aligned plain text."""
    return self.table().text()


def report_markdown(self) -> str:
    """The result as a Markdown table, to paste into a handout."""
    return self.table().markdown()


def report_html(self) -> str:
    """The result as an HTML table (how a notebook shows it)."""
    return self.table().html()
