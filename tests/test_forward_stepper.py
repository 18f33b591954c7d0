"""The forward-mode stepper: its steps against jvp, and the page clicked through in a real
(headless) Chromium, as the backward page is."""

import shutil

import pytest
from examples import worked_example
from test_stepper import browser, lecture_neuron, open_page  # noqa: F401  (the browser fixture)

from autograd_lite import Value, jvp, topo_order, weighted_sum
from autograd_lite.teach.traces import traces
from viz import forward_step_texts, forward_stepper, mode_costs
from viz._step_words import dotted
from viz.labels import page_number

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
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    c = x * w
    c.label = "c"
    steps = forward_step_texts(c, x)
    assert steps[0].title == "Start at the input: ẋ = 1"
    assert steps[1].title == "Forward through c = x·w = 2·(−3) = −6"
    assert steps[1].lines == (
        "ẋ × ∂c/∂x = ẋ × w = 1 × (−3) = −3",
        "∂c/∂w × 0 = 0 (w does not move: its tangent is 0)",
        "ċ = −3 + 0 = −3",
    )


def test_the_forward_page_names_nodes_and_tangents_as_the_trace_tables_do():
    x1, x2 = Value(2.0, label="x1"), Value(5.0, label="x2")
    f = x1.log() + x1 * x2 - x2.sin()
    table = traces(f, [x1, x2]).tangent
    steps = forward_step_texts(f, x1)
    # the trace's v̇₄ = v̇₁ + v̇₂ is the step through v₄ = v₁ + v₂
    assert [r.rule for r in table.rows if r.lhs == "v̇₄"] == ["v̇₁ + v̇₂"]
    through_v4 = next(s for s in steps if s.title.startswith("Forward through v₄ "))
    assert through_v4.title == "Forward through v₄ = v₁ + v₂ = 0.6931 + 10 = 10.69"
    assert through_v4.lines[-1] == "v̇₄ = 0.5000 + 5 = 5.500"
    assert table.value("v̇₄") == through_v4.updates[-1][1]
    # a rule shows its numbers put in: 1/x1 = 1/2 = 0.5
    assert steps[1].lines[0] == "ẋ1 × ∂v₁/∂x1 = ẋ1 × 1/x1 = 1 × 1/2 = 1 × 0.5000 = 0.5000"


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
             const g = Array.from(document.querySelectorAll('#graph svg:not(.off) g.node'))
               .find(g => g.querySelector('title').textContent === 'n' + i);
             if (!g) return null;
             const t = Array.from(g.querySelectorAll('text'))
               .filter(t => t.textContent.startsWith('tangent '));
             return t.length ? t[t.length - 1].textContent : null;
           })""",
        len(order),
    )
    _, t = jvp(lambda v: _rebuilt(out, w["w1"], v), (0.5,), (1.0,))
    assert shown[-1] == f"tangent {page_number(t, '.4g')}"
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


def test_the_tangent_of_a_name_of_several_symbols_is_bracketed():
    o, x1 = lecture_neuron()
    lines = [line for step in forward_step_texts(o, x1) for line in step.lines]
    # ẋ2*w2 would read as the tangent of x2, times w2
    assert "(x2*w2)˙ = 0 + 0 = 0" in lines
    assert "ẋ1 × ∂(x1*w1)/∂x1 = ẋ1 × w1 = 1 × (−3) = −3" in lines
    assert "(x1*w1 + x2*w2)˙ × ∂n/∂(x1*w1 + x2*w2) = (x1*w1 + x2*w2)˙ × 1 = −3 × 1 = −3" in lines
    assert "ṅ = −3 + 0 = −3" in lines
    assert not any("ẋ2*w2" in line for line in lines)


@pytest.mark.parametrize(
    "name, tangent",
    [("x1", "ẋ1"), ("v₄", "v̇₄"), ("z²₂", "ż²₂"), ("x1*w1", "(x1*w1)˙"), ("loss", "(loss)˙")],
)
def test_a_tangent_is_dotted_on_one_symbol_and_bracketed_otherwise(name, tangent):
    assert dotted(name) == tangent
