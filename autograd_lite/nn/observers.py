"""What watches :func:`~autograd_lite.nn.fit` train: observers, all with one small interface.

An :class:`Observer` is told when training starts (:meth:`~Observer.start`, with the run's
:class:`~autograd_lite.nn.history.History` and its number of steps), after every step
(:meth:`~Observer.on_step`, with the step number, the batch's loss and its accuracy;
returning True stops training) and when it ends (:meth:`~Observer.close`, whether it ended
normally or not). ``fit`` makes its own from its arguments: :class:`Printer` (``verbose``),
:class:`ProgressBar` (``progress``), :class:`Recording` (``record``), :class:`Callback`
(``callback``); ``fit(..., observers=[...])`` adds yours, told of each step after the
recording and before the progress bar and the callback. :class:`viz.LiveView` is one: it
redraws the run in a notebook.

Example:
    >>> class Lowest(Observer):
    ...     def __init__(self):
    ...         self.lowest = float("inf")
    ...     def on_step(self, k, loss, accuracy):
    ...         self.lowest = min(self.lowest, loss)
    >>> watch = Lowest()
    >>> watch.on_step(1, 0.5, None), watch.on_step(2, 0.25, None)
    (None, None)
    >>> watch.lowest
    0.25
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._progress import in_notebook
from .history import History

__all__ = [
    "Observer",
    "Printer",
    "ProgressBar",
    "Recording",
    "Callback",
    "in_notebook",
    "test_numbers",
]


class Observer:
    """Watches a run of ``fit``; every method does nothing unless a subclass says otherwise.

    Attributes:
        wants_record: True makes ``fit`` record the run (every ``steps // 50`` steps) when
            its ``record`` argument is None: ``history.record`` then fills as training goes.
    """

    wants_record = False

    def start(self, history: History, steps: int) -> None:
        """Training is about to take ``steps`` steps; ``history`` fills as it goes (with
        ``history.record``, the snapshots so far, when ``fit`` records)."""

    def on_step(self, k: int, loss: float, accuracy: float | None) -> bool | None:
        """Step ``k`` (counting from 1) is done: the loss and accuracy of its batch
        (accuracy None when the labels are not class labels). True stops training.

        With ``fit(..., test=...)``, the history given to :meth:`start` holds the step's
        test loss and accuracy by now (``history.test_loss[-1]``, ``test_accuracy[-1]``)."""

    def close(self, completed: bool) -> None:
        """Training ended: normally (``completed``), or by an exception."""


def test_numbers(history: History | None, k: int) -> tuple[float, float | None] | None:
    """Step ``k``'s test loss and accuracy from the history, or None without a test set."""
    if history is None or len(history.test_loss) < k:
        return None
    return history.test_loss[k - 1], history.test_accuracy[k - 1]


class Printer(Observer):
    """Prints step, loss and accuracy (and the test set's) every ``every`` steps and at the
    last of ``steps``."""

    def __init__(self, every: int, steps: int):
        self.every, self.steps = every, steps
        self.history: History | None = None

    def start(self, history: History, steps: int) -> None:
        """Say how the steps will run."""
        self.history = history
        print(f"training {history.mode}", flush=True)

    def on_step(self, k: int, loss: float, accuracy: float | None) -> None:
        """Print the step's loss and accuracy when it is one to print."""
        if k % self.every == 0 or k == self.steps:
            text = f"step {k:{len(str(self.steps))}d}/{self.steps}  loss {loss:.6f}"
            if accuracy is not None:
                text += f"  accuracy {accuracy:6.1%}"
            test = test_numbers(self.history, k)
            if test is not None:
                text += f"  test loss {test[0]:.6f}"
                if test[1] is not None:
                    text += f"  test accuracy {test[1]:6.1%}"
            print(text, flush=True)


class ProgressBar(Observer):
    """A tqdm bar for ``steps`` steps with the loss and accuracy, named ``desc``."""

    def __init__(self, steps: int, desc: str):
        self.steps, self.desc = steps, desc
        self.bar: Any = None
        self.history: History | None = None

    def start(self, history: History, steps: int) -> None:
        """Show the bar."""
        from ._progress import Progress

        self.history = history
        self.bar = Progress(self.steps, self.desc)

    def on_step(self, k: int, loss: float, accuracy: float | None) -> None:
        """Move the bar on (it redraws a few times a second)."""
        self.bar.update(k, loss, accuracy, test=test_numbers(self.history, k))

    def close(self, completed: bool) -> None:
        """Show the last step's numbers and close the bar."""
        h = self.history
        if h.loss:
            k = len(h.loss)
            self.bar.update(k, h.loss[-1], h.accuracy[-1], test=test_numbers(h, k), force=True)
        self.bar.close()


class Recording(Observer):
    """Takes the snapshots of ``fit(..., record=N)`` with a
    :class:`~autograd_lite.nn.record.Recorder`: before the first step, every ``every``
    steps and after the last; ``sync`` brings the model's parameters up to date first."""

    def __init__(self, recorder: Any, every: int, sync: Callable[[], None]):
        self.recorder, self.every, self.sync = recorder, every, sync
        self.history: History | None = None

    def start(self, history: History, steps: int) -> None:
        """Snapshot the model before training; ``history.record`` fills from now on."""
        self.history = history
        self.recorder.take(0)
        history.record = self.recorder.record

    def on_step(self, k: int, loss: float, accuracy: float | None) -> None:
        """Snapshot the model every ``every`` steps."""
        if k % self.every == 0:
            self.sync()
            self.recorder.take(k)

    def close(self, completed: bool) -> None:
        """Snapshot the trained model and keep the record as ``history.record``."""
        if not completed:
            return
        h = self.history
        if self.recorder.record.snapshots[-1].step != len(h.loss):
            self.recorder.take(len(h.loss))
        h.record = self.recorder.finish(h.loss, h.accuracy, h.lr, h.test_loss, h.test_accuracy)


class Callback(Observer):
    """Calls ``callback(step, history)`` after each step, the model's parameters up to
    date (``sync``); its returning True stops training."""

    def __init__(self, callback: Callable[[int, History], Any], sync: Callable[[], None]):
        self.callback, self.sync = callback, sync
        self.history: History | None = None

    def start(self, history: History, steps: int) -> None:
        """Keep the history, to hand it to the callback."""
        self.history = history

    def on_step(self, k: int, loss: float, accuracy: float | None) -> bool:
        """Call the callback; what it returns says whether to stop."""
        self.sync()
        return bool(self.callback(k, self.history))
