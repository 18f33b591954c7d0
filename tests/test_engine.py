"""The engine: graph structure, backward semantics, numbers in, and the worked example."""

import threading

import numpy as np
import pytest

from autograd_lite import Value, backward, gradients, no_grad, topo_order, weighted_sum
from autograd_lite.engine import apply, gc_paused
from autograd_lite.ops import OPS


def s(x):
    return x.sigmoid()


# --- structure ----------------------------------------------------------------------------


def test_leaf_has_no_op_and_no_parents():
    x = Value(2, label="x")
    assert (x.data, x.grad, x.op, x.parents, x.label) == (2.0, 0.0, "", (), "x")
    assert type(x.data) is float


def test_parents_keep_operand_order_and_repeats():
    a, b = Value(1.0), Value(2.0)
    assert (b - a).parents == (b, a)
    assert (a * a).parents == (a, a)


@pytest.mark.parametrize(
    "make, value, grad",
    [
        (lambda x: 2 + x, 5.0, 1.0),
        (lambda x: x + 2, 5.0, 1.0),
        (lambda x: 2 - x, -1.0, -1.0),
        (lambda x: x - 2, 1.0, 1.0),
        (lambda x: 2 * x, 6.0, 2.0),
        (lambda x: x * 2, 6.0, 2.0),
        (lambda x: 6 / x, 2.0, -6 / 9),
        (lambda x: x / 2, 1.5, 0.5),
        (lambda x: 2**x, 8.0, 8.0 * np.log(2.0)),
        (lambda x: x**2, 9.0, 6.0),
        (lambda x: -x, -3.0, -1.0),
        (lambda x: abs(-x), 3.0, 1.0),
        (lambda x: +x, 3.0, 1.0),
    ],
)
def test_constants_on_either_side(make, value, grad):
    x = Value(3.0)
    y = make(x)
    y.backward()
    assert y.data == pytest.approx(value, rel=1e-15)
    assert x.grad == pytest.approx(grad, rel=1e-15)


def test_constant_operand_becomes_a_leaf_in_the_graph():
    x = Value(3.0)
    y = x * 2
    assert y.parents[0] is x
    const = y.parents[1]
    assert (const.data, const.op, const.parents) == (2.0, "", ())


def test_value_exponent_gets_its_gradient():
    x, n = Value(2.0), Value(3.0)
    y = x**n
    y.backward()
    assert x.grad == pytest.approx(12.0)
    assert n.grad == pytest.approx(8.0 * np.log(2.0))


# --- backward semantics -------------------------------------------------------------------


def test_backward_twice_doubles_every_gradient_including_interior():
    a = Value(3.0, label="a")
    b = a * a
    c = b * a
    c.backward()
    assert (a.grad, b.grad, c.grad) == (27.0, 3.0, 1.0)
    c.backward()
    assert (a.grad, b.grad, c.grad) == (54.0, 6.0, 2.0)


def test_zero_grad_resets_the_graph():
    a = Value(3.0)
    c = a * a * a
    c.backward()
    c.zero_grad()
    assert [v.grad for v in topo_order(c)] == [0.0] * len(topo_order(c))


def test_square_by_reuse_sums_both_paths():
    a = Value(-4.0)
    (a * a).backward()
    assert a.grad == -8.0


def test_doubling_twice_gives_four():
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad) == (4.0, 2.0)


def test_fan_out_sums_over_paths():
    x = Value(2.0)
    y = x.exp()
    z = y * x + y.tanh() * y
    z.backward()
    e = np.exp(2.0)
    t = np.tanh(e)
    expected = e * 2.0 + e + (1 - t * t) * e * e + t * e
    assert x.grad == pytest.approx(expected, rel=1e-14)


def test_unused_input_keeps_zero_gradient():
    x, unused = Value(1.0), Value(5.0)
    y = x * 3
    y.backward()
    assert unused.grad == 0.0 and x.grad == 3.0


def test_gradients_leaves_grad_attributes_alone():
    x = Value(3.0)
    y = x * x
    assert gradients(y, [x, y]) == [6.0, 1.0]
    assert x.grad == 0.0 and y.grad == 0.0


def test_gradients_of_a_node_outside_the_graph_is_zero():
    x, other = Value(3.0), Value(1.0)
    assert gradients(x * x, [other]) == [0.0]


def test_backward_of_a_leaf_sets_its_grad_to_one():
    x = Value(3.0)
    x.backward()
    assert x.grad == 1.0


def test_module_level_backward_is_the_method():
    x = Value(3.0)
    backward(x * x)
    assert x.grad == 6.0


# --- topological order --------------------------------------------------------------------


def test_topo_order_puts_parents_first_and_root_last():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d.tanh()
    order = topo_order(e)
    assert order[-1] is e
    assert len(order) == len(set(map(id, order))) == 5
    pos = {id(v): i for i, v in enumerate(order)}
    for v in order:
        assert all(pos[id(p)] < pos[id(v)] for p in v.parents)


def test_topo_order_is_depth_first_in_operand_order():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    c.label = "c"
    d = b + c
    d.label = "d"
    assert [v.label for v in topo_order(d)] == ["b", "a", "c", "d"]


def test_topo_order_is_deterministic_across_rebuilds():
    def build():
        xs = [Value(float(i), label=f"x{i}") for i in range(5)]
        y = sum(x * x for x in xs) * xs[0] + xs[3].tanh()
        return [(v.label, v.op, v.data) for v in topo_order(y)]

    assert build() == build()


def test_topo_order_is_the_recursive_post_order_on_graphs_that_share_nodes():
    # nodes whose parents were all seen go into the order at once: the order must still be
    # the textbook's recursive depth-first post-order
    def recursive(root):
        order, seen = [], set()

        def visit(v):
            seen.add(v)
            for p in v.parents:
                if p not in seen:
                    visit(p)
            order.append(v)

        visit(root)
        return order

    rng = np.random.default_rng(5)
    for _ in range(100):
        pool = [Value(float(v)) for v in rng.normal(size=3)]
        for _ in range(int(rng.integers(1, 25))):
            picks = [pool[i] for i in rng.integers(0, len(pool), size=5)]
            kind = int(rng.integers(0, 3))
            if kind == 0:
                pool.append(picks[0].tanh())
            elif kind == 1:
                pool.append(picks[0] * picks[1])
            else:
                pool.append(weighted_sum(picks[:2], picks[2:4], picks[4]))
        assert topo_order(pool[-1]) == recursive(pool[-1])


def test_topo_order_refuses_a_non_value():
    with pytest.raises(TypeError, match="root must be a Value"):
        topo_order(3.0)


@pytest.mark.slow
def test_chain_100000_deep_differentiates_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y + 0.5
    y.backward()
    assert x.grad == 1.0
    assert y.data == 1.0 + 50_000.0
    assert len(topo_order(y)) == 200_001


def test_deep_tanh_chain_gradient_matches_product_of_local_derivatives():
    x = Value(0.3)
    y = x
    expected = 1.0
    for _ in range(10_000):
        y = y.tanh()
        expected *= 1 - y.data**2
    y.backward()
    assert x.grad == pytest.approx(expected, rel=1e-9)


# --- numbers in ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", [np.float64(2.5), np.float32(2.5), np.int64(2), 2, 2.5])
def test_numpy_scalars_and_python_numbers_are_accepted(number):
    v = Value(number)
    assert type(v.data) is float and v.data == float(number)


@pytest.mark.parametrize("flag", [True, False, np.True_, np.False_])
def test_booleans_are_refused_wherever_a_number_is_taken(flag):
    x = Value(2.0, label="x")
    for take in (
        Value,
        lambda b: x + b,
        lambda b: b * x,
        lambda b: x**b,
        lambda b: b / x,
        lambda b: weighted_sum([x], [b], 0.0),
        lambda b: weighted_sum([x], [1.0], b),
    ):
        with pytest.raises(TypeError, match="boolean"):
            take(flag)
    assert (x.data, x.grad, x.parents) == (2.0, 0.0, ())


def test_numpy_scalar_on_the_left_defers_to_value():
    x = Value(3.0)
    for y in (np.float64(2.0) * x, np.float32(2.0) * x, np.int64(2) * x):
        assert isinstance(y, Value) and y.data == 6.0
    y = np.float64(1.0) - x
    assert isinstance(y, Value) and y.data == -2.0


@pytest.mark.parametrize("bad", ["3", None, 1 + 2j, [1.0], (1.0,), {}, object()])
def test_non_numbers_are_refused_with_type_error(bad):
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


def test_a_value_is_not_accepted_as_data():
    with pytest.raises(TypeError, match="got a Value"):
        Value(Value(1.0))


def test_nan_data_is_refused():
    with pytest.raises(ValueError, match="NaN"):
        Value(float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        Value(1.0) + float("nan")


def test_non_string_label_is_refused():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_non_number_operand_is_refused_and_nothing_changes():
    x = Value(1.0, label="x")
    with pytest.raises(TypeError, match="real number"):
        x + "2"
    with pytest.raises(TypeError):
        x * None
    assert (x.data, x.grad, x.parents) == (1.0, 0.0, ())


# --- domain errors: type, message, nothing changed ----------------------------------------


@pytest.mark.parametrize(
    "a, b, make, exc, words",
    [
        (0.0, None, lambda a, b: a.log(), ValueError, ["log", "0.0 (label 'a')"]),
        (-1.0, None, lambda a, b: a.log(), ValueError, ["log", "-1.0 (label 'a')"]),
        (-1.0, None, lambda a, b: a.sqrt(), ValueError, ["sqrt", "-1.0 (label 'a')"]),
        (
            1.5,
            0.0,
            lambda a, b: a / b,
            ZeroDivisionError,
            ["div", "1.5 (label 'a')", "0.0 (label 'b')"],
        ),
        (1.5, None, lambda a, b: a / 0, ZeroDivisionError, ["div", "1.5 (label 'a')", "0.0"]),
        (
            0.0,
            -1.0,
            lambda a, b: a**b,
            ZeroDivisionError,
            ["pow", "0.0 (label 'a')", "-1.0 (label 'b')"],
        ),
        (-8.0, None, lambda a, b: a ** (1 / 3), ValueError, ["pow", "-8.0 (label 'a')", "0.333"]),
        (1000.0, None, lambda a, b: a.exp(), OverflowError, ["exp", "1000.0 (label 'a')"]),
        (
            10.0,
            400.0,
            lambda a, b: a**b,
            OverflowError,
            ["pow", "10.0 (label 'a')", "400.0 (label 'b')", "too large"],
        ),
        (10.0, None, lambda a, b: a**400, OverflowError, ["pow", "10.0 (label 'a')", "400.0"]),
        (
            1e200,
            1e200,
            lambda a, b: a * b,
            OverflowError,
            ["mul", "1e+200 (label 'a')", "1e+200 (label 'b')"],
        ),
    ],
)
def test_domain_errors_raise_what_python_raises_and_name_op_values_labels(a, b, make, exc, words):
    leaves = [Value(a, label="a")] + ([Value(b, label="b")] if b is not None else [])
    before = [(v.data, v.grad, v.op, v.parents) for v in leaves]
    with pytest.raises(exc) as info:
        make(*leaves, *([None] if b is None else []))
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert [(v.data, v.grad, v.op, v.parents) for v in leaves] == before


def test_labelled_operands_appear_in_the_message():
    a, b = Value(1.0, label="numerator"), Value(0.0, label="denominator")
    message = r"1.0 \(label 'numerator'\).*0.0 \(label 'denominator'\)"
    with pytest.raises(ZeroDivisionError, match=message):
        a / b


def test_infinity_minus_infinity_is_refused_not_nan():
    a, b = Value(float("inf")), Value(float("inf"))
    with pytest.raises(ValueError, match="NaN"):
        a - b


def test_infinite_operand_may_give_infinite_result():
    assert (Value(float("inf")) + 1).data == float("inf")


def test_failing_backward_changes_no_gradient():
    x = Value(0.0, label="x")
    w = Value(2.0)
    y = x.sqrt() + w * w
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        y.backward()
    assert (x.grad, w.grad, y.grad) == (0.0, 0.0, 0.0)


def test_rule_returning_wrong_number_of_gradients_is_named(monkeypatch):
    bad = OPS["mul"].replace(rule=lambda g, out, a, b: (g,))
    monkeypatch.setitem(OPS, "mul", bad)
    a = Value(2.0)
    y = a * a
    with pytest.raises(RuntimeError, match="'mul' returned 1 gradient"):
        y.backward()
    assert a.grad == 0.0


# --- no_grad and detach -------------------------------------------------------------------


def test_no_grad_records_no_parents():
    x = Value(2.0)
    with no_grad():
        y = x * 3 + 1
    assert (y.data, y.op, y.parents) == (7.0, "", ())
    z = x * 3
    assert z.parents[0] is x


def test_no_grad_is_local_to_the_thread():
    x = Value(2.0)
    seen = []
    inside = threading.Event()
    done = threading.Event()

    def worker():
        inside.wait()
        seen.append((x * 2).parents)
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    with no_grad():
        inside.set()
        done.wait()
    t.join()
    assert seen[0][0] is x


def test_no_grad_restores_after_an_exception():
    x = Value(2.0)
    with pytest.raises(ZeroDivisionError), no_grad():
        x / 0
    assert (x * 2).parents[0] is x


def test_detach_gives_a_leaf_with_the_same_data():
    x = Value(2.0, label="x")
    y = (x * 3).detach()
    assert (y.data, y.op, y.parents) == (6.0, "", ())
    (y * y).backward()
    assert x.grad == 0.0


# --- weighted sum -------------------------------------------------------------------------


def test_weighted_sum_is_one_node_with_numbers_as_constants():
    w = [Value(0.5), Value(-1.0)]
    z = weighted_sum(w, [2.0, 3.0], 1.0)
    assert z.op == "wsum" and len(z.parents) == 5 and z.data == -1.0
    z.backward()
    assert [wi.grad for wi in w] == [2.0, 3.0]


def test_weighted_sum_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="2 weight.*3 input"):
        weighted_sum([Value(1.0), Value(1.0)], [1.0, 2.0, 3.0], 0.0)


def test_weighted_sum_refuses_non_value_weights():
    with pytest.raises(TypeError, match="weights\\[1\\]"):
        weighted_sum([Value(1.0), 2.0], [1.0, 2.0], 0.0)


def test_weighted_sums_make_the_nodes_weighted_sum_makes_bit_for_bit():
    from autograd_lite.weighted import weighted_sums

    rng = np.random.default_rng(3)
    for _ in range(50):
        k, m = int(rng.integers(1, 9)), int(rng.integers(1, 5))
        scale = 10.0 ** rng.integers(-5, 5, size=3)
        rows = [[Value(float(v)) for v in rng.normal(size=k) * scale[0]] for _ in range(m)]
        inputs = [Value(float(v)) for v in rng.normal(size=k) * scale[1]]
        biases = [Value(float(v)) for v in rng.normal(size=m) * scale[2]]
        zs = weighted_sums(rows, inputs, biases)
        for z, w, b in zip(zs, rows, biases):
            one = weighted_sum(w, inputs, b)
            assert (z.data, z.op, z.parents) == (one.data, one.op, one.parents)


def test_weighted_sums_go_through_apply_for_whatever_is_unusual(monkeypatch):
    from autograd_lite.unknown import UNKNOWN
    from autograd_lite.weighted import weighted_sums

    w, x, b = Value(2.0), Value(3.0), Value(1.0)
    with no_grad():
        assert weighted_sums([[w]], [x], [b])[0].parents == ()
    x.data = UNKNOWN  # a traced number: the node is made, its number unknown
    assert weighted_sums([[w]], [x], [b])[0].data is UNKNOWN
    x.data = 1e300
    with pytest.raises(OverflowError, match="w_1 = 10000000000.0, a_1 = 1e\\+300"):
        weighted_sums([[w], [Value(1e10)]], [x], [b, b])
    with pytest.raises(TypeError):
        weighted_sums([[w]], [3.0], [b])  # an input that is not a Value
    with pytest.raises(ValueError, match="a row has 2 weight\\(s\\) for 1 input"):
        weighted_sums([[w, w]], [x], [b])
    with pytest.raises(ValueError, match="one bias per row"):
        weighted_sums([[w], [w]], [x], [b])
    # a changed table's forward is the one that runs
    monkeypatch.setitem(OPS, "wsum", OPS["wsum"].replace(forward=lambda *x: 42.0))
    assert weighted_sums([[w]], [Value(1.0)], [b])[0].data == 42.0


def test_activations_make_the_nodes_apply_makes():
    from autograd_lite.unknown import UNKNOWN
    from autograd_lite.weighted import activations

    zs = [Value(v) for v in (-2.0, 0.0, 0.5, 30.0)]
    for op in ("relu", "tanh", "sigmoid", "exp"):
        made = activations(op, zs)
        assert [(a.data, a.op, a.parents) for a in made] == [
            (b.data, b.op, b.parents) for b in (apply(op, (z,)) for z in zs)
        ]
    with no_grad():
        assert activations("relu", zs)[0].parents == ()
    unknown = Value(1.0)
    unknown.data = UNKNOWN  # a traced number: the node is made, its number unknown
    assert activations("tanh", [unknown])[0].data is UNKNOWN
    with pytest.raises(ValueError, match="log"):
        activations("log", [Value(1.0), Value(-1.0)])  # apply's error, naming the operation
    with pytest.raises(OverflowError):
        activations("exp", [Value(1000.0)])
    with pytest.raises(ValueError, match="unknown primitive 'nope'"):
        activations("nope", zs)


# --- readable values ----------------------------------------------------------------------


def test_repr_shows_data_grad_op_and_label():
    x = Value(2.0, label="x")
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(x * x) == "Value(data=4.0, grad=0.0, op='mul')"


def test_float_and_format_use_the_data():
    x = Value(2.0)
    assert float(x) == 2.0 and f"{x:.2f}" == "2.00"


# --- the learner's worked example (question 1) --------------------------------------------


def network(I, w1, w2, w3, w4, w5):
    h = s(I * w1 + 1)
    return s(s(h * w2 + 1) * w4 + s(h * w3 + 1) * w5 + 1)


def test_worked_example_output_and_gradient():
    I = Value(1.0, label="I")
    w = [Value(0.5, label=f"w{i}") for i in range(1, 6)]
    O = network(I, *w)
    O.backward()
    assert O.data == pytest.approx(0.858583510611, abs=1e-12)
    assert w[0].grad == pytest.approx(0.00142918810220, abs=1e-12)


def test_worked_example_learners_formula_is_four_times_too_large():
    def sf(x):
        return 1 / (1 + np.exp(-x))

    def d(x):
        return sf(x) * (1 - sf(x))

    I, w1, w2, w3, w4, w5 = 1.0, 0.5, 0.5, 0.5, 0.5, 0.5
    outer = sf(sf(I * w1 + 1) * w2 + 1) * w4 + sf(sf(I * w1 + 1) * w3 + 1) * w5 + 1
    learner = d(outer) * (
        d(sf(I * w1 + 1) * w2 + 1) * d(I * w1 + 1) * I
        + d(sf(I * w1 + 1) * w3 + 1) * d(I * w1 + 1) * I
    )
    assert learner == pytest.approx(0.00571675240882, abs=1e-12)
    w = [Value(0.5) for _ in range(5)]
    O = network(Value(1.0), *w)
    O.backward()
    assert learner / w[0].grad == pytest.approx(4.0, rel=1e-12)


def test_infinite_local_derivative_is_refused_and_changes_nothing():
    x = Value(1e-320, label="x")
    w = Value(2.0, label="w")
    y = x.log() * w
    with pytest.raises(OverflowError, match="'x'.*inf"):
        y.backward()
    assert (x.grad, w.grad, y.grad) == (0.0, 0.0, 0.0)


def test_backward_restores_the_garbage_collector_state():
    import gc

    x = Value(2.0)
    y = x * x
    assert gc.isenabled()
    y.backward()
    assert gc.isenabled()
    gc.disable()
    try:
        y.backward()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_no_grad_instance_can_be_nested_and_restores_recording():
    x = Value(2.0)
    block = no_grad()
    with block:
        with block:
            assert (x * 2).parents == ()
        assert (x * 2).parents == ()
    assert (x * 2).parents[0] is x


def test_a_context_copied_inside_no_grad_stays_without_grad_after_the_block():
    # what an asyncio task created inside the block sees, whatever other code does later
    import contextvars

    x = Value(2.0)
    with no_grad():
        ctx = contextvars.copy_context()
    assert ctx.run(lambda: x * 2).parents == ()
    assert (x * 2).parents[0] is x


def test_concurrent_passes_over_a_shared_leaf_give_exact_gradients():
    x = Value(3.0)
    ys = [x * x * float(k) for k in range(1, 9)]
    results = {}

    def worker(k):
        for _ in range(50):
            results.setdefault(k, set()).add(tuple(gradients(ys[k - 1], [x])))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {k: {(6.0 * k,)} for k in range(1, 9)}
    assert x.grad == 0.0


def test_a_failed_operation_leaves_no_new_node_behind():
    import gc

    a, b = Value(1.0, label="a"), Value(0.0, label="b")

    def live_values():
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    before = live_values()
    for _ in range(3):
        with pytest.raises(ZeroDivisionError):
            a / b
        with pytest.raises(ValueError):
            b.log()
    assert live_values() == before


def test_one_no_grad_instance_shared_by_threads_keeps_them_apart():
    # Thread a enters, then b enters, then a leaves while b is still inside.
    shared = no_grad()
    x = Value(2.0)
    both_inside = threading.Barrier(2, timeout=10)
    a_left = threading.Event()
    seen, errors = {}, []

    def a():
        try:
            with shared:
                both_inside.wait()
            seen["a"] = (x * 2).parents
        except Exception as err:  # reported below, so the test fails instead of hanging
            errors.append(err)
        finally:
            a_left.set()

    def b():
        try:
            with shared:
                both_inside.wait()
                a_left.wait(10)
                seen["b inside"] = (x * 2).parents
            seen["b"] = (x * 2).parents
        except Exception as err:
            errors.append(err)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert seen["a"][0] is x and seen["b"][0] is x and seen["b inside"] == ()


# --- apply: the fast entry point -----------------------------------------------------------


def test_apply_makes_the_same_node_as_the_operator():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    by_apply, by_operator = apply("mul", (a, b)), a * b
    assert (by_apply.data, by_apply.op, by_apply.parents) == (-6.0, "mul", (a, b))
    assert (by_operator.data, by_operator.op, by_operator.parents) == (-6.0, "mul", (a, b))


def test_apply_makes_a_weighted_sum_node_from_values():
    w, x, bias = [Value(2.0), Value(3.0)], [Value(5.0), Value(7.0)], Value(1.0)
    z = apply("wsum", (*w, *x, bias))
    assert z.data == 32.0 and z.op == "wsum" and z.parents == (*w, *x, bias)
    assert gradients(z, [*w, *x, bias]) == [5.0, 7.0, 2.0, 3.0, 1.0]


def test_apply_inside_no_grad_makes_a_leaf():
    a = Value(2.0)
    with no_grad():
        y = apply("tanh", (a,))
    assert (y.op, y.parents) == ("", ())


def test_apply_refuses_a_number_operand_by_position():
    a = Value(2.0)
    with pytest.raises(TypeError, match=r"mul: operands\[1\] must be a Value, got float: 3.0"):
        apply("mul", (a, 3.0))
    with pytest.raises(TypeError, match=r"operands\[0\] must be a Value, got float64"):
        apply("relu", (np.float64(1.0),))


@pytest.mark.parametrize(
    "op, count, message",
    [
        ("mul", 1, "mul takes 2 operand"),
        ("tanh", 2, "tanh takes 1 operand"),
        ("wsum", 4, "wsum takes n weights, n inputs and a bias, got 4 operands"),
        ("wsum", 2, "wsum takes n weights, n inputs and a bias, got 2 operands"),
    ],
)
def test_apply_refuses_the_wrong_number_of_operands(op, count, message):
    with pytest.raises(TypeError, match=message):
        apply(op, tuple(Value(1.0) for _ in range(count)))


def test_apply_refuses_an_unknown_primitive_and_lists_the_table():
    with pytest.raises(ValueError, match="unknown primitive 'tan'.*tanh"):
        apply("tan", (Value(1.0),))


def test_apply_names_the_operands_of_a_domain_error():
    with pytest.raises(ValueError, match="log.*a = 0.0 \\(label 'x'\\)"):
        apply("log", (Value(0.0, label="x"),))


# --- gc_paused ------------------------------------------------------------------------------


def test_gc_paused_restores_the_collector_even_after_an_error():
    import gc

    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with gc_paused():
            assert not gc.isenabled()
            raise RuntimeError("inside")
    assert gc.isenabled()


def test_gc_paused_leaves_a_paused_collector_paused():
    import gc

    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_apply_refuses_operands_that_are_not_a_tuple():
    with pytest.raises(TypeError, match="operands must be a tuple, got generator"):
        apply("tanh", (v for v in [Value(1.0)]))


# --- constants are not differentiated; nothing overflows or underflows on the way ---------


@pytest.mark.parametrize(
    "make, start, expected",
    [
        (lambda x: 0**x, 0.5, 0.0),  # the base 0 is a constant: its derivative is not needed
        (lambda x: 0.0 ** (x + 1.0), 0.25, 0.0),
        (lambda x: x / 1e-300, 0.5, 1.0 / 1e-300),  # the constant's own gradient is -inf
        (lambda x: (x * 2.0) / 1e-300 + 1e-300 / 1e300, 0.5, 2.0 / 1e-300),
        (lambda x: (x**1e9) * 1e300, 0.5, 0.0),  # the pow rule's inf·0 on the way
        (lambda x: (-2.0) ** (x.sqrt() + 2), 0.0, 0.0),  # a negative base's exponent: constant
        (lambda x: (x.sqrt() - 1.0).relu(), 0.0, 0.0),  # a zero adjoint times an infinity
        (lambda x: 0.5 / (1 / x), 1e-300, 0.5),  # an adjoint underflows to 0 on the way
    ],
)
def test_gradients_that_are_finite_are_given_whatever_happens_on_the_way(make, start, expected):
    x = Value(start, label="x")
    y = make(x)
    assert gradients(y, [x]) == [pytest.approx(expected, rel=1e-12)]
    y.backward()
    assert x.grad == pytest.approx(expected, rel=1e-12)
    y.backward()  # and the grads accumulate as usual
    assert x.grad == pytest.approx(2 * expected, rel=1e-12)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda x: (x * 1e-200) * 1e-200 * 1e300 * 1e100, 1.0),  # the data underflows to 0
        (lambda x: (x * 1e-300).log() * 1e300, 1e300),  # d y / d (x·1e-300) is 1e600
    ],
)
def test_an_adjoint_beyond_float_range_on_the_way_still_gives_a_finite_gradient(make, expected):
    x = Value(1.0, label="x")
    y = make(x)
    assert gradients(y, [x]) == [pytest.approx(expected, rel=1e-12)]
    # backward stores every node's gradient, and one of them is too large for a float
    with pytest.raises(OverflowError, match="too large for a float"):
        y.backward()
    assert [v.grad for v in topo_order(y)] == [0.0] * len(topo_order(y))


def test_an_underflowed_adjoint_is_not_reported_as_zero_on_any_kind_of_node():
    x = Value(1e-300, label="x")
    w = Value(2.0, label="w")
    tiny = (1 / x).tanh() * 1e-300  # d tiny / d x is far below the smallest float
    y = weighted_sum([w], [1 / x], 0.0) * 1e-300 * 1e-300 / (1 / x)
    assert w.data * 1e-300 * 1e-300 == 0.0  # what a pass in plain floats would multiply by
    (y + tiny).backward()
    assert w.grad == pytest.approx(1e-300, rel=1e-12)  # 1/x · 1e-300 · 1e-300 / (1/x)


def test_a_constant_with_an_infinite_gradient_keeps_its_grad_and_a_user_value_is_refused():
    x = Value(0.5, label="x")
    y = x / 1e-300
    constant = y.parents[1]
    y.backward()
    assert constant.grad == 0.0 and x.grad == 1.0 / 1e-300
    with pytest.raises(OverflowError, match="inf"):  # asked for by name: it is refused
        gradients(y, [constant])
    d = Value(1e-300, label="d")
    with pytest.raises(OverflowError, match="'d'.*inf"):
        (x / d).backward()
    assert d.grad == 0.0


def test_a_constant_still_gets_its_gradient_when_it_is_finite():
    x = Value(2.0)
    y = x * 5.0
    y.backward()
    assert y.parents[1].grad == 2.0 and gradients(y, [y.parents[1]]) == [2.0]


def test_an_infinite_derivative_of_a_user_value_is_still_refused():
    x = Value(0.0, label="x")
    with pytest.raises(OverflowError, match="'x'.*inf"):
        (x**0.5).backward()
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        (x.sqrt() * 3.0).backward()
    assert x.grad == 0.0


# --- gradients writes no grad slot; threads ------------------------------------------------


def test_gradients_writes_no_grad_slot_even_while_it_runs():
    xs = [Value(float(i % 7) / 7, label=f"x{i}") for i in range(20)]
    y = xs[0]
    for i in range(3000):
        y = (y * xs[i % 20]).tanh() + xs[(i * 7) % 20]
    order = topo_order(y)
    for i, v in enumerate(order):
        v.grad = float(i)
    seen = set()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            seen.update((i, v.grad) for i, v in enumerate(order))

    t = threading.Thread(target=reader)
    t.start()
    try:
        for _ in range(20):
            gradients(y, xs)
    finally:
        stop.set()
        t.join()
    assert seen == {(i, float(i)) for i in range(len(order))}


def test_gradients_in_several_threads_at_once_agree():
    x = Value(0.3)
    y = x
    for _ in range(2000):
        y = (y * 1.01).sin()
    expected = gradients(y, [x])
    results = []

    def worker():
        results.append(gradients(y, [x]))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 6 and x.grad == 0.0


# --- no_grad closed from another context -----------------------------------------------------


def test_no_grad_in_a_generator_closed_from_another_context_ends_cleanly():
    import contextvars

    x = Value(2.0)

    def evaluate():
        with no_grad():
            yield x * 3

    gen = evaluate()
    assert next(gen).parents == ()
    contextvars.Context().run(gen.close)  # no ValueError here
    assert (x * 2).parents[0] is x  # and this context records again


def test_no_grad_generator_closed_in_another_thread_lets_the_first_context_record_again():
    x = Value(2.0)

    def evaluate():
        with no_grad():
            yield x * 3

    gen = evaluate()
    next(gen)
    errors = []

    def close():
        try:
            gen.close()
        except Exception as err:
            errors.append(err)

    t = threading.Thread(target=close)
    t.start()
    t.join()
    assert errors == [] and (x * 2).parents[0] is x
    with no_grad():  # and no_grad still works afterwards
        assert (x * 2).parents == ()
    assert (x * 2).parents[0] is x


def test_the_fast_pass_gives_bitwise_what_the_tables_weighted_sum_rule_gives():
    # the fast pass runs the weighted sum's rule inlined; it must add exactly the terms of
    # OPS["wsum"].rule, in the same order, also when a Value is both a weight and an input
    rng = np.random.default_rng(12)
    rule = OPS["wsum"].rule
    for trial in range(200):
        k = int(rng.integers(1, 9))
        pool = [Value(float(v)) for v in rng.normal(size=2 * k + 1) * 10.0 ** rng.integers(-5, 5)]
        # operands drawn from a small pool, so some Values occur more than once
        picks = rng.integers(0, len(pool), size=2 * k + 1) if trial % 2 else range(2 * k + 1)
        operands = tuple(pool[i] for i in picks)
        z = apply("wsum", operands)
        scale = Value(float(rng.normal()))
        (z * scale).backward()
        expected = {id(v): 0.0 for v in pool}
        for v, gv in zip(operands, rule(scale.data, z.data, *[v.data for v in operands])):
            expected[id(v)] += gv
        assert [v.grad for v in pool] == [expected[id(v)] for v in pool]


def test_backward_where_most_adjoints_are_zero_gives_every_node_its_reference_gradient():
    # a network whose units are mostly dead: the fast pass keeps only the nonzero adjoints,
    # and every grad must still be the reference pass's (0 where the adjoint is 0)
    from autograd_lite.engine import reference_gradients

    rng = np.random.default_rng(8)
    xs = [Value(float(v), label=f"x{i}") for i, v in enumerate(rng.normal(size=6))]
    layer = xs
    for _ in range(3):
        layer = [
            weighted_sum([Value(float(w)) for w in rng.normal(size=len(layer))], layer, -3.0).relu()
            for _ in range(6)
        ]
    root = weighted_sum([Value(1.0)] * len(layer), layer, 0.0) + xs[0] * 2.0
    expected = reference_gradients(root)
    assert sum(1 for g in expected.values() if g) < len(expected) / 2  # mostly zeros
    root.backward()
    assert [v.grad for v in topo_order(root)] == list(expected.values())


def test_a_huge_integer_is_named_by_its_size_not_printed_in_full():
    with pytest.raises(OverflowError) as info:
        Value(10**400)
    assert "a 401-digit number is too large for a float" in str(info.value)
    with pytest.raises(OverflowError, match="a 100001-digit number"):
        Value(10**100000)  # str() of it would raise: past Python's 4,300-digit limit


def test_a_weighted_sums_error_names_its_operands_pair_by_pair_and_bounds_the_list():
    from autograd_lite import weighted_sum

    with pytest.raises(OverflowError) as info:
        weighted_sum([Value(1e200), Value(2.0)], [Value(1e200, label="x"), Value(3.0)], 1.0)
    named = "w_1 = 1e+200, a_1 = 1e+200 (label 'x'), w_2 = 2.0, a_2 = 3.0, b = 1.0"
    assert named in str(info.value)
    with pytest.raises(OverflowError) as info:
        weighted_sum([Value(1e200)] * 1000, [Value(1e200)] * 1000, 1.0)
    message = str(info.value)
    assert "w_4 = 1e+200, … 1993 more …, b = 1.0:" in message and len(message) < 400


# --- gc_paused and Ctrl-C ---------------------------------------------------------------------

needs_main_thread = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signals: main thread"
)


@needs_main_thread
def test_ctrl_c_inside_gc_paused_is_raised_with_the_collector_back_on():
    import gc
    import signal

    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        with gc_paused():
            assert not gc.isenabled()
            signal.raise_signal(signal.SIGINT)
            for _ in range(1000):  # the interrupt arrives here, at once
                pass
    assert gc.isenabled() and signal.getsignal(signal.SIGINT) is handler


@needs_main_thread
@pytest.mark.parametrize("kind", ["counting", "ignored"])
def test_gc_paused_leaves_ctrl_c_to_the_handler_in_place(kind):
    import gc
    import signal

    seen = []

    def counting(signum, frame):
        seen.append(signum)

    mine = counting if kind == "counting" else signal.SIG_IGN
    old = signal.signal(signal.SIGINT, mine)
    try:
        with gc_paused():
            assert signal.getsignal(signal.SIGINT) is mine  # no handler of its own
            signal.raise_signal(signal.SIGINT)
            for _ in range(1000):
                pass
            during = gc.isenabled()
        assert not during and gc.isenabled()  # the block goes on paused, then it is on
        assert seen == ([signal.SIGINT] if kind == "counting" else [])
    finally:
        signal.signal(signal.SIGINT, old)


@needs_main_thread
def test_blocks_that_end_in_another_order_leave_the_handler_as_it_was():
    import gc
    import signal

    handler = signal.getsignal(signal.SIGINT)
    first, second = gc_paused(), gc_paused()
    first.__enter__()
    gc.enable()  # as another thread's block ending would
    second.__enter__()
    first.__exit__(None, None, None)
    second.__exit__(None, None, None)
    assert gc.isenabled() and signal.getsignal(signal.SIGINT) is handler


def test_gradients_of_a_single_value_instead_of_a_list_says_to_wrap_it():
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"wrap it: \[v\]"):
        gradients(x * 2, x)
