"""fit and accuracy: the same updates as a hand-written loop, batches, GC pausing, progress."""

import gc

import pytest

from autograd_lite import Value
from autograd_lite.nn import MLP
from autograd_lite.nn.data import blobs, moons, xor
from autograd_lite.nn.losses import hinge, l2
from autograd_lite.nn.optim import SGD, Adam, linear_schedule
from autograd_lite.nn.train import History, accuracy, fit


@pytest.fixture
def data():
    return moons(20, noise=0.1, seed=0)


def data_of(model):
    return [p.data for p in model.parameters()]


def test_fit_makes_exactly_the_updates_of_a_hand_written_loop(data):
    X, y = data
    by_fit, by_hand = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=0)
    schedule = linear_schedule(1.0, 0.1, 3)
    history = fit(by_fit, X, y, loss="hinge", steps=3, l2=1e-4, lr=schedule, compiled=False)
    losses = []
    for k in range(3):
        by_hand.zero_grad()
        loss = hinge([by_hand(x) for x in X], y) + l2(by_hand.parameters(), 1e-4)
        loss.backward()
        for p in by_hand.parameters():
            p.data -= schedule(k) * p.grad
        losses.append(loss.data)
    assert data_of(by_fit) == data_of(by_hand)
    assert history.loss == losses
    assert history.lr == [schedule(k) for k in range(3)]


def test_history_has_one_entry_per_step(data):
    X, y = data
    history = fit(MLP(2, [4, 1]), X, y, steps=5)
    assert len(history) == len(history.loss) == len(history.accuracy) == len(history.lr) == 5
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)
    assert history.seconds > 0.0
    assert repr(history).startswith("Training: 5 steps in ")


def test_training_reaches_full_accuracy_on_xor():
    X, y = xor(40, seed=0)
    model = MLP(2, [8, 1], seed=2)
    fit(model, X, y, optimizer=Adam(model.parameters(), lr=0.05), steps=60)
    assert accuracy(model, X, y) == 1.0


def test_cross_entropy_trains_a_multi_class_model():
    X, y = blobs(60, centers=3, seed=0)
    model = MLP(2, [8, 3], seed=0)
    history = fit(model, X, y, loss="softmax_cross_entropy", steps=30, lr=0.1)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert accuracy(model, X, y) > 0.9


def test_mini_batches_are_drawn_from_the_seed(data):
    X, y = data

    def run(seed):
        model = MLP(2, [4, 1], seed=0)
        fit(model, X, y, steps=3, batch_size=5, seed=seed, lr=0.1)
        return data_of(model)

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_a_batch_holds_batch_size_samples(data):
    X, y = data
    sizes = []

    def loss(outputs, labels):
        sizes.append(len(outputs))
        return hinge(outputs, labels)

    fit(MLP(2, [4, 1]), X, y, loss=loss, steps=3, batch_size=7, compiled=False)
    assert sizes == [7, 7, 7]


def test_gc_is_paused_during_each_step_and_restored_after(data):
    X, y = data
    seen = []

    def loss(outputs, labels):
        seen.append(gc.isenabled())
        return hinge(outputs, labels)

    assert gc.isenabled()
    fit(MLP(2, [4, 1]), X, y, loss=loss, steps=2, compiled=False)
    assert seen == [False, False] and gc.isenabled()
    fit(MLP(2, [4, 1]), X, y, loss=loss, steps=1, pause_gc=False)
    assert seen[-1] is True


def test_gc_is_restored_when_a_step_fails(data):
    X, y = data

    def loss(outputs, labels):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fit(MLP(2, [4, 1]), X, y, loss=loss, steps=1)
    assert gc.isenabled()


def test_gc_left_disabled_by_the_caller_stays_disabled(data):
    X, y = data
    gc.disable()
    try:
        fit(MLP(2, [4, 1]), X, y, steps=1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_verbose_prints_step_loss_and_accuracy(data, capsys):
    X, y = data
    fit(MLP(2, [4, 1]), X, y, steps=20, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 11
    assert lines[0].startswith("training compiled: ")
    assert lines[1].startswith("step  2/20  loss ") and "accuracy" in lines[1]
    fit(MLP(2, [4, 1]), X, y, steps=20, verbose=7)
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()[1:]] == [
        "7/20",
        "14/20",
        "20/20",
    ]


def test_quiet_by_default(data, capsys):
    X, y = data
    fit(MLP(2, [4, 1]), X, y, steps=2)
    assert capsys.readouterr().out == ""


def test_callback_sees_each_step_and_can_stop_training(data):
    X, y = data
    steps = []

    def callback(step, history):
        steps.append((step, len(history)))
        return step == 3

    history = fit(MLP(2, [4, 1]), X, y, steps=10, callback=callback)
    assert steps == [(1, 1), (2, 2), (3, 3)] and len(history) == 3


def test_regression_targets_record_no_accuracy():
    X = [[0.0, 1.0], [1.0, 0.0]]
    history = fit(MLP(2, [3, 1]), X, [0.25, -0.5], loss="mse", steps=2, lr=0.01)
    assert history.accuracy == [None, None]


def test_the_default_optimizer_uses_micrograds_schedule(data):
    X, y = data
    history = fit(MLP(2, [4, 1]), X, y, steps=4)
    assert history.lr == [1.0 - 0.9 * k / 4 for k in range(4)]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"loss": "huber"}, "unknown loss"),
        ({"steps": -1}, "steps"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 21}, "batch_size"),
        ({"l2": -1.0}, "alpha"),
    ],
)
def test_bad_arguments_are_refused(data, kwargs, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        fit(MLP(2, [4, 1]), X, y, **kwargs)


def test_optimizer_and_lr_together_are_refused(data):
    X, y = data
    model = MLP(2, [4, 1])
    with pytest.raises(ValueError, match="either an optimizer or lr"):
        fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.1), lr=0.1)


def test_fit_refuses_mismatched_data():
    with pytest.raises(ValueError, match="2 sample\\(s\\) and 1 label\\(s\\)"):
        fit(MLP(2, [1]), [[0.0, 1.0], [1.0, 0.0]], [1])


# --- the whole data set is checked before the first step -----------------------------------


def _snapshot(model):
    return [(p.data, p.grad) for p in model.parameters()]


def _primed(seed=3):
    """A model whose grads are not zero, as after a user's own backward pass."""
    model = MLP(2, [4, 1], seed=seed)
    for k, p in enumerate(model.parameters()):
        p.grad = 0.01 * (k + 1)
    return model


@pytest.mark.parametrize("batch_size", [None, 4])
@pytest.mark.parametrize(
    "bad, error, message",
    [
        (0, ValueError, r"y\[19\] = 0"),
        (2, ValueError, r"y\[19\] = 2"),
        (True, TypeError, r"y\[19\].*bool"),
        (float("inf"), ValueError, r"y\[19\].*finite"),
        (10**400, ValueError, r"y\[19\].*too large"),
    ],
    ids=["zero", "two", "bool", "inf", "huge"],
)
def test_a_bad_last_label_is_refused_before_anything_changes(data, batch_size, bad, error, message):
    X, y = data
    y = [*y[:-1], bad]
    model = _primed()
    before = _snapshot(model)
    with pytest.raises(error, match=message):
        fit(model, X, y, loss="hinge", steps=10, batch_size=batch_size)
    assert _snapshot(model) == before


@pytest.mark.parametrize(
    "bad, error, message",
    [
        ([1.0, float("inf")], ValueError, r"X\[17\]: input 2 \(a\^1_2\).*finite"),
        ([1.0, float("nan")], ValueError, r"X\[17\]: input 2.*NaN"),
        ([True, 1.0], TypeError, r"X\[17\]: input 1.*bool"),
        ([1.0, 10**400], ValueError, r"X\[17\]: input 2.*too large"),
        ({0: 1.0, 1: 2.0}, TypeError, r"X\[17\]: .*dict"),
        ("ab", TypeError, r"X\[17\]: .*str"),
        ([1.0, 2.0, 3.0], ValueError, r"X\[17\]: expected 2 input"),
    ],
    ids=["inf", "nan", "bool", "huge", "dict", "str", "too long"],
)
def test_a_bad_sample_is_refused_by_its_index_before_anything_changes(data, bad, error, message):
    X, y = data
    X = [*X[:17], bad, *X[18:]]
    model = _primed()
    before = _snapshot(model)
    with pytest.raises(error, match=message):
        fit(model, X, y, steps=5, batch_size=2)
    assert _snapshot(model) == before


def test_samples_of_a_model_of_ones_own_are_checked_too(data):
    X, y = data
    inner = MLP(2, [4, 1])

    class Wrapped:
        def __call__(self, x):
            return inner(x)

        def parameters(self):
            return inner.parameters()

    X = [*X[:-1], [0.5, float("inf")]]
    with pytest.raises(ValueError, match=r"X\[19\]: input 2"):
        fit(Wrapped(), X, y, steps=1)


@pytest.mark.parametrize("X", [{0: [1.0, 2.0]}, {(1.0, 2.0)}, "ab"], ids=["dict", "set", "str"])
def test_data_that_is_not_a_sequence_is_refused(X):
    with pytest.raises(TypeError, match="X must be a list"):
        fit(MLP(2, [1]), X, [1])


def test_labels_are_checked_in_the_losss_own_convention_before_the_first_step():
    X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    model = MLP(2, [3, 3])
    before = _snapshot(model)
    with pytest.raises(ValueError, match=r"y\[2\] must be a class index from 0 to 2"):
        fit(model, X, [0, 1, 3], loss="softmax_cross_entropy", steps=3)
    with pytest.raises(ValueError, match=r"the output for y\[1\] has 3 components"):
        fit(model, X, [[0.0, 0.0, 1.0], 0.5, [1.0, 0.0, 0.0]], loss="mse", steps=3)
    with pytest.raises(ValueError, match=r"y\[0\] = 0.5"):
        fit(MLP(2, [1]), X, [0.5, 1, 0], loss="binary_cross_entropy", steps=3)
    with pytest.raises(TypeError, match=r"y\[1\].*bool"):
        fit(MLP(2, [1]), X, [1.0, False, 0.0], loss=lambda out, t: out[0], steps=3)
    assert _snapshot(model) == before


def test_a_step_that_fails_leaves_the_gradients_as_they_were(data):
    X, y = data
    model = _primed()
    before = _snapshot(model)

    def loss(outputs, labels):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fit(model, X, y, loss=loss, steps=1)
    assert _snapshot(model) == before


def test_a_refused_update_leaves_parameters_and_gradients_as_they_were(data):
    X, y = data
    model = _primed()
    before = _snapshot(model)
    with pytest.raises(ValueError, match="would make .* nothing was updated"):
        fit(model, X, [1e10] * len(y), loss="mse", steps=1, lr=1e300)
    assert _snapshot(model) == before


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"seed": True}, ValueError, "seed"),
        ({"seed": 1.5}, ValueError, "seed"),
        ({"verbose": 2.5}, ValueError, "verbose"),
        ({"pause_gc": 1}, ValueError, "pause_gc"),
        ({"callback": 3}, TypeError, "callback"),
        ({"optimizer": "sgd"}, TypeError, "optimizer"),
        ({"l2": True}, ValueError, "alpha"),
        ({"l2": False}, ValueError, "alpha"),
        ({"l2": float("nan")}, ValueError, "alpha"),
        ({"l2": 10**400}, ValueError, "alpha"),
        ({"lr": 10**400}, ValueError, "lr must be"),
        ({"steps": True}, ValueError, "steps"),
    ],
)
def test_every_argument_is_checked_and_named(data, kwargs, error, match):
    X, y = data
    model = _primed()
    before = _snapshot(model)
    with pytest.raises(error, match=match):
        fit(model, X, y, steps=2, **kwargs) if "steps" not in kwargs else fit(model, X, y, **kwargs)
    assert _snapshot(model) == before


def test_accuracy_refuses_bad_samples_and_labels_by_index():
    model = MLP(2, [1])
    X = [[0.0, 1.0], [1.0, 0.0]]
    with pytest.raises(TypeError, match=r"y\[1\]"):
        accuracy(model, X, [1, True])
    with pytest.raises(ValueError, match=r"y\[0\]"):
        accuracy(model, X, [float("nan"), 1])
    with pytest.raises(TypeError, match=r"X\[1\]: .*bytes"):
        accuracy(model, [X[0], b"ab"], [1, -1])
    with pytest.raises(TypeError, match="X must be a list"):
        accuracy(model, {0: X[0]}, [1])


# --- accuracy -------------------------------------------------------------------------------


def test_accuracy_uses_the_sign_of_a_single_output():
    model = MLP(2, [1])
    for p, x in zip(model.parameters(), [1.0, 0.0, 0.0]):
        p.data = x
    X = [[1.0, 0.0], [-1.0, 0.0], [2.0, 5.0]]
    assert accuracy(model, X, [1, 1, 1]) == pytest.approx(2 / 3)
    assert accuracy(model, X, [1, 0, 1]) == 1.0


def test_accuracy_uses_the_largest_of_several_outputs():
    model = MLP(2, [2])
    for p, x in zip(model.parameters(), [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]):
        p.data = x
    assert accuracy(model, [[2.0, 1.0], [0.0, 3.0], [5.0, 1.0]], [0, 1, 1]) == pytest.approx(2 / 3)


def test_accuracy_builds_no_graph():
    outputs = []

    def model(x):
        out = Value(x[0]) * 2
        outputs.append(out)
        return out

    accuracy(model, [[1.0], [-1.0]], [1, -1])
    assert all(out.parents == () for out in outputs)


def test_history_of_no_steps():
    assert repr(History()) == "History(no steps)"


@pytest.mark.parametrize("bad", [1, 0, 1.0, "yes", "Auto", None])
def test_compiled_must_be_true_false_or_auto(bad):
    from autograd_lite.nn.data import moons

    X, y = moons(6, seed=0)
    with pytest.raises((TypeError, ValueError), match="compiled must be True, False or 'auto'"):
        fit(MLP(2, [2, 1], seed=0), X, y, steps=1, compiled=bad, progress=False)


def test_compiled_accepts_numpy_booleans():
    import numpy as np

    from autograd_lite.nn.data import moons

    X, y = moons(6, seed=0)
    h = fit(MLP(2, [2, 1], seed=0), X, y, steps=1, compiled=np.bool_(False), progress=False)
    assert not h.compiled
    h = fit(MLP(2, [2, 1], seed=0), X, y, steps=1, compiled=np.bool_(True), progress=False)
    assert h.compiled


# --- fit's parts: checks, runners, observers -------------------------------------------------


def _plan(model, X, y, **kwargs):
    from autograd_lite.nn._fit_checks import check_fit

    settings = dict(
        steps=5, batch_size=None, l2=0.0, lr=0.1, seed=0, verbose=False, callback=None,
        pause_gc=True, compiled=False, progress=False, record=None, grid_size=50, observers=(),
    )  # fmt: skip
    settings.update(kwargs)
    return check_fit(model, X, y, "hinge", None, **settings)


def test_the_checks_say_how_the_run_goes_without_touching_the_model():
    X, y = xor(20, seed=0)
    model = MLP(2, [3, 1], seed=0)
    before = [p.data for p in model.parameters()]
    plan = _plan(model, X, y, verbose=2, record=2, grid_size=10, batch_size=4)
    assert plan.loss_fn is hinge and plan.classes and plan.every == 2
    assert plan.record == (2, 10) and plan.batch_size == 4
    assert [p.data for p in model.parameters()] == before


def test_the_eager_and_the_compiled_runner_step_alike():
    from autograd_lite.nn.train import make_runner

    X, y = moons(40, seed=0)
    results = []
    for mode in (False, True):
        model = MLP(2, [4, 1], seed=1)
        runner = make_runner(model, _plan(model, X, y, compiled=mode))
        assert runner.compiled is mode
        results.append([runner.step(range(40), 0.1) for _ in range(3)])
        runner.sync()
    for (loss_e, right_e), (loss_c, right_c) in zip(*results):
        assert loss_c == pytest.approx(loss_e, rel=1e-12) and right_c == right_e


def test_an_observer_is_told_of_the_start_every_step_and_the_end(monkeypatch):
    from autograd_lite.nn.observers import Observer, Printer

    class Log(Observer):
        def __init__(self):
            self.seen = []

        def start(self, history, steps):
            self.seen.append(("start", len(history), steps))

        def on_step(self, k, loss, accuracy):
            self.seen.append(k)
            return k == 3

        def close(self, completed):
            self.seen.append(("close", completed))

    from autograd_lite.nn import train

    X, y = xor(20, seed=0)
    model = MLP(2, [3, 1], seed=0)
    log = Log()
    plan = _plan(model, X, y, steps=10)
    monkeypatch.setattr(train, "_observers", lambda *a: [log])
    h = train._run(model, plan, None)
    assert log.seen == [("start", 0, 10), 1, 2, 3, ("close", True)] and len(h) == 3
    printer = Printer(2, 5)
    assert printer.on_step(1, 0.5, None) is None and printer.close(True) is None
