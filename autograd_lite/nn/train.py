"""Training a model on a data set: :func:`fit`, its :class:`History`, and :func:`accuracy`.

:func:`fit` is the fast way to train. By default it traces the model and the loss for one
sample and runs every step as array operations over the whole batch
(:mod:`autograd_lite.compiled`), with the same losses, updates and batches as the engine
would give; a model or loss that does not trace (code that branches on ``.data``) trains
eagerly, each step (forward, loss, backward, update) with Python's cyclic garbage collector
paused (:class:`autograd_lite.engine.gc_paused`, which says why). Either way the model's
parameters hold the trained values when a callback runs and when ``fit`` returns. The
model and the loss's declared per-sample term (``loss.per_sample``) are traced once, on
Values standing for any sample: code that reads their numbers is refused then, and a loss
function that declares no per-sample term trains eagerly.

``fit(..., test=(X_test, y_test))`` measures a held-out test set at every step, before its
update, with the parameters the batch's loss was measured on: its loss (L2 term included,
as in training) and accuracy go to ``history.test_loss`` and ``history.test_accuracy``, the
progress bar, the printed lines and the record. No graph is built for it: eager runs call
the model sample by sample under :func:`~autograd_lite.engine.no_grad`, compiled runs the
compiled forward pass over the whole test set (no backward pass). Either way each step
pays for one forward pass over the test set, about a third of a training step on as many
samples; :func:`~autograd_lite.nn.data.split` holds a test set out of a data set.

``fit`` is made of parts: the checks of everything it is given, before anything changes
(:mod:`~autograd_lite.nn._fit_checks`; a step that fails anyway leaves the gradients as they
were before it); a runner, eager or compiled, with one method ``step(batch, lr) -> (loss,
right)`` (:mod:`~autograd_lite.nn._runners`, :mod:`~autograd_lite.nn._compiled_runner`);
and the observers that watch the run (:mod:`~autograd_lite.nn.observers`: printing, the
progress bar, the record, the callback, and yours, such as ``viz.LiveView``), told of every
step by a short loop.

Example:
    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.nn.data import xor
    >>> X, y = xor(40, seed=0)
    >>> model = MLP(2, [8, 1], seed=2)
    >>> history = fit(model, X, y, loss="hinge", steps=60)
    >>> history.accuracy[-1] > 0.9, accuracy(model, X, y) > 0.9
    (True, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ..checks import is_bool, is_finite_real, short_repr
from ..engine import Value, no_grad
from ._fit_checks import FitPlan, check_fit, check_lengths, check_samples
from ._runners import Batches, EagerRunner, Runner, is_right
from .history import History
from .observers import Callback, Observer, Printer, ProgressBar, Recording
from .optim import Optimizer, Schedule


class Trainable(Protocol):
    """What :func:`fit` needs of a model: it maps one sample to its output(s) and has
    parameters (every :mod:`autograd_lite.nn` module is one)."""

    def __call__(self, x: Any) -> Value | list[Value]:
        """The output(s) for one sample."""

    def parameters(self) -> list[Value]:
        """The Values the optimizer updates."""


__all__ = ["History", "fit", "accuracy"]


def accuracy(model: Callable, X: Sequence, y: Sequence) -> float:
    """The fraction of samples the model classifies right, evaluated without building a graph.

    One output: the sample is right when the sign of the score matches the label's (labels
    ±1, or 0/1 where 0 counts as negative). Several outputs: when the largest output's index
    is the label (0 .. k-1).

    Args:
        model: a callable model, such as an MLP.
        X: the input samples.
        y: the labels.

    Returns:
        A number between 0 and 1.

    Raises:
        ValueError: if X and y differ in length or are empty, or a sample or a label is
            not a finite number; the message names its index.
        TypeError: if X or y is not a sequence, or a sample or a label is not a number.

    Example:
        >>> from autograd_lite.nn import Neuron
        >>> first = Neuron(2, activation="linear")
        >>> first.w[0].data, first.w[1].data = 1.0, 0.0    # its score is the first input
        >>> X = [[1.0, 5.0], [-2.0, 5.0], [0.5, 5.0], [3.0, -1.0]]
        >>> accuracy(first, X, [1, -1, -1, 1])             # the third sample is wrong
        0.75
    """
    n = check_lengths(X, y, "accuracy")
    check_samples(model, X, "accuracy")
    for i, t in enumerate(y):
        if is_bool(t) or not is_finite_real(t):
            raise (TypeError if is_bool(t) else ValueError)(
                f"accuracy: y[{i}] must be a finite number (a class label), got "
                f"{type(t).__name__}: {short_repr(t)}"
            )
    with no_grad():
        right = sum(is_right(model(x), label) for x, label in zip(X, y))
    return right / n


def fit(
    model: Trainable,
    X: Sequence,
    y: Sequence,
    loss: str | Callable[[list, list], Value] = "hinge",
    optimizer: Optimizer | None = None,
    *,
    test: tuple[Sequence, Sequence] | None = None,
    steps: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    lr: float | Schedule | None = None,
    seed: int = 0,
    verbose: bool | int = False,
    callback: Callable[[int, History], bool | None] | None = None,
    pause_gc: bool = True,
    compiled: bool | str = "auto",
    progress: bool | None = None,
    record: int | None = None,
    grid_size: int = 50,
    observers: Sequence[Observer] = (),
) -> History:
    """Train ``model`` on ``(X, y)`` for a number of steps; see the module docstring for
    how the steps run (``compiled``).

    Each step: zero the gradients, run the model on a batch, compute the loss (plus
    ``l2 · Σ p²``), backpropagate, and let the optimizer update the parameters.

    Args:
        model: a module with ``parameters()`` that maps one sample to its output(s), such
            as an :class:`~autograd_lite.nn.MLP`.
        X: the input samples (lists of numbers, or 1-D arrays).
        y: the labels, in the loss's convention.
        loss: ``"hinge"``, ``"binary_cross_entropy"``, ``"softmax_cross_entropy"``,
            ``"mse"``, or a function ``loss(outputs, labels) -> Value``.
        optimizer: the optimizer; by default ``SGD(model.parameters(), lr)``.
        test: held-out ``(X_test, y_test)`` (:func:`~autograd_lite.nn.data.split`), checked
            as ``X`` and ``y`` are, measured at every step (see the module docstring).
        steps: number of update steps.
        batch_size: samples per step, drawn at random without replacement; None for the
            whole data set every step (full batch, in order).
        l2: L2 regularisation strength (0 for none).
        lr: the default optimizer's learning rate, a number or a function ``step -> lr``
            (micrograd's ``linear_schedule(1.0, 0.1, steps)`` if None); not with ``optimizer``.
        seed: seed of the batch sampling.
        verbose: print step, loss and accuracy every ``steps // 10`` steps (True) or every
            ``verbose`` steps (an integer), and at the last step.
        callback: called as ``callback(step, history)`` after each step (step counts from
            1), the model's parameters up to date; returning True stops training early.
        pause_gc: pause Python's cyclic garbage collector during each eager step.
        compiled: ``"auto"`` runs the steps as array operations when the model and loss
            trace, eagerly otherwise (``History.mode`` says which); ``True`` insists (a
            :class:`~autograd_lite.compiled.TraceError` says why it cannot); ``False``
            trains with the engine. Either way the losses agree to about 1e-15.
        progress: show a tqdm progress bar with the loss and accuracy; None (the default)
            shows it when someone is watching (a terminal, a notebook) and not ``verbose``.
        record: take a snapshot every ``record`` steps, before the first and after the last
            (:class:`~autograd_lite.nn.record.TrainingRecord`, kept as ``history.record``):
            every parameter, the loss and accuracy on the whole training set and, for
            two-input data, the model's output on a grid. None records nothing.
        grid_size: the grid's points per side for two-input data (2 to 200).
        observers: more :class:`~autograd_lite.nn.observers.Observer` objects to tell of
            every step, such as ``viz.LiveView()``, which redraws the run in a notebook.

    Returns:
        The :class:`History` of the run.

    Raises:
        ValueError: for mismatched or empty data (training or test), a sample or label not
            finite or not in the loss's convention, a bad setting or loss name, or both
            ``optimizer`` and ``lr``; all before the first step (messages name the sample).
        TypeError: for data that is not a sequence, or a sample, a label or a setting of
            the wrong type (booleans are not numbers).
    """
    plan = check_fit(
        model, X, y, loss, optimizer, steps=steps, batch_size=batch_size, l2=l2, lr=lr,
        seed=seed, verbose=verbose, callback=callback, pause_gc=pause_gc, compiled=compiled,
        progress=progress, record=record, grid_size=grid_size, observers=observers, test=test,
    )  # fmt: skip
    return _run(model, plan, callback)


def _run(model: Trainable, plan: FitPlan, callback: Callable | None) -> History:
    """The checked run: make the runner and the observers, train, close the observers."""
    history = History()
    start = time.perf_counter()
    runner = make_runner(model, plan)
    history.mode, history.compiled = runner.mode, runner.compiled
    observers = _observers(model, plan, runner, callback)
    for observer in observers:
        observer.start(history, plan.steps)
    batches = Batches(len(plan.X), plan.batch_size, plan.seed)
    completed = False
    try:
        _train(runner, batches, observers, history, plan)
        completed = True
    finally:
        runner.sync()
        history.seconds = time.perf_counter() - start
        for observer in observers:
            observer.close(completed)
    return history


def make_runner(model: Trainable, plan: FitPlan) -> Runner:
    """The runner ``plan.compiled`` asks for: eager for False; for ``"auto"`` compiled when
    the model and loss trace, else eager (its ``mode`` says why); for True compiled or a
    :class:`~autograd_lite.compiled.TraceError`."""
    if plan.compiled is False:
        return EagerRunner(model, plan, "eager: compiled=False")
    # the compiled path loads numpy: only now; where there is none (a browser), "auto" is eager
    try:
        from ._compiled_runner import CompiledRunner
    except ModuleNotFoundError as err:
        if plan.compiled is True or err.name != "numpy":
            raise
        return EagerRunner(model, plan, "eager: the compiled path needs numpy, not installed")
    return CompiledRunner.prepare(model, plan, EagerRunner(model, plan, ""))


def _train(runner: Runner, batches: Batches, observers: list[Observer], history: History,
           plan: FitPlan) -> None:  # fmt: skip
    """The loop: draw a batch, measure the test set (if any), step, note the step, tell the
    observers; ``steps`` times, or until an observer says stop."""
    k, steps = 0, plan.steps
    tested = plan.test is not None
    while k < steps:
        k += 1
        batch = batches.draw()
        lr = plan.optimizer.current_lr()
        # on the parameters the batch's loss is measured on, before the update
        test = runner.test() if tested else None
        loss, right = runner.step(batch, lr)
        accuracy = right / len(batch) if plan.classes else None
        history.loss.append(loss)
        history.accuracy.append(accuracy)
        history.lr.append(lr)
        if tested:
            _note_test(history, plan, *test)
        stop = False
        for observer in observers:
            stop = observer.on_step(k, loss, accuracy) or stop
        if stop:
            break


def _note_test(history: History, plan: FitPlan, loss: float, right: int) -> None:
    """The test set's loss and accuracy of a step, into the history."""
    history.test_loss.append(loss)
    history.test_accuracy.append(int(right) / len(plan.test[0]) if plan.classes else None)


def _observers(model, plan: FitPlan, runner: Runner, callback) -> list[Observer]:
    """The observers the arguments ask for, in the order they are told of each step."""
    observers: list[Observer] = []
    steps = plan.steps
    if plan.every:
        observers.append(Printer(plan.every, steps))
    if plan.record is not None:
        from .record import Recorder, settings_of

        every, grid = plan.record
        recorder = Recorder(
            model, plan.X, plan.y, plan.loss_fn, plan.params, every=every, grid=grid, l2=plan.l2,
            classes=plan.classes, steps=steps, settings=settings_of(plan), test=plan.test,
        )  # fmt: skip
        observers.append(Recording(recorder, every, runner.sync))
    observers += plan.observers
    if plan.progress:
        desc = "fit (compiled)" if runner.compiled else "fit"
        if not runner.compiled and plan.compiled == "auto":
            desc = "fit (eager: does not trace)"
        observers.append(ProgressBar(steps, desc))
    if callback is not None:
        observers.append(Callback(callback, runner.sync))
    return observers
