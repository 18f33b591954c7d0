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
    assert "grad 0.5}" in last_step and last_step.count("= 0.5 (worked out exactly") == 1
    assert "grad(\\ensuremath{x}) = 0.5" in closing


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
