"""What runs :func:`~autograd_lite.nn.fit`'s steps: a runner, and the batches it is given.

A runner has one method that trains, ``step(batch, lr) -> (loss, right)``: one update on
the samples ``batch`` (indices into the data set) at the learning rate ``lr``, returning the
batch's loss and how many of its samples the model classified right. ``test() -> (loss,
right)`` measures the held-out test set (``fit(..., test=...)``) with the parameters as they
are, building no graph. ``sync()`` writes the
parameters back to the model (a compiled runner keeps them in an array meanwhile), and
``mode`` says how the steps run. :class:`EagerRunner` runs each step with the engine;
:class:`~autograd_lite.nn._compiled_runner.CompiledRunner` through a compiled program.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Protocol

from ..engine import gc_paused, no_grad
from . import losses as _losses
from ._fit_checks import FitPlan

__all__ = ["Runner", "Batches", "EagerRunner", "is_right"]


class Runner(Protocol):
    """What runs ``fit``'s steps, eagerly or compiled.

    Attributes:
        mode: how the steps run (the compiled program's size, or why they are eager).
        compiled: whether they run through a compiled program.
    """

    mode: str
    compiled: bool

    def step(self, batch: Sequence[int], lr: float | None = None) -> tuple[float, int]:
        """One update on the samples ``batch`` at ``lr``: the batch's loss and how many of
        its samples the model classified right (before the update)."""

    def test(self) -> tuple[float, int]:
        """The test set's loss (L2 term included) and how many of its samples the model
        classifies right, with the parameters as they are; nothing changes."""

    def sync(self) -> None:
        """Write the parameters (and the optimizer's state) back to the model."""


def is_right(out, label) -> bool:
    """Whether one output classifies its sample right (argmax, or the sign for one output)."""
    if isinstance(out, list):
        scores = [o.data for o in out]
        return scores.index(max(scores)) == label
    return (out.data > 0.0) == (label > 0)


class Batches:
    """The batches of a run: the whole data set in order, or ``size`` samples drawn at
    random without replacement, from a generator seeded with ``seed``."""

    def __init__(self, n: int, size: int | None, seed: int):
        self.everything = range(n)
        self.size, self.seed = size, seed
        self.rng = random.Random(seed)

    def draw(self) -> Sequence[int]:
        """The next batch: a range for the whole data set, else a list of indices."""
        if self.size is None:
            return self.everything
        return self.rng.sample(self.everything, self.size)


class EagerRunner:
    """Steps with the engine: forward, loss, backward and update, each step's graph freed
    when it returns, with Python's cyclic collector paused meanwhile if ``pause_gc``."""

    compiled = False

    def __init__(self, model: Callable, plan: FitPlan, mode: str):
        self.model, self.plan, self.l2 = model, plan, plan.l2
        self.pause_gc = plan.pause_gc
        self.mode = mode

    def step(self, batch: Sequence[int], lr: float | None = None) -> tuple[float, int]:
        """One step on ``batch``; the optimizer reads its own learning rate (``lr`` is the
        same number, taken for the common interface)."""
        with gc_paused() if self.pause_gc else nullcontext():
            return self.run(batch)

    def run(self, batch: Sequence[int]) -> tuple[float, int]:
        """One step, the collector as it is; its graph is freed when it returns.

        The gradients are zeroed only once the loss is made, and put back if the backward
        pass or the update fails, so a failed step leaves them as they were.
        """
        plan = self.plan
        outputs = [self.model(plan.X[i]) for i in batch]
        labels = [plan.y[i] for i in batch]
        total = plan.loss_fn(outputs, labels)
        if self.l2:
            total = total + _losses.l2(plan.params, self.l2)
        optimizer = plan.optimizer
        kept = [p.grad for p in optimizer.params]
        optimizer.zero_grad()
        try:
            total.backward()
            optimizer.step()
        except BaseException:
            for p, g in zip(optimizer.params, kept):
                p.grad = g
            raise
        right = sum(is_right(o, t) for o, t in zip(outputs, labels)) if plan.classes else 0
        return total.data, right

    def test(self) -> tuple[float, int]:
        """The test set's loss and right answers, sample by sample with the engine, under
        :func:`~autograd_lite.engine.no_grad` (no graph is kept)."""
        plan = self.plan
        X_test, y_test = plan.test
        with no_grad():
            outputs = [self.model(x) for x in X_test]
            total = plan.loss_fn(outputs, y_test)
            if self.l2:
                total = total + _losses.l2(plan.params, self.l2)
        right = sum(is_right(o, t) for o, t in zip(outputs, y_test)) if plan.classes else 0
        return total.data, right

    def sync(self) -> None:
        """Nothing to write back: the engine updates the model's parameters in place."""
