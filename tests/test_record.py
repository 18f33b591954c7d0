"""fit's progress bar, its record of a run (snapshots, grid, bounds), and the History table."""

import io
import math
import warnings

import pytest

from autograd_lite import no_grad
from autograd_lite.nn import MLP, Layer, Neuron, fit
from autograd_lite.nn import record as rec
from autograd_lite.nn.data import blobs, moons, xor
from autograd_lite.nn.history import History


@pytest.fixture(scope="module")
def run():
    X, y = moons(60, noise=0.1, seed=1)
    model = MLP(2, [8, 8, 1], seed=3)
    history = fit(model, X, y, loss="hinge", l2=1e-4, steps=23, record=5, grid_size=12)
    return model, X, y, history


def test_snapshots_are_taken_at_zero_every_n_steps_and_the_last(run):
    _, _, _, history = run
    assert [s.step for s in history.record] == [0, 5, 10, 15, 20, 23]


def test_the_last_snapshot_holds_the_trained_parameters(run):
    model, _, _, history = run
    assert history.record.final.parameters == tuple(p.data for p in model.parameters())
    assert history.record.names == [p.label for p in model.parameters()]


def test_the_grid_is_the_trained_models_output(run):
    model, _, _, history = run
    rec_ = history.record
    x0, x1, y0, y1 = rec_.extent
    grid = rec_.final.grid
    assert grid.shape == (12, 12)
    for r, c in [(0, 0), (3, 7), (11, 11), (6, 2)]:
        point = [x0 + c * (x1 - x0) / 11, y0 + r * (y1 - y0) / 11]
        with no_grad():
            assert math.isclose(grid[r, c], model(point).data, rel_tol=1e-9, abs_tol=1e-12)


def test_the_grid_covers_the_data(run):
    _, X, _, history = run
    x0, x1, y0, y1 = history.record.extent
    assert all(x0 < a < x1 and y0 < b < y1 for a, b in X)


def test_snapshot_loss_and_accuracy_are_those_of_the_whole_training_set(run):
    _, X, y, _ = run
    model = MLP(2, [8, 8, 1], seed=3)
    h = fit(model, X, y, loss="hinge", steps=4, record=4, grid_size=4, compiled=False)
    from autograd_lite.nn import losses

    with no_grad():
        out = [model(x) for x in X]
        expected = losses.hinge(out, y).data
    assert math.isclose(h.record.final.loss, expected, rel_tol=1e-12)
    right = sum((o.data > 0) == (t > 0) for o, t in zip(out, y))
    assert h.record.final.accuracy == right / len(y)
    # the first snapshot's loss is the first step's (full batch, before any update)
    assert math.isclose(h.record[0].loss, h.loss[0], rel_tol=1e-12)


def test_compiled_and_eager_record_the_same_run():
    X, y = xor(30, seed=0)
    a = fit(MLP(2, [4, 1], seed=1), X, y, steps=10, record=3, grid_size=5, compiled=True)
    b = fit(MLP(2, [4, 1], seed=1), X, y, steps=10, record=3, grid_size=5, compiled=False)
    for s, t in zip(a.record, b.record):
        assert s.step == t.step
        assert all(math.isclose(p, q, abs_tol=1e-12) for p, q in zip(s.parameters, t.parameters))


def test_an_early_stop_is_the_last_snapshot():
    X, y = xor(30, seed=0)
    h = fit(MLP(2, [4, 1]), X, y, steps=50, record=10, callback=lambda k, h: k == 7)
    assert [s.step for s in h.record] == [0, 7]


def test_several_outputs_record_the_class_on_the_grid():
    X, y = blobs(45, centers=3, seed=0)
    model = MLP(2, [6, 3], seed=0)
    h = fit(model, X, y, loss="softmax_cross_entropy", steps=5, record=5, grid_size=6)
    g = h.record.final.grid
    assert set(g.ravel()) <= {0.0, 1.0, 2.0}
    x0, _, y0, _ = h.record.extent
    with no_grad():
        scores = [v.data for v in model([x0, y0])]
    assert g[0, 0] == scores.index(max(scores))
    assert h.record.outputs == 3


def test_data_with_other_than_two_inputs_has_no_grid():
    X = [[0.1 * i, 0.2, -0.1 * i] for i in range(10)]
    y = [1 if i % 2 else -1 for i in range(10)]
    h = fit(MLP(3, [4, 1]), X, y, steps=4, record=2)
    assert h.record.extent is None and h.record.final.grid is None and h.record.X is None


def test_a_lone_neuron_and_a_layer_are_drawn_as_networks():
    X, y = xor(20, seed=0)
    h = fit(Neuron(2, activation="tanh"), X, y, steps=2, record=1, grid_size=4)
    assert h.record.network["layers"][0]["neurons"][0]["z"] == "z^2_1"
    classes = [int(t > 0) for t in y]
    layer = Layer(2, 2, activation="linear")
    h = fit(layer, X, classes, loss="softmax_cross_entropy", steps=2, record=1, grid_size=4)
    assert h.record.network["inputs"] == ["a^1_1", "a^1_2"]


def test_a_model_of_its_own_is_recorded_point_by_point():
    X, y = xor(20, seed=0)
    inner = MLP(2, [3, 1], seed=0)

    class Mine:
        def __call__(self, x):
            return inner(x)

        def parameters(self):
            return inner.parameters()

    h = fit(Mine(), X, y, steps=3, record=3, grid_size=5)
    assert h.record.network is None
    with no_grad():
        x0, _, y0, _ = h.record.extent
        assert math.isclose(h.record.final.grid[0, 0], inner([x0, y0]).data, rel_tol=1e-12)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"record": 0}, ValueError, "record"),
        ({"record": 2.5}, ValueError, "record"),
        ({"record": True}, ValueError, "record"),
        ({"record": 1, "grid_size": 1}, ValueError, "grid_size"),
        ({"record": 1, "grid_size": rec.MAX_GRID + 1}, ValueError, "grid_size"),
        ({"record": 1, "steps": 10 * rec.MAX_SNAPSHOTS}, ValueError, "record every 11 steps"),
        ({"record": 1, "steps": 1000, "grid_size": 200}, ValueError, "smaller grid_size"),
        ({"progress": "yes"}, ValueError, "progress"),
        ({"observers": [1]}, TypeError, "observers"),
        ({"observers": 1}, TypeError, "observers"),
    ],
)
def test_bad_record_settings_are_refused_before_training(kwargs, error, words):
    X, y = xor(20, seed=0)
    model = MLP(2, [3, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(error, match=words):
        fit(model, X, y, **{"steps": 3, **kwargs})
    assert [p.data for p in model.parameters()] == before


def test_without_record_there_is_no_record():
    X, y = xor(20, seed=0)
    assert fit(MLP(2, [3, 1]), X, y, steps=2).record is None


def test_an_observer_that_wants_a_record_gets_one_every_fiftieth_of_the_run():
    from autograd_lite.nn.observers import Observer

    class Watching(Observer):
        wants_record = True

        def start(self, history, steps):
            self.snapshots = len(history.record)

    X, y = xor(20, seed=0)
    watching = Watching()
    h = fit(MLP(2, [3, 1]), X, y, steps=100, observers=[watching], progress=False)
    assert watching.snapshots == 1 and [s.step for s in h.record][:3] == [0, 2, 4]
    assert fit(MLP(2, [3, 1]), X, y, steps=4, record=3, observers=[watching]).record.every == 3


def test_the_progress_bar_shows_loss_and_accuracy(monkeypatch):
    import sys

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    X, y = xor(20, seed=0)
    fit(MLP(2, [3, 1]), X, y, steps=7, progress=True)
    text = err.getvalue()
    assert "7/7" in text and "loss=" in text and "accuracy=" in text


def test_no_bar_when_nobody_watches(capsys):
    X, y = xor(20, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(MLP(2, [3, 1]), X, y, steps=3)
    assert capsys.readouterr().err == ""


def test_history_shows_as_a_table_everywhere(run):
    _, _, _, history = run
    text = repr(history)
    assert text.splitlines()[1].split() == ["step", "loss", "accuracy", "lr"]
    assert text.splitlines()[2].split()[0] == "1"
    assert f"{history.loss[-1]:.6g}" in text
    assert "history.record: 6 snapshots" in text
    md = history.markdown()
    assert "| step | loss | accuracy | lr |" in md and f"| 23 | {history.loss[-1]:.6g} |" in md
    page = history._repr_html_()
    assert "<table>" in page and "<th>lr</th>" in page


def test_a_long_history_shows_twelve_rows_first_and_last_included():
    h = History(loss=[float(i) for i in range(100)], accuracy=[None] * 100, lr=[0.1] * 100)
    rows = h.table().rows
    assert len(rows) == 12 and rows[0][0] == "1" and rows[-1][0] == "100"
    assert rows[0][2] == "—"


def test_the_record_shows_as_a_table_everywhere(run):
    _, _, _, history = run
    r = history.record
    assert "step" in repr(r).splitlines()[1]
    assert [row[0] for row in r.table().rows] == ["0", "5", "10", "15", "20", "23"]
    assert "| 23 |" in r.markdown()
    assert "<table>" in r._repr_html_()


def test_a_record_the_training_page_would_refuse_is_refused_before_the_first_step():
    # 2,000 snapshots of 337 parameters and a 50×50 grid: 5.67 million numbers, more than
    # a page holds; it was refused only by the page, after the whole run had trained
    X, y = moons(100, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"5,674,000 numbers .* at most 5,000,000"):
        fit(model, X, y, loss="hinge", steps=1998, record=1)
    assert [p.data for p in model.parameters()] == before


def test_the_record_and_the_page_have_one_bound():
    training = pytest.importorskip("viz.training")
    assert training.MAX_RECORDED_NUMBERS is rec.MAX_RECORDED_NUMBERS


def test_each_hidden_neurons_activation_is_recorded_over_the_plane(run):
    model, _, _, history = run
    r = history.record
    side = r.neuron_grid
    assert side == 12  # the output's grid is smaller than NEURON_GRID: the same side
    final = r.final.neurons
    assert final.shape == (16, side, side)
    x0, x1, y0, y1 = r.extent
    row, col = 3, 7
    point = [x0 + col * (x1 - x0) / (side - 1), y0 + row * (y1 - y0) / (side - 1)]
    with no_grad():
        a1 = [n(point).data for n in model.layers[0].neurons]
        a2 = [n(a1).data for n in model.layers[1].neurons]
    assert final[:, row, col] == pytest.approx(a1 + a2, abs=1e-9)
    assert r.snapshots[0].neurons is not None and not final.flags.writeable


def test_neuron_grids_shrink_or_go_to_keep_the_record_in_bounds():
    X, y = moons(100, noise=0.1, seed=0)
    # 1,000 snapshots of 337 parameters and a 50×50 grid: 2.84 million numbers; 32
    # neurons at 24×24 more would take it over 5 million
    history = fit(MLP(2, [16, 16, 1], seed=0), X, y, steps=999, record=1)
    r = history.record
    numbers = len(r) * (len(r.names) + 50 * 50 + 32 * r.neuron_grid**2)
    assert 8 <= r.neuron_grid < rec.NEURON_GRID and numbers <= rec.MAX_RECORDED_NUMBERS
    assert r.final.neurons.shape == (32, r.neuron_grid, r.neuron_grid)


def test_no_neuron_grids_without_hidden_neurons():
    X, y = moons(30, noise=0.1, seed=0)
    history = fit(Neuron(2, seed=0), X, y, steps=3, record=1, grid_size=10)
    assert history.record.neuron_grid == 0 and history.record.final.neurons is None
