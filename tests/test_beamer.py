"""Beamer decks of the backward pass: one frame per step, the chain-rule lines in LaTeX,
bounded, and compiled with pdflatex where it is installed (CI installs it)."""

import re
import shutil
import subprocess

import pytest

from autograd_lite import Value
from viz import DEFAULT_MAX_STEPS, DrawingOptions, LatexNotFoundError, backward_step_texts, beamer

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
needs_latex = pytest.mark.skipif(
    shutil.which("pdflatex") is None or shutil.which("pdfinfo") is None,
    reason="needs pdflatex and poppler-utils (CI installs them)",
)


def product():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = a * b
    out.label = "out"
    return out + out


@needs_dot
def test_the_last_frame_shows_the_grad_backward_gives_where_adjoints_underflow(tmp_path):
    # as floats, d(0.5/r)/dr underflows and dr/dx overflows; backward() gives 0.5
    x = Value(1e-300, label="x")
    tex = beamer(0.5 / (1 / x), tmp_path / "deck.tex").read_text(encoding="utf-8")
    last_step, closing = tex.split("\\begin{frame}")[-2:]
    assert "grad 0.5000}" in last_step and last_step.count("= 0.5000 (worked out exactly") == 1
    assert "grad(\\ensuremath{x}) = 0.5000" in closing


@needs_dot
def test_one_frame_per_step_with_the_chain_rule_in_numbers(tmp_path):
    loss = product()
    tex = beamer(loss, tmp_path / "deck.tex", options=DrawingOptions(fmt=".1f")).read_text(
        encoding="utf-8"
    )
    steps = backward_step_texts(loss)
    # one frame per step, then a closing frame with every gradient
    assert tex.count("\\begin{frame}") == len(steps) + 1 == 4
    assert "Step 3 of 3" in tex and "Every gradient" in tex
    # grad(a) += ∂out/∂a × grad(out) = b × grad(out) = −3 × 2 = −6, typeset with a real minus
    # and the one-letter labels in math, as w^2_11 is
    assert (
        r"grad(\ensuremath{a}) += \ensuremath{\partial}out/\ensuremath{\partial}\ensuremath{a} "
        r"\ensuremath{\times} grad(out) = \ensuremath{b} \ensuremath{\times} grad(out) = "
        r"\ensuremath{-}3.0 \ensuremath{\times} 2.0 = \ensuremath{-}6.0"
    ) in tex
    closing = tex.split("\\begin{frame}")[-1]
    assert r"grad(\ensuremath{a}) = \ensuremath{-}6.0" in closing
    assert r"grad(\ensuremath{b}) = 4.0" in closing


@needs_dot
def test_nielsen_labels_and_hostile_titles_are_typeset_as_text(tmp_path):
    w = Value(0.5, label="w^2_11")
    x = Value(2.0, label=r"\input{/etc/passwd}")
    tex = beamer((w * x).tanh(), tmp_path / "d.tex", title="}$\\def").read_text()
    assert r"grad(\ensuremath{w^{2}_{11}})" in tex
    assert r"\input{" not in tex and r"\textbackslash{}input\{/etc/passwd\}" in tex
    assert r"\frametitle{\}\$\textbackslash{}def}" in tex


def test_too_many_steps_are_refused_before_anything_is_written(tmp_path):
    y = Value(0.1, label="x")
    for _ in range(DEFAULT_MAX_STEPS):
        y = y.sin()
    with pytest.raises(ValueError, match=r"61 steps, more than max_steps=60.*max_steps=61"):
        beamer(y, tmp_path / "d.tex")
    assert list(tmp_path.iterdir()) == []


def test_a_path_that_is_not_tex_or_pdf_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.tex"):
        beamer(product(), tmp_path / "deck.html")


@needs_dot
def test_without_pdflatex_the_tex_is_written_and_the_error_says_what_to_install(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("shutil.which", lambda name, *a, **k: None)
    with pytest.raises(LatexNotFoundError, match="texlive-latex-recommended.*deck.tex"):
        beamer(product(), tmp_path / "deck.pdf")
    assert (tmp_path / "deck.tex").exists() and not (tmp_path / "deck.pdf").exists()


@needs_dot
@needs_latex
@pytest.mark.slow
def test_deck_compiles_to_one_page_per_step(tmp_path):
    x = Value(0.5, label="x")
    w = Value(-1.5, label="w^2_11")
    loss = ((x * w + 1).tanh() - 0.25) ** 2
    pdf = beamer(loss, tmp_path / "deck.tex", pdf=True)
    assert pdf == tmp_path / "deck.pdf" and pdf.read_bytes().startswith(b"%PDF")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))
    assert pages == len(backward_step_texts(loss)) + 1  # and the closing frame


def test_a_huge_title_is_cut_once_not_repeated_in_every_frame(tmp_path):
    from autograd_lite import Value
    from viz import beamer

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    tex = beamer(a * b + a, tmp_path / "t.tex", title="T" * 100_000)
    source = tex.read_text(encoding="utf-8")
    assert len(source) < 20_000 and "T" * 201 not in source
    titles = [line for line in source.splitlines() if line.startswith("\\frametitle")]
    assert titles and all(40 < line.count("T") <= 80 for line in titles)
    with pytest.raises(TypeError, match="title must be text"):
        beamer(a * b, tmp_path / "u.tex", title=3)


@needs_dot
def test_an_apostrophe_in_a_title_is_typeset_as_one(tmp_path):
    x = Value(2.0, label="x")
    tex = beamer(x.log(), tmp_path / "d.tex", title="Baydin's example").read_text()
    assert r"\frametitle{Baydin\textquoteright{}s example}" in tex
    assert r"\ttfamily" not in tex  # a typewriter quote was set before


# --- legible on a slide: text at 8 pt or more ----------------------------------------------


def mlp_loss(sizes):
    from autograd_lite.nn import MLP
    from autograd_lite.nn.losses import mse

    model = MLP(2, sizes)
    loss = mse([model([0.5, -1.0])], [0.25])
    loss.backward()
    return loss


def picture_scales(tex: str) -> list[float]:
    return [float(x) for x in re.findall(r"\\scalebox\{([\d.]+)\}\{%\n\\begin\{tikzpicture", tex)]


@needs_dot
def test_a_network_too_large_for_a_slide_is_shown_in_close_ups_never_shrunk(tmp_path):
    # drawn whole, a 2-3-1 loss graph was scaled by 0.31: its 8 pt text printed at 2.5 pt
    tex = beamer(mlp_loss([3, 1]), tmp_path / "deck.tex").read_text(encoding="utf-8")
    scales = picture_scales(tex)
    assert scales and min(scales) >= 1.0  # the pictures' 8 pt text is never made smaller
    sizes = {float(x) for x in re.findall(r"\\fontsize\{([\d.]+)\}", tex)}
    assert sizes == {8.0}
    # every step's frame has a map of the whole graph, saved once and marked per frame
    assert tex.count(r"\sbox{\agmap}") == 1
    assert tex.count(r"\usebox{\agmap}") == len(re.findall(r"framesubtitle\{Step", tex))
    # a neuron's Σ is shown term by term: w³₁ⱼ beside a²ⱼ, then the bias
    frames = tex.split("\\begin{frame}")[1:]
    sigma = [f for f in frames if "Step 4 of 10" in f]
    assert [f.count("\\item ") for f in sigma] == [2, 2, 2, 1]
    assert "w^{3}_{12}}" in sigma[1] and "a^{2}_{2}}" in sigma[1] and "b^{3}_{1}" in sigma[3]
    # the closing frame lists every gradient, none left out
    closing = frames[-1]
    assert "Every gradient" in closing and closing.count("= grad(") == 15


@needs_dot
def test_a_graph_that_fits_at_8_pt_is_drawn_whole_in_every_frame(tmp_path):
    tex = beamer(product(), tmp_path / "deck.tex").read_text(encoding="utf-8")
    assert r"\agmap" not in tex and "part 1" not in tex
    assert len(picture_scales(tex)) == 4 and min(picture_scales(tex)) >= 1.0


@needs_dot
def test_slide_shapes_follow_beamers_aspectratio(tmp_path):
    tex = beamer(product(), tmp_path / "a.tex", aspectratio=43).read_text(encoding="utf-8")
    assert tex.startswith(r"\documentclass[aspectratio=43,11pt]{beamer}")
    for bad in (44, "169", True, 16.9):
        with pytest.raises(ValueError, match=r"aspectratio must be one of .*169.*43"):
            beamer(product(), tmp_path / "b.tex", aspectratio=bad)
    assert not (tmp_path / "b.tex").exists()


@needs_dot
def test_a_step_that_no_frame_can_show_at_8_pt_is_refused_with_the_sizes(tmp_path):
    # an operand whose box alone is wider than the room beside the map of a 4:3 slide
    x = Value(1.0, label="x" * 60)
    with pytest.raises(ValueError, match=r"8 pt .*128 mm x 96 mm.*aspectratio=43.* bp"):
        beamer(x.exp(), tmp_path / "d.tex", aspectratio=43)
    assert not (tmp_path / "d.tex").exists()


def words_in_pdf(pdf) -> list[tuple[int, float, float, float, float, str, float, float]]:
    """Every word pdftotext finds: (page, x0, y0, x1, y1, text, page width, page height)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = []
    for k, page in enumerate(out.split("<page ")[1:], start=1):
        width, height = (
            float(x) for x in re.search(r'width="([\d.]+)" height="([\d.]+)"', page).groups()
        )
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            page,
        ):
            x0, y0, x1, y1 = (float(t) for t in m.groups()[:4])
            words.append((k, x0, y0, x1, y1, m.group(5), width, height))
    return words


def text_sizes(words) -> tuple[float, float]:
    """The smallest text and the smallest sub- or superscript on the pages, in points. A
    word's box is as tall as its font's ascent and descent: the subtitles, at 9 pt, give the
    box height of one point."""
    unit = [y1 - y0 for _, _, y0, _, y1, text, _, _ in words if text == "Step"]
    unit = sum(unit) / len(unit) / 9.0
    # 3 and 11 of w³₁₁, 1,12 of a wide layer's w⁴₁,₁₂
    scripts = [w for w in words if re.fullmatch(r"\d{1,3}(,\d{1,3})?", w[5])]
    other = [w for w in words if w not in scripts]
    return (
        min(w[4] - w[2] for w in other) / unit,
        min(w[4] - w[2] for w in scripts) / unit,
    )


@needs_dot
@needs_latex
@pytest.mark.slow
@pytest.mark.parametrize(("sizes", "ratio"), [([3, 1], 169), ([3, 1], 43), ([4, 4, 1], 169)])
def test_every_word_of_a_network_deck_is_8_pt_or_more_and_on_its_slide(tmp_path, sizes, ratio):
    pdf = beamer(mlp_loss(sizes), tmp_path / "deck.pdf", aspectratio=ratio)
    frames = pdf.with_suffix(".tex").read_text(encoding="utf-8").count("\\begin{frame}")
    words = words_in_pdf(pdf)
    assert max(w[0] for w in words) == frames
    text, scripts = text_sizes(words)
    # 8 pt, and TeX's script size of it (6 pt) for sub- and superscripts; it was 2.5 pt
    assert text >= 7.9 and scripts >= 5.9, (text, scripts)
    for page, x0, y0, x1, y1, word, width, height in words:
        assert 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height - 2, (page, word)


@needs_dot
def test_every_gradient_is_listed_inputs_first_then_layer_by_layer_weights_before_bias(tmp_path):
    from autograd_lite.nn import MLP
    from autograd_lite.nn.losses import mse

    x = [Value(0.5, label="x_1"), Value(-1.0, label="x_2")]
    loss = mse([MLP(2, [3, 1])(x)], [0.25])
    loss.backward()
    tex = beamer(loss, tmp_path / "deck.tex").read_text(encoding="utf-8")
    table = re.search(r"\\begin\{tabular\}\{@\{\}[^\n]*\n(.*?)\n\\end\{tabular\}", tex, re.S)[1]
    rows = [row.split(" & ") for row in table.split("\\\\\n")]
    cells = [row[c] for c in range(len(rows[0])) for row in rows if c < len(row)]  # by column
    names = [re.search(r"grad\((.*?)\) =", c)[1] for c in cells if "grad(" in c]
    expected = ["x_{1}", "x_{2}"]
    for j in (1, 2, 3):
        expected += [f"w^{{2}}_{{{j}{k}}}" for k in (1, 2)] + [f"b^{{2}}_{{{j}}}"]
    expected += [f"w^{{3}}_{{1{k}}}" for k in (1, 2, 3)] + ["b^{3}_{1}"]
    assert [re.sub(r"\\ensuremath\{|\}$|\\mathrm\{|\s", "", n) for n in names] == expected


def test_the_closing_frames_bracket_a_compound_name_as_the_steps_do(tmp_path):
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    out = (x1 * w1).tanh()
    out.label = "tanh(x1*w1)"
    text = beamer(out, tmp_path / "deck.tex").read_text()
    assert (
        r"\ensuremath{\partial}(tanh(x1*w1))/\ensuremath{\partial}\ensuremath{x1} = grad(" in text
    )
