"""CI can fail: each check of .ci/run stops the run, a style check included.

Inside an ``a && b`` list, ``set -e`` does not stop the script when ``a`` fails, which is
how a ruff error once passed CI. The style checks must each be a line of their own; a
trial runs those very lines, under the script's own ``set`` options, on a file with a ruff
error and checks that the run stops there.
"""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

RUN = pathlib.Path(__file__).resolve().parent.parent / ".ci" / "run"
STYLE = ["ruff check .", "ruff format --check ."]


def lines():
    return [line.strip() for line in RUN.read_text().splitlines()]


def test_every_style_check_is_a_line_of_its_own_under_set_e():
    assert "set -euo pipefail" in lines()
    for check in STYLE:
        assert check in lines(), f"{check!r} is not a line of its own in .ci/run"
    assert not [line for line in lines() if "ruff" in line and "&&" in line]


@pytest.mark.parametrize(
    "source",
    ["import os\nimport sys\n\nprint(sys.argv)\n", "x  =  1\n"],  # unused import; format
)
def test_the_style_lines_of_ci_stop_the_run_on_a_style_error(tmp_path, source):
    ruff = shutil.which("ruff") or shutil.which("ruff", path=os.path.dirname(sys.executable))
    if ruff is None:
        pytest.skip("ruff is not installed")
    (tmp_path / "bad.py").write_text(source)
    script = "\n".join(["set -euo pipefail", *STYLE, "echo REACHED"])
    env = {**os.environ, "PATH": os.path.dirname(ruff) + os.pathsep + os.environ["PATH"]}
    run = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode != 0 and "REACHED" not in run.stdout
