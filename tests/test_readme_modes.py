"""End to end: the docs' section on derivatives of derivatives and forward mode."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

# end-to-end: runs the docs' code in subprocesses (python -m pytest -m "not slow" skips it)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "docs" / "how-it-works.md").read_text(encoding="utf-8")
SECTION = README[
    README.index("## Derivatives of derivatives and forward mode") : README.index(
        "## The compiled path"
    )
]


def test_the_sections_example_runs_and_prints_what_its_comments_say(tmp_path):
    (block,) = re.findall(r"```python\n(.*?)```", SECTION, re.S)
    script = tmp_path / "modes.py"
    script.write_text(block, encoding="utf-8")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "(18.7781121978613, 8.38905609893065)"  # (4 + 2e², 1 + e²)
    assert float(lines[1]) == pytest.approx(-0.7268619813835872, rel=1e-15)
    assert lines[4] == "5.5 [-0.25, 1.0]"
    assert lines[5].endswith(", 5.5)")


def test_the_sections_command_runs(tmp_path):
    block = re.search(r"```bash\n(autograd-lite grad .*?)```", SECTION, re.S).group(1)
    args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', block)[1:]]
    r = subprocess.run(
        [sys.executable, "-m", "autograd_lite", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 0, r.stderr
    assert "Second derivatives of f (the Hessian)" in r.stdout
    assert "Reverse adjoint trace" in r.stdout
    assert (tmp_path / "forward.html").stat().st_size > 0


def test_the_sections_picture_exists():
    assert (ROOT / "docs" / "tanh_derivatives.png").stat().st_size > 20_000
