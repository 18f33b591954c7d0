"""Collection of the packages' doctests (tests/conftest.py has the tests' settings).

viz needs the graphviz Python package (the optional extra "viz", in `.[test]`): without
it, viz's doctests are not collected, as tests/conftest.py leaves out the drawing tests.
"""

from pathlib import Path

try:
    import graphviz  # noqa: F401
except ImportError:
    HAS_GRAPHVIZ = False
else:
    HAS_GRAPHVIZ = True

VIZ = Path(__file__).parent / "viz"


def pytest_ignore_collect(collection_path, config):
    if not HAS_GRAPHVIZ and collection_path.is_relative_to(VIZ):
        return True
    return None
