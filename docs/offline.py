"""MkDocs hooks that keep the documentation site whole offline: every page loads only files
of the site itself, so it reads the same served from a laptop in a classroom without internet.

* MathJax, which typesets the notebook's formulas, comes from the ``django-static-mathjax``
  package of the docs extra (MathJax's own files as the MathJax project publishes them) and
  is served from ``javascripts/mathjax/`` in the site: the combined TeX component and the
  parts it loads on demand (TeX extensions, fonts, the menu and accessibility modules,
  speech in English: other languages' rules are left out);
* the notebook page's own loaders for outside scripts are removed: an empty MathJax tag
  (the site's MathJax does that work) and the Mermaid loader (the notebook has no diagram).

The theme's Google Fonts are turned off in ``mkdocs.yml`` (``theme.font: false``).
"""

from __future__ import annotations

import importlib.resources
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

SITE_FOLDER = "javascripts/mathjax"
# What tex-mml-chtml.js needs beside it (paths inside MathJax's es5 folder).
MATHJAX_PARTS = (
    "tex-mml-chtml.js",
    "input/tex/extensions",
    "input/mml/extensions",
    "output/chtml/fonts/woff-v2",
    "a11y",
    "sre/mathmaps/base.json",  # speech (the menu's accessibility options), in English
    "sre/mathmaps/en.json",
    "ui",
    "adaptors",
)

_EMPTY_SCRIPT = re.compile(r"<script src=\"\">\s*</script>\n?")
_MERMAID = re.compile(
    r"<script type=\"module\">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>\n?", re.S
)


def mathjax_folder() -> Path:
    """The es5 folder of the MathJax package installed with the docs extra."""
    try:
        root = importlib.resources.files("mathjax")
    except ModuleNotFoundError:
        root = None
    folder = Path(str(root)) / "static" / "mathjax" / "es5" if root else None
    if folder is None or not (folder / "tex-mml-chtml.js").is_file():
        raise RuntimeError(
            "MathJax for the notebook page is not installed: the site serves it from the "
            'django-static-mathjax package; install the docs extra: pip install -e ".[docs]"'
        )
    return folder


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add MathJax's files to the site, under javascripts/mathjax/."""
    es5 = mathjax_folder()
    for part in MATHJAX_PARTS:
        path = es5 / part
        for source in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if source.is_file():
                uri = f"{SITE_FOLDER}/{source.relative_to(es5).as_posix()}"
                files.append(File.generated(config, uri, abs_src_path=str(source)))
    return files


def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """The notebook page without its loaders for outside scripts."""
    if page.file.src_uri.endswith(".ipynb"):
        output = _MERMAID.sub("", _EMPTY_SCRIPT.sub("", output))
    return output
