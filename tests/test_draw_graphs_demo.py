"""The drawing demo runs end to end and reports exactly the files it wrote."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import needs_graphviz

# end-to-end: runs the demo in a subprocess (python -m pytest -m "not slow" skips it)
pytestmark = [
    pytest.mark.slow,
    needs_graphviz,
    pytest.mark.skipif(shutil.which("dot") is None, reason="the demo renders with Graphviz"),
]

DEMO = Path(__file__).resolve().parent.parent / "demos" / "draw_graphs.py"


def run_demo(out_dir: Path) -> str:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    result = subprocess.run(
        [sys.executable, str(DEMO), str(out_dir)], capture_output=True, timeout=120, env=env
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def test_the_demo_says_it_wrote_only_the_files_this_run_wrote(tmp_path):
    left_over = tmp_path / "check_my_backprop.svg"  # as if another demo had run here first
    left_over.write_text("<svg/>", encoding="utf-8")
    printed = [line for line in run_demo(tmp_path).splitlines() if line.startswith("wrote ")]
    reported = [Path(line.removeprefix("wrote ")) for line in printed]
    assert left_over not in reported
    assert sorted(reported) == sorted(f for f in tmp_path.iterdir() if f != left_over)
    assert {f.name for f in reported} == {
        "neuron.svg",
        "neuron_steps.html",
        "network.svg",
        "network_grad_colours.svg",
        "network_steps.html",
        "network.dot",
        "mlp_2_3_1.svg",
    }


def test_the_demo_prints_the_worked_examples_numbers(tmp_path):
    out = run_demo(tmp_path)
    assert "neuron: o = 0.7071, do/dw_1 = 1.0000, do/dx_1 = -1.5000" in out
    assert "network: O = 0.858584, dO/dw1 = 0.0014291881022" in out
