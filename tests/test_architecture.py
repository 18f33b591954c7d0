"""The import graph points one way: ARCHITECTURE.md's layers, read from the source.

Every import in autograd_lite/ and viz/ is read with ``ast`` (function-local ones too: an
import that points up is one wherever it is written), and the test fails on a cycle between
modules, on an import against the direction of the layers, and on a private name (one
starting with ``_``) taken from another package.
"""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Layers from the bottom: a module may import its own package and any lower layer.
LAYERS = [
    {"autograd_lite"},  # the engine, the ops table, checks, files, tables and their helpers
    {"autograd_lite.formula", "autograd_lite.forward", "autograd_lite.functional"},
    {"autograd_lite.teach", "autograd_lite.compiled"},
    {"autograd_lite.nn"},
    {"autograd_lite.__init__"},  # the package's public face: viz and the CLI import it
    {"viz"},
    {"autograd_lite.cli", "autograd_lite.__main__"},
]


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1 and parts[:-1] != ["autograd_lite"]:
        parts = parts[:-1]
    return ".".join(parts)


def modules():
    found = {}
    for top in ("autograd_lite", "viz"):
        for path in sorted((ROOT / top).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = modules()


def package(name):
    """The folder a module lives in: private names stay inside it."""
    return name.rsplit(".", 1)[0] if MODULES[name].name != "__init__.py" else name


def group(name):
    """The unit the layers speak of: a subpackage, a layered module, or the engine's group."""
    parts = name.split(".")
    if parts[0] == "viz":
        return "viz"
    if parts[1] in ("formula", "teach", "nn", "compiled"):
        return ".".join(parts[:2])
    if parts[1] in ("forward", "functional", "cli", "__main__", "__init__"):
        return name
    return "autograd_lite"


def layer(pkg):
    """The layer of a group, counted from the bottom."""
    for i, names in enumerate(LAYERS):
        if pkg in names:
            return i
    raise AssertionError(f"{pkg} is in no layer of this test: add it to LAYERS")


def resolve(name, node):
    """The absolute module an ImportFrom names, for relative imports too."""
    if node.level == 0:
        return node.module
    base = name.split(".")
    is_package = MODULES[name].name == "__init__.py"
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def target_module(dotted):
    """The longest known module that dotted names (a module, or a name inside one)."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        if candidate == "autograd_lite":
            return "autograd_lite.__init__"
        parts.pop()
    return None


def imports():
    """(importer, imported module, names taken, line) for every import of the project's own."""
    found = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = target_module(alias.name)
                    if target:
                        found.append((name, target, [], node.lineno))
            elif isinstance(node, ast.ImportFrom):
                base = resolve(name, node)
                for alias in node.names:
                    sub = target_module(f"{base}.{alias.name}")
                    if sub and sub.endswith(alias.name.split(".")[-1]):
                        found.append((name, sub, [], node.lineno))
                    else:
                        target = target_module(base)
                        if target:
                            found.append((name, target, [alias.name], node.lineno))
    return found


IMPORTS = imports()


def test_the_test_sees_the_imports():
    assert len(MODULES) > 50
    assert any(a == "autograd_lite.engine" for a, *_ in IMPORTS)


def test_no_import_points_up():
    wrong = []
    for importer, imported, _, line in IMPORTS:
        a, b = group(importer), group(imported)
        if layer(b) > layer(a):
            wrong.append(f"{importer}:{line} imports {imported} ({a} is below {b})")
    assert wrong == []


def test_no_private_name_crosses_a_package():
    wrong = []
    for importer, imported, names, line in IMPORTS:
        if package(importer) == package(imported) or group(importer) in LAYERS[-1]:
            continue
        last = imported.split(".")[-1]
        if last.startswith("_") and last != "__init__":
            wrong.append(f"{importer}:{line} imports the private module {imported}")
        wrong += [f"{importer}:{line} takes {n} from {imported}" for n in names if n[0] == "_"]
    assert wrong == []


def test_no_import_cycle():
    graph = {}
    for importer, imported, _, _ in IMPORTS:
        if importer != imported:
            graph.setdefault(importer, set()).add(imported)
    cycles, state = [], {}
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph.get(start, ()))))]
        path, state[start] = [start], 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                cycles.append(" -> ".join(path[path.index(child) :] + [child]))
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    assert cycles == []


MAX_FUNCTION_LINES = 80


def test_no_function_is_longer_than_80_lines():
    """Long functions hide decisions (fit once ran to 307 lines): split them on a seam."""
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert long == []


@pytest.mark.parametrize("rule", ["up", "private", "cycle"])
def test_the_rules_catch_a_deliberate_break(rule):
    """Each rule fails on an example made to break it, so the tests above can fail."""
    fake = {
        "up": [("autograd_lite.engine", "viz.dot", [], 1)],
        "private": [("viz.dot", "autograd_lite.engine", ["_node"], 1)],
        "cycle": [
            ("autograd_lite.engine", "autograd_lite.ops", [], 1),
            ("autograd_lite.ops", "autograd_lite.engine", [], 1),
        ],
    }[rule]
    saved = IMPORTS
    globals()["IMPORTS"] = fake
    try:
        check = {
            "up": test_no_import_points_up,
            "private": test_no_private_name_crosses_a_package,
            "cycle": test_no_import_cycle,
        }[rule]
        with pytest.raises(AssertionError):
            check()
    finally:
        globals()["IMPORTS"] = saved
