"""Random graphs against PyTorch in float64: every primitive, fan-out, constants on both sides,
values at kinks and domain edges.

Each drawn step applies a primitive of the ops table to nodes of a pool (so nodes are reused:
fan-out, ``a*a``) or to a node and a number (a constant, on either side), in the engine and
in PyTorch alike. Where PyTorch's gradient is a finite number the engine must give the same;
where it is not (√0, the exponent of a negative base, 0·∞ through a dead ReLU) the engine
either refuses with a clear error or gives the finite value its conventions define.
"""

import math

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, gradients, topo_order
from autograd_lite.engine import apply
from autograd_lite.ops import OPS

torch = pytest.importorskip("torch")

# an oracle run in full by CI; importing torch alone takes seconds
pytestmark = pytest.mark.slow


def _wsum(*x):
    n = (len(x) - 1) // 2
    return sum((w * a for w, a in zip(x[:n], x[n:-1])), x[-1])


# The same primitive in PyTorch, on tensors (the engine's own name is the key).
TORCH = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": torch.pow,
    "neg": torch.neg,
    "abs": torch.abs,
    "exp": torch.exp,
    "log": torch.log,
    "log1p": torch.log1p,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "sqrt": torch.sqrt,
    "sin": torch.sin,
    "cos": torch.cos,
    "wsum": _wsum,
}
UNARY = sorted(name for name, prim in OPS.items() if prim.arity == 1)
BINARY = sorted(name for name, prim in OPS.items() if prim.arity == 2)

# Kinks (relu, abs at 0), domain edges (log, sqrt at 0 and just above, pow of 0 and of a
# negative base) and ordinary values.
SPECIAL = [0.0, 1e-12, -1e-12, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0]
number = st.one_of(st.sampled_from(SPECIAL), st.floats(-3.0, 3.0))

step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(UNARY), st.integers(0, 99)),
    st.tuples(st.just("binary"), st.sampled_from(BINARY), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(
        st.just("constant"),
        st.sampled_from(BINARY),
        st.integers(0, 99),
        number,
        st.booleans(),  # the constant on the left, or on the right
    ),
    st.tuples(
        st.just("wsum"),
        st.lists(st.integers(0, 99), min_size=2, max_size=4),
        st.lists(number, min_size=2, max_size=4),
        number,
    ),
)


def test_every_primitive_of_the_table_is_compared():
    assert set(TORCH) == set(OPS)


def build(leaf_values, steps):
    """The drawn graph in both engines: (leaves, root) and (tensors, root tensor)."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(leaf_values)]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaf_values]
    pool = list(zip(leaves, tensors))

    def const(c):
        return torch.tensor(c, dtype=torch.float64)

    for kind, *args in steps:
        try:
            if kind == "unary":
                name, i = args
                v, t = pool[i % len(pool)]
                made = apply(name, (v,)), TORCH[name](t)
            elif kind == "binary":
                name, i, j = args
                (v, t), (u, s) = pool[i % len(pool)], pool[j % len(pool)]
                made = apply(name, (v, u)), TORCH[name](t, s)
            elif kind == "constant":
                name, i, c, left = args
                v, t = pool[i % len(pool)]
                op = {"add": "__add__", "sub": "__sub__", "mul": "__mul__"}
                op.update(div="__truediv__", pow="__pow__")
                if left:  # c + v, c - v, c * v, c / v, c ** v: the number is a constant leaf
                    made = getattr(v, op[name].replace("__", "__r", 1))(c), TORCH[name](const(c), t)
                else:
                    made = getattr(v, op[name])(c), TORCH[name](t, const(c))
            else:  # a neuron: weights from the pool, numbers as inputs (constants), a bias
                picks, inputs, bias = args
                n = min(len(picks), len(inputs))
                ws = [pool[i % len(pool)] for i in picks[:n]]
                made = (
                    apply("wsum", (*[w for w, _ in ws], *map(Value, inputs[:n]), Value(bias))),
                    _wsum(*[t for _, t in ws], *map(const, inputs[:n]), const(bias)),
                )
        except (ArithmeticError, ValueError):
            continue  # a domain error in the forward pass: the engine refused, rightly
        value, tensor = made
        if tensor.requires_grad:
            tensor.retain_grad()
        assert math.isclose(value.data, tensor.item(), rel_tol=1e-12, abs_tol=1e-300), (
            kind,
            args,
        )
        pool.append(made)
    # the root uses the last nodes and one from the middle, so most of the graph is reached
    (v1, t1), (v2, t2), (v3, t3) = pool[-1], pool[-2 % len(pool)], pool[len(pool) // 2]
    try:
        root = v1 + v2 * v3
    except (ArithmeticError, ValueError):
        return leaves, v1, tensors, t1, [t for _, t in pool]
    return leaves, root, tensors, t1 + t2 * t3, [t for _, t in pool]


def magnitudes(root, leaves):
    """For each leaf, the sum over all paths of |product of local derivatives|.

    Two correct passes may add the terms of a gradient in different orders; where large
    terms cancel (x/x + x² at x = 1e-12 adds 1e12 - 1e12 + 2e-12) their results differ by
    rounding of the size of those terms, so this is the scale of the tolerance.
    """
    order = topo_order(root)
    size = dict.fromkeys(order, 0.0)
    size[root] = 1.0
    for node in reversed(order):
        if node.parents and size[node]:
            try:
                local = OPS[node.op].rule(1.0, node.data, *[p.data for p in node.parents])
            except ArithmeticError:
                local = [math.inf] * len(node.parents)
            for parent, d in zip(node.parents, local):
                size[parent] += size[node] * abs(d)
    return [size.get(v, 0.0) for v in leaves]


def torch_saturation_error(root):
    """The relative error of PyTorch's own gradient where tanh or σ saturates.

    PyTorch takes tanh' as 1 - out² and σ' as out·(1 - out): where out is within d of ±1
    (of 1 for σ), the subtraction loses all but about d/ε of the digits, a relative error
    near ε/d (4e-6 through tanh(-13.8), where d = 2e-12). The engine's derivatives are
    exact there (tests/test_saturation.py checks them against mpmath), so the comparison
    allows PyTorch that much.
    """
    d = math.inf
    for node in topo_order(root):
        if node.op == "tanh":
            d = min(d, 1.0 - abs(node.data))
        elif node.op == "sigmoid":
            d = min(d, 1.0 - node.data)
    return 4 * 2.0**-52 / d if d > 0 else math.inf


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    leaf_values=st.lists(number, min_size=1, max_size=3),
    steps=st.lists(step, min_size=1, max_size=12),
)
@example(
    leaf_values=[1e-12, 0.0, 0.0],
    steps=[("unary", "abs", 0), ("unary", "sqrt", 0), ("unary", "log", 34), ("unary", "tanh", 5)],
)
def test_gradients_agree_with_pytorch_in_float64(leaf_values, steps):
    leaves, root, tensors, troot, all_tensors = build(leaf_values, steps)
    assume(math.isfinite(root.data))
    if troot.requires_grad:
        troot.backward()
    expected = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    try:
        got = gradients(root, leaves)
    except (ArithmeticError, ValueError) as err:
        # refused: only where the gradient of some node really is not a finite number
        # (PyTorch may still give the leaves a finite one: its relu' masks an inf to 0)
        every = [t.grad.item() for t in all_tensors if t.grad is not None]
        assert not all(map(math.isfinite, every)), (err, expected)
        assert "gradient" in str(err) or "backward" in str(err)
        return
    assert all(map(math.isfinite, got))
    rel = max(1e-9, torch_saturation_error(root))
    for g, e, size in zip(got, expected, magnitudes(root, leaves)):
        if math.isfinite(e):
            assert math.isclose(g, e, rel_tol=rel, abs_tol=1e-12 * size), (got, expected)
    # backward agrees with gradients; it also stores every interior node's gradient, and
    # refuses, changing nothing, when one of those is too large for a float
    try:
        root.backward()
    except OverflowError:
        assert [v.grad for v in leaves] == [0.0] * len(leaves)
    else:
        assert [v.grad for v in leaves] == got


@pytest.mark.parametrize(
    "make_engine, make_torch, at",
    [
        (lambda x: 0**x, lambda x: torch.tensor(0.0, dtype=torch.float64) ** x, 0.5),
        (lambda x: x / 1e-300, lambda x: x / 1e-300, 0.5),
        (lambda x: (x**1e9) * 1e300, lambda x: (x**1e9) * 1e300, 0.5),
        (lambda x: x.relu() * 2.0, lambda x: x.relu() * 2.0, 0.0),
        (lambda x: abs(x) + x * x, lambda x: x.abs() + x * x, 0.0),
    ],
)
def test_the_issue_cases_agree_with_pytorch(make_engine, make_torch, at):
    x = Value(at)
    t = torch.tensor(at, dtype=torch.float64, requires_grad=True)
    make_engine(x).backward()
    make_torch(t).backward()
    assert x.grad == t.grad.item()
