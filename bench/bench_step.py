"""The standard training step, timed against hand-written references in one process.

Run from the repository root::

    python bench/bench_step.py [--rounds 30] [--points 100]

Workload (ARCHITECTURE.md): 100 moons points, MLP(2, [16, 16, 1]) with ReLU hidden layers,
max-margin loss with L2 1e-4, one full-batch SGD step with lr = 1.0 - 0.9·k/100. Every
implementation starts from the same weights and the loss trajectories are compared (they
must agree to 1e-12). Implementations:

* ``engine MLP``: ``autograd_lite.nn.MLP`` in a loop as a user writes it (zero_grad, forward
  per point, loss, backward, update), Python's garbage collector left on;
* ``engine fit``: the same step through ``autograd_lite.train.fit`` with the engine
  (``compiled=False``; ``bench_compiled.py`` times the compiled path);
* ``engine binary ops``: the network written with ``Value`` ``*`` and ``+`` only, neuron by
  neuron, as in a closure-per-node engine's demo (a chain of binary nodes per neuron);
* ``closure engine``: that same code on a closure-per-node engine (``closure_engine.py``),
  the common teaching design, measured here rather than quoted;
* ``pure Python``: the step written by hand with floats and a hand-written backward;
* ``NumPy``: the step vectorised over the batch with a hand-written backward.

Timing interleaves the implementations round by round (one step of each per round), so a
slow moment of the machine hits all of them alike; the figures are medians over rounds, and
ratios are medians of the per-round ratios. Nothing here asserts anything about time.
"""

from __future__ import annotations

import argparse
import copy
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from closure_engine import ClosureValue  # noqa: E402
from references import ALPHA, NumpyModel, learning_rate, pure_python_step  # noqa: E402

from autograd_lite import Value  # noqa: E402
from autograd_lite.nn import MLP  # noqa: E402
from autograd_lite.nn.data import moons  # noqa: E402
from autograd_lite.nn.train import fit  # noqa: E402

SIZES = [16, 16, 1]


def weights_of(model: MLP):
    """The model's parameters as ``[(W, b), ...]`` nested float lists."""
    layers = []
    for layer in model.layers:
        W = [[w.data for w in neuron.w] for neuron in layer.neurons]
        b = [neuron.b.data for neuron in layer.neurons]
        layers.append((W, b))
    return layers


def max_margin(scores, y, params):
    """The loss as a user writes it, for any Value-like class."""
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in params)
    return data_loss + reg_loss


def sgd_step(model, params, X, y, lr):
    """One step as a user writes it: zero_grad, forward per point, loss, backward, update."""
    model.zero_grad()
    scores = [model(x) for x in X]
    loss = max_margin(scores, y, params)
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    accuracy = sum((s.data > 0) == (yi > 0) for s, yi in zip(scores, y)) / len(y)
    return loss.data, accuracy


class BinaryOpsNet:
    """The network written neuron by neuron with binary ``*`` and ``+`` on a Value class."""

    def __init__(self, layers, value_class):
        self.layers = [
            ([[value_class(w) for w in row] for row in W], [value_class(bj) for bj in b])
            for W, b in layers
        ]
        self.params = [p for W, b in self.layers for row, bj in zip(W, b) for p in [*row, bj]]

    def __call__(self, x):
        last = len(self.layers) - 1
        for li, (W, b) in enumerate(self.layers):
            out = []
            for row, bj in zip(W, b):
                act = sum((wi * xi for wi, xi in zip(row, x)), bj)
                out.append(act if li == last else act.relu())
            x = out
        return x[0]

    def zero_grad(self):
        for p in self.params:
            p.grad = 0.0

    def step(self, X, y, lr):
        return sgd_step(self, self.params, X, y, lr)


class UserLoop:
    """``MLP`` trained by a loop written as a user writes it."""

    def __init__(self, model):
        self.model = model

    def step(self, X, y, lr):
        return sgd_step(self.model, self.model.parameters(), X, y, lr)


class FitLoop:
    """``MLP`` trained one step at a time through ``fit``."""

    def __init__(self, model):
        self.model = model

    def step(self, X, y, lr):
        history = fit(self.model, X, y, loss="hinge", l2=ALPHA, steps=1, lr=lr, compiled=False)
        return history.loss[-1], history.accuracy[-1]


class PureLoop:
    def __init__(self, layers):
        self.layers = copy.deepcopy(layers)

    def step(self, X, y, lr):
        return pure_python_step(self.layers, X, y, lr)


class NumpyLoop:
    def __init__(self, layers, X, y):
        self.model = NumpyModel(layers, X, y)

    def step(self, X, y, lr):
        return self.model.step(lr)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="training steps per implementation")
    parser.add_argument("--points", type=int, default=100, help="moons points")
    args = parser.parse_args(argv)

    X, y = moons(n_samples=args.points, noise=0.1, seed=1)
    y = [float(v) for v in y]
    layers = weights_of(MLP(2, SIZES, seed=0))

    impls = {
        "engine MLP": UserLoop(MLP(2, SIZES, seed=0)),
        "engine fit": FitLoop(MLP(2, SIZES, seed=0)),
        "engine binary ops": BinaryOpsNet(layers, Value),
        "closure engine": BinaryOpsNet(layers, ClosureValue),
        "pure Python": PureLoop(layers),
        "NumPy": NumpyLoop(layers, X, y),
    }
    times = {name: [] for name in impls}
    losses = {name: [] for name in impls}
    for k in range(args.rounds):
        lr = learning_rate(k)
        for name, impl in impls.items():
            t0 = time.perf_counter()
            loss, accuracy = impl.step(X, y, lr)
            times[name].append(time.perf_counter() - t0)
            losses[name].append(loss)
        gc.collect()  # start every round from the same collector state

    print(f"standard step: {args.points} moons points, MLP(2, {SIZES}), {args.rounds} rounds")
    print(
        f"python {sys.version.split()[0]}, final loss {losses['pure Python'][-1]:.12f}, "
        f"final accuracy {accuracy:.2f}"
    )
    reference = losses["pure Python"]
    worst = {
        name: max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(ls, reference))
        for name, ls in losses.items()
    }
    print()
    print(
        f"{'implementation':<20}{'median ms':>10}{'x pure Python':>15}{'x NumPy':>10}"
        f"{'max loss diff':>15}"
    )
    for name in impls:
        med = statistics.median(times[name])
        vs_pure = statistics.median(a / b for a, b in zip(times[name], times["pure Python"]))
        vs_numpy = statistics.median(a / b for a, b in zip(times[name], times["NumPy"]))
        print(f"{name:<20}{med * 1e3:>10.3f}{vs_pure:>15.2f}{vs_numpy:>10.0f}{worst[name]:>15.1e}")
    agree = all(w <= 1e-12 for w in worst.values())
    print()
    print("loss trajectories agree to 1e-12:", "yes" if agree else "NO")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
