"""Losses: hand-computed values, gradients against central differences, and bad input."""

import math

import pytest

from autograd_lite import Value
from autograd_lite.nn.losses import (
    binary_cross_entropy,
    hinge,
    l2,
    mse,
    softmax_cross_entropy,
)


def numeric_gradient(f, xs, h=1e-6):
    """Central differences of f (a function of a list of floats) at xs."""
    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        grads.append((f(up) - f(down)) / (2 * h))
    return grads


def check_gradient(loss_of_values, xs):
    """The engine's gradient of loss_of_values at xs against central differences."""
    leaves = [Value(x) for x in xs]
    out = loss_of_values(leaves)
    out.backward()
    numeric = numeric_gradient(lambda v: loss_of_values([Value(x) for x in v]).data, xs)
    assert [v.grad for v in leaves] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# --- mse ------------------------------------------------------------------------------------


def test_mse_value():
    assert mse([Value(1.0), Value(-2.0), 0.5], [0.0, 1.0, 0.5]).data == pytest.approx(10 / 3)


def test_mse_gradient_matches_finite_differences():
    check_gradient(lambda v: mse(v, [0.3, -1.0, 2.0]), [1.0, -0.5, 0.25])


def test_mse_on_several_outputs_averages_every_component():
    loss = mse([[Value(1.0), Value(2.0)], [Value(0.0), Value(0.0)]], [[0.0, 0.0], [1.0, 1.0]])
    assert loss.data == pytest.approx((1 + 4 + 1 + 1) / 4)


def test_mse_refuses_a_target_of_the_wrong_shape():
    with pytest.raises(ValueError, match="list of 2 numbers"):
        mse([[Value(1.0), Value(2.0)]], [1.0])


# --- hinge ----------------------------------------------------------------------------------


def test_hinge_value():
    # relu(1 - 1·0.5) = 0.5, relu(1 + 1·(-2)) = 0, relu(1 - 1·(-0.25)) = 1.25
    loss = hinge([Value(0.5), Value(-2.0), Value(-0.25)], [1, -1, 1])
    assert loss.data == pytest.approx((0.5 + 0.0 + 1.25) / 3, rel=1e-15)


def test_hinge_gradient_matches_finite_differences():
    check_gradient(lambda v: hinge(v, [1, -1, 1, -1]), [0.5, -2.0, -0.25, 0.3])


def test_the_hinge_loss_has_one_name():
    from autograd_lite import nn
    from autograd_lite.nn import losses

    assert not hasattr(losses, "max_margin") and "max_margin" not in losses.LOSSES
    with pytest.raises(AttributeError):
        nn.max_margin  # noqa: B018


@pytest.mark.parametrize("labels", [[0, 1], [1, 2], [1, 0.5]])
def test_hinge_refuses_labels_other_than_plus_minus_one(labels):
    with pytest.raises(ValueError, match="-1 or \\+1"):
        hinge([Value(0.0), Value(0.0)], labels)


# --- binary cross-entropy ------------------------------------------------------------------


def test_bce_value():
    x, y = [2.0, -1.0, 0.5], [1, 0, 0]
    expected = (
        -(math.log(sigmoid(2.0)) + math.log(1 - sigmoid(-1.0)) + math.log(1 - sigmoid(0.5))) / 3
    )
    assert binary_cross_entropy([Value(v) for v in x], y).data == pytest.approx(expected, rel=1e-14)


def test_bce_gradient_is_sigmoid_minus_label_over_n():
    xs = [Value(2.0), Value(-1.0), Value(0.0), Value(0.0)]
    ys = [1, 0, 1, 0]
    binary_cross_entropy(xs, ys).backward()
    assert [v.grad for v in xs] == pytest.approx(
        [(sigmoid(v.data) - y) / 4 for v, y in zip(xs, ys)], rel=1e-12
    )


def test_bce_gradient_matches_finite_differences():
    check_gradient(lambda v: binary_cross_entropy(v, [1, 0, 1]), [1.5, -0.7, -3.0])


def test_bce_is_finite_for_huge_logits():
    loss = binary_cross_entropy([Value(1000.0), Value(-1000.0)], [0, 1])
    assert loss.data == pytest.approx(1000.0)


def test_bce_reads_minus_one_as_zero():
    xs = [Value(0.3), Value(-1.2)]
    assert binary_cross_entropy(xs, [-1, 1]).data == binary_cross_entropy(xs, [0, 1]).data


def test_bce_refuses_other_labels():
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        binary_cross_entropy([Value(0.0)], [2])


# --- softmax cross-entropy ------------------------------------------------------------------


def test_softmax_cross_entropy_value():
    logits = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]
    expected = 0.0
    for row, y in zip(logits, [0, 2]):
        expected += -math.log(math.exp(row[y]) / sum(math.exp(v) for v in row))
    loss = softmax_cross_entropy([[Value(v) for v in row] for row in logits], [0, 2])
    assert loss.data == pytest.approx(expected / 2, rel=1e-14)


def test_softmax_cross_entropy_gradient_matches_finite_differences():
    def loss(v):
        return softmax_cross_entropy([v[:3], v[3:]], [1, 0])

    check_gradient(loss, [1.0, 2.0, 0.5, 0.0, -1.0, 3.0])


def test_softmax_cross_entropy_is_finite_for_huge_logits():
    loss = softmax_cross_entropy([[Value(1000.0), Value(0.0)]], [1])
    assert loss.data == pytest.approx(1000.0)


@pytest.mark.parametrize("label", [3, -1, 1.0, True])
def test_softmax_cross_entropy_refuses_a_bad_class(label):
    with pytest.raises(ValueError, match="class index from 0 to 2"):
        softmax_cross_entropy([[Value(1.0), Value(2.0), Value(0.5)]], [label])


def test_softmax_cross_entropy_refuses_ragged_logits():
    with pytest.raises(ValueError, match="logits\\[1\\] has 2 classes"):
        softmax_cross_entropy([[0.0, 1.0, 2.0], [0.0, 1.0]], [0, 1])


# --- l2 -------------------------------------------------------------------------------------


def test_l2_value_and_gradient():
    ps = [Value(1.0), Value(-2.0), Value(0.5)]
    penalty = l2(ps, alpha=0.1)
    penalty.backward()
    assert penalty.data == pytest.approx(0.1 * 5.25)
    assert [p.grad for p in ps] == pytest.approx([0.2, -0.4, 0.1])


def test_l2_is_one_weighted_sum_node_times_alpha():
    ps = [Value(1.0), Value(2.0)]
    penalty = l2(ps, 0.5)
    assert penalty.op == "mul" and penalty.parents[0].op == "wsum"


@pytest.mark.parametrize("alpha", [-1.0, float("nan"), "1"])
def test_l2_refuses_a_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha"):
        l2([Value(1.0)], alpha)


def test_l2_refuses_a_non_value_parameter():
    with pytest.raises(TypeError, match=r"parameters\[1\]"):
        l2([Value(1.0), 2.0])


# --- shared checks --------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [mse, hinge, binary_cross_entropy])
def test_lengths_must_match(loss):
    with pytest.raises(ValueError, match="2 output\\(s\\) but 1 label\\(s\\)"):
        loss([Value(0.5), Value(-0.5)], [1])


@pytest.mark.parametrize("loss", [mse, hinge, binary_cross_entropy, softmax_cross_entropy])
def test_an_empty_batch_is_refused(loss):
    with pytest.raises(ValueError, match="empty"):
        loss([], [])


def test_a_non_number_output_is_refused():
    with pytest.raises(TypeError, match="scores\\[0\\]"):
        hinge(["0.5"], [1])


def test_the_batch_mean_is_one_node():
    loss = hinge([Value(0.5), Value(-2.0), Value(3.0)], [1, 1, -1])
    assert loss.op == "wsum" and len(loss.parents) == 2 * 3 + 1


@pytest.mark.parametrize("logit, label", [(40.0, 1), (-40.0, 0)])
def test_binary_cross_entropy_keeps_tiny_losses(logit, label):
    x = Value(logit)
    loss = binary_cross_entropy([x], [label])
    loss.backward()
    expected = math.log1p(math.exp(-40.0))
    assert loss.data == pytest.approx(expected, rel=1e-12)
    assert abs(x.grad) == pytest.approx(expected, rel=1e-9)


# --- non-finite, huge and boolean numbers, and containers that are not lists ---------------

LABELLED = [
    (mse, [Value(1.0)]),
    (hinge, [Value(1.0)]),
    (binary_cross_entropy, [Value(1.0)]),
]


@pytest.mark.parametrize("loss, outputs", LABELLED, ids=lambda x: getattr(x, "__name__", ""))
@pytest.mark.parametrize(
    "label, message",
    [(math.inf, "finite"), (-math.inf, "finite"), (10**400, "too large"), (math.nan, "NaN")],
)
def test_a_non_finite_or_huge_label_is_refused_by_name(loss, outputs, label, message):
    with pytest.raises(ValueError, match=rf"labels\[0\].*{message}|targets\[0\].*{message}"):
        loss(outputs, [label])


@pytest.mark.parametrize("loss, outputs", LABELLED, ids=lambda x: getattr(x, "__name__", ""))
def test_a_boolean_label_is_refused(loss, outputs):
    with pytest.raises(TypeError, match="bool"):
        loss(outputs, [True])


def test_softmax_cross_entropy_refuses_a_boolean_or_huge_class():
    for label in (True, 10**400):
        with pytest.raises(ValueError, match=r"labels\[0\] must be a class index"):
            softmax_cross_entropy([[Value(0.0), Value(1.0)]], [label])


def test_an_mse_target_list_refuses_non_finite_components():
    with pytest.raises(ValueError, match=r"targets\[0\]\[1\].*finite"):
        mse([[Value(1.0), Value(2.0)]], [[0.0, math.inf]])


@pytest.mark.parametrize("number", [math.inf, 10**400, True])
def test_an_output_given_as_a_number_must_be_finite_and_real(number):
    with pytest.raises((TypeError, ValueError), match=r"scores\[0\]"):
        hinge([number], [1])


@pytest.mark.parametrize("labels", [{0: 1}, {1}, "1", b"\x01"], ids=["dict", "set", "str", "bytes"])
def test_labels_and_outputs_must_be_sequences(labels):
    with pytest.raises(TypeError, match="labels must be a list"):
        hinge([Value(1.0)], labels)
    with pytest.raises(TypeError, match="outputs must be a list"):
        hinge(labels, [1])


def test_check_labels_names_the_index_in_the_whole_list():
    from autograd_lite.nn.losses import check_labels

    y = [1] * 50 + [0]
    with pytest.raises(ValueError, match=r"y\[50\] = 0"):
        check_labels(hinge, y, what="y")
    with pytest.raises(ValueError, match=r"y\[1\] must be a class index from 0 to 2"):
        check_labels(softmax_cross_entropy, [0, 3], what="y", width=3)
    with pytest.raises(ValueError, match=r"the output for y\[0\] has 2 components"):
        check_labels(mse, [1.0], what="y", width=2)
    with pytest.raises(TypeError, match="bool"):
        check_labels(lambda out, y: out, [1, True], what="y")
