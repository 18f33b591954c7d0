"""End to end: the README's Python examples, its command lines and the benchmarks run."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import needs_graphviz

# end-to-end: runs whole scripts in subprocesses (python -m pytest -m "not slow" skips them)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run(args, cwd, timeout=300):
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


@needs_graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="the drawing example needs Graphviz")
def test_python_examples_in_the_readme_run_and_print_what_it_says(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 4
    script = tmp_path / "examples.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    result = run([str(script)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("0.7071 -1.5000 1.0000\n")
    assert "engine gradient:    0.00810714338974  (agrees)" in result.stdout
    assert "Your formula is right, given y1 + y2 + y3 = 1" in result.stdout
    assert "a swapped index, w_kj for w_jk" in result.stdout
    assert "gradcheck passed: 2 input(s)" in result.stdout
    assert "Your formula equals ∂y/∂b, not ∂y/∂w." in result.stdout
    for name in ("moons.json", "neuron.svg", "neuron.png", "neuron_steps.html", "neuron_steps.tex"):
        assert (tmp_path / name).stat().st_size > 0, name


@needs_graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="the drawing examples need Graphviz")
@pytest.mark.parametrize("k", range(len(re.findall(r"```python\n", README))))
def test_each_python_example_in_the_readme_runs_on_its_own(tmp_path, k):
    """A reader copies one block, not the whole page: each must define what it uses."""
    block = re.findall(r"```python\n(.*?)```", README, re.S)[k]
    script = tmp_path / "example.py"
    script.write_text(block, encoding="utf-8")
    result = run([str(script)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]


def _command_args(block):
    return [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', block.replace("\\\n", " "))[1:]]


def _shown_lines_are_printed(shown, stdout):
    """Every line the README shows is printed; a '…' stands for any text, and runs of
    spaces (column widths, which depend on the abridged cells) count as one."""

    def squeeze(line):
        return " ".join(line.split())

    printed = [squeeze(line) for line in stdout.splitlines()]
    checked = [squeeze(line) for line in shown.splitlines() if line.strip()]
    for line in checked:
        pattern = ".*".join(re.escape(part.strip()) for part in line.split("…"))
        assert any(re.fullmatch(pattern, p) for p in printed), line
    return checked


def test_the_check_command_in_the_readme_prints_what_it_shows(tmp_path):
    block = re.search(r"```bash\n(autograd-lite grad .*?)```", README, re.S).group(1)
    result = run(["-m", "autograd_lite", *_command_args(block)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    shown = re.search(r"prints \(long terms abridged with …\)\n\n```\n(.*?)```", README, re.S)
    checked = _shown_lines_are_printed(shown.group(1), result.stdout)
    assert len(checked) >= 12
    assert any("path 1 w2, w4 — —" in line for line in checked)


def test_the_training_step_benchmark_runs_and_its_implementations_agree():
    result = run(["bench/bench_step.py", "--rounds", "2", "--points", "12"], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "loss trajectories agree to 1e-12: yes" in result.stdout
    assert "closure engine" in result.stdout


def test_the_compiled_step_benchmark_runs_and_its_implementations_agree():
    args = ["--rounds", "2", "--burst", "2", "--slow-rounds", "1"]
    result = run(["bench/bench_compiled.py", *args], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "loss trajectories agree with NumPy's to 1e-10: yes" in result.stdout
    assert result.stdout.count("compiled fit  ") == 2


def test_the_graph_benchmark_runs():
    result = run(["bench/bench_graph.py", "--depth", "20000", "--nodes", "20000"], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chain of 20,000 tanh nodes" in result.stdout
    assert "heavy modules loaded by the import: []" in result.stdout


@needs_graphviz
@pytest.mark.skipif(shutil.which("dot") is None, reason="the drawing demo needs Graphviz")
def test_the_drawing_demo_writes_its_pictures_and_pages(tmp_path):
    result = run(["demos/draw_graphs.py", str(tmp_path)], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    for name in ("neuron.svg", "neuron_steps.html", "network.svg", "network_steps.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "<svg" in text, name
    assert "0.0014291881022" in result.stdout
