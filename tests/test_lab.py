"""The lab: `autograd-lite lab DIR` writes a static site that runs the package in the browser.

The quick tests run the page's Python side (lab/site/lab_room.py) in this interpreter and
check the build's own refusals. The slow ones build the site, serve it on 127.0.0.1 and open
it in headless Chromium with every request that leaves the site aborted and counted: the
count must be 0, and the page must log no error.
"""

import contextlib
import functools
import http.server
import importlib.util
import io
import json
import os
import pathlib
import shutil
import subprocess
import threading
import time
import urllib.parse

import pytest

from autograd_lite import cli, lab
from autograd_lite.formula import ExprError, latex

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAB = ROOT / "lab"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY_TARGET_S = 6.0
SIZE_TARGET_BYTES = 25_000_000
STEPS_PER_SECOND_TARGET = 30

SEED = {
    "formula": "s(x) = 1/(1+exp(-x))\nd(x) = s(x)*(1-s(x))\n"
    "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)",
    "values": "I=1,w1=0.5,w2=0.5,w3=0.5,w4=0.5,w5=0.5",
    "wrt": "w1",
    "yours": "d(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
    " * (d(s(I*w1+1)*w2+1)*d(I*w1+1)*I + d(s(I*w1+1)*w3+1)*d(I*w1+1)*I)",
}


def load_room():
    spec = importlib.util.spec_from_file_location("lab_room", LAB / "site" / "lab_room.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def command_line(argv):
    """What `autograd-lite ARGV` prints (stdout then stderr) and its exit code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return (out.getvalue() + err.getvalue()).rstrip("\n"), code


# ---- quick: the page's Python side, the pins, the build's refusals ----


def test_the_room_asks_the_command_line_itself():
    room = load_room()
    answer = json.loads(room.check(**SEED))
    text, code = command_line(answer["argv"])
    assert answer["code"] == code == 0
    assert answer["html"] == cli.escape.html(text)
    assert "Your formula is not ∂O/∂w1" in text and "w2, w4" in text


def test_the_rooms_html_is_escaped():
    answer = json.loads(load_room().check("<b>x</b>", "x=1", "x", ""))
    assert answer["code"] == 2
    assert "<b>" not in answer["html"] and "&lt;b&gt;" in answer["html"]


def test_the_playground_trains_the_packages_mlp():
    room = load_room()
    X = [[-1.0, -1.0], [-0.9, -1.1], [1.0, 1.0], [1.1, 0.9]] * 5
    y = [0, 0, 1, 1] * 5
    config = {"dataset": "d", "noise": 0, "layers": "4, 2", "activation": "tanh", "lr": 0.3}
    config.update(batch=4, l2=0.001, train=0.6)
    pg = room.Playground(json.dumps(config), json.dumps({"d": [{"X": X, "y": y}]}))
    first = json.loads(pg.run(0, 0, 0, [-2, 2, -2, 2]))
    last = json.loads(pg.run(2000, 200, 4, [-2, 2, -2, 2]))
    assert first["steps"] == 0 and last["steps"] == 200 and last["n_train"] == 12
    assert last["train_loss"] < first["train_loss"] and last["test_acc"] == 1.0
    assert len(last["grid"]) == 16 and [len(layer) for layer in last["neurons"]] == [4, 2]
    assert [[len(n) for n in layer] for layer in last["weights"]] == [[3] * 4, [5] * 2, [3]]


def test_the_room_typesets_the_question_and_the_chain_rules_derivative():
    answer = json.loads(load_room().typeset(**SEED, with_derivative=True))
    names = ["I", "w1", "w2", "w3", "w4", "w5"]
    assert answer["formula"] == {"tex": latex(SEED["formula"], variables=names)}
    assert answer["yours"]["tex"].startswith(r"d(s(s(I w_{1} + 1) \cdot w_{2} + 1)")
    derivative = answer["derivative"]["tex"]
    path = r"I \cdot s'(I w_{1} + 1) \cdot w_{2} \cdot s'(s(I w_{1} + 1) \cdot w_{2} + 1)"
    assert derivative.startswith(r"\begin{aligned}\frac{\partial O}{\partial w_{1}} &= " + path)
    assert derivative.count(r" \\ &\quad + I \cdot s'(I w_{1} + 1) \cdot w_{3}") == 1
    preview = json.loads(load_room().typeset(**SEED, with_derivative=False))
    assert "derivative" not in preview and preview["yours"] == answer["yours"]


@pytest.mark.parametrize(
    "question, derivative",
    [
        (
            ("h = tanh(w*x); L = 0.5*(h-y)^2", "w=0.3,x=2,y=1", "w", "(h-y)*x"),
            r"x \cdot \tanh'(w x) \cdot \left(h - y\right)",
        ),
        (("y = x*(1-x)", "x=0.3", "x", "1-2x"), r"-x \\ &\quad + 1 - x"),
        (("y = 2*x^2", "x=0.3", "x", "4x"), "4 x"),
        (
            ("p1, p2 = softmax(o1, o2); L = -y1*log(p1) - y2*log(p2)", "o1=0.3,o2=2,y1=1,y2=0")
            + ("o1", "p1 - y1"),
            r"p_{1} (1 - p_{1}) \cdot \ln'(p_{1}) \cdot \left(-y_{1}\right) \\ &\quad + ",
        ),
    ],
)
def test_the_chain_rules_derivative_is_one_line_per_path_with_its_signs(question, derivative):
    answer = json.loads(load_room().typeset(*question, with_derivative=True))
    assert derivative in answer["derivative"]["tex"]


def test_what_the_room_cannot_typeset_gets_the_readers_message():
    answer = json.loads(load_room().typeset("O = x^^2", "x=1", "x", "x(1-x)", True))
    with pytest.raises(ExprError) as caught:
        latex("O = x^^2", variables=["x"])
    assert answer["formula"] == {"error": str(caught.value)}
    assert answer["yours"]["error"].startswith("statement 1: x is not a function")
    assert answer["derivative"] is None


@pytest.mark.parametrize("layers", ["4,x", "100", "1,1,1,1,1,1,1", "-1"])
def test_the_playground_refuses_networks_past_its_bounds(layers):
    with pytest.raises(ValueError, match="hidden layers: "):
        load_room().hidden_layers(layers)


def test_the_javascript_dependencies_are_pinned_exactly_in_the_lock_file():
    wanted = json.loads((LAB / "package.json").read_text())["dependencies"]
    locked = json.loads((LAB / "package-lock.json").read_text())["packages"]
    for name, version in wanted.items():
        assert version[0].isdigit(), f"{name} is not pinned to one version: {version}"
        assert locked[f"node_modules/{name}"]["version"] == version


def test_a_checkout_without_npm_packages_is_told_to_run_npm_ci(tmp_path, monkeypatch):
    fake = tmp_path / "lab"
    (fake / "site").mkdir(parents=True)
    shutil.copy(LAB / "package.json", fake / "package.json")
    monkeypatch.setattr(lab, "lab_folder", lambda: fake)
    with pytest.raises(lab.LabError, match="run  npm ci  in"):
        lab.build_site(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_lab_command_is_listed_in_the_help(capsys):
    assert cli.main(["lab", "--help"]) == 0
    assert "Pyodide" in capsys.readouterr().out


# ---- slow: the site in headless Chromium ----


def installed(name):
    """The version of an npm package in lab/node_modules, or None."""
    try:
        return json.loads((LAB / "node_modules" / name / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def npm_packages():
    """lab/node_modules as `npm ci` makes it (run here if it is missing)."""
    pinned = json.loads((LAB / "package.json").read_text())["dependencies"]
    if any(installed(name) != version for name, version in pinned.items()):
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            pytest.skip("Node.js and npm are not installed (apt-get install nodejs npm)")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=LAB, check=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    npm_packages()
    folder = tmp_path_factory.mktemp("lab") / "site"
    text, code = command_line(["lab", str(folder)])
    assert code == 0, text
    return folder


@pytest.fixture(scope="module")
def base_url(site):
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


class Quiet(http.server.SimpleHTTPRequestHandler):
    """The static server, without a log line per request."""

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """A page of the site, with every request outside it aborted and counted."""

    def __init__(self, browser, base_url, where=""):
        self.outside, self.problems = [], []
        self.context = browser.new_context(viewport={"width": 1366, "height": 768})
        self.context.route("**/*", functools.partial(self._route, base_url))
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(str(err)))
        self.page.goto(base_url + "index.html" + where)
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

    def check(self, question):
        """Type a question, press Check, and return the text shown and its exit code."""
        for field, value in question.items():
            self.page.fill(f"#{field}", value)
        self.page.evaluate("delete document.querySelector('#result').dataset.code")
        self.page.evaluate("delete document.querySelector('#typeset').dataset.done")
        self.page.click("#run-check")
        self.page.wait_for_function("document.querySelector('#result').dataset.code !== undefined")
        return self.result()

    def result(self):
        code = self.page.get_attribute("#result", "data-code")
        return self.page.inner_text("#result"), code

    def close(self):
        assert self.outside == [], f"requests outside the site: {self.outside}"
        assert self.problems == [], f"console errors: {self.problems}"
        self.context.close()


@pytest.fixture(scope="module")
def checker(browser, base_url):
    visit = Visit(browser, base_url)
    yield visit
    visit.close()


def typeset(visit):
    """After a check: what each row of the typeset question holds, by row: the LaTeX KaTeX
    drew (from its MathML annotation), or the text of a message; None for a hidden row."""
    visit.page.wait_for_selector("#typeset[data-done='check']", state="attached")
    return visit.page.evaluate(
        """() => Object.fromEntries(["formula", "yours", "derivative"].map((k) => {
             const e = document.getElementById("tex-" + k);
             if (getComputedStyle(e.closest(".math-row")).display === "none") return [k, null];
             const tex = e.querySelector(".katex annotation");
             return [k, tex ? {tex: tex.textContent} : {error: e.textContent}];
           }))"""
    )


def argv_of(q):
    return load_room().command(q["formula"], q["values"], q["wrt"], q["yours"])


@pytest.mark.slow
def test_the_site_is_small_and_has_what_the_pages_load(site):
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    assert size < SIZE_TARGET_BYTES, f"the site is {size:,} bytes"
    names = sorted(p.name for p in (site / "pyodide").iterdir())
    assert names == sorted(lab.PYODIDE_FILES)
    manifest = json.loads((site / "manifest.json").read_text())
    assert (site / manifest["wheel"]).is_file()
    katex = sorted(p.relative_to(site / "katex").as_posix() for p in (site / "katex").rglob("*.*"))
    assert [p for p in katex if not p.startswith("fonts/")] == ["katex.min.css", "katex.min.js"]
    assert len(katex) == 22 and all(p.endswith(".woff2") for p in katex[:20])
    assert manifest["katex_macros"] == lab.KATEX_MACROS
    pages = json.loads((site / "steppers" / "index.json").read_text())
    assert len(pages) == 3 and all((site / "steppers" / p["file"]).is_file() for p in pages)


@pytest.mark.slow
def test_the_page_is_ready_offline_within_the_target(checker):
    seconds = checker.page.evaluate("window.labReadySeconds")
    assert 0 < seconds <= READY_TARGET_S
    assert not checker.page.is_disabled("#run-check")
    assert checker.outside == [] and checker.problems == []


@pytest.mark.slow
def test_the_seed_question_gets_the_command_lines_verdict(checker):
    text, code = checker.check(SEED)
    expected, expected_code = command_line(argv_of(SEED))
    assert (text, code) == (expected, str(expected_code)) and code == "0"
    assert "engine:        0.0014291881022" in text
    assert "your formula:  0.00571675240882" in text and "ratio yours/engine = 4" in text


@pytest.mark.slow
@pytest.mark.parametrize(
    "formula, why",
    [
        ("O = x^^2", "invalid syntax"),
        ("O = <img src=x onerror=alert(1)>", "cannot read the formula"),
        ("+".join(["x*x"] * 5000), "at most 5000 are accepted"),
    ],
    ids=["no-parse", "hostile", "huge"],
)
def test_bad_input_gets_the_command_lines_message(checker, formula, why):
    question = {**SEED, "formula": formula, "values": "x=1", "wrt": "x", "yours": "2*x"}
    start = time.perf_counter()
    text, code = checker.check(question)
    assert time.perf_counter() - start < 10
    expected, expected_code = command_line(argv_of(question))
    assert expected_code == 2 and why in expected
    assert (text, code) == (expected, "2")
    assert checker.page.eval_on_selector("#result", "e => e.children.length") == 0


def draw(visit, question):
    """Ask the page to draw a question; return the pictures' text and exit code."""
    for field, value in question.items():
        visit.page.fill(f"#{field}", value)
    visit.page.evaluate("delete document.querySelector('#pictures').dataset.code")
    visit.page.click("#draw")
    visit.page.wait_for_selector("#pictures[data-code]", state="attached", timeout=60_000)
    code = visit.page.get_attribute("#pictures", "data-code")
    return visit.page.inner_text("#pictures-text"), code


@pytest.mark.slow
def test_the_seed_question_is_typeset_by_katex_beside_the_verdict(checker):
    text, code = checker.check(SEED)
    shown = typeset(checker)
    assert shown["formula"]["tex"] == latex(
        SEED["formula"], variables=["I", "w1", "w2"] + ["w3", "w4", "w5"]
    )
    assert r"\frac{1}{1 + e^{-x}}" in shown["formula"]["tex"]
    assert shown["yours"]["tex"].startswith(r"d(s(s(I w_{1} + 1) \cdot w_{2} + 1)")
    derivative = shown["derivative"]["tex"]
    assert derivative.startswith(r"\begin{aligned}\frac{\partial O}{\partial w_{1}} &= I \cdot s'(")
    assert derivative.count(r"&\quad + ") == 1  # one line per chain-rule path
    assert checker.page.locator("#typeset .katex").count() == 3
    assert checker.page.locator("#typeset .katex-error").count() == 0
    assert "Your formula is not ∂O/∂w1" in text and code == "0"


@pytest.mark.slow
def test_a_sigmoid_and_its_derivative_are_typeset_as_sigma(checker):
    question = {"formula": "O = sigmoid(w*x)/2", "values": "w=0.5,x=2", "wrt": "w"}
    checker.check({**question, "yours": "σ'(w*x)*x/2"})
    shown = typeset(checker)
    assert shown["formula"]["tex"] == r"O = \frac{\sigma(w x)}{2}"
    assert shown["yours"]["tex"] == r"\frac{\sigma'(w x) \cdot x}{2}"
    assert r"\sigma'(w x)" in shown["derivative"]["tex"]
    katex = checker.page.inner_text("#tex-formula .katex-html")
    assert "σ" in katex and "w" in katex


@pytest.mark.slow
def test_hostile_names_are_typeset_as_their_characters_not_as_markup(checker):
    formula = "y = Łódź*x + 中文"
    question = {"formula": formula, "values": "x=1,Łódź=2,中文=3", "wrt": "x", "yours": "Łódź"}
    text, code = checker.check(question)
    shown = typeset(checker)
    assert shown["formula"]["tex"] == latex(formula, variables=["x", "Łódź", "中文"])
    assert "\\u4e2d\\u6587" in checker.page.inner_text("#tex-formula .katex-html")
    tags = checker.page.eval_on_selector_all("#typeset *", "es => es.map((e) => e.localName)")
    assert not {"img", "script", "iframe", "a", "input", "style"} & set(tags)
    assert code == "0" and "Your formula is right" in text


@pytest.mark.slow
@pytest.mark.parametrize(
    "formula",
    ["O = x^^2", "O = <img src=x onerror=alert(1)>", r"O = \input{/etc/passwd} + x"],
    ids=["no-parse", "html", "tex"],
)
def test_a_formula_that_does_not_parse_shows_the_readers_message(checker, formula):
    checker.check({"formula": formula, "values": "x=1", "wrt": "x", "yours": "2*x"})
    shown = typeset(checker)
    with pytest.raises(ExprError) as caught:
        latex(formula, variables=["x"])
    assert shown["formula"] == {"error": str(caught.value)}
    assert shown["yours"] == {"tex": "2 x"} and shown["derivative"] is None
    assert checker.page.eval_on_selector("#tex-formula", "e => e.children.length") == 0
    assert "error" in checker.page.get_attribute("#tex-formula", "class")


@pytest.mark.slow
def test_the_question_is_typeset_as_it_is_typed(checker):
    checker.check(SEED)
    typeset(checker)
    checker.page.evaluate("delete document.querySelector('#typeset').dataset.done")
    checker.page.fill("#yours", "d(I*w1+1)*I")
    checker.page.wait_for_selector("#typeset[data-done='preview']", state="attached")
    tex = checker.page.text_content("#tex-yours .katex annotation")
    assert tex == r"d(I w_{1} + 1) \cdot I"
    assert checker.page.locator("#tex-derivative").is_hidden()  # of the last check only


@pytest.mark.slow
def test_the_question_is_drawn_and_its_steppers_step_in_the_page(checker):
    text, code = draw(checker, SEED)
    assert (text, code) == ("", "0")
    assert checker.page.eval_on_selector("#graph", "e => e.naturalWidth") > 100
    for frame, kind in [("#backward-stepper", "Backward pass"), ("#forward-stepper", "Forward")]:
        stepper = checker.page.frame_locator(frame)
        assert stepper.locator("h1").inner_text().startswith(kind)
        total = stepper.locator("#counter").inner_text().split(" of ")[1]
        stepper.locator("#next").click()
        assert stepper.locator("#counter").inner_text() == f"Step 1 of {total}"


@pytest.mark.slow
def test_a_graph_over_the_drawing_limit_gets_the_command_lines_message(checker):
    question = {**SEED, "formula": "+".join(["x*x"] * 180), "values": "x=1", "wrt": "x"}
    text, code = draw(checker, question)
    argv = argv_of({**question, "yours": ""}) + ["--draw", "g.svg"]
    expected, expected_code = command_line(argv)
    assert code == str(expected_code) == "2"
    assert text == expected and "more than the drawing limit of 300" in text


@pytest.mark.slow
def test_a_link_restores_the_question_and_answers_it(browser, base_url):
    question = {"formula": "y = x^3 + w*x", "values": "x=2,w=-1", "wrt": "x", "yours": "3*x"}
    link = "#check?" + urllib.parse.urlencode(question, quote_via=urllib.parse.quote)
    visit = Visit(browser, base_url, link)
    assert {f: visit.page.input_value(f"#{f}") for f in question} == question
    visit.page.wait_for_function("document.querySelector('#result').dataset.code !== undefined")
    expected, code = command_line(argv_of(question))
    assert visit.result() == (expected, str(code))
    assert "Your formula is not ∂y/∂x" in expected
    visit.close()


@pytest.mark.slow
def test_the_link_of_the_page_is_the_question(checker, browser, base_url):
    question = {**SEED, "values": "I=2,w1=0.5,w2=-1,w3=0.5,w4=0.25,w5=0.5"}
    checker.check(question)
    link = checker.page.get_attribute("#link", "href")
    visit = Visit(browser, base_url, link)
    assert {f: visit.page.input_value(f"#{f}") for f in question} == question
    visit.close()


@pytest.mark.slow
def test_the_playground_trains_moons_past_95_percent_at_30_steps_a_second(browser, base_url):
    visit = Visit(browser, base_url, "#playground")
    page = visit.page
    page.wait_for_function("!document.querySelector('#play').disabled", timeout=60_000)
    assert page.input_value("#dataset") == "moons" and page.input_value("#layers") == "4,2"
    start = time.perf_counter()
    page.click("#play")
    page.wait_for_function(
        "window.labPlayground && window.labPlayground.testAccuracy >= 0.95", timeout=20_000
    )
    assert time.perf_counter() - start < 20
    figures = page.evaluate("window.labPlayground")
    assert figures["stepsPerSecond"] >= STEPS_PER_SECOND_TARGET, figures
    page.click("#play")  # pause
    page.wait_for_selector("#play[data-running='0']", state="attached")
    steps = page.evaluate("window.labPlaygroundLast.steps")
    page.click("#step")
    page.wait_for_function(f"window.labPlaygroundLast.steps === {steps + 1}")

    # a click on the second neuron of the first hidden layer opens its backward pass
    square = page.evaluate("Playground.squares.find((q) => q.layer === 0 && q.index === 1)")
    scale = page.eval_on_selector("#network", "e => e.getBoundingClientRect().width / e.width")
    middle = {k: (square[k] + square["size"] / 2) * scale for k in ("x", "y")}
    page.click("#network", position=middle)
    page.wait_for_selector("#neuron[data-state='done']", state="attached", timeout=30_000)
    stepper = page.frame_locator("#neuron-stepper")
    assert stepper.locator("h1").inner_text().startswith("Layer 2, neuron 2, at the point")
    stepper.locator("#next").click()
    assert stepper.locator("#counter").inner_text().startswith("Step 1 of ")
    visit.close()


@pytest.mark.slow
def test_a_link_to_the_playground_sets_it_up(browser, base_url):
    settings = {"dataset": "circles", "noise": "2", "layers": "3", "activation": "relu"}
    settings.update(lr="0.1", l2="0.001", batch="25", train="0.8")
    visit = Visit(browser, base_url, "#playground?" + urllib.parse.urlencode(settings))
    page = visit.page
    page.wait_for_function("!document.querySelector('#play').disabled", timeout=60_000)
    assert {k: page.input_value(f"#{k}") for k in settings} == settings
    page.wait_for_function("window.labPlaygroundLast !== undefined")
    assert page.evaluate("location.hash") == "#playground?" + urllib.parse.urlencode(
        {k: settings[k] for k in ["dataset", "noise", "train", "layers"]}
        | {k: settings[k] for k in ["activation", "lr", "l2", "batch"]}
    )
    visit.close()


@pytest.mark.slow
def test_the_steppers_step(browser, base_url):
    visit = Visit(browser, base_url, "#steppers")
    page = visit.page
    page.click("#stepper-list li a >> nth=1")
    page.wait_for_selector("#next")
    first = page.inner_text("#counter")
    page.click("#next")
    assert first.startswith("Step 0 of ") and page.inner_text("#counter").startswith("Step 1 of ")
    visit.close()


@pytest.mark.slow
@pytest.mark.parametrize("page_name", ["index.html", "lesson.html"])
def test_a_page_opened_as_a_file_says_how_to_serve_it(browser, site, page_name):
    context = browser.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto((site / page_name).as_uri())
        page.wait_for_function("document.getElementById('status').textContent.includes('server')")
        assert "python -m http.server" in page.locator("#status").inner_text()
        assert errors == []
    finally:
        context.close()
