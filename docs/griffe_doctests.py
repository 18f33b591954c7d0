"""Show the docstrings' doctests as code and their Sphinx roles as names in the API reference.

Python-Markdown reads a line such as ``>>> state["architecture"]["type"]`` as a quote holding
a reference link; this griffe extension puts every run of doctest lines that is not already
a literal block (after ``::``) in a fenced ``pycon`` block, so the examples read as the
session they are. A Sphinx role such as ``:class:`Neuron``` is shown as the code name it
stands for, where Markdown would print the role itself.
"""

import re

import griffe

ROLE = re.compile(r":(?:class|func|meth|mod|attr|exc|data|obj):`(~?)([^`]+)`")


def plain_roles(text: str) -> str:
    """Return ``text`` with each Sphinx role written as code (``~a.b`` as ``b``)."""
    return ROLE.sub(lambda m: f"`{m[2].rsplit('.', 1)[-1] if m[1] else m[2]}`", text)


def fence_doctests(text: str) -> str:
    """Return ``text`` with each run of doctest lines (``>>>`` to the next blank line) fenced."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        previous = next((x for x in reversed(out) if x.strip()), "")
        if line.lstrip().startswith(">>>") and not previous.rstrip().endswith("::"):
            indent = line[: len(line) - len(line.lstrip())]
            run = []
            while i < len(lines) and lines[i].strip():
                run.append(lines[i])
                i += 1
            out += [f"{indent}```pycon", *run, f"{indent}```"]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class FenceDoctests(griffe.Extension):
    """Fence the doctests and plain the roles of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        """Rewrite the docstring of ``obj``, if it has one."""
        if obj.docstring is None:
            return
        text = obj.docstring.value
        if ">>>" in text:
            text = fence_doctests(text)
        obj.docstring.value = plain_roles(text)
