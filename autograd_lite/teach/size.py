"""The bound on how large a graph the teaching views explain: a table a person reads."""

from __future__ import annotations

__all__ = ["MAX_NODES", "check_size"]

MAX_NODES = 5_000
"""The most nodes a graph explained by :func:`~autograd_lite.teach.explain` or tabulated by
:func:`~autograd_lite.teach.traces.traces` may have: three trace tables of 5,000 rows are
already past what anyone reads, and a 100,000-node graph took a minute and 60 MB of LaTeX."""


def check_size(order: list, what: str) -> None:
    """Refuse a graph of more than :data:`MAX_NODES` nodes before any work on it.

    Raises:
        ValueError: naming the view, the graph's size and the bound.
    """
    if len(order) > MAX_NODES:
        raise ValueError(
            f"{what}: the graph has {len(order):,} nodes, more than the {MAX_NODES:,} a "
            "teaching view explains (autograd_lite.teach.size.MAX_NODES); explain a "
            "smaller part of it, for example one neuron or one layer"
        )
