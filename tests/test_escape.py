"""One escaping function per target, each tested against one hostile alphabet.

The alphabet holds what broke a writer once or could: control characters (``\\r`` ended a
LaTeX comment and read a file), ESC and OSC sequences, line and paragraph separators,
bidirectional controls, lone surrogates, Unicode digits, CJK, LaTeX's, Markdown's and HTML's
special characters. Each target is checked by the program that reads it: pdflatex (with the
recorder on: it may open only TeX's own files), a Markdown renderer with HTML on (as GitHub
and Jupyter render it), Python's HTML parser, and a check of every character a terminal
would obey.
"""

import html.parser
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import escape

HOSTILE = [
    "x\r\\input{secret.txt}",
    "\\write18{touch pwned}",
    "% comment}$\\def\\x{",
    "w^٣_١ ٣ ߁ 中文 😀",
    "line\u2028next\u2029para\x85",
    "\u202eevil\u202c \u2066x\u2069 \u200f",
    "a\ud800b\udfff",
    "\x1b]0;title\x07\x1b[31mred\x1b[0m\x9b2J\x7f\x00",
    "<img src=x onerror=alert(1)></script><b>",
    "*bold* _em_ `code` [link](http://x) ![i](y) | cell | # head ~~s~~ $x$ \\",
    "& &amp; &#60; \" ' < >",
    "$ \\ # ^ & _ { } ~ %",
    "tab\there\nnewline",
    "wagą ę Łódź ñ ü é",  # \k (the ogonek) exists only in T1, not in OT1
]
ALPHABET = st.text(st.sampled_from(sorted(set("".join(HOSTILE)))), max_size=40)

_OBEYED = set(range(0x20)) - {0x09, 0x0A} | set(range(0x7F, 0xA0)) | {0x2028, 0x2029}
_OBEYED |= {ord(c) for c in escape.BIDI_CONTROLS} | set(range(0xD800, 0xE000))


def obeyed(text):
    """The characters of text that a terminal or a page would act on rather than show."""
    return [c for c in text if ord(c) in _OBEYED]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_terminal_gets_no_character_it_would_obey(text):
    shown = escape.terminal(text)
    assert obeyed(shown) == []
    assert "\\x1b" in escape.terminal("\x1b") and "\\x0d" in escape.terminal("\r")


@given(ALPHABET)
def test_the_terminal_text_keeps_every_character_it_can_show(text):
    shown = escape.terminal(text)
    assert obeyed(shown) == []
    kept = [c for c in text if ord(c) not in _OBEYED and c != "\\"]
    assert [c for c in shown if c in kept] == kept or set(kept) <= set(shown)


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(source):
    parser = Tags()
    parser.feed(source)
    parser.close()
    return parser


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_makes_no_tag_and_reads_back_as_the_visible_text(text):
    page = parse(f'<p title="{escape.html(text)}">{escape.html(text)}</p>')
    assert page.tags == [("p", [("title", escape.terminal(text))])]
    assert "".join(page.text) == escape.terminal(text)
    assert obeyed("".join(page.text)) == []


@given(ALPHABET)
def test_html_text_never_makes_a_tag(text):
    page = parse(f"<td>{escape.html(text)}</td>")
    assert [t for t, _ in page.tags] == ["td"]
    assert "".join(page.text) == escape.terminal(text)


def rendered(markdown_source):
    markdown_it = pytest.importorskip("markdown_it")
    renderer = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")
    return renderer.render(markdown_source)


def markdown_text(text):
    """What a reader should see of text in Markdown: escapes for controls, a break per line."""
    return escape.terminal(text).replace("\t", "\\x09").replace("\n", "")


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_renders_as_the_characters_with_no_tag_of_its_own(text):
    page = parse(rendered("before " + escape.markdown(text) + " after"))
    assert {t for t, _ in page.tags} <= {"p", "br"}
    assert "".join(page.text).strip() == ("before " + markdown_text(text) + " after")


@given(ALPHABET)
def test_markdown_in_a_table_cell_stays_in_its_cell(text):
    source = f"| a | b |\n|---|---|\n| {escape.markdown(text)} | end |\n"
    page = parse(rendered(source))
    cells = [t for t, _ in page.tags if t == "td"]
    assert len(cells) == 2
    assert {t for t, _ in page.tags} <= {"table", "thead", "tbody", "tr", "th", "td", "br"}


@given(ALPHABET)
def test_latex_text_is_ascii_with_every_special_escaped(text):
    source = escape.latex(text)
    assert source.isascii()
    assert "%" not in source.replace("\\%", "")
    assert "\r" not in source and "\n" not in source


@pytest.mark.slow
def test_latex_of_the_hostile_alphabet_compiles_and_opens_no_file_of_its_own(tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    (tmp_path / "secret.txt").write_text("SECRET CONTENTS")
    body = "\n\n".join(escape.latex(t) for t in HOSTILE)
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\\begin{document}\n" + body + "\n\\end{document}\n"
    )
    run = subprocess.run(
        ["pdflatex", "-no-shell-escape", "-recorder", "-interaction=nonstopmode", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    opened = [
        line.split(" ", 1)[1]
        for line in (tmp_path / "doc.fls").read_text().splitlines()
        if line.startswith("INPUT ")
    ]
    assert not [f for f in opened if "secret" in f or not f.startswith(("/", "doc."))]
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("text", HOSTILE)
def test_every_form_of_a_table_escapes_its_cells_title_and_notes(text):
    from autograd_lite.table import Table

    table = Table(text, ["name", text], [[text, "1"]], notes=[text])
    assert obeyed(table.text()) == []
    page = parse(rendered(table.markdown()))
    assert {t for t, _ in page.tags} <= {"p", "br", "strong", "table", "thead", "tbody"} | {
        "tr",
        "th",
        "td",
    }
    assert [t for t, _ in page.tags].count("td") == 2
    assert {t for t, _ in parse(table.html()).tags} <= {"p", "b", "table", "thead", "tbody"} | {
        "tr",
        "th",
        "td",
    }


def test_trace_tables_as_text_obey_nothing_a_terminal_would():
    from autograd_lite.teach.traces import function_traces

    t = function_traces(lambda a: a.sin(), (1.0,), names=[HOSTILE[7] + "\u202e\u2028"])
    assert obeyed(str(t)) == []


def test_stepper_titles_and_drawn_labels_obey_nothing(tmp_path):
    viz = pytest.importorskip("viz")
    if shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot")
    from autograd_lite import Value

    x = Value(0.5, label="x\u2028\x1b[31m\u202e")
    y = (x * 2).tanh()
    page = viz.stepper(y, tmp_path / "s.html", title="T\x1b[31m\x00\u2028").read_text()
    title = page[page.index("<title>") : page.index("</title>")]
    assert obeyed(title) == []
    assert "\u2028" not in viz.to_dot(y)
