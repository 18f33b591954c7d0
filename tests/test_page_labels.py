"""Labels in every page and picture: lone surrogates and bidirectional controls shown as
their escapes (so any file holds them and no text around them is reordered), long labels
shortened where they would make a box unreadably wide. Checked in headless Chromium too."""

import json
import re
import shutil

import pytest
from test_stepper import browser, open_page  # noqa: F401  (the browser fixture)

from autograd_lite import Value
from autograd_lite.escape import latex as latex_text
from autograd_lite.escape import visible as visible_text
from autograd_lite.nn import MLP, fit
from viz import (
    backward_step_texts,
    forward_step_texts,
    forward_stepper,
    stepper,
    to_dot,
    to_tikz,
    training_page,
)
from viz.labels import (
    BIDI_CONTROLS,
    MAX_LABEL_CHARS,
    html_text,
    label_text,
    page_number,
    quoted_text,
    shorten,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
RTL = "\u202eRTL\u200bzw\u200d"
EVERY_BIDI = "".join(sorted(BIDI_CONTROLS))
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def hidden(text: str) -> set[str]:
    """The bidirectional controls and lone surrogates that text still holds."""
    return {c for c in text if c in BIDI_CONTROLS or 0xD800 <= ord(c) <= 0xDFFF}


def test_the_bidi_controls_are_the_ones_unicode_names():
    assert BIDI_CONTROLS == set(
        "\u061c\u200e\u200f"
        + "".join(map(chr, range(0x202A, 0x202F)))
        + "".join(map(chr, range(0x2066, 0x206A)))
    )


@pytest.mark.parametrize("escape", [visible_text, html_text, quoted_text, latex_text])
def test_every_escape_shows_bidi_controls_and_surrogates_as_text(escape):
    shown = escape("a" + EVERY_BIDI + "\ud800b")
    assert hidden(shown) == set()
    assert "u202e" in shown and "ud800" in shown


def test_visible_text_keeps_other_characters():
    assert visible_text("é σ 中 \u200b\u200d 😀") == "é σ 中 \u200b\u200d 😀"
    assert visible_text(RTL) == "\\u202eRTL\u200bzw\u200d"


def small_graph(label: str):
    x, w = Value(0.6699, label=label), Value(0.5, label="w")
    return (x * w).tanh(), x


def test_steps_drawings_and_tikz_show_bidi_controls_as_escapes():
    out, x = small_graph("a" + EVERY_BIDI)
    steps = backward_step_texts(out)
    fsteps = forward_step_texts(out, x)
    for s in steps + fsteps:
        assert hidden(s.title + "".join(s.lines)) == set(), s
    assert any("a\\u061c" in line for s in steps for line in s.lines)
    assert hidden(to_dot(out)) == set()
    assert hidden(to_tikz(out)) == set()


@needs_dot
def test_stepper_pages_show_bidi_controls_as_escapes(tmp_path):
    out, x = small_graph("a" + EVERY_BIDI + "\ud800")
    for path in (
        stepper(out, tmp_path / "b.html", title="t" + EVERY_BIDI),
        forward_stepper(out, x, tmp_path / "f.html", title="t" + EVERY_BIDI),
    ):
        assert hidden(path.read_text(encoding="utf-8")) == set()


def labelled_run(*labels: str):
    import numpy as np

    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([-1.0, 1.0, 1.0, -1.0])
    model = MLP(2, [3, 1], seed=0)
    for p, label in zip(model.parameters(), labels):
        p.label = label
    return model, fit(model, X, y, steps=4, record=2, progress=False, grid_size=8)


def page_data(text: str) -> dict:
    m = re.search(r'<script type="application/json" id="training-data">(.*?)</script>', text, re.S)
    return json.loads(m[1])


def test_a_training_page_with_a_lone_surrogate_in_a_label_is_saved(tmp_path):
    _, history = labelled_run("a\ud800b", "r" + EVERY_BIDI, RTL)
    path = training_page(history, tmp_path / "t.html")
    text = path.read_text(encoding="utf-8")
    assert hidden(text) == set()
    assert hidden(training_page(history).html) == set()
    data = page_data(text)
    assert data["names"][:3] == ["a\\ud800b", visible_text("r" + EVERY_BIDI), visible_text(RTL)]
    assert data["network"]["layers"][0]["neurons"][0]["w"] == [
        "a\\ud800b",
        shorten(data["names"][1]),
    ]
    assert data["network"]["layers"][0]["neurons"][0]["b"] == visible_text(RTL)


def test_the_training_tooltip_shortens_a_long_label_and_the_data_keeps_it_whole():
    _, history = labelled_run("L" * 20000, "b" * (MAX_LABEL_CHARS + 1), "short")
    data = page_data(training_page(history).html)
    w = data["network"]["layers"][0]["neurons"][0]["w"]
    assert len(w[0]) == MAX_LABEL_CHARS and "…" in w[0]
    assert len(w[1]) == MAX_LABEL_CHARS and "…" in w[1]
    assert data["network"]["layers"][0]["neurons"][0]["b"] == "short"
    assert data["names"][:2] == ["L" * 20000, "b" * (MAX_LABEL_CHARS + 1)]


# --- in a real browser ------------------------------------------------------------------------

# The text of an element as the reader sees it: its characters sorted by where they are drawn
# (line by line, left to right), so text reordered by bidirectional controls reads reordered.
SEEN_TEXT = """el => {
    const out = [];
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let at = 0;
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        for (let i = 0; i < n.data.length; i++, at++) {
            const r = document.createRange();
            r.setStart(n, i);
            r.setEnd(n, i + 1);
            const box = r.getBoundingClientRect();
            if (box.width > 0) out.push([Math.round(box.top), box.left, at, n.data[i]]);
        }
    }
    out.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    return out.map(c => c[3]).join("");
}"""


def assert_reads_in_order(page, selector: str) -> int:
    """Each element's numbers, read as drawn, are its numbers in the text's order."""
    checked = 0
    for handle in page.query_selector_all(selector):
        text = handle.text_content()
        if RTL not in text and visible_text(RTL) not in text:
            continue
        seen = handle.evaluate(SEEN_TEXT)
        assert NUMBER.findall(seen) == NUMBER.findall(text.replace("\u200b", "")), (text, seen)
        assert visible_text(RTL).replace("\u200b", "").replace("\u200d", "") in seen
        checked += 1
    return checked


@needs_dot
@pytest.mark.slow
def test_stepper_lines_with_a_right_to_left_label_read_in_order(browser, tmp_path):  # noqa: F811
    out, x = small_graph(RTL)
    steps = backward_step_texts(out)
    page, problems = open_page(browser, stepper(out, tmp_path / "b.html"))
    checked = 0
    for _ in steps:
        page.click("#next")
        checked += assert_reads_in_order(page, "#step-lines li")
    assert checked >= 1
    fsteps = forward_step_texts(out, x)
    fpage, fproblems = open_page(browser, forward_stepper(out, x, tmp_path / "f.html"))
    checked = 0
    for _ in fsteps:
        fpage.click("#next")
        checked += assert_reads_in_order(fpage, "#step-lines li, #step-title")
    assert checked >= 1
    assert problems == fproblems == []


@pytest.mark.slow
def test_training_tooltip_reads_in_order_and_stays_narrow(browser, tmp_path):  # noqa: F811
    _, history = labelled_run(RTL, "L" * 20000)
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    page.keyboard.press("End")
    page.hover("#network .neuron[data-layer='1'][data-index='0']")
    tip = page.inner_text("#tooltip")
    assert "…" in tip and "L" * 100 not in tip
    assert page.evaluate("document.getElementById('tooltip').offsetWidth") < 600
    assert assert_reads_in_order(page, "#tooltip div") >= 1
    assert problems == []


# --- one notation on every page ---------------------------------------------------------------


@pytest.mark.parametrize(
    "label, text",
    [
        ("z^2_2", "z²₂"),
        ("w^2_21", "w²₂₁"),
        ("w^2_2,1", "w²₂,₁"),
        ("x_1", "x₁"),
        ("delta^3_1", "δ³₁"),
        ("x^2", "x²"),
        ("x1", "x1"),
        ("b", "b"),
        ("X_Q", "X_Q"),  # no subscript capital Q: kept as typed
        ("w^2_11 and more", "w^2_11 and more"),
    ],
)
def test_labels_are_written_with_real_scripts(label, text):
    assert label_text(label) == text


@pytest.mark.parametrize(
    "x, text",
    [
        (0.5, "0.5000"),
        (0.70710678, "0.7071"),
        (-0.26194, "−0.2619"),
        (10.6931, "10.69"),
        (2.0, "2"),
        (-6.0, "−6"),
        (0.0, "0"),
        (-0.0, "0"),
        (12345.0, "1.234e+04"),
        (1.5e-7, "1.500e−07"),
        (float("inf"), "inf"),
    ],
)
def test_page_numbers_keep_their_significant_digits_and_a_true_minus(x, text):
    assert page_number(x, ".4g") == text


def test_a_page_number_in_another_format_keeps_it():
    assert page_number(-2.5, ".2f") == "−2.50" and page_number(3.0, ".1e") == "3.0e+00"


def mlp_loss():
    model = MLP(2, [3, 1])
    loss = (model([0.5, -1.0]) - 0.25) ** 2
    loss.label = "C"
    return loss, model.parameters()[0]


def steps_data(html: str) -> dict:
    return json.loads(re.search(r'id="steps-data">(.*?)</script>', html, re.S)[1])


@needs_dot
@pytest.mark.parametrize("kind", ["backward", "forward"])
def test_a_page_spells_every_name_and_number_one_way(kind):
    loss, w = mlp_loss()
    page = stepper(loss) if kind == "backward" else forward_stepper(loss, w)
    data, svg = steps_data(page.html), page.html[page.html.index("<svg") :]
    text = json.dumps([[s["title"], *s["lines"]] for s in data["steps"]], ensure_ascii=False)
    # Nielsen's labels with their scripts, in the text as in the picture
    assert "z^" not in text and "w^" not in text and "z²₁" in text and "w²₁₁" in text
    # one minus sign in the text, the numbers of the picture and the numbers the script shows
    assert "-" not in text and "−0.2619" in text
    cells = re.findall(r">((?:data|grad|tangent) [^<]*)<", svg)
    assert len(cells) > 30 and not [c for c in cells if "-" in c]
    assert all("-" not in u[1] for s in data["steps"] for u in s["updates"])
    # the unlabelled node is v₈ as in the trace tables: in the text, the id cell, the tooltip
    assert "v₈ = z³₁ − 0.2500" in text
    assert 'xlink:title="v₈ = z³₁ − 0.2500"' in svg
    assert re.search(r">v</text>\s*<text[^>]*baseline-shift=\"sub\"[^>]*>8</text>", svg)
    # the target's edge is marked by the minus, not by the ops table's a and b
    assert not re.search(r'<text[^>]*font-size="(?:11|16).00"[^>]*>[ab]</text>', svg)
    assert re.search(r'<text[^>]*font-size="16.00"[^>]*>−</text>', svg)
    if kind == "forward":
        assert "<title>Forward mode: ∂C/∂w²₁₁</title>" in page.html


@needs_dot
def test_the_picture_writes_a_power_as_a_superscript():
    x = Value(0.5, label="x")
    dot = to_dot(x**2 + x**-1)
    assert "label=<(·)<SUP>2</SUP>>" in dot and "label=<(·)<SUP>−1</SUP>>" in dot
