"""Settings shared by every test file."""

import os

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


def pytest_ignore_collect(collection_path, config):
    if collection_path.name in SLOW_FILES and config.getoption("markexpr") == "not slow":
        return True
    return None
