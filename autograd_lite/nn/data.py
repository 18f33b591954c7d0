"""Toy two-dimensional data sets for classification, made with numpy and a seed.

Each function returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` lists of Python floats and
``y`` a list of Python ints, in a shuffled order, the same for the same arguments on every
machine. Models take the rows as they are: ``model(X[0])``.

Label conventions:

* ``moons``, ``circles``, ``xor``: two classes labelled -1 and +1 (what the hinge loss
  wants); ``zero_one=True`` gives 0 and 1 instead (for binary cross-entropy, which also
  accepts ±1).
* ``blobs``, ``spiral``: ``k`` classes labelled 0 .. k-1 (for softmax cross-entropy).

:func:`split` holds out a test set from any of them (or from data of your own), for
``fit(model, X_train, y_train, test=(X_test, y_test))``.

Example:
    >>> X, y = moons(n_samples=4, noise=0.0, seed=0)
    >>> len(X), len(X[0]), sorted(set(y))
    (4, 2, [-1, 1])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..checks import check_bool, check_integer, check_real, is_integer, is_sequence

__all__ = ["moons", "circles", "blobs", "xor", "spiral", "split", "MAX_SAMPLES"]

MAX_SAMPLES = 1_000_000
"""The most points a data set may have: a scalar engine trains on hundreds, and a million
points as Python lists already take a few hundred megabytes."""


def _check(n_samples, noise, seed, minimum: int = 2) -> None:
    check_integer(n_samples, "n_samples", minimum=minimum, maximum=MAX_SAMPLES)
    check_real(noise, "noise", minimum=0.0)
    check_integer(seed, "seed", minimum=0)  # numpy's generators take no negative seed


def _finish(
    points: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    noise: float,
    zero_one: bool | None,
) -> tuple[list[list[float]], list[int]]:
    """Add noise, shuffle, map binary labels 0/1 to -1/+1 unless asked not to, and listify.

    Raises:
        ValueError: if the noise is so large that a point is not a finite number.
    """
    if noise:
        points = points + rng.normal(0.0, noise, size=points.shape)
    if not np.isfinite(points).all():
        raise ValueError("some points are not finite numbers: the noise is too large")
    order = rng.permutation(len(points))
    points, labels = points[order], labels[order]
    if zero_one is False:
        labels = 2 * labels - 1
    return points.tolist(), [int(v) for v in labels]


def moons(
    n_samples: int = 100, noise: float = 0.1, *, seed: int = 0, zero_one: bool = False
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles.

    The upper moon (centre (0, 0), radius 1) is class -1, the lower one (centre (1, 0.5))
    class +1; with an odd count the lower moon gets the extra point.

    Args:
        n_samples: number of points (at least 2).
        noise: standard deviation of Gaussian noise added to each coordinate.
        seed: the seed; the same seed gives the same points.
        zero_one: label the classes 0 and 1 instead of -1 and +1.

    Returns:
        ``(X, y)``: points as ``[x1, x2]`` lists and labels.

    Raises:
        ValueError: for fewer than 2 or more than :data:`MAX_SAMPLES` samples, a negative or
            non-finite noise, a seed that is not a whole number of at least 0, or a
            ``zero_one`` that is not True or False.

    Example:
        >>> X, y = moons(100, noise=0.1, seed=1)
        >>> len(X), y.count(1), y.count(-1)
        (100, 50, 50)
    """
    _check(n_samples, noise, seed)
    zero_one = check_bool(zero_one, "zero_one")
    rng = np.random.default_rng(seed)
    n_up = n_samples // 2
    n_down = n_samples - n_up
    t_up = np.linspace(0.0, np.pi, n_up)
    t_down = np.linspace(0.0, np.pi, n_down)
    points = np.concatenate(
        [
            np.stack([np.cos(t_up), np.sin(t_up)], axis=1),
            np.stack([1.0 - np.cos(t_down), 0.5 - np.sin(t_down)], axis=1),
        ]
    )
    labels = np.concatenate([np.zeros(n_up, dtype=int), np.ones(n_down, dtype=int)])
    return _finish(points, labels, rng, noise, zero_one)


def circles(
    n_samples: int = 100,
    noise: float = 0.05,
    *,
    factor: float = 0.5,
    seed: int = 0,
    zero_one: bool = False,
) -> tuple[list[list[float]], list[int]]:
    """A small circle inside a large one.

    The outer circle (radius 1) is class -1, the inner one (radius ``factor``) class +1.

    Args:
        n_samples: number of points (at least 2).
        noise: standard deviation of Gaussian noise added to each coordinate.
        factor: the inner circle's radius, between 0 and 1.
        seed: the seed.
        zero_one: label the classes 0 and 1 instead of -1 and +1.

    Returns:
        ``(X, y)``.

    Raises:
        ValueError: for a sample count, noise, seed or ``zero_one`` as for :func:`moons`, or
            a factor outside (0, 1).
    """
    _check(n_samples, noise, seed)
    zero_one = check_bool(zero_one, "zero_one")
    if not 0.0 < check_real(factor, "factor") < 1.0:
        raise ValueError(f"factor must be between 0 and 1, got {factor!r}")
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    # endpoint=False: 0 and 2π are the same point
    t_out = np.linspace(0.0, 2.0 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2.0 * np.pi, n_in, endpoint=False)
    points = np.concatenate(
        [
            np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
            factor * np.stack([np.cos(t_in), np.sin(t_in)], axis=1),
        ]
    )
    labels = np.concatenate([np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)])
    return _finish(points, labels, rng, noise, zero_one)


def xor(
    n_samples: int = 100, noise: float = 0.0, *, seed: int = 0, zero_one: bool = False
) -> tuple[list[list[float]], list[int]]:
    """Points in the square [-1, 1]², labelled by the sign of x1·x2 (the XOR pattern).

    Quadrants where x1 and x2 have the same sign are class +1, the others -1. The label is
    decided before the noise is added, so noise blurs the border.

    Args:
        n_samples: number of points (at least 2).
        noise: standard deviation of Gaussian noise added to each coordinate.
        seed: the seed.
        zero_one: label the classes 0 and 1 instead of -1 and +1.

    Returns:
        ``(X, y)``.

    Raises:
        ValueError: for a sample count, noise, seed or ``zero_one`` as for :func:`moons`.
    """
    _check(n_samples, noise, seed)
    zero_one = check_bool(zero_one, "zero_one")
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    labels = (points[:, 0] * points[:, 1] > 0).astype(int)
    return _finish(points, labels, rng, noise, zero_one)


def blobs(
    n_samples: int = 100, centers: int | list = 3, noise: float = 0.5, *, seed: int = 0
) -> tuple[list[list[float]], list[int]]:
    """Gaussian clusters, one class each.

    Args:
        n_samples: number of points, shared as evenly as possible between the clusters
            (the first clusters get the extra points).
        centers: the number of clusters k, placed evenly on a circle of radius 2.5 (cluster
            0 at angle 0), or a list of ``[x1, x2]`` centres.
        noise: standard deviation of each cluster.
        seed: the seed.

    Returns:
        ``(X, y)`` with labels 0 .. k-1.

    Raises:
        ValueError: for fewer samples than clusters, fewer than 2 clusters, badly shaped
            centres or a centre coordinate that is not a finite number, or a noise or seed
            as for :func:`moons`.
    """
    if is_integer(centers):
        k = check_integer(centers, "centers", minimum=2, maximum=MAX_SAMPLES)
        _check(n_samples, noise, seed, minimum=k)
        angles = 2.0 * np.pi * np.arange(k) / k
        means = 2.5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        if (
            not is_sequence(centers)
            or not 2 <= len(centers) <= MAX_SAMPLES
            or not all(is_sequence(c) and len(c) == 2 for c in centers)
        ):
            raise ValueError(
                "centers must be a number or a list of at least two [x1, x2] pairs, "
                f"got {str(centers)[:200]}"
            )
        means = np.array(
            [
                [check_real(v, f"centers[{i}][{j}]") for j, v in enumerate(c)]
                for i, c in enumerate(centers)
            ]
        )
        k = len(means)
        _check(n_samples, noise, seed, minimum=k)
    rng = np.random.default_rng(seed)
    counts = [n_samples // k + (1 if c < n_samples % k else 0) for c in range(k)]
    labels = np.repeat(np.arange(k), counts)
    return _finish(means[labels], labels, rng, noise, None)


def spiral(
    n_samples: int = 150, classes: int = 3, noise: float = 0.2, *, seed: int = 0
) -> tuple[list[list[float]], list[int]]:
    """Interleaved spiral arms, one class each: a hard problem for a small network.

    Arm c runs from the centre to radius 1 while its angle turns from 4c to 4(c+1) radians
    (plus Gaussian noise of standard deviation ``noise`` on the angle).

    Args:
        n_samples: number of points, shared as evenly as possible between the arms.
        classes: number of arms k (at least 2).
        noise: standard deviation of the noise on the angle, in radians.
        seed: the seed.

    Returns:
        ``(X, y)`` with labels 0 .. k-1.

    Raises:
        ValueError: for fewer than 2 classes, fewer samples than classes, or a sample count,
            noise or seed as for :func:`moons`.
    """
    check_integer(classes, "classes", minimum=2, maximum=MAX_SAMPLES)
    _check(n_samples, noise, seed, minimum=classes)
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for c in range(classes):
        n = n_samples // classes + (1 if c < n_samples % classes else 0)
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * c, 4.0 * (c + 1), n) + rng.normal(0.0, noise, n)
        with np.errstate(invalid="ignore"):  # sin(inf) is NaN: _finish refuses it with a word
            parts.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        labels.append(np.full(n, c))
    return _finish(np.concatenate(parts), np.concatenate(labels), rng, 0.0, None)


def digits(
    *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[list[list[float]], list[int], list[list[float]], list[int]]:
    """The 8×8 handwritten digits that scikit-learn ships (1,797 images, classes 0-9).

    Each image is 64 pixels read row by row, scaled from 0..16 to 0..1. The images are
    shuffled with ``seed`` and split into a training and a test set, the same on every
    machine. Needs scikit-learn (``pip install scikit-learn``, or the ``data`` extra), which
    holds the data set itself: nothing is downloaded.

    Args:
        test_fraction: the share of images held out for testing, between 0 and 1.
        seed: the seed of the shuffle.

    Returns:
        ``(X_train, y_train, X_test, y_test)``: images as lists of 64 floats, labels 0..9.

    Raises:
        ImportError: if scikit-learn is not installed.
        ValueError: for a test fraction that leaves either set empty, or a seed that is not
            a whole number of at least 0.

    Example:
        >>> X_train, y_train, X_test, y_test = digits(seed=0)  # doctest: +SKIP
        >>> len(X_train), len(X_test), len(X_train[0])         # doctest: +SKIP
        (1438, 359, 64)
    """
    check_real(test_fraction, "test_fraction", minimum=0.0)
    check_integer(seed, "seed", minimum=0)  # before the data set is read
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "digits() reads the data set that scikit-learn ships; install it with "
            "pip install scikit-learn (or pip install -e '.[data]')"
        ) from None
    images = load_digits()
    X = (images.data / 16.0).tolist()
    return split(X, [int(v) for v in images.target], test_fraction=test_fraction, seed=seed)


def split(
    X: Sequence, y: Sequence, *, test_fraction: float = 0.25, seed: int = 0
) -> tuple[list, list, list, list]:
    """Shuffle a data set with ``seed`` and hold out a share of it for testing.

    The samples and labels themselves are kept as given (only their order changes), the
    same for the same arguments on every machine; the split is the one :func:`digits` makes.

    Args:
        X: the samples.
        y: their labels, as many as samples.
        test_fraction: the share of samples held out, between 0 and 1; the count is rounded
            to the nearest whole number and must leave at least one sample in each set.
        seed: the seed of the shuffle.

    Returns:
        ``(X_train, y_train, X_test, y_test)``, four lists.

    Raises:
        TypeError: if X or y is not a sequence.
        ValueError: if X and y differ in length, or the test fraction leaves either set
            empty; the message gives the counts.

    Example:
        >>> X, y = moons(n_samples=100, noise=0.1, seed=1)
        >>> X_train, y_train, X_test, y_test = split(X, y, test_fraction=0.25, seed=0)
        >>> len(X_train), len(X_test), sorted(X_train + X_test) == sorted(X)
        (75, 25, True)
    """
    for what, seq in (("X", X), ("y", y)):
        if not is_sequence(seq):
            raise TypeError(f"split: {what} must be a list (or an array), got {type(seq).__name__}")
    n = len(X)
    if len(y) != n:
        raise ValueError(
            f"split needs as many labels as samples; got {n} sample(s) and {len(y)} label(s)"
        )
    check_real(test_fraction, "test_fraction", minimum=0.0)
    check_integer(seed, "seed", minimum=0)  # numpy's generators take no negative seed
    n_test = int(round(n * test_fraction))
    if not 0 < n_test < n:
        raise ValueError(
            f"test_fraction {test_fraction!r} leaves {n_test} of {n} samples for testing; "
            "give a number between 0 and 1 that leaves some for both"
        )
    order = np.random.default_rng(seed).permutation(n).tolist()
    X_out, y_out = [X[i] for i in order], [y[i] for i in order]
    return X_out[n_test:], y_out[n_test:], X_out[:n_test], y_out[:n_test]
