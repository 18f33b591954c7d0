"""The training page: what it holds, its escaping, and the page itself in headless Chromium."""

import json
import os
import re

import pytest

from autograd_lite.nn import MLP, fit
from autograd_lite.nn.data import moons
from viz import TrainingPage, training, training_page
from viz.training import live_html, output_png, quantize

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def trained():
    X, y = moons(60, noise=0.1, seed=1)
    model = MLP(2, [6, 6, 1], seed=0)
    model.layers[0].neurons[0].w[0].label = XSS  # a hostile label must stay text
    history = fit(model, X, y, l2=1e-4, steps=40, record=8, grid_size=30)
    return model, history


def data_of(text):
    m = re.search(r'<script type="application/json" id="training-data">(.*?)</script>', text, re.S)
    return json.loads(m[1])


def test_the_page_is_self_contained_and_escapes_the_title(trained, tmp_path):
    _, history = trained
    path = training_page(history, tmp_path / "t.html", title=XSS)
    text = path.read_text(encoding="utf-8")
    assert XSS not in text  # neither the title nor the label appears as markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert not re.search(r"(src|href)=\"https?:", text)
    data = data_of(text)
    assert data["network"]["layers"][0]["neurons"][0]["w"][0] == XSS
    assert [s["step"] for s in data["snapshots"]] == [0, 8, 16, 24, 32, 40]


def test_inline_page_shows_in_a_sandboxed_iframe(trained):
    _, history = trained
    page = training_page(history)
    assert isinstance(page, TrainingPage) and page.n_snapshots == 6
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in shown
    assert "<script" not in shown  # the page is inside the attribute, escaped
    assert "6 snapshots" in repr(page)


def test_quantized_grid_keeps_the_sign_exactly():
    import numpy as np

    g = np.array([[-1e-300, 0.0, 1e-300], [-50.0, 3.0, -0.2]])
    q = np.frombuffer(quantize(g, 1), dtype=np.uint8).reshape(g.shape)
    assert ((q >= 128) == (g >= 0)).all()
    assert q[1, 0] == 0 and q[1, 1] > 250


def test_the_live_view_is_static_html_with_a_png(trained):
    _, history = trained
    text = live_html(history.record, history, 40)
    assert text.count("data:image/png;base64,") == 1 and "<script" not in text
    assert output_png(history.record.final.grid, 1).startswith(b"\x89PNG")


def test_a_page_refuses_what_is_not_a_record():
    with pytest.raises(TypeError, match="record=N"):
        training_page([1, 2, 3])


def test_a_page_is_drawn_from_the_history_or_its_record_alike(trained):
    _, history = trained
    assert training_page(history).html == training_page(history.record).html


def test_a_history_without_a_record_says_how_to_get_one():
    from autograd_lite.nn.data import xor

    X, y = xor(20, seed=0)
    history = fit(MLP(2, [3, 1], seed=0), X, y, steps=2, progress=False)
    with pytest.raises(ValueError, match=r"record=N"):
        training_page(history)


def test_the_live_view_outside_a_notebook_warns_and_training_runs_without_it():
    from autograd_lite.nn.data import xor
    from viz import LiveView

    X, y = xor(20, seed=0)
    with pytest.warns(UserWarning, match="notebook"):
        view = LiveView()
    h = fit(MLP(2, [3, 1]), X, y, steps=2, observers=[view], progress=False)
    assert len(h) == 2 and h.record is None  # no record asked, none wanted


def test_the_live_view_in_a_notebook_redraws_at_new_snapshots(monkeypatch):
    import sys
    import types

    from autograd_lite.nn import observers
    from autograd_lite.nn.data import xor
    from viz import training

    shown = []

    class Handle:
        def update(self, html):
            shown.append(html)

    display_module = types.ModuleType("IPython.display")
    display_module.HTML = lambda text: text
    display_module.display = lambda html, display_id: shown.append(html) or Handle()
    monkeypatch.setitem(sys.modules, "IPython.display", display_module)
    monkeypatch.setattr(training, "in_notebook", lambda: True)
    view = training.LiveView(interval=0)
    assert view.wants_record and isinstance(view, observers.Observer)
    X, y = xor(20, seed=0)
    h = fit(MLP(2, [3, 1], seed=0), X, y, steps=100, observers=[view], progress=False)
    assert [s.step for s in h.record][:3] == [0, 2, 4]  # steps // 50, as the view asks
    assert len(shown) == 1 + 50 + 1  # the first snapshot, each new one, the end
    assert "step 100 of 100" in shown[-1]


def test_the_live_view_refuses_a_bad_interval():
    with pytest.raises(ValueError, match="interval"):
        training.LiveView(interval=-1)


# --- in a real browser ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, path):
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: (problems.append("dialog: " + d.message), d.dismiss()))
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort(),
    )
    page.goto(path.resolve().as_uri())
    return page, problems


def shown_signs(page, grid):
    """Where the final model's output is clearly + or −, the colour the canvas shows there."""
    n = grid.shape[0]
    picks = [
        (r, c) for r in range(2, n - 2, 3) for c in range(2, n - 2, 3) if abs(grid[r, c]) > 0.3
    ]
    colours = page.evaluate(
        """([picks, n]) => {
            const c = document.getElementById("boundary"), ctx = c.getContext("2d");
            return picks.map(([r, col]) => {
                const x = Math.round(col / (n - 1) * c.width);
                const y = Math.round(c.height - r / (n - 1) * c.height);
                return Array.from(ctx.getImageData(x, y, 1, 1).data);
            });
        }""",
        [picks, n],
    )
    return picks, colours


@pytest.mark.slow
def test_scrubbing_to_the_end_shows_the_final_model(trained, browser, tmp_path):
    model, history = trained
    path = training_page(history, tmp_path / "t.html", title=XSS)
    page, problems = open_page(browser, path)
    assert page.evaluate("document.body.dataset.step") == "0"
    page.keyboard.press("End")
    assert page.evaluate("document.body.dataset.step") == "40"
    assert "step 40 of 40" in page.inner_text("#readout")
    grid = history.record.final.grid
    points = history.record.X
    picks, colours = shown_signs(page, grid)
    x0, x1, y0, y1 = history.record.extent
    checked = 0
    for (r, c), (red, _, blue, _) in zip(picks, colours):
        px, py = x0 + c * (x1 - x0) / 29, y0 + r * (y1 - y0) / 29
        if min(abs(px - a) + abs(py - b) for a, b in points) < 0.15:
            continue  # a data point is drawn over it
        assert (blue > red) == (grid[r, c] > 0), (r, c, red, blue, grid[r, c])
        checked += 1
    assert checked > 10
    page.fill("#slider", "0")
    page.dispatch_event("#slider", "input")
    assert page.evaluate("document.body.dataset.step") == "0"
    assert page.title() == XSS
    assert problems == []


@pytest.mark.slow
def test_hovering_a_neuron_shows_its_name_and_values(trained, browser, tmp_path):
    model, history = trained
    path = training_page(history, tmp_path / "t.html")
    page, problems = open_page(browser, path)
    page.keyboard.press("End")
    page.hover("#network .neuron[data-layer='1'][data-index='0']")
    tip = page.inner_text("#tooltip")
    assert tip.splitlines()[0] == "z²₁ → a²₁ = relu(z²₁)"
    assert XSS + " = " in tip  # the hostile weight label, as text
    n = model.layers[0].neurons[0]
    z = sum(w.data * x for w, x in zip(n.w, history.record.X[0])) + n.b.data
    shown = float(re.search(r"z²₁ = (\S+)", tip)[1])
    assert abs(shown - z) <= 1e-3 * max(1.0, abs(z))
    assert page.evaluate("document.querySelectorAll('#tooltip img').length") == 0
    page.hover("#play")
    assert page.evaluate("document.getElementById('tooltip').hidden")
    assert problems == []


@pytest.mark.slow
def test_play_runs_to_the_end(trained, browser, tmp_path):
    _, history = trained
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    page.click("#play")
    page.wait_for_function("document.body.dataset.step === '40'", timeout=10_000)
    assert "Play" in page.inner_text("#play")
    assert problems == []


def test_dots_and_curve_sit_on_the_same_steps(trained):
    _, history = trained
    data = data_of(training_page(history).html)
    curve = dict(zip(data["curve"]["step"], data["curve"]["loss"]))
    assert data["curve"]["step"][0] == 0  # the first batch's loss: before any update
    for s in data["snapshots"][:-1]:  # full batch: the snapshot's loss is that step's
        assert curve[s["step"]] == pytest.approx(s["loss"], rel=1e-5)


def test_the_page_shows_the_historys_last_loss_and_the_final_one(trained):
    _, history = trained
    data = data_of(training_page(history).html)
    assert data["last_batch"] == {"step": 40, "loss": pytest.approx(history.loss[-1], rel=1e-5)}
    assert data["snapshots"][-1]["loss"] == pytest.approx(history.record.final.loss, rel=1e-5)
    assert f"{history.record.final.loss:.6g}" in repr(history)


def test_the_page_holds_each_hidden_neurons_grid(trained):
    import base64

    import numpy as np

    _, history = trained
    data = data_of(training_page(history).html)
    side = data["neuron_n"]
    assert side == history.record.neuron_grid > 0
    last = data["snapshots"][-1]
    q = np.frombuffer(base64.b64decode(last["neurons"]), dtype=np.uint8).reshape(-1, side, side)
    a = history.record.final.neurons
    assert q.shape == a.shape == (12, side, side)
    shown = (q.astype(float) - 127.5) / 127.5 * np.array(last["scales"])[:, None, None]
    assert np.abs(shown - a).max() <= np.abs(a).max() / 127


@pytest.mark.slow
def test_small_layers_show_each_neurons_output_over_the_plane(trained, browser, tmp_path):
    _, history = trained
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    page.keyboard.press("End")
    squares = page.evaluate(
        """[...document.querySelectorAll('#network .neuron image')].map(i =>
            [i.parentNode.dataset.layer, i.getAttribute('href').slice(0, 22)])"""
    )
    # two inputs, 6 + 6 hidden neurons and the output: every node a picture of the plane
    assert len(squares) == 2 + 6 + 6 + 1
    assert all(href == "data:image/png;base64," for _, href in squares)
    labels = page.evaluate(
        "[...document.querySelectorAll('#network text.label')].map(t => t.textContent)"
    )
    assert labels == ["x₁", "x₂"]
    assert "white" in page.inner_text("#legend") and "blue" in page.inner_text("#legend")
    assert problems == []


@pytest.mark.slow
def test_wide_layers_show_a_neurons_output_on_hover(browser, tmp_path):
    X, y = moons(40, noise=0.1, seed=1)
    history = fit(MLP(2, [16, 16, 1], seed=0), X, y, steps=6, record=3, grid_size=20)
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    circles = page.evaluate("document.querySelectorAll('#network .neuron circle').length")
    assert circles == 32  # the wide layers as circles, coloured at the probe
    page.hover("#network .neuron[data-layer='2'][data-index='5']")
    assert page.evaluate("document.querySelectorAll('#tooltip canvas').length") == 1
    assert "over the plane" in page.inner_text("#tooltip")
    widths = page.evaluate(
        "[...document.querySelectorAll('#network line')].map(l => +l.getAttribute('stroke-width'))"
    )
    assert len(widths) == 2 * 16 + 16 * 16 + 16
    assert sorted(widths)[len(widths) // 2] < 1.5 < max(widths)  # most thin, the strongest thick
    assert problems == []


@pytest.mark.slow
def test_output_axes_colour_bar_settings_and_log_toggle(trained, browser, tmp_path):
    _, history = trained
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    axis = page.evaluate("[...document.querySelectorAll('#output text')].map(t => t.textContent)")
    assert "x₁" in axis and "x₂" in axis and "0" in axis and "output" in axis
    settings = page.inner_text("#settings")
    for words in ("2–6–6–1 (relu, relu, linear)", "loss hinge", "SGD", "L2 0.0001", "every 8"):
        assert words in settings
    linear = page.get_attribute("#curves polyline", "points")
    page.check("#logscale")
    assert page.get_attribute("#curves polyline", "points") != linear
    assert "loss (log scale)" in page.text_content("#curves")
    # the first dot (step 0) sits on the curve's first point
    x_dot = float(page.get_attribute("#curves circle.dot", "cx"))
    x_line, y_line = map(
        float, page.get_attribute("#curves polyline", "points").split()[0].split(",")
    )
    y_dot = float(page.get_attribute("#curves circle.dot", "cy"))
    assert abs(x_dot - x_line) < 0.1 and abs(y_dot - y_line) < 0.5
    assert problems == []


@pytest.mark.slow
@pytest.mark.parametrize("width,height", [(1024, 768), (1920, 1080)])
def test_the_panels_fit_the_window(trained, browser, tmp_path, width, height):
    _, history = trained
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    page.set_viewport_size({"width": width, "height": height})
    boxes = page.evaluate(
        """["network", "output", "curves"].map(id => {
            const r = document.getElementById(id).getBoundingClientRect();
            return [r.left, r.right, r.top, r.bottom, r.width]; })"""
    )
    for left, right, top, bottom, w in boxes:
        assert 0 <= left and right <= width and 0 <= top and bottom <= height
        assert w > 0.22 * width  # the panels grow with the window
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert problems == []


def test_the_notebook_frame_is_tall_enough_for_the_whole_page(trained):
    _, history = trained
    assert "height: 820px" in training_page(history)._repr_html_()


@pytest.mark.slow
def test_the_whole_page_fits_the_notebook_frame(trained, browser, tmp_path):
    _, history = trained
    page = training_page(history)
    tab, problems = open_page(browser, page.save(tmp_path / "t.html"))
    tab.set_viewport_size({"width": 900, "height": page.height})  # a notebook's width
    assert tab.evaluate("document.documentElement.scrollHeight") <= page.height
    assert problems == []


def _runs():
    from autograd_lite.nn import Layer, Neuron
    from autograd_lite.nn.data import blobs, xor

    X, y = blobs(45, centers=3, seed=0)
    yield (
        "three classes",
        fit(MLP(2, [6, 3], seed=0), X, y, loss="softmax_cross_entropy", steps=4, record=2),
    )
    X, y = xor(20, seed=0)
    yield "a lone neuron", fit(Neuron(2, activation="tanh"), X, y, steps=2, record=1)
    classes = [int(t > 0) for t in y]
    yield "a layer", fit(Layer(2, 2), X, classes, loss="softmax_cross_entropy", steps=2, record=1)
    X3 = [[0.1 * i, 0.2, -0.1 * i] for i in range(10)]
    y3 = [1 if i % 2 else -1 for i in range(10)]
    yield "three inputs", fit(MLP(3, [4, 1]), X3, y3, steps=4, record=2)
    inner = MLP(2, [3, 1], seed=0)

    class Mine:
        def __call__(self, x):
            return inner(x)

        def parameters(self):
            return inner.parameters()

    yield "a model of its own", fit(Mine(), X, y, steps=3, record=3, grid_size=5)
    split_off = (X[:5], y[:5])
    yield "a model of its own, tested", fit(Mine(), X[5:], y[5:], steps=3, record=1, grid_size=5,
                                             test=split_off)  # fmt: skip
    X, y = blobs(45, centers=3, seed=1)
    yield (
        "three classes, tested",
        fit(MLP(2, [6, 3], seed=0), X[9:], y[9:], loss="softmax_cross_entropy", steps=4, record=2,
            test=(X[:9], y[:9])),
    )  # fmt: skip
    yield "three inputs, tested", fit(MLP(3, [4, 1]), X3[2:], y3[2:], steps=4, record=2,
                                      test=(X3[:2], y3[:2]))  # fmt: skip


@pytest.mark.slow
def test_every_kind_of_run_draws_without_errors(browser, tmp_path):
    for name, history in _runs():
        page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
        page.keyboard.press("End")
        for node in page.query_selector_all("#network .neuron")[:4]:
            node.dispatch_event("mouseenter")
            assert page.inner_text("#tooltip").strip(), name
        page.check("#logscale")
        drawn = len(page.query_selector_all("#curves polyline.test"))
        assert drawn == (2 if "tested" in name else 0), name  # loss and accuracy
        assert problems == [], name
        page.close()


@pytest.mark.slow
def test_a_tooltip_leaves_the_output_panel_in_view(trained, browser, tmp_path):
    _, history = trained
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    page.set_viewport_size({"width": 1024, "height": 768})
    page.hover("#network .neuron[data-layer='2'][data-index='2']")
    tip = page.evaluate("(() => { const r = tooltip.getBoundingClientRect(); return r.right; })()")
    output = page.evaluate("document.getElementById('output').getBoundingClientRect().left")
    assert tip <= output
    assert problems == []


@pytest.fixture(scope="module")
def tested():
    from autograd_lite.nn.data import split

    X, y = moons(80, noise=0.15, seed=1)
    X_train, y_train, X_test, y_test = split(X, y, test_fraction=0.25, seed=0)
    model = MLP(2, [6, 6, 1], seed=0)
    history = fit(model, X_train, y_train, test=(X_test, y_test), l2=1e-4, steps=40, record=8,
                  grid_size=30, progress=False)  # fmt: skip
    return history, X_test


def test_the_page_holds_the_test_curves_at_the_training_curves_steps(tested):
    history, X_test = tested
    data = data_of(training_page(history).html)
    curve = data["curve"]
    assert curve["step"] == list(range(40))
    assert curve["test_loss"] == pytest.approx(history.test_loss, rel=1e-5)
    assert curve["test_accuracy"] == history.test_accuracy
    assert curve["test_loss"] != pytest.approx(curve["loss"], rel=1e-3)  # two curves
    for s, kept in zip(data["snapshots"], history.record):
        assert s["test_loss"] == pytest.approx(kept.test_loss, rel=1e-5)
        assert s["test_accuracy"] == kept.test_accuracy
    assert len(data["test_points"]) == len(X_test) == 20
    assert data["settings"]["data"] == "60 training + 20 test samples"


def test_a_page_without_a_test_set_holds_no_test_numbers(trained):
    _, history = trained
    data = data_of(training_page(history).html)
    assert "test_loss" not in data["curve"] and "test_loss" not in data["snapshots"][0]
    assert data["test_points"] == [] and "data" not in data["settings"]


def test_the_live_view_draws_the_test_curve_dashed(tested):
    history, _ = tested
    text = live_html(history.record, history, 40)
    assert text.count("<polyline") == 4 and text.count('stroke-dasharray="5,3"') == 2
    assert text.count('class="test"') == 20
    assert f"test loss {history.record.final.test_loss:.4g}" in text


def _points(page, selector):
    raw = page.get_attribute(selector, "points").split()
    return [tuple(map(float, p.split(","))) for p in raw]


@pytest.mark.slow
def test_the_page_draws_train_and_test_curves_with_a_legend(tested, browser, tmp_path):
    history, _ = tested
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    lines = page.query_selector_all("#curves polyline")
    assert len(lines) == 4  # loss and accuracy, each for the batch and the test set
    train, test = _points(page, "#curves polyline.train"), _points(page, "#curves polyline.test")
    assert len(train) == len(test) == 40
    assert [x for x, _ in train] == [x for x, _ in test]  # the same steps
    assert [y for _, y in train] != [y for _, y in test]
    colours = {line.get_attribute("stroke") for line in lines}
    assert len(colours) == 3  # orange loss, green accuracy, the test set's own colour
    legend = page.text_content("#curves")
    assert "training batch" in legend and "test set" in legend
    # drawn from the history's numbers: the larger the test loss, the higher on the chart
    by_loss = sorted(range(40), key=lambda i: history.test_loss[i])
    heights = [test[i][1] for i in by_loss]  # SVG y grows downwards
    assert heights == sorted(heights, reverse=True) and heights[0] > heights[-1] + 50
    page.check("#logscale")
    assert _points(page, "#curves polyline.test") != test
    assert len(_points(page, "#curves polyline.test")) == 40
    page.keyboard.press("End")
    final = history.record.final
    readout = page.inner_text("#readout")
    assert f"test accuracy {100 * final.test_accuracy:.1f}%" in readout
    assert "test loss" in readout
    assert "60 training + 20 test samples" in page.inner_text("#settings")
    assert "ringed in black" in page.inner_text("#output-note")
    assert problems == []


@pytest.mark.slow
def test_a_page_without_a_test_set_shows_no_test_curve(trained, browser, tmp_path):
    _, history = trained
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    assert page.query_selector_all("#curves polyline.test") == []
    assert "test" not in page.inner_text("body").replace("history.", "")
    assert problems == []


@pytest.mark.slow
@pytest.mark.parametrize("width,height", [(1024, 768), (1920, 1080)])
def test_a_page_with_a_test_set_fits_the_window(tested, browser, tmp_path, width, height):
    history, _ = tested
    page, problems = open_page(browser, training_page(history, tmp_path / "t.html"))
    page.set_viewport_size({"width": width, "height": height})
    for box in ("#network", "#output", "#curves"):
        r = page.evaluate(f"document.querySelector('{box}').getBoundingClientRect().toJSON()")
        assert 0 <= r["left"] and r["right"] <= width and r["bottom"] <= height
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    frame = training_page(history)
    page.set_viewport_size({"width": 900, "height": frame.height})
    assert page.evaluate("document.documentElement.scrollHeight") <= frame.height
    assert problems == []
