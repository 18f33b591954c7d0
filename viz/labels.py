"""Text that goes into a drawing: escaping, number formatting and textbook labels.

Everything a user can put in a label passes through :func:`html_text` before it reaches the
DOT source, so quotes, backslashes, ``<``, ``>``, ``&``, braces, ``|`` and newlines appear
literally in the picture and can neither end the label nor inject markup.

Text longer than :data:`MAX_LABEL_CHARS` characters is shortened in a picture by
:func:`shorten`, with a visible "…" (Graphviz refuses a label longer than 16,384 characters,
and one of thousands is unreadable anyway); the stepper's text shows it in full. Lone
surrogates, which no file can hold, are shown as their escape (``\\ud800``) everywhere:
:func:`autograd_lite.escape.visible` does it for the text of pages. So are the
bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C): left in a
label they would reorder the text around it, so that a chain-rule line reads its numbers backwards.

Labels written in Nielsen's notation (``w^3_12``, ``w^2_1,12``, ``b^2_1``, ``z^2_1``,
``a^2_1``, ``delta^2_1``) and simple ``x_1`` / ``x^2`` labels are drawn with real
superscripts and subscripts.

Example:
    >>> html_text('say "<hi>" & \\\\ bye')
    'say &quot;&lt;hi&gt;&quot; &amp; \\\\\\\\ bye'
    >>> label_html("w^2_1,12")
    'w<SUP>2</SUP><SUB>1,12</SUB>'
    >>> parse_nielsen("w^3_12")
    ('w', 3, 1, 2)
"""

from __future__ import annotations

import re

# One reader of Nielsen's labels and one number format for the whole project; re-exported
# here for drawings and pages.
from autograd_lite.escape import BIDI_CONTROLS
from autograd_lite.labels import page_number, parse_nielsen

__all__ = [
    "MAX_LABEL_CHARS",
    "MAX_TOOLTIP_CHARS",
    "BIDI_CONTROLS",
    "html_text",
    "label_html",
    "parse_nielsen",
    "label_text",
    "page_number",
    "shorten",
    "quoted_text",
]

FONT = "DejaVu Sans"
"""The font of every drawing (Graphviz's fontname)."""

MAX_LABEL_CHARS = 60
"""The most characters of one text (a label, a number) that a picture shows; longer text
keeps its start and its end around a "…". Escaped, 60 characters stay far below Graphviz's
limit of 16,384 for a whole node."""

MAX_TOOLTIP_CHARS = 1_000
"""The most characters of a shortened label that its node's tooltip shows (Graphviz limits
a quoted attribute to 16,384 characters too)."""

# A base letter (or delta), then an optional superscript, then an optional subscript.
_SCRIPTED = re.compile(
    r"(?P<base>[A-Za-z]|delta|δ)"
    r"(?:\^(?P<sup>[0-9]+|[A-Za-z]))?"
    r"(?:_(?P<sub>[0-9]+(?:,[0-9]+)*|[A-Za-z]{1,2}))?"
)


# non-characters and the line and paragraph separators: shown as escapes, never raw
_UNSHOWN = (0xFFFE, 0xFFFF, 0x2028, 0x2029)


def _escape_char(c: str) -> str:
    code = ord(c)
    if c == "&":
        return "&amp;"
    if c == "<":
        return "&lt;"
    if c == ">":
        return "&gt;"
    if c == '"':
        return "&quot;"
    if c == "'":
        return "&#39;"
    # Graphviz expands \N, \G, \\ ... inside labels (even HTML-like ones) after decoding
    # entities, so a backslash must be doubled to come out as one.
    if c == "\\":
        return "\\\\"
    if c == "\t":
        return "    "
    # Control characters, lone surrogates and non-characters are not valid in the XML that
    # Graphviz parses HTML-like labels with: show them as a visible escape instead.
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\\\x{code:02x}"
    if 0xD800 <= code <= 0xDFFF or code in _UNSHOWN or c in BIDI_CONTROLS:
        return f"\\\\u{code:04x}"
    return c


def shorten(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """Text cut to at most ``limit`` characters, keeping its start and end around "…".

    Args:
        text: the text.
        limit: the most characters to keep, the "…" included (at least 2).

    Returns:
        The text itself if it is short enough, else its start, "…" and its end.

    Example:
        >>> shorten("x" * 100, 10)
        'xxxxxx…xxx'
        >>> shorten("short")
        'short'
    """
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 3
    return text[: limit - 1 - tail] + "…" + text[len(text) - tail :]


def quoted_text(text: str) -> str:
    """Escape any text for the inside of a DOT quoted string, such as a tooltip.

    Args:
        text: the text, as the user wrote it.

    Returns:
        The escaped text (without the quotes): backslashes and quotes escaped, newlines as
        Graphviz's ``\\n``, control characters and lone surrogates as visible escapes.
    """
    out = []
    for c in text.replace("\r\n", "\n"):
        code = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c in "\n\r":
            out.append("\\n")
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF or code in _UNSHOWN or c in BIDI_CONTROLS:
            out.append(f"\\\\u{code:04x}")
        else:
            out.append(c)
    return "".join(out)


def html_text(text: str) -> str:
    """Escape any text for the inside of a Graphviz HTML-like label.

    Newlines become line breaks (``<BR/>``); every other character appears literally.

    Args:
        text: the text, as the user wrote it.

    Returns:
        The escaped text, safe between ``<`` and ``>`` of an HTML-like label.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<BR/>".join("".join(_escape_char(c) for c in line) for line in lines)


def label_html(label: str) -> str:
    """A label as HTML-like markup, with textbook super- and subscripts when it has them.

    Args:
        label: the node's label, such as ``"w^2_11"``, ``"x_1"`` or any other text.

    Returns:
        Escaped markup: ``w<SUP>2</SUP><SUB>11</SUB>`` for a scripted label, else the
        label's escaped text.
    """
    m = _SCRIPTED.fullmatch(label)
    if m is None or (m["sup"] is None and m["sub"] is None):
        return html_text(label)
    base = "δ" if m["base"] == "delta" else m["base"]
    out = html_text(base)
    if m["sup"] is not None:
        out += f"<SUP>{html_text(m['sup'])}</SUP>"
    if m["sub"] is not None:
        out += f"<SUB>{html_text(m['sub'])}</SUB>"
    return out


_TO_SUP = dict(
    zip("0123456789+-abcdefghijklmnoprstuvwxyz", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ")
)
_TO_SUB = dict(zip("0123456789,aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉,ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))


def label_text(label: str) -> str:
    """A label as plain text with textbook super- and subscripts, as the pages print it.

    The scripts that :func:`label_html` draws in a picture are written with Unicode's
    superscript and subscript characters, so the steps' text, the titles and the tooltips
    spell a name as the picture shows it. A label whose scripts have no such characters (a
    capital letter, say) is kept as it is.

    Args:
        label: the node's label, such as ``"z^2_2"`` or ``"x_1"``.

    Returns:
        The label with its scripts, such as ``"z²₂"``; any other label unchanged.

    Example:
        >>> label_text("z^2_2"), label_text("w^2_1,12"), label_text("x_1"), label_text("n")
        ('z²₂', 'w²₁,₁₂', 'x₁', 'n')
    """
    m = _SCRIPTED.fullmatch(label)
    if m is None or (m["sup"] is None and m["sub"] is None):
        return label
    sup, sub = m["sup"] or "", m["sub"] or ""
    if not all(c in _TO_SUP for c in sup) or not all(c in _TO_SUB for c in sub):
        return label
    base = "δ" if m["base"] == "delta" else m["base"]
    return base + "".join(_TO_SUP[c] for c in sup) + "".join(_TO_SUB[c] for c in sub)
