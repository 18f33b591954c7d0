"""Training through a compiled program: what :func:`autograd_lite.nn.train.fit` runs.

:func:`prepare` traces the model and the loss for one sample and returns a
:class:`CompiledSteps`, or the reason it cannot (then ``fit`` trains eagerly). Each step
runs the program over the batch and updates the flat array of parameters with the
optimizer's own rule written on arrays (:class:`SGD` and :class:`Adam`: the same arithmetic,
element by element, as their ``step``); any other optimizer gets the gradients in the
parameters' ``grad`` and runs its ``step`` as usual. The model's parameters (and the
optimizer's state) are written back by :meth:`CompiledSteps.sync`, which ``fit`` calls before
each callback and when it ends. A step whose loss or gradient is not finite is run again
by the engine, which raises the error eager training would (or, if the engine's numbers are
finite, continues from them).

Parameters change in training, and code that branches on ``.data`` may take another path
later than the trace saw. ``fit`` therefore re-checks the graph now and then
(:meth:`CompiledSteps.due`, :meth:`CompiledSteps.verify`: the engine's forward pass on the
step's batch, compared with the trace) and at the last step, keeping a checkpoint of the
parameters and the optimizer at the last check that passed, to go back to when one fails.
The library's own models and losses never branch on ``.data`` (:func:`takes_one_path`):
for them the trace compares a few samples, enough to find the label's constants, and
training is not re-checked.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence

import numpy as np

from ..engine import Value
from .program import Program
from .tracing import TraceError, record

__all__ = ["CompiledSteps", "prepare"]

CHECK_BUDGET = 0.04
"""The re-checks of the graph take at most about this fraction of the compiled steps' time
(plus the one at the last step)."""
MIN_CHECK_EVERY = 25
"""Steps at least between two re-checks (other than the one at the last step)."""


ONE_PATH_SAMPLES = 16
"""Samples compared at trace time for code known to take one path (plus one of each label,
or samples whose labels span the data's): enough to tell the constants that come from the
label (``y`` in ``1 - y·s``) from fixed ones, and how they do."""


def takes_one_path(model: object, loss_fn: object) -> bool:
    """Whether the model and the loss are the library's own, which never branch on ``.data``
    (every choice they make is inside a primitive of the ops table), so that their graph is
    the same for every sample and every parameter value: an :class:`~autograd_lite.nn.MLP`,
    :class:`~autograd_lite.nn.Layer` or :class:`~autograd_lite.nn.Neuron` (not a subclass,
    nor one whose forward was replaced) and one of the library's losses (mse, hinge,
    binary_cross_entropy, softmax_cross_entropy: the functions themselves, not whatever
    :data:`~autograd_lite.nn.losses.LOSSES` may have been given since).
    """
    from ..nn.layers import MLP, Layer, Neuron

    if not any(loss_fn is f for f in _LIBRARY_LOSSES):
        return False
    if type(model) is MLP:
        forwards = [f for fs in model._forwards for f in fs]
        neurons = [n for layer in model.layers for n in layer.neurons]
        if type(model).__call__ is not _MLP_CALL or len(forwards) != len(neurons):
            return False
    elif type(model) is Layer:
        neurons = list(model.neurons)
        forwards = [n._forward for n in neurons]
        if type(model).__call__ is not _LAYER_CALL:
            return False
    elif type(model) is Neuron:
        neurons, forwards = [model], [model._forward]
        if type(model).__call__ is not _NEURON_CALL:
            return False
    else:
        return False
    return all(
        type(n) is Neuron
        and getattr(f, "__self__", None) is n
        and getattr(f, "__func__", None) is _NEURON_FORWARD
        and n._act in (None, "relu", "tanh", "sigmoid")
        for f, n in zip(forwards, neurons)
    )


def _library_methods():
    from ..nn.layers import MLP, Layer, Neuron
    from ..nn.losses import binary_cross_entropy, hinge, mse, softmax_cross_entropy

    losses = (mse, hinge, binary_cross_entropy, softmax_cross_entropy)
    return MLP.__call__, Layer.__call__, Neuron.__call__, Neuron._forward, losses


_MLP_CALL, _LAYER_CALL, _NEURON_CALL, _NEURON_FORWARD, _LIBRARY_LOSSES = _library_methods()


def _is_mean(model, loss_fn, X, y) -> bool:
    """Whether a loss function of the user's is the mean of its per-sample values."""
    m = min(3, len(X))
    if m < 2:
        return True
    outs = [model(X[i]) for i in range(m)]
    whole = loss_fn(outs, list(y[:m])).data
    parts = [loss_fn([o], [y[i]]).data for i, o in enumerate(outs)]
    mean = sum(parts) / m
    return abs(whole - mean) <= 1e-12 * max(1.0, abs(mean))


def prepare(
    model: Callable,
    X: Sequence,
    y: Sequence,
    loss_fn: Callable,
    optimizer: object,
    params: Sequence[Value],
    *,
    l2: float,
    classes: bool,
    eager_step: Callable,
) -> tuple[CompiledSteps | None, str]:
    """Trace ``loss_fn([model(x)], [label])`` and make the steps, or say why not.

    Returns:
        ``(steps, description)``, or ``(None, reason)`` when the model and loss do not trace.
    """
    library_loss = any(loss_fn is f for f in _LIBRARY_LOSSES)  # not whatever LOSSES holds
    if not library_loss and not _is_mean(model, loss_fn, X, y):
        return None, "the loss function is not the mean of its per-sample values"
    try:
        rows = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        return None, "the samples are not lists of numbers"
    if rows.ndim not in (1, 2):
        return None, "the samples are not lists of numbers"

    def per_sample(x, label):
        out = model(x)
        return loss_fn([out], [label]), out

    penalty = None
    if l2:
        from ..nn.losses import l2 as l2_term

        def penalty():
            return l2_term(params, l2)

    one_path = takes_one_path(model, loss_fn)
    samples = ONE_PATH_SAMPLES if one_path else 0  # 0: the tracer's own number
    start = time.perf_counter()
    try:
        trace_ = record(per_sample, params, rows, y, penalty=penalty, samples=samples)
        program = Program(trace_, params)
    except TraceError as err:
        return None, str(err)
    per_sample_check = (time.perf_counter() - start) / len(rows)
    steps = CompiledSteps(program, rows, y, optimizer, classes, eager_step)
    steps.check_seconds = per_sample_check
    steps.one_path = one_path
    how = f"compiled: {len(program.program)} array operations per step"
    if one_path:
        how += " (the library's model and loss: one path, no re-checks)"
    return steps, how


class CompiledSteps:
    """Training steps through a program; the parameters live in ``program.flat`` meanwhile."""

    def __init__(self, program: Program, rows, y, optimizer, classes: bool, eager_step):
        self.program = program
        self.rows, self.labels = program.batch(rows, y)
        self.y = np.asarray(y, dtype=float) if classes else None
        # what a right answer is, per sample: the class, or the sign of a ±1 label
        self.target = None
        if classes:
            self.target = self.y if program.outputs_are_list else self.y > 0
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
        self.y_list = list(y)
        # the re-checks: seconds per sample of the last one, the step it ran before, and the
        # seconds of compiled steps since (fit adds them)
        self.check_seconds = 0.0
        self.checked_at = 1
        # the model and loss are the library's, which take one path: nothing to re-check
        self.one_path = False
        self.stepped = 0.0

    def due(self, k: int, last: int, size: int) -> bool:
        """Whether to re-check the graph before step ``k`` (of ``last``) on ``size`` samples:
        at the last step, and when the compiled steps since the last check took long enough
        that a check costs at most :data:`CHECK_BUDGET` of their time."""
        if k <= 1 or self.one_path:
            return False
        if k != last and (
            k - self.checked_at < MIN_CHECK_EVERY
            or self.stepped * CHECK_BUDGET < self.check_seconds * size
        ):
            return False
        self.checked_at = k
        return True

    def verify(self, batch: Sequence[int]) -> None:
        """Check, with the engine, that the samples of ``batch`` build the traced graph at
        the current parameters (written back to the model first).

        Raises:
            TraceError: naming the first node that differs.
        """
        self.sync()
        start = time.perf_counter()
        index = list(batch)
        self.program.trace.check(self.rows[index], [self.y_list[i] for i in index])
        self.check_seconds = (time.perf_counter() - start) / max(1, len(index))
        self.stepped = 0.0

    def checkpoint(self) -> tuple[list[float], list[float], dict]:
        """The parameters, their gradients and the optimizer's state (after :meth:`sync`)."""
        params = self.program.layout
        state = {k: v for k, v in vars(self.optimizer).items() if k != "params"}
        return [p.data for p in params], [p.grad for p in params], copy.deepcopy(state)

    def restore(self, saved: tuple[list[float], list[float], dict]) -> None:
        """Put back what :meth:`checkpoint` kept, in the model, the optimizer and here."""
        data, grads, state = saved
        for p, v, g in zip(self.program.layout, data, grads):
            p.data, p.grad = v, g
        vars(self.optimizer).update(copy.deepcopy(state))
        self.program.pull()
        self.update.pull()
        self._pull_summed()
        self.fresh = False

    def _pull_summed(self) -> None:
        layout = self.program.layout
        self.summed = np.array([layout[i].grad for i in self.uncovered], dtype=float)

    def step(self, batch: Sequence[int], lr: float | None = None) -> tuple[float, int]:
        """One step on the samples ``batch`` (a range or a list of indices), at the learning
        rate ``lr`` (the optimizer's current one if None): (loss, right)."""
        program = self.program
        if isinstance(batch, range) and len(batch) == len(self.rows):
            rows, labels, target = self.rows, self.labels, self.target
        else:
            index = np.fromiter(batch, dtype=np.intp, count=len(batch))
            rows, labels = self.rows[index], self.labels[index]
            target = None if self.target is None else self.target[index]
        grad = program.grad
        was_fresh = self.fresh
        if was_fresh:
            np.copyto(self.previous, grad)
        if lr is None:
            lr = self.optimizer.current_lr()
        with np.errstate(all="ignore"):
            loss, out = program.run_unchecked(rows, labels, self.classes)
            # the update tests its result, and a gradient that is not finite makes it so
            ok = loss - loss == 0.0 and self.update.step(lr)
        if not ok:
            if was_fresh:
                np.copyto(grad, self.previous)
            return self._eager(batch)
        self.fresh = True
        if len(self.uncovered):
            self.summed += grad[self.uncovered]
        right = 0
        if self.classes:
            if program.outputs_are_list:
                right = int(np.count_nonzero(out.argmax(axis=1) == target))
            else:
                right = int(np.count_nonzero((out[:, 0] > 0.0) == target))
        return loss, right

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


def _flat_update(optimizer, program: Program):
    from ..nn.optim import SGD, Adam

    at = {p: i for i, p in enumerate(program.layout)}
    index = [at.get(p) for p in optimizer.params]
    if any(i is None for i in index):
        return _ByOptimizer(optimizer, program)
    if type(optimizer) is SGD:
        return _SGD(optimizer, program, index)
    if type(optimizer) is Adam:
        return _Adam(optimizer, program, index)
    return _ByOptimizer(optimizer, program)


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
    """An optimizer's update on the flat array; ``step`` returns False, changing nothing,
    when the update would not be finite (the engine's step then raises the error)."""

    def __init__(self, optimizer, program, index: list[int]):
        self.optimizer, self.program = optimizer, program
        # index[i]: where the optimizer's i-th parameter sits in the flat array. When the
        # optimizer updates every parameter, the update runs on the flat array as it is
        # (the rule is element by element) and only its state is put in the optimizer's
        # order, in pull and push; otherwise its parameters are gathered and scattered.
        self.order = None
        self.index = np.array(index, dtype=np.intp)
        if len(index) == len(program.flat) and len(set(index)) == len(index):
            self.order, self.index = self.index, None

    def _state_in(self, values) -> np.ndarray:
        """An optimizer's per-parameter state (a list, its order) as an array for here."""
        if self.order is None:
            return np.array(values, dtype=float)
        out = np.empty(len(self.order))
        out[self.order] = values
        return out

    def _state_out(self, array: np.ndarray) -> list[float]:
        return (array if self.order is None else array[self.order]).tolist()

    def _grad_and_data(self):
        g, flat = self.program.grad, self.program.flat
        return (g, flat) if self.index is None else (g[self.index], flat[self.index])

    def _commit(self, new, *buffers) -> bool:
        s = new.sum()
        for b in buffers:
            s += b.sum()
        if s - s != 0.0:
            return False
        if self.index is None:
            self.program.flat[:] = new
        else:
            self.program.flat[self.index] = new
        return True


class _SGD(_Flat):
    """:class:`~autograd_lite.nn.optim.SGD`'s step on arrays, element for element."""

    def step(self, lr) -> bool:
        opt = self.optimizer
        g, x = self._grad_and_data()
        mu, wd = opt.momentum, opt.weight_decay
        if wd:
            g = g + wd * x
        if mu:
            v = mu * self.v + g
            if not self._commit(x - lr * v, v):
                return False
            self.v = v
        elif not self._commit(x - lr * g):
            return False
        opt.steps += 1
        return True

    def pull(self):
        self.v = self._state_in(self.optimizer.velocity)

    def push(self):
        self.optimizer.velocity = self._state_out(self.v)


class _Adam(_Flat):
    """:class:`~autograd_lite.nn.optim.Adam`'s step on arrays, element for element."""

    def step(self, lr) -> bool:
        opt = self.optimizer
        g, x = self._grad_and_data()
        b1, b2 = opt.betas
        if opt.weight_decay:
            g = g + opt.weight_decay * x
        t = opt.steps + 1
        c1 = 1.0 - b1**t
        c2 = 1.0 - b2**t
        m = b1 * self.m + (1.0 - b1) * g
        v = b2 * self.v + (1.0 - b2) * g * g
        if not self._commit(x - lr * (m / c1) / (np.sqrt(v / c2) + opt.eps), m, v):
            return False
        self.m, self.v = m, v
        opt.steps = t
        return True

    def pull(self):
        self.m = self._state_in(self.optimizer.m)
        self.v = self._state_in(self.optimizer.v)

    def push(self):
        self.optimizer.m = self._state_out(self.m)
        self.optimizer.v = self._state_out(self.v)
