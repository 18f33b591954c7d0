"""The backward-pass stepper: its steps against the engine, the page's escaping, and the page
itself driven in a real (headless) Chromium."""

import html
import json
import os
import re
import shutil

import pytest
from examples import worked_example

from autograd_lite import Value, escape, gradients, topo_order, weighted_sum
from autograd_lite.teach.traces import traces
from viz import DotNotFoundError, DrawingOptions, GraphTooLargeError, backward_step_texts, stepper
from viz._page import safe_json
from viz.labels import page_number
from viz.stepper import step_texts

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)
XSS = "<img src=x onerror=alert(1)>"


def neuron():
    """The README's neuron: o = tanh(x1·w1 + x2·w2 + b)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, x1


def graphs():
    """Small graphs covering every kind of step: fan-out, a*a, constants, n-ary, powers."""
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    yield "product", x * y
    yield "square by reuse", x * x
    yield "fan-out", (x * y + x).tanh() * x
    yield "power and division", (x**2 + 1) / (y.exp() + x.sigmoid())
    yield "abs relu log", abs(y).log() + (x - 0.2).relu() - y.cos()
    z = weighted_sum([x, y], [2.0, Value(-0.5, label="a^1_2")], Value(0.1, label="b"))
    yield "weighted sum", z.tanh()
    yield "worked example", worked_example()[0]


def test_steps_call_an_unlabelled_node_as_the_trace_tables_do():
    x1, x2 = Value(2.0, label="x1"), Value(5.0, label="x2")
    f = x1.log() + x1 * x2 - x2.sin()
    rows = traces(f, [x1, x2]).evaluation.rows
    assert [(r.lhs, r.rule) for r in rows[2:6]] == [
        ("v₁", "ln(v₋₁)"),
        ("v₂", "v₋₁ × v₀"),
        ("v₃", "sin(v₀)"),
        ("v₄", "v₁ + v₂"),
    ]
    titles = [s.title for s in backward_step_texts(f)]
    assert titles[1].startswith("Back through v₅ = v₄ − v₃ = 10.69 − (−0.9589) = 11.65, ")
    assert titles[3].startswith("Back through v₄ = v₁ + v₂ = 0.6931 + 10 = 10.69, ")
    assert titles[-1].startswith("Back through v₁ = ln(x1) = ln(2) = 0.6931, ")


@pytest.mark.parametrize("name, root", list(graphs()), ids=[n for n, _ in graphs()])
def test_replayed_steps_end_with_the_engines_gradients(name, root):
    steps = backward_step_texts(root)
    order = topo_order(root)
    grads = gradients(root, order)
    # the same numbers, replayed from the steps' own updates
    shown = [0.0] * len(order)
    for step in steps:
        for i, g in step.updates:
            shown[i] = g
    assert shown == grads
    for v in order:  # the graphs share their leaves
        v.grad = 0.0
    root.backward()
    assert [v.grad for v in order] == grads


def test_one_step_per_operation_after_the_seed():
    out, _ = worked_example()
    steps = backward_step_texts(out)
    order = topo_order(out)
    assert steps[0].node == len(order) - 1 and steps[0].updates == ((len(order) - 1, 1.0),)
    assert [s.node for s in steps[1:]] == [
        i for i in reversed(range(len(order))) if order[i].parents
    ]


def test_step_says_the_chain_rule_in_names_then_numbers():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    out = x * w
    out.label = "out"
    loss = out + out
    steps = backward_step_texts(loss, fmt=".1f")
    mul = steps[2]
    assert mul.lines == (
        "grad(x) += ∂out/∂x × grad(out) = w × grad(out) = −3.0 × 2.0 = −6.0",
        "grad(w) += ∂out/∂w × grad(out) = x × grad(out) = 2.0 × 2.0 = 4.0",
    )
    assert mul.title == "Back through out = x·w = 2.0·(−3.0) = −6.0, grad(out) = 2.0"


def test_operands_are_never_called_by_the_tables_placeholders():
    # the ops table writes ∂(a·b)/∂a; with a bias called b, "b = b" would clash
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    out = ((x * y + x).tanh() * x) ** 2 / (y.exp() - x.sigmoid())
    for step in backward_step_texts(out):
        for text in (step.title, *step.lines):
            assert not re.search(r"(?<![A-Za-z0-9])(a|b|out)(?![A-Za-z0-9])", text), text


def test_the_bias_b_is_named_once_and_means_the_bias():
    o, _ = neuron()
    titles = [s.title for s in backward_step_texts(o)]
    assert titles[2] == "Back through n = v₃ + b = −6 + 6.881 = 0.8814, grad(n) = 0.5000"


def test_a_second_path_adds_to_the_grad_and_says_so():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    steps = backward_step_texts(y)
    assert steps[1].lines[1] == (
        "grad(x) += ∂y/∂x × grad(y) = x × grad(y) = 3 × 1 = 3;  "
        "grad(x) = 3 + 3 = 6 (sum over paths)"
    )


def test_weighted_sum_steps_name_each_operand_by_its_label():
    w = [Value(0.5, label="w^2_11"), Value(-1.0, label="w^2_12")]
    a = [Value(2.0, label="a^1_1"), Value(3.0, label="a^1_2")]
    z = weighted_sum(w, a, Value(1.0, label="b^2_1"))
    z.label = "z^2_1"
    step = backward_step_texts(z)[1]
    assert step.title == (
        "Back through z²₁ = w²₁₁·a¹₁ + w²₁₂·a¹₂ + b²₁ = 0.5000·2 + (−1)·3 + 1 = −1, grad(z²₁) = 1"
    )
    assert step.lines[0] == "grad(w²₁₁) += ∂z²₁/∂w²₁₁ × grad(z²₁) = a¹₁ × grad(z²₁) = 2 × 1 = 2"
    assert step.lines[3] == "grad(a¹₂) += ∂z²₁/∂a¹₂ × grad(z²₁) = w²₁₂ × grad(z²₁) = −1 × 1 = −1"
    assert step.lines[4] == "grad(b²₁) += ∂z²₁/∂b²₁ × grad(z²₁) = 1 × grad(z²₁) = 1 × 1 = 1"


def test_constants_get_no_line_of_their_own():
    x = Value(0.5, label="x")
    y = weighted_sum([x], [2.0], 1.0) * 3
    y.label = "y"
    steps = backward_step_texts(y)
    assert [len(s.lines) for s in steps[1:]] == [1, 1]
    assert steps[2].lines == ("grad(x) += ∂v₁/∂x × grad(v₁) = 2 × grad(v₁) = 2 × 3 = 6",)


def test_a_rule_shows_its_numbers_put_in_before_its_value():
    x = Value(0.5, label="x")
    y = x.tanh()
    y.label = "y"
    assert backward_step_texts(y)[1].lines[0] == (
        "grad(x) += ∂y/∂x × grad(y) = (1 − y²) × grad(y) = (1 − 0.4621²) × 1 = 0.7864 × 1 = 0.7864"
    )
    z = Value(-0.5, label="z^2_1").tanh()
    z.label = "a^2_1"
    # a label with scripts is bracketed under a power, a negative number after an operator
    assert "= (1 − (a²₁)²) × grad(a²₁) = (1 − (−0.4621)²) × 1" in backward_step_texts(z)[1].lines[0]
    s = (Value(-2.0, label="s") ** 2).exp()
    s.label = "e"
    square = backward_step_texts(s)[2]
    assert square.title.startswith("Back through v₁ = s² = (−2)² = 4, ")
    assert square.lines[0].startswith("grad(s) += ∂v₁/∂s × grad(v₁) = 2·s × grad(v₁) = 2·(−2) × ")


def test_every_number_has_four_significant_digits_and_a_true_minus():
    o, _ = neuron()
    for step in backward_step_texts(o):
        for text in (step.title, *step.lines):
            assert "-" not in text
            for number in re.findall(r"\d+\.\d+", text):
                assert len(number.lstrip("0.").replace(".", "")) == 4, (number, text)


def test_steps_touch_no_grad():
    out, w = worked_example()
    w["w1"].grad = 7.0
    backward_step_texts(out)
    assert w["w1"].grad == 7.0 and out.grad == 0.0


def test_json_for_the_page_cannot_close_the_script_or_open_markup():
    text = safe_json({"label": "</script><script>alert(1)</script> & <!--"})
    assert not set("<>&") & set(text)
    assert json.loads(text) == {"label": "</script><script>alert(1)</script> & <!--"}


@needs_dot
def test_page_shows_labels_as_text_only(tmp_path):
    x = Value(2.0, label=XSS)
    y = Value(1.0, label="</script><script>alert(2)</script>")
    out = x * y
    page = stepper(out, tmp_path / "p.html", title="t <b>&").read_text(encoding="utf-8")
    assert "<img" not in page and page.count("<script") == 2
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # in the SVG
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page  # in the JSON
    assert "<title>t &lt;b&gt;&amp;</title>" in page


@needs_dot
def test_page_is_self_contained(tmp_path):
    page = stepper(worked_example()[0], tmp_path / "p.html").read_text(encoding="utf-8")
    assert not re.search(r"\b(src|href)\s*=", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert set(re.findall(r"https?://[^\s\"']+", page)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }
    assert "<svg" in page and "<?xml" not in page


@needs_dot
def test_stepper_refuses_a_graph_above_the_limit_and_writes_nothing(tmp_path):
    y = Value(0.1)
    for _ in range(20):
        y = y.sin()
    with pytest.raises(
        GraphTooLargeError,
        match=r"21 value nodes.*stepper\(root, \.\.\., "
        r"options=DrawingOptions\(max_nodes=21\)\)",
    ):
        stepper(y, tmp_path / "p.html", options=DrawingOptions(max_nodes=20))
    assert not (tmp_path / "p.html").exists()


def test_stepper_without_dot_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(DotNotFoundError, match="apt-get install graphviz"):
        stepper(worked_example()[0], tmp_path / "p.html")
    assert not (tmp_path / "p.html").exists()


# --- the page in a real browser --------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (CI installs Debian's chromium package)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, path):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append("dialog: " + d.message), d.dismiss()))
    page.goto(path.resolve().as_uri())
    return page, problems


def shown_grads(page, n):
    """The grad text each value node shows in the picture (None for compact constants)."""
    return page.evaluate(
        """n => Array.from({length: n}, (_, i) => {
             const g = Array.from(document.querySelectorAll('#graph svg:not(.off) g.node'))
               .find(g => g.querySelector('title').textContent === 'n' + i);
             if (!g) return null;
             const t = Array.from(g.querySelectorAll('text'))
               .filter(t => t.textContent.startsWith('grad '));
             return t.length ? t[t.length - 1].textContent : null;
           })""",
        n,
    )


@needs_dot
@pytest.mark.slow
def test_page_steps_through_the_whole_backward_pass(browser, tmp_path):
    out, w = worked_example()
    w["w1"].label = XSS  # must show as text and run nothing
    order = topo_order(out)
    steps = backward_step_texts(out)
    path = stepper(out, tmp_path / "steps.html")
    engine = [f"grad {page_number(g, '.4g')}" for g in gradients(out, order)]
    page, problems = open_page(browser, path)

    drawn = [i for i, g in enumerate(shown_grads(page, len(order))) if g is not None]
    assert len(drawn) >= 12
    assert all(shown_grads(page, len(order))[i] == "grad 0" for i in drawn)
    assert page.inner_text("#counter") == f"Step 0 of {len(steps)}"
    assert page.is_disabled("#prev") and page.is_disabled("#reset")

    for k in range(1, len(steps) + 1):
        page.click("#next")
        assert page.inner_text("#counter") == f"Step {k} of {len(steps)}"
        assert page.text_content("#step-title") == steps[k - 1].title
    final = shown_grads(page, len(order))
    assert [final[i] for i in drawn] == [engine[i] for i in drawn]
    assert page.is_disabled("#next")
    lines = page.eval_on_selector_all("#step-lines li", "els => els.map(e => e.textContent)")
    assert lines == list(steps[-1].lines)
    # the last step runs the first operation: its node and incoming edges are lit
    assert (
        page.eval_on_selector_all("#graph svg:not(.off) g.node.current", "els => els.length") == 2
    )
    assert page.eval_on_selector_all("#graph svg:not(.off) g.edge.active", "els => els.length") == 3

    page.click("#prev")
    assert page.inner_text("#counter") == f"Step {len(steps) - 1} of {len(steps)}"
    before_last = [0.0] * len(order)
    for step in steps[:-1]:
        for i, g in step.updates:
            before_last[i] = g
    now = shown_grads(page, len(order))
    assert [now[i] for i in drawn] == [f"grad {page_number(before_last[i], '.4g')}" for i in drawn]

    page.click("#reset")
    assert page.inner_text("#counter") == f"Step 0 of {len(steps)}"
    assert all(shown_grads(page, len(order))[i] == "grad 0" for i in drawn)
    assert page.eval_on_selector_all("g.current, g.active", "els => els.length") == 0

    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.inner_text("#counter") == f"Step 2 of {len(steps)}"
    page.keyboard.press("ArrowLeft")
    assert page.inner_text("#counter") == f"Step 1 of {len(steps)}"

    w1 = order.index(w["w1"])
    assert (
        page.evaluate(
            """id => Array.from(document.querySelectorAll('#graph svg:not(.off) g.node'))
             .find(g => g.querySelector('title').textContent === id)
             .querySelector('text').textContent""",
            f"n{w1}",
        )
        == XSS
    )
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert problems == []
    page.close()


@needs_dot
@pytest.mark.slow
def test_play_runs_to_the_end_by_itself(browser, tmp_path):
    x = Value(0.5, label="x")
    out = (x * x).tanh()
    path = stepper(out, tmp_path / "play.html", interval_ms=20)
    page, problems = open_page(browser, path)
    page.click("#play")
    page.wait_for_function(
        "document.getElementById('counter').textContent === 'Step 3 of 3'", timeout=3000
    )
    assert page.inner_text("#play").endswith("Play") and page.is_disabled("#next")
    assert problems == []
    page.close()


@needs_dot
def test_same_graph_gives_a_byte_identical_page(tmp_path):
    first = stepper(worked_example()[0], tmp_path / "a.html").read_bytes()
    second = stepper(worked_example()[0], tmp_path / "b.html").read_bytes()
    assert first == second


def test_steps_agree_with_backward_where_a_float_adjoint_would_underflow():
    # d(0.5/r)/dr = -0.5/r² underflows as a float at r = 1e300, and dr/dx = -1/x² overflows:
    # backward() works the adjoints out exactly and gives 0.5, and so do the steps
    x = Value(1e-300, label="x")
    y = 0.5 / (1 / x)
    steps = backward_step_texts(y)
    order = topo_order(y)
    assert steps[-1].updates[-1] == (order.index(x), 0.5)
    assert (
        steps[-1]
        .lines[-1]
        .endswith("= 0.5000 (worked out exactly: as floats, the factors alone over- or underflow)")
    )
    y.backward()
    assert x.grad == 0.5


@needs_dot
def test_stepper_page_shows_the_grad_backward_gives_where_adjoints_underflow():
    x = Value(1e-300, label="x")
    page = stepper(0.5 / (1 / x))
    data = json.loads(re.search(r'id="steps-data">(.*?)</script>', page.html).group(1))
    assert data["steps"][-1]["updates"][-1][1:] == ["0.5000", 0.5]


def test_stepper_refuses_options_it_draws_itself():
    x = Value(0.5, label="x")
    with pytest.raises(ValueError, match=r"highlight=\(Value"):
        stepper(x.exp(), options=DrawingOptions(highlight=[x]))
    with pytest.raises(ValueError, match="color_by_grad=True"):
        stepper(x.exp(), options=DrawingOptions(color_by_grad=True))
    with pytest.raises(TypeError, match="DrawingOptions"):
        stepper(x.exp(), options={"rankdir": "TB"})


def test_stepper_default_limit_is_the_drawing_limit():
    import inspect

    from viz.dot import DEFAULT_MAX_NODES

    # `is`, not ==: a second literal 300 written elsewhere would be another object.
    parameters = inspect.signature(DrawingOptions).parameters
    assert parameters["max_nodes"].default is DEFAULT_MAX_NODES


@needs_dot
@pytest.mark.slow
def test_page_with_a_lone_surrogate_and_a_huge_label_steps_to_the_end(browser, tmp_path):
    w = Value(0.5, label="w_" + "long_name_" * 2000)
    x = Value(2.0, label="a\ud800b")
    out = (w * x).tanh()
    steps = backward_step_texts(out)
    path = stepper(out, tmp_path / "hostile.html", title="steps \udfff")
    page, problems = open_page(browser, path)
    assert page.inner_text("h1") == "steps \\udfff"
    for _ in steps:
        page.click("#next")
    lines = page.eval_on_selector_all("#step-lines li", "els => els.map(e => e.textContent)")
    assert any("grad(a\\ud800b) +=" in line for line in lines)
    assert any(w.label in line for line in lines)  # the panel shows the label in full
    texts = page.eval_on_selector_all("#graph text", "els => els.map(e => e.textContent)")
    assert "a\\ud800b" in texts
    assert any(t.startswith("w_long_name_") and "…" in t for t in texts)
    assert page.inner_text("#counter") == f"Step {len(steps)} of {len(steps)}"
    assert problems == []
    page.close()


# --- the page inline, as a notebook shows it -------------------------------------------------


@needs_dot
def test_stepper_without_a_path_returns_the_page_that_save_writes(tmp_path):
    out = worked_example()[0]
    page = stepper(out)
    written = stepper(out, tmp_path / "a.html")
    assert page.save(tmp_path / "b.html") == tmp_path / "b.html"
    assert (tmp_path / "b.html").read_bytes() == written.read_bytes()
    assert page.html == written.read_text(encoding="utf-8")
    assert page.n_steps == len(backward_step_texts(out))
    assert "StepperPage" in repr(page) and ".save(path)" in repr(page)


@needs_dot
def test_inline_page_is_a_sandboxed_iframe_holding_the_escaped_page():
    x = Value(2.0, label=XSS + '"')
    page = stepper((x * x).tanh(), title='t "</iframe>')
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and shown.endswith("></iframe>")
    assert shown.count("<iframe") == 1 and shown.count("</iframe>") == 1
    assert 'sandbox="allow-scripts"' in shown and "allow-same-origin" not in shown
    assert "<img" not in shown and "<script" not in shown
    srcdoc = re.search(r'srcdoc="([^"]*)"', shown).group(1)
    assert html.unescape(srcdoc) == page.html


@needs_dot
@pytest.mark.slow
def test_inline_page_steps_inside_its_iframe(browser, tmp_path):
    out, _ = worked_example()
    steps = backward_step_texts(out)
    inline = stepper(out)
    notebook = tmp_path / "notebook.html"
    notebook.write_text(
        "<!DOCTYPE html><html><body><p id='above'>cell</p>"
        + inline._repr_html_()
        + "</body></html>",
        encoding="utf-8",
    )
    page, problems = open_page(browser, notebook)
    frame = page.frame_locator("iframe")
    assert frame.locator("#counter").inner_text() == f"Step 0 of {len(steps)}"
    frame.locator("#next").click()
    frame.locator("#next").click()
    assert frame.locator("#counter").inner_text() == f"Step 2 of {len(steps)}"
    assert frame.locator("#step-title").text_content() == steps[1].title
    frame.locator("#graph").press("ArrowRight")  # keys work once the frame has focus
    assert frame.locator("#counter").inner_text() == f"Step 3 of {len(steps)}"
    assert frame.locator("#graph svg:not(.off) g.node.current").count() == 2
    # sandboxed: the page cannot reach the notebook around it
    inner = page.frames[1]
    reach = "() => { try { return parent.document.body.id; } catch (e) { return 'refused'; } }"
    assert inner.evaluate(reach) == "refused"
    assert page.evaluate("window.scrollY") == 0
    assert problems == []
    page.close()


def lecture_neuron():
    """The tanh neuron with its sums named as a lecture writes them: names of several
    symbols, which the text must bracket where it differentiates them."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + Value(6.8813735870195432, label="b")
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, x1


def test_a_name_of_several_symbols_is_bracketed_where_it_is_differentiated():
    o, _ = lecture_neuron()
    lines = [line for step in backward_step_texts(o) for line in step.lines]
    assert "grad(x1*w1 + x2*w2) += ∂n/∂(x1*w1 + x2*w2) × grad(n) = 1 × grad(n)" in "\n".join(lines)
    assert any(line.startswith("grad(x1*w1) += ∂(x1*w1 + x2*w2)/∂(x1*w1) × ") for line in lines)
    assert any(line.startswith("grad(x1) += ∂(x1*w1)/∂x1 × grad(x1*w1) = w1 × ") for line in lines)
    # a name of one symbol is not
    assert any(line.startswith("grad(n) += ∂o/∂n × grad(o)") for line in lines)
    assert not any("∂x1*w1" in line or "∂n/∂x1*w1" in line for line in lines)


def test_the_latex_steps_bracket_such_names_too():
    # the Beamer frames' words: LaTeX names, and plain ones deciding where brackets go
    o, _ = lecture_neuron()
    order = topo_order(o)
    latex = [escape.latex(v.label) for v in order]
    steps = step_texts(order, ".4g", latex, escape.latex)
    text = "\n".join(line for step in steps for line in step.lines)
    partial = escape.latex("∂")
    assert f"{partial}n/{partial}(x1*w1 + x2*w2)" in text
    assert f"{partial}(x1*w1)/{partial}x1" in text
