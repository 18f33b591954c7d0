"""The progress bar of :func:`~autograd_lite.nn.fit`: tqdm's, refreshed a few times a second.

``tqdm.auto`` picks the notebook widget in Jupyter and the text bar elsewhere; where the
widget cannot be made (no ``ipywidgets``) the text bar is used. The bar is touched only when
a refresh is due, so a step pays for one clock reading.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "in_notebook", "watched"]

# seconds between refreshes of the bar's numbers
REFRESH = 0.25


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (which shows rich output)."""
    if "ipykernel" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def watched() -> bool:
    """Whether someone is likely watching: a terminal on stderr, or a notebook."""
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        terminal = bool(isatty and isatty())
    except ValueError:  # a closed stream
        terminal = False
    return terminal or in_notebook()


def _make_bar(total: int, desc: str):
    from tqdm.auto import tqdm

    try:
        return tqdm(total=total, desc=desc, unit="step", leave=True)
    except ImportError:  # the notebook bar needs ipywidgets; the text bar does not
        from tqdm.std import tqdm as text_tqdm

        return text_tqdm(total=total, desc=desc, unit="step", leave=True)


class Progress:
    """A tqdm bar for ``total`` steps showing the loss and the accuracy."""

    def __init__(self, total: int, desc: str = "fit"):
        self.total = total
        self.bar = _make_bar(total, desc)
        self.shown = 0
        self.due = 0.0

    def update(
        self, k: int, loss: float, acc: float | None, *, test: tuple | None = None,
        force: bool = False,
    ) -> None:  # fmt: skip
        """Step ``k`` is done; refresh the bar if it is time (or ``force``). ``test``: the
        test set's ``(loss, accuracy)``, or None."""
        now = time.perf_counter()
        if now < self.due and not force and k != self.total:
            return
        self.due = now + REFRESH
        post = {"loss": f"{loss:.4g}"}
        if acc is not None:
            post["accuracy"] = f"{acc:.1%}"
        if test is not None:
            post["test loss"] = f"{test[0]:.4g}"
            if test[1] is not None:
                post["test accuracy"] = f"{test[1]:.1%}"
        self.bar.set_postfix(post, refresh=False)
        self.bar.update(k - self.shown)
        self.shown = k

    def close(self) -> None:
        self.bar.close()
