"""The forward-mode stepper: its steps against jvp, and the page clicked through in a real
(headless) Chromium, as the backward page is."""

import shutil

import pytest
from examples import worked_example
from test_stepper import browser, open_page  # noqa: F401  (the browser fixture)

from autograd_lite import Value, jvp, topo_order, weighted_sum
from viz import forward_step_texts, forward_stepper, mode_costs
from viz.labels import format_number

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)


def graphs():
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    yield "fan-out", (x * y + x).tanh() * x, x
    yield "power and division", (x**2 + 1) / (y.exp() + x.sigmoid()), y
    z = weighted_sum([x, y], [2.0, Value(-0.5, label="a")], Value(0.1, label="b"))
    yield "weighted sum", z.tanh(), y
    out, w = worked_example()
    yield "worked example", out, w["w1"]


@pytest.mark.parametrize("name, root, wrt", list(graphs()), ids=[g[0] for g in graphs()])
def test_the_last_tangent_is_what_jvp_gives(name, root, wrt):
    steps = forward_step_texts(root, wrt)
    _, t = jvp(lambda v: _rebuilt(root, wrt, v), (wrt.data,), (1.0,))
    assert steps[-1].node == len(topo_order(root)) - 1 and steps[-1].updates[-1][1] == t
    assert len(steps) == 1 + sum(1 for v in topo_order(root) if v.parents)


def _rebuilt(root, wrt, v):
    """root's graph with wrt replaced by v (a new leaf): jvp's own graph of the same function."""
    from autograd_lite.engine import apply

    new = {wrt: v}
    for node in topo_order(root):
        if node.parents:
            new[node] = apply(node.op, tuple(new.get(p, p) for p in node.parents))
    return new[root]


def test_one_step_per_operation_each_saying_its_rule_in_numbers():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    steps = forward_step_texts(c, a)
    assert steps[0].title == "Start at the input: tangent(a) = 1"
    assert steps[1].lines == (
        "tangent(a) × ∂(a·b)/∂a = tangent(a) × b = 1 × -3 = -3",
        "tangent(b) × ∂(a·b)/∂b = 0 (b does not move)",
        "tangent(c) = -3 + 0 = -3",
    )


def test_forward_step_texts_refuse_an_input_that_is_not_a_leaf_of_the_graph():
    x = Value(1.0)
    with pytest.raises(ValueError, match="leaf"):
        forward_step_texts(x * 2, Value(3.0))
    with pytest.raises(ValueError, match="leaf"):
        forward_step_texts((x * 2).exp(), x * 2)


def test_the_costs_count_passes_per_input_and_per_output():
    out, _ = worked_example()
    text = mode_costs(out)
    assert "6 inputs" in text and "6 passes (one per input)" in text
    assert "1 pass (one per output)" in text and "14 operation visits" in text


@needs_dot
@pytest.mark.slow
def test_forward_page_steps_to_the_tangent_jvp_gives(browser, tmp_path):  # noqa: F811
    out, w = worked_example()
    order = topo_order(out)
    steps = forward_step_texts(out, w["w1"])
    tangents = [0.0] * len(order)
    for step in steps:
        tangents[step.node] = step.updates[-1][1]
    path = forward_stepper(out, w["w1"], tmp_path / "forward.html")
    page, problems = open_page(browser, path)
    assert "one per input" in page.inner_text("#costs")
    assert page.inner_text("#counter") == f"Step 0 of {len(steps)}"
    for k in range(1, len(steps) + 1):
        page.click("#next")
        assert page.text_content("#step-title") == steps[k - 1].title
    shown = page.evaluate(
        """n => Array.from({length: n}, (_, i) => {
             const g = Array.from(document.querySelectorAll('#graph g.node'))
               .find(g => g.querySelector('title').textContent === 'n' + i);
             if (!g) return null;
             const t = Array.from(g.querySelectorAll('text'))
               .filter(t => t.textContent.startsWith('tangent '));
             return t.length ? t[t.length - 1].textContent : null;
           })""",
        len(order),
    )
    _, t = jvp(lambda v: _rebuilt(out, w["w1"], v), (0.5,), (1.0,))
    assert shown[-1] == f"tangent {format_number(t, '.4g')}"
    assert tangents[-1] == t
    assert page.is_disabled("#next")
    page.click("#reset")
    assert page.text_content("#step-title").startswith("Before the forward pass")
    assert all(
        s in (None, "tangent 0")
        for s in page.evaluate(
            "Array.from(document.querySelectorAll('#graph text')).filter(t => "
            "t.textContent.startsWith('tangent ')).map(t => t.textContent.startsWith('tangent 0') "
            "? 'tangent 0' : t.textContent)"
        )
    )
    assert problems == []
    page.close()
