"""The compiled path: traced programs agree with the engine, refuse branches, and train alike."""

import math

import numpy as np
import pytest

from autograd_lite import Value
from autograd_lite.compiled import Program, TraceError, trace
from autograd_lite.compiled._arrays import forward_of, matrix_forms, rule_of
from autograd_lite.nn import MLP
from autograd_lite.nn.data import blobs, moons
from autograd_lite.nn.losses import (
    binary_cross_entropy,
    hinge,
    l2,
    mse,
    softmax_cross_entropy,
)
from autograd_lite.nn.optim import SGD, Adam
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


def compiled(model_fn, loss_fn, params, X, y, penalty=None):
    program = trace(lambda x, t: loss_fn([model_fn(x)], [t]), params, X, y, penalty=penalty)
    return program.value_and_grad(X, y)


def assert_same(a, b, tol=1e-12):
    (la, ga), (lb, gb) = a, b
    assert la == pytest.approx(lb, rel=tol, abs=tol)
    np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=tol)


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
    "bce": (binary_cross_entropy, lambda y: y, 1),
    "cross_entropy": (softmax_cross_entropy, lambda y: [(v + 1) // 2 for v in y], 2),
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
    program = trace(
        lambda x, t: hinge([model(x)], [t]), params, X, y, penalty=lambda: l2(params, 0.5)
    )
    assert "once per batch" in str(program)
    loss, grad = program.value_and_grad(X, y)
    assert_same((loss, grad), eager(model, hinge, params, X, y, lambda: l2(params, 0.5)))


def test_the_listing_shows_a_matrix_product_per_layer():
    model = MLP(2, [4, 4, 1], seed=0)
    X, y = moons(6, seed=0)
    program = trace(lambda x, t: hinge([model(x)], [t]), model.parameters(), X, y)
    text = str(program)
    assert "z2 = x @ " in text and "a2 = relu(z2)" in text and "z3 = a2 @ " in text
    assert "backward:" in text and "ᵀ @ a2" in text
    assert isinstance(program, Program) and "array operations" in repr(program)


def test_code_that_branches_on_data_is_refused_with_the_node_and_a_way_out():
    model = MLP(2, [3, 1], seed=0)
    X, y = moons(10, noise=0.1, seed=0)

    def branching(x, t):
        s = model(x)
        return (s * -t).exp() if s.data * t < 0 else (1.0 - s * t).relu()

    with pytest.raises(TraceError, match=r"node #\d+ .*without|relu\(x\) for max"):
        trace(branching, model.parameters(), X, y)


@pytest.mark.parametrize(
    "swap",
    [
        lambda a, b, x, w: (a * b, b * a),  # the operands' order
        lambda a, b, x, w: (w[0] * x[0], w[1] * x[0]),  # which parameter
        lambda a, b, x, w: (x[0] * a, x[1] * a),  # which input
        lambda a, b, x, w: (a * 2.0, a * x[0]),  # a constant or an input
        lambda a, b, x, w: (a + b, a - b),  # the operation
    ],
)
def test_graphs_that_differ_in_one_operand_or_operation_are_told_apart(swap):
    w = [Value(0.5), Value(-0.25)]
    X, y = [[1.0, 2.0], [-1.0, 3.0], [2.0, 0.5]], [1.0, 0.0, 1.0]

    def fn(x, t):
        a, b = (w[0] * x[0]).tanh(), (w[1] * x[1]).tanh()
        first, other = swap(a, b, x, w)
        return mse([first if x[0].data > 0 else other], [t])

    with pytest.raises(TraceError, match="sample 1"):
        trace(fn, w, X, y)
    # a check in training (a batch, as fit re-checks) tells them apart too
    same = trace(fn, w, [X[0], X[2]], [y[0], y[2]])
    with pytest.raises(TraceError, match="sample 1 of the batch"):
        same.trace.check(X, y)


def test_a_constant_computed_from_data_is_refused():
    model = MLP(2, [3, 2], seed=0)
    X, y = blobs(10, centers=2, seed=0)

    def old_softmax(x, t):
        xs = model(x)
        m = max(v.data for v in xs)  # a number read from .data
        return sum((v - m).exp() for v in xs).log() + m - xs[0]

    with pytest.raises(TraceError, match="computed from .data"):
        trace(old_softmax, model.parameters(), X, y)


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

        history = fit(model, X, y, loss="cross_entropy", optimizer=opt, steps=5, callback=callback)
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
    program = trace(lambda x, t: hinge([model(x)], [t]), model.parameters(), X, y)
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


def test_fit_auto_trains_eagerly_what_does_not_trace_and_says_so(capsys):
    X, y = moons(12, noise=0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)

    def branching(outputs, labels):
        terms = [
            (1.0 - s * t).relu() if s.data > 0 else (s * -t).exp() for s, t in zip(outputs, labels)
        ]
        return sum(terms) * (1.0 / len(terms))

    history = fit(model, X, y, loss=branching, steps=2, verbose=True)
    assert not history.compiled and history.mode.startswith("eager: ")
    assert capsys.readouterr().out.startswith("training eager: ")
    with pytest.raises(TraceError):
        fit(model, X, y, loss=branching, steps=1, compiled=True)


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
    program = trace(lambda x: (x[0] * w).log(), [w], [[1.0], [2.0], [3.0]])
    assert program.value_and_grad([[1.0], [2.0]])[0] == pytest.approx(math.log(2.0) / 2)
    with pytest.raises(ValueError, match="not a finite number"):
        program.value_and_grad([[0.0], [2.0]])


# --- code that branches on .data: every sample at trace time, re-checks in training -------


def _hinge_if(outs, labels):
    tot = 0
    for o, t in zip(outs, labels):
        m = 1 - o * t
        tot = tot + (m if m.data > 0 else 0)
    return tot * (1 / len(outs))


def _relu_if(outs, labels):
    tot = 0
    for o, t in zip(outs, labels):
        tot = tot + (o * t if o.data > 0 else (o * t).relu())
    return tot * (1 / len(outs))


def test_trace_compares_every_sample_not_a_few():
    X, y = moons(40, noise=0.1, seed=0)
    model = MLP(2, [3, 1], seed=0)
    # the last sample alone takes the other branch
    last = [float(v) for v in X[-1]]

    def branch_on_one(x, t):
        s = model(x)
        return s * s if [v.data for v in x] == last else (s * s).relu()

    with pytest.raises(TraceError, match=r"for sample 39 .*node #\d+"):
        trace(branch_on_one, model.parameters(), X, y)


@pytest.mark.parametrize("loss_fn", [_hinge_if, _relu_if])
def test_fit_auto_goes_on_eagerly_when_a_branch_flips_in_training(loss_fn):
    X, y = moons(30, noise=0.1, seed=1)
    runs = {}
    for mode in (False, "auto"):
        model = MLP(2, [4, 1], seed=1)
        runs[mode] = fit(model, X, y, loss=loss_fn, steps=5, compiled=mode, progress=False)
        runs[mode].params = [p.data for p in model.parameters()]
    np.testing.assert_allclose(runs["auto"].loss, runs[False].loss, rtol=1e-10)
    np.testing.assert_allclose(runs["auto"].params, runs[False].params, rtol=1e-10)
    assert not runs["auto"].compiled
    assert "eager from step 1 on" in runs["auto"].mode and ".data" in runs["auto"].mode


@pytest.mark.parametrize("loss_fn", [_hinge_if, _relu_if])
def test_fit_compiled_refuses_when_a_branch_flips_and_restores_the_parameters(loss_fn):
    X, y = moons(30, noise=0.1, seed=1)
    model = MLP(2, [4, 1], seed=1)
    before = [p.data for p in model.parameters()]
    opt = SGD(model.parameters(), lr=0.5, momentum=0.9)
    with pytest.raises(TraceError, match=r"branches on\s+\.data.*compiled=False"):
        fit(model, X, y, loss=loss_fn, optimizer=opt, steps=5, compiled=True, progress=False)
    assert [p.data for p in model.parameters()] == before
    assert opt.velocity == [0.0] * len(before) and opt.steps == 0


def test_a_branch_that_flips_late_in_a_long_run_is_caught_and_the_history_is_eagers():
    X, y = moons(20, noise=0.1, seed=1)
    runs = {}
    for mode in (False, "auto"):
        model = MLP(2, [4, 1], seed=1)
        runs[mode] = fit(
            model, X, y, loss=_relu_if, steps=60, batch_size=8, compiled=mode, progress=False
        )
    np.testing.assert_allclose(runs["auto"].loss, runs[False].loss, rtol=1e-10)
    assert runs["auto"].accuracy == runs[False].accuracy and runs["auto"].lr == runs[False].lr


def test_the_library_losses_still_train_compiled_to_the_end():
    X, y = moons(30, noise=0.1, seed=1)
    for loss in ("hinge", "bce", "mse"):
        labels = [float(v) for v in y] if loss == "mse" else y
        h = fit(MLP(2, [4, 1], seed=1), X, labels, loss=loss, steps=40, progress=False)
        assert h.compiled and h.mode.startswith("compiled")


def test_an_error_raised_by_the_traced_function_says_it_comes_from_it():
    model = MLP(2, [3, 1], seed=0)
    X, y = moons(6, seed=0)
    with pytest.raises(TypeError, match="not supported") as info:
        trace(lambda x, t: x[0] if x[0] > 0 else x[1], model.parameters(), X, y)
    assert "raised by the function being traced" in " ".join(info.value.__notes__)


# --- the written-out passes ---------------------------------------------------------------


def _by_instruction(program, X, y):
    """value_and_grad with the program run instruction by instruction."""
    passes, program._passes = program._passes, None
    try:
        return program.value_and_grad(X, y)
    finally:
        program._passes = passes


def _programs():
    """(program, X, y) for programs that use every kind of instruction and operand."""
    X, y = moons(12, noise=0.2, seed=2)
    out = []
    model = MLP(2, [6, 5, 1], seed=0)
    params = model.parameters()
    out.append(
        (
            trace(
                lambda x, t: hinge([model(x)], [t]), params, X, y, penalty=lambda: l2(params, 0.1)
            ),
            X,
            y,
        )
    )
    for activation in ("tanh", "sigmoid"):
        for loss_fn, labels, width in LOSSES.values():
            m = MLP(2, [4, width], activation=activation, seed=1)
            ys = labels(y)
            program = trace(lambda x, t, m=m, f=loss_fn: f([m(x)], [t]), m.parameters(), X, ys)
            out.append((program, X, ys))
    hand = [Value(0.3), Value(-0.7), Value(0.5), Value(0.2)]
    net = hand_written(hand)
    yf = [float(v) for v in y]
    out.append((trace(lambda x, t: mse([net(x)], [t]), hand, X, yf), X, yf))
    # weights that change with the sample: the weighted sums run as the table's wsum
    w = [Value(0.5), Value(-0.25)]

    def by_sample(x, t):
        from autograd_lite import weighted_sum

        return mse([weighted_sum([x[0] * w[0], x[1]], [w[1], x[0]], w[0])], [t])

    out.append((trace(by_sample, w, X, yf), X, yf))
    return out


def test_the_written_out_passes_give_exactly_the_instruction_by_instruction_numbers():
    kinds = set()
    for program, X, y in _programs():
        assert program._passes is not None
        kinds |= {type(ins).__name__ for ins in program.program}
        loss, grad = program.value_and_grad(X, y)
        loss2, grad2 = _by_instruction(program, X, y)
        assert loss == loss2
        np.testing.assert_array_equal(grad, grad2)
    assert kinds == {"_Matmul", "_Elementwise", "_WeightedSums"}


def test_the_written_out_source_holds_only_names_it_made_never_a_label():
    import ast
    import re

    model = MLP(2, [3, 1], seed=0)
    for i, p in enumerate(model.parameters()):
        p.label = f"__import__('os').system('echo {i}')"
    X, y = moons(6, seed=0)
    params = model.parameters()
    program = trace(
        lambda x, t: hinge([model(x)], [t]), params, X, y, penalty=lambda: l2(params, 0.1)
    )
    source = program._passes[2]
    assert "import" not in source and "os" not in re.findall(r"\w+", source)
    allowed = re.compile(r"(e|d|o|g|r|u|c|dW|dA|db|[A-Z]+\d+|broadcast_to|asarray|add)\Z")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            assert allowed.match(node.id), node.id
        elif isinstance(node, ast.Attribute):
            assert node.attr in {"read", "add", "forward", "backward", "shape", "sum"}
        elif isinstance(node, ast.Constant):
            assert node.value is None or type(node.value) in (int, bool), node.value


def test_a_program_past_the_written_out_limit_runs_instruction_by_instruction(monkeypatch):
    import autograd_lite.compiled.program as program_module

    model = MLP(2, [4, 1], seed=0)
    X, y = moons(8, seed=0)
    make = lambda: trace(lambda x, t: hinge([model(x)], [t]), model.parameters(), X, y)  # noqa: E731
    written = make()
    monkeypatch.setattr(program_module, "MAX_WRITTEN", 1)
    long = make()
    assert long._passes is None and written._passes is not None
    assert long.value_and_grad(X, y)[0] == written.value_and_grad(X, y)[0]
    np.testing.assert_array_equal(long.value_and_grad(X, y)[1], written.value_and_grad(X, y)[1])


# --- the library's model and loss take one path ---------------------------------------------


def test_the_librarys_models_and_losses_are_known_to_take_one_path():
    from autograd_lite.compiled.training import takes_one_path
    from autograd_lite.nn import Layer, Neuron

    for model in (MLP(2, [3, 1]), Layer(2, 3), Neuron(2, activation="tanh")):
        assert takes_one_path(model, hinge)
        assert not takes_one_path(model, lambda o, t: hinge(o, t))

    class Mine(MLP):
        pass

    assert not takes_one_path(Mine(2, [3, 1]), hinge)
    patched = MLP(2, [3, 1])
    patched.layers[0].neurons[0]._forward = lambda xs: xs[0]
    patched._forwards[0][0] = patched.layers[0].neurons[0]._forward
    assert not takes_one_path(patched, hinge)
    assert not takes_one_path(lambda x: x, hinge)


def test_a_loss_added_to_the_table_is_not_taken_for_the_librarys(monkeypatch):
    from autograd_lite.compiled.training import takes_one_path
    from autograd_lite.nn import losses

    def summed(outputs, targets):  # a sum, not a mean: the program would divide by B
        total = (outputs[0] - targets[0]) ** 2
        for o, t in zip(outputs[1:], targets[1:]):
            total = total + (o - t) ** 2
        return total

    monkeypatch.setitem(losses.LOSSES, "summed", summed)
    assert not takes_one_path(MLP(2, [3, 1]), summed)
    X, _ = moons(20, seed=0)
    y = [a - b for a, b in X]
    runs = [
        fit(MLP(2, [3, 1], seed=0), X, y, loss="summed", steps=3, lr=0.01, compiled=mode)
        for mode in ("auto", False)
    ]
    assert not runs[0].compiled and "not the mean" in runs[0].mode
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, rtol=1e-12)


def test_one_path_training_compares_few_samples_and_never_re_checks(monkeypatch):
    from autograd_lite.compiled import _graphs

    calls = []
    original = _graphs.Compared.run
    monkeypatch.setattr(
        _graphs.Compared, "run", lambda self, *a: calls.append(a[-1]) or original(self, *a)
    )
    X, y = moons(300, noise=0.1, seed=1)
    h = fit(MLP(2, [4, 1], seed=0), X, y, steps=60, l2=1e-4)
    assert h.compiled and "one path" in h.mode
    assert 2 <= len(calls) <= 20  # at trace time only (one of each label among them)
    calls.clear()
    h = fit(MLP(2, [4, 1], seed=0), X, y, steps=60, loss=lambda o, t: hinge(o, t), l2=1e-4)
    assert h.compiled and "one path" not in h.mode
    assert len(calls) > 255 + 255  # every sample compared up to 256, and the last step's check


def test_one_path_training_reads_wide_regression_targets_as_label_columns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3)).tolist()
    Y = rng.normal(size=(120, 20)).tolist()  # 20 numbers a sample, all different
    model = MLP(3, [8, 20], seed=0)
    compiled = fit(model, X, Y, loss="mse", steps=5, lr=0.05)
    eager = fit(MLP(3, [8, 20], seed=0), X, Y, loss="mse", steps=5, lr=0.05, compiled=False)
    assert compiled.compiled
    np.testing.assert_allclose(compiled.loss, eager.loss, rtol=1e-12)


def test_labels_missed_by_the_compared_samples_still_get_their_constants():
    # 70 distinct labels (more than a table holds), 66 of them on samples the spread of
    # compared samples skips: the constants must come from an affine fit, not a table
    y = [float(i) if i < 70 else 0.0 for i in range(1000)]
    X = [[i / 1000.0] for i in range(1000)]
    w = [Value(0.5), Value(0.1)]

    def fn(x, t):
        return mse([w[0] * x[0] + w[1]], [t])

    program = trace(fn, w, X, y)
    assert_same(program.value_and_grad(X, y), eager(lambda x: w[0] * x[0] + w[1], mse, w, X, y))


# --- labels, returned nodes and operands that the first checks missed -------------------


def _histories(make, X, y, **kw):
    """fit's loss history and mode, compiled ("auto") and eager, from the same start."""
    compiled = fit(make(), X, y, compiled="auto", **kw)
    eager = fit(make(), X, y, compiled=False, **kw)
    return compiled, eager


def test_label_constants_are_right_for_labels_that_the_spread_of_samples_misses():
    import random

    r = random.Random(0)
    n = 400
    X = [[r.uniform(-1, 1), r.uniform(-1, 1)] for _ in range(n)]
    # many distinct targets, but 0 on every sample an even spread of 16 would pick
    spread = {round(k * (n - 1) / 15) for k in range(16)}
    y = [0.1 * i if (i % 3 == 0 and i not in spread) else 0.0 for i in range(n)]
    compiled, eager = _histories(lambda: MLP(2, [8, 1], seed=1), X, y, loss="mse", steps=4, lr=0.01)
    assert compiled.compiled
    np.testing.assert_allclose(compiled.loss, eager.loss, rtol=1e-10)


def test_a_one_hot_over_many_classes_is_not_mistaken_for_an_affine_function_of_the_class():
    import random

    r = random.Random(0)
    n = 200
    X = [[r.uniform(-1, 1), r.uniform(-1, 1)] for _ in range(n)]
    y = [2 + i % 68 for i in range(n)]  # 70 classes in all
    for k, i in enumerate(sorted({round(k * (n - 1) / 15) for k in range(16)})):
        y[i] = k % 2  # the spread of 16 samples sees classes 0 and 1 only
    compiled, eager = _histories(
        lambda: MLP(2, [8, 70], seed=1), X, y, loss="cross_entropy", steps=2, batch_size=50
    )
    assert not compiled.compiled  # one-hot constants of 70 classes: trained eagerly
    np.testing.assert_allclose(compiled.loss, eager.loss, rtol=1e-10)


def test_a_loss_of_your_own_over_many_distinct_targets_trains_compiled_to_the_end():
    X, _ = moons(100, noise=0.1, seed=0)
    y = [3.0 * (a + b) for a, b in X]  # 100 distinct targets: an affine fit, not a table

    def my_mse(outputs, targets):
        return mse(outputs, targets)

    compiled, eager = _histories(
        lambda: MLP(2, [8, 1], seed=1), X, y, loss=my_mse, steps=30, lr=0.01
    )
    assert compiled.compiled and "eager" not in compiled.mode
    np.testing.assert_allclose(compiled.loss, eager.loss, rtol=1e-10)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, a, b: a if x[0].data > 0 else b,  # the loss: one parameter or another
        lambda x, a, b: x[0] if x[0].data > 0 else x[1],  # one input or another
        lambda x, a, b: (a * x[0], [a * x[0], a]) if x[0].data > 0 else (a * x[0], [a, a * x[0]]),
    ],
)
def test_returning_other_nodes_of_the_same_graph_is_refused(fn):
    a, b = Value(1.0), Value(2.0)
    X = [[1.0, 5.0], [-1.0, 7.0]]
    with pytest.raises(TraceError, match="returns other nodes as its loss or outputs"):
        trace(lambda x: fn(x, a, b), [a, b], X)


def test_an_output_that_does_not_depend_on_the_sample_comes_back_for_every_sample():
    a = Value(0.5)
    X = [[1.0], [2.0], [3.0]]
    program = trace(lambda x: (a * x[0], [a * x[0], a]), [a], X)
    _, out = program.run(*program.batch(X), outputs=True)
    np.testing.assert_array_equal(out, [[0.5, 0.5], [1.0, 0.5], [1.5, 0.5]])


def test_a_parameter_made_by_an_operation_is_refused_and_fit_trains_it_eagerly():
    w = Value(0.7) * 1.0
    with pytest.raises(TraceError, match="parameter 0 .* not a leaf"):
        trace(lambda x: x[0] * w, [w], [[1.0], [2.0]])
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].w[0] = Value(0.7) * 1.0
    X, y = moons(10, seed=0)
    history = fit(model, X, y, steps=2)
    assert not history.compiled and "not a leaf" in history.mode


def test_an_operand_taken_twice_from_mixed_arrays_gets_both_gradients():
    from autograd_lite import weighted_sum

    p = Value(0.5)
    X = [[1.0], [2.0]]

    def fn(x):
        return weighted_sum([x[0], p, p], [x[0]] * 3, 0.0)

    loss, grad = trace(fn, [p], X).value_and_grad(X)
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
    loss, grad = trace(lambda x: apply("matmul", (x[0], a)), [a], X).value_and_grad(X)
    assert loss == pytest.approx(3.0) and grad.tolist() == pytest.approx([2.0])


def test_a_label_the_program_never_saw_is_named():
    model = MLP(2, [3, 2], seed=0)
    X, y = [[0.0, 1.0], [1.0, 0.0]], [0, 1]
    program = trace(lambda x, t: softmax_cross_entropy([model(x)], [t]), model.parameters(), X, y)
    with pytest.raises(ValueError, match="label 5 is not one of the 2 labels"):
        program.value_and_grad(X, [0, 5])


@pytest.mark.parametrize("loss", ["mse", lambda o, t: mse(o, t)])
@pytest.mark.parametrize("case", ["tiny", "one huge"])
def test_label_constants_are_the_labels_exactly_at_any_scale(loss, case):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2)).tolist()
    y = rng.normal(size=100).tolist()
    if case == "tiny":
        y = [v * 1e-100 for v in y]
    else:
        # one label of 1e16 that the model fits: (output - label) cancels, so a constant
        # off by the fit's rounding (about 20 here) would show in the loss
        w = MLP(2, [1], activation="linear", seed=1).layers[0].neurons[0].w[0].data
        X[7], y[7] = [1e16 / w, 0.0], 1e16
    runs = [
        fit(
            MLP(2, [1], activation="linear", seed=1),
            X,
            y,
            loss=loss,
            steps=2,
            lr=0.0,
            compiled=mode,
        )  # fmt: skip
        for mode in ("auto", False)
    ]
    assert runs[0].compiled and "eager" not in runs[0].mode
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, rtol=1e-12)


@pytest.mark.parametrize(
    "labels",
    [
        ["cat", "dog"] * 10,  # not numbers: the loss maps them
        [[float(i)] * (1 + i % 2) for i in range(70)],  # of two sizes, too many for a table
    ],
)
def test_labels_the_program_cannot_hold_train_eagerly(labels):
    codes = {"cat": 1.0, "dog": -1.0}

    def loss(outputs, ls):
        return mse(outputs, [codes[t] if isinstance(t, str) else sum(t) for t in ls])

    X = [[0.1 * i, 1.0] for i in range(len(labels))]
    history = fit(MLP(2, [3, 1], seed=0), X, labels, loss=loss, steps=2, lr=0.01)
    assert not history.compiled and "labels" in history.mode


def test_the_gradients_of_parameters_the_optimizer_leaves_alone_add_up_as_eagerly():
    X, y = moons(20, noise=0.1, seed=0)
    grads = {}
    for mode in (True, False):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        params = model.parameters()
        fit(model, X, y, optimizer=SGD(params[::2], lr=0.05), steps=5, compiled=mode)
        grads[mode] = [p.grad for p in params]
    np.testing.assert_allclose(grads[True], grads[False], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "scaled",
    [lambda t: t / 10, lambda t: 1 - t, lambda t: 2 * t - 1, lambda t: (t - 3) / 2],
)
def test_targets_scaled_and_shifted_in_a_loss_of_your_own_train_compiled(scaled):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2)).tolist()
    y = rng.normal(size=100).tolist()
    y[5] = -1e16  # one far out: the offset must not be lost to its rounding

    def loss(outputs, targets):
        return mse(outputs, [scaled(t) for t in targets])

    runs = [
        fit(MLP(2, [3, 1], seed=0), X, y, loss=loss, steps=2, lr=0.0, compiled=mode)
        for mode in ("auto", False)
    ]
    assert runs[0].compiled and "eager" not in runs[0].mode
    assert runs[0].loss == runs[1].loss


def test_a_constant_of_another_form_over_many_labels_is_refused_as_such():
    X = [[i / 100.0] for i in range(100)]
    y = [float(i) for i in range(100)]
    w = Value(0.5)

    def fn(x, t):
        return mse([w * x[0]], [t * t])  # t², not o + s·t: no table past 64 labels

    with pytest.raises(TraceError, match="changes from sample to sample.*o \\+ s·t"):
        trace(fn, [w], X, y)


def _fit_both(X, y, loss, outputs=1, steps=20, **kw):
    return [
        fit(MLP(2, [4, outputs], seed=0), X, y, loss=loss, steps=steps, compiled=mode, **kw)
        for mode in ("auto", False)
    ]


def test_a_label_constant_of_another_form_at_one_label_only_is_found():
    import random

    rng = random.Random(1)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(1000)]
    y = [float(i % 200) for i in range(1000)]
    y[5] = 2.5  # the only label where round(t) is not t, and not among those compared

    def loss(outputs, targets):
        return mse(outputs, [round(t) * 0.01 for t in targets])

    compiled, eager = _fit_both(X, y, loss, lr=0.01, steps=1)
    assert not compiled.compiled and "at sample 5 (label 2.5)" in compiled.mode
    np.testing.assert_allclose(compiled.loss, eager.loss, rtol=1e-12)


def test_label_numbers_that_differ_by_little_beside_their_size_are_told_apart():
    from autograd_lite.compiled._labels import label_matrix, spanning

    big = 1e13
    y = [[big + i % 300, big + i % 300] for i in range(1000)]
    y[5][1] += 1.0  # the second number parts from the first at one sample only
    picked = spanning(label_matrix(y))
    assert 5 in picked and len(picked) == 3
    # so a constant that follows the second number is found to follow it, not the first
    w = Value(0.5)
    program = trace(lambda x, t: mse([w * x[0]], [t[1] - big]), [w], [[0.1]] * 1000, y)
    assert program.trace.label_columns([y[5]]).tolist() == [[y[5][1] - big]]


@pytest.mark.parametrize("pair", [(2**60, 2**60 + 100), (0.0, -0.0)])
def test_labels_equal_as_floats_but_not_as_given_are_different_labels(pair):
    import math

    X = [[0.1 * i, 1.0] for i in range(20)]
    y = [pair[i % 2] for i in range(20)]

    def loss(outputs, labels):
        return mse(outputs, [math.copysign(1.0, t) if t == 0 else (t - 2**60) * 0.01
                             for t in labels])  # fmt: skip

    compiled, eager = _fit_both(X, y, loss, lr=0.01)
    assert compiled.compiled
    np.testing.assert_allclose(compiled.loss, eager.loss, rtol=1e-12)


def test_labels_are_told_apart_by_value_whatever_their_type():
    from decimal import Decimal
    from fractions import Fraction

    from autograd_lite.compiled._labels import key

    assert key(1) == key(1.0) == key(np.int64(1)) == key(np.float64(1.0)) == key(True)
    assert key([1, -1]) == key(np.array([1.0, -1.0])) == key((1, -1.0))
    assert key(0.0) != key(-0.0) and key(2**60) != key(2**60 + 100)
    assert key(np.float32(0.1)) != key(0.1) and key(Fraction(1, 2)) == key(Decimal("0.5"))
    model = MLP(2, [3, 1], seed=0)
    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]
    program = trace(lambda x, t: hinge([model(x)], [t]), model.parameters(), X, [1, -1, 1])
    for y in ([1.0, -1.0, 1.0], np.array([1, -1, 1])):  # traced with ints: the same labels
        assert program.value_and_grad(X, y)[0] == program.value_and_grad(X, [1, -1, 1])[0]


def test_past_the_labels_checked_one_by_one_a_spread_of_them_is_checked(monkeypatch):
    from autograd_lite.compiled import _labels, tracing

    monkeypatch.setattr(tracing, "MAX_LABELS_VERIFIED", 20)
    monkeypatch.setattr(_labels, "MAX_LABELS_VERIFIED", 20)
    X, _ = moons(300, noise=0.1, seed=0)
    y = [a + 2 * b for a, b in X]  # 300 distinct targets

    def my_mse(outputs, targets):
        return mse(outputs, targets)

    runs = _fit_both(X, y, my_mse, lr=0.01)
    assert runs[0].compiled
    np.testing.assert_allclose(runs[0].loss, runs[1].loss, rtol=1e-12)
