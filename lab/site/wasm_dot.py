"""Graphviz compiled to WebAssembly as the ``dot`` program, for both of the lab's workers.

``viz`` runs ``dot`` through ``subprocess.run`` and the ``graphviz`` package through
``subprocess.Popen``, which a browser cannot do; :func:`use_wasm_dot` hands those commands
to the page's Graphviz (``render(source, format)``, from @viz-js/viz) and every other
command to the real functions.
"""

import importlib
import os
import subprocess


def is_dot(args):
    """Whether a command (a list of words) runs Graphviz's ``dot``."""
    if isinstance(args, (str, bytes)) or not args:
        return False
    return os.path.basename(os.fspath(args[0])) == "dot"


class WasmDot:
    """``dot`` as a process, answered by Graphviz compiled to WebAssembly (``render``).

    It stands in for ``subprocess.Popen`` where ``viz`` and the ``graphviz`` package run
    ``dot``: the input written to it (or given to ``communicate``) is the DOT source, the
    ``-T`` word the format.
    """

    render = None  # the page's render(source, format) -> {ok, output, errors}

    def __init__(self, args, *rest, encoding=None, text=None, universal_newlines=None, **kwargs):
        self.args = args
        self.text = bool(encoding or text or universal_newlines)
        words = [os.fspath(a) for a in args]
        self.format = next((w[2:] for w in words if w.startswith("-T")), "dot").split(":")[0]
        self.returncode = None
        self.stdin = self
        self.written = []

    def write(self, data):
        """Take a part of the DOT source (what ``proc.stdin.write`` gets)."""
        self.written.append(data.decode("utf-8") if isinstance(data, bytes) else data)
        return len(data)

    def close(self):
        """Nothing to close: the input is kept until communicate."""

    def communicate(self, input=None, timeout=None):
        """Lay the source out; return (stdout, stderr) as text or bytes, as asked."""
        if input is not None:
            self.write(input)
        r = WasmDot.render("".join(self.written), self.format)
        self.returncode = 0 if r.ok else 1
        out, errors = str(r.output), "" if r.ok else str(r.errors)
        return (out, errors) if self.text else (out.encode("utf-8"), errors.encode("utf-8"))

    def wait(self, timeout=None):
        """The exit status (the work is done in communicate)."""
        return self.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def use_wasm_dot(render):
    """Let ``dot`` run as Graphviz compiled to WebAssembly: the page's ``render(source,
    format)`` (from @viz-js/viz) answers the ``dot`` commands of ``viz`` (subprocess.run) and
    of the ``graphviz`` package (subprocess.Popen), whose Digraph a notebook shows as SVG."""
    importlib.invalidate_caches()  # the graphviz package was just unpacked
    WasmDot.render = render
    plain_run, plain_popen = subprocess.run, subprocess.Popen

    def run(args, *rest, input=None, **kwargs):
        if not is_dot(args):
            return plain_run(args, *rest, input=input, **kwargs)
        process = WasmDot(args, **kwargs)
        out, errors = process.communicate(input)
        return subprocess.CompletedProcess(args, process.returncode, out, errors)

    def popen(args, *rest, **kwargs):
        return WasmDot(args, **kwargs) if is_dot(args) else plain_popen(args, *rest, **kwargs)

    subprocess.run, subprocess.Popen = run, popen
