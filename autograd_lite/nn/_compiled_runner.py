"""The compiled runner of :func:`~autograd_lite.nn.fit`: every step through a compiled loss.

:class:`CompiledRunner` has the eager runner's interface (``step(batch, lr) -> (loss,
right)``, ``sync()``, ``mode``). It hands the compiled path what it declares it needs
(:func:`autograd_lite.compiled.training.prepare`): the model, the loss with its declared
per-sample term, the L2 penalty and the optimizer with its declared update rule. The trace
is sound (a model or loss that reads the numbers of the sample is refused when traced,
and then trains eagerly), so nothing is re-checked while training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..compiled import TraceError
from ..compiled.training import CompiledSteps, prepare
from . import losses as _losses
from ._fit_checks import FitPlan
from ._runners import EagerRunner

__all__ = ["CompiledRunner"]


class CompiledRunner:
    """Steps through a compiled loss (:class:`~autograd_lite.compiled.training.CompiledSteps`)."""

    compiled = True

    def __init__(self, steps: CompiledSteps, how: str):
        self.steps = steps
        self.mode = how

    @classmethod
    def prepare(cls, model: Any, plan: FitPlan, eager: EagerRunner):
        """A compiled runner for the model and loss, or ``eager`` (its ``mode`` saying why
        they do not trace) when ``plan.compiled`` is ``"auto"``.

        Raises:
            TraceError: with ``compiled=True``, saying why they do not trace.
        """
        params, alpha = plan.params, plan.l2
        found, how = prepare(
            model, plan.X, plan.y, plan.loss_fn, plan.optimizer, params,
            penalty=(lambda: _losses.l2(params, alpha)) if alpha else None,
            classes=plan.classes, eager_step=eager.run,
        )  # fmt: skip
        if found is None:
            if plan.compiled is True:
                raise TraceError(f"fit(compiled=True): {how}")
            eager.mode = f"eager: {how}"
            return eager
        return cls(found, how)

    def step(self, batch: Sequence[int], lr: float | None = None) -> tuple[float, int]:
        """One step on ``batch`` at ``lr``; array operations make no reference cycles, so
        the collector need not pause."""
        return self.steps.step(batch, lr)

    def sync(self) -> None:
        """Write the parameters and the optimizer's state back to the model."""
        self.steps.sync()
