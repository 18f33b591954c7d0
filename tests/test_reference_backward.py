"""The textbook backward pass (reference_gradients) against the fast one, on random graphs.

Both passes visit the nodes in the same order and add the same terms in the same order, so
they must agree exactly, not just closely: any difference is a bug in one of them.
"""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_lite import Value, backward, gradients, reference_gradients, topo_order
from autograd_lite.engine import apply, backward_steps

# Operations drawn at random. Each takes nodes from the pool (so a node may be used many
# times: fan-out, and a*a when both picks are the same node) and numbers (constant leaves).
UNARY = ("neg", "tanh", "sigmoid", "relu", "abs", "sin", "cos", "exp")
BINARY = ("add", "sub", "mul")

step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(UNARY), st.integers(0, 99)),
    st.tuples(st.just("binary"), st.sampled_from(BINARY), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(
        st.just("constant"), st.sampled_from(BINARY), st.integers(0, 99), st.floats(-3.0, 3.0)
    ),
    st.tuples(st.just("wsum"), st.lists(st.integers(0, 99), min_size=3, max_size=7)),
)


def build(leaf_values, steps):
    """Apply the drawn steps to a pool that starts with the leaves; return the leaves and root."""
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(leaf_values)]
    pool = list(leaves)
    for kind, *args in steps:
        if kind == "unary":
            name, i = args
            node = apply(name, (pool[i % len(pool)],))
        elif kind == "binary":
            name, i, j = args
            node = apply(name, (pool[i % len(pool)], pool[j % len(pool)]))
        elif kind == "constant":
            name, i, c = args
            a = pool[i % len(pool)]
            node = {"add": a + c, "sub": c - a, "mul": a * c}[name]
        else:  # a weighted sum of pool nodes: weights, as many inputs, a bias (odd count)
            (picks,) = args
            picks = picks[: len(picks) - 1 + len(picks) % 2]
            node = apply("wsum", tuple(pool[i % len(pool)] for i in picks))
        pool.append(node)
    # the root sums the last few nodes, so most of the graph is used at least once
    return leaves, pool[-1] + pool[-2] * pool[len(pool) // 2]


@settings(max_examples=150, deadline=None)
@given(
    leaf_values=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4),
    steps=st.lists(step, min_size=1, max_size=25),
)
@pytest.mark.slow  # many random graphs; CI runs it
def test_reference_pass_agrees_exactly_with_the_fast_pass(leaf_values, steps):
    try:
        leaves, root = build(leaf_values, steps)
        order = topo_order(root)
        fast = gradients(root, order)
    except (OverflowError, ValueError):
        assume(False)  # a random graph may overflow (exp of exp ...): not what is tested here
    reference = reference_gradients(root)
    assert list(reference) == order
    assert [reference[v] for v in order] == fast
    backward(root)
    assert [v.grad for v in order] == fast


def test_reference_pass_sums_over_every_use_of_a_node():
    a = Value(3.0, label="a")
    b = a * a  # a used twice by one node
    c = b + a  # and once more by another: dc/da = 2a + 1
    grads = reference_gradients(c)
    assert (grads[a], grads[b], grads[c]) == (7.0, 1.0, 1.0)


def test_reference_pass_leaves_every_grad_alone():
    a = Value(2.0)
    y = (a * 3.0).tanh()
    reference_gradients(y)
    assert [v.grad for v in topo_order(y)] == [0.0, 0.0, 0.0, 0.0]


def test_reference_pass_gives_constants_their_gradient_too():
    x = Value(2.0)
    y = x * 5.0
    grads = reference_gradients(y)
    constant = y.parents[1]
    assert grads[constant] == 2.0 and grads[x] == 5.0


def test_reference_pass_refuses_a_non_value():
    with pytest.raises(TypeError, match="root must be a Value"):
        reference_gradients(1.0)


@pytest.mark.parametrize(
    "make, x",
    [
        (lambda x: 0.5 / (1 / x), 1e-300),  # 1/x is 1e300: its adjoint underflows
        (lambda x: (x * 1e-300).log() * 1e-300, 1.0),  # a term of 1e-600 on the way
        (lambda x: (x / (x * x * 1e300)) * 1e300, 2.5),
    ],
)
def test_the_plain_pass_agrees_with_the_fast_one_where_floats_underflow(make, x):
    x = Value(x, label="x")
    y = make(x)
    order = topo_order(y)
    steps = list(backward_steps(y))
    plain = reference_gradients(y)
    (fast,) = gradients(y, [x])
    assert plain[x] == fast and fast != 0.0
    assert steps[-1].after[steps[-1].node.parents.index(x)] == fast
    y.backward()
    assert [v.grad for v in order if not v.is_constant] == [
        plain[v] for v in order if not v.is_constant
    ]


def test_the_steps_name_each_node_its_adjoint_and_every_operands_before_and_after():
    a = Value(3.0, label="a")
    b = a * a
    c = b + a
    steps = list(backward_steps(c))
    assert [s.node for s in steps] == [c, b]
    assert steps[0].adjoint == 1.0 and steps[0].terms == (1.0, 1.0)
    assert steps[0].before == (0.0, 0.0) and steps[0].after == (1.0, 1.0)
    assert steps[1].adjoint == 1.0 and steps[1].terms == (3.0, 3.0)
    assert steps[1].before == (1.0, 1.0) and steps[1].after == (7.0, 7.0)


def test_the_steps_skip_constants_and_nodes_made_of_constants_alone():
    x = Value(2.0, label="x")
    two = Value(2.0) * 0.5  # made of a Value, so it needs a gradient
    y = x * (Value(3.0).detach() * 1.0) + 0.0**x + two
    ops = [s.node.op for s in backward_steps(y)]
    assert ops.count("pow") == 1  # 0**x: x needs its gradient, the 0 gets none
    assert all(not s.node.is_constant for s in backward_steps(y))
    square = x * x
    z = square * 0  # the square's adjoint is 0: its step has zero terms, its rule not run
    (step,) = [s for s in backward_steps(z) if s.node is square]
    assert (step.adjoint, step.terms, step.after) == (0.0, (0.0, 0.0), (0.0, 0.0))
