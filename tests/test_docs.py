"""The README as a landing page and the documentation site: every code block runs.

The README keeps what a newcomer needs (what it is, the two commands, one short section per
use); the rest lives in the MkDocs site under docs/, whose Python blocks each run on their
own here, as a reader copies one block and not the whole page.
"""

import configparser
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import needs_graphviz

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = sorted(DOCS.glob("*.md"))
TEST_COMMAND = (
    'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && python -m pytest'
)
DEMO_COMMAND = (
    'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[demos]" '
    "&& python demos/moons.py out/"
)


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, re.S)


def doc_blocks():
    for page in PAGES:
        for k, block in enumerate(python_blocks(page.read_text(encoding="utf-8"))):
            yield pytest.param(block, id=f"{page.stem}-{k}")


def ci_lines():
    return [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]


# --- the README as a landing page ----------------------------------------------------------


def test_the_readme_is_a_landing_page_under_about_200_lines():
    assert len(README.splitlines()) <= 210
    headings = re.findall(r"^## (.*)$", README, re.M)
    assert headings[:4] == [
        "Two commands",
        "A first look",
        "Checking your backprop math",
        "Tiny networks",
    ]
    assert "Drawing the graph" in headings and "For the lecture" in headings


def test_the_readme_keeps_its_two_commands_word_for_word():
    section = README.split("\n## Two commands\n", 1)[1].split("\n## ", 1)[0]
    assert f"```bash\n{DEMO_COMMAND}\n```" in section
    assert f"```bash\n{TEST_COMMAND}\n```" in section
    assert TEST_COMMAND in ci_lines()


def test_the_readme_says_how_to_open_the_notebook_with_its_extra():
    assert 'pip install -e ".[notebook]" && jupyter notebook demos/teaching.ipynb' in README


def test_every_link_of_the_readme_into_the_docs_resolves():
    links = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", README)
    assert len(links) >= 5
    for link in links:
        assert (ROOT / link).exists(), link


# --- the site --------------------------------------------------------------------------------


def test_every_page_is_in_the_site_navigation_and_every_navigation_entry_exists():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = re.findall(r"^\s+- (?:[^:\n]+: )?([\w./-]+\.(?:md|ipynb))$", config, re.M)
    assert {p.name for p in PAGES} | {"notebook.ipynb"} <= {Path(n).name for n in nav}
    for entry in nav:
        assert (DOCS / entry).exists(), entry
    assert (DOCS / "notebook.ipynb").resolve() == (ROOT / "demos" / "teaching.ipynb").resolve()


def test_the_docs_and_notebook_extras_exist_and_the_docs_tools_are_pinned():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    extras = config["options.extras_require"]
    docs = [line for line in extras["docs"].split("\n") if line]
    assert any(line.startswith("mkdocs-material==") for line in docs)
    assert any(line.startswith("mkdocstrings[python]==") for line in docs)
    assert all("==" in line for line in docs if line.startswith("mkdocs"))
    notebook = extras["notebook"]
    assert "notebook" in notebook and "ipywidgets" in notebook


def test_ci_builds_the_site_strictly_on_a_line_of_its_own():
    lines = ci_lines()
    install = lines.index('pip install -e ".[docs]"')
    build = next(i for i, line in enumerate(lines) if line.startswith("mkdocs build --strict"))
    assert lines.index(". .venv/bin/activate") < install < build
    assert "&&" not in lines[build]


def test_doctests_in_docstrings_are_fenced_for_the_api_reference():
    pytest.importorskip("griffe")
    spec = importlib.util.spec_from_file_location("griffe_doctests", DOCS / "griffe_doctests.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = 'Example:\n    >>> d["a"]["b"]\n    1\n\nAfter.\n\nLiteral::\n\n    >>> 1\n    1'
    assert module.fence_doctests(text) == (
        'Example:\n    ```pycon\n    >>> d["a"]["b"]\n    1\n    ```\n\nAfter.\n\n'
        "Literal::\n\n    >>> 1\n    1"
    )


# --- end to end -----------------------------------------------------------------------------


@pytest.mark.slow
@needs_graphviz
@pytest.mark.parametrize("block", list(doc_blocks()))
def test_each_python_block_of_the_docs_runs_on_its_own(tmp_path, block):
    if "to_torch" in block and importlib.util.find_spec("torch") is None:
        pytest.skip("the PyTorch example needs torch")
    script = tmp_path / "example.py"
    script.write_text(block, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _command_args(block):
    return [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', block.replace("\\\n", " "))[1:]]


@pytest.mark.slow
def test_question_2_typed_as_equations_in_the_learners_guide_is_diagnosed(tmp_path):
    guide = (DOCS / "learners.md").read_text(encoding="utf-8")
    net = re.search(r"types it into `net.txt`:\n\n```\n(.*?)```", guide, re.S).group(1)
    (tmp_path / "net.txt").write_text(net, encoding="utf-8")
    block = re.search(r"```bash\n(autograd-lite grad --file .*?)```", guide, re.S).group(1)
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", *_command_args(block)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    shown = re.search(r"prints, among the rest,\n\n```\n(.*?)```", guide, re.S).group(1)
    printed = {" ".join(line.split()) for line in result.stdout.splitlines()}
    assert " ".join(shown.split()) in printed


@pytest.mark.slow
def test_the_learners_guide_shows_the_check_commands_output(tmp_path):
    guide = (DOCS / "learners.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(autograd-lite grad \"O = .*?)```", guide, re.S).group(1)
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", *_command_args(block)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "path 1      w2, w4" in result.stdout


@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path):
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip('the site needs the docs extra: pip install -e ".[docs]"')
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "api" / "viz" / "index.html").exists()
    # the site reads offline: MathJax is served from it, nothing is loaded from outside
    assert (tmp_path / "javascripts" / "mathjax" / "tex-mml-chtml.js").stat().st_size > 500_000
    fonts = tmp_path / "javascripts" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert (fonts / "MathJax_Main-Regular.woff").exists()
    notebook = (tmp_path / "notebook" / "index.html").read_text(encoding="utf-8")
    assert "javascripts/mathjax/tex-mml-chtml.js" in notebook and "$" in notebook
    pages = sorted(tmp_path.rglob("*.html")) + sorted(tmp_path.rglob("*.css"))
    assert len(pages) > 10
    for page in pages:
        found = outside_loads(page.read_text(encoding="utf-8"))
        assert not found, (page.relative_to(tmp_path), found[:5])


# what makes a browser load a file: a tag's src or a link's href, a style's url() or
# @import, a script's import(); a plain link (<a href>) loads nothing by itself
_LOADS = re.compile(
    r"<(?:script|img|iframe|source|video|audio|embed|input)\b[^>]*?\ssrc=[\"']?(https?:)?//"
    r"|<link\b[^>]*?\shref=[\"']?(https?:)?//"
    r"|url\(\s*[\"']?(https?:)?//"
    r"|@import\s+(url\()?[\"']?(https?:)?//"
    r"|import\(\s*[\"'](https?:)?//",
    re.I,
)


def outside_loads(text):
    """Each place in an HTML or CSS text that loads a file from another host."""
    return [text[m.start() : m.start() + 120] for m in _LOADS.finditer(text)]


def test_outside_loads_finds_what_the_site_must_not_fetch():
    for bad in (
        '<script src="https://unpkg.com/mathjax@3.2.2/es5/tex-mml-chtml.js"></script>',
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        '<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>',
        "@font-face{src:url(https://example.org/f.woff2)}",
        '@import url("//example.org/a.css");',
        'const m = (await import("https://cdnjs.cloudflare.com/ajax/libs/mermaid/m.mjs"));',
        "<img src=//example.org/x.png>",
    ):
        assert outside_loads(bad), bad
    for good in (
        '<script src="../javascripts/mathjax/tex-mml-chtml.js"></script>',
        '<a href="https://github.com/">a link</a>',
        '<link rel="stylesheet" href="../assets/stylesheets/main.css">',
        "url(data:image/svg+xml;charset=utf-8,<svg xmlns='http://www.w3.org/2000/svg'/>)",
        '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
    ):
        assert not outside_loads(good), good


def test_the_site_is_configured_to_fetch_nothing_from_outside():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^theme:\n(?:  .*\n)*  font: false$", config, re.M)  # no Google Fonts
    scripts = re.search(r"^extra_javascript:\n((?:  - .*\n)+)", config, re.M).group(1)
    assert "javascripts/mathjax/tex-mml-chtml.js" in scripts and "//" not in scripts
    assert "extra_css" not in config or "//" not in config.split("extra_css")[1].split(":")[1]
    assert re.search(r"^hooks:\n  - docs/offline.py$", config, re.M)
    extras = configparser.ConfigParser()
    extras.read(ROOT / "setup.cfg")
    assert "django-static-mathjax==" in extras["options.extras_require"]["docs"]


def test_the_notebook_page_loses_its_loaders_of_outside_scripts():
    pytest.importorskip("mkdocs")
    spec = importlib.util.spec_from_file_location("offline", DOCS / "offline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    html = (
        '<p>a</p>\n<script src=""> </script>\n<script type="text/x-mathjax-config">x</script>\n'
        '<script type="module">\n  const mermaid = (await import("https://cdnjs.cloudflare.com/'
        'ajax/libs/mermaid/11.10.0/mermaid.esm.min.mjs")).default;\n</script>\n<p>b</p>'
    )

    class Page:
        class file:
            src_uri = "notebook.ipynb"

    out = module.on_post_page(html, Page, None)
    assert not outside_loads(out) and 'src=""' not in out
    assert out.startswith("<p>a</p>") and out.endswith("<p>b</p>")
    Page.file.src_uri = "learners.md"  # other pages are left as they are
    assert module.on_post_page(html, Page, None) == html


def test_sphinx_roles_in_docstrings_are_shown_as_code_names():
    pytest.importorskip("griffe")
    spec = importlib.util.spec_from_file_location("griffe_doctests", DOCS / "griffe_doctests.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = "see :class:`Neuron`, :func:`~autograd_lite.engine.backward_steps` and :mod:`viz.dot`"
    assert module.plain_roles(text) == "see `Neuron`, `backward_steps` and `viz.dot`"
