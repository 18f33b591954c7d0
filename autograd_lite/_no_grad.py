"""``no_grad``: a block inside which new values record no parents."""

from __future__ import annotations

import contextvars

__all__ = ["no_grad", "recording_off"]


class _Block(list):
    """One open ``with no_grad():`` block: true while open, emptied (false) when it ends.

    A list, so that testing it is as cheap as testing a bool on the hot path of every node.
    """

    __slots__ = ("outer",)  # the block that was innermost when this one began, or None


# no_grad is local to the thread and the async context: this holds the innermost open block
# of the current context (None outside any). Ending a block empties it, whatever context
# ends it (a generator closed elsewhere), so the context that began it records again.
_innermost: contextvars.ContextVar[_Block | None] = contextvars.ContextVar(
    "autograd_lite_no_grad_block", default=None
)

# true (an open block) inside `with no_grad():`; the engine reads it for every node it makes
recording_off = _innermost.get


class no_grad:  # lower case: it is used like a function, `with no_grad():`
    """Inside this block, new values record no parents (they are leaves).

    Local to the current thread and async context. Use it to evaluate a model without
    building a graph, for example to compute accuracy or to update parameters.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * 3
        >>> y.op, y.parents
        ('', ())
    """

    # A small class instead of contextlib.contextmanager keeps `import autograd_lite` fast.
    # Each `with` opens a block (see _Block) that the context records as its innermost
    # one; the instance keeps the blocks it has open, so one instance may be nested, and
    # shared by threads and tasks, without mixing them up. The previous block is stored and
    # set back rather than undone with ContextVar.reset, whose token only the context that
    # made it accepts: a generator suspended inside the block may be closed from another.
    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: dict[int, _Block] = {}  # by id, in the order they were opened

    def __enter__(self) -> None:
        block = _Block((True,))
        block.outer = _innermost.get()
        self._open[id(block)] = block
        _innermost.set(block)

    def __exit__(self, *exc_info) -> None:
        innermost = _innermost.get()
        block = self._open.pop(id(innermost), None)
        if block is not None:  # the usual case: ended in the context that opened it
            outer = block.outer
            while outer is not None and not outer:  # skip blocks ended elsewhere
                outer = outer.outer
            _innermost.set(outer)
            return
        # Ended from another context (a generator suspended in the block, closed elsewhere):
        # the context that opened it cannot be reached from here, so the block is emptied,
        # which that context (and contexts copied inside the block) read as ended.
        if self._open:
            self._open.pop(next(reversed(self._open))).clear()
