"""A small table that prints as text, Markdown and HTML (shared by the teaching reports)."""

from __future__ import annotations

from collections.abc import Sequence


def fmt(x: float, digits: int = 12) -> str:
    """A number with ``digits`` significant digits, -0 shown as 0."""
    if x == 0.0:
        return "0"
    return f"{x:.{digits}g}"


class Table:
    """Rows of text cells under a header, with a title above and notes below.

    Args:
        title: one line shown above the table.
        header: the column names.
        rows: the cells; a row may be shorter than the header (missing cells are empty).
        notes: lines shown below the table.
    """

    def __init__(
        self,
        title: str,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        notes: Sequence[str] = (),
    ):
        self.title = title
        self.header = list(header)
        n = len(self.header)
        self.rows = [list(r) + [""] * (n - len(r)) for r in rows]
        self.notes = list(notes)

    def text(self) -> str:
        """Aligned plain text."""
        rows = [self.header, *self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(self.header))]
        lines = [self.title] if self.title else []
        for r in rows:
            lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        lines.extend(self.notes)
        return "\n".join(lines)

    def markdown(self) -> str:
        """A GitHub-flavoured Markdown table; pipes inside cells are escaped."""

        def cell(c: str) -> str:
            return c.replace("\\", "\\\\").replace("|", "\\|")

        lines = [f"**{cell(self.title)}**", ""] if self.title else []
        lines.append("| " + " | ".join(cell(h) for h in self.header) + " |")
        lines.append("|" + "---|" * len(self.header))
        for r in self.rows:
            lines.append("| " + " | ".join(cell(c) for c in r) + " |")
        if self.notes:
            lines.append("")
            lines.extend(cell(n) + "  " for n in self.notes)
        return "\n".join(lines)

    def html(self) -> str:
        """An HTML fragment; every piece of text is escaped."""
        import html

        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in self.rows
        )
        parts = [f"<p><b>{esc(self.title)}</b></p>"] if self.title else []
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        parts.extend(f"<p>{esc(n)}</p>" for n in self.notes)
        return "".join(parts)
