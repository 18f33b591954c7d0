"""Text for LaTeX, and pdflatex run with a time limit: what :mod:`viz.tikz` and
:mod:`viz.beamer` share.

Everything a user can write (labels, titles) passes through :func:`latex_text` before it
reaches a LaTeX source, so it is typeset as the characters it holds and never read as a
command: ``\\input{/etc/passwd}`` prints a backslash and braces, ``}$\\def`` closes nothing.
Only ASCII and commands of LaTeX's own kernel come out, so the text compiles with plain
pdflatex and any font encoding; a character that pdflatex cannot typeset without extra
packages is shown as its escape (``\\u4e2d``), as pages show lone surrogates.

Example:
    >>> latex_text("50% of {x_1}")
    '50\\\\% of \\\\{x\\\\_1\\\\}'
    >>> label_latex("w^2_11")
    '\\\\ensuremath{w^{2}_{11}}'
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

from autograd_lite.checks import is_bool, is_real

from .labels import _SCRIPTED

__all__ = [
    "DEFAULT_LATEX_TIME_LIMIT",
    "LatexNotFoundError",
    "LatexError",
    "latex_text",
    "label_latex",
    "run_pdflatex",
]

DEFAULT_LATEX_TIME_LIMIT = 120.0
"""Seconds pdflatex may run on one document before it is stopped."""


class LatexNotFoundError(RuntimeError):
    """pdflatex is not installed; the ``.tex`` file was written, no PDF."""


class LatexError(RuntimeError):
    """pdflatex failed or ran out of time; no PDF was written."""


_ASCII = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    # typewriter quotes are straight in every font encoding
    '"': r"{\ttfamily\char34}",
    # {} after these stops TeX's ligatures (-- into a dash, '' into a closing quote, ...)
    "-": "-{}",
    "'": r"{\ttfamily\char13}",
    "`": r"{\ttfamily\char18}",
    ",": ",{}",
    "!": "!{}",
    "?": "?{}",
    "[": "{[}",
    "]": "{]}",
}

_GREEK = "αβγδεζηθικλμνξοπρστυφχψω"
_GREEK_NAMES = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi o pi rho "
    "sigma tau upsilon phi chi psi omega"
).split()
_MATH = {c: rf"\ensuremath{{\{n}}}" for c, n in zip(_GREEK, _GREEK_NAMES) if n != "o"}
_MATH["ο"] = "o"
_MATH.update(
    {
        "Γ": r"\ensuremath{\Gamma}",
        "Δ": r"\ensuremath{\Delta}",
        "Θ": r"\ensuremath{\Theta}",
        "Λ": r"\ensuremath{\Lambda}",
        "Ξ": r"\ensuremath{\Xi}",
        "Π": r"\ensuremath{\Pi}",
        "Σ": r"\ensuremath{\Sigma}",
        "Φ": r"\ensuremath{\Phi}",
        "Ψ": r"\ensuremath{\Psi}",
        "Ω": r"\ensuremath{\Omega}",
        "∂": r"\ensuremath{\partial}",
        "×": r"\ensuremath{\times}",
        "·": r"\ensuremath{\cdot}",
        "−": r"\ensuremath{-}",
        "÷": r"\ensuremath{\div}",
        "±": r"\ensuremath{\pm}",
        "√": r"\ensuremath{\surd}",
        "≤": r"\ensuremath{\le}",
        "≥": r"\ensuremath{\ge}",
        "≠": r"\ensuremath{\ne}",
        "≈": r"\ensuremath{\approx}",
        "→": r"\ensuremath{\to}",
        "←": r"\ensuremath{\leftarrow}",
        "∞": r"\ensuremath{\infty}",
        "∑": r"\ensuremath{\Sigma}",
        "…": r"\ldots{}",
        "–": r"\textendash{}",
        "—": r"\textemdash{}",
        "‘": r"\textquoteleft{}",
        "’": r"\textquoteright{}",
        "“": r"\textquotedblleft{}",
        "”": r"\textquotedblright{}",
        "ß": r"\ss{}",
        "æ": r"\ae{}",
        "Æ": r"\AE{}",
        "œ": r"\oe{}",
        "Œ": r"\OE{}",
        "ø": r"\o{}",
        "Ø": r"\O{}",
        "ł": r"\l{}",
        "Ł": r"\L{}",
        "ı": r"\i{}",
        "\u00a0": "~",
    }
)
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-"))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉ₖⱼᵢₗₙ", "0123456789kjiln"))
# combining accents that LaTeX's kernel puts on any letter, in any font encoding
_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0308": '"',
    "\u0304": "=",
    "\u0307": ".",
    "\u030a": "r",
    "\u030c": "v",
    "\u0306": "u",
    "\u030b": "H",
    "\u0327": "c",
    "\u0328": "k",
}


def _char(c: str) -> str:
    code = ord(c)
    if c in _ASCII:
        return _ASCII[c]
    if 0x20 <= code < 0x7F:
        return c
    if c in _MATH:
        return _MATH[c]
    if c in _SUPERSCRIPTS:
        return rf"\textsuperscript{{{_SUPERSCRIPTS[c]}}}"
    if c in _SUBSCRIPTS:
        return rf"\ensuremath{{_{{\mathrm{{{_SUBSCRIPTS[c]}}}}}}}"
    parts = unicodedata.normalize("NFD", c)
    if len(parts) == 2 and parts[0].isascii() and parts[0].isalpha() and parts[1] in _ACCENTS:
        base = r"\i" if parts[0] == "i" else parts[0]
        return rf"\{_ACCENTS[parts[1]]}{{{base}}}"
    # anything else (a control character, CJK, emoji, a lone surrogate) as its escape
    escape = (
        f"x{code:02x}" if code < 0xA0 else (f"u{code:04x}" if code <= 0xFFFF else f"U{code:08x}")
    )
    return r"\textbackslash{}" + escape


def latex_text(text: str) -> str:
    """Any text as LaTeX that typesets exactly those characters, in text or math mode.

    Args:
        text: the text, as the user wrote it.

    Returns:
        LaTeX source: TeX's special characters escaped, Greek letters and the symbols that the
        ops table prints (``∂ × · − ²``) as kernel commands, accented Latin letters as
        accents; any other character, a newline included, as its visible escape.

    Example:
        >>> latex_text("∂(a·b)/∂a")
        '\\\\ensuremath{\\\\partial}(a\\\\ensuremath{\\\\cdot}b)/\\\\ensuremath{\\\\partial}a'
    """
    return "".join(_char(c) for c in text)


def label_latex(label: str) -> str:
    """A label in LaTeX, with textbook super- and subscripts when it has them.

    Args:
        label: the node's label, such as ``"w^2_11"``, ``"delta^3_1"`` or any other text.

    Returns:
        ``\\ensuremath{w^{2}_{11}}`` for a scripted label (δ for ``delta``), else
        :func:`latex_text` of the label.
    """
    m = _SCRIPTED.fullmatch(label)
    if m is None or (m["sup"] is None and m["sub"] is None):
        return latex_text(label)
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
