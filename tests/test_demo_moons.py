"""End to end: `python demos/moons.py OUTDIR` trains to 100% and writes a picture and a model."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.nn import MLP
from autograd_lite.nn.data import moons
from autograd_lite.nn.train import accuracy
from conftest import needs_graphviz

# end-to-end: runs whole scripts in subprocesses (python -m pytest -m "not slow" skips them)
pytestmark = [pytest.mark.slow, needs_graphviz]

pytest.importorskip("matplotlib", reason="the demo draws with matplotlib (the demos extra)")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("moons") / "out"
    result = subprocess.run(
        [sys.executable, str(ROOT / "demos" / "moons.py"), str(outdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, outdir


def test_demo_reports_full_training_accuracy(run):
    out, _ = run
    assert "training accuracy 100%" in out


def test_demo_prints_the_loss_as_it_goes_and_it_falls(run):
    out, _ = run
    losses = [float(m) for m in re.findall(r"^step +\d+/100  loss ([0-9.]+)", out, re.M)]
    assert len(losses) == 10
    assert losses[-1] < 0.25 * losses[0]


def test_demo_writes_a_png_picture(run):
    _, outdir = run
    picture = outdir / "moons_boundary.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 10_000


def test_demo_model_file_loads_and_classifies_every_point(run):
    _, outdir = run
    model = MLP.load(outdir / "moons_model.json")
    assert model.layer_sizes == [16, 16, 1]
    X, y = moons(n_samples=100, noise=0.1, seed=1)
    assert accuracy(model, X, y) == 1.0


def test_demo_trains_through_the_compiled_path(run):
    out, _ = run
    assert "training compiled: " in out
