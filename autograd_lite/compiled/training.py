"""Training through a compiled loss: what :func:`autograd_lite.nn.train.fit` runs.

:func:`prepare` traces the model and the loss for one sample, through the interface the
package docstring declares, and returns a :class:`CompiledSteps`, or the reason it cannot
(then ``fit`` trains eagerly). Each step runs the program over the batch and updates the
flat array of parameters by the optimizer's declared rule (``optimizer.update``, element
by element, the very function its own ``step`` runs per parameter); an optimizer that
declares none gets the gradients in the parameters' ``grad`` and runs its ``step`` as
usual. The model's parameters (and the optimizer's state) are written back by
:meth:`CompiledSteps.sync`, which ``fit`` calls before each callback and when it ends. A
step whose loss or gradient is not finite is run again by the engine, which raises the
error eager training would (or, if the engine's numbers are finite, continues from them).

The trace is sound, so nothing is re-checked in training: the function could not look at
any number that depends on the sample, its label or the parameters when it was traced.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from itertools import chain, starmap
from operator import setitem

import numpy as np

from ..engine import Value, no_grad
from .program import CompiledLoss
from .tracing import TraceError, trace_function

__all__ = ["CompiledSteps", "prepare"]


def _label_numbers(loss: object, model: Callable, x0, y: Sequence):
    """Every label as the numbers the loss's term reads (``loss.label_numbers``), as an
    array of shape (samples, numbers) or (samples,), and the form of one label."""
    numbers = getattr(loss, "label_numbers", None)
    if numbers is not None:
        with no_grad():  # the model's output width, for a one-hot of k classes
            out = model(x0)
        width = len(out) if isinstance(out, (list, tuple)) else 0
        y = [numbers(v, width) for v in y]
    labels = np.asarray(y, dtype=float)
    if labels.ndim not in (1, 2):
        raise ValueError(f"labels of shape {labels.shape}")
    return labels, ("number" if labels.ndim == 1 else "list")


def prepare(
    model: Callable,
    X: Sequence,
    y: Sequence,
    loss: Callable,
    optimizer: object,
    params: Sequence[Value],
    *,
    penalty: Callable[[], Value] | None = None,
    classes: bool,
    eager_step: Callable,
) -> tuple[CompiledSteps | None, str]:
    """Trace ``loss.per_sample(model(x), label)`` and make the steps, or say why not.

    Returns:
        ``(steps, description)``, or ``(None, reason)`` when the model and loss do not trace.
    """
    per_sample = getattr(loss, "per_sample", None)
    if per_sample is None:
        return None, (
            "the loss function does not declare its per-sample term (loss.per_sample): "
            "nothing tells whether a function of a batch is a mean over its samples "
            "(autograd_lite.nn.losses.mean_loss makes a loss that says so)"
        )
    try:
        rows = np.asarray(X, dtype=float)
        if rows.ndim not in (1, 2):
            raise ValueError(f"samples of shape {rows.shape}")
        labels, form = _label_numbers(loss, model, X[0], y)
    except (TypeError, ValueError) as err:
        return None, f"the samples or labels are not numbers of one shape ({err})"

    def fn(x, label):
        out = model(x)
        return per_sample(out, label), out

    try:
        trace = trace_function(
            fn,
            params,
            1 if rows.ndim == 1 else rows.shape[1],
            scalar_input=rows.ndim == 1,
            n_labels=1 if form == "number" else labels.shape[1],
            label_form=form,
            penalty=penalty,
        )
    except TraceError as err:
        return None, str(err)
    except Exception as err:  # on Values standing for the sample, as the engine would not
        return None, (
            f"tracing the model and loss raised {type(err).__name__}: {err} (a label or "
            "an input is a Value standing for any sample there, not a number: code that "
            "looks it up, as a dict key, cannot be traced)"
        )
    program = CompiledLoss(trace, params)
    steps = CompiledSteps(program, rows, labels, y, optimizer, classes, eager_step)
    return steps, f"compiled: {len(program.program)} array operations per step"


class CompiledSteps:
    """Training steps through a program; the parameters live in ``program.flat`` meanwhile."""

    def __init__(self, program: CompiledLoss, rows, labels, y, optimizer, classes, eager_step):
        self.program = program
        self.rows, self.labels = program.batch(rows, labels)
        # what a right answer is, per sample: the class, or the sign of a ±1 label
        self.target = None
        if classes:
            y = np.asarray(y, dtype=float)
            self.target = y if program.outputs_are_list else y > 0
        self.classes = classes
        self.optimizer = optimizer
        self.eager_step = eager_step
        self.update = _flat_update(optimizer, program)
        # parameters the optimizer does not update: the engine's steps zero only the
        # optimizer's gradients, so theirs add up from step to step, as here in `summed`
        covered = set(optimizer.params)
        self.uncovered = np.array(
            [i for i, p in enumerate(program.layout) if p not in covered], dtype=np.intp
        )
        program.pull()
        self.update.pull()
        self._pull_summed()
        # program.grad is newer than the parameters' grad slots (a step succeeded since the
        # last sync); the previous step's gradient is kept, for a step that fails
        self.fresh = False
        self.previous = np.zeros_like(program.grad)

    def _pull_summed(self) -> None:
        layout = self.program.layout
        self.summed = np.array([layout[i].grad for i in self.uncovered], dtype=float)

    def _batch(self, batch: Sequence[int]):
        if isinstance(batch, range) and len(batch) == len(self.rows):
            return self.rows, self.labels, self.target
        index = np.fromiter(batch, dtype=np.intp, count=len(batch))
        target = None if self.target is None else self.target[index]
        return self.rows[index], self.labels[index], target

    def step(self, batch: Sequence[int], lr: float | None = None) -> tuple[float, int]:
        """One step on the samples ``batch`` (a range or a list of indices), at the learning
        rate ``lr`` (the optimizer's current one if None): (loss, right)."""
        program = self.program
        rows, labels, target = self._batch(batch)
        grad = program.grad
        was_fresh = self.fresh
        if was_fresh:
            np.copyto(self.previous, grad)
        if lr is None:
            lr = self.optimizer.current_lr()
        steps = self.optimizer.steps
        try:
            with np.errstate(all="ignore"):
                loss, out = program.run_unchecked(rows, labels, self.classes)
                # the update tests its result, and a gradient that is not finite makes it so
                ok = loss - loss == 0.0 and self.update.step(lr)
            if ok:
                self.fresh = True
                right = self._after(out, target)
        except BaseException:
            # Ctrl-C: the update is committed all at once (see _Flat.step), so the step
            # happened or not; if not, its gradient is not kept either
            if self.optimizer.steps == steps:
                if was_fresh:
                    np.copyto(grad, self.previous)
                self.fresh = was_fresh
            else:
                self.fresh = True
            raise
        if not ok:
            if was_fresh:
                np.copyto(grad, self.previous)
            return self._eager(batch)
        return loss, right

    def _after(self, out, target) -> int:
        """What a committed step adds up: the gradients of uncovered parameters, and how
        many samples it classed right."""
        if len(self.uncovered):
            self.summed += self.program.grad[self.uncovered]
        if not self.classes:
            return 0
        if self.program.outputs_are_list:
            return int(np.count_nonzero(out.argmax(axis=1) == target))
        return int(np.count_nonzero((out[:, 0] > 0.0) == target))

    def _eager(self, batch):
        """Run the step with the engine (a non-finite number: its error, or its numbers)."""
        self.sync()
        result = self.eager_step(batch)
        self.program.pull()
        self.update.pull()
        self._pull_summed()
        return result

    def sync(self) -> None:
        """Write the parameters, their gradients and the optimizer's state back."""
        self.program.push(grads=self.fresh)
        self.fresh = False
        layout = self.program.layout
        for i, g in zip(self.uncovered.tolist(), self.summed.tolist()):
            layout[i].grad = g
        self.update.push()


def _flat_update(optimizer, program: CompiledLoss):
    """The optimizer's declared rule on the flat array, or its own ``step`` if it has none
    (or updates a Value the program does not know)."""
    at = {p: i for i, p in enumerate(program.layout)}
    index = [at.get(p) for p in optimizer.params]
    if getattr(optimizer, "update", None) is None or any(i is None for i in index):
        return _ByOptimizer(optimizer, program)
    return _Flat(optimizer, program, index)


class _ByOptimizer:
    """Any optimizer: gradients and values go through the Values, and its own ``step``."""

    def __init__(self, optimizer, program):
        self.optimizer, self.program = optimizer, program

    def step(self, lr) -> bool:
        s = self.program.grad.sum()
        if s - s != 0.0:  # not finite: the engine's step raises the optimizer's error
            return False
        self.program.push(grads=True)
        self.optimizer.step()
        self.program.pull()
        return True

    def pull(self):
        pass

    def push(self):
        pass


class _Flat:
    """The optimizer's ``update`` on the flat array; ``step`` returns False, changing
    nothing, when the update would not be finite (the engine's step then raises the error)."""

    def __init__(self, optimizer, program, index: list[int]):
        self.optimizer, self.program = optimizer, program
        self.names = tuple(optimizer.state_names)
        # index[i]: where the optimizer's i-th parameter sits in the flat array. When the
        # optimizer updates every parameter, the update runs on the flat array as it is
        # (the rule is element by element) and only its state is put in the optimizer's
        # order, in pull and push; otherwise its parameters are gathered and scattered.
        self.order = None
        self.index = np.array(index, dtype=np.intp)
        if len(index) == len(program.flat) and len(set(index)) == len(index):
            self.order, self.index = self.index, None
        self.state: list[np.ndarray] = []

    def step(self, lr) -> bool:
        opt = self.optimizer
        g, flat = self.program.grad, self.program.flat
        x = flat if self.index is None else flat[self.index]
        if self.index is not None:
            g = g[self.index]
        t = opt.steps + 1
        new, *state = opt.update(lr, t, x, g, *self.state)
        s = new.sum()
        for b in state:
            s += b.sum()
        if s - s != 0.0:
            return False
        # NOTE: one call in C writes the parameters, the state and the step count (starmap,
        # setitem on an array, map and setattr all run in C): a Ctrl-C lands before the
        # step or after it, never between its parts
        where = slice(None) if self.index is None else self.index
        writes = chain(
            starmap(setitem, [(flat, where, new)]),
            map(setattr, (self, opt), ("state", "steps"), (state, t)),
        )
        deque(writes, maxlen=0)
        return True

    def pull(self):
        """Read the optimizer's state (lists in its order) into arrays in the flat order."""
        self.state = []
        for name in self.names:
            values = getattr(self.optimizer, name)
            if self.order is None:
                self.state.append(np.array(values, dtype=float))
            else:
                array = np.empty(len(self.order))
                array[self.order] = values
                self.state.append(array)

    def push(self):
        """Write the state back into the optimizer, as lists in its own order."""
        for name, array in zip(self.names, self.state):
            setattr(
                self.optimizer, name, (array if self.order is None else array[self.order]).tolist()
            )
