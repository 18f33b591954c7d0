"""The compiled runner of :func:`~autograd_lite.nn.fit`: every step through a compiled loss.

:class:`CompiledRunner` has the eager runner's interface (``step(batch, lr) -> (loss,
right)``, ``test()``, ``sync()``, ``mode``). It hands the compiled path what it declares it needs
(:func:`autograd_lite.compiled.training.prepare`): the model, the loss with its declared
per-sample term, the L2 penalty and the optimizer with its declared update rule. The trace
is sound (a model or loss that reads the numbers of the sample is refused when traced,
and then trains eagerly), so nothing is re-checked while training.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..compiled import TraceError
from ..compiled.training import CompiledSteps, prepare
from ..engine import no_grad
from . import losses as _losses
from ._fit_checks import FitPlan
from ._runners import EagerRunner

__all__ = ["CompiledRunner"]


class CompiledRunner:
    """Steps through a compiled loss (:class:`~autograd_lite.compiled.training.CompiledSteps`)."""

    compiled = True

    def __init__(self, steps: CompiledSteps, how: str, eager: EagerRunner):
        self.steps = steps
        self.mode = how
        self.eager = eager  # measures a compiled test loss that is not finite again
        plan = eager.plan
        self.test_set = _test_arrays(steps, eager.model, plan) if plan.test is not None else None

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
        return cls(found, how, eager)

    def step(self, batch: Sequence[int], lr: float | None = None) -> tuple[float, int]:
        """One step on ``batch`` at ``lr``; array operations make no reference cycles, so
        the collector need not pause."""
        return self.steps.step(batch, lr)

    def test(self) -> tuple[float, int]:
        """The test set's loss and right answers through the compiled forward pass (no
        gradient is computed, the last step's is kept); a loss that is not finite is
        measured again by the engine, which raises the error eager training would."""
        rows, labels, target = self.test_set
        program = self.steps.program
        loss, out = program.run(rows, labels, grad=False, outputs=target is not None)
        if loss - loss != 0.0:
            self.sync()
            return self.eager.test()
        if target is None:
            return loss, 0
        if program.outputs_are_list:
            return loss, int(np.count_nonzero(out.argmax(axis=1) == target))
        return loss, int(np.count_nonzero((out[:, 0] > 0.0) == target))

    def sync(self) -> None:
        """Write the parameters and the optimizer's state back to the model."""
        self.steps.sync()


def _test_arrays(steps: CompiledSteps, model: Any, plan: FitPlan) -> tuple:
    """The test set as the compiled program reads it: inputs, label numbers (as the loss
    declares them, ``loss.label_numbers``) and, for class labels, what a right answer is."""
    X_test, y_test = plan.test
    program = steps.program
    labels = y_test
    numbers = getattr(plan.loss_fn, "label_numbers", None)
    if numbers is not None:
        with no_grad():  # the model's output width, for a one-hot of k classes
            out = model(X_test[0])
        width = len(out) if isinstance(out, (list, tuple)) else 0
        labels = [numbers(v, width) for v in y_test]
    rows, labels = program.batch(X_test, labels)
    target = None
    if plan.classes:
        y = np.asarray(y_test, dtype=float)
        target = y if program.outputs_are_list else y > 0
    return rows, labels, target
