"""The compiled path: compiled losses agree with the engine, refuse reads, and train alike."""

import ast
import math
import pathlib

import numpy as np
import pytest
from interrupting import interrupt_at_line

from autograd_lite import Value, no_grad
from autograd_lite.compiled import CompiledLoss, TraceError, compile_loss
from autograd_lite.compiled._arrays import forward_of, matrix_forms, rule_of
from autograd_lite.nn import MLP
from autograd_lite.nn.data import blobs, moons
from autograd_lite.nn.losses import (
    binary_cross_entropy,
    hinge,
    l2,
    mean_loss,
    mse,
    softmax_cross_entropy,
)
from autograd_lite.nn.optim import SGD, Adam, Optimizer
from autograd_lite.nn.train import fit
from autograd_lite.ops import OPS


def eager(model_fn, loss_fn, params, X, y, penalty=None):
    """The batch loss and gradient as the engine computes them."""
    for p in params:
        p.grad = 0.0
    total = loss_fn([model_fn(x) for x in X], y)
    if penalty is not None:
        total = total + penalty()
    total.backward()
    return total.data, np.array([p.grad for p in params])


def label_numbers(model_fn, loss_fn, X, y):
    """The labels as the numbers the loss's per-sample term reads."""
    with no_grad():
        out = model_fn(X[0])
    width = len(out) if isinstance(out, list) else 0
    return [loss_fn.label_numbers(t, width) for t in y]


def compiled(model_fn, loss_fn, params, X, y, penalty=None):
    ys = label_numbers(model_fn, loss_fn, X, y)
    program = compile_loss(
        lambda x, t: loss_fn.per_sample(model_fn(x), t), params, X, ys, penalty=penalty
    )
    return program.value_and_grad(X, ys)


def assert_same(a, b, tol=1e-12):
    (la, ga), (lb, gb) = a, b
    assert la == pytest.approx(lb, rel=tol, abs=tol)
    np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=tol)


def hinge_program(model, X, y, **kw):
    return compile_loss(lambda x, t: hinge.per_sample(model(x), t), model.parameters(), X, y, **kw)


def test_the_moons_network_gives_the_engines_loss_and_gradients():
    X, y = moons(30, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()

    def penalty():
        return l2(params, 1e-4)

    assert_same(
        compiled(model, hinge, params, X, y, penalty), eager(model, hinge, params, X, y, penalty)
    )


LOSSES = {
    "mse": (mse, lambda y: [float(v) for v in y], 1),
    "hinge": (hinge, lambda y: y, 1),
    "binary_cross_entropy": (binary_cross_entropy, lambda y: y, 1),
    "softmax_cross_entropy": (softmax_cross_entropy, lambda y: [(v + 1) // 2 for v in y], 2),
    "mse, two outputs": (mse, lambda y: [[float(v), 2.0 * v] for v in y], 2),
}


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("loss", list(LOSSES))
def test_every_activation_and_loss_gives_the_engines_numbers(activation, loss):
    loss_fn, labels, outputs = LOSSES[loss]
    X, y = moons(12, noise=0.2, seed=2)
    y = labels(y)
    model = MLP(2, [5, outputs], activation=activation, seed=3)
    params = model.parameters()
    assert_same(compiled(model, loss_fn, params, X, y), eager(model, loss_fn, params, X, y))


def test_softmax_cross_entropy_with_ten_classes():
    X, y = blobs(40, centers=10, seed=0)
    model = MLP(2, [8, 10], seed=1)
    params = model.parameters()
    args = (model, softmax_cross_entropy, params, X, y)
    assert_same(compiled(*args), eager(*args))


def hand_written(params):
    """A network written with binary operators, using every primitive of the table."""
    w1, w2, w3, b = params

    def net(x):
        z = w1 * x[0] + w2 * x[1] - b / 2.0
        a = z.tanh() + z.sigmoid() * 0.5 + (-z).relu() + abs(z - 0.1)
        a = a + (z * 0.1).exp() + (z * z + 1.0).log() + (z * z).log1p() + (z * z + 1.0).sqrt()
        a = a + z.sin() * z.cos() + (z * z + 2.0) ** w3 + 2.0**z
        return a

    return net


def test_a_network_written_by_hand_with_every_primitive():
    params = [Value(0.3), Value(-0.7), Value(0.5), Value(0.2)]
    net = hand_written(params)
    X, y = moons(10, noise=0.1, seed=0)
    y = [float(v) for v in y]
    assert {op for op in OPS} <= _ops_used(net, X[0]) | {"wsum", "neg"}
    assert_same(compiled(net, mse, params, X, y), eager(net, mse, params, X, y))


def _ops_used(fn, x):
    from autograd_lite import topo_order

    return {v.op for v in topo_order(fn([Value(v) for v in x]))}


def test_l2_alone_is_computed_once_per_batch():
    model = MLP(2, [3, 1], seed=0)
    params = model.parameters()
    X, y = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]], [1, -1, 1]
    program = hinge_program(model, X, y, penalty=lambda: l2(params, 0.5))
    assert "once per batch" in str(program)
    loss, grad = program.value_and_grad(X, y)
    assert_same((loss, grad), eager(model, hinge, params, X, y, lambda: l2(params, 0.5)))


def test_the_listing_shows_a_matrix_product_per_layer_and_the_label_as_an_input():
    model = MLP(2, [4, 4, 1], seed=0)
    X, y = moons(6, seed=0)
    program = hinge_program(model, X, y)
    text = str(program)
    assert "z2 = x @ " in text and "a2 = relu(z2)" in text and "z3 = a2 @ " in text
    assert "mul(z4, y)" in text and "y: B×1" in text
    assert "backward:" in text and "ᵀ @ a2" in text
    assert isinstance(program, CompiledLoss) and "array operations" in repr(program)


# --- a trace is sound: reading a number that depends on the sample is refused --------------


@pytest.mark.parametrize(
    "read",
    [
        lambda s, t: (s * -t).exp() if s.data * t.data < 0 else (1.0 - s * t).relu(),
        lambda s, t: s if s.data > 0 else -s,  # .data compared
        lambda s, t: s if float(s) > 0 else -s,  # float()
        lambda s, t: s * max(s.data, 0.0),  # a constant computed from .data
        lambda s, t: s * t if t.data == 1.0 else s,  # the label's number
        lambda s, t: s * Value(s.data),  # a number read and made a Value
        lambda s, t: s * s.detach(),  # detached: its number is read
        lambda s, t: s + 1.0 if s.data else s,  # bool
        lambda s, t: s * t if t == 1 else s,  # the label compared, not its number
        lambda s, t: s if t else -s,  # the label's truth
        lambda s, t: s if t in (1, 2) else -s,  # the label looked up
    ],
)
def test_code_that_reads_a_number_of_the_sample_is_refused_with_a_way_out(read):
    model = MLP(2, [3, 1], seed=0)
    X, y = moons(10, noise=0.1, seed=0)
    with pytest.raises(TraceError, match=r"relu\(x\) for max"):
        compile_loss(lambda x, t: read(model(x), t), model.parameters(), X, y)


@pytest.mark.parametrize("op", list(OPS))
def test_every_primitive_on_unknown_numbers_makes_an_unknown_node(op):
    from autograd_lite.engine import apply
    from autograd_lite.unknown import UNKNOWN

    arity = 3 if op == "wsum" else OPS[op].arity
    operands = [Value(0.5) for _ in range(arity)]
    operands[0].data = UNKNOWN
    node = apply(op, tuple(operands))
    assert node.data is UNKNOWN and node.op == op and node.parents == tuple(operands)


def test_a_model_of_your_own_that_compares_its_inputs_is_refused():
    w = Value(0.5)

    def model(x):  # eagerly x is a list of numbers; traced, of Values standing for them
        return w * x[1] if x[0] == 0.0 else w * x[0]

    with pytest.raises(TraceError, match="number"):
        compile_loss(lambda x, t: mse.per_sample(model(x), t), [w], [[0.0, 1.0]], [1.0])
    X, y = [[0.0, 1.0], [1.0, 2.0]], [1.0, 2.0]

    class Mine:
        def parameters(self):
            return [w]

        def __call__(self, x):
            return model(x)

    history = fit(Mine(), X, y, loss="mse", steps=2, lr=0.1)
    assert not history.compiled and "number" in history.mode


LOOKUPS = {
    "index": lambda weights, t: weights[t],
    "get": lambda weights, t: weights.get(t, 1.0),  # silently 1.0 for every sample, once
    "in a set": lambda weights, t: 0.25 if t in {1.0} else 0.75,
}


@pytest.mark.parametrize("lookup", list(LOOKUPS))
def test_a_term_that_looks_the_label_up_trains_eagerly_as_it_would_anyway(lookup):
    weights = {1: 0.25, -1: 0.75}
    pick = LOOKUPS[lookup]
    weighted = mean_loss(lambda out, t: (1.0 - out * t).relu() * pick(weights, t), name="w")
    X, y = moons(20, noise=0.1, seed=0)
    runs = {mode: fit(MLP(2, [3, 1], seed=0), X, y, loss=weighted, steps=3, compiled=mode)
            for mode in ("auto", False)}  # fmt: skip
    assert not runs["auto"].compiled and "looked up by hash" in runs["auto"].mode
    assert runs["auto"].loss == runs[False].loss
    assert hash(Value(1.0)) is not None  # the hash is back after the trace


def test_values_are_still_true_and_equal_only_to_themselves():
    a, b = Value(0.0), Value(0.0)
    assert a and a == a and a != b and not (a == 0.0) and len({a, b, a}) == 2


def test_a_number_read_from_the_parameters_is_refused_and_they_keep_their_values():
    w = Value(0.5)
    before = w.data
    with pytest.raises(TraceError, match="parameters"):
        compile_loss(lambda x: x[0] * w if w.data > 0 else x[0], [w], [[1.0]])
    assert w.data == before


def test_a_value_cut_off_under_no_grad_is_refused():
    w = Value(0.5)

    def fn(x):
        with no_grad():
            frozen = x[0] * w
        return x[0] * frozen

    with pytest.raises(TraceError, match="cut off from the graph"):
        compile_loss(fn, [w], [[1.0], [2.0]])


def test_arithmetic_on_the_label_compiles_whatever_the_labels_traced_on():
    # traced on data with one distinct label: the label is an input, never frozen
    w = Value(0.3)
    X = [[1.0], [2.0], [3.0]]

    def fn(x, t):
        target = (t - 3.0) / 2.0 + t * t
        d = x[0] * w - target
        return d * d

    program = compile_loss(fn, [w], X, [1.0, 1.0, 1.0])
    other = [-2.0, 0.5, 7.0]
    want = np.mean([(x[0] * 0.3 - ((t - 3.0) / 2.0 + t * t)) ** 2 for x, t in zip(X, other)])
    assert program(X, other) == pytest.approx(want, rel=1e-15)


def test_a_program_traced_on_one_distinct_label_does_not_freeze_it_in_fit():
    # a loss of your own, with a target made from the label; the data's first label repeats
    X = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5]]
    y = [1.0, 1.0, 1.0, 3.0]
    loss = mean_loss(lambda out, t: (out - (2.0 * t - 1.0)) * (out - (2.0 * t - 1.0)))
    runs = {}
    for mode in (True, False):
        model = MLP(2, [1], activation="linear", seed=1)
        runs[mode] = fit(model, X, y, loss=loss, steps=3, lr=0.0, compiled=mode)
    assert runs[True].compiled
    np.testing.assert_allclose(runs[True].loss, runs[False].loss, rtol=1e-14)


def _class_weighted(outputs, labels):
    """hinge with each class weighted by its share of the batch: not a mean of per-sample
    terms, whatever the first samples say."""
    n = len(labels)
    share = {c: labels.count(c) / n for c in set(labels)}
    terms = [(1.0 - s * t).relu() * (0.5 / share[t]) for s, t in zip(outputs, labels)]
    return sum(terms) * (1.0 / n)


def test_a_class_weighted_loss_trains_the_same_objective_as_eagerly():
    X, y = moons(40, noise=0.1, seed=0)
    order = sorted(range(40), key=lambda i: -y[i])  # the first samples share a class
    X, y = [X[i] for i in order], [y[i] for i in order]
    runs = {}
    for mode in ("auto", False):
        runs[mode] = fit(MLP(2, [4, 1], seed=0), X, y, loss=_class_weighted, steps=5, compiled=mode)
    assert not runs["auto"].compiled and "per-sample" in runs["auto"].mode
    np.testing.assert_allclose(runs["auto"].loss, runs[False].loss, rtol=1e-14)
    with pytest.raises(TraceError, match="per_sample"):
        fit(MLP(2, [4, 1], seed=0), X, y, loss=_class_weighted, steps=1, compiled=True)


def _flips(s, t):
    """A per-sample term that branches on .data, which flips as the weights move (and back)."""
    return (1.0 - s * t).relu() if s.data * t < 0.5 else (s * t) * 0.0


def test_a_branch_on_data_is_refused_at_trace_time_and_auto_trains_eagerly(capsys):
    X, y = moons(30, noise=0.1, seed=1)
    loss = mean_loss(_flips)
    runs = {}
    for mode in ("auto", False):
        model = MLP(2, [4, 1], seed=1)
        runs[mode] = fit(model, X, y, loss=loss, steps=30, compiled=mode, verbose=mode == "auto")
        runs[mode].params = [p.data for p in model.parameters()]
    assert not runs["auto"].compiled and ".data" in runs["auto"].mode
    assert capsys.readouterr().out.startswith("training eager: ")
    np.testing.assert_array_equal(runs["auto"].loss, runs[False].loss)
    np.testing.assert_array_equal(runs["auto"].params, runs[False].params)
    model = MLP(2, [4, 1], seed=1)
    before = [p.data for p in model.parameters()]
    with pytest.raises(TraceError, match=r"fit\(compiled=True\).*\.data"):
        fit(model, X, y, loss=loss, steps=5, compiled=True)
    assert [p.data for p in model.parameters()] == before


def test_an_empty_batch_is_a_clear_value_error():
    model = MLP(2, [3, 1], seed=0)
    X, y = moons(6, seed=0)
    program = hinge_program(model, X, y)
    with pytest.raises(ValueError, match="the batch is empty"):
        program.value_and_grad(np.empty((0, 2)), [])
    with pytest.raises(ValueError, match="non-empty"):
        hinge_program(model, [], [])


def test_labels_of_another_shape_than_traced_are_refused():
    model = MLP(2, [3, 1], seed=0)
    X, y = moons(6, seed=0)
    program = hinge_program(model, X, y)
    with pytest.raises(ValueError, match="label"):
        program.value_and_grad(X, [[1.0, 2.0]] * 6)


def test_an_error_raised_by_the_traced_function_says_it_comes_from_it():
    model = MLP(2, [3, 1], seed=0)
    X, y = moons(6, seed=0)

    def failing(x, t):
        raise KeyError("mine")

    with pytest.raises(KeyError, match="mine") as info:
        compile_loss(failing, model.parameters(), X, y)
    assert "raised by the function being traced" in " ".join(info.value.__notes__)


# --- fit through the declared interface ---------------------------------------------------


def test_a_model_of_your_own_and_a_loss_made_by_mean_loss_train_compiled():
    class Line:
        def __init__(self):
            self.w, self.b = Value(0.5), Value(0.0)

        def parameters(self):
            return [self.w, self.b]

        def __call__(self, x):
            return self.w * x[0] + self.b

    X = [[0.0], [1.0], [2.0], [3.0]]
    y = [1.0, 3.0, 5.0, 7.0]
    absolute = mean_loss(lambda out, t: abs(out - t), name="absolute")
    runs = {}
    for mode in (True, False):
        line = Line()
        runs[mode] = fit(line, X, y, loss=absolute, steps=20, lr=0.1, compiled=mode)
        runs[mode].params = [p.data for p in line.parameters()]
    assert runs[True].compiled
    np.testing.assert_allclose(runs[True].loss, runs[False].loss, rtol=1e-14)
    np.testing.assert_allclose(runs[True].params, runs[False].params, rtol=1e-14)


def test_an_optimizer_that_declares_no_rule_runs_its_own_step():
    class Halving(Optimizer):
        def step(self):
            for p in self.params:
                p.data -= 0.5 * self.current_lr() * p.grad
            self.steps += 1

    X, y = moons(20, noise=0.1, seed=0)
    runs = {}
    for mode in (True, False):
        model = MLP(2, [4, 1], seed=0)
        runs[mode] = fit(model, X, y, optimizer=Halving(model.parameters(), 0.2), steps=4)
        runs[mode] = (runs[mode].loss, [p.data for p in model.parameters()])
    np.testing.assert_allclose(runs[True][0], runs[False][0], rtol=1e-12)


def test_the_compiled_path_imports_nothing_from_nn():
    root = pathlib.Path(__file__).resolve().parent.parent / "autograd_lite" / "compiled"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert "nn" not in (node.module or "").split("."), (path.name, node.module)
            elif isinstance(node, ast.Import):
                assert not any(".nn" in a.name for a in node.names), path.name


def test_the_library_losses_train_compiled_to_the_end():
    X, y = moons(30, noise=0.1, seed=1)
    for loss in ("hinge", "binary_cross_entropy", "mse"):
        labels = [float(v) for v in y] if loss == "mse" else y
        h = fit(MLP(2, [4, 1], seed=1), X, labels, loss=loss, steps=40, progress=False)
        assert h.compiled and h.mode.startswith("compiled")


def test_fit_compiled_and_eager_give_the_same_history():
    X, y = moons(40, noise=0.1, seed=1)
    runs = {}
    for mode in (True, False):
        model = MLP(2, [8, 8, 1], seed=0)
        opt = SGD(model.parameters(), lr=0.3, momentum=0.5)
        history = fit(model, X, y, optimizer=opt, l2=1e-4, steps=15, batch_size=16, compiled=mode)
        runs[mode] = history, [p.data for p in model.parameters()], opt.velocity
    (hc, pc, vc), (he, pe, ve) = runs[True], runs[False]
    assert hc.compiled and not he.compiled
    np.testing.assert_allclose(hc.loss, he.loss, rtol=1e-10)
    assert hc.accuracy == he.accuracy and hc.lr == he.lr
    np.testing.assert_allclose(pc, pe, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(vc, ve, rtol=1e-9, atol=1e-12)


def test_fit_compiled_with_adam_and_classes_matches_eager_and_callbacks_see_the_parameters():
    X, y = blobs(30, centers=3, seed=0)
    seen = {}
    for mode in (True, False):
        model = MLP(2, [6, 3], seed=0)
        opt = Adam(model.parameters(), lr=0.05)
        looked = []

        def callback(step, history, model=model, looked=looked):
            looked.append([p.data for p in model.parameters()])

        history = fit(
            model, X, y, loss="softmax_cross_entropy", optimizer=opt, steps=5, callback=callback
        )
        seen[mode] = history.loss, looked, [p.grad for p in model.parameters()]
    np.testing.assert_allclose(seen[True][0], seen[False][0], rtol=1e-10)
    np.testing.assert_allclose(seen[True][1], seen[False][1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(seen[True][2], seen[False][2], rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
        lambda ps: Adam(ps, lr=0.05),
        lambda ps: SGD(ps[::2], lr=0.05, momentum=0.5),  # some parameters only
        lambda ps: Adam(ps[::-1][:-3], lr=0.05),  # some, in another order
    ],
)
def test_the_optimizers_state_is_the_eager_ones_in_its_own_order(make):
    X, y = moons(20, noise=0.1, seed=0)
    state = {}
    for mode in (True, False):
        # tanh: a ReLU unit held at 0 (a zero bias, all its inputs 0) takes one side or the
        # other of its kink by the last bit, which the two paths may round differently
        model = MLP(2, [5, 4, 1], activation="tanh", seed=0)
        opt = make(model.parameters())
        history = fit(model, X, y, optimizer=opt, steps=4, compiled=mode)
        assert history.compiled is mode
        kept = {k: v for k, v in vars(opt).items() if k in ("velocity", "m", "v")}
        state[mode] = history.loss, kept, [p.data for p in model.parameters()]
    # Adam divides by the root of small second moments, which magnifies the last bits in
    # which the two paths' gradients differ: close, not to the last bits (an order mixed up
    # would differ in the first digit)
    np.testing.assert_allclose(state[True][0], state[False][0], rtol=1e-9)
    for key, values in state[False][1].items():
        np.testing.assert_allclose(state[True][1][key], values, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(state[True][2], state[False][2], rtol=1e-7, atol=1e-12)


def test_a_layers_weights_are_one_matrix_in_the_flat_array():
    model = MLP(2, [16, 16, 1], seed=0)
    X, y = moons(8, seed=0)
    program = hinge_program(model, X, y)
    matmuls = [ins for ins in program.program if type(ins).__name__ == "_Matmul"]
    assert len(matmuls) == 3
    for ins in matmuls:
        assert ins.W.flags.c_contiguous and ins.W.base is not None
    # the layout puts layer 2's 16×16 weights, then its 16 biases, in one run
    at = {p: i for i, p in enumerate(program.layout)}
    layer = model.layers[1]
    weights = [at[w] for n in layer.neurons for w in n.w]
    assert weights == list(range(weights[0], weights[0] + 256))
    assert [at[n.b] for n in layer.neurons] == list(range(weights[0] + 256, weights[0] + 272))
    # the gradient comes back in the order the parameters were given
    loss, grad = program.value_and_grad(X, y)
    assert_same((loss, grad), eager(model, hinge, model.parameters(), X, y))


# --- the vectorised forms agree with the scalar rules ----------------------------------------

POINTS = [-1.3, -0.4, 0.0, 0.2, 0.9, 2.5]


@pytest.mark.parametrize("op", [op for op in OPS if op != "wsum"])
def test_each_vectorised_form_agrees_with_the_scalar_rule(op):
    prim = OPS[op]
    if prim.arity == 1:
        points = [
            (a,)
            for a in POINTS
            if not (op in ("log", "sqrt", "log1p") and a <= -1 + (op != "log1p"))
        ]
        points += [(a,) for a in (0.3, 4.0)]
    else:
        points = [(a, b) for a in POINTS for b in (-2.0, 0.0, 1.5, 3.0)]
        if op == "div":
            points = [(a, b) for a, b in points if b != 0.0]
        if op == "pow":
            points = [(a, b) for a, b in points if a > 0.0 or (a == 0.0 and b > 0)]
    cols = [np.array(c) for c in zip(*points)]
    out = forward_of(op)(*cols)
    g = np.linspace(0.5, 1.5, len(points))
    grads = rule_of(op)(g, out, *cols)
    for k, xs in enumerate(points):
        expect = prim.forward(*xs)
        assert out[k] == pytest.approx(expect, rel=1e-14, abs=1e-300)
        rule = prim.rule(float(g[k]), expect, *xs)
        for got, want in zip(grads, rule):
            assert np.broadcast_to(got, out.shape)[k] == pytest.approx(want, rel=1e-13, abs=1e-300)


def test_the_matrix_form_of_the_weighted_sum_agrees_with_the_scalar_rule():
    rng = np.random.default_rng(0)
    W, A, b, G = (
        rng.normal(size=(3, 4)),
        rng.normal(size=(5, 4)),
        rng.normal(size=3),
        rng.normal(size=(5, 3)),
    )
    forward, rule = matrix_forms()
    Z = forward(W, A, b)
    dW, dA, db = rule(G, Z, W, A, b)
    prim = OPS["wsum"]
    want_W, want_A, want_b = np.zeros_like(W), np.zeros_like(A), np.zeros_like(b)
    for i in range(5):
        for j in range(3):
            operands = (*W[j], *A[i], b[j])
            assert Z[i, j] == pytest.approx(prim.forward(*operands), rel=1e-13)
            grads = prim.rule(G[i, j], Z[i, j], *operands)
            want_W[j] += grads[:4]
            want_A[i] += grads[4:8]
            want_b[j] += grads[8]
    np.testing.assert_allclose(dW, want_W, rtol=1e-12)
    np.testing.assert_allclose(dA, want_A, rtol=1e-12)
    np.testing.assert_allclose(db, want_b, rtol=1e-12)


def test_a_non_finite_gradient_is_an_error_not_a_silent_nan():
    w = Value(1.0)
    program = compile_loss(lambda x: (x[0] * w).log(), [w], [[1.0], [2.0], [3.0]])
    assert program.value_and_grad([[1.0], [2.0]])[0] == pytest.approx(math.log(2.0) / 2)
    with pytest.raises(ValueError, match="not a finite number"):
        program.value_and_grad([[0.0], [2.0]])


# --- the written-out passes ---------------------------------------------------------------


def _programs():
    """(program, X, y) for programs that use every kind of instruction and operand."""
    X, y = moons(12, noise=0.2, seed=2)
    out = []
    model = MLP(2, [6, 5, 1], seed=0)
    params = model.parameters()
    out.append((hinge_program(model, X, y, penalty=lambda: l2(params, 0.1)), X, y))
    for activation in ("tanh", "sigmoid"):
        for loss_fn, labels, width in LOSSES.values():
            m = MLP(2, [4, width], activation=activation, seed=1)
            ys = label_numbers(m, loss_fn, X, labels(y))
            program = compile_loss(
                lambda x, t, m=m, f=loss_fn: f.per_sample(m(x), t), m.parameters(), X, ys
            )
            out.append((program, X, ys))
    hand = [Value(0.3), Value(-0.7), Value(0.5), Value(0.2)]
    net = hand_written(hand)
    yf = [float(v) for v in y]
    out.append((compile_loss(lambda x, t: mse.per_sample(net(x), t), hand, X, yf), X, yf))
    # weights that change with the sample: the weighted sums run as the table's wsum
    w = [Value(0.5), Value(-0.25)]

    def by_sample(x, t):
        from autograd_lite import weighted_sum

        return mse.per_sample(weighted_sum([x[0] * w[0], x[1]], [w[1], x[0]], w[0]), t)

    out.append((compile_loss(by_sample, w, X, yf), X, yf))
    return out


def test_programs_cut_into_many_written_out_functions_give_exactly_the_same_numbers(
    monkeypatch,
):
    import autograd_lite.compiled._codegen as codegen

    whole = [(p.value_and_grad(X, y), X, y) for p, X, y in _programs()]
    kinds = set()
    monkeypatch.setattr(codegen, "CHUNK", 2)
    for (want, X, y), (program, _, _) in zip(whole, _programs()):
        kinds |= {type(ins).__name__ for ins in program.program}
        assert len(program._forward) == (len(program.program) + 1) // 2
        loss, grad = program.value_and_grad(X, y)
        assert loss == want[0]
        np.testing.assert_array_equal(grad, want[1])
    assert kinds == {"_Matmul", "_Elementwise", "_WeightedSums"}


def test_the_written_out_source_holds_only_names_it_made_never_a_label():
    import re

    model = MLP(2, [3, 1], seed=0)
    for i, p in enumerate(model.parameters()):
        p.label = f"__import__('os').system('echo {i}')"
    X, y = moons(6, seed=0)
    params = model.parameters()
    program = hinge_program(model, X, y, penalty=lambda: l2(params, 0.1))
    source = program.source
    assert "import" not in source and "os" not in re.findall(r"\w+", source)
    allowed = re.compile(r"(e|d|o|g|r|u|c|dW|dA|db|[A-Z]+\d+|broadcast_to|asarray|add)\Z")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            assert allowed.match(node.id), node.id
        elif isinstance(node, ast.Attribute):
            assert node.attr in {"read", "add", "forward", "backward", "shape", "sum"}
        elif isinstance(node, ast.Constant):
            assert node.value is None or type(node.value) in (int, bool), node.value


def test_an_output_that_does_not_depend_on_the_sample_comes_back_for_every_sample():
    a = Value(0.5)
    X = [[1.0], [2.0], [3.0]]
    program = compile_loss(lambda x: (a * x[0], [a * x[0], a]), [a], X)
    _, out = program.run(*program.batch(X), outputs=True)
    np.testing.assert_array_equal(out, [[0.5, 0.5], [1.0, 0.5], [1.5, 0.5]])


def test_a_parameter_made_by_an_operation_is_refused_by_both_paths():
    w = Value(0.7) * 1.0
    with pytest.raises(TraceError, match="parameter 0 .* not a leaf"):
        compile_loss(lambda x: x[0] * w, [w], [[1.0], [2.0]])
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].w[0] = Value(0.7) * 1.0
    X, y = moons(10, seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="made by an operation"):  # the optimizer's check
        fit(model, X, y, steps=2)
    assert [p.data for p in model.parameters()] == before


def test_an_operand_taken_twice_from_mixed_arrays_gets_both_gradients():
    from autograd_lite import weighted_sum

    p = Value(0.5)
    X = [[1.0], [2.0]]

    def fn(x):
        return weighted_sum([x[0], p, p], [x[0]] * 3, 0.0)

    loss, grad = compile_loss(fn, [p], X).value_and_grad(X)
    # per sample: x·x + 2·p·x, whose mean over x = 1, 2 has gradient 2·mean(x) = 3
    assert loss == pytest.approx(4.0) and grad.tolist() == pytest.approx([3.0])


def test_a_primitive_of_your_own_may_have_any_name(monkeypatch):
    from autograd_lite.engine import apply
    from autograd_lite.ops import Primitive

    prim = Primitive(
        name="matmul",
        arity=2,
        forward=lambda a, b: a * b + a,
        rule=lambda g, out, a, b: (g * (b + 1.0), g * a),
        symbol="@",
        template="a@b",
        derivatives=("b + 1", "a"),
    )
    monkeypatch.setitem(OPS, "matmul", prim)
    a = Value(0.5)
    X = [[1.0], [2.0], [3.0]]
    loss, grad = compile_loss(lambda x: apply("matmul", (x[0], a)), [a], X).value_and_grad(X)
    assert loss == pytest.approx(3.0) and grad.tolist() == pytest.approx([2.0])


def test_the_gradients_of_parameters_the_optimizer_leaves_alone_add_up_as_eagerly():
    X, y = moons(20, noise=0.1, seed=0)
    grads = {}
    for mode in (True, False):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        params = model.parameters()
        fit(model, X, y, optimizer=SGD(params[::2], lr=0.05), steps=5, compiled=mode)
        grads[mode] = [p.grad for p in params]
    np.testing.assert_allclose(grads[True], grads[False], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps)])
def test_an_interrupt_at_any_line_of_a_compiled_step_leaves_one_whole_step(make):
    """A KeyboardInterrupt raised at each line of the compiled step in turn (where a Ctrl-C
    can land): after fit stops, parameters, gradients and step count are those of one step
    of an uninterrupted run, never the gradient of a step that was not applied."""
    from autograd_lite.compiled import training as module

    X, y = moons(40, noise=0.1, seed=0)

    shots = []

    def shoot(k, history):
        shots.append(([p.data for p in model.parameters()], [p.grad for p in model.parameters()]))

    model = MLP(2, [4, 1], seed=0)
    fit(model, X, y, loss="hinge", optimizer=make(model.parameters()), steps=3, compiled=True,
        callback=shoot)  # fmt: skip
    start = [p.data for p in MLP(2, [4, 1], seed=0).parameters()]
    interrupted = 0
    for n in range(1, 400):
        model = MLP(2, [4, 1], seed=0)
        opt = make(model.parameters())
        # the steps only: a Ctrl-C right after a `with` block's __enter__ (tracing's
        # no_grad) is a gap of Python's own, outside what a step can promise
        try:
            with interrupt_at_line(n, module.__file__, ("step",)):
                fit(model, X, y, loss="hinge", optimizer=opt, steps=3, compiled=True)
        except KeyboardInterrupt:
            interrupted += 1
        else:
            break
        data = [p.data for p in model.parameters()]
        if opt.steps == 0:
            assert data == start
        else:
            assert (data, [p.grad for p in model.parameters()]) == shots[opt.steps - 1]
    assert interrupted > 10
