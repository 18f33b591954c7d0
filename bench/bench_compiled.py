"""The compiled training step, timed against NumPy, PyTorch and jax.jit, in one process.

Run from the repository root::

    python bench/bench_compiled.py [--rounds 30] [--burst 5] [--slow-rounds 3]

Workloads (ARCHITECTURE.md): the moons training step (max-margin loss, L2 1e-4, full-batch
SGD with the learning rate falling linearly from 1.0 to 0.1 over the run) at
MLP(2, [16, 16, 1]) with 100 points and at MLP(2, [64, 64, 1]) with 1,000 points. Every
implementation starts from the same weights:

* ``NumPy``: the step vectorised over the batch with a hand-written backward
  (``references.NumpyModel``);
* ``compiled fit``: ``fit(..., compiled=True)``, the model and loss written with Values and
  traced once; steps are timed from the start of one step to the start of another (the
  learning-rate schedule, which ``fit`` asks at the start of each step, is the hook), so
  they include everything ``fit`` does per step (the batch, the update, the history), and
  no callback makes ``fit`` write the parameters back to the model every step;
* ``PyTorch``: the same network in float64 tensors on the CPU, autograd for the backward
  (when torch is installed);
* ``JAX``: the same step (loss, ``jax.value_and_grad``, the SGD update) under ``jax.jit``,
  in float64 on the CPU (when jax is installed; skipped with a message otherwise);
* ``eager fit``: ``fit(..., compiled=False)``, its steps timed as the compiled ones;
* ``pure Python``: the step by hand in floats (``references.pure_python_step``).

NumPy's BLAS, PyTorch and XLA run on one thread each (on a shared 2-core machine their thread
pools make timings erratic), set before they are imported. Each round, each of the fast
three runs a burst of ``--burst`` steps in a row, as training runs them (a step that runs
right after another implementation's finds the caches holding that one's code and data,
which costs a small step like these up to a third of its time), interleaved: the others'
bursts run from the compiled ``fit``'s schedule between two of its bursts, NumPy just
before the compiled burst in even rounds and just after it in odd ones. Figures are
medians over rounds after the first of the seconds per step, and the ratios are medians
of per-round ratios to NumPy. The slow two run after, for ``--slow-rounds`` steps: the
eager ``fit`` steps timed inside one run of ``fit`` as the compiled ones are, with a
pure-Python step run from its schedule before each (timed on its own); they are set
against NumPy's median and each other. Each
implementation's loss trajectory is compared with NumPy's. Nothing here asserts anything
about time.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy is imported: one BLAS thread
# before jax is imported: XLA's CPU backend on one thread too
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "")
    + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import argparse  # noqa: E402
import copy  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from references import ALPHA, NumpyModel, learning_rate, pure_python_step  # noqa: E402

from autograd_lite.nn import MLP  # noqa: E402
from autograd_lite.nn.data import moons  # noqa: E402
from autograd_lite.nn.train import fit  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # PyTorch is optional
    torch = None

try:
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp
except ImportError:  # JAX is optional
    jax = None


def weights_of(model: MLP):
    return [
        ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
        for layer in model.layers
    ]


class TorchModel:
    """The network in float64 tensors; autograd for the backward, SGD by hand."""

    def __init__(self, layers, X, y):
        self.W = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W, _ in layers]
        self.b = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for _, b in layers]
        self.X = torch.tensor(X, dtype=torch.float64)
        self.y = torch.tensor(y, dtype=torch.float64)

    def step(self, lr):
        a = self.X
        last = len(self.W) - 1
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            a = a @ W.T + b
            if i < last:
                a = torch.relu(a)
        loss = torch.relu(1.0 - self.y * a[:, 0]).mean()
        loss = loss + ALPHA * sum((p * p).sum() for p in [*self.W, *self.b])
        loss.backward()
        with torch.no_grad():
            for p in [*self.W, *self.b]:
                p -= lr * p.grad
                p.grad = None
        return loss.item()


class JaxModel:
    """The same step under ``jax.jit``: loss, ``value_and_grad`` and the SGD update in one
    compiled function, float64 on the CPU."""

    def __init__(self, layers, X, y):
        self.params = [(jnp.array(W), jnp.array(b)) for W, b in layers]
        self.X = jnp.array(X, dtype=jnp.float64)
        self.y = jnp.array(y, dtype=jnp.float64)
        last = len(layers) - 1

        def loss_fn(params, X, y):
            a = X
            for i, (W, b) in enumerate(params):
                a = a @ W.T + b
                if i < last:
                    a = jax.nn.relu(a)
            data = jnp.mean(jax.nn.relu(1.0 - y * a[:, 0]))
            return data + ALPHA * sum(jnp.sum(W * W) + jnp.sum(b * b) for W, b in params)

        def step(params, X, y, lr):
            loss, grads = jax.value_and_grad(loss_fn)(params, X, y)
            new = [(W - lr * gW, b - lr * gb) for (W, b), (gW, gb) in zip(params, grads)]
            return new, loss

        self._step = jax.jit(step)
        # compile now (the parameters are not changed: the result is dropped)
        jax.block_until_ready(self._step(self.params, self.X, self.y, 0.0))

    def step(self, lr):
        self.params, loss = self._step(self.params, self.X, self.y, lr)
        return float(loss)  # waits for the step, as the others' returned losses do


def run(sizes, n_points, rounds, slow_rounds, burst):
    X, y = moons(n_samples=n_points, noise=0.1, seed=1)
    yf = [float(v) for v in y]
    layers = weights_of(MLP(2, sizes, seed=0))
    numpy_model = NumpyModel(layers, X, yf)
    pure_layers = copy.deepcopy(layers)
    torch_model = TorchModel(layers, X, yf) if torch is not None else None
    jax_model = JaxModel(layers, X, yf) if jax is not None else None
    total = rounds * burst

    def rate(step):
        return learning_rate(step, total)

    fast = {"NumPy": lambda lr: numpy_model.step(lr)[0]}
    if torch_model is not None:
        fast["PyTorch"] = torch_model.step
    if jax_model is not None:
        fast["JAX"] = jax_model.step
    slow = ("eager fit", "pure Python")
    # per round: the seconds per step of a burst of `burst` steps, for each implementation
    times = {name: [] for name in ["compiled fit", *fast, *slow]}
    losses = {name: [] for name in times}
    steps_run = {name: 0 for name in fast}
    state = {"last": 0.0, "step": -1}

    def run_burst(name, f):
        k = steps_run[name]
        t0 = time.perf_counter()
        for j in range(k, k + burst):
            losses[name].append(f(rate(j)))
        times[name].append((time.perf_counter() - t0) / burst)
        steps_run[name] = k + burst

    def schedule(step):
        # fit asks for the rate at the start of each step (and again for the update): every
        # `burst` steps, the first ask ends the compiled burst's timing and runs a burst of
        # each other fast implementation, timed on its own
        if step == state["step"] or step % burst:
            state["step"] = step
            return rate(step)
        now = time.perf_counter()
        if step == 0:
            state["compile"] = now - state["start"]
        else:
            times["compiled fit"].append((now - state["last"]) / burst)
        state["step"] = step
        # NumPy runs right after the compiled burst in odd rounds and right before it in
        # even ones, so that neither of the two compared always follows the other
        names = list(fast)
        if (step // burst) % 2 == 0:
            names.reverse()
        for name in names:
            run_burst(name, fast[name])
        state["last"] = time.perf_counter()
        return rate(step)

    compiled_model = MLP(2, sizes, seed=0)
    # everything made so far (the models, the data) stays alive: the collector need not
    # walk it again in every round
    gc.collect()
    gc.freeze()
    state["start"] = time.perf_counter()
    history = fit(
        compiled_model, X, y, loss="hinge", l2=ALPHA, steps=total, lr=schedule, compiled=True
    )
    times["compiled fit"].append((time.perf_counter() - state["last"]) / burst)
    losses["compiled fit"] = history.loss
    compile_ms = state["compile"] * 1e3
    assert history.compiled
    # the slow two after: eager fit's steps timed as the compiled ones are, inside one run
    # of fit, and a pure-Python step run (and timed on its own) from the schedule between
    slow_state = {"last": None, "step": -1}

    def slow_schedule(step):
        if step == slow_state["step"]:
            return rate(step)
        now = time.perf_counter()
        if slow_state["last"] is not None:
            times["eager fit"].append(now - slow_state["last"])
        slow_state["step"] = step
        t0 = time.perf_counter()
        losses["pure Python"].append(pure_python_step(pure_layers, X, yf, rate(step))[0])
        times["pure Python"].append(time.perf_counter() - t0)
        slow_state["last"] = time.perf_counter()
        return rate(step)

    eager = fit(
        MLP(2, sizes, seed=0),
        X,
        y,
        loss="hinge",
        l2=ALPHA,
        steps=slow_rounds,
        lr=slow_schedule,
        compiled=False,
    )
    times["eager fit"].append(time.perf_counter() - slow_state["last"])
    losses["eager fit"] = eager.loss

    print(
        f"\nMLP(2, {sizes}) with {n_points} points: {rounds} rounds of {burst} steps "
        f"({slow_rounds} single steps for the slow two)"
    )
    print(f"tracing and compiling (once, before the first step): about {compile_ms:.0f} ms")
    print(f"{'implementation':<14}{'median ms':>11}{'x NumPy':>10}{'max loss diff':>15}")
    reference = losses["NumPy"]
    numpy_median = statistics.median(times["NumPy"][1:])
    rows = {}
    for name, ts in times.items():
        skip = 1 if len(ts) > 1 else 0  # the first round warms up
        if name in slow:
            ratio = statistics.median(ts[skip:]) / numpy_median
        else:  # a median of the rounds' ratios: both measured at the same moment
            ratio = statistics.median(a / b for a, b in zip(ts[1:], times["NumPy"][1:]))
        worst = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(losses[name], reference))
        rows[name] = (statistics.median(ts[skip:]), ratio, worst)
        med, ratio, worst = rows[name]
        print(f"{name:<14}{med * 1e3:>11.3f}{ratio:>10.2f}{worst:>15.1e}")
    for other in ("PyTorch", "JAX"):
        if other in rows:
            vs = statistics.median(
                a / b for a, b in zip(times["compiled fit"][1:], times[other][1:])
            )
            print(f"compiled fit / {other}: {vs:.2f}")
    vs_pure = (
        statistics.median(a / b for a, b in zip(times["eager fit"][1:], times["pure Python"][1:]))
        if len(times["eager fit"]) > 1
        else float("nan")
    )
    print(f"eager fit / pure Python: {vs_pure:.2f}")
    gc.unfreeze()
    return all(w <= 1e-10 for _, _, w in rows.values())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the fast steps")
    parser.add_argument("--burst", type=int, default=5, help="steps in a row per round")
    parser.add_argument(
        "--slow-rounds", type=int, default=3, help="steps of the slow two at the large size"
    )
    args = parser.parse_args(argv)
    import numpy as np

    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"torch {torch.__version__ if torch is not None else 'not installed'}, "
        f"jax {jax.__version__ if jax is not None else 'not installed'}; "
        "NumPy's BLAS, PyTorch and XLA on one thread"
    )
    if jax is None:
        print("JAX is not installed: its jax.jit step is skipped (pip install jax)")
    for name, value in (("rounds", args.rounds), ("burst", args.burst)):
        if value < 2:
            parser.error(f"--{name} must be at least 2")
    agree = run([16, 16, 1], 100, args.rounds, args.rounds, args.burst)
    agree &= run([64, 64, 1], 1000, args.rounds, args.slow_rounds, args.burst)
    print("\nloss trajectories agree with NumPy's to 1e-10:", "yes" if agree else "NO")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
