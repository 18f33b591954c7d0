"""Text for LaTeX, and pdflatex run with a time limit: what :mod:`viz.tikz` and
:mod:`viz.beamer` share.

Everything a user can write (labels, titles) passes through
:func:`autograd_lite.escape.latex` before it reaches a LaTeX source, so it is typeset as
the characters it holds and never read as a command: ``\\input{/etc/passwd}`` prints a
backslash and braces, ``}$\\def`` closes nothing. Only ASCII and commands of LaTeX's own
kernel come out, so the text compiles with plain pdflatex and any font encoding; a character
that pdflatex cannot typeset without extra packages is shown as its escape (``\\u4e2d``), as
pages show lone surrogates.

Example:
    >>> escape.latex("50% of {x_1}")
    '50\\\\% of \\\\{x\\\\_1\\\\}'
    >>> label_latex("w^2_11")
    '\\\\ensuremath{w^{2}_{11}}'
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from autograd_lite import escape
from autograd_lite.checks import is_bool, is_real

from .labels import _SCRIPTED

__all__ = [
    "DEFAULT_LATEX_TIME_LIMIT",
    "LatexNotFoundError",
    "LatexError",
    "label_latex",
    "run_pdflatex",
]

_LETTER = re.compile(r"[A-Za-z][0-9]*")

DEFAULT_LATEX_TIME_LIMIT = 120.0
"""Seconds pdflatex may run on one document before it is stopped."""


class LatexNotFoundError(RuntimeError):
    """pdflatex is not installed; the ``.tex`` file was written, no PDF."""


class LatexError(RuntimeError):
    """pdflatex failed or ran out of time; no PDF was written."""


def label_latex(label: str) -> str:
    """A label in LaTeX, with textbook super- and subscripts when it has them.

    Args:
        label: the node's label, such as ``"w^2_11"``, ``"delta^3_1"`` or any other text.

    Returns:
        ``\\ensuremath{w^{2}_{11}}`` for a scripted label (δ for ``delta``); a letter, alone
        or with digits (``n``, ``b``, ``x1``), in math too, so that every one-letter name is
        set alike (``\\ensuremath{n}``); else :func:`autograd_lite.escape.latex` of the label.
    """
    if _LETTER.fullmatch(label):
        return rf"\ensuremath{{{label}}}"
    m = _SCRIPTED.fullmatch(label)
    if m is None or (m["sup"] is None and m["sub"] is None):
        return escape.latex(label)
    base = r"\delta" if m["base"] in ("delta", "δ") else m["base"]
    out = base
    # the pattern admits only letters, digits and commas in scripts: nothing to escape
    if m["sup"] is not None:
        out += f"^{{{m['sup']}}}"
    if m["sub"] is not None:
        out += f"_{{{m['sub']}}}"
    return rf"\ensuremath{{{out}}}"


def check_latex_time_limit(time_limit: float) -> float:
    """A positive, finite number of seconds for pdflatex, or a clear ValueError."""
    if is_bool(time_limit) or not is_real(time_limit) or not 0 < time_limit < math.inf:
        raise ValueError(
            f"latex_time_limit must be a positive number of seconds, got {time_limit!r}; "
            f"the default is {DEFAULT_LATEX_TIME_LIMIT:g}"
        )
    return float(time_limit)


def run_pdflatex(source: str, *, time_limit: float = DEFAULT_LATEX_TIME_LIMIT) -> bytes:
    """Compile a LaTeX document with pdflatex in a temporary folder and return the PDF.

    pdflatex runs without shell escape and in batch mode, and is stopped after
    ``time_limit`` seconds; its auxiliary files go away with the folder.

    Args:
        source: the whole document.
        time_limit: seconds pdflatex may run.

    Returns:
        The PDF's bytes.

    Raises:
        LatexNotFoundError: if there is no ``pdflatex`` on PATH; the message says what to
            install.
        LatexError: if pdflatex failed (the message holds the first error of its log) or ran
            longer than ``time_limit``.
    """
    time_limit = check_latex_time_limit(time_limit)
    program = shutil.which("pdflatex")
    if program is None:
        raise LatexNotFoundError(
            "pdflatex was not found on PATH. Install a LaTeX with TikZ and Beamer, for "
            "example on Debian or Ubuntu: apt-get install texlive-latex-base "
            "texlive-latex-recommended texlive-pictures; or compile the .tex file elsewhere."
        )
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "doc.tex").write_text(source, encoding="utf-8")
        try:
            proc = subprocess.run(
                [
                    program,
                    "-no-shell-escape",
                    "-interaction=batchmode",
                    "-halt-on-error",
                    "doc.tex",
                ],
                cwd=folder,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=time_limit,
                env={**os.environ, "openout_any": "p", "openin_any": "p"},
            )
        except subprocess.TimeoutExpired:
            raise LatexError(
                f"pdflatex did not finish within latex_time_limit={time_limit:g} seconds and "
                "was stopped; no PDF was written. Fewer steps (max_steps) make a shorter "
                "document."
            ) from None
        pdf = Path(folder) / "doc.pdf"
        if proc.returncode != 0 or not pdf.exists():
            log = Path(folder) / "doc.log"
            text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
            first = text[text.find("\n!") :] if "\n!" in text else text[-1500:]
            raise LatexError(
                f"pdflatex failed (exit status {proc.returncode}); no PDF was written. "
                f"Its log says: {first.strip()[:1500]}"
            )
        return pdf.read_bytes()
