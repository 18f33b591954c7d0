"""Pausing Python's cyclic garbage collector around work that makes many nodes."""

from __future__ import annotations

import gc

__all__ = ["gc_paused"]


class gc_paused:  # lower case: it is used like a function, `with gc_paused():`
    """Inside this block Python's cyclic garbage collector does not run.

    Its state is restored when the block ends, however it ends; if the collector was off
    already, it stays off. The collector's switch is one for the whole process: a block
    ending on another thread turns it back on for this one too.

    NOTE: the engine's nodes hold no reference cycles (no closures, no links to their
    children), so reference counting frees every graph on its own and the collector has
    nothing to find in them. Left on, it would still walk every live node again each time a
    few hundred new containers are allocated, which on a large graph or a training step
    costs more than the work itself. Each eager step of :func:`autograd_lite.nn.train.fit`
    runs inside one.

    An interrupt (Ctrl-C) raised in the block's own first or last bytecodes is handled
    too: one landing just after the collector is turned off, before the block begins,
    turns it back on before it goes on. Python cannot run code that no signal interrupts,
    so a second exception from a signal handler landing while the first is handled is out
    of reach (ARCHITECTURE.md: the promise covers Ctrl-C).

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     gc.isenabled()
        False
    """

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> gc_paused:
        self._was_enabled = gc.isenabled()
        try:
            gc.disable()  # a signal's handler may raise right after this call returns
        except BaseException:
            if self._was_enabled:
                gc.enable()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        if self._was_enabled:
            gc.enable()
