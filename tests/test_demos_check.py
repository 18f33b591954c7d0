"""The two question demos run end to end and print the oracles' numbers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import needs_graphviz

# end-to-end: runs whole scripts in subprocesses (python -m pytest -m "not slow" skips them)
pytestmark = pytest.mark.slow

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def run_demo(name, out_dir):
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    r = subprocess.run(
        [sys.executable, str(DEMOS / name), str(out_dir)], capture_output=True, timeout=120, env=env
    )
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


def test_check_my_backprop_prints_question_1s_numbers(tmp_path):
    out = run_demo("check_my_backprop.py", tmp_path)
    assert "O      = 0.858583510611" in out
    assert "dO/dw1 = 0.00142918810220" in out
    assert "hand-derived formula: 0.00571675240882" in out
    assert "ratio hand/engine   = 4\n" in out
    assert "sum over 2 path(s)" in out
    # the diagnosis names the lost factors, at the question's weights and at others
    assert "Your formula is not ∂O/∂w1. 2 term(s) miss factors" in out
    assert "term for path 1: missing w2, w4\nterm for path 2: missing w3, w5\n" in out
    assert "Your formula is right: it equals ∂O/∂w1" in out


@needs_graphviz
def test_check_my_backprop_draws_the_two_paths(tmp_path):
    run_demo("check_my_backprop.py", tmp_path)
    drawn = list(tmp_path.iterdir())
    assert drawn, "no drawing or DOT source written"
    if (tmp_path / "check_my_backprop.svg").exists():
        assert "<svg" in (tmp_path / "check_my_backprop.svg").read_text()


def test_nielsen_demo_shows_the_identity_number_by_number(tmp_path):
    out = run_demo("nielsen_2_3_1.py", tmp_path)
    lines = dict(ln.split(" = ", 1) for ln in out.splitlines() if " = " in ln)
    by_hand = float(lines["a^2_1 (a^3 - y) sigma'(z^3_1)"])
    engine = float(lines["engine dC/dw^3_11            "])
    assert by_hand == pytest.approx(engine, rel=1e-11)
    assert "all agree" in out
    assert "Your formula equals ∂C/∂w3_11, not ∂C/∂w2_11." in out


def test_demos_are_deterministic(tmp_path):
    assert run_demo("nielsen_2_3_1.py", tmp_path) == run_demo("nielsen_2_3_1.py", tmp_path)
