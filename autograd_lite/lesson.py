"""The lab's lesson: the teaching notebook as a page whose cells run in the browser.

:func:`lesson_html` turns a notebook (its JSON, as ``json.load`` reads an ``.ipynb`` file)
into the body of ``lesson.html``: its Markdown cells as HTML (headings, paragraphs, lists,
emphasis, code, links and TeX math), its code cells as editable text boxes that the page's
script runs under Pyodide. Every piece of the notebook's text is escaped with
:func:`autograd_lite.escape.html` before any markup is added, so no text of the notebook
becomes markup of the page.

Math is written twice: its TeX source (which KaTeX typesets when the site has it) and a
reading of it in HTML (``z^2_1`` as z with 2 above 1, ``\\sigma`` as σ) that the page shows
otherwise. Only the standard library is used: the lab is built where the package is.

Example:
    >>> print(markdown_html("## Paths\\n\\nA *sum* of `products`, <b>not</b> bold."))
    <h2 id="paths">Paths</h2>
    <p>A <em>sum</em> of <code>products</code>, &lt;b&gt;not&lt;/b&gt; bold.</p>
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import escape
from .files import write_atomically

__all__ = [
    "DATA_FILE",
    "JUPYTER_ONLY",
    "LESSON_MARK",
    "NOTEBOOK",
    "data_set_key",
    "data_sets",
    "lesson_html",
    "literal_calls",
    "markdown_html",
    "tex_html",
    "write_lesson",
]

DATA_FILE = "lesson_data.json"
"""The site's file of the notebook's data sets (:func:`data_sets`), written by the command."""

NOTEBOOK = "docs/notebook.ipynb"
"""The teaching notebook the lesson is made from, relative to the checkout."""

JUPYTER_ONLY = "jupyter-only"
"""The tag (a code cell's ``metadata.tags``) of a cell that needs what the browser lacks
(numpy): the page says so above it, and its Run all skips it."""

_JUPYTER_ONLY_NOTE = (
    "Runs in Jupyter only (it needs numpy, which the browser does not have): Run all skips "
    "it, and its Run button tries it here anyway."
)

LESSON_MARK = "<!-- lesson -->"
"""Where the template ``lab/site/lesson.html`` takes the notebook's cells."""

_HEAD_MARK = "<!-- katex -->"
_TITLE_MARK = "<!-- title -->"

# ---- TeX, read as HTML (what the page shows when it has no KaTeX) ----

# a command's character, for each kind a line: Greek, operators, spaces and what TeX drops
_SYMBOLS = dict(
    pair.split(" ")
    for pair in (
        "alpha α,beta β,gamma γ,delta δ,epsilon ε,varepsilon ε,zeta ζ,eta η,theta θ,iota ι,"
        "kappa κ,lambda λ,mu μ,nu ν,xi ξ,pi π,rho ρ,sigma σ,tau τ,upsilon υ,phi φ,varphi φ,"
        "chi χ,psi ψ,omega ω,Gamma Γ,Delta Δ,Theta Θ,Lambda Λ,Pi Π,Sigma Σ,Phi Φ,Psi Ψ,Omega Ω,"
        "partial ∂,nabla ∇,sum ∑,prod ∏,int ∫,infty ∞,cdot ·,times ×,pm ±,le ≤,leq ≤,ge ≥,"
        "geq ≥,ne ≠,neq ≠,approx ≈,to →,rightarrow →,leftarrow ←,mapsto ↦,in ∈,ldots …,"
        "cdots ⋯,odot ⊙,circ ∘,| ‖"
    ).split(",")
)
_SYMBOLS.update({",": "\u2009", ";": "\u2005", "quad": "\u2003", "qquad": "\u2003" * 2, " ": " "})
_SYMBOLS.update({name: "" for name in ("left", "right", "big", "Big", "displaystyle")})
_SYMBOLS.update({c: c for c in "{}%$_#&"})
_FUNCTIONS = set("tanh sinh cosh sin cos tan exp log ln max min arg det lim sup inf".split())
_ACCENTS = dict(zip("dot ddot hat bar tilde vec".split(), "\u0307\u0308\u0302\u0304\u0303\u20d7"))
_UPRIGHT = {"mathrm", "text", "operatorname", "mathbf", "textbf", "mathit", "mathsf"}

_SPACED = {
    "=": "\u2005=\u2005",
    "+": "\u2005+\u2005",
    "-": "\u2005−\u2005",
    "<": "\u2005&lt;\u2005",
    ">": "\u2005&gt;\u2005",
    ",": ",\u2005",
}
_TEX_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]|\d+(?:\.\d+)?|\s+|.", re.S)


def _group(tokens: list[str], i: int) -> tuple[list[str], int]:
    """The argument starting at tokens[i] (a braced group or one token) and the index after."""
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    if i >= len(tokens):
        return [], i
    if tokens[i] != "{":
        return [tokens[i]], i + 1
    depth, j = 1, i + 1
    while j < len(tokens) and depth:
        depth += {"{": 1, "}": -1}.get(tokens[j], 0)
        j += 1
    return tokens[i + 1 : j - 1], j


def _tex(tokens: list[str]) -> str:
    """HTML for a list of TeX tokens."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in ("^", "_"):
            sup = sub = None
            while i < len(tokens) and tokens[i] in ("^", "_"):
                mark = tokens[i]
                argument, i = _group(tokens, i + 1)
                if mark == "^" and sup is None:
                    sup = _tex(argument)
                elif mark == "_" and sub is None:
                    sub = _tex(argument)
                else:
                    out.append(escape.html(mark) + _tex(argument))
            out.append(_stack(sup, sub))
            continue
        i += 1
        if t == "{":
            argument, i = _group(tokens, i - 1)
            out.append(_tex(argument))
        elif t.startswith("\\"):
            html, i = _command(t[1:], tokens, i)
            out.append(html)
        elif t.isalpha():
            out.append(f"<i>{t}</i>")
        elif t.isspace():
            continue  # TeX's math mode ignores spaces
        elif t in _SPACED:
            unary = not out or out[-1].endswith(("(", "[", "\u2005")) or out[-1] in "^_"
            out.append(_SPACED[t].strip() if unary and t in "+-" else _SPACED[t])
        else:
            out.append(escape.html(t))
    return "".join(out)


def _stack(sup: str | None, sub: str | None) -> str:
    if sup is not None and sub is not None:
        return f'<span class="ss"><sup>{sup}</sup><sub>{sub}</sub></span>'
    return f"<sup>{sup}</sup>" if sup is not None else f"<sub>{sub}</sub>"


def _command(name: str, tokens: list[str], i: int) -> tuple[str, int]:
    """HTML for the command ``\\name`` (its arguments start at tokens[i]) and the index after."""
    if name in _SYMBOLS:
        return escape.html(_SYMBOLS[name]), i
    if name in _FUNCTIONS:
        return f"\u2009{name}", i
    if name in _ACCENTS:
        argument, i = _group(tokens, i)
        html = _tex(argument)
        # the accent joins the letter, inside its <i>, or a browser may draw it apart
        if html.endswith("</i>"):
            return html[:-4] + _ACCENTS[name] + "</i>", i
        return html + _ACCENTS[name], i
    if name in _UPRIGHT:
        argument, i = _group(tokens, i)
        return escape.html("".join(argument)), i
    if name in ("frac", "dfrac", "tfrac"):
        top, i = _group(tokens, i)
        bottom, i = _group(tokens, i)
        return f"({_tex(top)})/({_tex(bottom)})", i
    if name == "sqrt":
        argument, i = _group(tokens, i)
        return f"√({_tex(argument)})", i
    return f'<code class="tex">{escape.html(chr(92) + name)}</code>', i


def tex_html(tex: str, *, display: bool = False) -> str:
    """TeX math as HTML that reads as the formula: a span that KaTeX may typeset instead.

    Args:
        tex: the formula's TeX source, without its dollar signs.
        display: True for a formula on a line of its own (``$$ ... $$``).

    Returns:
        ``<span class="math" data-tex="...">...</span>`` (``class="math display"`` for a
        displayed formula): its text is the formula in HTML (letters in italics, ``^`` and
        ``_`` as superscripts and subscripts, Greek letters and operators as their
        characters, a command it does not know as its source); ``data-tex`` holds the
        source, escaped.

    Example:
        >>> tex_html("x_k")
        '<span class="math" data-tex="x_k" title="x_k"><i>x</i><sub><i>k</i></sub></span>'
    """
    source = escape.html(tex.strip())
    kind = "math display" if display else "math"
    body = _tex(_TEX_TOKEN.findall(tex.strip()))
    return f'<span class="{kind}" data-tex="{source}" title="{source}">{body}</span>'


# ---- Markdown, the part of it notebooks use ----

_INLINE = re.compile(
    r"(?P<tick>`+)(?P<code>.+?)(?P=tick)"
    r"|\$\$(?P<dmath>.+?)\$\$"
    r"|(?<![\\$\w])\$(?P<math>[^\s$](?:[^$]*?[^\s$\\])?)\$(?!\w)"
    r"|\[(?P<text>[^\]]+)\]\((?P<url>[^()\s]+)\)"
    r"|\\(?P<escaped>[\\`*_{}\[\]()#+\-.!$<>|])",
    re.S,
)
_EMPHASIS = [
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S), r"<strong>\1</strong>"),
    (re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)", re.S), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])", re.S), r"<em>\1</em>"),
    (re.compile(r"(?<!\w)_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)", re.S), r"<em>\1</em>"),
]
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def _safe_url(url: str) -> str:
    """The link's address if it is relative or http(s)/mailto, else "#" (no javascript:)."""
    scheme = _SCHEME.match(url)
    return url if scheme is None or scheme[1].lower() in ("http", "https", "mailto") else "#"


def _plain(text: str) -> str:
    html = escape.html(text)
    for pattern, markup in _EMPHASIS:
        html = pattern.sub(markup, html)
    return html


def _inline(text: str) -> str:
    """HTML for a paragraph's text: code, math, links, escapes and emphasis."""
    out, at = [], 0
    for m in _INLINE.finditer(text):
        out.append(_plain(text[at : m.start()]))
        at = m.end()
        if m["tick"]:
            out.append(f"<code>{escape.html(m['code'].strip())}</code>")
        elif m["dmath"] is not None:
            out.append(tex_html(m["dmath"], display=True))
        elif m["math"] is not None:
            out.append(tex_html(m["math"]))
        elif m["url"]:
            url = _safe_url(m["url"])
            out.append(f'<a href="{escape.html(url)}" rel="noopener">{_inline(m["text"])}</a>')
        else:
            out.append(escape.html(m["escaped"]))
    out.append(_plain(text[at:]))
    return "".join(out)


_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s+(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-") or "section"


def _fenced(lines: list[str], i: int) -> tuple[str, int]:
    """A fenced code block starting at lines[i], as HTML, and the index after it."""
    fence, language = _FENCE.match(lines[i]).groups()
    body = []
    i += 1
    while i < len(lines) and not lines[i].strip().startswith(fence):
        body.append(lines[i])
        i += 1
    kind = f' class="language-{escape.html(language)}"' if language else ""
    return f"<pre><code{kind}>{escape.html(chr(10).join(body))}</code></pre>", i + 1


def _display_math(lines: list[str], i: int) -> tuple[str, int]:
    """A formula between ``$$`` lines (or on one), as HTML, and the index after it."""
    body = [lines[i].strip()[2:]]
    while not body[-1].rstrip().endswith("$$") and i + 1 < len(lines):
        i += 1
        body.append(lines[i])
    tex = "\n".join(body).rstrip()
    tex = tex[:-2] if tex.endswith("$$") else tex
    return f"<p>{tex_html(tex, display=True)}</p>", i + 1


def _list(lines: list[str], i: int) -> tuple[str, int]:
    """A list (items and their continuation lines) starting at lines[i], and the index after."""
    ordered = _ITEM.match(lines[i])[1][0].isdigit()
    items: list[list[str]] = []
    while i < len(lines) and lines[i].strip():
        item = _ITEM.match(lines[i])
        if item:
            items.append([item[2]])
        elif _HEADING.match(lines[i]) or _FENCE.match(lines[i]):
            break
        else:
            items[-1].append(lines[i].strip())
        i += 1
    tag = "ol" if ordered else "ul"
    body = "".join(f"<li>{_inline(chr(10).join(item))}</li>" for item in items)
    return f"<{tag}>{body}</{tag}>", i


def _starts_block(line: str) -> bool:
    return bool(_HEADING.match(line) or _FENCE.match(line) or _ITEM.match(line)) or (
        line.strip().startswith(("$$", ">")) or bool(_RULE.match(line))
    )


def _paragraph(lines: list[str], i: int) -> tuple[str, int]:
    """A paragraph (or a quote) starting at lines[i], as HTML, and the index after it."""
    quote = lines[i].lstrip().startswith(">")
    body = []
    while i < len(lines) and lines[i].strip() and (not body or not _starts_block(lines[i])):
        body.append(re.sub(r"^\s*>\s?", "", lines[i]) if quote else lines[i].strip())
        i += 1
    html = f"<p>{_inline(chr(10).join(body))}</p>"
    return (f"<blockquote>{html}</blockquote>" if quote else html), i


def markdown_html(text: str) -> str:
    """A notebook's Markdown cell as HTML, every character of its text escaped.

    Headings (``#`` to ``######``, with an ``id`` made from their text), paragraphs, quotes,
    lists (bulleted and numbered, one level), fenced code, rules, inline code, links
    (``javascript:`` and other schemes than http(s) and mailto become ``#``), ``**strong**``
    and ``*emphasis*``, backslash escapes, and TeX math in ``$ ... $`` and ``$$ ... $$``
    (see :func:`tex_html`). Raw HTML in the Markdown is shown as text, never obeyed.

    Args:
        text: the cell's source.

    Returns:
        The HTML, blocks separated by newlines.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        heading = _HEADING.match(line)
        if not line.strip():
            i += 1
            continue
        if heading:
            plain = re.sub(r"[`*_$\\]", "", heading[2])
            level = len(heading[1])
            html = f'<h{level} id="{escape.html(_slug(plain))}">{_inline(heading[2])}</h{level}>'
            i += 1
        elif _FENCE.match(line):
            html, i = _fenced(lines, i)
        elif line.strip().startswith("$$"):
            html, i = _display_math(lines, i)
        elif _RULE.match(line):
            html, i = "<hr>", i + 1
        elif _ITEM.match(line):
            html, i = _list(lines, i)
        else:
            html, i = _paragraph(lines, i)
        out.append(html)
    return "\n".join(out)


# ---- the page ----


def _source(cell: Mapping) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _cells(notebook: Mapping) -> list[Mapping]:
    cells = notebook.get("cells") if isinstance(notebook, Mapping) else None
    if not isinstance(cells, list) or not all(isinstance(c, Mapping) for c in cells):
        raise ValueError(
            "a notebook is a JSON object whose 'cells' is a list of objects (nbformat 4), "
            f"got {type(cells if cells is not None else notebook).__name__}"
        )
    return cells


def _jupyter_only(cell: Mapping) -> bool:
    """Whether a cell carries the :data:`JUPYTER_ONLY` tag."""
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, Mapping) else None
    return isinstance(tags, list) and JUPYTER_ONLY in tags


def _code_cell(n: int, source: str, *, jupyter_only: bool = False) -> str:
    rows = min(40, source.count("\n") + 1)
    mark = ' data-only="jupyter"' if jupyter_only else ""
    note = f'<p class="only">{escape.html(_JUPYTER_ONLY_NOTE)}</p>\n' if jupyter_only else ""
    return (
        f'<section class="cell code" id="cell-{n}" data-n="{n}"{mark}>\n'
        f'<div class="bar"><button type="button" class="run" disabled '
        f'title="Run this cell (Shift+Enter)">Run</button>'
        f'<span class="count">[ ]</span><span class="state"></span>'
        '<button type="button" class="revert" hidden title="Back to the notebook\'s code">'
        "Undo my edits</button></div>\n"
        f"{note}"
        f'<textarea class="source" rows="{rows}" spellcheck="false" autocomplete="off" '
        f'aria-label="code cell {n}">{escape.html(source)}</textarea>\n'
        f'<div class="outputs" aria-live="polite"></div>\n</section>'
    )


def _title(cells: Sequence[Mapping]) -> str:
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            heading = _HEADING.match(_source(cell).strip().split("\n")[0])
            if heading:
                return escape.html(re.sub(r"[`*_$\\]", "", heading[2]))
    return "Lesson"


def lesson_html(
    notebook: Mapping,
    template: str,
    *,
    katex: tuple[str, str] | None = None,
    data: str | None = None,
) -> str:
    """The lesson page: ``template`` with the notebook's cells at :data:`LESSON_MARK`.

    Args:
        notebook: the notebook, as ``json.load`` reads an ``.ipynb`` file (nbformat 4).
        template: the page around the cells (``lab/site/lesson.html``); its
            ``<!-- title -->`` takes the notebook's first heading and ``<!-- katex -->``
            the KaTeX files.
        katex: the site's KaTeX script and stylesheet, as paths relative to the page; None
            when the site has no KaTeX (the page shows its own reading of the math).
        data: the site's file of the notebook's data sets (:func:`data_sets`), if it has
            one; the page's ``<body>`` names it in ``data-sets``.

    Returns:
        The page. Markdown cells are rendered by :func:`markdown_html`; code cells become
        editable boxes numbered from 1 (``<textarea>`` with the source, escaped), with a
        place for their outputs; a cell tagged :data:`JUPYTER_ONLY` is marked
        ``data-only="jupyter"`` and says above its code that it runs in Jupyter only (the
        page's Run all skips it); raw cells are shown as text. Stored outputs are not
        kept: the page makes its own.

    Raises:
        ValueError: if the notebook has no list of cells or the template lacks the mark.
    """
    if LESSON_MARK not in template:
        raise ValueError(f"the lesson's template has no {LESSON_MARK} where the cells go")
    parts, n = [], 0
    cells = _cells(notebook)
    for cell in cells:
        kind, source = cell.get("cell_type"), _source(cell)
        if kind == "code":
            n += 1
            parts.append(_code_cell(n, source, jupyter_only=_jupyter_only(cell)))
        elif kind == "markdown":
            parts.append(f'<section class="cell markdown">\n{markdown_html(source)}\n</section>')
        else:
            parts.append(f'<section class="cell raw"><pre>{escape.html(source)}</pre></section>')
    head = ""
    if katex is not None:
        script, style = (escape.html(path) for path in katex)
        head = f'<link rel="stylesheet" href="{style}">\n<script src="{script}"></script>'
    if data is not None:
        template = template.replace("<body>", f'<body data-sets="{escape.html(data)}">', 1)
    return (
        template.replace(_TITLE_MARK, _title(cells))
        .replace(_HEAD_MARK, head)
        .replace(LESSON_MARK, "\n".join(parts))
    )


def _katex_files(site: Path) -> tuple[str, str] | None:
    """The site's KaTeX script and stylesheet (relative paths), if it has them."""
    for script in sorted(site.rglob("katex.min.js")):
        style = script.with_name("katex.min.css")
        if style.is_file():
            return tuple(p.relative_to(site).as_posix() for p in (script, style))
    return None


def write_lesson(
    site: str | os.PathLike, notebook: str | os.PathLike, template: str | os.PathLike
) -> Path:
    """Write ``lesson.html`` into the site folder: the notebook, as :func:`lesson_html` makes it.

    The page reads the notebook's data sets from the site's :data:`DATA_FILE` when it has
    one. KaTeX is used when the site holds ``katex.min.js`` and ``katex.min.css`` (the lab copies
    them there when it has them); the page's script, ``lesson.js``, typesets the math then.

    Args:
        site: the lab's folder.
        notebook: the ``.ipynb`` file.
        template: the page around the cells.

    Returns:
        The path of the page written.

    Raises:
        ValueError: if the notebook is not JSON with a list of cells, or the template lacks
            its mark.
        OSError: if a file cannot be read or written.
    """
    site = Path(site)
    try:
        data = json.loads(Path(notebook).read_text("utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{notebook} is not a notebook's JSON: {err}") from None
    sets = DATA_FILE if (site / DATA_FILE).is_file() else None
    page = lesson_html(data, Path(template).read_text("utf-8"), katex=_katex_files(site), data=sets)
    path = site / "lesson.html"
    write_atomically(path, page)
    return path


# ---- the data sets the notebook makes (numpy makes them, and the browser has no numpy) ----


def literal_calls(notebook: Mapping) -> list[tuple[str, list, dict]]:
    """The calls in the notebook's code cells whose arguments are all literals.

    Args:
        notebook: the notebook, as ``json.load`` reads it.

    Returns:
        ``(name, args, kwargs)`` for each such call, in the order of the cells, the name being
        the called function's (``moons`` for ``moons(...)`` and ``data.moons(...)``). A cell
        that does not parse is skipped.
    """
    calls = []
    for cell in _cells(notebook):
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse(_source(cell))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name is None or any(k.arg is None for k in node.keywords):
                continue
            try:
                args = [ast.literal_eval(a) for a in node.args]
                kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            except ValueError:
                continue
            calls.append((name, args, kwargs))
    return calls


def _signature(function: Callable) -> list[list]:
    return [
        [p.name, p.kind.name] + ([] if p.default is p.empty else [p.default])
        for p in inspect.signature(function).parameters.values()
    ]


def data_set_key(name: str, arguments: Mapping) -> str:
    """How a data set is found again: its maker's name and every argument, by name."""
    return json.dumps([name, dict(arguments)], sort_keys=True)


def data_sets(notebook: Mapping, makers: Mapping[str, Callable]) -> dict:
    """The data sets the notebook makes, made here, for a page that cannot make them.

    Args:
        notebook: the notebook, as ``json.load`` reads it.
        makers: the data set functions by name (``autograd_lite.nn.data``'s ``moons`` ...).

    Returns:
        ``{"signatures": {name: [[parameter, kind, default?], ...]}, "sets": {key: [X, y]}}``:
        each maker's parameters, and what each call of the notebook with literal arguments
        returned, under :func:`data_set_key` of its arguments bound by name (defaults
        included), so that a page binding the same call finds it.
    """
    sets = {}
    for name, args, kwargs in literal_calls(notebook):
        if name not in makers:
            continue
        try:
            bound = inspect.signature(makers[name]).bind(*args, **kwargs)
        except TypeError:
            continue  # the cell's own error, shown when it runs
        bound.apply_defaults()
        sets[data_set_key(name, bound.arguments)] = list(makers[name](*args, **kwargs))
    signatures = {name: _signature(f) for name, f in sorted(makers.items())}
    return {"signatures": signatures, "sets": sets}
