"""Drawings: exact DOT for small graphs, determinism, escaping, limits, clusters, rendering."""

import inspect
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import fields
from pathlib import Path

import graphviz
import pytest
from examples import worked_example

from autograd_lite import Value, explain, topo_order, weighted_sum
from autograd_lite.nn import MLP
from autograd_lite.nn.losses import mse
from viz import (
    DEFAULT_MAX_NODES,
    DEFAULT_TIME_LIMIT,
    DotNotFoundError,
    DrawingOptions,
    GraphTooLargeError,
    draw,
    render,
    to_dot,
)
from viz.dot import HIGHLIGHT, NEG_COLOURS, POS_COLOURS, ZERO_COLOUR
from viz.labels import label_html, page_number, parse_nielsen

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot program is not installed")
SVG = "{http://www.w3.org/2000/svg}"

HEADER = (
    "digraph {\n"
    '\tgraph [rankdir=LR fontname="DejaVu Sans" fontsize=14 nodesep=0.25 ranksep=0.35 '
    "bgcolor=white]\n"
    '\tnode [shape=plain fontname="DejaVu Sans" fontsize=14]\n'
    '\tedge [arrowsize=0.7 color="#444444" fontname="DejaVu Sans"]\n'
)
TABLE = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="5" BGCOLOR="#ffffff">'
OP = 'shape=ellipse style=filled fillcolor="#e4e4e4" height=0.4 margin="0.06,0.02"'
CONST = 'shape=box style="rounded,dashed" color="#888888" height=0.3 width=0.3 margin="0.06,0.02"'


def product():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    return a, b, c


def mlp_like():
    """A 2-2-1 sigmoid network labelled by hand in Nielsen's notation."""
    acts = [Value(0.5, label="a^1_1"), Value(-1.0, label="a^1_2")]
    for layer, width in ((2, 2), (3, 1)):
        new = []
        for j in range(1, width + 1):
            ws = [Value(0.1 * (j + k), label=f"w^{layer}_{j}{k}") for k in range(1, len(acts) + 1)]
            z = weighted_sum(ws, acts, Value(0.1, label=f"b^{layer}_{j}"))
            z.label = f"z^{layer}_{j}"
            a = z.sigmoid()
            a.label = f"a^{layer}_{j}"
            new.append(a)
        acts = new
    loss = (acts[0] - 1.0) ** 2
    loss.label = "C"
    return loss


def run_dot(source: str, fmt: str = "svg") -> subprocess.CompletedProcess:
    return subprocess.run(
        ["dot", f"-T{fmt}"], input=source.encode(), capture_output=True, check=False
    )


def svg_texts_by_node(svg: bytes) -> dict:
    """Node name -> list of its text lines, from dot's SVG."""
    tree = ET.fromstring(svg)
    out = {}
    for g in tree.iter(f"{SVG}g"):
        if g.get("class") == "node":
            # dot writes runs of spaces as no-break spaces so that SVG keeps them
            out[g.find(f"{SVG}title").text] = [
                (t.text or "").replace("\xa0", " ") for t in g.iter(f"{SVG}text")
            ]
    return out


def cluster_members(dot: str) -> dict:
    """Cluster name -> node names declared directly or in nested clusters."""
    members: dict[str, list] = {}
    stack: list[str] = []
    for line in dot.splitlines():
        s = line.strip()
        m = re.match(r"subgraph (cluster_\w+) \{", s)
        if m:
            stack.append(m[1])
            members[m[1]] = []
        elif s == "}" and stack:
            stack.pop()
        else:
            node = re.match(r"(n\d+(?:_op)?) \[", s)
            if node:
                for c in stack:
                    members[c].append(node[1])
    return members


# --- exact DOT ----------------------------------------------------------------------------


def test_product_graph_gives_exactly_this_dot():
    c = product()[2]
    assert to_dot(c) == HEADER + (
        f"\tn0 [label=<{TABLE}<TR><TD><B>a</B></TD><TD>data 2</TD><TD>grad −3</TD></TR>"
        "</TABLE>>]\n"
        f"\tn1 [label=<{TABLE}<TR><TD><B>b</B></TD><TD>data −3</TD><TD>grad 2</TD></TR>"
        "</TABLE>>]\n"
        f"\tn2_op [label=<×> {OP}]\n"
        f"\tn2 [label=<{TABLE}<TR><TD><B>c</B></TD><TD>data −6</TD><TD>grad 1</TD></TR>"
        "</TABLE>>]\n"
        "\tn0 -> n2_op\n"
        "\tn1 -> n2_op\n"
        "\tn2_op -> n2\n"
        "}\n"
    )


def test_constants_are_compact_and_a_constant_exponent_folds_into_its_node():
    x = Value(0.5, label="x")
    y = (x * 3 + 1) ** 2
    y.backward()
    assert to_dot(y, options=DrawingOptions(rankdir="TB", fmt=".2f")) == HEADER.replace(
        "LR", "TB"
    ) + (
        f"\tn0 [label=<{TABLE}<TR><TD><B>x</B></TD><TD>data 0.50</TD><TD>grad 15.00</TD>"
        "</TR></TABLE>>]\n"
        f"\tn1 [label=<3.00> {CONST}]\n"
        f"\tn2_op [label=<×> {OP}]\n"
        f"\tn2 [label=<{TABLE}<TR><TD>data 1.50</TD><TD>grad 5.00</TD></TR></TABLE>>]\n"
        f"\tn3 [label=<1.00> {CONST}]\n"
        f"\tn4_op [label=<+> {OP}]\n"
        f"\tn4 [label=<{TABLE}<TR><TD>data 2.50</TD><TD>grad 5.00</TD></TR></TABLE>>]\n"
        f"\tn6_op [label=<(·)<SUP>2</SUP>> {OP}]\n"
        f"\tn6 [label=<{TABLE}<TR><TD>data 6.25</TD><TD>grad 1.00</TD></TR></TABLE>>]\n"
        "\tn0 -> n2_op\n"
        "\tn1 -> n2_op\n"
        "\tn2_op -> n2\n"
        "\tn2 -> n4_op\n"
        "\tn3 -> n4_op\n"
        "\tn4_op -> n4\n"
        "\tn4 -> n6_op\n"
        "\tn6_op -> n6\n"
        "}\n"
    )


ID = '<TD><FONT COLOR="#777777" POINT-SIZE="11">n{}</FONT></TD>'


def test_highlight_draws_chosen_nodes_and_edges_thick_and_others_light_with_ids():
    # a path drawing names its unlabelled nodes by id, as the path table does
    x, t = Value(0.5, label="x"), Value(1.5, label="t")
    d = x - t
    y = d / x
    lit = f'color="{HIGHLIGHT}" penwidth=3'
    names = 'labelfontsize=11 labelfontcolor="#666666"'
    assert to_dot(y, options=DrawingOptions(show_grad=False, highlight={x, (x, y)})) == HEADER + (
        f'\tn0 [label=<<TABLE BORDER="3" COLOR="{HIGHLIGHT}" CELLBORDER="1" CELLSPACING="0" '
        'CELLPADDING="5" BGCOLOR="#ffffff"><TR><TD><B>x</B></TD><TD>data 0.5000</TD></TR>'
        "</TABLE>>]\n"
        f"\tn1 [label=<{TABLE}<TR><TD><B>t</B></TD><TD>data 1.500</TD></TR></TABLE>>]\n"
        f"\tn2_op [label=<−> {OP}]\n"
        f"\tn2 [label=<{TABLE}<TR>{ID.format(2)}<TD>data −1</TD></TR></TABLE>>]\n"
        f"\tn3_op [label=<÷> {OP}]\n"
        f"\tn3 [label=<{TABLE}<TR>{ID.format(3)}<TD>data −2</TD></TR></TABLE>>]\n"
        f'\tn0 -> n2_op [color="#bbbbbb" headlabel=<a> {names}]\n'
        f'\tn1 -> n2_op [color="#bbbbbb" headlabel=<b> {names}]\n'
        '\tn2_op -> n2 [color="#bbbbbb"]\n'
        f'\tn2 -> n3_op [color="#bbbbbb" headlabel=<a> {names}]\n'
        f"\tn0 -> n3_op [{lit} headlabel=<b> {names}]\n"
        f"\tn3_op -> n3 [{lit}]\n"
        "}\n"
    )


def test_draw_returns_a_digraph_whose_source_is_the_dot_text():
    out, _ = worked_example()
    g = draw(out, options=DrawingOptions(rankdir="TB", fmt=".3f"))
    assert isinstance(g, graphviz.Digraph)
    assert g.source == to_dot(out, options=DrawingOptions(rankdir="TB", fmt=".3f"))


def test_show_grad_false_leaves_out_every_grad():
    out, _ = worked_example()
    out.backward()
    assert "grad " not in to_dot(out, options=DrawingOptions(show_grad=False))
    assert to_dot(out).count("grad ") == len([v for v in topo_order(out) if v.label or v.op])


def declaration(dot: str, i: int) -> str:
    """The DOT line that declares value node ``n{i}``."""
    return re.search(rf"^\tn{i} \[.*$", dot, flags=re.M).group(0)


@pytest.mark.parametrize("share_hidden", [True, False])
def test_every_node_of_the_path_table_is_named_in_that_node_of_the_path_drawing(share_hidden):
    out, w = worked_example(share_hidden=share_hidden)
    ex = explain(out, w["w1"])
    dot = to_dot(out, options=DrawingOptions(highlight=ex.highlight()))
    index = {v: i for i, v in enumerate(topo_order(out))}
    named = [(e.parent, e.parent_name) for p in ex.paths for e in p.edges]
    named += [(e.child, e.child_name) for p in ex.paths for e in p.edges]
    assert {name for _, name in named} >= {"w1", "O", "n2", "n12"}
    for node, name in named:
        text = f"<B>{label_html(name)}</B>" if node.label else f">{name}</FONT>"
        assert text in declaration(dot, index[node]), name


def test_show_ids_false_hides_the_ids_of_a_path_drawing():
    x = Value(1.0, label="x")
    y = x.exp().tanh()
    assert "POINT-SIZE" not in to_dot(y, options=DrawingOptions(highlight=[x, y], show_ids=False))
    assert ">n1</FONT>" in to_dot(y, options=DrawingOptions(highlight=[x, y]))


def test_unlabelled_nodes_show_their_id_when_asked():
    x = Value(1.0, label="x")
    assert '<FONT COLOR="#777777" POINT-SIZE="11">n1</FONT>' in to_dot(
        x.exp(), options=DrawingOptions(show_ids=True)
    )
    assert "POINT-SIZE" not in to_dot(x.exp())


def test_compact_constants_false_draws_constants_with_data_and_grad():
    x = Value(1.0, label="x")
    dot = to_dot(x * 3, options=DrawingOptions(compact_constants=False))
    assert "<TD>data 3</TD><TD>grad 0</TD>" in dot
    assert "rounded,dashed" not in dot


def test_drawing_changes_no_grad_and_no_data():
    out, w = worked_example()
    out.backward()
    before = [(v.data, v.grad) for v in topo_order(out)]
    to_dot(out, options=DrawingOptions(color_by_grad=True, cluster=True, highlight=[w["w1"]]))
    assert [(v.data, v.grad) for v in topo_order(out)] == before


# --- determinism ---------------------------------------------------------------------------


def test_node_ids_are_topological_indices():
    out, _ = worked_example()
    dot = to_dot(out)
    order = topo_order(out)
    declared = re.findall(r"^\t(n\d+) \[", dot, flags=re.M)
    assert declared == [f"n{i}" for i in range(len(order))]
    assert str(id(out)) not in dot


def test_same_graph_built_twice_gives_identical_dot():
    first, second = worked_example()[0], worked_example()[0]
    first.backward()
    second.backward()
    assert to_dot(first, options=DrawingOptions(color_by_grad=True)) == to_dot(
        second, options=DrawingOptions(color_by_grad=True)
    )


def test_dot_is_identical_in_another_process():
    # the same builder, imported in a fresh interpreter with another hash seed
    code = (
        "from examples import worked_example\n"
        "from viz import DrawingOptions, to_dot\n"
        "out, _ = worked_example()\n"
        "out.backward()\n"
        "dot = to_dot(out, options=DrawingOptions(color_by_grad=True))\n"
        "import sys; sys.stdout.buffer.write(dot.encode())\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        check=True,
        cwd=Path(__file__).parent,
        # the checkout's own package, whichever one is installed
        env={
            "PYTHONHASHSEED": "123",
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parent.parent),
        },
    )
    out, _ = worked_example()
    out.backward()
    assert other.stdout == to_dot(out, options=DrawingOptions(color_by_grad=True)).encode()


# --- escaping -------------------------------------------------------------------------------

NASTY = [
    'say "hi"',
    "back\\slash \\N \\G \\\\ end\\",
    "<B>not bold</B> & <img src=x onerror=alert(1)>",
    "{braces} | pipe | <port>",
    "two\nlines",
    "]]> --> <!-- > ' \" &amp;",
    "tab\there",
]


@pytest.mark.parametrize(
    "label, escaped",
    [
        ('say "hi"', "say &quot;hi&quot;"),
        ("a\\N b\\\\c\\", "a\\\\N b\\\\\\\\c\\\\"),
        ("<img src=x onerror=alert(1)> & co", "&lt;img src=x onerror=alert(1)&gt; &amp; co"),
        ("{x} | <p>", "{x} | &lt;p&gt;"),
        ("two\nlines\r\nthree", "two<BR/>lines<BR/>three"),
        ("it's", "it&#39;s"),
    ],
)
def test_label_text_is_escaped_in_the_dot(label, escaped):
    node_line = to_dot(Value(1.0, label=label)).splitlines()[4]
    assert (
        node_line == f"\tn0 [label=<{TABLE}<TR><TD><B>{escaped}</B></TD><TD>data 1</TD>"
        "<TD>grad 0</TD></TR></TABLE>>]"
    )


@needs_dot
@pytest.mark.parametrize("label", NASTY)
def test_label_renders_literally_with_dot(label):
    root = Value(1.0, label=label).exp()
    root.label = "out"
    result = run_dot(to_dot(root))
    assert result.returncode == 0 and result.stderr == b""
    texts = svg_texts_by_node(result.stdout)
    assert sorted(texts) == ["n0", "n1", "n1_op"]  # nothing injected, nothing lost
    expected = label.replace("\t", "    ").split("\n")
    assert texts["n0"][: len(expected)] == expected
    assert texts["n0"][len(expected) :] == ["data 1", "grad 0"]


@needs_dot
def test_control_characters_are_shown_as_escapes_and_dot_accepts_them():
    result = run_dot(to_dot(Value(1.0, label="bell\x07 nul\x00 del\x7f")))
    assert result.returncode == 0
    assert svg_texts_by_node(result.stdout)["n0"][0] == "bell\\x07 nul\\x00 del\\x7f"


def test_nielsen_labels_get_real_superscripts_and_subscripts():
    def scripted(base, sup, sub):
        out = base
        if sup:
            out += f"<SUP>{sup}</SUP>"
        if sub:
            out += f"<SUB>{sub}</SUB>"
        return out

    assert label_html("w^3_12") == scripted("w", "3", "12")
    assert label_html("w^2_1,12") == scripted("w", "2", "1,12")
    assert label_html("a^1_1") == scripted("a", "1", "1")
    assert label_html("delta^2_1") == scripted("δ", "2", "1")
    assert label_html("x_1") == scripted("x", None, "1")
    assert label_html("x^2") == scripted("x", "2", None)
    assert label_html("my_label") == "my_label"
    assert label_html("w^<b>_1") == "w^&lt;b&gt;_1"
    assert f"<B>{scripted('w', '2', '1,12')}</B>" in to_dot(Value(1.0, label="w^2_1,12"))


@needs_dot
def test_superscripts_render_as_shifted_text():
    result = run_dot(to_dot(Value(1.0, label="w^3_12")))
    assert b'baseline-shift="super"' in result.stdout and b">3</text>" in result.stdout
    assert b'baseline-shift="sub"' in result.stdout and b">12</text>" in result.stdout


def test_nielsen_labels_are_parsed_into_layer_neuron_and_input():
    assert parse_nielsen("w^3_12") == ("w", 3, 1, 2)
    assert parse_nielsen("w^2_10,12") == ("w", 2, 10, 12)
    assert parse_nielsen("b^2_12") == ("b", 2, 12, None)
    assert parse_nielsen("a^1_3") == ("a", 1, 3, None)
    assert parse_nielsen("w^2_123") is None
    assert parse_nielsen("x") is None and parse_nielsen(None) is None


# --- options and errors ---------------------------------------------------------------------


def test_graph_above_the_limit_is_refused_with_count_and_remedies():
    x = Value(0.1, label="x")
    y = x
    for _ in range(150):
        y = y.sin()  # 151 value nodes
    with pytest.raises(GraphTooLargeError) as err:
        to_dot(y, options=DrawingOptions(max_nodes=150))
    message = str(err.value)
    assert "151 value nodes" in message and "max_nodes=150" in message
    assert "max_nodes=151" in message and "max_nodes=None" in message
    assert "inner node as the root" in message
    assert (err.value.n_nodes, err.value.max_nodes) == (151, 150)
    assert to_dot(y, options=DrawingOptions(max_nodes=151)).count("_op [") == 150
    assert to_dot(y, options=DrawingOptions(max_nodes=None))


def test_default_limit_is_a_few_hundred_nodes():
    y = Value(0.1)
    for _ in range(300):
        y = y.sin()
    with pytest.raises(GraphTooLargeError, match="301 value nodes"):
        draw(y)


@pytest.mark.slow
def test_deep_graph_draws_without_recursion():
    y = Value(0.1, label="x")
    for _ in range(20000):
        y = y + 1.0
    assert to_dot(y, options=DrawingOptions(max_nodes=None)).count("_op [") == 20000


def test_colour_by_grad_shades_by_sign_and_by_rank_among_the_grads():
    # one Σ node: each weight's grad is its input, so the six grads are known exactly
    inputs = [-3.0, -0.2, -0.01, 0.004, 0.3, 5.0, 0.0]
    ws = [Value(1.0, label=f"w{k}") for k in range(7)]
    out = weighted_sum(ws, inputs)
    out.label = "out"
    out.backward()
    dot = to_dot(out, options=DrawingOptions(color_by_grad=True))

    def fill(name):
        return re.search(rf'BGCOLOR="(#\w+)"><TR><TD><B>{name}</B>', dot)[1]

    # thirds by rank of |grad|: 0.004 0.01 | 0.2 0.3 | 3 5
    assert [fill(f"w{k}") for k in range(6)] == [
        NEG_COLOURS[2],
        NEG_COLOURS[1],
        NEG_COLOURS[0],
        POS_COLOURS[0],
        POS_COLOURS[1],
        POS_COLOURS[2],
    ]
    assert fill("w6") == ZERO_COLOUR  # a zero grad is neither sign nor rank
    assert fill("out") == POS_COLOURS[1]  # its grad 1 is coloured but sets no bin
    assert "|grad| ≥ 3<" in dot and "0.2000 … 3<" in dot and "below 0.2000<" in dot
    assert "largest |grad| 5<" in dot
    assert "labelloc=b" in dot and "cluster_legend" not in dot  # under the graph, no column
    assert "grad colour" not in to_dot(out)


def test_colour_bins_spread_over_a_network_whose_grads_are_close():
    model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    loss = mse([model([0.3, -0.8])], [0.25])
    loss.backward()
    dot = to_dot(loss, options=DrawingOptions(color_by_grad=True))
    fills = re.findall(r'BGCOLOR="(#\w+)"><TR><TD><B>', dot)
    counts = [fills.count(c) for c in (*NEG_COLOURS, *POS_COLOURS)]
    # the 25 nodes drawn in full: no shade holds more than 9, five shades or more used
    assert len(fills) == 25 and max(counts) <= 9 and sum(c > 0 for c in counts) >= 5, counts
    legend = re.search(r"graph \[label=<(.*)> labelloc=b", dot)[1]
    assert legend.count("<TR>") == 6  # a title, three shades, zero, the signs


def test_highlight_refuses_an_edge_that_is_not_in_the_graph():
    a, b, c = product()
    with pytest.raises(ValueError, match=r"\('c' \(data -6.0\), 'a' \(data 2.0\)\) is not an edge"):
        to_dot(c, options=DrawingOptions(highlight=[(c, a)]))
    with pytest.raises(ValueError, match=r"'x' \(data 5.0\) is not a node"):
        to_dot(c, options=DrawingOptions(highlight=[Value(5.0, label="x")]))
    with pytest.raises(TypeError, match="highlight must hold Values"):
        to_dot(c, options=DrawingOptions(highlight=["a"]))


def test_bad_options_get_clear_errors():
    c = product()[2]
    with pytest.raises(ValueError, match="rankdir must be 'LR'"):
        to_dot(c, options=DrawingOptions(rankdir="up"))
    with pytest.raises(ValueError, match="fmt='%d' is not a number format"):
        to_dot(c, options=DrawingOptions(fmt="%d"))
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        draw(c, colour=True)
    with pytest.raises(TypeError, match="root must be a Value, got float: 3.0"):
        to_dot(3.0)
    with pytest.raises(ValueError, match="max_nodes must be a positive whole number or None"):
        to_dot(c, options=DrawingOptions(max_nodes=True))
    with pytest.raises(ValueError, match="max_nodes must be a positive whole number or None"):
        render(c, "never-written.svg", options=DrawingOptions(max_nodes=0))


def keyword_options(function) -> dict:
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


def test_every_drawing_takes_its_options_as_one_drawing_options():
    import viz

    assert keyword_options(to_dot) == keyword_options(draw) == {"options": None}
    # those that run dot also take the time that dot may take
    for f in (render, viz.to_tikz, viz.stepper, viz.forward_stepper, viz.beamer):
        assert keyword_options(f)["options"] is None
        assert keyword_options(f)["time_limit"] == DEFAULT_TIME_LIMIT
    defaults = {f.name: f.default for f in fields(DrawingOptions)}
    assert "highlight" in defaults and defaults["max_nodes"] == DEFAULT_MAX_NODES
    assert len(defaults) == 11


def test_drawing_options_refuse_what_is_not_options():
    with pytest.raises(TypeError, match="options must be a DrawingOptions"):
        to_dot(Value(1.0), options={"rankdir": "TB"})
    with pytest.raises(TypeError, match="highlight must be a list"):
        DrawingOptions(highlight=3)


def test_a_picture_with_other_grads_shows_them_and_touches_none():
    from viz.picture import digraph, dot_lines

    a, b, c = product()
    dot = digraph(dot_lines(c, DrawingOptions(show_ids=True), grads={0: 7.5, 2: -1.0}))
    assert dot == to_dot(c).replace("grad −3<", "grad 7.500<").replace(
        "grad 2<", "grad 0<"
    ).replace("grad 1<", "grad −1<")
    assert (a.grad, b.grad, c.grad) == (-3.0, 2.0, 1.0)


# --- clusters -------------------------------------------------------------------------------


def test_nielsen_labelled_network_is_clustered_by_layer_and_neuron():
    loss = mlp_like()
    dot = to_dot(loss, options=DrawingOptions(cluster=True))
    names = {v.label: f"n{i}" for i, v in enumerate(topo_order(loss)) if v.label}
    members = cluster_members(dot)
    # each neuron's weights and bias stand in an invisible box of their own, in order
    first = names["w^2_11"]
    assert members.pop(f"cluster_{first}_weights") == [
        names[x] for x in ("w^2_11", "w^2_12", "b^2_1")
    ]
    assert sorted(m for m in members if not m.endswith("_weights")) == [
        "cluster_l1",
        "cluster_l2",
        "cluster_l2_1",
        "cluster_l2_2",
        "cluster_l3",
        "cluster_l3_1",
    ]
    assert members["cluster_l1"] == [names["a^1_1"], names["a^1_2"]]
    neuron = {names[x] for x in ("w^2_11", "w^2_12", "b^2_1", "z^2_1", "a^2_1")}
    neuron |= {names["z^2_1"] + "_op", names["a^2_1"] + "_op"}  # the Σ and σ nodes
    assert set(members["cluster_l2_1"]) == neuron
    assert set(members["cluster_l2_1"]) < set(members["cluster_l2"])
    assert names["C"] not in sum(members.values(), [])
    assert "subgraph cluster" not in to_dot(loss)


def test_clusters_of_an_nn_mlp():
    model = MLP(2, [3, 1])
    out = model([0.5, -1.0])
    members = cluster_members(to_dot(out, options=DrawingOptions(cluster=True)))
    assert {"cluster_l1", "cluster_l2", "cluster_l2_1", "cluster_l2_3", "cluster_l3_1"} <= set(
        members
    )
    assert len(members["cluster_l1"]) == 2


@needs_dot
def test_clustered_drawing_renders_without_warnings():
    result = run_dot(to_dot(mlp_like(), options=DrawingOptions(cluster=True, color_by_grad=True)))
    assert result.returncode == 0 and result.stderr == b""


# --- rendering ------------------------------------------------------------------------------


@needs_dot
def test_render_writes_an_svg_with_every_node(tmp_path):
    out, _ = worked_example()
    out.backward()
    path = render(out, tmp_path / "net.svg")
    assert path == tmp_path / "net.svg"
    texts = svg_texts_by_node(path.read_bytes())
    assert texts["n" + str(len(topo_order(out)) - 1)] == ["O", "data 0.8586", "grad 1"]


@needs_dot
def test_render_format_from_suffix_or_argument(tmp_path):
    c = product()[2]
    assert render(c, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(c, tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    assert render(c, tmp_path / "g.dot").read_text(encoding="utf-8") == to_dot(c)
    assert render(c, tmp_path / "picture", format="svg").read_bytes().lstrip().startswith(b"<?xml")
    with pytest.raises(ValueError, match="use the suffix .svg, .png, .pdf or .dot"):
        render(c, tmp_path / "g.jpeg")


def test_missing_dot_program_says_how_to_install_and_keeps_the_source(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    c = product()[2]
    with pytest.raises(DotNotFoundError) as err:
        render(c, tmp_path / "g.svg", options=DrawingOptions(fmt=".3f"))
    message = str(err.value)
    for hint in (
        "apt-get install graphviz",
        "brew install graphviz",
        "conda install -c conda-forge graphviz",
        str(tmp_path / "g.dot"),
    ):
        assert hint in message
    assert isinstance(err.value, graphviz.ExecutableNotFound)
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == to_dot(
        c, options=DrawingOptions(fmt=".3f")
    )
    assert not (tmp_path / "g.svg").exists()


def test_render_writes_nothing_when_the_graph_is_too_large(tmp_path):
    y = Value(0.1)
    for _ in range(10):
        y = y.sin()
    with pytest.raises(GraphTooLargeError):
        render(y, tmp_path / "g.svg", options=DrawingOptions(max_nodes=5))
    assert list(Path(tmp_path).iterdir()) == []


# --- the README's drawing example ------------------------------------------------------------


def readme_python_block(section: str) -> str:
    """The first Python block of the README section with this heading."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    text = readme.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", text, re.S)[1]


def test_the_readme_draws_the_neuron_of_a_first_look_with_the_same_numbers():
    def leaves(section: str) -> dict:
        block = readme_python_block(section)
        return {
            label: float(data)
            for data, label in re.findall(r'Value\(([^,]+), label="(\w+)"\)', block)
        }

    first_look, drawing = leaves("A first look"), leaves("Drawing the graph")
    assert set(drawing) == {"x", "w", "b"}
    assert drawing == {name: first_look[name] for name in drawing}


# --- networks drawn as textbooks draw them ------------------------------------------------


def mlp_loss():
    """A 2-3-1 sigmoid network's squared error on one sample, as the library builds it."""
    model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    loss = mse([model([0.3, -0.8])], [0.25])
    loss.backward()
    return loss


def placed(dot: str) -> dict:
    """Node name -> (x, y) where dot puts it, in inches (y grows upwards)."""
    out = subprocess.run(["dot", "-Tplain"], input=dot, capture_output=True, text=True).stdout
    return {
        w[1]: (float(w[2]), float(w[3]))
        for w in (line.split() for line in out.splitlines())
        if w[0] == "node"
    }


@needs_dot
def test_a_2_3_1_loss_graph_fits_a_slide():
    svg = subprocess.run(
        ["dot", "-Tsvg"], input=to_dot(mlp_loss()), capture_output=True, text=True
    ).stdout
    width, height = map(float, re.search(r'width="(\d+)pt" height="(\d+)pt"', svg).groups())
    # it was 2295 x 485 pt: on a 16:9 slide, text about a third of its size (1709 pt since
    # its numbers keep four significant digits, 0.5000, as the pages write them)
    assert width <= 1750 and 1.4 <= width / height <= 2.0, (width, height)


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_a_network_keeps_inputs_weights_and_neurons_in_order(rankdir):
    loss = mlp_loss()
    names = {v.label: f"n{i}" for i, v in enumerate(topo_order(loss)) if v.label}
    where = placed(to_dot(loss, options=DrawingOptions(rankdir=rankdir)))
    across, along = (1, 0) if rankdir == "LR" else (0, 1)  # the axis inside a rank, the ranks'
    sign = -1 if rankdir == "LR" else 1  # first on top (LR) or on the left (TB)

    def in_order(*labels):
        return sorted(labels, key=lambda x: sign * where[names[x]][across]) == list(labels)

    assert in_order("w^2_11", "w^2_12", "b^2_1") and in_order("w^2_21", "w^2_22", "b^2_2")
    assert in_order("w^2_31", "w^2_32", "b^2_3")
    assert in_order("w^3_11", "w^3_12", "w^3_13", "b^3_1")
    assert in_order("z^2_1", "z^2_2", "z^2_3") and in_order("a^1_1", "a^1_2")
    # the inputs in a rank of their own, before the weights; the next layer's weights after
    # this layer's outputs
    step = 1 if rankdir == "LR" else -1

    def rank(x):
        return step * where[names[x]][along]

    assert max(rank(f"a^1_{k}") for k in (1, 2)) < min(rank(f"w^2_{j}1") for j in (1, 2, 3))
    assert max(rank(f"a^2_{k}") for k in (1, 2, 3)) < rank("w^3_11")


@needs_dot
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_neuron_boxes_stand_in_order_with_their_weights_in_order(rankdir):
    loss = mlp_loss()
    names = {v.label: f"n{i}" for i, v in enumerate(topo_order(loss)) if v.label}
    where = placed(to_dot(loss, options=DrawingOptions(cluster=True, rankdir=rankdir)))

    def in_order(*labels):
        def key(x):
            x_, y_ = where[names[x]]
            return -y_ if rankdir == "LR" else x_

        return sorted(labels, key=key) == list(labels)

    assert in_order("z^2_1", "z^2_2", "z^2_3") and in_order("a^1_1", "a^1_2")
    for j in (1, 2, 3):
        assert in_order(f"w^2_{j}1", f"w^2_{j}2", f"b^2_{j}")
    assert in_order("w^3_11", "w^3_12", "w^3_13", "b^3_1")


def test_a_network_drawn_left_to_right_stacks_label_data_and_grad():
    loss = mlp_loss()
    dot = to_dot(loss)
    assert "<TR><TD><B>w<SUP>2</SUP><SUB>11</SUB></B></TD></TR><TR><TD>data 0.6888</TD></TR>" in dot
    assert "<TD>data 0.6888</TD><TD>" in to_dot(loss, options=DrawingOptions(rankdir="TB"))
    assert "<TD>data 0.6888</TD><TD>" in to_dot(loss, options=DrawingOptions(stacked=False))
    assert "</TD></TR><TR><TD>data −6" in to_dot(product()[2], options=DrawingOptions(stacked=True))


def test_the_squared_error_names_its_target_and_its_parts():
    dot = to_dot(mlp_loss())
    assert "<I>y</I> = 0.25" in dot
    assert "<B>a<SUP>3</SUP><SUB>1</SUB> − y</B>" in dot
    assert "<B>(a<SUP>3</SUP><SUB>1</SUB> − y)<SUP>2</SUP></B>" in dot
    x = Value(1.0)
    d = x - 0.25
    assert "<B>a − y</B>" in to_dot(d * d)
    # a difference that is not squared, or a labelled one, is not taken for a loss
    assert " − y" not in to_dot(d * 2.0)
    d.label = "d"
    assert " − y" not in to_dot(d * d) and "<B>d</B>" in to_dot(d * d)


def test_a_grad_a_rounding_error_below_a_round_bound_is_coloured_as_it_reads():
    x1, x2 = Value(2.0, label="x_1"), Value(0.0, label="x_2")
    w1, w2 = Value(-3.0, label="w_1"), Value(1.0, label="w_2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    assert n.grad < 0.5 and f"{n.grad:.4g}" == "0.5"  # 1 − tanh², a rounding error below
    dot = to_dot(o, options=DrawingOptions(color_by_grad=True))
    legend = re.search(r"graph \[label=<(.*)> labelloc", dot)[1]
    assert "|grad| ≥ 0.5000<" in legend and "0.4" not in legend  # a bound of 0.5, as it reads
    assert re.search(r'BGCOLOR="(#\w+)"><TR><TD><B>n</B>', dot)[1] == POS_COLOURS[2]


def test_a_picture_writes_its_numbers_as_the_pages_do():
    # one number format: 0.5000 and 1.500 in the stepper's text, the same in the picture
    x, t = Value(0.5, label="x"), Value(1.5, label="t")
    y = (x - t) / x
    y.backward()
    dot = to_dot(y)
    for number in (0.5, 1.5, -1.0, -2.0):
        assert f">data {page_number(number)}<" in dot
    assert "data 0.5<" not in dot and "data 0.5000<" in dot and "data −2<" in dot
    explicit = to_dot(y, options=DrawingOptions(fmt=".3f"))  # any other format as it is
    assert "data 0.500<" in explicit and "data −1.000<" in explicit


def test_colour_by_grad_fills_negative_grads_orange_as_the_weights_elsewhere():
    a, b, c = product()  # grads −3 and 2
    dot = to_dot(c, options=DrawingOptions(color_by_grad=True))
    assert "orange &lt; 0 &lt; blue" in dot and "red" not in dot
    for colour in NEG_COLOURS:  # orange: red well above blue, green between
        r, g, bl = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert r > g > bl and r - bl >= 70, colour
