"""A page held in memory, shown inline in notebooks and written with ``save``."""

from __future__ import annotations

import html
import os
from pathlib import Path

from autograd_lite import escape
from autograd_lite.files import write_atomically


class InlinePage:
    """A self-contained HTML page: notebooks show it inline, :meth:`save` writes it.

    In Jupyter (or any front end that calls ``_repr_html_``) the page runs in a sandboxed
    iframe whose document is the page itself (``srcdoc``), with scripts allowed and nothing
    else: its buttons and keys work as in the file, and it can reach neither the notebook
    nor the network.

    Attributes:
        html: the page's full HTML text, exactly what :meth:`save` writes.
        title: the page's heading.
        height: the height of the inline frame, in pixels.
    """

    def __init__(self, html: str, *, title: str, height: int):
        self.html = html
        self.title = title
        self.height = height

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (replacing an old file in one step) and return the path.

        Raises:
            OSError: if the folder cannot be written; an old file at ``path`` stays whole.
        """
        path = Path(path)
        write_atomically(path, self.html)
        return path

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
            f'title="{escape.html(self.title)}" '
            f'style="width: 100%; height: {self.height}px; border: 1px solid #ccc"></iframe>'
        )
