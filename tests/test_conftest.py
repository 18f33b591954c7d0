"""The quick run leaves out only files that are marked slow as a whole."""

import re
from pathlib import Path

from conftest import SLOW_FILES, VIZ_FILES

HERE = Path(__file__).parent


def test_every_file_the_quick_run_leaves_out_is_marked_slow_as_a_whole():
    for name in sorted(SLOW_FILES):
        text = (HERE / name).read_text(encoding="utf-8")
        marked = re.search(r"^pytestmark = (\[\s*)?pytest\.mark\.slow", text, re.M)
        assert marked, f"{name} is left out of the quick run but not marked slow"


def test_every_file_that_imports_viz_when_it_loads_is_left_out_without_graphviz():
    loads_viz = re.compile(r"^(import viz|from viz|import graphviz|from test_stepper)", re.M)
    found = {p.name for p in HERE.glob("test_*.py") if loads_viz.search(p.read_text("utf-8"))}
    assert found == set(VIZ_FILES)
