"""Toy data sets: shapes, types, determinism, label sets and geometry."""

import math

import pytest

from autograd_lite.nn.data import blobs, circles, moons, spiral, xor

BINARY = [moons, circles, xor]
ALL = [moons, circles, xor, blobs, spiral]


@pytest.mark.parametrize("make", ALL)
def test_shape_and_plain_python_types(make):
    X, y = make(n_samples=31, seed=0)
    assert len(X) == len(y) == 31
    assert all(len(row) == 2 and all(type(v) is float for v in row) for row in X)
    assert all(type(v) is int for v in y)


@pytest.mark.parametrize("make", ALL)
def test_same_seed_same_data_other_seed_other_data(make):
    assert make(seed=4) == make(seed=4)
    assert make(seed=4)[0] != make(seed=5)[0]


@pytest.mark.parametrize("make", BINARY)
def test_binary_sets_are_labelled_plus_minus_one_or_zero_one(make):
    X, y = make(seed=0)
    X01, y01 = make(seed=0, zero_one=True)
    assert set(y) == {-1, 1} and set(y01) == {0, 1}
    assert X01 == X and [2 * v - 1 for v in y01] == y


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = moons(40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        if label == -1:
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    assert y.count(-1) == y.count(1) == 20


def test_circles_without_noise_have_radii_one_and_factor():
    X, y = circles(30, noise=0.0, factor=0.3, seed=0)
    radii = {
        label: {round(math.hypot(a, b), 9) for (a, b), lab in zip(X, y) if lab == label}
        for label in (-1, 1)
    }
    assert radii == {-1: {1.0}, 1: {0.3}}


def test_xor_labels_follow_the_sign_of_the_product():
    X, y = xor(50, seed=0)
    assert all((a * b > 0) == (label == 1) for (a, b), label in zip(X, y))


@pytest.mark.parametrize(
    "make, k",
    [(lambda: blobs(60, centers=4, seed=0), 4), (lambda: spiral(60, classes=3, seed=0), 3)],
)
def test_multi_class_sets_label_every_class_evenly(make, k):
    X, y = make()
    assert sorted(set(y)) == list(range(k))
    assert [y.count(c) for c in range(k)] == [60 // k] * k


def test_blobs_cluster_round_the_given_centres():
    X, y = blobs(300, centers=[[0.0, 0.0], [10.0, 10.0]], noise=0.5, seed=0)
    for c, centre in enumerate([(0.0, 0.0), (10.0, 10.0)]):
        pts = [p for p, label in zip(X, y) if label == c]
        mean = [sum(p[i] for p in pts) / len(pts) for i in range(2)]
        assert mean == pytest.approx(centre, abs=0.15)


def test_spiral_arms_reach_radius_one():
    X, _ = spiral(90, noise=0.0, seed=0)
    assert max(math.hypot(a, b) for a, b in X) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: moons(1),
        lambda: moons(10, noise=-0.1),
        lambda: circles(10, factor=1.5),
        lambda: blobs(10, centers=1),
        lambda: blobs(2, centers=3),
        lambda: spiral(10, classes=1),
        lambda: xor(2.5),
    ],
)
def test_bad_arguments_are_refused(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("make", BINARY)
@pytest.mark.parametrize("flag", [0, 1, None, "yes", 0.0])
def test_zero_one_must_be_true_or_false(make, flag):
    with pytest.raises(ValueError, match="zero_one must be True or False"):
        make(n_samples=10, zero_one=flag)


@pytest.mark.parametrize("make", BINARY)
def test_numpy_booleans_are_switches_too(make):
    np = pytest.importorskip("numpy")
    assert sorted(set(make(n_samples=10, zero_one=np.True_)[1])) == [0, 1]
    assert sorted(set(make(n_samples=10, zero_one=np.False_)[1])) == [-1, 1]


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"noise": 10**400}, "noise"),
        ({"noise": math.inf}, "noise"),
        ({"noise": math.nan}, "noise"),
        ({"noise": True}, "noise"),
        ({"n_samples": 10**400}, "n_samples"),
        ({"n_samples": 10**12}, "n_samples"),
        ({"n_samples": True}, "n_samples"),
        ({"seed": True}, "seed"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_every_number_is_named_when_refused(make, kwargs, name):
    with pytest.raises(ValueError, match=name) as info:
        make(**kwargs)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("make", [moons, circles, xor, blobs, spiral])
def test_noise_so_large_that_points_overflow_is_refused(make):
    with pytest.raises(ValueError, match="not finite"):
        make(n_samples=50, noise=1e308)


@pytest.mark.parametrize(
    "centers, name",
    [
        ([[math.nan, 0.0], [1.0, 1.0]], r"centers\[0\]\[0\]"),
        ([[0.0, 0.0], [1.0, math.inf]], r"centers\[1\]\[1\]"),
        ([[0.0, 10**400], [1.0, 1.0]], r"centers\[0\]\[1\]"),
        ([[True, 0.0], [1.0, 1.0]], r"centers\[0\]\[0\]"),
        ([["0", 0.0], [1.0, 1.0]], r"centers\[0\]\[0\]"),
        (True, "centers"),
        (10**12, "centers"),
        ({(0.0, 0.0), (1.0, 1.0)}, "centers"),
    ],
)
def test_blobs_refuses_bad_centres_by_name(centers, name):
    with pytest.raises(ValueError, match=name):
        blobs(centers=centers)


def test_circles_factor_is_a_finite_real_number():
    for factor in (True, 10**400, math.nan):
        with pytest.raises(ValueError, match="factor"):
            circles(factor=factor)


@pytest.mark.slow  # importing scikit-learn takes seconds
def test_digits_are_split_by_seed_into_train_and_test():
    pytest.importorskip("sklearn")
    from autograd_lite.nn.data import digits

    X_train, y_train, X_test, y_test = digits(seed=0)
    assert (len(X_train), len(X_test), len(X_train[0])) == (1438, 359, 64)
    assert set(y_train) == set(range(10)) and all(0.0 <= v <= 1.0 for v in X_train[0])
    assert digits(seed=0)[3] == y_test and digits(seed=1)[3] != y_test


def test_digits_without_scikit_learn_say_how_to_install_it(monkeypatch):
    import sys

    from autograd_lite.nn.data import digits

    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        digits()


@pytest.mark.parametrize("seed", [True, -1, 1.5])
def test_digits_refuses_a_seed_that_is_not_a_whole_number_before_loading(seed, monkeypatch):
    import sys

    from autograd_lite.nn.data import digits

    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # refused before it is needed
    with pytest.raises(ValueError, match="seed"):
        digits(seed=seed)
