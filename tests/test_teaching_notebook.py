"""demos/teaching.ipynb runs top to bottom and shows what it promises (executed with nbclient)."""

import re
import shutil
from pathlib import Path

import pytest

from conftest import needs_graphviz

NOTEBOOK = Path(__file__).resolve().parent.parent / "demos" / "teaching.ipynb"

pytestmark = [pytest.mark.slow, needs_graphviz]


def test_the_notebook_is_saved_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    where = tmp_path_factory.mktemp("nb")
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(where)}}
    ).execute()
    return [c for c in nb.cells if c.cell_type == "code"]


def rich(cell, kind):
    return [o["data"][kind] for o in cell.outputs if kind in o.get("data", {})]


def test_the_neuron_is_drawn_as_svg(executed):
    (svg,) = rich(executed[0], "image/svg+xml")
    assert svg.lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE")) and "σ" in svg


def test_the_stepper_shows_inline(executed):
    (page,) = rich(executed[1], "text/html")
    assert page.startswith("<iframe srcdoc=") and "Next" in page


def test_the_tables_show_as_html(executed):
    (paths,) = rich(executed[2], "text/html")
    assert "<table>" in paths
    (diagnosis,) = rich(executed[5], "text/html")
    assert "<table>" in diagnosis and "w2" in diagnosis
    (trace,) = rich(executed[4], "text/html")
    assert trace.count("<table style=") == 3 and "Forward tangent trace" in trace
    (history,) = rich(executed[6], "text/html")
    assert "<th>accuracy</th>" in history and "100.0%" in history


def test_forward_and_reverse_mode_agree_as_printed(executed):
    text = "".join(o.get("text", "") for o in executed[3].outputs)
    reverse, forward = (line.split(":", 1)[1] for line in text.strip().splitlines())
    assert reverse == forward  # "they agree": the same digits, six after the point
    assert all(len(v.strip(" ()").split(".")[1]) == 6 for v in reverse.split(","))


def test_numbers_are_printed_with_a_few_digits(executed):
    (paths,) = rich(executed[2], "text/html")
    (diagnosis,) = rich(executed[5], "text/html")
    for html in (paths, diagnosis):
        numbers = re.findall(r"-?\d+\.\d+", html)
        digits = [len(n.lstrip("-").replace(".", "").lstrip("0")) for n in numbers]
        assert digits and max(digits) <= 4, html  # four significant digits, not twelve


def test_training_shows_no_progress_widget_warning(executed):
    stderr = "".join(o.get("text", "") for o in executed[6].outputs if o.get("name") == "stderr")
    assert "IProgress" not in stderr and "tqdm" not in stderr


def test_the_training_page_shows_inline(executed):
    (page,) = rich(executed[7], "text/html")
    assert page.startswith("<iframe srcdoc=") and "training-data" in page
    assert 'sandbox="allow-scripts"' in page


def test_every_cell_ran_without_errors(executed):
    assert not [o for c in executed for o in c.outputs if o.get("output_type") == "error"]
