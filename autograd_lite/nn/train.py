"""Training a model on a data set: :func:`fit`, its :class:`History`, and :func:`accuracy`.

:func:`fit` is the fast way to train. By default it traces the model and the loss for one
sample and runs every step as array operations over the whole batch
(:mod:`autograd_lite.compiled`), with the same losses, updates and batches as the engine
would give; a model or loss that does not trace (code that branches on ``.data``) trains
eagerly, each step (forward, loss, backward, update) with Python's cyclic garbage collector
paused (:class:`autograd_lite.engine.gc_paused`, which says why).

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

import numbers
import random
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import Any, Protocol

from ..checks import (
    check_bool,
    check_integer,
    is_bool,
    is_finite_real,
    is_sequence,
    short_repr,
)
from ..engine import Value, gc_paused, no_grad
from . import losses as _losses
from .history import History
from .init import as_inputs
from .layers import MLP, Layer, Neuron
from .optim import SGD, Optimizer, Schedule, linear_schedule


class Trainable(Protocol):
    """What :func:`fit` needs of a model: it maps one sample to its output(s) and has
    parameters (every :mod:`autograd_lite.nn` module is one)."""

    def __call__(self, x: Any) -> Value | list[Value]:
        """The output(s) for one sample."""

    def parameters(self) -> list[Value]:
        """The Values the optimizer updates."""


__all__ = ["History", "fit", "accuracy"]


def _is_right(out, label) -> bool:
    """Whether one output classifies its sample right (argmax, or the sign for one output)."""
    if isinstance(out, list):
        scores = [o.data for o in out]
        return scores.index(max(scores)) == label
    return (out.data > 0.0) == (label > 0)


def _class_labels(y: Sequence) -> bool:
    return all(
        isinstance(v, numbers.Integral) or (isinstance(v, float) and v.is_integer()) for v in y
    )


def _check_lengths(X: Any, y: Any, name: str) -> int:
    """X and y as sequences of the same, non-zero length; returns the length."""
    for what, seq in (("X", X), ("y", y)):
        if not is_sequence(seq):
            raise TypeError(
                f"{name}: {what} must be a list (or an array), got {type(seq).__name__}: "
                f"{short_repr(seq)}"
            )
    n = len(X)
    if n == 0 or len(y) != n:
        raise ValueError(
            f"{name} needs as many labels as samples (at least one); "
            f"got {n} sample(s) and {len(y)} label(s)"
        )
    return n


def _check_samples(model: Any, X: Sequence, name: str) -> None:
    """Check every sample as the model's own forward pass will, naming its index in X.

    An :mod:`autograd_lite.nn` model knows its inputs; for any other model a sample must be
    a number, a Value, or a sequence of them (finite real numbers, no booleans), as for ours.
    """
    labels = getattr(model, "_in_labels", None)
    if labels is not None and _plain_rows(X, len(labels)):
        return
    for i, x in enumerate(X):
        try:
            if labels is not None:
                as_inputs(x, labels)
            else:
                n = len(x) if is_sequence(x) else 1
                as_inputs(x, tuple(f"a^1_{k}" for k in range(1, n + 1)))
        except (TypeError, ValueError) as err:
            raise type(err)(f"{name}: X[{i}]: {err}") from None


def _plain_rows(X: Sequence, n: int) -> bool:
    """Whether X is the usual data set, lists of n finite Python floats, found in a few
    C-speed passes; False sends it through the sample-by-sample checks, which name the
    first bad sample."""
    if set(map(type, X)) != {list} or set(map(len, X)) != {n}:
        return False
    flat = [v for x in X for v in x]
    if set(map(type, flat)) != {float}:
        return False
    total = sum(flat)
    # 0.0 for a finite sum, NaN for inf or NaN; a finite sum that overflowed goes the slow way
    return total - total == 0.0


def _width(model: Any) -> int | None:
    """What the model returns per sample: 0 for one Value, k for a list of k, None if unknown."""
    if isinstance(model, MLP):
        k = model.layer_sizes[-1]
        return 0 if k == 1 else k
    if isinstance(model, Layer):
        return model.n_outputs
    if isinstance(model, Neuron):
        return 0
    return None


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
    n = _check_lengths(X, y, "accuracy")
    _check_samples(model, X, "accuracy")
    for i, t in enumerate(y):
        if is_bool(t) or not is_finite_real(t):
            raise (TypeError if is_bool(t) else ValueError)(
                f"accuracy: y[{i}] must be a finite number (a class label), got "
                f"{type(t).__name__}: {short_repr(t)}"
            )
    with no_grad():
        right = sum(_is_right(model(x), label) for x, label in zip(X, y))
    return right / n


def fit(
    model: Trainable,
    X: Sequence,
    y: Sequence,
    loss: str | Callable[[list, list], Value] = "hinge",
    optimizer: Optimizer | None = None,
    *,
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
    live: bool = False,
) -> History:
    """Train ``model`` on ``(X, y)`` for a number of steps.

    Each step: zero the gradients, run the model on a batch, compute the loss (plus
    ``l2 · Σ p²``), backpropagate, and let the optimizer update the parameters.

    Args:
        model: a module with ``parameters()`` that maps one sample to its output(s), such
            as an :class:`~autograd_lite.nn.MLP`.
        X: the input samples (lists of numbers, or 1-D arrays).
        y: the labels, in the loss's convention.
        loss: ``"hinge"`` (or ``"max_margin"``), ``"bce"``, ``"cross_entropy"``, ``"mse"``, or
            a function ``loss(outputs, labels) -> Value``.
        optimizer: the optimizer; by default ``SGD(model.parameters(), lr)``.
        steps: number of update steps.
        batch_size: samples per step, drawn at random without replacement; None for the
            whole data set every step (full batch, in order).
        l2: L2 regularisation strength (0 for none).
        lr: the default optimizer's learning rate, a number or a function ``step -> lr``;
            by default micrograd's schedule ``linear_schedule(1.0, 0.1, steps)``. Give
            either this or ``optimizer``.
        seed: seed of the batch sampling.
        verbose: print step, loss and accuracy every ``steps // 10`` steps (True) or every
            ``verbose`` steps (an integer), and at the last step.
        callback: called as ``callback(step, history)`` after each step (step counts from
            1); returning True stops training early.
        pause_gc: pause Python's cyclic garbage collector during each eager step (the
            state it had is restored after each step, and if anything fails); compiled
            steps make no reference cycles and run with it as it is.
        compiled: ``"auto"`` traces the model and loss and runs the steps as array
            operations over the batch when they trace, eagerly otherwise (the progress
            output and ``History.mode`` say which); ``True`` insists (a
            :class:`~autograd_lite.compiled.TraceError` says why it cannot); ``False``
            trains with the engine. Either way the losses agree to about 1e-15, and the
            model's parameters hold the trained values when a callback runs and when
            ``fit`` returns. The model and the loss's per-sample term (``loss.per_sample``,
            which the library's losses declare) are traced once, on Values standing for
            any sample: code that reads their numbers (branches on ``.data``) is refused
            then, and a loss that declares no per-sample term trains eagerly.
        progress: show a tqdm progress bar with the loss and accuracy (``tqdm.auto``: a
            widget in notebooks, text in a terminal), refreshed a few times a second; None
            (the default) shows it when someone is watching (stderr is a terminal, or a
            notebook) and ``verbose`` is off.
        record: take a snapshot every ``record`` steps, before the first and after the
            last (:class:`~autograd_lite.nn.record.TrainingRecord`, kept as
            ``history.record``): every parameter, the loss and accuracy on the whole
            training set and, for two-input data, the model's output on a grid;
            ``history.record.page(path)`` draws the run. None records nothing.
        grid_size: the grid's points per side for two-input data (2 to 200).
        live: in a notebook, redraw the decision boundary and the curves as training goes
            (recording every ``steps // 50`` steps unless ``record`` says); elsewhere a
            warning says it is ignored.

    Returns:
        The :class:`History` of the run.

    Every argument, every sample and every label (in the loss's convention) is checked
    before the first step, so bad data deep in the set stops training before it changes
    anything; messages name the sample's index in ``X`` and ``y``. A step that fails anyway
    (a model or loss that raises, an optimizer refusing a non-finite update) leaves the
    gradients as they were before it.

    Raises:
        ValueError: for mismatched or empty data, a sample or label that is not finite or
            not in the loss's convention, a bad step count or batch size, an unknown loss
            name, or both ``optimizer`` and ``lr``.
        TypeError: for data that is not a sequence (a dict, a set, text), or a sample or
            label that is not a number (booleans included).
    """
    n = _check_lengths(X, y, "fit")
    check_integer(steps, "steps", minimum=0)
    if batch_size is not None:
        check_integer(batch_size, "batch_size (None for the whole data set)", minimum=1, maximum=n)
    check_integer(seed, "seed")
    if not is_bool(verbose):
        check_integer(verbose, "verbose (True, False or a number of steps)", minimum=0)
    check_bool(pause_gc, "pause_gc")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function or None, got {type(callback).__name__}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be an Optimizer such as SGD or Adam, got {type(optimizer).__name__}"
        )
    if isinstance(loss, str):
        if loss not in _losses.LOSSES:
            raise ValueError(
                f"unknown loss {loss!r}; choose one of "
                f"{', '.join(_losses.LOSSES)} or pass a function"
            )
        loss_fn = _losses.LOSSES[loss]
    elif callable(loss):
        loss_fn = loss
    else:
        raise TypeError(f"loss must be a name or a function, got {type(loss).__name__}")
    params = model.parameters()
    if optimizer is None:
        optimizer = SGD(params, linear_schedule(1.0, 0.1, max(steps, 1)) if lr is None else lr)
    elif lr is not None:
        raise ValueError("give either an optimizer or lr (for the default SGD), not both")
    _losses.check_alpha(l2)  # now, not in the middle of step 1
    _check_samples(model, X, "fit")
    _losses.check_labels(loss_fn, y, what="y", width=_width(model))
    every = 0
    if verbose:
        every = max(1, steps // 10) if verbose is True else int(verbose)
    if progress is not None:
        check_bool(progress, "progress (True, False or None)")
    check_bool(live, "live")
    if live:
        from ._progress import in_notebook

        if not in_notebook():
            import warnings

            warnings.warn(
                "fit(live=True) draws in a Jupyter notebook; here training runs without it "
                "(use record=N and history.record.page(path) to see the run afterwards)",
                stacklevel=2,
            )
            live = False
        elif record is None:
            record = max(1, steps // 50)
    recorder = None
    if record is not None:
        from .record import check_record

        first = X[0]
        n_inputs = len(first) if is_sequence(first) else 1
        fast = isinstance(model, (MLP, Layer, Neuron))
        rec_every, grid = check_record(record, steps, len(params), n_inputs, grid_size, fast)

    X = list(X)
    y = list(y)
    classes = _class_labels(y)
    rng = random.Random(seed)
    everything = range(n)
    history = History()
    start = time.perf_counter()

    def eager_step(batch):
        return _step(model, X, y, batch, loss_fn, optimizer, params, l2, classes)

    runner = None
    trace_error = None  # the compiled path's TraceError, once it is imported
    if is_bool(compiled):
        compiled = bool(compiled)
    elif not (isinstance(compiled, str) and compiled == "auto"):
        raise (ValueError if isinstance(compiled, str) else TypeError)(
            f"compiled must be True, False or 'auto', got {type(compiled).__name__}: "
            f"{short_repr(compiled)}"
        )
    if compiled is False:
        history.mode = "eager: compiled=False"
    else:
        from ..compiled.tracing import TraceError as trace_error
        from ..compiled.training import prepare

        runner, how = prepare(
            model, X, y, loss_fn, optimizer, params, classes=classes, eager_step=eager_step,
            penalty=(lambda: _losses.l2(params, l2)) if l2 else None,
        )  # fmt: skip
        if runner is None and compiled is True:
            raise trace_error(f"fit(compiled=True): {how}")
        history.mode = how if runner is not None else f"eager: {how}"
    history.compiled = runner is not None
    if every:
        print(f"training {history.mode}", flush=True)
    if recorder is None and record is not None:
        from .record import Recorder

        recorder = Recorder(
            model, X, y, loss_fn, params, every=rec_every, grid=grid, l2=l2, classes=classes
        )
        recorder.take(0)
    view = None
    if live:
        from viz.training import LiveView

        view = LiveView(recorder.record, history, steps)
    if progress is None:
        from ._progress import watched

        progress = not every and steps > 0 and watched()
    bar = None
    if progress:
        from ._progress import Progress

        desc = "fit (compiled)" if runner is not None else "fit"
        if runner is None and compiled == "auto":
            desc = "fit (eager: does not trace)"
        bar = Progress(steps, desc)
    step = eager_step
    try:
        k = 0
        while k < steps:
            k += 1
            batch = everything if batch_size is None else rng.sample(everything, batch_size)
            lr_now = optimizer.current_lr()
            if runner is not None:
                # array operations make no reference cycles: the collector need not pause
                loss_value, right = runner.step(batch, lr_now)
            else:
                with gc_paused() if pause_gc else nullcontext():
                    loss_value, right = step(batch)
            history.loss.append(loss_value)
            history.accuracy.append(right / len(batch) if classes else None)
            history.lr.append(lr_now)
            if every and (k % every == 0 or k == steps):
                acc = history.accuracy[-1]
                acc_text = "" if acc is None else f"  accuracy {acc:6.1%}"
                print(
                    f"step {k:{len(str(steps))}d}/{steps}  loss {loss_value:.6f}{acc_text}",
                    flush=True,
                )
            if bar is not None:
                bar.update(k, loss_value, history.accuracy[-1])
            if recorder is not None and k % rec_every == 0:
                if runner is not None:
                    runner.sync()
                recorder.take(k)
                if view is not None:
                    view.update()
            if callback is not None:
                if runner is not None:
                    runner.sync()
                if callback(k, history):
                    break
    finally:
        if runner is not None:
            runner.sync()
        if bar is not None:
            if history.loss:
                bar.update(len(history.loss), history.loss[-1], history.accuracy[-1], force=True)
            bar.close()
    history.seconds = time.perf_counter() - start
    if recorder is not None:
        if recorder.record.snapshots[-1].step != len(history.loss):
            recorder.take(len(history.loss))
        history.record = recorder.finish(history.loss, history.accuracy)
        if view is not None:
            view.update(final=True)
    return history


def _step(model, X, y, batch, loss_fn, optimizer, params, alpha, classes):
    """One training step; its graph is freed (by reference counting) when it returns.

    The gradients are zeroed only once the loss is made, and put back if the backward pass
    or the update fails, so a failed step leaves them as they were.
    """
    outputs = [model(X[i]) for i in batch]
    labels = [y[i] for i in batch]
    total = loss_fn(outputs, labels)
    if alpha:
        total = total + _losses.l2(params, alpha)
    kept = [p.grad for p in optimizer.params]
    optimizer.zero_grad()
    try:
        total.backward()
        optimizer.step()
    except BaseException:
        for p, g in zip(optimizer.params, kept):
            p.grad = g
        raise
    right = sum(_is_right(o, t) for o, t in zip(outputs, labels)) if classes else 0
    return total.data, right
