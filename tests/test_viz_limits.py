"""What a drawing may cost and what it may hold: layout limits measured on dot, dot stopped
after a time limit, long labels shortened, unencodable labels escaped, files written whole."""

import functools
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
from examples import worked_example

from autograd_lite import Value, topo_order, weighted_sum
from autograd_lite.files import write_atomically
from autograd_lite.nn import MLP
from viz import (
    DotTimeoutError,
    DrawingOptions,
    LayoutTooSlowError,
    backward_step_texts,
    draw,
    render,
    stepper,
    to_dot,
)
from viz.labels import MAX_LABEL_CHARS, MAX_TOOLTIP_CHARS
from viz.limits import MAX_EDGES, MAX_RANKS_CROSSED, layout_cost

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


def summed(terms):
    """The terms added one after another, as a user writes a sum."""
    return functools.reduce(lambda a, b: a + b, terms)


def squares_summed(n):
    """x*x + x*x + ... with n terms: x is used at every depth of a chain of n additions."""
    x = Value(1.0, label="x")
    return summed([x * x for _ in range(n)])


def sines_summed(n, x=None):
    x = x if x is not None else Value(1.0, label="x")
    return summed([x.sin() for _ in range(n)])


# --- layout limits ----------------------------------------------------------------------------


def test_a_leaf_used_by_every_term_of_a_long_sum_is_refused_at_once_with_remedies(tmp_path):
    root = squares_summed(75)  # 150 value nodes; dot took 77 s on it
    start = time.perf_counter()
    with pytest.raises(LayoutTooSlowError) as err:
        render(root, tmp_path / "g.svg")
    assert time.perf_counter() - start < 1.0
    message = str(err.value)
    assert f"more than {MAX_RANKS_CROSSED:,}" in message
    assert "'x' here, used 150 times" in message
    assert "render(node)" in message
    assert "max_nodes=None" in message and "time_limit" in message
    # the reason alone, for a caller (the command line) that gives its own advice
    assert err.value.measure == message.split(" That happens")[0]
    assert "max_nodes" not in err.value.measure
    assert list(tmp_path.iterdir()) == []


def test_a_299_node_graph_where_one_leaf_feeds_100_operations_is_refused():
    y = sines_summed(100)
    for _ in range(99):
        y = y.tanh()
    assert len(topo_order(y)) == 299
    with pytest.raises(LayoutTooSlowError, match=r"used 100 times.*draw\(node\)"):
        draw(y)
    with pytest.raises(LayoutTooSlowError, match=r"render\(node\)"):
        render(y, "never-written.png")
    with pytest.raises(LayoutTooSlowError, match=r"stepper\(node\)"):
        stepper(y, "never-written.html")
    assert not os.path.exists("never-written.html") and not os.path.exists("never-written.png")
    # DOT text costs no layout: only the node count limits it
    assert to_dot(y).count("_op [") == 298


def test_a_drawing_with_too_many_edges_is_refused():
    # 242 value nodes but 16,601 edges (dot: 13 s): each sum takes all 40 inputs twice
    xs = [Value(float(i), label=f"x{i}") for i in range(40)]
    b = Value(0.0, label="b")
    zs = [weighted_sum(xs, xs[::-1], b) for _ in range(200)]
    root = weighted_sum(zs, zs, b)
    with pytest.raises(LayoutTooSlowError, match=f"edges, more than the {MAX_EDGES:,}") as err:
        draw(root)
    assert err.value.measure.endswith("(16,600 edges took 13 s).")
    assert "max_nodes" not in err.value.measure and "max_nodes" in str(err.value)


def sines(n):
    x = Value(1.0, label="x")
    return [x.sin() for _ in range(n)]


def tree_sum(terms):
    while len(terms) > 1:
        terms = [sum(terms[i : i + 2][1:], terms[i]) for i in range(0, len(terms), 2)]
    return terms[0]


@pytest.mark.parametrize(
    "name, make",
    [
        ("worked example", lambda: worked_example()[0]),
        ("MLP(3, [4, 4, 1])", lambda: MLP(3, [4, 4, 1])([0.5, -1.0, 2.0])),
        ("chain of 299", lambda: functools.reduce(lambda y, _: y.sin(), range(298), Value(1.0))),
        ("a leaf used 100 times on one rank", lambda: tree_sum(sines(100))),
        ("a weighted sum of 90 terms", lambda: weighted_sum(sines(90), [2.0] * 90, 0.5)),
        ("x used by 40 terms of a sum", lambda: sines_summed(40)),
    ],
)
def test_graphs_that_dot_lays_out_in_about_a_second_are_drawn(name, make):
    root = make()
    assert draw(root).source.startswith("digraph {")


def test_a_leaf_used_100_times_on_one_rank_crosses_no_rank():
    root = tree_sum(sines(100))
    edges, crossed = layout_cost(topo_order(root), set())
    assert crossed < 10 and edges == 100 * 2 + 99 * 3
    assert draw(root)


def test_max_nodes_none_lifts_the_layout_limits():
    assert (
        draw(squares_summed(75), options=DrawingOptions(max_nodes=None)).source.count("_op [")
        == 149
    )


@needs_dot
@pytest.mark.parametrize("make", [lambda: sines_summed(20), lambda: squares_summed(30)])
def test_the_estimate_of_ranks_crossed_is_what_dot_reports(make):
    root = make()
    source = to_dot(root)
    nodes = len(re.findall(r"^\tn\w+ \[", source, re.M))
    edges = source.count(" -> ")
    result = subprocess.run(["dot", "-v", "-Tsvg"], input=source.encode(), capture_output=True)
    # dot -v: the second network simplex (x coordinates) runs on the nodes, one extra node
    # per rank crossed, and one more node per edge piece
    aux = int(re.findall(rb"network simplex: +(\d+) nodes", result.stderr)[-1])
    crossed_by_dot = (aux - nodes - edges) // 2
    assert layout_cost(topo_order(root), set()) == (edges, pytest.approx(crossed_by_dot, rel=0.03))
    assert crossed_by_dot > 300


# --- the time limit -------------------------------------------------------------------------


@pytest.fixture
def slow_dot(tmp_path, monkeypatch):
    """A `dot` on PATH that never finishes."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "dot"
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return script


@pytest.mark.parametrize("kind", ["render", "stepper"])
def test_dot_is_stopped_after_the_time_limit_and_the_old_file_stays(tmp_path, slow_dot, kind):
    x = Value(0.5, label="x")
    root = (x * x).tanh()
    path = tmp_path / ("old.svg" if kind == "render" else "old.html")
    path.write_text("the old picture")
    start = time.perf_counter()
    with pytest.raises(DotTimeoutError) as err:
        if kind == "render":
            render(root, path, time_limit=0.2, options=DrawingOptions(compact_constants=False))
        else:
            stepper(root, path, time_limit=0.2)
    assert time.perf_counter() - start < 2.0
    message = str(err.value)
    assert "within time_limit=0.2 seconds" in message and "nothing was written" in message
    assert f"{kind}(node, ...)" in message and "fewer nodes" in message
    assert "larger time_limit" in message
    assert ("compact_constants=True" in message) == (kind == "render")
    assert isinstance(err.value, TimeoutError)
    assert path.read_text() == "the old picture"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", path.name]


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, None, True, "5"])
def test_a_bad_time_limit_is_refused_before_any_work(tmp_path, bad):
    with pytest.raises(ValueError, match="time_limit must be a positive number of seconds"):
        render(Value(1.0), tmp_path / "g.svg", time_limit=bad)
    with pytest.raises(ValueError, match="time_limit must be a positive number of seconds"):
        stepper(Value(1.0), tmp_path / "p.html", time_limit=bad)
    assert list(tmp_path.iterdir()) == []


# --- long labels ----------------------------------------------------------------------------


def node_of(svg: bytes, name: str):
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "node" and g.find(f"{SVG}title").text == name:
            return g
    raise AssertionError(f"no node {name}")


@needs_dot
@pytest.mark.parametrize(
    "label",
    ["a" * 20_000, "&<>" * 7_000, "\x07" * 20_000, "λ" * 17_000, "w^" + "9" * 5000 + "_1"],
    ids=["letters", "markup", "control", "greek", "digits"],
)
def test_a_label_longer_than_graphviz_allows_is_shortened_with_a_marker(tmp_path, label):
    root = Value(1.0, label=label).exp()
    svg = render(root, tmp_path / "g.svg", options=DrawingOptions(cluster=True)).read_bytes()
    node = node_of(svg, "n0")
    shown = node.find(f".//{SVG}text").text
    # a control character is shown as its escape, \x07: count it as one character
    assert "…" in shown and len(re.sub(r"\\x07", "!", shown)) == MAX_LABEL_CHARS
    tooltip = node.find(f".//{SVG}a").get(f"{XLINK}title")
    assert len(re.sub(r"\\x07", "!", tooltip)) == MAX_TOOLTIP_CHARS
    assert tooltip.endswith(shown[-5:])


@needs_dot
def test_a_number_wider_than_graphviz_allows_is_shortened(tmp_path):
    root = Value(1e300, label="big") * 2.0
    svg = render(root, tmp_path / "g.svg", options=DrawingOptions(fmt=".20000f")).read_bytes()
    data = node_of(svg, "n0").findall(f".//{SVG}text")[1].text
    assert data.startswith("data 1000") and "…" in data and data.endswith("0000")


@needs_dot
def test_the_stepper_shortens_a_long_label_in_the_picture_and_shows_it_in_full_in_the_steps(
    tmp_path,
):
    label = "weight_" * 3000
    w = Value(0.5, label=label)
    root = (w * 2.0).tanh()
    page = stepper(root, tmp_path / "p.html").read_text(encoding="utf-8")
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert label not in svg and "weight_weigh…ight_weight_" in svg
    steps = backward_step_texts(root)
    assert any(label in line for step in steps for line in step.lines)
    assert page.count(label) >= 2  # the step texts in the page's data


# --- characters no file can hold -----------------------------------------------------------


@needs_dot
def test_a_lone_surrogate_is_shown_escaped_and_the_page_replaces_the_old_one(tmp_path):
    x = Value(0.5, label="a\ud800b")
    root = (x * x).tanh()
    path = tmp_path / "p.html"
    path.write_text("the old page")
    stepper(root, path, title="title \udfff")
    page = path.read_text(encoding="utf-8")
    assert "a\\ud800b" in page and "title \\udfff" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.html"]
    assert node_of(render(root, tmp_path / "g.svg").read_bytes(), "n0").find(
        f".//{SVG}text"
    ).text == ("a\\ud800b")
    assert "a\\\\ud800b" in render(root, tmp_path / "g.dot").read_text(encoding="utf-8")


@needs_dot
@pytest.mark.parametrize("kind", ["render", "stepper"])
def test_a_write_that_fails_half_way_leaves_the_old_file_whole(tmp_path, kind):
    x = Value(0.5, label="x")
    root = (x * x).tanh()
    path = tmp_path / ("g.svg" if kind == "render" else "p.html")
    old = "the old file, whole\n" * 10
    path.write_text(old)
    # a disk that fills up after 1,000 bytes of one file
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, hard))
    try:
        with pytest.raises(OSError):
            if kind == "render":
                render(root, path)
            else:
                stepper(root, path)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert path.read_text() == old
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_text_that_cannot_be_encoded_touches_no_file(tmp_path):
    path = tmp_path / "p.html"
    path.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(path, "a\ud800b")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["p.html"]
