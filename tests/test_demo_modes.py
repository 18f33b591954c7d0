"""demos/modes.py runs end to end: both modes agree, Newton converges, the PNG is written."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import needs_graphviz

# end-to-end: runs a whole script in a subprocess (python -m pytest -m "not slow" skips it)
pytestmark = pytest.mark.slow

DEMO = Path(__file__).resolve().parent.parent / "demos" / "modes.py"


@needs_graphviz
def test_modes_demo_prints_both_modes_newton_and_writes_the_plot(tmp_path):
    pytest.importorskip("matplotlib")
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    r = subprocess.run(
        [sys.executable, str(DEMO), str(tmp_path)], capture_output=True, timeout=300, env=env
    )
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode()
    assert "forward mode, two passes: ∂f/∂x1 = 5.5, ∂f/∂x2 = 1.716" in out
    assert "reverse mode, one pass:  ∂f/∂x1 = 5.5, ∂f/∂x2 = 1.716" in out
    assert "x̄₂       v̄₀" in out
    assert "minimum at x = 1.1309011226299" in out
    # tanh'''(0.5) = −2(1 − t²)(1 − 3t²) with t = tanh(0.5)
    assert "order 3: -0.565209" in out
    png = tmp_path / "tanh_derivatives.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
