"""explain: the chain rule as a sum over paths, checked against brute-force enumeration."""

import math
import random
import sys

import pytest
from examples import worked_example
from expressions import BINARY, NAMES, UNARY, step
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, gradients, topo_order
from autograd_lite.teach.explain import explain


def brute_force_paths(root, wrt):
    """Every path from wrt to root as (edges, product), enumerated with an explicit stack."""
    out = []
    stack = [(root, [], 1.0)]
    while stack:
        node, edges, prod = stack.pop()
        if node is wrt:
            out.append((edges, prod))
            continue
        if not node.parents:
            continue
        from autograd_lite.ops import OPS

        locals_ = OPS[node.op].rule(1.0, node.data, *[p.data for p in node.parents])
        for i, p in enumerate(node.parents):
            stack.append((p, [(p, node, i)] + edges, prod * locals_[i]))
    return out


def random_shared_graph(seed, n_nodes=25):
    """A random DAG where later nodes reuse earlier ones (shared subexpressions)."""
    rng = random.Random(seed)
    x = Value(rng.uniform(0.5, 1.5), label="x")
    y = Value(rng.uniform(0.5, 1.5), label="y")
    nodes = [x, y]
    for _ in range(n_nodes):
        a, b = rng.choice(nodes[-6:]), rng.choice(nodes)
        op = rng.choice(["add", "mul", "tanh", "sigmoid", "sub"])
        if op == "add":
            v = a + b
        elif op == "sub":
            v = a - b
        elif op == "mul":
            v = (a * b).tanh()
        else:
            v = getattr(a, op)()
        nodes.append(v)
    return nodes[-1] + nodes[-2] * nodes[-3], x, y


def test_question_1_has_two_paths_summing_to_the_gradient():
    out, v = worked_example(share_hidden=False)
    ex = explain(out, v["w1"])
    assert ex.path_count == 2 and len(ex.paths) == 2
    assert ex.total == pytest.approx(0.00142918810220, abs=1e-12)
    assert ex.gradient == pytest.approx(0.00142918810220, abs=1e-12)
    assert ex.agrees


def test_question_1_paths_carry_the_factors_the_hand_formula_missed():
    out, v = worked_example(share_hidden=False)
    ex = explain(out, v["w1"])
    formulas = [[e.formula for e in p.edges] for p in ex.paths]
    assert "∂(a·w2)/∂a = w2" in formulas[0] and "∂(a·w4)/∂a = w4" in formulas[0]
    assert "∂(a·w3)/∂a = w3" in formulas[1] and "∂(a·w5)/∂a = w5" in formulas[1]
    assert formulas[0][0] == "∂(I·w1)/∂w1 = I"
    assert formulas[0][-1] == "∂σ(a)/∂a = O·(1 − O)"


def test_each_path_product_is_the_product_of_its_local_derivatives():
    out, v = worked_example(share_hidden=False)
    for p in explain(out, v["w1"]).paths:
        assert p.product == pytest.approx(math.prod(e.local for e in p.edges), rel=1e-15)
        assert p.product == pytest.approx(0.00142918810220 / 2, abs=1e-12)


def test_square_gives_two_edges_one_per_operand_position():
    a = Value(3.0, label="a")
    ex = explain(a * a, a)
    assert ex.path_count == 2
    assert sorted(p.edges[0].position for p in ex.paths) == [0, 1]
    assert ex.total == 6.0


@pytest.mark.parametrize("seed", range(8))
def test_path_count_matches_brute_force_on_shared_subexpressions(seed):
    root, x, _ = random_shared_graph(seed)
    assert explain(root, x, max_paths=0).path_count == len(brute_force_paths(root, x))


@pytest.mark.parametrize("seed", range(8))
def test_sum_of_all_path_products_is_the_gradient(seed):
    root, x, y = random_shared_graph(seed)
    for wrt in (x, y):
        ex = explain(root, wrt, max_paths=0)
        brute = math.fsum(p for _, p in brute_force_paths(root, wrt))
        assert ex.total == pytest.approx(brute, rel=1e-9, abs=1e-12)
        assert ex.total == pytest.approx(gradients(root, [wrt])[0], rel=1e-9, abs=1e-12)
        assert ex.agrees


@pytest.mark.parametrize("seed", range(4))
def test_listed_paths_are_the_largest_in_order(seed):
    root, x, _ = random_shared_graph(seed)
    brute = sorted((abs(p) for _, p in brute_force_paths(root, x)), reverse=True)
    ex = explain(root, x, max_paths=5)
    got = [abs(p.product) for p in ex.paths]
    assert got == pytest.approx(brute[:5], rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("seed", range(4))
def test_listed_paths_are_distinct_real_paths(seed):
    root, x, _ = random_shared_graph(seed)
    real = {
        tuple((id(p), id(c), i) for p, c, i in edges) for edges, _ in brute_force_paths(root, x)
    }
    listed = [
        tuple((id(e.parent), id(e.child), e.position) for e in p.edges)
        for p in explain(root, x, max_paths=30).paths
    ]
    assert len(set(listed)) == len(listed)
    assert set(listed) <= real


def test_exponentially_many_paths_are_counted_not_listed():
    x = Value(1.0, label="x")
    y = x
    for _ in range(100):
        y = y * 0.5 + y * 0.5
    ex = explain(y, x, max_paths=3)
    assert ex.path_count == 2**100
    assert len(ex.paths) == 3 and ex.left_out == 2**100 - 3
    assert ex.total == pytest.approx(1.0)
    assert ex.left_out_total == pytest.approx(1.0 - 3 * 0.5**100)


def test_left_out_paths_are_reported_in_the_table():
    x = Value(1.0, label="x")
    y = x
    for _ in range(5):
        y = y * 0.5 + y * 0.5
    assert "28 more path(s) not listed" in str(explain(y, x, max_paths=4))


def test_node_without_dependence_has_no_paths():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    ex = explain(a * 3, b)
    assert (ex.path_count, ex.paths, ex.total, ex.gradient, ex.agrees) == (0, (), 0.0, 0.0, True)


def test_root_with_respect_to_itself_is_one_empty_path():
    a = Value(1.0, label="a")
    ex = explain(a, a)
    assert ex.path_count == 1 and ex.paths[0].edges == () and ex.total == 1.0


@pytest.mark.slow
def test_deep_chain_does_not_recurse():
    # 2,400 deep: past Python's recursion limit of 1,000, within the teaching bound of 5,000
    # nodes (a chain of n products has 2n + 1 nodes)
    x = Value(0.3, label="x")
    y = x
    for _ in range(2400):
        y = y * 1.0
    assert sys.getrecursionlimit() < 2400
    ex = explain(y, x)
    assert ex.path_count == 1 and len(ex.paths[0].edges) == 2400 and ex.agrees


def test_interior_node_as_wrt():
    x = Value(0.7, label="x")
    h = (x * 2).tanh()
    h.label = "h"
    out = h * h + h
    ex = explain(out, h)
    assert ex.path_count == 3 and ex.total == pytest.approx(2 * h.data + 1)


def test_weighted_sum_edges_use_the_labels():
    from autograd_lite import weighted_sum

    w = Value(0.5, label="w^2_11")
    b = Value(0.1, label="b^2_1")
    z = weighted_sum([w], [Value(2.0, label="a^1_1")], b)
    z.label = "z^2_1"
    ex = explain(z.sigmoid(), w)
    assert ex.paths[0].edges[0].formula == "∂z^2_1/∂w^2_11 = a^1_1"
    assert explain(z, b).paths[0].edges[0].formula == "∂z^2_1/∂b^2_1 = 1"


def test_explain_changes_no_grad():
    out, v = worked_example(share_hidden=False)
    explain(out, v["w1"])
    assert all(leaf.grad == 0.0 for leaf in v.values()) and out.grad == 0.0


def test_html_escapes_labels():
    a = Value(2.0, label="<b>a&")
    page = explain(a * 3, a)._repr_html_()
    assert "&lt;b&gt;a&amp;" in page and "<b>a&" not in page


def test_markdown_has_a_row_per_edge_and_the_totals():
    out, v = worked_example(share_hidden=False)
    md = explain(out, v["w1"]).markdown()
    assert md.count("→") == 20
    assert "engine gradient:    0.0014291881022  (agrees)" in md


def test_highlight_holds_the_paths_nodes_and_edges():
    a = Value(2.0, label="a")
    b = a * 3
    c = b + 1
    hl = explain(c, a).highlight()
    assert {a, b, c, (a, b), (b, c)} <= hl


def test_negative_max_paths_is_refused():
    a = Value(1.0)
    with pytest.raises(ValueError, match="max_paths"):
        explain(a, a, max_paths=-1)


def test_non_value_is_refused():
    with pytest.raises(TypeError, match="wrt must be a Value"):
        explain(Value(1.0), 3.0)


@pytest.mark.parametrize(
    "module",
    ["autograd_lite.teach.explain", "autograd_lite.teach.bp_equations", "viz.stepper", "viz.dot"],
)
def test_weighted_sum_layout_is_read_only_through_ops(module):
    # The operand layout (w_1..w_n, a_1..a_n, b) is known in one place, ops.wsum_operands,
    # and n-ary primitives are recognised by ops.NARY, never by a literal -1.
    import importlib.util
    import re
    from pathlib import Path

    # read as text, found without importing it (viz needs the graphviz package to import)
    top, *rest = module.split(".")
    folder = Path(importlib.util.find_spec(top).submodule_search_locations[0])
    source = folder.joinpath(*rest[:-1], rest[-1] + ".py").read_text(encoding="utf-8")
    assert not re.search(r"-\s*1\)\s*//\s*2", source)
    assert not re.search(r"arity\s*[!=]=\s*-1", source)


def test_table_markdown_escapes_newlines_pipes_and_backslashes():
    from autograd_lite.table import Table

    md = Table(
        "t|1\nt2", ["h|1", "h2"], [["a\nb", "c|d"], ["e\\", "f\r\ng"]], notes=["n|1"]
    ).markdown()
    lines = md.splitlines()
    assert lines[0] == "**t\\|1<br>t2**"
    assert lines[2:6] == ["| h\\|1 | h2 |", "|---|---|", "| a<br>b | c\\|d |", "| e\\\\ | f<br>g |"]
    assert lines[-1] == "n\\|1  "


def test_explain_markdown_has_one_line_per_edge_with_a_multiline_label():
    a = Value(2.0, label="a\nb")
    out = a * 3
    md = explain(out, a).markdown()
    assert "| 1 | a<br>b → n2 |" in md


def test_unlabelled_root_is_named_by_its_drawing_id_and_the_table_says_so():
    I, w1, w2, w3, w4, w5 = _question_1_leaves()
    h = (I * w1 + 1).sigmoid()
    O = ((h * w2 + 1).sigmoid() * w4 + (h * w3 + 1).sigmoid() * w5 + 1).sigmoid()
    ex = explain(O, w1)
    root_id = f"n{len(topo_order(O)) - 1}"
    assert ex.root_name == root_id
    text = str(ex)
    assert text.startswith(f"∂{root_id}/∂w1 = ")
    assert f"{root_id} is the output (root), which has no label" in text
    O.label = "O"
    labelled = str(explain(O, w1))
    assert labelled.startswith("∂O/∂w1 = ") and "has no label" not in labelled


def test_repr_at_a_plain_prompt_is_the_table_not_a_tuple_dump():
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    ex = explain(y, x)
    assert repr(ex) == str(ex)
    assert repr(ex).startswith("∂y/∂x = sum over 2 path(s)")
    assert "Explanation(" not in repr(ex)


def _question_1_leaves():
    return [
        Value(v, label=n) for v, n in zip([1, 0.5, 0.5, 0.5, 0.5, 0.5], "I w1 w2 w3 w4 w5".split())
    ]


def test_an_adjoint_that_underflows_is_explained_as_backward_computes_it():
    # CHANGELOG's example: the float product along the path is 0 × inf, the derivative 0.5
    x = Value(1e-300, label="x")
    y = 0.5 / (1 / x)
    ex = explain(y, x)
    y.backward()
    assert ex.total == ex.gradient == x.grad == 0.5 and ex.agrees
    assert [p.product for p in ex.paths] == [0.5]
    text = str(ex)
    assert "nan" not in text and "inf" not in text and "DISAGREES" not in text
    assert "-1e+600" in text and "-5e-601" in text


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step, min_size=1, max_size=8),
    point=st.tuples(*[st.floats(-1.5, 1.5) for _ in NAMES]),
)
def test_the_sum_over_paths_is_what_backward_gives_on_random_expressions(steps, point):
    leaves = [Value(v, label=n) for v, n in zip(point, NAMES)]
    pool = list(leaves)
    for kind, name, *picks in steps:
        operands = [pool[i % len(pool)] for i in picks]
        pool.append((UNARY if kind == "u" else BINARY)[name][0](*operands))
    root = pool[-1]
    explained = [explain(root, v, max_paths=3) for v in leaves]
    root.backward()
    assert [ex.total for ex in explained] == [v.grad for v in leaves]
    assert all(ex.agrees for ex in explained)


def test_a_graph_past_the_teaching_bound_is_refused_at_once():
    from autograd_lite.teach.size import MAX_NODES
    from autograd_lite.teach.traces import traces

    x = Value(0.5, label="x")
    y = x
    for _ in range(MAX_NODES):
        y = y * 1.0000001
    for view in (lambda: explain(y, x), lambda: traces(y, [x])):
        with pytest.raises(ValueError, match=f"more than the {MAX_NODES:,}"):
            view()
