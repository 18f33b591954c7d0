"""Text a user typed, made safe for each place the project writes it: one function per target.

Labels, names, formulas and titles are the user's; the project writes them into LaTeX,
Markdown, HTML and the terminal. Each target has exactly one function here, and every writer
calls it, so each is tested once against one hostile alphabet (control characters with
``\r`` and ESC, U+2028, bidirectional controls, lone surrogates, Unicode digits, LaTeX's and
Markdown's specials, HTML, terminal escape sequences):

* :func:`latex`: typesets exactly the characters, never reads a command; ASCII and
  LaTeX's kernel only, so any pdflatex compiles it;
* :func:`markdown`: inline Markdown (a table cell, a line) that renders as the characters,
  with no HTML of its own, no emphasis, no link;
* :func:`html`: the text of an HTML element or attribute;
* :func:`terminal`: text printed to a terminal, with no control character or escape
  sequence left to obey;
* :func:`visible`: what all of them start from: lone surrogates (which no file can hold)
  and bidirectional controls (which reorder the text around them) as their escapes.

Control characters come out as their escape (``\x1b``), as Python writes them.

Example:
    >>> latex("50% of {x_1}")
    '50\\\\% of \\\\{x\\\\_1\\\\}'
    >>> markdown("<img src=x> *not bold*")
    '&lt;img src=x&gt; \\\\*not bold\\\\*'
    >>> terminal("x\x1b[31m")
    'x\\\\x1b[31m'
"""

from __future__ import annotations

import html as _html
import re
import unicodedata

__all__ = ["BIDI_CONTROLS", "visible", "latex", "markdown", "html", "terminal"]

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""The characters that change the direction of the text after them: every page and picture
shows them as their escape (``\\u202e``), never obeys them."""


def _escape(m: re.Match) -> str:
    return f"\\u{ord(m[0]):04x}"


_ESCAPED = re.compile("[\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Text with every lone surrogate written as its escape, so any file can hold it, and
    every bidirectional control (:data:`BIDI_CONTROLS`) too, so it cannot reorder the text
    around it.

    Args:
        text: any text, for example a label.

    Returns:
        The text, with ``"\\ud800"`` (one backslash) in place of the lone surrogate U+D800
        and ``"\\u202e"`` in place of U+202E (right-to-left override).

    Example:
        >>> visible("a\\ud800b")
        'a\\\\ud800b'
    """
    return _ESCAPED.sub(_escape, text)


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
# combining accents that LaTeX's kernel puts on any letter in OT1, its default font encoding
# (not the ogonek: \k exists in T1 only, so ą is shown as its escape)
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


def latex(text: str) -> str:
    """Any text as LaTeX that typesets exactly those characters, in text or math mode.

    Args:
        text: the text, as the user wrote it.

    Returns:
        LaTeX source: TeX's special characters escaped, Greek letters and the symbols that the
        ops table prints (``∂ × · − ²``) as kernel commands, accented Latin letters as
        accents; any other character, a newline included, as its visible escape.

    Example:
        >>> latex("∂(a·b)/∂a")
        '\\\\ensuremath{\\\\partial}(a\\\\ensuremath{\\\\cdot}b)/\\\\ensuremath{\\\\partial}a'
    """
    return "".join(_char(c) for c in text)


_LINE_SEPARATORS = "\u2028\u2029\x85"


def _control(c: str) -> str | None:
    """The visible escape of a control character (C0, DEL, C1, a line separator), else None."""
    code = ord(c)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if c in _LINE_SEPARATORS:
        return f"\\u{code:04x}"
    return None


# what means something anywhere in a line ($ opens math on GitHub) ...
_MARKDOWN_SPECIALS = frozenset("\\`*_[]|~$")
# ... and at the start of one: a heading, a list item, a setext underline
_LINE_START = re.compile(r"^(?:#{1,6}(?=\s|$)|[+-](?=\s|$)|\d{1,9}(?=[.)](?:\s|$))|[=-]+\s*$)")


def markdown(text: str) -> str:
    """Text as inline Markdown that shows exactly its characters.

    Markdown passes HTML through (GitHub and Jupyter render it), so ``<``, ``>`` and ``&``
    become entities; the punctuation that makes emphasis, code, links, table cells or math
    is escaped with a backslash, and so is what starts a heading or a list at the start of
    a line; a newline becomes ``<br>`` (a line break that also keeps a table row whole);
    other control characters show as escapes.

    Example:
        >>> markdown("a|b\\nc")
        'a\\\\|b<br>c'
    """
    return "<br>".join(_markdown_line(line) for line in visible(text).split("\n"))


def _markdown_line(line: str) -> str:
    out = []
    for c in line:
        if c in "<>&":
            out.append(_html.escape(c))
        elif c in _MARKDOWN_SPECIALS:
            out.append("\\" + c)
        else:
            escaped = _control(c)
            out.append(c if escaped is None else "\\" + escaped)
    text = "".join(out)
    m = _LINE_START.match(text)
    if m:  # "1." becomes "1\.", "#" becomes "\#"
        end = m.end()
        text = (text[:end] + "\\" + text[end:]) if m[0][0].isdigit() else "\\" + text
    return text


def html(text: str) -> str:
    """Text as the content of an HTML element or a quoted attribute: ``< > & " '`` as
    entities, control characters other than newline and tab as escapes.

    Example:
        >>> html('</script><b title="x">')
        '&lt;/script&gt;&lt;b title=&quot;x&quot;&gt;'
    """
    return _html.escape(terminal(text), quote=True)  # the controls shown as in a terminal


def terminal(text: str) -> str:
    """Text for a terminal: every control character but newline and tab as its escape, so
    no escape sequence (ESC, CSI, OSC ... BEL) reaches the terminal and ``\\r`` rewrites
    no line.

    Example:
        >>> terminal("ok\\r\\x1b]0;title\\x07")
        'ok\\\\x0d\\\\x1b]0;title\\\\x07'
    """
    out = []
    for c in visible(text):
        escaped = None if c in "\n\t" else _control(c)
        out.append(c if escaped is None else escaped)
    return "".join(out)
