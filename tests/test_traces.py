"""Evaluation, tangent and adjoint traces: Baydin et al.'s example (JMLR 2018, tables 2 and 3)
value by value, agreement with forward and reverse mode, and the four output formats."""

import math
import re
import shutil
import subprocess
import unicodedata

import pytest
from expressions import BINARY, NAMES, UNARY, step
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, gradients, jvp, weighted_sum
from autograd_lite.forward import forward_tangents
from autograd_lite.teach.traces import function_traces, traces


def baydin(x1, x2):
    return x1.log() + x1 * x2 - x2.sin()


@pytest.fixture
def paper():
    return function_traces(baydin, (2.0, 5.0), (1.0, 0.0))


def test_the_evaluation_trace_is_the_papers_table_2(paper):
    rows = [(r.lhs, r.rule, round(r.value, 3)) for r in paper.evaluation.rows]
    assert rows == [
        ("v₋₁", "x₁", 2.0),
        ("v₀", "x₂", 5.0),
        ("v₁", "ln(v₋₁)", 0.693),
        ("v₂", "v₋₁ × v₀", 10.0),
        ("v₃", "sin(v₀)", -0.959),
        ("v₄", "v₁ + v₂", 10.693),
        ("v₅", "v₄ − v₃", 11.652),
        ("y", "v₅", 11.652),
    ]


def test_the_tangent_trace_is_the_papers_table_2(paper):
    rows = [(r.lhs, r.rule, r.numbers, round(r.value, 3)) for r in paper.tangent.rows]
    assert rows == [
        ("v̇₋₁", "ẋ₁", "", 1.0),
        ("v̇₀", "ẋ₂", "", 0.0),
        ("v̇₁", "v̇₋₁ × 1/v₋₁", "1 × 0.5000", 0.5),
        ("v̇₂", "v̇₋₁ × v₀ + v̇₀ × v₋₁", "1 × 5 + 0 × 2", 5.0),
        ("v̇₃", "v̇₀ × cos(v₀)", "0 × 0.2837", 0.0),
        ("v̇₄", "v̇₁ + v̇₂", "0.5000 + 5", 5.5),
        ("v̇₅", "v̇₄ − v̇₃", "5.500 − 0", 5.5),
        ("ẏ", "v̇₅", "", 5.5),
    ]


def test_the_adjoint_trace_is_the_papers_table_3_in_the_engines_order(paper):
    # the paper visits v₄ before v₃; the engine's backward pass (whose steps the trace shows,
    # so that it ends where backward() does) visits sin(v₀) first: the same sums
    rows = [(r.lhs, round(r.value, 3)) for r in paper.adjoint.rows]
    assert rows == [
        ("v̄₅", 1.0),
        ("v̄₄", 1.0),
        ("v̄₃", -1.0),
        ("v̄₀", -0.284),
        ("v̄₁", 1.0),
        ("v̄₂", 1.0),
        ("v̄₋₁", 5.0),
        ("v̄₀", 1.716),
        ("v̄₋₁", 5.5),
        ("x̄₁", 5.5),
        ("x̄₂", 1.716),
    ]
    assert paper.adjoint.rows[7].rule == "v̄₀ + v̄₂ × ∂v₂/∂v₀ = v̄₀ + v̄₂ × v₋₁"


def test_traces_agree_with_forward_and_reverse_mode():
    x, w = Value(0.5, label="x"), Value(-1.2, label="w")
    z = weighted_sum([w, Value(2.0)], [x, x * x], Value(0.3, label="b"))
    y = (z.tanh() ** 2 + 2**x - (x * w).relu() + abs(x)) / 3 + (x / w).sigmoid()
    t = traces(y, [x, w], [1.0, 0.5])
    gx, gw = gradients(y, [x, w])
    assert t.adjoint.value("x̄") == pytest.approx(gx, rel=1e-14)
    assert t.adjoint.value("w̄") == pytest.approx(gw, rel=1e-14)
    assert t.tangent.value("ẏ") == pytest.approx(gx + 0.5 * gw, rel=1e-14)
    assert t.evaluation.value("y") == y.data


def test_the_tangent_trace_ends_with_jvp_exactly():
    f = lambda a, b: (a * b).tanh() / (1 + b * b) + a.exp()  # noqa: E731
    t = function_traces(f, (0.3, -0.8), (0.25, 2.0), names=("a", "b"))
    assert t.tangent.value("ẏ") == jvp(f, (0.3, -0.8), (0.25, 2.0))[1]


def test_unlabelled_nodes_are_named_as_the_stepper_names_them():
    a = Value(1.5)
    t = traces(a * a + 1, [a])
    assert t.evaluation.rows[0].rule == "1.500"  # a leaf without a label: its number
    assert [r.lhs for r in t.evaluation.rows][-1] == "y"


def test_the_formats_escape_what_would_break_them(paper):
    x = Value(1.0, label="<b>|x_1&")
    t = traces(x * 2, [x])
    assert "<b>|" not in t.html() and "&lt;b&gt;|x_1&amp;" in t.html()
    assert "\\|x\\_1" in t.markdown()
    assert r"\text{\textless{}b\textgreater{}\textbar{}x\_1\&}" in t.latex()
    text = paper.text()
    assert text.count("\n\n") == 2 and "Reverse adjoint trace" in text


def test_traces_refuse_bad_arguments():
    x = Value(1.0)
    with pytest.raises(ValueError, match="direction"):
        traces(x * x, [x], [1.0, 2.0])
    with pytest.raises(ValueError, match="not a leaf"):
        traces(x * x, [x * 2])
    with pytest.raises(ValueError, match="twice"):
        traces(x * x, [x, x])


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_the_latex_tables_compile(tmp_path, paper):
    x = Value(0.5, label="x")
    other = traces((x.tanh() ** 2 + abs(x) - (x * 3).relu()) / x.sqrt(), [x])
    tiny, y = underflow_example()
    stopped = traces(y, [tiny])  # the tangent trace ends with a note
    hostile = function_traces(lambda x: x.sin(), (1.0,), names=HOSTILE_NAMES[:1], fmt="$>9.3g")
    (tmp_path / "secret.txt").write_text("SECRET")
    doc = tmp_path / "t.tex"
    doc.write_text(
        "\\documentclass{article}\\usepackage{amsmath,booktabs}\\begin{document}\n"
        + "\n\n".join(t.latex() for t in (paper, other, stopped, hostile))
        + "\n\\end{document}\n",
        encoding="utf-8",
    )
    r = subprocess.run(
        [
            "pdflatex",
            "-no-shell-escape",
            "-recorder",
            "-interaction=nonstopmode",
            "-halt-on-error",
            doc.name,
        ],  # fmt: skip
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout[-2000:]
    assert (tmp_path / "t.pdf").stat().st_size > 0
    assert "secret" not in (tmp_path / "t.fls").read_text()  # the names read no file
    assert math.isfinite(paper.adjoint.value("x̄2"))


HOSTILE_NAMES = ["x\r\\input{secret.txt}\u2028٣中\\write18{touch pwned}%$#^&_~"]


def test_a_latex_table_has_a_title_a_header_and_room_for_its_fractions(paper):
    tangent, adjoint = paper.tangent.latex(), paper.adjoint.latex()
    needs = r"% needs \usepackage{amsmath} and \usepackage{booktabs} in the preamble"
    first, *rest = tangent.splitlines()
    assert first == needs  # the rules are booktabs': "Undefined control sequence" without it
    assert not any(line.startswith("%") for line in rest)  # the title printed, not a comment
    assert paper.latex().splitlines()[0] == needs and paper.latex().count(needs) == 1
    title = r"\textbf{Forward tangent trace (direction $\dot{x}_{1} = 1$, $\dot{x}_{2} = 0$)}"
    assert title in tangent
    assert "\\toprule\ntangent & rule & numbers & value \\\\\n\\midrule" in tangent
    assert r"$= \dot{x}_{1}$" in tangent and r"\dot{x_{1}}" not in tangent  # on the letter
    assert r"$\bar{x}_{1}$ & $= \bar{v}_{-1}$" in adjoint
    frac_rows = [line for line in adjoint.splitlines() if r"\frac" in line]
    assert len(frac_rows) == 8 and all(line.endswith(r"\\[4pt]") for line in frac_rows)
    assert r"\arraystretch" in adjoint and "\\bottomrule" in adjoint
    # Baydin et al. write the natural log ln
    assert r"$= \ln({v_{-1}})$ & $= \ln({2})$" in paper.evaluation.latex()


def test_html_tables_are_styled_outside_a_notebook(paper):
    html = paper.evaluation.html()
    assert html.count('<td style="padding:') == 4 * 8 and html.count('<th style="') == 4
    assert "<table style=" in html and "<td>" not in html
    # one minus sign: "10.69 − (−0.9589)" and "−0.9589", as the rules write "v₄ − v₃"
    assert ">10.69 − (−0.9589)<" in html and ">−0.9589<" in html and ">-" not in html
    assert "(-" not in html
    # what a user wrote stays text
    x = Value(1.0, label="<td>")
    assert "&lt;td&gt;" in traces(x * 2, [x]).evaluation.html()


def negative_example():
    return function_traces(lambda a, b: ((a - b) * -2.0).cos() * 1e-7, (1.0, 3.0))


def test_text_and_markdown_write_every_minus_as_the_true_minus():
    t = negative_example()
    for form in (t.text(), t.markdown()):
        assert "-" not in form.replace("|---", "")  # Markdown's rule under the header aside
    assert "−2 × (−2)" in t.evaluation.text() and "−6.536e−08" in t.evaluation.text()
    assert "−(−1.514e−07)" in t.adjoint.text()  # a negated negative number, in brackets
    assert "v̇₂ × (−sin(v₂))" in t.tangent.text()  # a negative local derivative, in brackets
    assert [r.numbers for r in t.adjoint.rows if r.lhs == "v̄₁"] == ["7.568e−08 × (−2)"]


def test_latex_keeps_the_ascii_minus_of_math_mode():
    source = negative_example().latex()
    assert source.isascii() and "= -(-1.514 \\times 10^{-7})$" in source


def test_text_columns_stay_aligned_with_negative_numbers():
    def column(line: str, i: int) -> int:  # the dots and bars over v take no column
        return sum(not unicodedata.combining(c) for c in line[:i])

    t = negative_example()
    for table in (t.evaluation, t.tangent, t.adjoint):
        lines = table.text().splitlines()[1:]
        # the rule column starts where its header does in every row (− is one column wide)
        start = column(lines[0], lines[0].index(table.header[1]))
        for line in lines[1:]:
            lhs_end = len(line.split(" ")[0])
            assert column(line, lhs_end + len(line[lhs_end:]) - len(line[lhs_end:].lstrip())) == (
                start
            )
        # the values stand one under the other by their decimal points
        values = [line.rstrip().rpartition("  ")[2] for line in lines[1:]]
        assert any(v.startswith("−") for v in values) and any("." in v for v in values)
        points = {
            column(line, line.rstrip().rindex(v)) + len(v.split(".")[0].split("e")[0])
            for line, v in zip(lines[1:], values)
        }
        assert len(points) == 1, table.text()


def test_a_number_is_written_as_the_pages_write_it():
    # four significant digits, trailing zeros kept, whole numbers whole, the true minus
    t = function_traces(lambda x: x * 0.5 - 6.0 * x, (3.0,))
    assert [r.numbers for r in t.evaluation.rows if r.numbers] == [
        "3 × 0.5000",
        "6 × 3",
        "1.500 − 18",
    ]
    assert t.evaluation.value("y") == -16.5 and t.evaluation.text().endswith("−16.50")


@pytest.mark.parametrize("fmt", [".4g", "$>9.3g", "_^12.2e", "#<8.3f"])
def test_latex_of_hostile_names_and_formats_is_ascii_with_no_line_end_or_command(fmt):
    t = function_traces(lambda x: x.sin(), (1.0,), names=HOSTILE_NAMES, fmt=fmt)
    source = t.latex()
    assert source.isascii() and "\r" not in source
    assert "\\input" not in source and "\\write18" not in source


def underflow_example():
    # CHANGELOG's example: d(0.5/(1/x))/dx = 0.5, but the adjoint of 1/x, -5e-601, is below
    # the smallest float; backward() keeps it exactly and so must the trace
    x = Value(1e-300, label="x")
    return x, 0.5 / (1 / x)


def test_the_adjoint_trace_keeps_an_adjoint_that_underflows_as_backward_does():
    x, y = underflow_example()
    t = traces(y, [x])
    y.backward()
    assert x.grad == 0.5 and t.adjoint.value("x̄") == 0.5
    # the numbers column shows the factors a float cannot hold, not 0 × inf
    assert t.adjoint.rows[2].numbers == "−5e−601 × (−1e+600)"
    assert "inf" not in t.adjoint.text() and "nan" not in t.adjoint.text()


def test_the_tangent_trace_stops_with_a_note_where_a_tangent_is_too_large():
    x, y = underflow_example()  # d(1/x)/dx = -1e600: forward mode cannot hold it
    t = traces(y, [x])
    assert [r.lhs for r in t.tangent.rows] == ["v̇₀"]
    assert t.tangent.notes[0].startswith("v̇₁ is not a finite number")
    assert "trace stops here" in t.tangent.text() and "v̇₁" in t.tangent.html()
    assert r"$\dot{v}_{1}$ is not a finite number." in t.tangent.latex()


def test_the_adjoint_trace_stops_with_a_note_where_backward_raises():
    x = Value(0.0, label="x")
    t = traces(x.sqrt() * 2, [x])
    with pytest.raises(ZeroDivisionError):
        (x.sqrt() * 2).backward()
    assert "trace stops here" in t.adjoint.text() and x.grad == 0.0


def random_root(steps, point):
    leaves = [Value(v, label=f"x{i}") for i, v in enumerate(point, 1)]
    pool = list(leaves)
    for kind, name, *picks in steps:
        operands = [pool[i % len(pool)] for i in picks]
        pool.append((UNARY if kind == "u" else BINARY)[name][0](*operands))
    return leaves, pool[-1]


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(step, min_size=1, max_size=8),
    point=st.tuples(*[st.floats(-1.5, 1.5) for _ in NAMES]),
    direction=st.tuples(*[st.floats(-2, 2) for _ in NAMES]),
)
def test_the_traces_end_where_backward_and_forward_mode_do_on_random_expressions(
    steps, point, direction
):
    leaves, root = random_root(steps, point)
    t = traces(root, leaves, direction)
    root.backward()
    bars = [f"x\u0304{i}" for i in range(1, len(leaves) + 1)]
    assert [t.adjoint.value(bar) for bar in bars] == [v.grad for v in leaves]
    expected = forward_tangents([root], dict(zip(leaves, direction))).get(root, 0.0)
    assert t.tangent.value("ẏ") == expected


def test_an_output_that_is_a_leaf_but_not_an_input_has_tangent_and_adjoint_0():
    c, x = Value(2.0, label="c"), Value(1.0, label="x")
    t = traces(c, [x])
    assert t.tangent.value("ċ") == 0.0 and t.adjoint.value("x̄") == 0.0


def test_the_natural_log_is_ln_in_every_view_as_the_paper_writes_it(paper):
    from viz import backward_step_texts, to_dot

    texts = [paper.text(), paper.markdown(), paper.html()]
    assert all("ln(v₋₁)" in t and "log" not in t for t in texts)
    assert r"\ln" in paper.latex() and "log" not in paper.latex()
    x = Value(2.0, label="x")
    y = x.log()
    assert "label=<ln>" in to_dot(y) and "log" not in to_dot(y)
    assert "ln(x) = ln(2)" in backward_step_texts(y)[1].title


def test_every_trace_writes_products_with_x_and_brackets_a_negative_number_after_an_operator():
    t = function_traces(lambda x1, x2: x1 * x2 + x1 - x2 * x1, (-6.0, -3.0), [-1.0, -2.0])
    text = t.text()
    assert "·" not in text and "v₋₁ × v₀" in t.evaluation.text()
    numbers = [r.numbers for tab in (t.evaluation, t.tangent, t.adjoint) for r in tab.rows]
    assert "−6 × (−3)" in numbers and "18 + (−6)" in numbers  # leading bare, after + bracketed
    assert "−1 × (−3) + (−2) × (−6)" in numbers and "15 + (−1)" in numbers
    assert not any(re.search(r"[+×/] −", n) for n in numbers), numbers
    assert r"\cdot" not in t.latex() and r"{-6} \times {(-3)}" in t.latex()


def test_the_text_forms_write_the_inputs_subscripts_as_the_latex_form_does(paper):
    for form in (paper.text(), paper.markdown(), paper.html()):
        assert "x₁" in form and "ẋ₁" in form and "x̄₂" in form
        assert not re.search(r"x[\u0304\u0307]?[12]", form)
    assert paper.adjoint.value("x̄1") == paper.adjoint.value("x̄₁") == 5.5  # typed either way
