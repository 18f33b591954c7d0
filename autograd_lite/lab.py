"""The lab: a static site that runs this package in the browser, under Pyodide.

:func:`build_site` assembles the site in a folder: Pyodide's core files and Graphviz compiled
to WebAssembly and KaTeX (the npm packages ``pyodide``, ``@viz-js/viz`` and ``katex``, pinned in
``lab/package.json`` and installed with ``npm ci``), the project's own wheel, the ``graphviz``
Python package that ``viz`` imports, and the pages of ``lab/site``. Every file the pages load
is in that folder: any static host serves it, and nothing is fetched from anywhere else.

Building needs a source checkout (the wheel is built from it) with ``npm ci`` run in its
``lab`` folder. Only the standard library is used here; the command line adds the files made
with the rest of the package (the data sets, the stepper pages) through ``extra_files``.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["LabError", "PYODIDE_FILES", "KATEX_MACROS", "build_site", "lab_folder"]

PYODIDE_FILES = (
    "pyodide.js",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
"""The Pyodide files the site needs: the loader, the interpreter and the standard library.
No package of Pyodide's distribution is used (the package's code imports only the standard
library), so none is copied."""

VIZ_JS = "@viz-js/viz/dist/viz-global.js"
"""Graphviz compiled to WebAssembly (npm package ``@viz-js/viz``, the build that defines the
global ``Viz``): it lays out the graphs the page draws, where ``dot`` is not at hand."""

KATEX_FILES = ("katex.min.js", "katex.min.css")
"""KaTeX's script and style sheet; its fonts are copied as WOFF2 only, the first format its
style sheet offers and one every browser that runs Pyodide reads."""

KATEX_MACROS = {
    "\\ensuremath": "\\text{$#1$}",
    "\\ttfamily": "",
    "\\textsuperscript": "\\text{$^{\\text{#1}}$}",
    "\\l": "\\text{ł}",
    "\\L": "\\text{Ł}",
}
"""The commands of LaTeX's kernel that :func:`autograd_lite.escape.latex` writes and KaTeX
lacks, as KaTeX macros (the page passes them to every ``katex.render``)."""

MAX_EXTRA_BYTES = 50_000_000
"""extra_files writes at most this many bytes in all."""


class LabError(Exception):
    """The site cannot be built: what is missing, and the command that provides it."""


def lab_folder() -> Path:
    """The ``lab`` folder of the source checkout this package runs from.

    Returns:
        Its path (it holds ``package.json`` and the pages in ``site``).

    Raises:
        LabError: if the package does not run from a source checkout.
    """
    folder = Path(__file__).resolve().parent.parent / "lab"
    if not (folder / "package.json").is_file() or not (folder / "site").is_dir():
        raise LabError(
            f"the lab is built from a source checkout of autograd_lite: {folder} has no "
            "package.json and site folder (clone the repository and run the command there)"
        )
    return folder


def _npm_package(lab: Path, name: str) -> Path:
    """The folder of an npm package of lab/package.json, at its pinned version."""
    pinned = json.loads((lab / "package.json").read_text("utf-8"))["dependencies"][name]
    folder = lab / "node_modules" / name
    try:
        installed = json.loads((folder / "package.json").read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        installed = None
    if installed != pinned:
        found = f"version {installed}" if installed else "nothing"
        raise LabError(
            f"the lab needs {name} {pinned} in {folder} and found {found}: run  npm ci  in "
            f"{lab} (Node.js and npm: apt-get install nodejs npm)"
        )
    return folder


def _pyodide_folder(lab: Path) -> Path:
    folder = _npm_package(lab, "pyodide")
    missing = [name for name in PYODIDE_FILES if not (folder / name).is_file()]
    if missing:
        raise LabError(f"{folder} lacks {', '.join(missing)}: run  npm ci  in {lab} again")
    return folder


def _copy_katex(lab: Path, site: Path) -> None:
    """KaTeX's script, style sheet and WOFF2 fonts into the site's ``katex`` folder."""
    dist = _npm_package(lab, "katex") / "dist"
    (site / "katex" / "fonts").mkdir(parents=True, exist_ok=True)
    for name in KATEX_FILES:
        shutil.copyfile(dist / name, site / "katex" / name)
    for font in sorted((dist / "fonts").glob("*.woff2")):
        shutil.copyfile(font, site / "katex" / "fonts" / font.name)


def _build_wheel(source: Path, into: Path) -> Path:
    """The project's wheel, built from the checkout with pip (no dependencies)."""
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(into)]
    if importlib.util.find_spec("setuptools") is not None:
        command.append("--no-build-isolation")  # no download of setuptools when it is here
    for old in into.glob("autograd_lite-*.whl"):
        old.unlink()
    done = subprocess.run([*command, str(source)], capture_output=True, text=True)
    wheels = sorted(into.glob("autograd_lite-*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        raise LabError(f"pip could not build the wheel of {source}: {done.stderr.strip()[-800:]}")
    return wheels[0]


def _graphviz_zip(into: Path) -> bool:
    """The ``graphviz`` Python package (pure Python, imported by ``viz``) as a zip for the
    page; False if it is not installed here."""
    spec = importlib.util.find_spec("graphviz")
    if spec is None or not spec.submodule_search_locations:
        return False
    folder = Path(next(iter(spec.submodule_search_locations)))
    with zipfile.ZipFile(into, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*.py")):
            z.write(path, Path("graphviz") / path.relative_to(folder))
    return True


def _write_extra(site: Path, extra_files: Mapping[str, str | bytes]) -> None:
    total = 0
    for name, content in extra_files.items():
        path = (site / name).resolve()
        if site.resolve() not in path.parents:
            raise LabError(f"extra file {name!r} is outside the site folder")
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        total += len(data)
        if total > MAX_EXTRA_BYTES:
            raise LabError(f"the extra files are larger than {MAX_EXTRA_BYTES:,} bytes in all")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def build_site(directory: str | Path, *, extra_files: Mapping[str, str | bytes] = {}) -> Path:
    """Write the lab's static site into ``directory``.

    Args:
        directory: the folder to write (created if needed; the site's own files in it are
            replaced, other files are left alone).
        extra_files: more files for the site, by path relative to ``directory``.

    Returns:
        The folder, as a resolved path; open its ``index.html`` through any static server.

    Raises:
        LabError: if the checkout, the npm packages or the wheel are missing, or an extra
            file would be written outside the folder.
    """
    lab = lab_folder()
    pyodide = _pyodide_folder(lab)
    site = Path(directory).resolve()
    if site.exists() and not site.is_dir():
        raise LabError(f"{directory} exists and is not a folder")
    (site / "pyodide").mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        shutil.copyfile(pyodide / name, site / "pyodide" / name)
    viz_js = _npm_package(lab, "@viz-js/viz").parent.parent / VIZ_JS
    (site / "viz").mkdir(exist_ok=True)
    shutil.copyfile(viz_js, site / "viz" / "viz-global.js")
    _copy_katex(lab, site)
    wheel = _build_wheel(lab.parent, site)
    graphviz = _graphviz_zip(site / "graphviz.zip")
    for page in sorted((lab / "site").iterdir()):
        if page.is_file():
            shutil.copyfile(page, site / page.name)
    manifest = {
        "wheel": wheel.name,
        "pyodide": json.loads((pyodide / "package.json").read_text("utf-8"))["version"],
        "graphviz": "graphviz.zip" if graphviz else None,
        "katex_macros": KATEX_MACROS,
    }
    _write_extra(site, {**extra_files, "manifest.json": json.dumps(manifest, indent=1)})
    # last, so that the lesson sees every file the site has (KaTeX, when it is there)
    from . import lesson

    lesson.write_lesson(site, lab.parent / lesson.NOTEBOOK, lab / "site" / "lesson.html")
    return site
