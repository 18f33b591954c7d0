"""Loss functions and L2 regularisation, built from ``Value`` operations.

Every loss takes the model's outputs for a batch and the matching labels, and returns one
``Value``: the mean over the batch, ready for ``backward()``. Outputs may be Values or plain
numbers (numbers become constants). Sums over a whole batch or over all parameters are a
single weighted-sum node (Σ), which keeps the graph, and the backward pass, small.

Each loss is the mean of a per-sample term, and says so: ``loss.per_sample(output,
label)`` is the term for one sample, and ``loss.label_numbers(label, width)`` the numbers
the term reads from a label (checked; ``width`` is 0 for a model with one output, k for a
list of k): the loss itself is the mean of ``per_sample`` over the batch, computed by that
very function. The compiled path (:mod:`autograd_lite.compiled`) traces ``per_sample`` with
the label numbers as inputs. :func:`mean_loss` makes such a loss from a term of your own.

Example:
    >>> from autograd_lite import Value
    >>> scores = [Value(2.0), Value(-0.5)]
    >>> hinge(scores, [1, 1]).data     # mean of relu(1 - y·s): (0 + 1.5) / 2
    0.75
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..checks import check_real, is_bool, is_integer, is_real, is_sequence, short_repr
from ..engine import Value, apply, check_value

__all__ = [
    "mse",
    "hinge",
    "binary_cross_entropy",
    "softmax_cross_entropy",
    "l2",
    "mean_loss",
    "check_labels",
    "LOSSES",
]


def _as_value(x, what: str) -> Value:
    """x as a Value; a number becomes a constant leaf, and must be a finite real number."""
    if type(x) is Value:
        return x
    if is_bool(x) or not is_real(x):
        raise TypeError(
            f"{what} must be a Value or a real number, got {type(x).__name__}: {short_repr(x)}"
        )
    return Value(check_real(x, what))


def _check_batch(outputs, labels, name: str) -> int:
    """Check that outputs and labels are non-empty sequences of the same length."""
    for what, seq in (("outputs", outputs), ("labels", labels)):
        if not is_sequence(seq):
            raise TypeError(
                f"{name}: {what} must be a list, got {type(seq).__name__}: {short_repr(seq)}"
            )
    n = len(outputs)
    if n == 0:
        raise ValueError(f"{name}: the batch is empty; give at least one output and label")
    if len(labels) != n:
        raise ValueError(f"{name}: got {n} output(s) but {len(labels)} label(s); they must match")
    return n


# --- labels: one check per convention, used by the losses and by fit (before it starts) ---
# Each takes the label, the loss's name and the label's name in messages ("labels[3]" in a
# loss, "y[3]" in fit, which names the sample's index in the whole data set).


def _real_label(y, name: str, what: str) -> float:
    """A label that is a finite real number (not a bool)."""
    if type(y) is float and y - y == 0.0:  # the usual case, in two cheap tests
        return y
    if is_bool(y) or not is_real(y):
        raise TypeError(
            f"{name}: {what} must be a real number, got {type(y).__name__}: {short_repr(y)}"
        )
    return check_real(y, f"{name}: {what}")


def _pm1_label(y, name: str, what: str) -> float:
    """A label that is -1 or +1."""
    f = _real_label(y, name, what)
    if f not in (-1.0, 1.0):
        raise ValueError(f"{name}: labels must be -1 or +1, got {what} = {short_repr(y)}")
    return f


def _binary_label(y, name: str, what: str) -> float:
    """A label that is 0 or 1 (-1 read as 0), returned as 0.0 or 1.0."""
    f = _real_label(y, name, what)
    if f not in (0.0, 1.0, -1.0):
        raise ValueError(
            f"{name}: labels must be 0 or 1 (or -1 for 0), got {what} = {short_repr(y)}"
        )
    return 1.0 if f == 1.0 else 0.0


def _class_label(y, name: str, what: str, k: int | None) -> int:
    """A class index 0 .. k-1 (any whole number of at least 0 when k is not known yet)."""
    if not is_integer(y) or y < 0 or (k is not None and y >= k):
        upto = f"from 0 to {k - 1}" if k is not None else "of at least 0"
        raise ValueError(f"{name}: {what} must be a class index {upto}, got {short_repr(y)}")
    return int(y)


def _target(t, name: str, what: str, width: int | None) -> list[float] | float:
    """An mse target: a number, or a list of ``width`` numbers for an output of that many."""
    if width is None or width == 0:
        if width is None and isinstance(t, (list, tuple)):
            return [_real_label(tk, name, f"{what}[{k}]") for k, tk in enumerate(t)]
        return _real_label(t, name, what)
    if not isinstance(t, (list, tuple)) or len(t) != width:
        raise ValueError(
            f"{name}: the output for {what} has {width} components, so {what} must be a "
            f"list of {width} numbers, got {short_repr(t)}"
        )
    return [_real_label(tk, name, f"{what}[{k}]") for k, tk in enumerate(t)]


def _plainly_right(loss: Callable, labels: Sequence, width: int | None) -> bool:
    """The usual labels (Python ints and floats, all in the convention) in a few C-speed
    passes; False sends them through the checks one by one, which name the first bad one."""
    types = set(map(type, labels))
    if not types <= {int, float}:
        return False
    if loss is hinge:
        return set(labels) <= {1, -1}
    if loss is binary_cross_entropy:
        return set(labels) <= {0, 1, -1}
    if loss is softmax_cross_entropy:
        return types == {int} and min(labels) >= 0 and (not width or max(labels) < width)
    if loss is mse and not width and types == {float}:
        total = sum(labels)
        return total - total == 0.0  # 0.0 for a finite sum, NaN if a label is inf or NaN
    return loss not in (mse, hinge, binary_cross_entropy, softmax_cross_entropy)


def check_labels(
    loss: Callable, labels: Sequence, *, what: str = "labels", width: int | None = None
) -> None:
    """Check every label for a loss before any of it is computed.

    :func:`autograd_lite.nn.train.fit` calls it on the whole data set before its first step,
    so a bad label deep in the data stops nothing half-way. The losses check their own batch
    with the same rules.

    Args:
        loss: one of this module's losses (any other function: labels are only checked not
            to be booleans, since its convention is its own).
        labels: the labels.
        what: their name in messages (``"y"`` gives ``"y[17]"``).
        width: what the model returns per sample, if known: 0 for one Value, k for a list
            of k Values (the number of classes for softmax cross-entropy).

    Raises:
        TypeError: if a label is not a number (a bool is not one).
        ValueError: if a label is not finite or not in the loss's convention.

    Example:
        >>> check_labels(hinge, [1, -1, 1], what="y")
        >>> check_labels(hinge, [1, 0, 1], what="y")
        Traceback (most recent call last):
        ...
        ValueError: hinge: labels must be -1 or +1, got y[1] = 0
    """
    if not is_sequence(labels):
        raise TypeError(f"{what} must be a list of labels, got {type(labels).__name__}")
    if _plainly_right(loss, labels, width):
        return
    if loss is mse:
        for i, t in enumerate(labels):
            _target(t, "mse", f"{what}[{i}]", width)
    elif loss is hinge:
        for i, y in enumerate(labels):
            _pm1_label(y, "hinge", f"{what}[{i}]")
    elif loss is binary_cross_entropy:
        for i, y in enumerate(labels):
            _binary_label(y, "binary_cross_entropy", f"{what}[{i}]")
    elif loss is softmax_cross_entropy:
        for i, y in enumerate(labels):
            _class_label(y, "softmax_cross_entropy", f"{what}[{i}]", width or None)
    else:
        for i, y in enumerate(labels):
            if is_bool(y):
                raise TypeError(f"{what}[{i}] must be a label, not a bool: {y!r}")


def _mean(terms: list[Value]) -> Value:
    """The mean of terms as one Σ node (weights 1/n), not a chain of n additions."""
    n = len(terms)
    if n == 1:
        return terms[0]
    # every operand is a Value made here: apply skips weighted_sum's checks of each one
    return apply("wsum", (*[Value(1.0 / n)] * n, *terms, Value(0.0)))


def _mse_term(output, target) -> Value:
    """(output − target)² for one sample; the mean over the components of a list."""
    if isinstance(output, (list, tuple)):
        return _mean([(o - t) * (o - t) for o, t in zip(output, target)])
    d = output - target
    return d * d


def mse(outputs: Sequence, targets: Sequence) -> Value:
    """Mean squared error: mean over the batch of (output − target)².

    An output may also be a list (a model with several outputs); its target is then a list
    of the same length, and the sample's term is the mean over its components.

    Args:
        outputs: the model's outputs (Values or numbers, or lists of them).
        targets: the targets (numbers, or lists of numbers).

    Returns:
        The loss, a Value.

    Raises:
        ValueError: if lengths differ or the batch is empty.
        TypeError: if a target is not a number.

    Example:
        >>> from autograd_lite import Value
        >>> mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data   # (1 + 4) / 2
        2.5
    """
    _check_batch(outputs, targets, "mse")
    terms = []
    for i, (out, t) in enumerate(zip(outputs, targets)):
        what = f"mse: output {i}"
        if isinstance(out, (list, tuple)):
            t = _target(t, "mse", f"targets[{i}]", len(out))
            out = [_as_value(o, what) for o in out]
        else:
            t = _target(t, "mse", f"targets[{i}]", 0)
            out = _as_value(out, what)
        terms.append(_mse_term(out, t))
    return _mean(terms)


def _hinge_term(score, y) -> Value:
    """relu(1 − y·score) for one sample."""
    return (1.0 - score * y).relu()


def hinge(scores: Sequence, labels: Sequence) -> Value:
    """The max-margin (hinge) loss: mean over the batch of relu(1 − y·score).

    A point costs nothing once it is on the right side with a margin of at least 1.

    Args:
        scores: one output per sample (Values or numbers); positive means class +1.
        labels: -1 or +1 per sample.

    Returns:
        The loss, a Value.

    Raises:
        ValueError: if lengths differ, the batch is empty, or a label is not ±1.

    Example:
        >>> from autograd_lite import Value
        >>> hinge([Value(0.5), Value(-2.0)], [1, -1]).data   # (0.5 + 0) / 2
        0.25
    """
    _check_batch(scores, labels, "hinge")
    return _mean(
        [
            _hinge_term(_as_value(s, f"hinge: scores[{i}]"), _pm1_label(y, "hinge", f"labels[{i}]"))
            for i, (s, y) in enumerate(zip(scores, labels))
        ]
    )


def _bce_term(x, y) -> Value:
    """x·(½ − y) + ½·|x| + log1p(e^(−|x|)) for one logit x and label y (0 or 1)."""
    a = abs(x)
    return x * (0.5 - y) + a * 0.5 + (-a).exp().log1p()


def binary_cross_entropy(logits: Sequence, labels: Sequence) -> Value:
    """Binary cross-entropy on logits: mean of −y·log σ(x) − (1−y)·log(1 − σ(x)).

    Computed as x·(½ − y) + ½·|x| + log1p(e^(−|x|)): exp only ever sees a number of at most
    0, so no logit overflows it, and log1p keeps the tiny loss of a confident right answer
    (4.2e-18 at x = 40). The graph is the same for every logit (no branch on its sign), so
    the loss traces (:mod:`autograd_lite.compiled`). Where |x| has no derivative, at x = 0,
    its two uses cancel (½ − σ(0) = 0), so the gradient is right there too: it is
    σ(x) − y for every logit, over the batch size. (The textbook max(x, 0) − x·y +
    log(1 + e^(−|x|)) would get ½ wrong at x = 0, taking relu'(0) as 0.)

    Args:
        logits: one output per sample (Values or numbers), the log-odds of class 1.
        labels: 0 or 1 per sample; -1 is read as 0, so ±1 labels work too.

    Returns:
        The loss, a Value.

    Raises:
        ValueError: if lengths differ, the batch is empty, or a label is not 0, 1 or -1.

    Example:
        >>> from autograd_lite import Value
        >>> round(binary_cross_entropy([Value(0.0)], [1]).data, 6)   # log 2
        0.693147
    """
    name = "binary_cross_entropy"
    _check_batch(logits, labels, name)
    return _mean(
        [
            _bce_term(_as_value(x, f"{name}: logits[{i}]"), _binary_label(y, name, f"labels[{i}]"))
            for i, (x, y) in enumerate(zip(logits, labels))
        ]
    )


def _softmax_term(xs, onehot) -> Value:
    """log Σ_c e^(d_c) − Σ_c onehot_c·d_c for one sample, with d_c = x_c − max(x)."""
    k = len(xs)
    m = xs[0]
    for x in xs[1:]:
        m = m + (x - m).relu()
    ds = [x - m for x in xs]
    total = apply("wsum", (*[Value(1.0)] * k, *[d.exp() for d in ds], Value(0.0)))
    picks = [c if type(c) is Value else Value(c) for c in onehot]
    return total.log() - apply("wsum", (*picks, *ds, Value(0.0)))


def _onehot(y, width, name: str = "softmax_cross_entropy", what: str = "the label") -> list:
    """The class index y as k numbers, 1.0 at the class and 0.0 elsewhere."""
    if not width:
        raise ValueError(f"{name}: the model must give a list of class scores per sample")
    c = _class_label(y, name, what, width)
    return [1.0 if j == c else 0.0 for j in range(width)]


def softmax_cross_entropy(logits: Sequence[Sequence], labels: Sequence[int]) -> Value:
    """Cross-entropy of the softmax of each sample's logits against its class.

    Per sample: log Σ_c e^(x_c) − x_y, computed as log Σ_c e^(d_c) − d_y with d_c = x_c − m
    and m the largest logit, so no exp overflows (the result and its gradient
    softmax(x) − onehot(y) do not depend on m). m is built from the logits as
    max(a, b) = a + relu(b − a), and d_y as Σ_c onehot_c·d_c: the graph is the same for
    every sample and label, so the loss traces (:mod:`autograd_lite.compiled`).

    Args:
        logits: per sample, a list of k outputs (Values or numbers), one per class.
        labels: per sample, its class as an integer 0..k-1.

    Returns:
        The loss, a Value.

    Raises:
        ValueError: if lengths differ, the batch is empty, a sample has fewer than two
            logits or a different number than the others, or a label is not a class index.

    Example:
        >>> from autograd_lite import Value
        >>> round(softmax_cross_entropy([[Value(0.0), Value(0.0)]], [1]).data, 6)  # log 2
        0.693147
    """
    name = "softmax_cross_entropy"
    _check_batch(logits, labels, name)
    k = None
    terms = []
    for i, (row, y) in enumerate(zip(logits, labels)):
        if not isinstance(row, (list, tuple)) or len(row) < 2:
            raise ValueError(
                f"{name}: logits[{i}] must be a list of at least two class scores, got {row!r}"
            )
        if k is None:
            k = len(row)
        elif len(row) != k:
            raise ValueError(f"{name}: logits[{i}] has {len(row)} classes, logits[0] has {k}")
        onehot = _onehot(y, k, name, f"labels[{i}]")
        xs = [_as_value(x, f"{name}: logits[{i}][{c}]") for c, x in enumerate(row)]
        terms.append(_softmax_term(xs, onehot))
    return _mean(terms)


def mean_loss(
    term: Callable, label_numbers: Callable | None = None, name: str = "loss"
) -> Callable[[Sequence, Sequence], Value]:
    """A loss that is the mean over the batch of ``term(output, label)``, and says so.

    The loss it returns declares ``per_sample`` (``term``) and ``label_numbers``, so
    ``fit`` can trace it for one sample and train through the compiled path. A loss
    function of your own that does not declare them trains eagerly: nothing can tell from
    the outside whether a function of a batch is a mean of per-sample terms.

    Args:
        term: the loss of one sample, from the model's output for it (a Value or a list of
            Values) and its label numbers (floats when the engine runs it; Values standing
            for them when it is traced: write it with arithmetic, not ``if``).
        label_numbers: ``label_numbers(label, width) -> number or list of numbers``, the
            numbers ``term`` reads from a label (``width``: 0 for one output, k for a list
            of k); by default the label itself, a number or a list of numbers.
        name: the loss's name in messages.

    Returns:
        ``loss(outputs, labels) -> Value``.

    Example:
        >>> from autograd_lite import Value
        >>> absolute = mean_loss(lambda out, t: abs(out - t), name="absolute")
        >>> absolute([Value(1.0), Value(-1.0)], [0.0, 1.0]).data
        1.5
    """
    numbers = label_numbers or _as_numbers

    def loss(outputs: Sequence, labels: Sequence) -> Value:
        _check_batch(outputs, labels, name)
        return _mean(
            [
                term(out, numbers(y, len(out) if isinstance(out, (list, tuple)) else 0))
                for out, y in zip(outputs, labels)
            ]
        )

    loss.__name__ = loss.__qualname__ = name
    loss.__doc__ = f"The mean over the batch of the per-sample term {name}."
    loss.per_sample = term
    loss.label_numbers = numbers
    return loss


def _as_numbers(label, width=None):
    """A label as it is: a number, or a list of numbers (as floats)."""
    if isinstance(label, (list, tuple)):
        return [_real_label(t, "loss", "a label's number") for t in label]
    return _real_label(label, "loss", "the label")


def check_alpha(alpha: float) -> None:
    """Refuse an L2 strength that is not a finite non-negative number (ValueError)."""
    check_real(alpha, "l2: alpha (the strength)", minimum=0.0)


def l2(parameters: Sequence[Value], alpha: float = 1.0) -> Value:
    """L2 regularisation: alpha · Σ p² over the parameters, as one Σ node times alpha.

    Args:
        parameters: the Values to penalise, such as ``model.parameters()``.
        alpha: the strength, a non-negative number.

    Returns:
        The penalty, a Value (its gradient is 2·alpha·p for each p).

    Raises:
        ValueError: if alpha is negative or not finite, or there are no parameters.
        TypeError: if a parameter is not a Value.

    Example:
        >>> from autograd_lite import Value
        >>> l2([Value(1.0), Value(-2.0)], alpha=0.5).data
        2.5
    """
    check_alpha(alpha)
    params = list(parameters)
    if not params:
        raise ValueError("l2: no parameters given")
    if set(map(type, params)) != {Value}:  # the usual case in one pass in C
        for i, p in enumerate(params):
            check_value(p, f"l2: parameters[{i}]")
    # Σ p·p as a weighted sum of the parameters with themselves: one node, not 2n (checked
    # above, so apply need not check each parameter again).
    return apply("wsum", (*params, *params, Value(0.0))) * float(alpha)


LOSSES = {
    "mse": mse,
    "hinge": hinge,
    "binary_cross_entropy": binary_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
}
"""The losses by the names that :func:`autograd_lite.train.fit` accepts."""

# Each loss is the mean of its per-sample term: the declaration the compiled path reads.
mse.per_sample = _mse_term
mse.label_numbers = lambda t, width: _target(t, "mse", "the target", width)
hinge.per_sample = _hinge_term
hinge.label_numbers = lambda y, width: _pm1_label(y, "hinge", "the label")
binary_cross_entropy.per_sample = _bce_term
binary_cross_entropy.label_numbers = lambda y, width: _binary_label(
    y, "binary_cross_entropy", "the label"
)
softmax_cross_entropy.per_sample = _softmax_term
softmax_cross_entropy.label_numbers = _onehot
