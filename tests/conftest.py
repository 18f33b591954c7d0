"""Settings shared by every test file."""

import os

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run unless asked for new ones
# (HYPOTHESIS_PROFILE=explore): a run that passed, in CI too, passes again; exploring is a
# deliberate act, and what it finds becomes an @example.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# Files whose every test is marked slow. The quick run (python -m pytest -m "not slow") does
# not even import them: importing torch, scikit-learn, sympy or a notebook kernel takes
# seconds of the quick run's time before a single test is deselected.
# tests/test_conftest.py checks that each of them is marked slow as a whole.
SLOW_FILES = frozenset(
    {
        "test_demo_digits.py",
        "test_demo_modes.py",
        "test_demo_moons.py",
        "test_demos_check.py",
        "test_interrupts.py",
        "test_readme.py",
        "test_readme_modes.py",
        "test_sympy_oracle.py",
        "test_teaching_notebook.py",
        "test_torch_bridge.py",
        "test_torch_oracle.py",
    }
)


# Files that import viz (which needs the graphviz Python package, the optional extra "viz";
# `pip install -e ".[test]"` has it) when they load. Without the package they are not
# collected (a run without -q says so in its header; the conftest.py at the top leaves out viz's
# doctests).
# tests/test_conftest.py checks that the list names every such file.
VIZ_FILES = frozenset(
    {
        "test_beamer.py",
        "test_forward_stepper.py",
        "test_labels.py",
        "test_page_labels.py",
        "test_projector.py",
        "test_stepper.py",
        "test_tikz.py",
        "test_training_page.py",
        "test_viz.py",
        "test_viz_limits.py",
        "test_viz_neurons.py",
    }
)


def _has_graphviz() -> bool:
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return False
    return True


HAS_GRAPHVIZ = _has_graphviz()
needs_graphviz = pytest.mark.skipif(
    not HAS_GRAPHVIZ, reason='needs the graphviz Python package (pip install -e ".[viz]")'
)


def pytest_report_header(config):
    if not HAS_GRAPHVIZ:
        return (
            "the graphviz Python package is not installed: the drawing tests and viz's "
            'doctests are left out (pip install -e ".[test]" runs them)'
        )
    return None


def pytest_ignore_collect(collection_path, config):
    if collection_path.name in SLOW_FILES and config.getoption("markexpr") == "not slow":
        return True
    if not HAS_GRAPHVIZ and collection_path.name in VIZ_FILES:
        return True
    return None
