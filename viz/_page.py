"""The one HTML skeleton of viz's pages (the two stepper pages and the training page).

A page is self-contained: its style, its data (a JSON block) and its script are inline, and
nothing is fetched from a network. :func:`html_page` fills the skeleton in one pass, so text
inserted for one placeholder is never searched for another; :func:`safe_json` writes the data
so that it can neither end its ``<script>`` element nor start markup inside it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from autograd_lite import escape

SKELETON = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%%TITLE%%</title>
<style>
%%STYLE%%
</style>
</head>
<body>
%%BODY%%
<script type="application/json" id="%%DATA_ID%%">%%DATA%%</script>
<script>
%%SCRIPT%%
</script>
</body>
</html>
"""


def safe_json(data: object) -> str:
    """JSON that cannot end a ``<script>`` element or start markup inside it."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for c, esc in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(c, esc)
    return text


def html_page(
    *,
    title: str,
    body: str,
    style: str,
    script: str,
    data: object,
    data_id: str,
    parts: Mapping[str, str] | None = None,
) -> str:
    """The full HTML text of a page.

    Args:
        title: the page's title, as plain text (escaped here; ``%%TITLE%%`` in the body
            shows it too).
        body: the markup inside ``<body>``, before the data and the script: the page's own
            constant template, whose ``%%NAME%%`` placeholders ``parts`` fills.
        style: the CSS.
        script: the JavaScript; it reads the data from the element with id ``data_id``.
        data: what the script reads, as JSON (see :func:`safe_json`).
        data_id: the id of the JSON block.
        parts: the text of the body's other placeholders, already HTML (escaped by the caller).
    """
    filled = {
        **(parts or {}),
        "TITLE": escape.html(title),
        "STYLE": style,
        "SCRIPT": script,
        "DATA": safe_json(data),
        "DATA_ID": data_id,
    }
    # The body is the page's own markup, so it joins the skeleton before the one pass that
    # inserts the text (labels, numbers, the picture).
    template = SKELETON.replace("%%BODY%%", body)
    return re.sub(r"%%([A-Z_]+)%%", lambda m: filled[m[1]], template)
