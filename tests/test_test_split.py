"""fit with a held-out test set: the numbers, both paths, the checks, the record; and split."""

import math

import pytest

from autograd_lite.nn import MLP, Neuron
from autograd_lite.nn.data import blobs, moons, split
from autograd_lite.nn.optim import SGD
from autograd_lite.nn.train import accuracy, fit


def line(w, b):
    """A linear neuron of one input with weight w and bias b."""
    n = Neuron(1, activation="linear")
    n.w[0].data, n.b.data = w, b
    return n


X1 = [[1.0], [2.0], [-1.0]]
Y1 = [1, -1, -1]
X1_TEST = [[0.5], [-2.0], [3.0], [-0.25]]
Y1_TEST = [1, -1, -1, 1]


def hinge_by_hand(w, b, X, y):
    return sum(max(0.0, 1.0 - t * (w * x[0] + b)) for x, t in zip(X, y)) / len(X)


def right_by_hand(w, b, X, y):
    return sum((w * x[0] + b > 0) == (t > 0) for x, t in zip(X, y))


@pytest.mark.parametrize("compiled", [False, True])
def test_the_test_loss_and_accuracy_are_those_of_a_hand_computation(compiled):
    model = line(0.5, 0.25)
    history = fit(
        model, X1, Y1, "hinge", SGD(model.parameters(), 0.1), test=(X1_TEST, Y1_TEST),
        steps=2, compiled=compiled, progress=False,
    )  # fmt: skip
    assert history.compiled is compiled
    # step 1: the parameters as given. hinge terms on the test set:
    # 0.5·0.5+0.25 = 0.5 -> 0.5; -0.75 -> 0.25; 1.75 (label -1) -> 2.75; 0.125 -> 0.875
    assert history.test_loss[0] == pytest.approx((0.5 + 0.25 + 2.75 + 0.875) / 4, abs=1e-15)
    assert history.test_accuracy[0] == 0.75  # only 3.0 (label -1, score 1.75) is wrong
    # step 2: after one SGD update on the training set, by hand
    # training scores 0.75, 1.25, -0.25; terms active for samples 0 (1 - 0.75 > 0) and 1
    # (1 + 1.25 > 0) and 2 (1 - 0.25 > 0): dL/dw = (-1·1 + 1·2 + 1·(-1)) / 3 = 0,
    # dL/db = (-1 + 1 + 1) / 3 = 1/3
    w, b = 0.5, 0.25 - 0.1 / 3
    assert history.test_loss[1] == pytest.approx(hinge_by_hand(w, b, X1_TEST, Y1_TEST), abs=1e-15)
    assert history.test_accuracy[1] == right_by_hand(w, b, X1_TEST, Y1_TEST) / 4
    assert history.loss[1] == pytest.approx(hinge_by_hand(w, b, X1, Y1), abs=1e-15)


@pytest.mark.parametrize("compiled", [False, True])
def test_the_test_loss_holds_the_l2_term_as_the_training_loss_does(compiled):
    model = line(0.5, 0.25)
    history = fit(model, X1, Y1, test=(X1_TEST, Y1_TEST), steps=1, l2=0.1, lr=0.1,
                  compiled=compiled, progress=False)  # fmt: skip
    penalty = 0.1 * (0.5**2 + 0.25**2)
    assert history.test_loss[0] == pytest.approx(
        hinge_by_hand(0.5, 0.25, X1_TEST, Y1_TEST) + penalty, abs=1e-15
    )


@pytest.mark.parametrize(
    "make, loss",
    [
        (lambda: (moons(80, noise=0.2, seed=3), MLP(2, [8, 8, 1], seed=1)), "hinge"),
        (lambda: (blobs(90, centers=3, seed=0), MLP(2, [6, 3], seed=0)), "softmax_cross_entropy"),
        (
            lambda: (moons(60, noise=0.1, seed=2, zero_one=True), MLP(2, [5, 1], seed=4)),
            "binary_cross_entropy",
        ),
    ],  # fmt: skip
)
def test_eager_and_compiled_runs_measure_the_same_test_curve(make, loss):
    (X, y), _ = make()
    X_train, y_train, X_test, y_test = split(X, y, test_fraction=0.3, seed=1)
    runs = []
    for compiled in (False, True):
        _, model = make()
        history = fit(model, X_train, y_train, loss, test=(X_test, y_test), steps=25,
                      batch_size=16, l2=1e-3, compiled=compiled, progress=False)  # fmt: skip
        assert history.compiled is compiled
        runs.append(history)
    eager, compiled = runs
    assert len(eager.test_loss) == len(eager.loss) == 25
    assert compiled.test_loss == pytest.approx(eager.test_loss, rel=1e-12, abs=1e-13)
    assert compiled.test_accuracy == eager.test_accuracy
    assert len(set(eager.test_loss)) > 10  # the curve moves as the model trains


def test_the_test_curve_is_the_models_on_the_test_set_before_each_update():
    X, y = moons(60, noise=0.15, seed=0)
    X_train, y_train, X_test, y_test = split(X, y, seed=2)
    seen = []
    model = MLP(2, [6, 1], seed=3)

    def look(k, history):
        seen.append(accuracy(model, X_test, y_test))

    history = fit(model, X_train, y_train, test=(X_test, y_test), steps=6, callback=look,
                  progress=False)  # fmt: skip
    # the callback sees the model after step k's update; the curve's entry k is before step
    # k + 1's update: the same parameters
    assert history.test_accuracy[1:] == seen[:-1]


def test_without_a_test_set_nothing_is_measured_or_shown(capsys):
    X, y = moons(30, noise=0.1, seed=0)
    history = fit(MLP(2, [4, 1], seed=0), X, y, steps=3, verbose=1, record=1, progress=False)
    assert history.test_loss == [] and history.test_accuracy == []
    assert "test" not in capsys.readouterr().out
    assert "test" not in repr(history) and "test" not in repr(history.record)
    assert history.record.final.test_loss is None
    assert "data" not in history.record.settings


def test_the_history_prints_and_tabulates_the_test_numbers(capsys):
    X, y = moons(40, noise=0.1, seed=0)
    X_train, y_train, X_test, y_test = split(X, y, test_fraction=0.25, seed=0)
    history = fit(MLP(2, [4, 1], seed=0), X_train, y_train, test=(X_test, y_test), steps=4,
                  verbose=2, compiled=False)  # fmt: skip
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1].endswith(
        f"test loss {history.test_loss[-1]:.6f}  test accuracy {history.test_accuracy[-1]:6.1%}"
    )
    table = history.table()
    assert table.header == ["step", "loss", "accuracy", "test loss", "test accuracy", "lr"]
    assert table.rows[-1][3] == f"{history.test_loss[-1]:.6g}"
    assert "test loss" in history.markdown()


def test_the_record_keeps_the_test_curve_and_measures_each_snapshot():
    X, y = moons(50, noise=0.1, seed=0)
    X_train, y_train, X_test, y_test = split(X, y, test_fraction=0.2, seed=0)
    model = MLP(2, [5, 1], seed=0)
    history = fit(model, X_train, y_train, test=(X_test, y_test), steps=9, record=3,
                  progress=False)  # fmt: skip
    record = history.record
    assert record.test_loss == history.test_loss
    assert record.test_accuracy == history.test_accuracy
    assert record.settings["data"] == "40 training + 10 test samples"
    assert record.X_test == X_test and record.y_test == [float(t) for t in y_test]
    for s in record.snapshots[:-1]:  # snapshot k: after k updates, as the curve's entry k
        assert s.test_loss == pytest.approx(history.test_loss[s.step], rel=1e-12)
        assert s.test_accuracy == history.test_accuracy[s.step]
    assert record.final.step == 9
    assert record.final.test_accuracy == accuracy(model, X_test, y_test)
    assert "test loss" in repr(record) and "test loss" in repr(record.final)


def test_split_shuffles_with_its_seed_and_keeps_the_pairs():
    X = [[float(i), -float(i)] for i in range(10)]
    y = list(range(10))
    X_train, y_train, X_test, y_test = split(X, y, test_fraction=0.3, seed=5)
    assert (len(X_train), len(X_test)) == (7, 3)
    assert sorted(y_train + y_test) == y
    assert all(x == [float(t), -float(t)] for x, t in zip(X_train + X_test, y_train + y_test))
    assert split(X, y, test_fraction=0.3, seed=5) == (X_train, y_train, X_test, y_test)
    assert split(X, y, test_fraction=0.3, seed=6) != (X_train, y_train, X_test, y_test)


@pytest.mark.parametrize(
    "args, kwargs, error, words",
    [
        (([[1.0]] * 4, [1] * 3), {}, ValueError, "4 sample(s) and 3 label(s)"),
        (([[1.0]] * 4, [1] * 4), {"test_fraction": 0.1}, ValueError, "leaves 0 of 4"),
        (([[1.0]] * 4, [1] * 4), {"test_fraction": 0.9}, ValueError, "leaves 4 of 4"),
        ((5, [1]), {}, TypeError, "X must be a list"),
        (([[1.0]] * 4, [1] * 4), {"seed": -1}, ValueError, "seed"),
    ],
)
def test_split_refuses_what_it_cannot_split(args, kwargs, error, words):
    with pytest.raises(error) as caught:
        split(*args, **kwargs)
    assert words in str(caught.value)


BAD_TEST = [
    ("a list", TypeError, "test must be a pair (X_test, y_test)"),
    (([[0.5]], [1], [2]), TypeError, "test must be a pair"),
    (([[0.5], [1.0]], [1]), ValueError, "X_test and y_test; got 2 sample(s) and 1 label(s)"),
    (([], []), ValueError, "got 0 sample(s)"),
    ((5, [1]), TypeError, "X_test must be a list"),
    (([[0.5], [math.nan]], [1, -1]), ValueError, "X_test[1]"),
    (([[0.5], ["a"]], [1, -1]), TypeError, "X_test[1]"),
    (([[0.5], [1.0, 2.0]], [1, -1]), ValueError, "X_test[1]"),
    (([[0.5], [1.0]], [1, 0]), ValueError, "y_test[1] = 0"),
    (([[0.5], [1.0]], [1, True]), TypeError, "y_test[1]"),
]


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("test, error, words", BAD_TEST)
def test_bad_test_data_is_refused_before_anything_changes(test, error, words, compiled):
    model = line(0.5, 0.25)
    optimizer = SGD(model.parameters(), 0.1)
    for p in model.parameters():
        p.grad = 0.125
    seen = []
    with pytest.raises(error) as caught:
        fit(model, X1, Y1, "hinge", optimizer, test=test, steps=3, compiled=compiled,
            callback=lambda k, h: seen.append(k), progress=False)  # fmt: skip
    assert words in str(caught.value)
    assert [(p.data, p.grad) for p in model.parameters()] == [(0.5, 0.125), (0.25, 0.125)]
    assert optimizer.steps == 0 and seen == []


def test_a_custom_model_gets_its_test_samples_checked_against_the_training_ones():
    inner = MLP(2, [3, 1], seed=0)

    class Mine:
        def __call__(self, x):
            return inner(x)

        def parameters(self):
            return inner.parameters()

    X, y = [[0.0, 1.0], [1.0, 0.0]], [1, -1]
    with pytest.raises(ValueError, match=r"X_test\[0\] has 3 input\(s\), the training samples 2"):
        fit(Mine(), X, y, test=([[0.0, 1.0, 2.0]], [1]), steps=1, progress=False)
    history = fit(Mine(), X, y, test=([[0.5, 0.5]], [1]), steps=2, progress=False)
    assert len(history.test_loss) == 2


def test_arrays_are_taken_as_test_data_and_give_plain_numbers():
    np = pytest.importorskip("numpy")
    X, y = moons(40, noise=0.1, seed=0)
    X_train, y_train, X_test, y_test = split(np.array(X), np.array(y), seed=1)
    runs = [
        fit(MLP(2, [4, 1], seed=0), X_train, y_train, test=(np.array(X_test), np.array(y_test)),
            steps=3, compiled=compiled, progress=False)
        for compiled in (False, True)
    ]  # fmt: skip
    for history in runs:
        assert all(type(a) is float for a in history.test_accuracy + history.test_loss)
    assert runs[0].test_accuracy == runs[1].test_accuracy


@pytest.mark.parametrize("compiled", [False, True])
def test_a_test_loss_beyond_floats_raises_the_engines_error_in_both_paths(compiled):
    model = line(0.5, 0.25)
    with pytest.raises(OverflowError):
        fit(model, X1, [0.5, 0.0, 1.0], "mse", test=([[1e200]], [0.0]), steps=2, lr=0.1,
            compiled=compiled, progress=False)  # fmt: skip
    assert (model.w[0].data, model.b.data) == (0.5, 0.25)  # raised before the first update


@pytest.mark.parametrize("compiled", [False, True])
def test_float32_class_labels_are_class_labels_for_accuracy(compiled):
    np = pytest.importorskip("numpy")
    X, y = moons(40, seed=0)
    X_train, y_train, X_test, y_test = split(X, y)
    history = fit(
        MLP(2, [4, 1]),
        X_train,
        np.array(y_train, dtype=np.float32),
        loss="hinge",
        test=(X_test, np.array(y_test, dtype=np.float32)),
        steps=2,
        progress=False,
        compiled=compiled,
    )
    assert None not in history.accuracy and None not in history.test_accuracy
