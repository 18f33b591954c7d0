"""What ``fit(..., record=N)`` keeps of a training run, to replay it: :class:`TrainingRecord`.

Every ``N`` steps, and after the first and the last, :class:`Recorder` takes a
:class:`Snapshot`: every parameter, the loss and accuracy on the whole training set (L2
included, as in training) and, for two-input data, the model's output on a grid of points
around the data. The record keeps the per-step loss and accuracy curves too. A record is
data: ``viz.training_page(history)`` draws the run as a page with a slider (this package
never imports ``viz``).

What a record costs is bounded before training starts: at most :data:`MAX_SNAPSHOTS`
snapshots, grids of at most :data:`MAX_GRID` points a side, and at most
:data:`MAX_RECORDED_NUMBERS` numbers in all.

Example:
    >>> from autograd_lite.nn import MLP, fit
    >>> from autograd_lite.nn.data import xor
    >>> X, y = xor(40, seed=0)
    >>> history = fit(MLP(2, [8, 1], seed=2), X, y, steps=30, record=10, grid_size=20)
    >>> [s.step for s in history.record]
    [0, 10, 20, 30]
    >>> history.record[-1].grid.shape
    (20, 20)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..checks import check_integer
from ..engine import Value, no_grad
from ..labels import neuron_label
from .history import _percent
from .layers import MLP, Layer, Neuron

if TYPE_CHECKING:  # only for the annotations: the table module loads on use
    from ..table import Table

__all__ = [
    "Snapshot",
    "TrainingRecord",
    "Recorder",
    "MAX_SNAPSHOTS",
    "MAX_GRID",
    "MAX_RECORDED_NUMBERS",
    "DEFAULT_GRID",
    "NEURON_GRID",
]

MAX_SNAPSHOTS = 2_000
MAX_GRID = 200
DEFAULT_GRID = 50
NEURON_GRID = 24
"""The most points a side of each hidden neuron's grid (its activation over the plane)."""
MAX_RECORDED_NUMBERS = 5_000_000
"""The most numbers (parameters and grid cells over all snapshots) a record holds: as many
as a training page holds, so a run whose page would be refused is refused before its first
step, not after its last."""
# a grid of a model that is not made of our layers is evaluated point by point by the engine
MAX_SLOW_GRID_POINTS = 2_000_000


@dataclass(frozen=True)
class Snapshot:
    """The model at one moment of training.

    Attributes:
        step: how many updates the parameters have had (0: before training).
        parameters: every parameter's value, in ``model.parameters()`` order.
        loss: the loss on the whole training set with these parameters (L2 included).
        accuracy: the fraction of the training set classified right (None when the labels
            are not class labels).
        grid: for two-input data, the model's output at each grid point, a numpy array of
            shape (rows, columns): row 0 is the lowest x2, column 0 the lowest x1 (see
            :attr:`TrainingRecord.extent`). One output: its score; several outputs: the
            index of the largest. None for other data.
        neurons: for two-input data and a network of our layers, each hidden neuron's
            activation at each point of a coarser grid (:attr:`TrainingRecord.neuron_grid`
            points a side, over the same extent): a numpy array of shape (hidden neurons,
            rows, columns), neurons layer by layer, in order. None when not recorded.
        test_loss: the loss on the whole test set of ``fit(..., test=...)`` with these
            parameters (L2 included), or None without one.
        test_accuracy: the fraction of the test set classified right, or None (no test
            set, or labels that are not class labels).
    """

    step: int
    parameters: tuple[float, ...]
    loss: float
    accuracy: float | None
    grid: Any = None
    neurons: Any = None
    test_loss: float | None = None
    test_accuracy: float | None = None

    def __repr__(self) -> str:
        acc = "" if self.accuracy is None else f", accuracy {self.accuracy:.1%}"
        if self.test_loss is not None:
            acc += f"; test loss {self.test_loss:.6g}"
        if self.test_accuracy is not None:
            acc += f", test accuracy {self.test_accuracy:.1%}"
        return f"Snapshot(step {self.step}, loss {self.loss:.6g}{acc})"


@dataclass
class TrainingRecord:
    """A training run kept for replaying: snapshots, curves, the data and the network's shape.

    Attributes:
        every: the snapshots' spacing in steps.
        snapshots: the :class:`Snapshot` list, first (step 0) to last.
        names: the parameters' labels, in ``model.parameters()`` order.
        loss: the loss of every step's batch (as ``History.loss``).
        accuracy: the accuracy of every step's batch (as ``History.accuracy``).
        X, y: the training data (two-input data only; None otherwise).
        X_test, y_test: the test data of ``fit(..., test=...)`` (two-input data only;
            None otherwise).
        test_loss: the test set's loss at every step (as ``History.test_loss``; empty
            without a test set).
        test_accuracy: the test set's accuracy at every step (as ``History.test_accuracy``).
        extent: ``(x1_min, x1_max, x2_min, x2_max)`` of the grid, or None.
        network: the network's shape for drawing (``n_inputs``, ``layer_sizes``, the
            activation of each layer, the labels of every neuron), or None for a model
            that is not an :class:`~autograd_lite.nn.MLP`, ``Layer`` or ``Neuron``.
        outputs: the model's number of outputs per sample (1 for a single score).
        settings: how the run was made, as text by name (loss, optimizer, batch, L2, seed,
            steps), for the training page; empty when not given.
        lr: the learning rate of every step (as ``History.lr``).
        neuron_grid: the side of the hidden neurons' grids (0: not recorded, for data
            without two inputs, a model without hidden neurons, or when they would take the
            record over :data:`MAX_RECORDED_NUMBERS`).
    """

    every: int
    snapshots: list[Snapshot] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    X: list[list[float]] | None = None
    y: list[float] | None = None
    extent: tuple[float, float, float, float] | None = None
    network: dict[str, Any] | None = None
    outputs: int = 1
    neuron_grid: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    X_test: list[list[float]] | None = None
    y_test: list[float] | None = None
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.snapshots)

    def __iter__(self) -> Iterator[Snapshot]:
        return iter(self.snapshots)

    def __getitem__(self, i: int) -> Snapshot:
        return self.snapshots[i]

    @property
    def final(self) -> Snapshot:
        """The last snapshot: the trained model."""
        return self.snapshots[-1]

    def table(self) -> Table:
        """The snapshots as a :class:`~autograd_lite.table.Table` (at most 12 rows)."""
        from ..table import Table

        tested = self.snapshots and self.snapshots[0].test_loss is not None
        rows = []
        for s in _spread(self.snapshots, 12):
            row = [str(s.step), f"{s.loss:.6g}", _percent(s.accuracy)]
            if tested:
                row += [f"{s.test_loss:.6g}", _percent(s.test_accuracy)]
            rows.append(row)
        grid = "" if self.extent is None else f", the output on a {_grid_text(self)} grid"
        title = (
            f"Training record: {len(self.snapshots)} snapshots, every {self.every} steps "
            f"(parameters, loss and accuracy on the whole training set{grid})"
        )
        notes = []
        if len(self.snapshots) > 12:
            notes.append(f"{len(self.snapshots) - 12} snapshots not shown")
        notes.append("viz.training_page(record, path) draws the run; record[i] is one snapshot")
        head = ["step", "loss", "accuracy"]
        if tested:
            head += ["test loss", "test accuracy"]
            notes.insert(0, "test loss and accuracy: on the whole test set")
        return Table(title, head, rows, notes)

    def __repr__(self) -> str:
        return self.table().text()

    def markdown(self) -> str:
        """The snapshots as a Markdown table."""
        return self.table().markdown()

    def _repr_html_(self) -> str:
        return self.table().html()


def _grid_text(record: TrainingRecord) -> str:
    g = record.snapshots[0].grid
    return f"{g.shape[1]}×{g.shape[0]}"


def _spread(items: Sequence, n: int) -> list:
    """At most n items, evenly spread, the first and last included."""
    if len(items) <= n:
        return list(items)
    picks = sorted({round(i * (len(items) - 1) / (n - 1)) for i in range(n)})
    return [items[i] for i in picks]


def settings_of(plan: Any) -> dict[str, str]:
    """What the training page shows of how a run was made, from ``fit``'s checked plan."""
    loss = getattr(plan.loss_fn, "__name__", type(plan.loss_fn).__name__)
    n = len(plan.X)
    batch = f"all {n} samples" if plan.batch_size in (None, n) else f"{plan.batch_size} of {n}"
    data = {} if plan.test is None else {"data": f"{n} training + {len(plan.test[0])} test samples"}
    return {
        **data,
        "loss": loss.strip("_<>") or "custom",
        "optimizer": type(plan.optimizer).__name__,
        "batch": batch,
        "L2": f"{plan.l2:g}" if plan.l2 else "none",
        "steps": str(plan.steps),
        "seed": str(plan.seed),
    }


def check_record(
    record: Any, steps: int, n_params: int, n_inputs: int | None, grid_size: Any, fast: bool
) -> tuple[int, int]:
    """Check ``record`` and ``grid_size`` and bound what recording would cost, before training.

    Returns:
        ``(every, grid)``: the spacing of snapshots and the grid's side (0 for no grid).

    Raises:
        ValueError: for a spacing or grid size out of range, or a record that would hold
            more than the limits allow; the message says what to ask for instead.
    """
    every = check_integer(record, "record (a number of steps, or None)", minimum=1)
    grid = check_integer(grid_size, "grid_size", minimum=2, maximum=MAX_GRID)
    count = steps // every + 2  # step 0, every N-th, and the last
    if count > MAX_SNAPSHOTS:
        least = math.ceil(steps / (MAX_SNAPSHOTS - 2))
        raise ValueError(
            f"record={every} over {steps} steps would take about {count:,} snapshots; at most "
            f"{MAX_SNAPSHOTS:,} are kept: record every {least} steps or more"
        )
    if n_inputs != 2:
        grid = 0
    numbers = count * (n_params + grid * grid)
    if numbers > MAX_RECORDED_NUMBERS:
        raise ValueError(
            f"the record would hold {numbers:,} numbers ({count:,} snapshots of {n_params:,} "
            f"parameters and a {grid}×{grid} grid); at most {MAX_RECORDED_NUMBERS:,}: record "
            "less often or ask for a smaller grid_size"
        )
    if grid and not fast and count * grid * grid > MAX_SLOW_GRID_POINTS:
        raise ValueError(
            f"this model is not made of autograd_lite's layers, so its {grid}×{grid} grid is "
            f"evaluated point by point: {count * grid * grid:,} forward passes in all, more "
            f"than {MAX_SLOW_GRID_POINTS:,}; record less often or ask for a smaller grid_size"
        )
    return every, grid


def _layers_of(model: Any) -> list[Layer] | None:
    """The model as a list of layers of neurons, or None when it is not made of ours."""
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, Layer):
        return [model]
    if isinstance(model, Neuron):
        return None  # a lone neuron is drawn too: see _network
    return None


def _network(model: Any) -> dict[str, Any] | None:
    """The network's shape and labels, for drawing."""
    if isinstance(model, Neuron):
        neurons = [[model]]
        n_inputs = model.n_inputs
    else:
        layers = _layers_of(model)
        if layers is None:
            return None
        neurons = [layer.neurons for layer in layers]
        n_inputs = layers[0].n_inputs
    first = neurons[0][0].layer - 1
    return {
        "n_inputs": n_inputs,
        "inputs": [neuron_label("a", first, k) for k in range(1, n_inputs + 1)],
        "layers": [
            {
                "activation": ns[0].activation,
                "neurons": [
                    {
                        "z": neuron_label("z", n.layer, n.index),
                        "a": neuron_label("a", n.layer, n.index),
                        "b": n.b.label,
                        "w": [w.label for w in n.w],
                    }
                    for n in ns
                ],
            }
            for ns in neurons
        ],
    }


_NUMPY_ACTIVATIONS: dict[str, Callable] = {}


def _activation(name: str):
    import numpy as np

    if not _NUMPY_ACTIVATIONS:
        _NUMPY_ACTIVATIONS.update(
            relu=lambda z: np.maximum(z, 0.0),
            tanh=np.tanh,
            # the stable form, as the ops table's: never exp of a large positive number
            sigmoid=lambda z: np.where(
                z >= 0,
                1.0 / (1.0 + np.exp(-np.abs(z))),
                np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))),
            ),
            linear=lambda z: z,
        )
    return _NUMPY_ACTIVATIONS[name]


def _array_forward(neurons: list[list[Neuron]], points):
    """The outputs of layers of neurons for an (n, inputs) array of points, computed with
    numpy from the parameters' current data (the engine's results to rounding)."""
    return _array_layers(neurons, points)[-1]


def _array_layers(neurons: list[list[Neuron]], points) -> list:
    """Every layer's outputs for an (n, inputs) array of points: a list of (n, width)."""
    import numpy as np

    layers = []
    for ns in neurons:
        # the weights as (inputs, neurons), contiguous: OpenBLAS is many times slower on a
        # transposed view of a small matrix
        w = np.ascontiguousarray(np.array([[p.data for p in n.w] for n in ns]).T)
        b = np.array([n.b.data for n in ns])
        layers.append((w, b, _activation(ns[0].activation)))
    # Blocks of rows small enough that OpenBLAS does not start threads: on a busy machine
    # its threads wait for each other many times longer than the products take.
    blocks = []
    for start in range(0, len(points), _BLOCK):
        a, outs = points[start : start + _BLOCK], []
        for w, b, act in layers:
            a = act(a @ w + b)
            outs.append(a)
        blocks.append(outs)
    return [np.concatenate([blk[i] for blk in blocks]) for i in range(len(layers))]


_BLOCK = 128


class Recorder:
    """Takes the snapshots of one :func:`~autograd_lite.nn.fit` run (used by ``fit``)."""

    def __init__(
        self,
        model: Any,
        X: list,
        y: list,
        loss_fn: Callable,
        params: list[Value],
        *,
        every: int,
        grid: int,
        l2: float,
        classes: bool,
        steps: int | None = None,
        settings: dict[str, Any] | None = None,
        test: tuple[list, list] | None = None,
    ):
        import numpy as np

        self.model, self.loss_fn, self.params, self.l2 = model, loss_fn, params, l2
        self.y_list, self.classes = y, classes
        if isinstance(model, Neuron):
            self.neurons = [[model]]
        else:
            layers = _layers_of(model)
            self.neurons = None if layers is None else [layer.neurons for layer in layers]
        self.points = np.array(X, dtype=float) if self.neurons is not None else None
        self.X = X
        self.test = test
        self.test_points = None
        if test is not None and self.neurons is not None:
            self.test_points = np.array(test[0], dtype=float)
        width = len(self.neurons[-1]) if self.neurons is not None else None
        self.record = TrainingRecord(
            every=every,
            names=[p.label for p in params],
            network=_network(model),
            outputs=width or 1,
            settings=dict(settings or {}),
        )
        self.grid_points = None
        self.neuron_points = None
        if grid:
            pts = np.array(X, dtype=float)
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            span = float(max(hi - lo))
            pad = 0.15 * span if span > 0 else 0.5
            x1 = np.linspace(lo[0] - pad, hi[0] + pad, grid)
            x2 = np.linspace(lo[1] - pad, hi[1] + pad, grid)
            gx, gy = np.meshgrid(x1, x2)
            self.grid_points = np.column_stack([gx.ravel(), gy.ravel()])
            self.grid = grid
            self.record.extent = (float(x1[0]), float(x1[-1]), float(x2[0]), float(x2[-1]))
            self.record.X = [[float(v) for v in x] for x in X]
            self.record.y = [float(v) for v in y]
            if test is not None:
                self.record.X_test = [[float(v) for v in x] for x in test[0]]
                self.record.y_test = [float(v) for v in test[1]]
            self._plan_neuron_grid(x1, x2, steps)

    def _plan_neuron_grid(self, x1, x2, steps: int | None) -> None:
        """Record each hidden neuron over a coarser grid when the record has room for it:
        the largest side up to :data:`NEURON_GRID` that keeps the whole record within
        :data:`MAX_RECORDED_NUMBERS` (decided before the first step), else none."""
        import numpy as np

        self.neuron_points = None
        if self.neurons is None or steps is None:
            return
        hidden = sum(len(ns) for ns in self.neurons[:-1])
        count = steps // self.record.every + 2
        room = MAX_RECORDED_NUMBERS // count - len(self.params) - self.grid**2
        side = min(NEURON_GRID, self.grid)
        while hidden and side >= 8 and hidden * side * side > room:
            side -= 2
        if not hidden or side < 8:
            return
        n1 = np.linspace(x1[0], x1[-1], side)
        n2 = np.linspace(x2[0], x2[-1], side)
        gx, gy = np.meshgrid(n1, n2)
        self.neuron_points = np.column_stack([gx.ravel(), gy.ravel()])
        self.record.neuron_grid = side

    def _outputs(self, points) -> Any:
        """The model's outputs for an array of points: (n,) for one output, else (n, k)."""
        import numpy as np

        if self.neurons is not None:
            out = _array_forward(self.neurons, points)
            return out[:, 0] if out.shape[1] == 1 else out
        with no_grad():
            rows = []
            for x in points:
                o = self.model([float(v) for v in x])
                rows.append([v.data for v in o] if isinstance(o, list) else o.data)
        return np.array(rows, dtype=float)

    def _measure(self, points, X: list, y: list) -> tuple[float, float | None]:
        """The loss (L2 included) and accuracy on samples ``X`` (as an array, ``points``,
        for a model of our layers), without building a graph."""
        if points is not None:
            out = self._outputs(points)
            outputs = [list(map(float, o)) for o in out] if out.ndim == 2 else list(map(float, out))
        else:
            with no_grad():
                raw = [self.model(x) for x in X]
            outputs = [[v.data for v in o] if isinstance(o, list) else o.data for o in raw]
        with no_grad():
            total = self.loss_fn(outputs, y)
            if self.l2:
                from .losses import l2

                total = total + l2(self.params, self.l2)
        acc = None
        if self.classes:
            right = 0
            for o, t in zip(outputs, y):
                if isinstance(o, list):
                    right += o.index(max(o)) == t
                else:
                    right += (o > 0.0) == (t > 0)
            acc = right / len(outputs)
        return (total.data if isinstance(total, Value) else float(total)), acc

    def take(self, step: int) -> None:
        """Snapshot the model as it is now, after ``step`` updates."""
        import numpy as np

        loss, acc = self._measure(self.points, self.X, self.y_list)
        test_loss = test_acc = None
        if self.test is not None:
            test_loss, test_acc = self._measure(self.test_points, *self.test)
        grid = None
        if self.grid_points is not None:
            g = self._outputs(self.grid_points)
            g = g if g.ndim == 1 else np.argmax(g, axis=1).astype(float)
            grid = g.reshape(self.grid, self.grid)
            grid.setflags(write=False)
        params = tuple(p.data for p in self.params)
        self.record.snapshots.append(
            Snapshot(step, params, loss, acc, grid, self._hidden(), test_loss, test_acc)
        )

    def _hidden(self) -> Any:
        """Each hidden neuron's activation over the neurons' grid, or None."""
        import numpy as np

        if self.neuron_points is None:
            return None
        side = self.record.neuron_grid
        layers = _array_layers(self.neurons, self.neuron_points)[:-1]
        a = np.concatenate(layers, axis=1).T.reshape(-1, side, side)
        a.setflags(write=False)
        return a

    def finish(
        self,
        loss: list[float],
        accuracy: list[float | None],
        lr: Sequence[float] = (),
        test_loss: Sequence[float] = (),
        test_accuracy: Sequence[float | None] = (),
    ) -> TrainingRecord:
        """The record, with the run's curves (learning rates and the test set's curves,
        when given)."""
        self.record.loss = list(loss)
        self.record.accuracy = list(accuracy)
        self.record.lr = list(lr)
        self.record.test_loss = list(test_loss)
        self.record.test_accuracy = list(test_accuracy)
        return self.record
