"""The lesson's Python side, run under Pyodide in a Web Worker: the notebook's cells.

A Kernel runs cells in one namespace, as Jupyter does: what a cell prints, the value of its
last line (shown the way a notebook shows it: HTML, SVG, PNG or text, from the object's
``_repr_*_`` methods), what it passes to ``display``, and its error with the traceback. Every
output goes to the page as it comes (``send``, one JSON text per output), bounded: past
MAX_TEXT characters of printed text or MAX_RICH of pictures and pages a cell's output is
cut, with a note that says so.
"""

import ast
import base64
import importlib.abc
import importlib.util
import inspect
import json
import linecache
import sys
import time
import traceback

from autograd_lite.lesson import data_set_key

MAX_TEXT = 100_000
"""Characters of printed text (stdout and stderr) a cell shows; the rest is cut."""

MAX_RICH = 8_000_000
"""Characters of displayed outputs (HTML, SVG, images) a cell shows; the rest is cut."""

MAX_DISPLAYS = 200
"""Displayed outputs a cell shows; past it they are left out (a page of a million small
outputs would freeze the browser's tab, and with it the cell's time limit)."""

NO_NUMPY = (
    "This cell needs numpy, which the browser does not have here: the engine, nn and the "
    "formula reader run without it, but recording a training run (fit's record=) and the "
    "training page compute with numpy. Run this part in Jupyter (pip install "
    "autograd-lite), or train in the lab's Playground."
)
"""Said under a cell that stopped because numpy is missing."""

FLUSH_SECONDS = 0.1
"""Printed text goes to the page at most this often while a cell runs."""

# what a notebook shows, best first; the page picks the first it can show
REPRS = [
    ("text/html", "_repr_html_"),
    ("image/svg+xml", "_repr_svg_"),
    ("image/png", "_repr_png_"),
    ("image/jpeg", "_repr_jpeg_"),
    ("text/markdown", "_repr_markdown_"),
    ("text/latex", "_repr_latex_"),
]


class Outputs:
    """What one cell shows, sent to the page as it comes and bounded in size."""

    def __init__(self, send):
        self.send = send
        self.text = self.rich = self.displays = 0
        self.cut = set()
        self.pending = []  # (stream name, text) not sent yet
        # the first text goes at once: a cell that prints, then runs long, shows it
        self.last_flush = -FLUSH_SECONDS

    def _emit(self, item):
        self.send(json.dumps(item))

    def stream(self, name, text):
        """Printed text, kept up to MAX_TEXT characters for the cell."""
        room = MAX_TEXT - self.text
        if room <= 0:
            self._note("text", f"The output was cut after {MAX_TEXT:,} characters.")
            return
        self.text += min(len(text), room)
        self.pending.append((name, text[:room]))
        if len(text) > room:
            self.flush()
            self._note("text", f"The output was cut after {MAX_TEXT:,} characters.")
        elif time.monotonic() - self.last_flush > FLUSH_SECONDS:
            self.flush()

    def flush(self):
        """Send the printed text that waits, one output per stream run."""
        merged = []
        for name, text in self.pending:
            if merged and merged[-1][0] == name:
                merged[-1][1].append(text)
            else:
                merged.append((name, [text]))
        self.pending = []
        self.last_flush = time.monotonic()
        for name, parts in merged:
            self._emit({"type": "stream", "name": name, "text": "".join(parts)})

    def note(self, text):
        """A line from the page itself (not the cell's), such as why a cell cannot run."""
        self.flush()
        self._emit({"type": "note", "text": text})

    def _note(self, kind, text):
        if kind not in self.cut:
            self.cut.add(kind)
            self._emit({"type": "note", "text": text})

    def display(self, data):
        """A displayed object's representations (mime type to text)."""
        self.flush()
        size = sum(len(v) for v in data.values())
        if self.rich + size > MAX_RICH:
            self._note("rich", f"A displayed output was left out: past {MAX_RICH:,} characters.")
            return
        if self.displays >= MAX_DISPLAYS:
            self._note("many", f"Displayed outputs past the first {MAX_DISPLAYS} were left out.")
            return
        self.rich += size
        self.displays += 1
        self._emit({"type": "display", "data": data})

    def error(self, text):
        """An error's traceback (already formatted), its middle cut past MAX_TEXT characters
        (an error's message may hold any text the cell made)."""
        self.flush()
        if len(text) > MAX_TEXT:
            half = MAX_TEXT // 2
            left_out = len(text) - 2 * half
            text = f"{text[:half]}\n… ({left_out:,} characters left out) …\n{text[-half:]}"
        self._emit({"type": "error", "text": text})


class Stream:
    """sys.stdout or sys.stderr while a cell runs."""

    def __init__(self, outputs, name):
        self.outputs, self.name = outputs, name

    def write(self, text):
        """Hand printed text to the cell's outputs."""
        self.outputs.stream(self.name, str(text))
        return len(text)

    def flush(self):
        """Nothing waits here: the outputs flush on their own."""

    def isatty(self):
        """Not a terminal (progress bars draw no control characters)."""
        return False


def mime_bundle(obj):
    """What a notebook would show for obj: mime type to text (PNG and JPEG as base64)."""
    data = {}
    if not isinstance(obj, type) and hasattr(obj, "_repr_mimebundle_"):
        bundle = obj._repr_mimebundle_(include=None, exclude=None)
        data.update(bundle[0] if isinstance(bundle, tuple) else bundle or {})
    for mime, method in REPRS:
        if mime not in data and not isinstance(obj, type) and hasattr(obj, method):
            value = getattr(obj, method)()
            if value is not None:
                data[mime] = value[0] if isinstance(value, tuple) else value
    data.setdefault("text/plain", repr(obj))
    for mime, value in data.items():
        if isinstance(value, bytes):
            data[mime] = base64.b64encode(value).decode("ascii")
        elif not isinstance(value, str):
            data[mime] = json.dumps(value) if mime.endswith("json") else str(value)
    return data


class Kernel:
    """The lesson's namespace and the cells run in it."""

    def __init__(self):
        self.namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        self.outputs = None
        self.namespace["display"] = self.display

    def display(self, *objects):
        """Show objects under the running cell, as a notebook's display() does."""
        for obj in objects:
            self.outputs.display(mime_bundle(obj))

    def run_cell(self, source, n, send):
        """Run a cell's source in the namespace; its outputs go to send (JSON texts).

        Returns:
            "ok", or "error" if the cell raised (its traceback is one of the outputs).
        """
        self.outputs = outputs = Outputs(send)
        filename = f"<cell {n}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = Stream(outputs, "stdout"), Stream(outputs, "stderr")
        try:
            tree = ast.parse(source, filename)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, filename, "exec"), self.namespace)
            if last is not None:
                expression = ast.Expression(last.value)
                value = eval(compile(expression, filename, "eval"), self.namespace)
                if value is not None:
                    self.display(value)
            return "ok"
        except BaseException as err:  # KeyboardInterrupt too: the page stopped the cell
            outputs.error(cell_traceback(err))
            if isinstance(err, ModuleNotFoundError) and err.name == "numpy":
                outputs.note(NO_NUMPY)
            return "error"
        finally:
            sys.stdout, sys.stderr = saved
            outputs.flush()


def cell_traceback(err):
    """The error's traceback from the cell's own line down (this module's frames left out)."""
    tb = err.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    if isinstance(err, SyntaxError):
        tb = None  # where it is wrong is in the error itself
    return "".join(traceback.format_exception(type(err), err, tb))


DATA_MODULE = "autograd_lite.nn.data"


class DataSets(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``autograd_lite.nn.data`` where numpy is not (the browser): the lesson's data sets.

    numpy makes the data sets, and the site has no numpy; the site was built with the
    notebook's own calls made (lesson_data.json: autograd_lite.lesson.data_sets), and this
    module answers those calls with their points. Another call says why it cannot be made.
    """

    def __init__(self, text):
        table = json.loads(text)
        self.signatures, self.sets = table["signatures"], table["sets"]

    def find_spec(self, fullname, path=None, target=None):
        """This module's spec for autograd_lite.nn.data when numpy cannot be imported."""
        if fullname != DATA_MODULE or importlib.util.find_spec("numpy") is not None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        """The default module object."""
        return None

    def exec_module(self, module):
        """Give the module a function for every maker of the real one."""
        module.__doc__ = DataSets.__doc__
        module.__all__ = sorted(self.signatures)
        for name, parameters in self.signatures.items():
            setattr(module, name, self.maker(name, parameters))

    def known(self, name):
        """The calls of ``name`` this site can answer, as Python writes them."""
        calls = []
        for key in self.sets:
            maker, arguments = json.loads(key)
            if maker == name:
                words = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
                calls.append(f"{name}({words})")
        return calls

    def maker(self, name, parameters):
        """A function with the real one's parameters that returns the stored points."""
        P = inspect.Parameter
        signature = inspect.Signature(
            [
                P(p[0], getattr(P, p[1]), **({"default": p[2]} if len(p) > 2 else {}))
                for p in parameters
            ]
        )

        def make(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            key = data_set_key(name, bound.arguments)  # as the site's build wrote it
            if key not in self.sets:
                known = "; ".join(self.known(name)) or "none"
                raise RuntimeError(
                    f"{name}() needs numpy, which the browser does not have: this page holds "
                    f"only the data sets its lesson makes ({known}). Keep those arguments, or "
                    "run the notebook with Python and numpy (pip install autograd-lite)."
                )
            X, y = self.sets[key]
            return [list(point) for point in X], list(y)

        make.__name__ = make.__qualname__ = name
        make.__signature__ = signature
        make.__doc__ = f"The lesson's {name} data sets, made when the site was built."
        return make


def use_data_sets(text):
    """Answer ``autograd_lite.nn.data``'s calls from the site's lesson_data.json (its text)."""
    sys.meta_path.insert(0, DataSets(text))
