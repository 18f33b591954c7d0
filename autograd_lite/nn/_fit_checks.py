"""The checks :func:`~autograd_lite.nn.fit` makes before its first step: :func:`check_fit`.

Every argument, every sample and every label (in the loss's convention) is checked before
anything changes, so bad data deep in the set stops training before the first update;
messages name the sample's index in ``X`` and ``y``. What the checks find out (the loss
function, the optimizer, how often to print and record) comes back as one :class:`FitPlan`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..checks import check_bool, check_integer, is_bool, is_sequence, short_repr
from ..engine import Value
from . import losses as _losses
from .init import as_inputs
from .layers import MLP, Layer, Neuron
from .observers import Observer
from .optim import SGD, Optimizer, linear_schedule

__all__ = ["FitPlan", "check_fit", "check_lengths", "check_samples", "check_test"]


@dataclass
class FitPlan:
    """What :func:`check_fit` found: the run as ``fit`` will make it.

    Attributes:
        X, y: the samples and labels, as lists.
        loss_fn: the loss function ``loss(outputs, labels) -> Value``.
        optimizer: the optimizer (the default SGD if none was given).
        params: ``model.parameters()``.
        classes: whether the labels are class labels (then accuracy is measured).
        every: print every this many steps (0: never).
        progress: whether to show a progress bar.
        observers: the observers given to ``fit``, as a list.
        record: ``(every, grid)`` of the snapshots, or None for no record.
        compiled: ``True``, ``False`` or ``"auto"``.
        test: the held-out ``(X_test, y_test)``, as lists, or None.
        steps, batch_size, seed, l2, pause_gc: as given to ``fit``.
    """

    X: list
    y: list
    loss_fn: Callable[[list, list], Value]
    optimizer: Optimizer
    params: list[Value]
    classes: bool
    every: int
    progress: bool
    observers: list
    record: tuple[int, int] | None
    compiled: bool | str
    steps: int
    batch_size: int | None
    seed: int
    l2: float
    pause_gc: bool
    test: tuple[list, list] | None = None


def check_lengths(X: Any, y: Any, name: str, names: tuple[str, str] = ("X", "y")) -> int:
    """X and y (called ``names`` in messages) as sequences of the same, non-zero length;
    returns the length."""
    for what, seq in zip(names, (X, y)):
        if not is_sequence(seq):
            raise TypeError(
                f"{name}: {what} must be a list (or an array), got {type(seq).__name__}: "
                f"{short_repr(seq)}"
            )
    n = len(X)
    if n == 0 or len(y) != n:
        raise ValueError(
            f"{name} needs as many labels as samples (at least one) in {names[0]} and "
            f"{names[1]}; got {n} sample(s) and {len(y)} label(s)"
        )
    return n


def check_samples(model: Any, X: Sequence, name: str, what: str = "X") -> None:
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
            raise type(err)(f"{name}: {what}[{i}]: {err}") from None


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


def _inputs(x: Any) -> int:
    """How many numbers a sample holds (a lone number is one)."""
    return len(x) if is_sequence(x) else 1


def check_test(model: Any, test: Any, loss_fn: Callable, X: Sequence, width: int | None) -> tuple:
    """The held-out ``(X_test, y_test)`` checked as the training data is (samples, labels in
    the loss's convention) and against it (as many inputs per sample); returns them as lists.

    Raises:
        TypeError: if ``test`` is not a pair of sequences, or a sample or label is not a
            number; the message names it (``X_test[3]``).
        ValueError: for mismatched or empty test data, a sample with another number of
            inputs than the training samples, or a label not in the loss's convention.
    """
    if not (isinstance(test, (tuple, list)) and len(test) == 2):
        raise TypeError(
            "fit: test must be a pair (X_test, y_test) of held-out samples and labels, got "
            f"{type(test).__name__}: {short_repr(test)}"
        )
    X_test, y_test = test
    check_lengths(X_test, y_test, "fit", ("X_test", "y_test"))
    check_samples(model, X_test, "fit", "X_test")
    n = _inputs(X[0])
    for i, x in enumerate(X_test):
        if _inputs(x) != n:
            raise ValueError(
                f"fit: X_test[{i}] has {_inputs(x)} input(s), the training samples {n}: "
                "the test set must be samples of the same kind"
            )
    _losses.check_labels(loss_fn, y_test, what="y_test", width=width)
    return list(X_test), list(y_test)


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


def _class_labels(y: Sequence) -> bool:
    # any real type (numpy's float32 too): a label 1.0 is a class whatever its width
    return all(
        isinstance(v, numbers.Integral) or (isinstance(v, numbers.Real) and float(v).is_integer())
        for v in y
    )


def _loss_function(loss: Any) -> Callable:
    """The loss function a name or a function stands for."""
    if isinstance(loss, str):
        if loss not in _losses.LOSSES:
            raise ValueError(
                f"unknown loss {loss!r}; choose one of "
                f"{', '.join(_losses.LOSSES)} or pass a function"
            )
        return _losses.LOSSES[loss]
    if callable(loss):
        return loss
    raise TypeError(f"loss must be a name or a function, got {type(loss).__name__}")


def _check_switches(n, steps, batch_size, seed, verbose, pause_gc, callback, optimizer) -> None:
    """The plain settings: counts, switches, the callback and the optimizer's type."""
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


def _watching(steps, verbose, progress, observers, record) -> tuple[int, bool | None, list, Any]:
    """How often to print, whether to show a bar, the observers as a list, and the record's
    spacing as asked (every ``steps // 50`` steps when an observer wants a record and
    ``record`` does not say)."""
    every = 0
    if verbose:
        every = max(1, steps // 10) if verbose is True else int(verbose)
    if progress is not None:
        check_bool(progress, "progress (True, False or None)")
    if not is_sequence(observers):
        raise TypeError(
            f"observers must be a list of Observers, got {type(observers).__name__}: "
            f"{short_repr(observers)}"
        )
    observers = list(observers)
    for i, o in enumerate(observers):
        if not isinstance(o, Observer):
            raise TypeError(
                f"observers[{i}] must be an Observer (a subclass of "
                f"autograd_lite.nn.observers.Observer), got {type(o).__name__}: {short_repr(o)}"
            )
    if record is None and any(o.wants_record for o in observers):
        record = max(1, steps // 50)
    return every, progress, observers, record


def _compiled_mode(compiled: Any) -> bool | str:
    if is_bool(compiled):
        return bool(compiled)
    if not (isinstance(compiled, str) and compiled == "auto"):
        raise (ValueError if isinstance(compiled, str) else TypeError)(
            f"compiled must be True, False or 'auto', got {type(compiled).__name__}: "
            f"{short_repr(compiled)}"
        )
    return compiled


def check_fit(
    model,
    X,
    y,
    loss,
    optimizer,
    *,
    steps,
    batch_size,
    l2,
    lr,
    seed,
    verbose,
    callback,
    pause_gc,
    compiled,
    progress,
    record,
    grid_size,
    observers,
    test=None,
) -> FitPlan:
    """Check everything :func:`~autograd_lite.nn.fit` is given, in the order it always has,
    and say how the run will go (see ``fit`` for the arguments and the errors)."""
    n = check_lengths(X, y, "fit")
    _check_switches(n, steps, batch_size, seed, verbose, pause_gc, callback, optimizer)
    loss_fn = _loss_function(loss)
    params = model.parameters()
    if optimizer is None:
        optimizer = SGD(params, linear_schedule(1.0, 0.1, max(steps, 1)) if lr is None else lr)
    elif lr is not None:
        raise ValueError("give either an optimizer or lr (for the default SGD), not both")
    _losses.check_alpha(l2)  # now, not in the middle of step 1
    check_samples(model, X, "fit")
    _losses.check_labels(loss_fn, y, what="y", width=_width(model))
    if test is not None:
        test = check_test(model, test, loss_fn, X, _width(model))
    every, progress, observers, record = _watching(steps, verbose, progress, observers, record)
    spacing = None
    if record is not None:
        from .record import check_record

        first = X[0]
        n_inputs = _inputs(first)
        fast = isinstance(model, (MLP, Layer, Neuron))
        spacing = check_record(record, steps, len(params), n_inputs, grid_size, fast)
    X, y = list(X), list(y)
    mode = _compiled_mode(compiled)
    if progress is None:
        from ._progress import watched

        progress = not every and steps > 0 and watched()
    # accuracy is measured when every label, training and test, is a class label
    classes = _class_labels(y) and (test is None or _class_labels(test[1]))
    return FitPlan(
        X, y, loss_fn, optimizer, params, classes, every, progress, observers,
        spacing, mode, steps, batch_size, seed, l2, pause_gc, test,
    )  # fmt: skip
