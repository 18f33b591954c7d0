"""What :func:`~autograd_lite.nn.fit` measured: :class:`History`, one entry per step.

Example:
    >>> h = History(loss=[0.9, 0.5], accuracy=[0.5, 1.0], lr=[0.1, 0.1], seconds=0.01)
    >>> print(h)  # doctest: +ELLIPSIS
    Training: 2 steps in 0.01 s
    step  loss  accuracy  lr
    1     0.9   50.0%     0.1
    2     0.5   100.0%    0.1
    loss and accuracy of each step's batch, before its update
    >>> h.test_loss, h.test_accuracy = [1.1, 0.7], [0.5, 0.75]  # fit(..., test=...) fills these
    >>> print(h)  # doctest: +ELLIPSIS
    Training: 2 steps in 0.01 s
    step  loss  accuracy  test loss  test accuracy  lr
    1     0.9   50.0%     1.1        50.0%          0.1
    2     0.5   100.0%    0.7        75.0%          0.1
    loss and accuracy of each step's batch, before its update
    test loss and accuracy: on the whole test set, with the same parameters
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for the annotations: the table module loads on use
    from ..table import Table

__all__ = ["History"]


@dataclass
class History:
    """What :func:`fit` measured, one entry per step.

    Attributes:
        loss: the loss of each step's batch (L2 term included), before that step's update.
        accuracy: the fraction of the batch classified right at that step, before the
            update (None when the labels are not class labels).
        lr: the learning rate each step used.
        test_loss: with ``fit(..., test=(X_test, y_test))``, the loss on the whole test set
            at each step (L2 term included), with the parameters that step's batch loss
            was measured on (before its update); empty without a test set.
        test_accuracy: the fraction of the test set classified right at each step, likewise
            (None when the labels are not class labels).
        seconds: the wall-clock time of the whole run.
        compiled: whether the steps ran through a compiled program.
        mode: how the steps ran: the compiled program's size, or why training was eager.
        record: the snapshots of ``fit(..., record=N)``
            (:class:`~autograd_lite.nn.record.TrainingRecord`, filled as training goes),
            else None; ``viz.training_page(history)`` draws them.

    At a Python prompt a history shows as a table of its steps (at most 12 rows, evenly
    spread), in a notebook as an HTML table; ``markdown()`` gives the same as Markdown.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    seconds: float = 0.0
    compiled: bool = False
    mode: str = ""
    record: Any = None

    def __len__(self) -> int:
        return len(self.loss)

    def table(self, rows: int = 12) -> Table:
        """The run as a :class:`~autograd_lite.table.Table`: step, loss, accuracy (with a test
        set, its loss and accuracy) and learning rate at ``rows`` steps evenly spread over
        the run (first and last included)."""
        from ..table import Table

        n = len(self.loss)
        if n <= rows:
            picks = list(range(n))
        else:
            picks = sorted({round(i * (n - 1) / (rows - 1)) for i in range(rows)})
        tested = len(self.test_loss) == n and n > 0
        body = []
        for i in picks:
            row = [str(i + 1), f"{self.loss[i]:.6g}", _percent(self.accuracy[i])]
            if tested:
                row += [f"{self.test_loss[i]:.6g}", _percent(self.test_accuracy[i])]
            body.append(row + [f"{self.lr[i]:.4g}"])
        how = f" ({self.mode})" if self.mode else ""
        title = f"Training: {n} steps in {self.seconds:.3g} s{how}"
        notes = ["loss and accuracy of each step's batch, before its update"]
        if tested:
            notes.append("test loss and accuracy: on the whole test set, with the same parameters")
        if n > rows:
            notes.append(f"{n - len(picks)} steps not shown")
        if self.record is not None and len(self.record):
            final = self.record.final
            test = "" if final.test_loss is None else f"; test loss {final.test_loss:.6g}"
            notes.append(
                f"after step {final.step}'s update, on the whole training set: loss "
                f"{final.loss:.6g}{test} (history.record.final; the training page's last dot)"
            )
        if self.record is not None:
            notes.append(
                f"history.record: {len(self.record)} snapshots; "
                "viz.training_page(history, path) draws the run"
            )
        head = ["step", "loss", "accuracy"]
        if tested:
            head += ["test loss", "test accuracy"]
        return Table(title, head + ["lr"], body, notes)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(no steps)"
        return self.table().text()

    def markdown(self) -> str:
        """The run as a Markdown table, to paste into a handout."""
        return self.table().markdown()

    def _repr_html_(self) -> str:
        return self.table().html()


def _percent(x: float | None) -> str:
    return "—" if x is None else f"{x:.1%}"
