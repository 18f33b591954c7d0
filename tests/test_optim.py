"""Optimizers: the first two steps against hand-computed updates; schedules; bad arguments."""

import math

import pytest
from interrupting import interrupt_at_line

from autograd_lite import Value
from autograd_lite.nn.optim import SGD, Adam, linear_schedule, step_schedule


def two_steps(opt, p, grads):
    """Apply two steps with the given gradients; return the data after each."""
    seen = []
    for g in grads:
        p.grad = g
        opt.step()
        seen.append(p.data)
    return seen


def test_sgd_plain_steps():
    p = Value(1.0)
    assert two_steps(SGD([p], lr=0.1), p, [2.0, -1.0]) == pytest.approx([0.8, 0.9], rel=1e-15)


def test_sgd_momentum_steps():
    p = Value(1.0)
    # v1 = 2, p = 1 - 0.1·2 = 0.8; v2 = 0.9·2 + (-1) = 0.8, p = 0.8 - 0.1·0.8 = 0.72
    assert two_steps(SGD([p], lr=0.1, momentum=0.9), p, [2.0, -1.0]) == pytest.approx(
        [0.8, 0.72], rel=1e-15
    )


def test_sgd_weight_decay_steps():
    p = Value(1.0)
    # g1 = 2 + 0.5·1 = 2.5, p = 0.75; g2 = -1 + 0.5·0.75 = -0.625, p = 0.8125
    assert two_steps(SGD([p], lr=0.1, weight_decay=0.5), p, [2.0, -1.0]) == pytest.approx(
        [0.75, 0.8125], rel=1e-15
    )


def test_sgd_momentum_with_weight_decay_steps():
    p = Value(1.0)
    # g1 = 2.5, v1 = 2.5, p = 0.75; g2 = -0.625, v2 = 0.9·2.5 - 0.625 = 1.625, p = 0.5875
    assert two_steps(
        SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5), p, [2.0, -1.0]
    ) == pytest.approx([0.75, 0.5875], rel=1e-14)


def test_adam_steps_with_bias_correction():
    p = Value(1.0)
    b1, b2, lr, eps = 0.9, 0.999, 0.01, 1e-8
    m1, v1 = (1 - b1) * 2.0, (1 - b2) * 4.0
    p1 = 1.0 - lr * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * -1.0, b2 * v1 + (1 - b2) * 1.0
    p2 = p1 - lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    assert two_steps(Adam([p], lr=lr), p, [2.0, -1.0]) == pytest.approx([p1, p2], rel=1e-14)
    assert p1 == pytest.approx(0.99, rel=1e-8)  # the first step moves by lr


def test_adam_weight_decay_is_added_to_the_gradient():
    p, q = Value(1.0), Value(1.0)
    opt_p = Adam([p], lr=0.01, weight_decay=0.5)
    opt_q = Adam([q], lr=0.01)
    two_steps(opt_p, p, [2.0, -1.0])
    # the same as plain Adam fed g + 0.5·p, with p read before each step
    q.grad = 2.0 + 0.5 * 1.0
    opt_q.step()
    q.grad = -1.0 + 0.5 * q.data
    opt_q.step()
    assert p.data == pytest.approx(q.data, rel=1e-15)


def test_zero_grad_resets_the_parameters():
    ps = [Value(1.0), Value(2.0)]
    for p in ps:
        p.grad = 3.0
    SGD(ps, lr=0.1).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_a_callable_lr_is_called_with_the_step_count():
    calls = []
    p = Value(1.0)

    def lr(step):
        calls.append(step)
        return 0.1 * (step + 1)

    two_steps(SGD([p], lr=lr), p, [1.0, 1.0])
    assert calls == [0, 1]
    assert p.data == pytest.approx(1.0 - 0.1 - 0.2)


def test_a_schedule_returning_a_negative_rate_is_refused_before_any_update():
    p = Value(1.0)
    p.grad = 1.0
    with pytest.raises(ValueError, match="schedule's lr at step 0"):
        SGD([p], lr=lambda step: -1.0).step()
    assert p.data == 1.0


def test_non_finite_gradient_changes_nothing():
    ps = [Value(1.0, label="w"), Value(2.0, label="b")]
    ps[0].grad, ps[1].grad = 1.0, float("inf")
    opt = SGD(ps, lr=0.1, momentum=0.5)
    with pytest.raises(ValueError, match="gradient of b is inf"):
        opt.step()
    assert [p.data for p in ps] == [1.0, 2.0] and opt.velocity == [0.0, 0.0]


# --- schedules ------------------------------------------------------------------------------


def test_linear_schedule_matches_micrograds_rate_and_holds_the_end():
    lr = linear_schedule(1.0, 0.1, 100)
    assert [lr(k) for k in range(100)] == [1.0 - 0.9 * k / 100 for k in range(100)]
    assert lr(100) == lr(1000) == 0.1


def test_step_schedule_multiplies_every_step_size_steps():
    lr = step_schedule(0.4, step_size=3, gamma=0.5)
    assert [lr(k) for k in range(7)] == [0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1]


@pytest.mark.parametrize(
    "make",
    [
        lambda: linear_schedule(-1.0, 0.1, 10),
        lambda: linear_schedule(1.0, 0.1, 0),
        lambda: step_schedule(0.1, 0, 0.5),
        lambda: step_schedule(0.1, 2, -0.5),
    ],
)
def test_bad_schedule_arguments_are_refused(make):
    with pytest.raises(ValueError):
        make()


# --- bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize("opt", [SGD, Adam])
def test_no_parameters_is_refused(opt):
    with pytest.raises(ValueError, match="no parameters"):
        opt([], lr=0.1)


@pytest.mark.parametrize("opt", [SGD, Adam])
def test_a_negative_lr_is_refused(opt):
    with pytest.raises(ValueError, match="lr must be"):
        opt([Value(1.0)], lr=-0.1)


def test_a_non_value_parameter_is_refused():
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value"):
        SGD([Value(1.0), 2.0], lr=0.1)


def test_a_parameter_listed_twice_is_refused():
    p = Value(1.0, label="w")
    with pytest.raises(ValueError, match="'w'|w.*twice"):
        SGD([p, p], lr=0.1)


@pytest.mark.parametrize("kwargs", [{"momentum": 1.0}, {"momentum": -0.1}, {"weight_decay": -1.0}])
def test_sgd_refuses_bad_momentum_or_decay(kwargs):
    with pytest.raises(ValueError):
        SGD([Value(1.0)], lr=0.1, **kwargs)


@pytest.mark.parametrize("kwargs", [{"betas": (1.0, 0.999)}, {"betas": (0.9,)}, {"eps": 0.0}])
def test_adam_refuses_bad_betas_or_eps(kwargs):
    with pytest.raises(ValueError):
        Adam([Value(1.0)], **kwargs)


# --- every gradient checked, every update computed, before anything changes ---------------


def _state(opt):
    return (
        [p.data for p in opt.params],
        [p.grad for p in opt.params],
        [list(b) for b in (getattr(opt, n, []) for n in ("velocity", "m", "v"))],
        opt.steps,
    )


OPTIMIZERS = [
    lambda ps: SGD(ps, lr=0.1),
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    lambda ps: Adam(ps, lr=0.1),
    lambda ps: Adam(ps, lr=0.1, weight_decay=0.01),
]


@pytest.mark.parametrize("make", OPTIMIZERS, ids=["sgd", "sgd+momentum", "adam", "adam+decay"])
@pytest.mark.parametrize(
    "bad, error, message",
    [
        (1j, TypeError, "complex"),
        (True, TypeError, "bool"),
        ("1.0", TypeError, "str"),
        (Value(1.0), TypeError, "Value"),
        (math.nan, ValueError, "nan"),
        (-math.inf, ValueError, "-inf"),
        (10**400, ValueError, "401-digit"),
    ],
    ids=["complex", "bool", "str", "Value", "nan", "-inf", "huge int"],
)
def test_a_bad_last_gradient_changes_nothing(make, bad, error, message):
    ps = [Value(1.0, label="w1"), Value(2.0, label="w2"), Value(3.0, label="b")]
    opt = make(ps)
    for p in ps:
        p.grad = 0.5
    opt.step()  # moments and velocity are not zero any more
    ps[2].grad = bad
    before = _state(opt)
    with pytest.raises(error, match=rf"gradient of b .*{message}"):
        opt.step()
    after = _state(opt)
    assert after[0] == before[0] and after[2:] == before[2:]


@pytest.mark.parametrize("make", OPTIMIZERS[:2], ids=["sgd", "sgd+momentum"])
def test_sgd_refuses_a_step_that_would_make_a_parameter_infinite(make):
    ps = [Value(1.0, label="w"), Value(-1e308, label="b")]
    opt = make(ps)
    ps[0].grad, ps[1].grad = 1.0, 1e308
    opt.lr = 10.0
    before = _state(opt)
    with pytest.raises(ValueError, match=r"would make b -inf"):
        opt.step()
    assert _state(opt) == before


def test_adam_refuses_a_step_that_would_overflow_its_second_moment():
    ps = [Value(1.0, label="w"), Value(2.0, label="b")]
    opt = Adam(ps, lr=0.1)
    ps[0].grad, ps[1].grad = 1.0, 1e200  # g² overflows
    before = _state(opt)
    with pytest.raises(ValueError, match="would make b overflow its state"):
        opt.step()
    assert _state(opt) == before


def test_integer_and_numpy_gradients_are_used_as_floats():
    np = pytest.importorskip("numpy")
    ps = [Value(1.0), Value(1.0)]
    ps[0].grad, ps[1].grad = 2, np.float32(4.0)
    SGD(ps, lr=0.5).step()
    assert [p.data for p in ps] == [0.0, -1.0]


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: SGD([Value(1.0)], lr=10**400), "lr"),
        (lambda: SGD([Value(1.0)], lr=True), "lr"),
        (lambda: SGD([Value(1.0)], lr=math.inf), "lr"),
        (lambda: SGD([Value(1.0)], lr=0.1, momentum=True), "momentum"),
        (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=10**400), "weight_decay"),
        (lambda: Adam([Value(1.0)], eps=10**400), "eps"),
        (lambda: Adam([Value(1.0)], betas=(0.9, math.nan)), r"betas\[1\]"),
        (lambda: linear_schedule(10**400, 0.1, 10), "start"),
        (lambda: linear_schedule(1.0, 0.1, True), "steps"),
        (lambda: step_schedule(0.1, 2, math.inf), "gamma"),
    ],
)
def test_every_number_is_named_when_refused(make, name):
    with pytest.raises(ValueError, match=rf"^{name} must be") as info:
        make()
    assert len(str(info.value)) < 200


def test_a_schedule_returning_a_bool_is_refused():
    p = Value(1.0)
    p.grad = 1.0
    with pytest.raises(ValueError, match="schedule's lr at step 0"):
        SGD([p], lr=lambda step: True).step()
    assert p.data == 1.0


# --- the rule is declared once and serves floats and arrays alike ---------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: Adam(ps, lr=0.01, weight_decay=0.1),
    ],
)
def test_the_declared_update_gives_the_steps_numbers_on_floats_and_on_arrays(make):
    np = pytest.importorskip("numpy")
    xs, grads = [1.0, -2.0, 0.5], [[0.3, -1.0, 2.0], [0.1, 0.2, -0.5]]
    ps = [Value(x) for x in xs]
    opt = make(ps)
    x, state = np.array(xs), [np.zeros(3) for _ in opt.state_names]
    for t, g in enumerate(grads, 1):
        for p, gi in zip(ps, g):
            p.grad = gi
        opt.step()
        x, *state = opt.update(opt.current_lr(), t, x, np.array(g), *state)
    np.testing.assert_allclose(x, [p.data for p in ps], rtol=1e-15)
    for name, values in zip(opt.state_names, state):
        np.testing.assert_allclose(values, getattr(opt, name), rtol=1e-15)
    assert opt.steps == len(grads)


def test_an_optimizer_that_declares_no_rule_must_step_itself():
    from autograd_lite.nn.optim import Optimizer

    with pytest.raises(NotImplementedError, match="declares no update rule"):
        Optimizer([Value(1.0)], lr=0.1).step()


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps)])
def test_an_interrupt_at_any_line_of_a_step_updates_every_parameter_or_none(make):
    """A KeyboardInterrupt raised at each line of the step in turn (signal handlers run
    between bytecodes, so a line is where a Ctrl-C can land): parameters, state and step
    count are all as before or all as after."""
    from autograd_lite.nn import optim as module

    params = [Value(0.1 * i - 1.0) for i in range(20)]
    opt = make(params)
    for p in params:
        p.grad = 0.5
    opt.step()  # the state is not empty
    seen = []
    for n in range(1, 10_000):
        before = (
            [p.data for p in params],
            opt.steps,
            [list(getattr(opt, s)) for s in opt.state_names],
        )
        try:
            with interrupt_at_line(n, module.__file__):
                opt.step()
        except KeyboardInterrupt:
            pass
        else:
            break
        after = (
            [p.data for p in params],
            opt.steps,
            [list(getattr(opt, s)) for s in opt.state_names],
        )
        seen.append(after == before)
        if after != before:  # an interrupt after the commit: the whole step is in
            assert after[1] == before[1] + 1
            assert all(a != b for a, b in zip(after[0], before[0]))
            for p, x in zip(params, before[0]):  # go back for the next trial
                p.data = x
            opt.steps = before[1]
            for s, value in zip(opt.state_names, before[2]):
                setattr(opt, s, value)
    assert len(seen) > 5 and True in seen


def test_a_parameter_made_by_an_operation_is_refused():
    x = Value(1.0)
    with pytest.raises(ValueError, match=r"made by an operation \(mul\).*leaf"):
        SGD([x * 2], lr=0.1)
