"""A program's instructions written out as straight-line Python functions, once.

Running a program instruction by instruction costs a few method calls and mode tests per
instruction on top of its NumPy calls, about as much again as the NumPy calls themselves
on the small arrays of a small network. So
:class:`~autograd_lite.compiled.program.CompiledLoss` writes its forward pass and its
backward pass out as Python functions, one statement per NumPy call, and compiles them
once: the operands that sit in fixed places (the weights' views into the flat parameter
array) are bound once, and the arrays of a run are read from lists by constant index. A
long program is written as several functions of at most :data:`CHUNK` instructions each,
run one after the other (Python compiles one huge function slowly).

The source is made only of names this module makes (``W3``, ``R7``: the objects they stand
for are handed over in a dictionary, never written as text) and of integers; no label,
operation name or anything else a user typed is ever part of it. Operand reads and
gradient adds that are not the common case (a gather, pieces of several arrays) call the
:class:`~autograd_lite.compiled._takes.Take`'s own methods, and an instruction this module
does not write out is called as an object.
"""

from __future__ import annotations

import numpy as np

__all__ = ["compile_passes", "CHUNK"]

CHUNK = 500
"""Instructions per written-out function, at most."""


class _Source:
    """Lines of one function, and the objects its names stand for."""

    def __init__(self, namespace: dict, names: dict):
        self.lines: list[str] = []
        self.namespace = namespace
        self.names = names  # id of a bound object -> its name (shared by both passes)

    def bind(self, stem: str, obj) -> str:
        """A name for ``obj`` in the function's globals (the same object, the same name)."""
        name = self.names.get(id(obj))
        if name is None:
            name = self.names[id(obj)] = f"{stem}{len(self.namespace)}"
            self.namespace[name] = obj
        return name

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)


def _read(src: _Source, take) -> str:
    """An expression for a take's operands (see ``Take.read``)."""
    if take.mode == "whole":
        return f"e[{take.var}]"
    if take.mode == "view":
        return src.bind("V", take.view)
    if take.mode in ("slice", "column"):
        s = take.index[1]
        return f"e[{take.var}][:, {s.start}:{s.stop}]"
    return f"{src.bind('T', take)}.read(e)"


def _add(src: _Source, indent: int, take, expr: str) -> None:
    """Statements adding the gradient ``expr`` to a take's operands (see ``Take.add``)."""
    if take.mode != "whole":
        src.emit(indent, f"{src.bind('T', take)}.add(d, o, {expr})")
        return
    spec = take.arrays[take.var]
    if not spec.needs_grad:
        return
    v = take.var
    src.emit(indent, f"u = {expr}")
    if not spec.batched:
        src.emit(indent, "if u.shape[0] != 1:")
        src.emit(indent + 1, "u = u.sum(axis=0, keepdims=True)")
    src.emit(indent, f"c = d[{v}]")
    src.emit(indent, "if c is None:")
    src.emit(indent + 1, f"d[{v}] = u")
    src.emit(indent, f"elif o[{v}]:")
    src.emit(indent + 1, "c += u")
    src.emit(indent, "else:")
    src.emit(indent + 1, f"d[{v}] = c + u")
    src.emit(indent + 1, f"o[{v}] = True")


def _take_adjoint(back: _Source, out: int) -> None:
    """``g``: the adjoint of an instruction's result, dropped from the list as it is taken
    (nothing adds to it any more), so that its memory can serve the arrays made next."""
    back.emit(1, f"g = d[{out}]")
    back.emit(1, f"d[{out}] = None")


def _elementwise(fwd: _Source, back: _Source, ins) -> None:
    f = fwd.bind("F", ins.forward_fn)
    args = ", ".join(_read(fwd, t) for t in ins.takes)
    if ins.width == 1:
        fwd.emit(1, f"e[{ins.out}] = {f}({args})")
    else:
        # every operand one column shared by all members: the result is one column too
        fwd.emit(1, f"u = {f}({args})")
        fwd.emit(1, f"if u.shape[1] != {ins.width}:")
        fwd.emit(2, f"u = broadcast_to(u, (u.shape[0], {ins.width}))")
        fwd.emit(1, f"e[{ins.out}] = u")
    if not ins.sends:
        return
    r = back.bind("R", ins.rule)
    args = ", ".join(_read(back, t) for t in ins.takes)
    _take_adjoint(back, ins.out)
    back.emit(1, "if g is not None:")
    back.emit(2, f"r = {r}(g, e[{ins.out}], {args})")
    for k, take in ins.sends:
        _add(back, 2, take, f"asarray(r[{k}])")


def _matmul(fwd: _Source, back: _Source, ins) -> None:
    f = fwd.bind("M", ins.forward_fn)
    w = fwd.bind("V", ins.W) if ins.W is not None else f"{fwd.bind('T', ins.w)}.read(e)[0]"
    b = fwd.bind("V", ins.bias) if ins.bias is not None else f"{fwd.bind('T', ins.b)}.read(e)[0]"
    fwd.emit(1, f"e[{ins.out}] = {f}({w}, {_read(fwd, ins.a)}, {b})")
    if not any(ins.wrt):
        return
    rule = back.bind("MR", ins.rule)
    w = back.bind("V", ins.W) if ins.W is not None else f"{back.bind('T', ins.w)}.read(e)[0]"
    b = back.bind("V", ins.bias) if ins.bias is not None else f"{back.bind('T', ins.b)}.read(e)[0]"
    wrt = back.bind("WRT", ins.wrt)
    _take_adjoint(back, ins.out)
    back.emit(1, "if g is not None:")
    back.emit(2, f"dW, dA, db = {rule}(g, e[{ins.out}], {w}, {_read(back, ins.a)}, {b}, {wrt})")
    if ins.wrt[0]:
        if ins.dW is not None:
            dw = back.bind("G", ins.dW)
            back.emit(2, f"add({dw}, dW, out={dw})")
        else:
            back.emit(2, f"{back.bind('T', ins.w)}.add(d, o, dW[None])")
    if ins.wrt[1]:
        _add(back, 2, ins.a, "dA")
    if ins.wrt[2]:
        if ins.db is not None:
            db = back.bind("G", ins.db)
            back.emit(2, f"add({db}, db, out={db})")
        else:
            back.emit(2, f"{back.bind('T', ins.b)}.add(d, o, db[None])")


def _other(fwd: _Source, back: _Source, ins) -> None:
    name = fwd.bind("I", ins)
    fwd.emit(1, f"{name}.forward(e)")
    name = back.bind("I", ins)
    _take_adjoint(back, ins.out)
    back.emit(1, "if g is not None:")
    back.emit(2, f"{name}.backward(e, d, o, g)")


def compile_passes(program, writers: dict) -> tuple[list, list, str]:
    """``(forwards, backwards, source)`` for a program's instructions.

    Each ``forward(e)`` fills the list of arrays ``e`` for its instructions; run them in
    order. Each ``backward(e, d, o)`` runs its instructions in reverse, given the adjoints
    ``d`` and their ownership flags ``o`` (see ``Take.add``); ``backwards`` is already in
    the order to run them (the last instructions first). ``writers`` maps an instruction
    class to how it is written out (``"elementwise"``, ``"matmul"``); others are called as
    objects.
    """
    namespace = {"broadcast_to": np.broadcast_to, "asarray": np.asarray, "add": np.add}
    names: dict = {}
    sources = []
    for start in range(0, max(len(program), 1), CHUNK):
        fwd, back = _Source(namespace, names), _Source(namespace, names)
        k = start // CHUNK
        fwd.emit(0, f"def forward_{k}(e):")
        back.emit(0, f"def backward_{k}(e, d, o):")
        for ins in program[start : start + CHUNK]:
            how = writers.get(type(ins))
            if how == "elementwise":
                _elementwise(fwd, back, ins)
            elif how == "matmul":
                _matmul(fwd, back, ins)
            else:
                _other(fwd, back, ins)
        fwd.emit(1, "return e")
        # the backward pass visits the instructions last to first: each wrote its
        # statements in order, so reverse them by instruction
        back_lines = _reverse_blocks(back.lines)
        back_lines.append("    return d")
        sources.append("\n".join(fwd.lines) + "\n\n\n" + "\n".join(back_lines) + "\n")
    source = "\n\n".join(sources)
    code = compile(source, "<autograd_lite compiled program>", "exec")
    scope = dict(namespace)
    exec(code, scope)  # noqa: S102 - the source is this module's own (see the docstring)
    n = len(sources)
    forwards = [scope[f"forward_{k}"] for k in range(n)]
    backwards = [scope[f"backward_{k}"] for k in reversed(range(n))]
    return forwards, backwards, source


def _reverse_blocks(lines: list[str]) -> list[str]:
    """The header, then the blocks that start with ``g = d[...]`` in reverse order."""
    header, blocks = lines[0], []
    for line in lines[1:]:
        if line.startswith("    g = d["):
            blocks.append([line])
        else:
            blocks[-1].append(line)
    return [header, *[line for block in reversed(blocks) for line in block]]
