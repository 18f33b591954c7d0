"""demos/teaching.ipynb runs top to bottom and shows what it promises (executed with nbclient)."""

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
    assert trace.count("<table>") == 3 and "Forward tangent trace" in trace
    (history,) = rich(executed[6], "text/html")
    assert "<th>accuracy</th>" in history and "100.0%" in history


def test_forward_and_reverse_mode_agree(executed):
    text = "".join(o.get("text", "") for o in executed[3].outputs)
    reverse, forward = (line.split(":", 1)[1] for line in text.strip().splitlines())
    a = [float(v) for v in reverse.strip(" ()\n").split(",")]
    b = [float(v) for v in forward.strip(" ()\n").split(",")]
    assert a == pytest.approx(b, rel=1e-12)


def test_the_training_page_shows_inline(executed):
    (page,) = rich(executed[7], "text/html")
    assert page.startswith("<iframe srcdoc=") and "training-data" in page
    assert 'sandbox="allow-scripts"' in page


def test_every_cell_ran_without_errors(executed):
    assert not [o for c in executed for o in c.outputs if o.get("output_type") == "error"]
