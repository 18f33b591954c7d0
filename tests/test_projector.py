"""The stepper pages on a projector: the picture fitted to the window, each step's node and its
label in view at every step, at 1024×768 and 1920×1080, in a real (headless) Chromium."""

import json
import re
import shutil

import pytest
from test_stepper import browser, neuron  # noqa: F401  (the browser fixture)

from autograd_lite import Value
from autograd_lite.nn import MLP
from viz import forward_stepper, stepper
from viz._stepping import MAX_SCALE, MIN_TEXT_PX

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


GRAPHS = {"neuron": neuron, "baydin": baydin, "2-3-1 loss": mlp_loss}

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
  const nodes = Array.from(document.querySelectorAll('#graph g.node.current'))
    .filter(g => !g.querySelector('title').textContent.endsWith('_op'));
  const byTitle = {};
  document.querySelectorAll('#graph g.node').forEach(
    g => { byTitle[g.querySelector('title').textContent] = g; });
  return nodes.map(g => {
    const id = g.querySelector('title').textContent;
    // the operands: the tails of the lit edges into the node's operation
    const operands = Array.from(document.querySelectorAll('#graph g.edge.active'))
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
        """() => { const s = document.querySelector('#graph svg');
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


@needs_dot
@pytest.mark.slow
def test_a_page_opens_fitted_whole_unless_its_text_would_be_too_small(
    browser,  # noqa: F811
    tmp_path,
):
    min_scale = MIN_TEXT_PX / (14 * 4 / 3)  # the picture's text is 14 pt
    whole = {}
    for name in ("baydin", "2-3-1 loss"):
        path = page_of("backward", GRAPHS[name], tmp_path)
        for width, height in SIZES:
            page, _ = open_at(browser, path, width, height)
            box = page.evaluate(
                """() => { const r = document.querySelector('#graph svg').getBoundingClientRect();
                           const v = document.getElementById('graph');
                           const b = v.getBoundingClientRect();
                           return [r.left - b.left, b.left + v.clientWidth - r.right,
                                   r.top - b.top, b.top + v.clientHeight - r.bottom]; }"""
            )
            scale = picture_scale(page)
            whole[name, width] = min(box) >= 0
            if whole[name, width]:
                # as large as the window allows: it fills the width or the height
                assert min(box[0] + box[1], box[2] + box[3]) < 40 or scale >= MAX_SCALE
            else:
                # too large to show whole with readable text: shown at the smallest scale
                assert scale == pytest.approx(min_scale, rel=0.01), (name, width, box)
            page.close()
    assert whole["baydin", 1920] and whole["2-3-1 loss", 1920]
    assert not whole["2-3-1 loss", 1024]


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
        "f => { const s = document.querySelector('#graph svg');"
        " return s.getBoundingClientRect().width / (s.viewBox.baseVal.width * 4 / 3) < f; }",
        arg=fitted * 0.99,
        timeout=5000,
    )
    # and a larger one back to what it was, whatever scroll bars the small one needed
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function(
        "f => { const s = document.querySelector('#graph svg');"
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
