"""TikZ pictures of graphs: the same options as to_dot, labels typeset and escaped, and the
picture compiled with pdflatex (where it is installed; CI installs it)."""

import re
import shutil
import subprocess

import pytest
from examples import worked_example

from autograd_lite import Value, topo_order
from autograd_lite.escape import latex as latex_text
from viz import DrawingOptions, GraphTooLargeError, to_tikz
from viz.latex import label_latex, run_pdflatex

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
needs_latex = pytest.mark.skipif(
    shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
    reason="needs pdflatex and poppler-utils (CI installs them)",
)
HOSTILE = [r"\input{/etc/passwd}", r"}$\def\x{1}", "50% & #1 ~ ^_ <tag> |\"'` --", "é σ 中\n"]


def document(body: str) -> str:
    return (
        "\\documentclass{article}\n\\usepackage{tikz}\n"
        "\\usepackage[paperwidth=80cm,paperheight=30cm,margin=1cm]{geometry}\n"
        "\\begin{document}\n" + body + "\\end{document}\n"
    )


def pdf_text(pdf: bytes, tmp_path) -> str:
    (tmp_path / "out.pdf").write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-raw", str(tmp_path / "out.pdf"), "-"], capture_output=True, text=True
    )
    return result.stdout


def test_nielsen_labels_become_sub_and_superscripts():
    assert label_latex("w^2_11") == r"\ensuremath{w^{2}_{11}}"
    assert label_latex("delta^3_1") == r"\ensuremath{\delta^{3}_{1}}"
    assert label_latex("b^2_1,2") == r"\ensuremath{b^{2}_{1,2}}"
    assert label_latex("loss") == "loss"


def test_every_special_character_is_escaped():
    text = latex_text(r"\input{x}$%&#_^~")
    assert "\\input" not in text and "{x}" not in text
    assert re.fullmatch(r"(\\[a-z]+\{\}|\\[{}$%&#_]|[a-z])*", text), text
    assert latex_text("中") == r"\textbackslash{}u4e2d"
    assert latex_text("--") == "-{}-{}"


@needs_dot
def test_picture_has_a_node_per_drawn_value_and_operation_and_its_labels():
    out, w = worked_example()
    out.backward()
    tikz = to_tikz(out, max_width_cm=None)  # one picture, 39 cm wide
    assert tikz.startswith("\\begin{tikzpicture}") and tikz.endswith("\\end{tikzpicture}\n")
    assert tikz.count("\\begin{tikzpicture}") == 1
    ops = sum(1 for v in topo_order(out) if v.parents)
    constants = sum(1 for v in topo_order(out) if not v.parents and v.label is None)
    assert constants == 4
    assert len(re.findall(r"\(n\d+_op\) at", tikz)) == ops
    assert len(re.findall(r"\(n\d+\) at", tikz)) == ops + 6 + constants
    assert "grad 0.001429" in tikz and "{O}" in tikz
    assert to_tikz(out, max_width_cm=None) == tikz  # deterministic


@needs_dot
def test_options_are_those_of_to_dot():
    out, w = worked_example()
    plain = to_tikz(out, options=DrawingOptions(show_grad=False))
    assert "grad " not in plain
    lit = to_tikz(out, options=DrawingOptions(highlight=[w["w1"]]))
    assert lit.count("line width=1.6bp") > to_tikz(out).count("line width=1.6bp")
    assert "edge, dim" in lit and "edge, dim" not in to_tikz(out)
    coloured = to_tikz(out, options=DrawingOptions(color_by_grad=True))
    assert "grad colour" in coloured
    with pytest.raises(GraphTooLargeError, match="to_tikz"):
        to_tikz(out, options=DrawingOptions(max_nodes=5))
    with pytest.raises(ValueError, match="rankdir"):
        to_tikz(out, options=DrawingOptions(rankdir="RL"))


@needs_dot
def test_cluster_draws_a_box_per_layer_and_neuron():
    w = Value(0.5, label="w^2_11")
    a = Value(1.0, label="a^1_1")
    z = w * a + Value(0.1, label="b^2_1")
    z.label = "z^2_1"
    tikz = to_tikz(z.sigmoid(), options=DrawingOptions(cluster=True))
    assert "{layer 2}" in tikz and "{neuron 1}" in tikz
    assert r"\ensuremath{w^{2}_{11}}" in tikz


@needs_dot
@needs_latex
@pytest.mark.slow
def test_picture_compiles_with_hostile_labels_shown_as_text(tmp_path):
    leaves = [Value(float(k + 1), label=label) for k, label in enumerate(HOSTILE)]
    out = leaves[0] * leaves[1] - leaves[2] / leaves[3]
    out.label = "w^2_11"
    out.backward()
    tikz = to_tikz(out, options=DrawingOptions(highlight=[out], color_by_grad=True))
    pdf = run_pdflatex(document(tikz))
    text = pdf_text(pdf, tmp_path)
    assert pdf.startswith(b"%PDF")
    squeezed = text.replace(" ", "").replace("\n", "")
    assert r"\input{/etc/passwd}" in squeezed
    assert r"}$\def\x{1}" in squeezed
    assert "50%&#1" in squeezed
    assert "root:x:0:0" not in text


@needs_dot
@needs_latex
@pytest.mark.slow
def test_worked_example_compiles_to_one_page(tmp_path):
    out, _ = worked_example()
    out.backward()
    (tmp_path / "g.pdf").write_bytes(run_pdflatex(document(to_tikz(out))))
    info = subprocess.run(["pdfinfo", str(tmp_path / "g.pdf")], capture_output=True, text=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M)


@pytest.mark.parametrize("label", ["w^٣_١", "w^3_١٢", "a^߁_1", "x_٣"])
def test_labels_with_digits_of_other_scripts_are_escaped_not_scripted(label):
    # \d would match Arabic-Indic or N'Ko digits and pass them raw to LaTeX
    from autograd_lite.labels import parse_nielsen
    from viz.latex import label_latex

    assert label_latex(label).isascii() and "ensuremath" not in label_latex(label)
    assert parse_nielsen(label) is None


def test_the_squared_error_names_its_parts_and_keeps_operand_names_off_the_arrows():
    a = Value(0.8, label="a^3_1")
    d = a - 0.25
    tikz = to_tikz(d * d)
    assert r"\ensuremath{y} = 0.25" in tikz
    assert r"\ensuremath{\mbox{\ensuremath{a^{3}_{1}}} - y}" in tikz
    assert r"\ensuremath{(\mbox{\ensuremath{a^{3}_{1}}} - y)^{2}}" in tikz
    # the a and b of a − y stand beside their edges (dot's xlabel), not at the arrowheads
    assert tikz.count(r"\node[text=ag-666666]") == 2


def rows_of(tikz: str) -> list[str]:
    return tikz.split("\\par\\medskip\\noindent\n")


@needs_dot
def test_a_wide_graph_is_cut_into_rows_no_wider_than_the_page():
    out, _ = worked_example()
    out.backward()
    whole = to_tikz(out, max_width_cm=None)
    rows = rows_of(to_tikz(out))
    assert len(rows) >= 3  # 39 cm in rows of at most 12
    seen = []
    for row in rows:
        assert row.startswith("\\begin{tikzpicture}") and row.rstrip().endswith(
            "\\end{tikzpicture}"
        )
        a, b = (
            float(x)
            for x in re.search(
                r"useasboundingbox \(([\d.-]+),[\d.-]+\) rectangle \(([\d.-]+)", row
            ).groups()
        )
        assert b - a <= 12 / 2.54 * 72
        seen += re.findall(r"\] \((n\d+(?:_op)?)\) at \([\d.,-]+\) \{[^}]", row)
    # every node drawn once (a node of another row where an edge ends is an empty box)
    drawn = re.findall(r"\] \((n\d+(?:_op)?)\) at \([\d.,-]+\) \{[^}]", whole)
    assert sorted(seen) == sorted(drawn) and len(set(seen)) == len(seen)
    # a graph that fits is one picture as before
    x = Value(0.5, label="x")
    assert len(rows_of(to_tikz((x * x).tanh()))) == 1
    with pytest.raises(ValueError, match="max_width_cm must be a number of centimetres"):
        to_tikz(out, max_width_cm=0)


@needs_dot
@needs_latex
@pytest.mark.slow
def test_the_worked_example_fits_an_a4_page_with_its_text_at_8_pt(tmp_path):
    out, _ = worked_example()
    out.backward()
    doc = (
        "\\documentclass{article}\n\\usepackage{tikz}\n\\usepackage[a4paper]{geometry}\n"
        "\\pagestyle{empty}\n\\begin{document}\n\\noindent\n" + to_tikz(out) + "\\end{document}\n"
    )
    (tmp_path / "g.pdf").write_bytes(run_pdflatex(doc))
    box = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "g.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert box.count("<page ") == 1
    words = [
        (float(x0), float(y0), float(x1), float(y1), text)
        for x0, y0, x1, y1, text in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', box
        )
    ]
    # A4 is 595 bp wide, the article's text 345 pt from 1 inch + 62 pt in: 72-417 bp
    assert min(w[0] for w in words) >= 72 and max(w[2] for w in words) <= 420
    data = [y1 - y0 for _, y0, _, y1, text in words if text == "data"]
    # cmss at 8 pt: a word's box is 0.885 of its size (as Beamer's 9 pt subtitles measure)
    assert min(data) >= 0.885 * 8 * 0.99
