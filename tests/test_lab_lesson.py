"""The lab's lesson: the teaching notebook as a page whose cells run in the browser.

The quick tests check the page made from the notebook (autograd_lite.lesson: every text
escaped, the math readable, the data sets the page cannot make) and run the page's Python
side (lab/site/lesson.py) in this interpreter. The slow ones build the site, serve it on
127.0.0.1 and open the lesson in headless Chromium, as tests/test_lab.py does: every request
that leaves the site is aborted and counted (the count must be 0), and the page must log no
error. One server sends the headers that make the page cross-origin isolated (a running cell
can then be interrupted); the other, like most static hosts, does not (the engine restarts).
"""

import functools
import html
import html.parser
import http.server
import importlib.util
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import time
import types

import pytest
from test_lab import CHROMIUM, CHROMIUM_ARGS, Quiet, command_line, npm_packages

from autograd_lite import explain, lesson
from autograd_lite.functional import grad, jvp

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK = json.loads((ROOT / lesson.NOTEBOOK).read_text("utf-8"))
TEMPLATE = (ROOT / "lab" / "site" / "lesson.html").read_text("utf-8")
CODE = ["".join(c["source"]) for c in NOTEBOOK["cells"] if c["cell_type"] == "code"]
LIMIT_S = 3  # the time limit the slow tests give a cell (?limit=3)
HOSTILE = "<script>alert(1)</script> \u202e [x](javascript:alert(1)) $</span><img src=x>$ \r\x1b"


def load_kernel():
    spec = importlib.util.spec_from_file_location("lesson_kernel", ROOT / "lab/site/lesson.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Tags(html.parser.HTMLParser):
    """Every start tag of a page with its attributes, and the text of its textareas."""

    def __init__(self, page):
        super().__init__()
        self.tags, self.textareas, self._in = [], [], False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "textarea":
            self.textareas.append("")
            self._in = True

    def handle_endtag(self, tag):
        self._in = self._in and tag != "textarea"

    def handle_data(self, data):
        if self._in:
            self.textareas[-1] += data


def lesson_page(notebook=NOTEBOOK, **kwargs):
    return lesson.lesson_html(notebook, TEMPLATE, **kwargs)


def notebook_of(*cells):
    return {"cells": [{"cell_type": kind, "source": source} for kind, source in cells]}


# ---- quick: the page made from the notebook ----


def test_every_code_cell_is_an_editable_box_holding_its_source():
    tags = Tags(lesson_page())
    assert tags.textareas == CODE and len(CODE) == 9
    sections = [a for t, a in tags.tags if t == "section" and "code" in a.get("class", "")]
    assert [s["data-n"] for s in sections] == [str(n) for n in range(1, 10)]


def test_the_cells_that_need_numpy_are_tagged_and_say_they_run_in_jupyter_only():
    tagged = [
        n
        for n, c in enumerate((c for c in NOTEBOOK["cells"] if c["cell_type"] == "code"), 1)
        if lesson.JUPYTER_ONLY in c.get("metadata", {}).get("tags", [])
    ]
    assert tagged == [7, 8]  # recording a training run, and the training page
    tags = Tags(lesson_page())
    sections = [a for t, a in tags.tags if t == "section" and "code" in a.get("class", "")]
    assert [s["data-n"] for s in sections if s.get("data-only") == "jupyter"] == ["7", "8"]
    page = lesson_page()
    for n in (7, 8):
        cell = page.split(f'id="cell-{n}"')[1].split("</section>")[0]
        assert '<p class="only">Runs in Jupyter only (it needs numpy' in cell
    assert page.count('class="only"') == 2


def test_a_tag_other_than_jupyter_only_changes_nothing():
    cell = {"cell_type": "code", "source": "x = 1", "metadata": {"tags": ["slow"]}}
    page = lesson_page({"cells": [cell]})
    assert "data-only" not in page and 'class="only"' not in page


def test_the_markdown_is_rendered_with_its_headings_and_title():
    page = lesson_page()
    assert "<title>Autodiff in class: from one neuron to a trained network · " in page
    assert '<h2 id="1-one-neuron">1. One neuron</h2>' in page
    assert "<ol><li>one neuron, built and drawn;</li>" in page
    assert "Press <strong>Next</strong> (or →)" in page
    assert "<em>one output</em>" in page and "<code>MLP.from_torch</code>" in page


def test_hostile_notebook_text_is_shown_never_obeyed():
    page = lesson_page(notebook_of(("markdown", HOSTILE), ("code", HOSTILE), ("raw", HOSTILE)))
    tags = Tags(page)
    assert [t for t, _ in tags.tags if t in ("script", "img")] == ["script"]  # lesson.js
    assert not any(a.get("href", "").startswith("javascript") for _, a in tags.tags)
    assert "\u202e" not in page and "\x1b" not in page and "\\u202e" in page
    assert tags.textareas == [html.unescape(lesson.escape.html(HOSTILE))]


def test_links_keep_http_and_lose_other_schemes():
    page = lesson.markdown_html("[a](https://x.org/?q=1&r=2) [b](JavaScript:alert) [c](#top)")
    assert '<a href="https://x.org/?q=1&amp;r=2" rel="noopener">a</a>' in page
    assert '<a href="#" rel="noopener">b</a>' in page and '<a href="#top"' in page


def test_math_reads_as_the_textbook_writes_it():
    z = lesson.tex_html("z^2_1 = \\sigma(w^2_{11})")
    assert '<i>z</i><span class="ss"><sup>2</sup><sub>1</sub></span>' in z
    assert 'σ(<i>w</i><span class="ss"><sup>2</sup><sub>11</sub></span>)' in z
    assert 'data-tex="z^2_1 = \\sigma(w^2_{11})"' in z
    assert "∂<i>y</i>" in lesson.tex_html("\\partial y") and "<i>a\u0307</i>" in lesson.tex_html(
        "\\dot a"
    )
    assert '<code class="tex">\\unknowncommand</code>' in lesson.tex_html("\\unknowncommand x")
    assert 'class="math display"' in lesson.markdown_html("$$\na^2\n$$")


def test_math_and_code_spans_keep_their_text_from_markdown():
    page = lesson.markdown_html("`a*b*c` and $a*b*c$ and *em*")
    assert "<code>a*b*c</code>" in page and 'data-tex="a*b*c"' in page and "<em>em</em>" in page


def test_katex_is_named_in_the_page_only_when_the_site_has_it(tmp_path):
    notebook = tmp_path / "n.ipynb"
    notebook.write_text(json.dumps(notebook_of(("markdown", "$x$"))))
    template = tmp_path / "t.html"
    template.write_text(TEMPLATE)
    plain = lesson.write_lesson(tmp_path, notebook, template).read_text()
    assert "katex.min" not in plain
    (tmp_path / "katex").mkdir()
    for name in ("katex.min.js", "katex.min.css"):
        (tmp_path / "katex" / name).write_text("")
    page = lesson.write_lesson(tmp_path, notebook, template).read_text()
    assert '<script src="katex/katex.min.js"></script>' in page
    assert '<link rel="stylesheet" href="katex/katex.min.css">' in page


def test_a_bad_notebook_or_template_is_refused_with_what_was_wrong(tmp_path):
    with pytest.raises(ValueError, match="'cells' is a list of objects"):
        lesson.lesson_html({"cells": "x"}, TEMPLATE)
    with pytest.raises(ValueError, match="has no <!-- lesson -->"):
        lesson.lesson_html(NOTEBOOK, "<html></html>")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{")
    with pytest.raises(ValueError, match="is not a notebook's JSON"):
        lesson.write_lesson(tmp_path, broken, ROOT / "lab" / "site" / "lesson.html")


def test_the_notebooks_data_sets_are_made_for_the_page():
    from autograd_lite.nn import data

    made = lesson.data_sets(NOTEBOOK, {"moons": data.moons, "circles": data.circles})
    key = lesson.data_set_key(
        "moons", {"n_samples": 100, "noise": 0.1, "seed": 1, "zero_one": False}
    )
    assert list(made["sets"]) == [key]
    assert made["sets"][key] == list(data.moons(n_samples=100, noise=0.1, seed=1))
    assert ["n_samples", "POSITIONAL_OR_KEYWORD", 100] in made["signatures"]["moons"]


# ---- quick: the page's Python side, run here ----


def run(kernel, source, n=1):
    items = []
    status = kernel.run_cell(source, n, items.append)
    return status, [json.loads(i) for i in items]


def test_cells_share_one_namespace_and_show_their_last_value():
    k = load_kernel().Kernel()
    status, items = run(k, "x = 2\nprint('x is', x)")
    assert status == "ok" and {(i["type"], i["name"]) for i in items} == {("stream", "stdout")}
    assert "".join(i["text"] for i in items) == "x is 2\n"
    status, items = run(k, "x * 21")
    assert items == [{"type": "display", "data": {"text/plain": "42"}}]
    status, items = run(k, "x = 3")  # an assignment shows nothing
    assert (status, items) == ("ok", [])


def test_an_object_is_shown_as_a_notebook_shows_it():
    k = load_kernel().Kernel()
    status, items = run(k, CODE[2])  # explain(y, x, digits=4)
    (item,) = items
    assert status == "ok" and "<table>" in item["data"]["text/html"]
    assert "engine gradient: 1.855 (agrees)" in " ".join(item["data"]["text/html"].split())
    assert item["data"]["text/plain"] == repr(explain_of_the_notebook())


def explain_of_the_notebook():
    from autograd_lite import Value

    x = Value(0.5, label="x")
    return explain(x * x.tanh() + x, x, digits=4)


def test_an_error_shows_its_traceback_from_the_cells_own_line():
    status, items = run(load_kernel().Kernel(), "def f():\n    return 1 / 0\n\nf()", n=7)
    assert status == "error" and [i["type"] for i in items] == ["error"]
    text = items[0]["text"]
    assert text.startswith('Traceback (most recent call last):\n  File "<cell 7>", line 4')
    assert 'File "<cell 7>", line 2, in f\n    return 1 / 0' in text
    assert text.endswith("ZeroDivisionError: division by zero\n") and "lesson.py" not in text


def test_a_syntax_error_says_where():
    status, items = run(load_kernel().Kernel(), "x = (1,\n")
    assert status == "error" and "SyntaxError" in items[0]["text"]
    assert 'File "<cell 1>", line 1' in items[0]["text"]


def test_printed_text_is_cut_past_the_bound_with_a_note():
    kernel = load_kernel()
    status, items = run(kernel.Kernel(), "for i in range(10**6):\n    print(i)\nprint('end')")
    text = "".join(i["text"] for i in items if i["type"] == "stream")
    assert status == "ok" and len(text) == kernel.MAX_TEXT and "end" not in text
    notes = [i["text"] for i in items if i["type"] == "note"]
    assert notes == [f"The output was cut after {kernel.MAX_TEXT:,} characters."]


def test_the_first_printed_text_is_sent_at_once():
    """A cell that prints and then runs long shows what it printed, even if it is stopped."""
    sent = []
    outputs = load_kernel().Outputs(sent.append)
    outputs.stream("stdout", "before\n")
    assert [json.loads(s)["text"] for s in sent] == ["before\n"]


def test_displays_past_the_bound_are_left_out_with_a_note(monkeypatch):
    kernel = load_kernel()
    monkeypatch.setattr(kernel, "MAX_RICH", 1000)
    status, items = run(kernel.Kernel(), "for i in range(3):\n    display('x' * 400)")
    assert [i["type"] for i in items] == ["display", "display", "note"]
    assert "left out" in items[-1]["text"]


def test_a_keyboard_interrupt_stops_the_cell_and_keeps_the_namespace():
    k = load_kernel().Kernel()
    run(k, "kept = 1")
    status, items = run(k, "raise KeyboardInterrupt")
    assert status == "error" and items[0]["text"].endswith("KeyboardInterrupt\n")
    assert run(k, "kept")[1] == [{"type": "display", "data": {"text/plain": "1"}}]


def test_dot_runs_through_the_pages_graphviz(monkeypatch):
    """viz runs dot with subprocess.run, the graphviz package with Popen: both reach the
    page's renderer, with the source and the format, and get text or bytes as they ask."""
    import graphviz

    from viz import limits

    monkeypatch.setattr(subprocess, "run", subprocess.run)
    monkeypatch.setattr(subprocess, "Popen", subprocess.Popen)
    calls = []

    def render(source, fmt):
        calls.append((source, fmt))
        return types.SimpleNamespace(ok="bad" not in source, output="<svg/>", errors="bad")

    spec = importlib.util.spec_from_file_location("wasm_dot", ROOT / "lab/site/wasm_dot.py")
    wasm_dot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wasm_dot)
    wasm_dot.use_wasm_dot(render)
    bundle = graphviz.Digraph(body=["a -> b\n"])._repr_mimebundle_()
    assert bundle == {"image/svg+xml": "<svg/>"} and calls[-1][1] == "svg"
    assert "a -> b" in calls[-1][0]
    assert limits.run_dot("digraph { x }", "svg", time_limit=5) == b"<svg/>"
    with pytest.raises(RuntimeError, match="dot failed .* bad"):
        limits.run_dot("digraph { bad }", "svg", time_limit=5)
    assert subprocess.run([sys.executable, "-c", "print(1)"], capture_output=True).stdout


def test_the_data_sets_module_answers_the_lessons_calls_and_explains_others():
    from autograd_lite.nn import data

    makers = {name: getattr(data, name) for name in ("moons", "circles")}
    table = json.dumps(lesson.data_sets(NOTEBOOK, makers))
    module = types.ModuleType("autograd_lite.nn.data")
    load_kernel().DataSets(table).exec_module(module)
    assert module.moons(100, noise=0.1, seed=1) == data.moons(n_samples=100, noise=0.1, seed=1)
    with pytest.raises(RuntimeError, match=r"needs numpy.*moons\(n_samples=100, noise=0.1"):
        module.moons(n_samples=200)
    with pytest.raises(TypeError):
        module.moons(colour="red")


def test_fit_trains_eagerly_where_there_is_no_numpy():
    script = (
        "import sys; sys.modules['numpy'] = None\n"
        "from autograd_lite.nn import MLP, fit\n"
        "X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], [1, 1, -1, -1]\n"
        "h = fit(MLP(2, [4, 1], seed=0), X, y, loss='hinge', steps=20, progress=False)\n"
        "print(h.mode, len(h.loss))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "eager: the compiled path needs numpy, not installed 20\n"


# ---- slow: the lesson in headless Chromium ----


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    npm_packages()
    folder = tmp_path_factory.mktemp("lab") / "site"
    text, code = command_line(["lab", str(folder)])
    assert code == 0, text
    return folder


class Isolated(Quiet):
    """The static server, with the headers that make a page cross-origin isolated."""

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()


def serve(site, handler):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


@pytest.fixture(scope="module")
def servers(site):
    plain, plain_url = serve(site, Quiet)
    isolated, isolated_url = serve(site, Isolated)
    yield {"plain": plain_url, "isolated": isolated_url}
    for server in (plain, isolated):
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Lesson:
    """The lesson page, with every request outside the site aborted and counted."""

    def __init__(self, browser, base_url, query="", size=(1366, 768)):
        self.outside, self.problems = [], []
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        self.context.route("**/*", functools.partial(self._route, base_url))
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(str(err)))
        self.page.goto(base_url + "lesson.html" + query)
        self.ready()

    def ready(self):
        self.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)

    def _route(self, base_url, route):
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _console(self, message):
        if message.type == "error":
            self.problems.append(message.text)

    def cell(self, n):
        return self.page.locator(f"#cell-{n}")

    def run(self, n, source=None, timeout=60_000):
        """Run cell n (with new source, if given); return its state when it is done."""
        if source is not None:
            self.cell(n).locator("textarea").fill(source)
        self.page.evaluate(f"document.querySelector('#cell-{n}').dataset.state = 'asked'")
        button = self.cell(n).locator("button.run")
        button.scroll_into_view_if_needed()  # before the click: a frame above may still move
        button.click()
        finished = "['done', 'error', 'stopped'].includes(document.querySelector('#cell-%d')"
        self.page.wait_for_function(finished % n + ".dataset.state)", timeout=timeout)
        return self.cell(n).get_attribute("data-state")

    def text(self, n):
        return self.cell(n).locator(".outputs").inner_text()

    def frame_text(self, n):
        """The text of cell n's HTML output (it runs in a sandboxed frame)."""
        frame = self.page.frame_locator(f"#cell-{n} iframe.html-output")
        return frame.locator("body").inner_text()

    def close(self):
        assert self.outside == [], f"requests outside the site: {self.outside}"
        assert self.problems == [], f"console errors: {self.problems}"
        self.context.close()


@pytest.fixture(scope="module")
def ran(browser, servers):
    """The lesson with Run all pressed and finished."""
    visit = Lesson(browser, servers["plain"])
    visit.page.click("#run-all")
    visit.page.wait_for_function("window.lessonRunAll !== undefined", timeout=120_000)
    yield visit
    visit.close()


def notebook_outputs():
    """What the notebook's cell 4 prints, run here by the library itself."""

    def f(a, b):
        return (a * b + a).sigmoid()

    reverse = grad(f, argnums=(0, 1))(0.3, -1.2)
    _, along_a = jvp(f, (0.3, -1.2), (1.0, 0.0))
    _, along_b = jvp(f, (0.3, -1.2), (0.0, 1.0))
    return (
        f"reverse mode, all partials at once:  ({reverse[0]:.6f}, {reverse[1]:.6f})\n"
        f"forward mode, one direction a pass:  ({along_a:.6f}, {along_b:.6f})"
    )


@pytest.mark.slow
def test_the_site_has_the_lesson_and_its_data_sets(site):
    page = (site / "lesson.html").read_text()
    assert Tags(page).textareas == CODE and '<body data-sets="lesson_data.json">' in page
    assert json.loads((site / "lesson_data.json").read_text())["sets"]
    assert 'href="lesson.html"' in (site / "index.html").read_text()


@pytest.mark.slow
def test_run_all_runs_the_notebooks_cells_with_their_outputs(ran):
    states = ran.page.evaluate("window.lessonRunAll.states")
    # §6 records a training run with numpy, which the browser does not have: its two cells
    # are tagged Jupyter only, and Run all skips them and runs the rest without an error
    assert states == ["done"] * 6 + ["skipped", "skipped", "done"]
    assert ran.page.locator(".outputs pre.error").count() == 0
    assert ran.text(7) == "" and ran.text(8) == ""
    progress = ran.page.inner_text("#progress")
    assert progress.startswith("7 cells ran in ") and "2 that run in Jupyter only" in progress
    for n in (7, 8):
        note = ran.cell(n).locator("p.only")
        assert note.is_visible() and "Runs in Jupyter only (it needs numpy" in note.inner_text()
    drawing = ran.cell(1).locator("img.image-output")
    assert drawing.get_attribute("src").startswith("data:image/svg+xml")
    assert drawing.evaluate("e => e.naturalWidth") > 200
    stepper = ran.page.frame_locator("#cell-2 iframe.html-output").frame_locator("iframe")
    assert stepper.locator("#counter").inner_text() == "Step 0 of 3"
    stepper.locator("#next").click()
    assert stepper.locator("#counter").inner_text() == "Step 1 of 3"
    assert "engine gradient: 1.855 (agrees)" in ran.frame_text(3)
    assert ran.text(4).strip() == notebook_outputs()
    assert "Forward tangent trace" in ran.frame_text(5)
    assert "w2" in ran.frame_text(6) and "w4" in ran.frame_text(6)


@pytest.mark.slow
def test_a_jupyter_only_cell_run_by_hand_says_why_it_cannot_run_here(ran):
    assert ran.run(7) == "error"
    assert "ModuleNotFoundError" in ran.text(7) and "This cell needs numpy" in ran.text(7)


@pytest.mark.slow
def test_the_last_cell_runs_on_its_own(ran):
    assert ran.run(9) == "done"
    assert ran.text(9).strip() == "PyTorch is not installed: pip install autograd-lite[torch]"


@pytest.mark.slow
def test_an_edited_cell_runs_again_with_its_new_result(ran):
    source = CODE[2].replace("Value(0.5", "Value(2.0")
    assert ran.run(3, source) == "done"
    t = math.tanh(2.0)
    assert f"engine gradient: {t + 2 * (1 - t * t) + 1:.4g} (agrees)" in ran.frame_text(3)
    ran.cell(3).locator("button.revert").click()  # back to the notebook's code
    assert ran.cell(3).locator("textarea").input_value() == CODE[2]
    assert ran.cell(3).locator("button.revert").is_hidden()


@pytest.mark.slow
def test_a_cell_that_raises_shows_its_traceback(ran):
    assert ran.run(4, "def inner():\n    return 1 / 0\n\ninner()") == "error"
    text = ran.text(4)
    assert 'File "<cell 4>", line 2, in inner' in text and "return 1 / 0" in text
    assert text.strip().endswith("ZeroDivisionError: division by zero")


@pytest.mark.slow
def test_shift_enter_runs_the_cell_and_moves_to_the_next(ran):
    ran.cell(5).locator("textarea").fill("print(6 * 7)")
    ran.page.evaluate("document.querySelector('#cell-5').dataset.state = 'asked'")
    ran.cell(5).locator("textarea").press("Shift+Enter")
    ran.page.wait_for_selector("#cell-5[data-state='done']", state="attached")
    assert ran.text(5).strip() == "42"
    assert ran.page.evaluate("document.activeElement.closest('section').id") == "cell-6"


@pytest.mark.slow
def test_an_infinite_loop_is_stopped_and_the_engine_restarts(browser, servers):
    visit = Lesson(browser, servers["plain"], f"?limit={LIMIT_S}")
    assert visit.page.evaluate("self.crossOriginIsolated") is False
    visit.run(1, "kept = 1")
    start = time.perf_counter()
    assert visit.run(2, "print('before')\nwhile True:\n    pass") == "stopped"
    assert time.perf_counter() - start < LIMIT_S + 5
    assert visit.text(2).startswith("before\n")
    assert f"ran longer than the limit of {LIMIT_S} s" in visit.text(2)
    assert "the namespace was reset" in visit.text(2)
    visit.ready()
    assert visit.run(3, "print('kept' in dir())") == "done" and visit.text(3).strip() == "False"
    visit.close()


@pytest.mark.slow
def test_an_infinite_loop_is_interrupted_where_the_page_is_isolated(browser, servers):
    visit = Lesson(browser, servers["isolated"], f"?limit={LIMIT_S}")
    assert visit.page.evaluate("self.crossOriginIsolated") is True
    visit.run(1, "kept = 1")
    start = time.perf_counter()
    assert visit.run(2, "while True:\n    pass") == "stopped"
    assert time.perf_counter() - start < LIMIT_S + 3
    assert "KeyboardInterrupt" in visit.text(2) and "The namespace is kept." in visit.text(2)
    assert visit.run(3, "print(kept)") == "done" and visit.text(3).strip() == "1"
    visit.close()


@pytest.mark.slow
def test_stop_ends_a_running_cell(browser, servers):
    visit = Lesson(browser, servers["isolated"])
    visit.cell(1).locator("textarea").fill("import time\nwhile True:\n    time.sleep(0.01)")
    visit.cell(1).locator("button.run").click()
    visit.page.wait_for_selector("#cell-1[data-state='running']", state="attached")
    visit.page.click("#stop")
    visit.page.wait_for_selector("#cell-1[data-state='stopped']", state="attached", timeout=10_000)
    assert "you pressed Stop" in visit.text(1)
    visit.close()


@pytest.mark.slow
def test_katex_typesets_the_math_when_the_site_has_it(site, browser, tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    (copy / "katex").mkdir(exist_ok=True)  # the lab may hold the real KaTeX already
    fake = "window.katex = {render(tex, e, o) { e.textContent = 'typeset ' + tex; }};"
    (copy / "katex" / "katex.min.js").write_text(fake)
    (copy / "katex" / "katex.min.css").write_text("")
    lesson.write_lesson(copy, ROOT / lesson.NOTEBOOK, ROOT / "lab" / "site" / "lesson.html")
    server, url = serve(copy, Quiet)
    visit = Lesson(browser, url)
    assert visit.page.get_attribute("body", "data-math") == "katex"
    first = visit.page.locator(".math").first.inner_text()
    assert first == "typeset z^2_1 = w^2_{11} a^1_1 + w^2_{12} a^1_2 + b^2_1"
    visit.close()
    server.shutdown()
    server.server_close()


def test_an_errors_text_is_cut_in_its_middle_past_the_bound():
    kernel = load_kernel()
    status, items = run(kernel.Kernel(), "raise ValueError('x' * 3_000_000 + 'END')")
    (error,) = [i["text"] for i in items if i["type"] == "error"]
    assert len(error) < kernel.MAX_TEXT + 100 and "characters left out" in error
    assert error.rstrip().endswith("END")  # the end of the message, where the type is said


def test_displayed_outputs_past_the_bound_are_left_out_with_a_note():
    kernel = load_kernel()
    status, items = run(kernel.Kernel(), "for i in range(5000):\n    display(i)")
    shown = [i for i in items if i["type"] == "display"]
    assert status == "ok" and len(shown) == kernel.MAX_DISPLAYS
    notes = [i["text"] for i in items if i["type"] == "note"]
    assert notes == [f"Displayed outputs past the first {kernel.MAX_DISPLAYS} were left out."]
