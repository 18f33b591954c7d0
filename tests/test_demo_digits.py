"""End to end: `python demos/digits.py OUTDIR` trains through the compiled path to 95%."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

pytest.importorskip("matplotlib", reason="the demo draws with matplotlib (the demos extra)")
pytest.importorskip("sklearn", reason="the digits ship with scikit-learn (the data extra)")

ROOT = Path(__file__).resolve().parent.parent


def test_digits_demo_trains_compiled_to_95_percent_and_draws_its_mistakes(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "digits.py"), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "training compiled: " in out
    assert float(re.search(r"test accuracy ([\d.]+)%", out).group(1)) >= 95.0
    assert re.search(r"trained 400 steps in [\d.]+ s", out)
    picture = tmp_path / "digits_mistakes.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
