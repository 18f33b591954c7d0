"""The compiled path's error, and the advice its messages end with."""

from __future__ import annotations

__all__ = ["TraceError", "HOW_TO"]


class TraceError(ValueError):
    """A function that the compiled path cannot replay over a batch, and why."""


HOW_TO = (
    "A compiled program replays one graph for every sample, so the function may not look at "
    "the numbers of its sample (if x.data > 0: ...). Write the choice with arithmetic on "
    "Values instead: relu(x) for max(x, 0), abs(x), b + relu(a - b) for max(a, b), or a "
    "weighted sum with 0/1 weights made from the label; or train eagerly (compiled=False)."
)
