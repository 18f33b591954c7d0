"""Training you can watch: a recorded run as a page, and a live view in a notebook.

:func:`training_page` draws a :class:`~autograd_lite.nn.record.TrainingRecord` (what
``fit(..., record=N)`` keeps) as one self-contained HTML page in the style of TensorFlow
Playground: the model's output over the plane with the data and the line where it is 0,
the loss and accuracy curves, and the network with each weight coloured by its sign and as
thick as it is large. A slider and a Play button scrub through the snapshots; hovering over
a neuron shows its name (``z^l_j``, ``a^l_j``), its bias and weights, and its values at a
probe point (the first sample; a click on the plane moves it). The page needs no network.

:class:`LiveView` watches training in a notebook (``fit(..., observers=[LiveView()])``): the
output, the data and the curves as static HTML, redrawn in place a few times a second while
training runs.

The record is data and :mod:`autograd_lite.nn` never imports this package: the one call from
a run to its page is ``training_page(history)`` (or ``training_page(history.record)``).

Example:
    >>> from autograd_lite.nn import MLP, fit
    >>> from autograd_lite.nn.data import xor
    >>> X, y = xor(40, seed=0)
    >>> history = fit(MLP(2, [4, 1], seed=2), X, y, steps=20, record=5, grid_size=10)
    >>> page = training_page(history)          # a notebook shows it inline
    >>> page.n_snapshots, "training-data" in page.html
    (5, True)
"""

from __future__ import annotations

import base64
import html
import os
import struct
import time
import zlib
from pathlib import Path
from typing import Any

from autograd_lite import escape
from autograd_lite.nn.history import History
from autograd_lite.nn.observers import Observer, in_notebook
from autograd_lite.nn.record import MAX_RECORDED_NUMBERS, TrainingRecord

from . import _training_page
from ._inline import InlinePage
from ._page import html_page
from .labels import label_text, shorten

__all__ = ["TrainingPage", "training_page", "LiveView", "MAX_DRAWN_WEIGHTS", "MAX_CURVE_POINTS"]

# the network is drawn weight by weight up to this many; above, only its neurons
MAX_DRAWN_WEIGHTS = 4_000
# the curves keep at most this many points (evenly spread, the last included)
MAX_CURVE_POINTS = 2_000


class TrainingPage(InlinePage):
    """A training page held in memory: notebooks show it inline, :meth:`save` writes it.

    See :class:`viz._inline.InlinePage` for how it shows inline (a sandboxed iframe).

    Attributes:
        html: the page's full HTML text, exactly what :meth:`save` writes.
        n_snapshots: the number of snapshots the slider scrubs through.
        title: the page's heading.
    """

    def __init__(self, html: str, *, n_snapshots: int, title: str, height: int = 820):
        super().__init__(html, title=title, height=height)
        self.n_snapshots = n_snapshots

    def __repr__(self) -> str:
        return (
            f"<TrainingPage {self.title!r}: {self.n_snapshots} snapshots; in a notebook it "
            "shows inline, .save(path) writes it>"
        )


def quantize(grid: Any, outputs: int) -> bytes:
    """A snapshot's grid as one byte per point, row by row (row 0: the lowest x2).

    One output: 128..255 where the score is >= 0 and 0..127 where it is < 0, further from
    127.5 the larger |tanh(score)|, so the sign survives exactly. Several outputs: the
    class index (the grid holds it already).
    """
    import numpy as np

    g = np.asarray(grid, dtype=float)
    if outputs == 1:
        t = np.rint(127 * np.tanh(np.abs(g)))
        q = np.where(g >= 0, 128 + t, 127 - t)
    else:
        q = np.clip(g, 0, 255)
    return q.astype(np.uint8).tobytes()


def quantize_neurons(neurons: Any) -> tuple[bytes, list[float]]:
    """Hidden neurons' grids as one byte per point, and each neuron's scale: the byte is
    127.5 + 127.5 · a / scale, rounded, where the scale is the neuron's largest |a| there
    (0 for a neuron that is 0 everywhere: all its bytes are 128)."""
    import numpy as np

    a = np.asarray(neurons, dtype=float)
    scale = np.abs(a).reshape(len(a), -1).max(axis=1)
    safe = np.where(scale > 0, scale, 1.0)[:, None, None]
    q = np.clip(np.rint(127.5 + 127.5 * a / safe), 0, 255).astype(np.uint8)
    return q.tobytes(), [_short_float(float(v)) for v in scale]


def _neuron_grids(neurons: Any) -> dict[str, Any]:
    if neurons is None:
        return {"neurons": None, "scales": None}
    q, scales = quantize_neurons(neurons)
    return {"neurons": base64.b64encode(q).decode("ascii"), "scales": scales}


def _short_float(x: float) -> float | str:
    if x - x != 0.0:
        return repr(x)  # JSON has no inf or NaN; the page prints the text
    return float(f"{x:.6g}")


def _spread(n: int, most: int) -> list[int]:
    if n <= most:
        return list(range(n))
    return sorted({round(i * (n - 1) / (most - 1)) for i in range(most)})


def page_data(record: Any) -> dict[str, Any]:
    """The JSON the page's script reads: snapshots, curves, data, network."""
    n_numbers = sum(len(s.parameters) for s in record.snapshots)
    if record.extent is not None:
        n_numbers += sum(s.grid.size for s in record.snapshots)
        n_numbers += sum(s.neurons.size for s in record.snapshots if s.neurons is not None)
    if n_numbers > MAX_RECORDED_NUMBERS:
        raise ValueError(
            f"the record holds {n_numbers:,} numbers, more than a page holds "
            f"({MAX_RECORDED_NUMBERS:,}); record less often or with a smaller grid_size"
        )
    steps = record.snapshots[-1].step
    picks = _spread(len(record.loss), MAX_CURVE_POINTS)
    classes = any(a is not None for a in record.accuracy)
    network = record.network
    if network is not None:
        n_weights = sum(len(n["w"]) for layer in network["layers"] for n in layer["neurons"])
        network = {**_shown_labels(network), "drawn": n_weights <= MAX_DRAWN_WEIGHTS}
    data: dict[str, Any] = {
        "steps": steps,
        "every": record.every,
        "settings": {str(k): str(v) for k, v in record.settings.items()},
        "lr": _lr_text(record.lr),
        "outputs": record.outputs,
        "network": network,
        # in full (escaped as the title is): the tooltip shows the network's, shortened
        "names": [escape.visible(name) for name in record.names],
        "snapshots": [
            {
                "step": s.step,
                "loss": _short_float(s.loss),
                "accuracy": s.accuracy,
                "params": [_short_float(p) for p in s.parameters],
                "grid": None
                if s.grid is None
                else base64.b64encode(quantize(s.grid, record.outputs)).decode("ascii"),
                **_neuron_grids(s.neurons),
                **_snapshot_test(s),
            }
            for s in record.snapshots
        ],
        # history.loss[i] is measured before update i + 1, on the parameters of step i
        # (i updates done), as snapshot i's are: drawn at i, dots and curve meet
        "curve": {
            "step": list(picks),
            "loss": [_short_float(record.loss[i]) for i in picks],
            "accuracy": [record.accuracy[i] for i in picks] if classes else None,
            **_test_curve(record, picks, classes),
        },
        "last_batch": {
            "step": len(record.loss),
            "loss": _short_float(record.loss[-1]) if record.loss else None,
        },
        "extent": None,
        "grid_n": 0,
        "neuron_n": 0,
        "points": [],
        "test_points": [],
        "probe": None,
    }
    if record.extent is not None:
        data["extent"] = list(record.extent)
        data["grid_n"] = int(record.snapshots[0].grid.shape[0])
        data["neuron_n"] = int(record.neuron_grid)
        data["points"] = [
            [_short_float(x[0]), _short_float(x[1]), _point_class(t, record.outputs)]
            for x, t in zip(record.X, record.y)
        ]
        data["probe"] = [float(v) for v in record.X[0]]
        if record.X_test is not None:
            data["test_points"] = [
                [_short_float(x[0]), _short_float(x[1]), _point_class(t, record.outputs)]
                for x, t in zip(record.X_test, record.y_test)
            ]
    return data


def _snapshot_test(s: Any) -> dict[str, Any]:
    """A snapshot's test numbers, for a run with a test set (else nothing)."""
    if s.test_loss is None:
        return {}
    return {"test_loss": _short_float(s.test_loss), "test_accuracy": s.test_accuracy}


def _test_curve(record: Any, picks: list[int], classes: bool) -> dict[str, Any]:
    """The test set's curves at the training curve's steps (a run with a test set only):
    ``history.test_loss[i]`` is measured on the same parameters as ``history.loss[i]``."""
    if len(record.test_loss) != len(record.loss) or not record.loss:
        return {}
    return {
        "test_loss": [_short_float(record.test_loss[i]) for i in picks],
        "test_accuracy": [record.test_accuracy[i] for i in picks] if classes else None,
    }


def _lr_text(lr: list[float]) -> str | None:
    if not lr:
        return None
    first, last = f"{lr[0]:.4g}", f"{lr[-1]:.4g}"
    return first if first == last else f"{first} \u2192 {last}"


def _label(text: Any) -> Any:
    return shorten(label_text(escape.visible(text))) if isinstance(text, str) else text


def _shown_labels(network: dict[str, Any]) -> dict[str, Any]:
    """The network with every label as the tooltip shows it: scripts as the pictures draw
    them (z²₁), lone surrogates and bidirectional controls as their escapes, a long label
    shortened with a "…"."""
    return {
        **network,
        "inputs": [_label(name) for name in network["inputs"]],
        "layers": [
            {
                **layer,
                "neurons": [
                    {
                        **n,
                        "z": _label(n["z"]),
                        "a": _label(n["a"]),
                        "b": _label(n["b"]),
                        "w": [_label(w) for w in n["w"]],
                    }
                    for n in layer["neurons"]
                ],
            }
            for layer in network["layers"]
        ],
    }


def _point_class(label: float, outputs: int) -> int:
    if outputs == 1:
        return 1 if label > 0 else -1
    return int(label)


def training_page(
    run: TrainingRecord | History,
    path: str | os.PathLike | None = None,
    *,
    title: str = "Training",
) -> Path | TrainingPage:
    """The recorded run as a self-contained HTML page: written to ``path``, or returned.

    See the module docstring for what the page shows. The title and every label are shown
    as text, never as markup, with lone surrogates and bidirectional controls as their
    escapes (see :func:`autograd_lite.escape.visible`); the tooltip shortens a long label with a
    "…" (:func:`viz.labels.shorten`), and the page's data keeps every parameter's label in
    full (``names``). The page is written atomically.

    Args:
        run: the :class:`~autograd_lite.nn.history.History` of ``fit(..., record=N)``, or
            its :class:`~autograd_lite.nn.record.TrainingRecord` (``history.record``).
        path: the HTML file to write; None returns the :class:`TrainingPage`.
        title: the page's heading.

    Returns:
        The path written, or without ``path`` the page.

    Raises:
        TypeError: if ``run`` is neither a history nor a training record, or ``title``
            is not text.
        ValueError: if the history has no record (``fit`` ran without ``record=N``), or
            the record holds more numbers than a page should (``MAX_RECORDED_NUMBERS``).
    """
    record = run
    if isinstance(run, History):
        if run.record is None:
            raise ValueError(
                "training_page draws a recorded run, and this history has none: train with "
                "fit(..., record=N) to keep a snapshot every N steps"
            )
        record = run.record
    if not isinstance(record, TrainingRecord):
        raise TypeError(
            "training_page needs the history of a recorded run, fit(..., record=N), or its "
            f"record; got {type(record).__name__}"
        )
    if not isinstance(title, str):
        raise TypeError(f"title must be text, got {type(title).__name__}")
    if not record.snapshots:
        raise ValueError("the record has no snapshots to draw")
    shown = escape.visible(title)
    text = html_page(
        title=title,
        body=_training_page.BODY,
        style=_training_page.STYLE,
        script=_training_page.SCRIPT,
        data=page_data(record),
        data_id="training-data",
        parts={"LAST": str(len(record.snapshots) - 1)},
    )
    page = TrainingPage(text, n_snapshots=len(record.snapshots), title=shown)
    return page if path is None else page.save(path)


# --- the live view ---------------------------------------------------------------------------

POS, NEG = (8, 119, 189), (245, 147, 34)
TEST_COLOUR = "#7570b3"  # the test set's curves, as on the page


def _png(rows: list[bytes], width: int, height: int) -> bytes:
    """A minimal RGB PNG from rows of ``3 * width`` bytes, top row first."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + r for r in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def output_png(grid: Any, outputs: int) -> bytes:
    """The model's output over the plane as a PNG, one pixel per grid point, coloured as
    on the page (blue +, orange −, stronger where the output is larger)."""
    import numpy as np

    q = np.frombuffer(quantize(grid, outputs), dtype=np.uint8).reshape(grid.shape)
    if outputs == 1:
        t = (q.astype(float) - 127.5) / 127.5
        strength = 0.12 + 0.5 * np.abs(t)
        colour = np.where((t >= 0)[..., None], np.array(POS), np.array(NEG))
    else:
        palette = np.array([NEG, POS, (27, 158, 119), (217, 95, 2), (117, 112, 179)] * 52)
        colour = palette[q]
        strength = np.full(q.shape, 0.45)
    rgb = np.rint(255 + (colour - 255) * strength[..., None]).astype(np.uint8)
    rgb = rgb[::-1]  # the PNG's top row is the highest x2
    return _png([row.tobytes() for row in rgb], q.shape[1], q.shape[0])


def _polyline(xs: list[float], ys: list[float], box: tuple, colour: str, dash: str = "") -> str:
    x0, y0, w, h, last, top = box
    pts = " ".join(
        f"{x0 + w * x / max(last, 1):.1f},{y0 + h - h * y / (top or 1):.1f}"
        for x, y in zip(xs, ys)
        if y is not None
    )
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="1.5"{dashes}/>'


def live_html(record: Any, history: Any, total_steps: int | None = None) -> str:
    """The live view as static HTML: the output with the data, and the curves so far."""
    esc = html.escape
    s = record.snapshots[-1]
    acc = "" if s.accuracy is None else f", accuracy {s.accuracy:.1%}"
    parts = [
        '<div style="display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap">',
    ]
    if record.extent is not None:
        png = base64.b64encode(output_png(s.grid, record.outputs)).decode("ascii")
        x0, x1, y0, y1 = record.extent
        dots = _live_dots(record, record.X, record.y, 'stroke="#fff"')
        # the test set ringed in black, as on the page
        ring = 'stroke="#000" stroke-width="1.5" class="test"'
        dots += _live_dots(record, record.X_test or [], record.y_test or [], ring)
        parts.append(
            '<svg width="300" height="300" viewBox="0 0 300 300" '
            'style="border:1px solid #ddd">'
            f'<image href="data:image/png;base64,{png}" x="0" y="0" width="300" '
            'height="300" preserveAspectRatio="none"/>' + "".join(dots) + "</svg>"
        )
    last = max(total_steps or len(history.loss), 1)
    parts.append(_live_curves(history, last))
    parts.append("</div>")
    test = ""
    if s.test_loss is not None:
        test = f"; test loss {s.test_loss:.4g}"
        if s.test_accuracy is not None:
            test += f", test accuracy {s.test_accuracy:.1%}"
    parts.append(
        f"<p>step {s.step} of {esc(str(last))}: loss {s.loss:.4g}{esc(acc)} "
        f"(whole training set){esc(test)}</p>"
    )
    return "".join(parts)


def _live_dots(record: Any, X: list, y: list, stroke: str) -> list[str]:
    """The samples as SVG circles on the live view's 300×300 picture of the plane."""
    x0, x1, y0, y1 = record.extent
    dots = []
    for x, t in zip(X, y):
        px = (x[0] - x0) / (x1 - x0) * 300
        py = 300 - (x[1] - y0) / (y1 - y0) * 300
        r, g, b = POS if _point_class(t, record.outputs) > 0 else NEG
        colour = f"rgb({r},{g},{b})" if record.outputs == 1 else "#333"
        dots.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}" {stroke}/>')
    return dots


def _live_curves(history: Any, last: int) -> str:
    """The live view's curves as SVG: loss and accuracy so far, the test set's dashed."""
    steps = len(history.loss)
    xs = list(range(1, steps + 1))
    tested = len(history.test_loss) == steps and steps > 0
    top = max(history.loss + (history.test_loss if tested else [])) if steps else 1.0
    loss_box, acc_box = (6, 18, 306, 100, last, top), (6, 146, 306, 96, last, 1.0)
    key = " (dashed: test set)" if tested else ""
    curves = [
        '<svg width="320" height="250" viewBox="0 0 320 250" style="border:1px solid #ddd">',
        f'<text x="6" y="14" font-size="11">loss{key}</text>',
        _polyline(xs, history.loss, loss_box, "#d95f02"),
    ]
    if tested:
        curves.append(_polyline(xs, history.test_loss, loss_box, TEST_COLOUR, "5,3"))
    if any(a is not None for a in history.accuracy):
        curves += [
            '<text x="6" y="142" font-size="11">accuracy (0 to 100%)</text>',
            _polyline(xs, history.accuracy, acc_box, "#1b9e77"),
        ]
        if tested:
            curves.append(_polyline(xs, history.test_accuracy, acc_box, TEST_COLOUR, "5,3"))
    curves.append("</svg>")
    return "".join(curves)


class LiveView(Observer):
    """Watches ``fit`` in a notebook: the output over the plane, the data and the curves,
    redrawn in place at most every ``interval`` seconds when a snapshot is new, and once
    more at the end.

    Give it to ``fit(..., observers=[LiveView()])``; it needs snapshots, so ``fit`` records
    every ``steps // 50`` steps unless ``record`` says otherwise. Outside a notebook a warning
    says it is ignored, and training runs without it.

    Raises:
        ValueError: if ``interval`` is not a finite number of seconds, 0 or more.
    """

    def __init__(self, interval: float = 0.5):
        if (
            isinstance(interval, bool)
            or not isinstance(interval, (int, float))
            or not (0 <= interval < float("inf"))
        ):
            raise ValueError(f"interval must be a number of seconds, 0 or more; got {interval!r}")
        self.interval = float(interval)
        self.wants_record = in_notebook()
        if not self.wants_record:
            import warnings

            warnings.warn(
                "LiveView draws in a Jupyter notebook; here training runs without it (use "
                "fit(..., record=N) and viz.training_page(history, path) to see the run "
                "afterwards)",
                stacklevel=2,
            )
        self.record: Any = None
        self.history: Any = None
        self.handle: Any = None

    def start(self, history: History, steps: int) -> None:
        """Show the first snapshot, taken before training."""
        if not self.wants_record:
            return
        from IPython.display import HTML, display

        self._html = HTML
        self.record, self.history, self.total = history.record, history, steps
        self.drawn = len(self.record.snapshots)
        self.due = time.perf_counter() + self.interval
        self.handle = display(HTML(live_html(self.record, history, steps)), display_id=True)

    def on_step(self, k: int, loss: float, accuracy: float | None) -> None:
        """Redraw when a snapshot is new, if it is time."""
        if self.handle is not None and len(self.record.snapshots) != self.drawn:
            self.update()

    def close(self, completed: bool) -> None:
        """Draw the end of the run."""
        if completed and self.handle is not None:
            self.update(final=True)

    def update(self, *, final: bool = False) -> None:
        """Redraw if it is time (always when ``final``)."""
        now = time.perf_counter()
        if now < self.due and not final:
            return
        self.due = now + self.interval
        self.drawn = len(self.record.snapshots)
        self.handle.update(self._html(live_html(self.record, self.history, self.total)))
