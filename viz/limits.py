"""What a drawing may cost: the layout limits checked before Graphviz runs, and ``dot`` run
with a time limit.

The number of nodes alone does not say how long ``dot`` takes. Measured with Graphviz 2.43
(``dot -v -Tsvg``, one core), nearly all of its time on our graphs goes into the network
simplex that places nodes left to right, on a graph that has one extra node for every rank
an edge crosses. An edge crosses many ranks when a node is used by operations far apart in
the graph: ``x*x + x*x + ...`` summed term by term uses ``x`` at every depth of a long chain.
On such graphs the layout took

    ====================  =============  ====================
    ranks crossed         nodes, edges   time of the layout
    ====================  =============  ====================
    600                   129, 147       0.04 s
    1,500 - 2,000         160 - 209      0.5 - 0.7 s
    2,350                 200, 247       1.5 - 2 s
    3,400 - 4,200         240 - 289      3 - 8 s
    6,200                 320, 397       33 s
    about 9,000           418, 447       more than 90 s
    ====================  =============  ====================

while a node used 200 times on one rank (a wide sum) or a chain of 300 nodes lays out in
under a second. The other cost is the number of edges, which a weighted sum over many
inputs multiplies: 2,200 edges took 0.3 s, 4,400 took 1.2 s, 9,450 took 6.6 s and 16,600
took 13 s, all with fewer than 300 value nodes.

So a drawing is refused before ``dot`` runs when it has more than :data:`MAX_EDGES` edges or
its edges cross more than :data:`MAX_RANKS_CROSSED` ranks in all (estimated below), and
``dot`` itself is stopped after ``time_limit`` seconds (:data:`DEFAULT_TIME_LIMIT`), so
whatever the estimate misses, a drawing never hangs.
"""

from __future__ import annotations

import math
import subprocess
import sys
from collections import Counter

import graphviz

from autograd_lite import Value
from autograd_lite.checks import is_bool, is_real

from .labels import shorten

__all__ = [
    "MAX_EDGES",
    "MAX_RANKS_CROSSED",
    "DEFAULT_TIME_LIMIT",
    "LayoutTooSlowError",
    "DotTimeoutError",
    "layout_cost",
    "check_layout_cost",
    "check_time_limit",
    "run_dot",
]

MAX_EDGES = 2_000
"""The most edges (arrows) a drawing may have: ``dot`` lays out 2,000 in about 0.3 s, and its
time grows faster than the count (13 s for 16,600)."""

MAX_RANKS_CROSSED = 2_000
"""The most ranks that a drawing's edges may cross in all (an edge from rank 2 to rank 7
crosses 4): ``dot`` places up to 2,000 such crossings in well under a second, 2,350 in about
2 s, 6,200 in 33 s."""

DEFAULT_TIME_LIMIT = 20.0
"""Seconds that ``dot`` may run for one picture before it is stopped."""


class LayoutTooSlowError(ValueError):
    """The drawing has too many edges, or edges across too many ranks, for ``dot`` to lay it
    out quickly; nothing was drawn.

    Attributes:
        measure: what makes the layout slow, in one sentence, without the message's advice
            (which speaks of the drawing's options): a command can give its own.
    """

    def __init__(self, message: str, *, measure: str | None = None):
        super().__init__(message)
        self.measure = message if measure is None else measure


class DotTimeoutError(TimeoutError):
    """Graphviz's ``dot`` ran longer than the time limit and was stopped; nothing was written."""


def layout_cost(order: list[Value], hidden: set[int]) -> tuple[int, int]:
    """Estimate what laying out the drawing of ``order`` costs ``dot``.

    The drawing has an oval per operation and a box per value; the ranks are estimated twice,
    each node as early as its operands allow (leaves pulled down to just before their first
    use) and each node as late as its uses allow, and the better of the two is taken, as
    ``dot`` looks for the ranking with the shortest edges. On the graphs measured for this
    module the estimate was within 3% of the count ``dot -v`` reports above 500 ranks
    crossed (7% for a small one, 110 against 103).

    Args:
        order: the graph's nodes in topological order.
        hidden: indices of nodes that the drawing leaves out (folded exponents).

    Returns:
        ``(edges, ranks_crossed)``: the number of arrows and the number of ranks they cross
        in all.
    """
    index = {v: i for i, v in enumerate(order)}
    n = len(order)
    operands = [
        [index[p] for p in v.parents if index[p] not in hidden] if i not in hidden else []
        for i, v in enumerate(order)
    ]
    edges = sum(len(ps) + 1 for v, ps in zip(order, operands) if v.parents)

    # Early: an operation one rank after its latest operand, its value one rank after it.
    op_early = [0] * n
    value_early = [0] * n
    for i, ps in enumerate(operands):
        if ps:
            op_early[i] = 1 + max(value_early[p] for p in ps)
            value_early[i] = op_early[i] + 1
    first_use = [math.inf] * n
    for i, ps in enumerate(operands):
        for p in ps:
            first_use[p] = min(first_use[p], op_early[i])
    for p in range(n):
        if not operands[p] and first_use[p] < math.inf:  # a leaf sits just before its first use
            value_early[p] = first_use[p] - 1

    # Late: every node as close to its first use as it can be (uses come later in order).
    top = max(value_early, default=0)
    value_late = [top] * n
    op_late = [top] * n
    for i in range(n - 1, -1, -1):
        op_late[i] = value_late[i] - 1
        for p in operands[i]:
            value_late[p] = min(value_late[p], op_late[i] - 1)

    crossed = min(
        sum(op_rank[i] - value_rank[p] - 1 for i, ps in enumerate(operands) for p in ps)
        for op_rank, value_rank in ((op_early, value_early), (op_late, value_late))
    )
    return edges, crossed


def check_layout_cost(order: list[Value], hidden: set[int], what: str) -> None:
    """Refuse a drawing that ``dot`` would take long to lay out, saying why and what helps.

    Args:
        order: the graph's nodes in topological order.
        hidden: indices of nodes that the drawing leaves out.
        what: the name of the function, for the message.

    Raises:
        LayoutTooSlowError: if the drawing has more than :data:`MAX_EDGES` edges or they cross
            more than :data:`MAX_RANKS_CROSSED` ranks.
    """
    edges, crossed = layout_cost(order, hidden)
    lift = (
        f"To draw it anyway, call {what}(root, ..., options=DrawingOptions(max_nodes=None)), "
        "which lifts the drawing limits; Graphviz then still stops after time_limit seconds."
    )
    part = (
        f"To draw a part of it, pass an inner node as the root: {what}(node) draws only that "
        "node and the nodes it depends on."
    )
    if edges > MAX_EDGES:
        measure = (
            f"this graph's drawing has {edges:,} edges, more than the {MAX_EDGES:,} that "
            "Graphviz lays out in about a second (16,600 edges took 13 s)."
        )
        raise LayoutTooSlowError(
            f"{measure} {part} Fewer inputs per weighted sum, or fewer nodes, make fewer "
            f"edges. {lift}",
            measure=measure,
        )
    if crossed > MAX_RANKS_CROSSED:
        uses = Counter(p for v in order for p in v.parents)
        node, count = max(uses.items(), key=lambda item: item[1])
        if count >= 3:
            i = order.index(node)
            name = repr(shorten(node.label, 40)) if node.label else f"n{i} (data {node.data!r})"
            example = f", such as {name} here, used {count} times"
        else:
            example = ""
        measure = (
            f"this graph would take Graphviz too long to lay out: its edges cross "
            f"{crossed:,} ranks, more than {MAX_RANKS_CROSSED:,} (6,200 took 33 s)."
        )
        raise LayoutTooSlowError(
            f"{measure} That happens when a node is used by operations far apart in the "
            f"graph{example}, for example in each of many terms summed one after another. "
            f"{part} Fewer terms, or that node used in fewer places, make fewer crossings. "
            f"{lift}",
            measure=measure,
        )


def check_time_limit(time_limit: float) -> float:
    """Check a time limit for ``dot``: a positive, finite number of seconds.

    Raises:
        ValueError: for anything else (None too: a drawing must never hang).
    """
    if is_bool(time_limit) or not is_real(time_limit) or not 0 < time_limit < math.inf:
        raise ValueError(
            f"time_limit must be a positive number of seconds, got {time_limit!r}; "
            f"the default is {DEFAULT_TIME_LIMIT:g}"
        )
    return float(time_limit)


def run_dot(source: str, file_format: str, *, time_limit: float, hints: str = "") -> bytes:
    """Run Graphviz's ``dot`` on ``source`` and return what it writes, stopping it after
    ``time_limit`` seconds.

    Args:
        source: the DOT text.
        file_format: ``dot``'s output format, such as ``"svg"`` or ``"png"``.
        time_limit: seconds ``dot`` may run.
        hints: what the caller can do to draw faster, added to a timeout's message.

    Returns:
        ``dot``'s output. Its warnings, if any, are written to ``sys.stderr``.

    Raises:
        graphviz.ExecutableNotFound: if there is no ``dot`` program on PATH.
        DotTimeoutError: if ``dot`` ran longer than ``time_limit`` (it is stopped).
        RuntimeError: if ``dot`` failed; the message holds what it said.
    """
    try:
        proc = subprocess.run(
            ["dot", f"-T{file_format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=time_limit,
        )
    except FileNotFoundError:
        raise graphviz.ExecutableNotFound(["dot"]) from None
    except subprocess.TimeoutExpired:
        # subprocess.run has already killed dot and waited for it
        raise DotTimeoutError(
            f"Graphviz's dot did not finish laying out this graph within time_limit="
            f"{time_limit:g} seconds and was stopped; nothing was written. {hints}".rstrip()
        ) from None
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(
            f"Graphviz's dot failed (exit status {proc.returncode}): {stderr.strip()[:1000]}"
        )
    if stderr:
        sys.stderr.write(stderr)
    return proc.stdout
