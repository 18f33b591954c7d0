"""Graph-size figures: deep chains, per-node cost by size, bytes per node, import time.

Run from the repository root::

    python bench/bench_graph.py [--depth 1000000] [--nodes 200000]

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from closure_engine import ClosureValue  # noqa: E402

from autograd_lite import Value, weighted_sum  # noqa: E402
from autograd_lite.engine import gc_paused  # noqa: E402


def deep_chain(depth: int) -> None:
    """Differentiate a chain ``depth`` nodes deep: x -> tanh -> tanh -> ... (one op each)."""
    x = Value(0.5, label="x")
    y = x
    t0 = time.perf_counter()
    for _ in range(depth):
        y = y.tanh()
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    print(
        f"chain of {depth:,} tanh nodes: built in {t1 - t0:.2f} s, "
        f"backward in {t2 - t1:.2f} s, d(out)/dx = {x.grad:.6e}"
    )
    del y
    gc.collect()


def _chain(n: int):
    x = Value(0.5, label="x")
    y = x
    for _ in range(n):
        y = y.tanh()
    return y


def _wide(n: int):
    # n/2 products of a leaf with a shared weight, summed by one weighted-sum node
    w = Value(0.5, label="w")
    products = [Value(0.001 * (i % 1000)) * w for i in range(n // 2)]
    return weighted_sum([Value(1.0)] * len(products), products)


def per_node_costs(sizes=(10**3, 10**4, 10**5, 10**6), repeats: int = 5) -> None:
    """Build and backward time per node for a chain and a wide graph at each size.

    The graph is built and differentiated with the collector paused, as ``fit`` runs. Each
    figure is the best of ``repeats`` runs at every size (the same statistic at every
    size: a best of many small runs against one large run would flatter the small),
    divided by the node count; the runs go round the sizes in turn, so that a slow moment
    of a shared machine falls on all of them alike.
    """
    for name, make in (("chain (tanh)", _chain), ("wide (mul + one wsum)", _wide)):
        b_times = {n: [] for n in sizes}
        k_times = {n: [] for n in sizes}
        for _ in range(repeats):
            for n in sizes:
                with gc_paused():
                    t0 = time.perf_counter()
                    root = make(n)
                    t1 = time.perf_counter()
                    root.backward()
                    t2 = time.perf_counter()
                    del root
                b_times[n].append(t1 - t0)
                k_times[n].append(t2 - t1)
        build = {n: min(b_times[n]) / n for n in sizes}
        back = {n: min(k_times[n]) / n for n in sizes}
        print(f"per-node cost, {name} (best of {repeats}):")
        for n in sizes:
            print(
                f"  {n:>9,} nodes: build {build[n] * 1e9:6.0f} ns, backward {back[n] * 1e9:6.0f} ns"
            )
        for what, costs in (("build", build), ("backward", back)):
            ratio = max(costs.values()) / min(costs.values())
            print(f"  {what}: largest / smallest per-node cost {ratio:.2f}")


def closure_engine_depth_limit(limit: int = 100_000) -> int | None:
    """The first chain depth at which the recursive closure-per-node engine fails."""
    depth = 100
    while depth <= limit:
        x = ClosureValue(0.5)
        y = x
        for _ in range(depth):
            y = y + 1.0
        try:
            y.backward()
        except RecursionError:
            return depth
        depth += 100
    return None


def bytes_per_node(n_nodes: int, value_class=Value) -> float:
    """Memory of a graph of ``n_nodes`` op nodes, from tracemalloc, divided by the count.

    The graph is a chain of alternating ``*`` and ``+`` between the running node and two
    shared leaves (x -> 0.9·x + 0.1 stays finite).
    """
    gc.collect()
    leaves = [value_class(0.9), value_class(0.1)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = leaves[0]
    made = 0
    while made < n_nodes:
        y = y * leaves[0]
        y = y + leaves[1]
        made += 2
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del y
    gc.collect()
    return (after - before) / made


def import_time(module: str, runs: int = 15) -> tuple[float, float]:
    """Median wall time of ``python -c "import module"`` and of a bare ``python -c pass``."""

    # Measured as a user meets it: with compiled bytecode cached (some environments set
    # PYTHONDONTWRITEBYTECODE, which would make every run recompile the modules).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def run(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        return time.perf_counter() - t0

    run(f"import {module}")  # writes the bytecode cache
    bare, with_import = [], []
    for _ in range(runs):  # interleaved so a slow moment affects both
        bare.append(run("pass"))
        with_import.append(run(f"import {module}"))
    return statistics.median(bare), statistics.median(with_import)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=1_000_000)
    parser.add_argument("--nodes", type=int, default=200_000)
    args = parser.parse_args(argv)

    deep_chain(args.depth)
    per_node_costs()
    failed_at = closure_engine_depth_limit()
    print(
        f"closure-per-node engine (recursive sort): RecursionError at depth {failed_at} "
        f"(recursion limit {sys.getrecursionlimit()})"
    )

    ours = bytes_per_node(args.nodes)
    theirs = bytes_per_node(args.nodes, ClosureValue)
    print(
        f"bytes per node over {args.nodes:,} op nodes (tracemalloc): autograd_lite {ours:.0f} B,"
        f" closure-per-node engine {theirs:.0f} B, ratio {ours / theirs:.2f}"
    )

    bare, imported = import_time("autograd_lite")
    print(
        f"python -c 'import autograd_lite': {imported * 1e3:.1f} ms vs bare interpreter "
        f"{bare * 1e3:.1f} ms: adds {(imported - bare) * 1e3:.1f} ms (median of 15)"
    )
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, autograd_lite; print(sorted(m for m in ('numpy', 'graphviz') "
            "if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"heavy modules loaded by the import: {loaded}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
