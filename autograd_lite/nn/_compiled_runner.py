"""The compiled runner of :func:`~autograd_lite.nn.fit`: every step through a compiled program.

:class:`CompiledRunner` has the eager runner's interface (``step(batch, lr) -> (loss,
right)``, ``sync()``, ``mode``) and holds everything the compiled path needs: tracing
(:func:`autograd_lite.compiled.training.prepare`), the re-checks of the graph for code of
the user's (due, verify, a checkpoint at the last check that passed) and, when one fails,
the return to that checkpoint. Then it trains eagerly from there on and raises
:class:`Rewind`, which tells ``fit`` to go back to that step (or, with ``compiled=True``,
raises the :class:`~autograd_lite.compiled.TraceError`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

from ..compiled.tracing import TraceError
from ..compiled.training import CompiledSteps, prepare
from ..engine import gc_paused
from ._fit_checks import FitPlan
from ._runners import EagerRunner, Rewind

__all__ = ["CompiledRunner"]


class CompiledRunner:
    """Steps through a compiled program, falling back to ``eager`` when a re-check fails."""

    def __init__(self, steps: CompiledSteps, how: str, eager: EagerRunner, *, total: int,
                 insist: bool):  # fmt: skip
        self.steps: CompiledSteps | None = steps
        self.mode = how
        self.compiled = True
        self.eager = eager
        self.total, self.insist = total, insist
        self.k = 0  # the steps run so far
        # the last step whose check passed, and the parameters and optimizer before it
        self.good = (1, steps.checkpoint())

    @classmethod
    def prepare(cls, model: Any, plan: FitPlan, eager: EagerRunner):
        """A compiled runner for the model and loss, or ``eager`` (its ``mode`` saying why
        they do not trace) when ``plan.compiled`` is ``"auto"``.

        Raises:
            TraceError: with ``compiled=True``, saying why they do not trace.
        """
        found, how = prepare(
            model, plan.X, plan.y, plan.loss_fn, plan.optimizer, plan.params, l2=plan.l2,
            classes=plan.classes, eager_step=eager.run,
        )  # fmt: skip
        if found is None:
            if plan.compiled is True:
                raise TraceError(f"fit(compiled=True): {how}")
            eager.mode = f"eager: {how}"
            return eager
        return cls(found, how, eager, total=plan.steps, insist=plan.compiled is True)

    def step(self, batch: Sequence[int], lr: float | None = None) -> tuple[float, int]:
        """One step on ``batch`` at ``lr``, after a re-check of the graph when one is due.

        Raises:
            Rewind: when the re-check finds the graph changed (``compiled="auto"``).
            TraceError: when it does with ``compiled=True``.
        """
        if self.steps is None:
            return self.eager.step(batch, lr)
        self.k += 1
        if self.steps.due(self.k, self.total, len(batch)):
            self._verify(batch)
        # array operations make no reference cycles: the collector need not pause
        started = time.perf_counter()
        result = self.steps.step(batch, lr)
        self.steps.stepped += time.perf_counter() - started
        return result

    def _verify(self, batch: Sequence[int]) -> None:
        try:
            with gc_paused() if self.eager.pause_gc else nullcontext():
                self.steps.verify(batch)
        except TraceError as err:
            self._fall_back(err)
        self.good = (self.k, self.steps.checkpoint())

    def _fall_back(self, err: TraceError) -> None:
        """Back to the last good checkpoint, eager from there on; say so by raising."""
        found = self.k
        k, saved = self.good
        self.steps.restore(saved)
        self.steps = None
        self.compiled = False
        why = f"the graph changed in training, found before step {found}"
        if self.insist:
            raise TraceError(
                f"fit(compiled=True): {why}; the parameters are back as they were "
                f"before step {k}, the last step checked. The code branches on "
                f".data, so the compiled program (one path for every sample) no "
                f"longer computes what it does; train with compiled=False, or "
                f"write it without the branch. {err}"
            ) from None
        self.mode = (
            f"{self.mode}; eager from step {k} on: {why} (the code branches on .data): {err}"
        )
        raise Rewind(k, why, err)

    def sync(self) -> None:
        """Write the parameters and the optimizer's state back to the model."""
        if self.steps is not None:
            self.steps.sync()
