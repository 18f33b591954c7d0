"""The stepper pages on a projector: the picture fitted to the window, each step's node and its
label in view at every step, at 1024×768 and 1920×1080, in a real (headless) Chromium."""

import json
import re
import shutil

import pytest
from test_stepper import browser, neuron  # noqa: F401  (the browser fixture)

from autograd_lite import Value
from autograd_lite.nn import MLP
from viz import DrawingOptions, forward_stepper, stepper
from viz._stepping import LAYOUTS, MAX_SCALE, MIN_TEXT_PX

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)
SIZES = [(1024, 768), (1920, 1080)]
# and a 720p projector between them, for the steps in view
EVERY_SIZE = [(1024, 768), (1280, 720), (1920, 1080)]


def baydin():
    """Baydin et al.'s example: f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5)."""
    x1, x2 = Value(2.0, label="x1"), Value(5.0, label="x2")
    f = x1.log() + x1 * x2 - x2.sin()
    f.label = "f"
    return f, x1


def mlp_loss():
    """The squared error of a 2-3-1 network."""
    model = MLP(2, [3, 1])
    loss = (model([0.5, -1.0]) - 0.25) ** 2
    loss.label = "C"
    return loss, model.parameters()[0]


def lecture_neuron():
    """Karpathy's tanh neuron, its nodes named as a lecture names them."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, x1


GRAPHS = {"neuron": lecture_neuron, "baydin": baydin, "2-3-1 loss": mlp_loss}

# Where, at every step, the current value node, its label (the node's first text) and, when
# they fit beside it, its operands are, against the picture's visible area.
WHERE = """() => {
  const view = document.getElementById('graph');
  const b = view.getBoundingClientRect();
  const area = {l: b.left + view.clientLeft, t: b.top + view.clientTop};
  area.r = area.l + view.clientWidth; area.b = area.t + view.clientHeight;
  const inside = r => r.left >= area.l - 0.5 && r.right <= area.r + 0.5
                   && r.top >= area.t - 0.5 && r.bottom <= area.b + 0.5
                   && r.width > 0 && r.height > 0;
  const nodes = Array.from(document.querySelectorAll('#graph svg:not(.off) g.node.current'))
    .filter(g => !g.querySelector('title').textContent.endsWith('_op'));
  const byTitle = {};
  document.querySelectorAll('#graph svg:not(.off) g.node').forEach(
    g => { byTitle[g.querySelector('title').textContent] = g; });
  return nodes.map(g => {
    const id = g.querySelector('title').textContent;
    // the operands: the tails of the lit edges into the node's operation
    const operands = Array.from(document.querySelectorAll('#graph svg:not(.off) g.edge.active'))
      .map(e => e.querySelector('title').textContent.split('->'))
      .filter(([, head]) => head === id + '_op').map(([tail]) => byTitle[tail])
      .filter(x => x);
    const all = [g, ...operands].map(x => x.getBoundingClientRect());
    const fits = Math.max(...all.map(r => r.bottom)) - Math.min(...all.map(r => r.top))
                   <= area.b - area.t - 24
              && Math.max(...all.map(r => r.right)) - Math.min(...all.map(r => r.left))
                   <= area.r - area.l - 24;
    return {
      node: inside(g.getBoundingClientRect()),
      label: inside(g.querySelector('text').getBoundingClientRect()),
      operands: !fits || all.every(inside),
      n_operands: operands.length,
      // the node's largest text (its numbers), in CSS pixels
      text_px: Math.max(...Array.from(g.querySelectorAll('text')).map(
        t => parseFloat(t.getAttribute('font-size')))) * g.getScreenCTM().a,
    };
  });
}"""


def open_at(browser, path, width, height):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": height})
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
    )
    page.goto(path.resolve().as_uri())
    return page, problems


def picture_scale(page):
    """The picture's size over its natural size (dot draws in points: 4/3 px each)."""
    return page.evaluate(
        """() => { const s = document.querySelector('#graph svg:not(.off)');
                   return s.getBoundingClientRect().width / (s.viewBox.baseVal.width * 4 / 3); }"""
    )


def page_of(kind, make, tmp_path):
    root, wrt = make()
    if kind == "backward":
        return stepper(root, tmp_path / "page.html")
    return forward_stepper(root, wrt, tmp_path / "page.html")


@needs_dot
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["backward", "forward"])
@pytest.mark.parametrize("name", list(GRAPHS))
def test_every_steps_node_and_label_are_in_view_at_projector_sizes(
    browser,  # noqa: F811
    tmp_path,
    name,
    kind,
):
    path = page_of(kind, GRAPHS[name], tmp_path)
    for width, height in EVERY_SIZE:
        page, problems = open_at(browser, path, width, height)
        n = int(page.inner_text("#counter").split()[-1])
        operands = 0
        for k in range(1, n + 1):
            page.keyboard.press("ArrowRight")
            where = page.evaluate(WHERE)
            assert len(where) == 1, (width, k)
            assert where[0]["node"] and where[0]["label"], (width, height, k, where)
            assert where[0]["operands"], (width, height, k, where)
            operands += where[0]["n_operands"]
            # the fit never shrinks text below what a back row reads
            assert where[0]["text_px"] >= MIN_TEXT_PX * 0.95, (width, k, where)
        assert operands >= n - 1  # every step after the seed has its operands checked
        assert problems == []
        page.close()


def graph_and_panel(page):
    return page.evaluate(
        """() => [document.getElementById('graph').getBoundingClientRect().height,
                  document.getElementById('panel').getBoundingClientRect().height]"""
    )


# Where every value and operation node of the shown picture is, against the picture's
# visible area; the picture's text size, the panel's and the keys' line's.
WHOLE = """() => {
  const view = document.getElementById('graph');
  const b = view.getBoundingClientRect();
  const l = b.left + view.clientLeft, t = b.top + view.clientTop;
  const svg = document.querySelector('#graph svg:not(.off)');
  const out = Array.from(svg.querySelectorAll('g.node')).filter(g => {
    const r = g.getBoundingClientRect();
    return !(r.left >= l - 0.5 && r.right <= l + view.clientWidth + 0.5
             && r.top >= t - 0.5 && r.bottom <= t + view.clientHeight + 0.5);
  }).map(g => g.querySelector('title').textContent);
  const r = svg.getBoundingClientRect();
  const px = e => parseFloat(getComputedStyle(e).fontSize);
  return {
    outside: out,
    // room left around the picture, across and down
    room: [view.clientWidth - r.width, view.clientHeight - r.height],
    layout: svg.dataset.layout,
    text_px: parseFloat(svg.querySelector('g.node text').getAttribute('font-size'))
             * svg.getScreenCTM().a,
    panel_px: px(document.getElementById('step-lines')),
    keys_px: px(document.querySelector('footer')),
    fit: !document.getElementById('fit').disabled,
  };
}"""


@needs_dot
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["backward", "forward"])
def test_a_page_opens_with_the_whole_graph_fitted_and_larger_on_a_larger_screen(
    browser,  # noqa: F811
    tmp_path,
    kind,
):
    seen = {}
    for name, make in GRAPHS.items():
        path = page_of(kind, make, tmp_path)
        for width, height in SIZES:
            page, problems = open_at(browser, path, width, height)
            seen[name, width] = where = page.evaluate(WHOLE)
            if name == "2-3-1 loss" and width == 1024:
                # too large to show whole at 10 px in either layout: shown at 10 px and
                # scrolled, and Fit shows it whole, smaller
                assert where["outside"] and where["fit"], where
                assert where["text_px"] == pytest.approx(MIN_TEXT_PX, rel=0.01)
                page.click("#fit")
                fitted = page.evaluate(WHOLE)
                assert fitted["outside"] == [] and not fitted["fit"], fitted
                assert fitted["text_px"] < MIN_TEXT_PX
            else:
                assert where["outside"] == [], (name, width, where)
                assert where["text_px"] >= MIN_TEXT_PX * 0.99, (name, width, where)
                # as large as the window allows: it fills the width or the height
                assert min(where["room"]) < 40 or where["text_px"] >= 18.6 * MAX_SCALE
                assert not where["fit"]
            assert problems == []
            page.close()
        # on a projector's full HD, the picture grows with the screen
        assert seen[name, 1920]["text_px"] > seen[name, 1024]["text_px"] * 1.2, name
    # the wide ones are stacked where side by side would be too small to read
    assert seen["neuron", 1024]["layout"] == "stacked"
    assert seen["neuron", 1024]["text_px"] >= 14
    assert seen["baydin", 1024]["text_px"] >= 14
    # and the words around the picture are read from the back of a room
    assert seen["baydin", 1920]["keys_px"] >= 14 and seen["baydin", 1920]["panel_px"] >= 18
    assert seen["baydin", 1024]["keys_px"] >= 12 and seen["baydin", 1024]["panel_px"] >= 16


@needs_dot
@pytest.mark.slow
def test_a_layout_asked_for_is_the_only_one_on_the_page(browser, tmp_path):  # noqa: F811
    root, _ = lecture_neuron()
    for stacked in (False, True):
        path = stepper(root, tmp_path / "page.html", options=DrawingOptions(stacked=stacked))
        page, problems = open_at(browser, path, 1024, 768)
        layouts = page.eval_on_selector_all("#graph svg", "els => els.map(s => s.dataset.layout)")
        assert layouts == [LAYOUTS[stacked]]
        if not stacked:  # too wide to fit whole at 10 px: scrolled, and Fit shows it whole
            assert page.evaluate(WHOLE)["outside"]
            page.keyboard.press("0")
            assert page.evaluate(WHOLE)["outside"] == []
        assert problems == []
        page.close()


@needs_dot
@pytest.mark.slow
def test_a_sum_with_many_operands_scrolls_its_text_instead_of_squeezing_the_picture(
    browser,  # noqa: F811
    tmp_path,
):
    root, _ = mlp_loss()
    path = stepper(root, tmp_path / "page.html")
    page, _ = open_at(browser, path, 1024, 768)
    sizes = {tuple(graph_and_panel(page))}
    longest = 0
    for _ in range(int(page.inner_text("#counter").split()[-1])):
        page.keyboard.press("ArrowRight")
        sizes.add(tuple(graph_and_panel(page)))
        longest = max(longest, page.eval_on_selector_all("#step-lines li", "els => els.length"))
    assert longest == 7  # the output neuron's Σ: three weights, three inputs, a bias
    assert len(sizes) == 1  # neither the panel nor the picture changed size
    panel = page.evaluate(
        "() => { const p = document.getElementById('panel');"
        " return [p.scrollHeight, p.clientHeight]; }"
    )
    assert panel[0] > panel[1]  # the last step's text is longer than the panel: it scrolls
    page.close()


@needs_dot
@pytest.mark.slow
def test_zoom_keys_change_the_scale_and_fit_restores_it(browser, tmp_path):  # noqa: F811
    path = page_of("backward", neuron, tmp_path)
    page, problems = open_at(browser, path, 1920, 1080)
    fitted = picture_scale(page)
    assert page.is_disabled("#fit")
    page.keyboard.press("+")
    assert picture_scale(page) == pytest.approx(fitted * 1.25, rel=0.01)
    assert page.is_enabled("#fit")
    page.click("#zoom-out")
    page.click("#zoom-out")
    assert picture_scale(page) == pytest.approx(fitted * 0.8, rel=0.01)
    page.keyboard.press("0")
    assert picture_scale(page) == pytest.approx(fitted, rel=0.01)
    page.set_viewport_size({"width": 1024, "height": 768})
    # a smaller window refits the picture
    page.wait_for_function(
        "f => { const s = document.querySelector('#graph svg:not(.off)');"
        " return s.getBoundingClientRect().width / (s.viewBox.baseVal.width * 4 / 3) < f; }",
        arg=fitted * 0.99,
        timeout=5000,
    )
    # and a larger one back to what it was, whatever scroll bars the small one needed
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function(
        "f => { const s = document.querySelector('#graph svg:not(.off)');"
        " return s.getBoundingClientRect().width / (s.viewBox.baseVal.width * 4 / 3) > f; }",
        arg=fitted * 0.99,
        timeout=5000,
    )
    assert picture_scale(page) == pytest.approx(fitted, rel=0.001)
    assert problems == []
    page.close()


@needs_dot
def test_the_page_tells_its_script_the_smallest_and_largest_scale():
    root, _ = neuron()
    html = stepper(root).html
    data = json.loads(re.search(r'id="steps-data">(.*?)</script>', html, re.S)[1])
    # the picture's text is 14 pt, 14 × 4/3 px at its natural size
    assert data["min_scale"] * 14 * 4 / 3 == pytest.approx(MIN_TEXT_PX, abs=0.01)
    assert data["max_scale"] == MAX_SCALE >= 1
    assert 'id="fit"' in html and "Fit width" not in html
