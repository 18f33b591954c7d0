"""The command's second derivatives, trace tables and forward-mode page."""

import shutil

import pytest

from autograd_lite.cli import main
from conftest import needs_graphviz

BAYDIN = ["grad", "ln(x1) + x1*x2 - sin(x2)", "--at", "x1=2,x2=5", "--digits", "6"]


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("option", [["--order", "2"], ["--hessian"]])
def test_order_2_prints_the_hessian(option, capsys):
    code, out, _ = run([*BAYDIN, *option], capsys)
    assert code == 0
    # ∂²f/∂x1² = −1/x1², ∂²f/∂x1∂x2 = 1, ∂²f/∂x2² = sin(x2)
    assert "Second derivatives of f (the Hessian)" in out
    assert "∂/∂x1  −0.25  1" in out
    assert "∂/∂x2  1      −0.958924" in out


def test_trace_prints_the_three_tables_of_the_paper(capsys):
    code, out, _ = run([*BAYDIN, "--trace"], capsys)
    assert code == 0
    for line in (
        "v₂      v₋₁ × v₀   2 × 5",
        "ḟ        v̇₅",
        "x̄₂       v̄₀",
        "v̇₂       v̇₋₁ × v₀ + v̇₀ × v₋₁  1 × 5 + 0 × 2  5",
    ):
        assert line in out
    assert out.count("1.71634") >= 2


def test_trace_along_the_variable_given_first(capsys):
    code, out, _ = run([*BAYDIN, "--trace", "--wrt", "x2,x1"], capsys)
    assert code == 0
    assert "direction ẋ₂ = 1, ẋ₁ = 0" in out


def test_trace_refuses_a_named_result(capsys):
    code, _, err = run(
        ["grad", "u = x*x; y = u + 1", "--at", "x=2", "--wrt", "u", "--trace"], capsys
    )
    assert code == 2 and "variables" in err


def test_order_2_refuses_several_outputs(capsys):
    code, _, err = run(
        ["grad", "u = x*x; y = u + 1", "--at", "x=2", "--of", "u,y", "--hessian"], capsys
    )
    assert code == 2 and "one output" in err


@needs_graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz")
def test_step_forward_writes_the_forward_page(tmp_path, capsys):
    page = tmp_path / "forward.html"
    code, out, _ = run([*BAYDIN, "--wrt", "x2", "--step-forward", str(page)], capsys)
    assert code == 0 and "forward-mode stepper written" in out
    text = page.read_text(encoding="utf-8")
    assert "Forward mode: ∂f/∂x2" in text and "one per input" in text


def test_several_outputs_print_the_jacobian_table(capsys):
    code, out, _ = run(["grad", "a = x*y; b = x + y^2", "--at", "x=2,y=3", "--of", "a,b"], capsys)
    assert code == 0
    assert out.splitlines() == [
        "Jacobian of a, b",
        "output  value  ∂/∂x  ∂/∂y",
        "a       6      3     2",
        "b       11     1     6",
    ]
