"""The engine: ``Value`` nodes, ``apply``, their topological order, and the backward pass.

Every derivative is looked up in the ops table (:mod:`autograd_lite.ops`); nodes keep no
closures, so graphs form no reference cycles, and nothing recurses. :func:`backward_steps`
is the backward pass as a textbook writes it; :func:`backward` and :func:`gradients` compute
the same numbers faster (``_backward``, tested to agree to the last bit)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Iterator
from itertools import filterfalse

from . import _backward
from ._collector import gc_paused
from ._errors import backward_error, misuse, non_finite, non_finite_gradient, operand_error
from ._no_grad import no_grad, recording_off
from .checks import short_repr, to_float
from .ops import OPS
from .unknown import UNKNOWN, UnknownRead, known

__all__ = ["Value", "apply", "topo_order", "BackwardStep", "backward_steps", "check_value"]
__all__ += ["reference_gradients", "backward", "gradients", "no_grad", "gc_paused"]


class Value:
    """A scalar node: ``data`` (a float), ``grad``, ``op`` (the primitive that made it, ``''``
    for a leaf), ``parents`` (its operands, in order) and an optional ``label`` (what
    drawings and messages show). ``data`` may be any real number but not NaN or a boolean.

    Example:
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b
        >>> c.backward()
        >>> c.data, a.grad, b.grad, c.op
        (-6.0, -3.0, 2.0, 'mul')
    """

    __slots__ = ("data", "grad", "op", "parents", "label")
    __array_ufunc__ = None  # numpy defers to Value's reflected operators (no object arrays)

    def __init__(self, data, label: str | None = None):
        if label is not None and not isinstance(label, str):
            raise TypeError(f"label must be a string or None, got {type(label).__name__}")
        self.data, self.grad, self.op, self.parents = to_float(data), 0.0, "", ()
        self.label = label

    def __repr__(self) -> str:
        op = f", op={self.op!r}" if self.op else ""
        label = f", label={self.label!r}" if self.label is not None else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{op}{label})"

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    # --- arithmetic: each line names a primitive of the ops table ---
    # fmt: off
    def __add__(self, other): return apply("add", (self, _operand(other)))
    def __radd__(self, other): return apply("add", (_operand(other), self))
    def __sub__(self, other): return apply("sub", (self, _operand(other)))
    def __rsub__(self, other): return apply("sub", (_operand(other), self))
    def __mul__(self, other): return apply("mul", (self, _operand(other)))
    def __rmul__(self, other): return apply("mul", (_operand(other), self))
    def __truediv__(self, other): return apply("div", (self, _operand(other)))
    def __rtruediv__(self, other): return apply("div", (_operand(other), self))
    def __pow__(self, other): return apply("pow", (self, _operand(other)))
    def __rpow__(self, other): return apply("pow", (_operand(other), self))
    def __neg__(self): return apply("neg", (self,))
    def __pos__(self): return self
    def __abs__(self): return apply("abs", (self,))
    def exp(self) -> Value:
        """e to the power of this value."""
        return apply("exp", (self,))
    def log(self) -> Value:
        """Natural logarithm; the value must be positive."""
        return apply("log", (self,))
    def log1p(self) -> Value:
        """log(1 + x), accurate for tiny x; the value must be greater than -1."""
        return apply("log1p", (self,))
    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return apply("tanh", (self,))
    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e^(-x)), without overflow for any input."""
        return apply("sigmoid", (self,))
    def relu(self) -> Value:
        """max(0, x); its derivative at exactly 0 is taken as 0."""
        return apply("relu", (self,))
    def sqrt(self) -> Value:
        """Square root; the value must not be negative."""
        return apply("sqrt", (self,))
    def sin(self) -> Value:
        """Sine (radians)."""
        return apply("sin", (self,))
    def cos(self) -> Value:
        """Cosine (radians)."""
        return apply("cos", (self,))
    def __bool__(self): return known(self)  # true, unless its number is unknown (traced)
    def __eq__(self, other): return known(self, other) and self is other  # itself only
    __hash__ = object.__hash__
    # fmt: on

    # --- graph ---
    @property
    def is_constant(self) -> bool:
        """Whether this is a number used as an operand (the 3 of ``x * 3``): not differentiated."""
        return self.parents is _CONSTANT

    def backward(self) -> None:
        """Add d(self)/d(v) to ``v.grad`` for every node v it depends on (:func:`backward`)."""
        backward(self)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        for node in topo_order(self):
            node.grad = 0.0


def apply(op: str, operands: tuple[Value, ...]) -> Value:
    """Run the primitive ``op`` of the ops table on ``operands`` (a tuple of Values; for
    ``"wsum"`` the weights, as many inputs, the bias) and return the new node: every
    operator of :class:`Value` comes here, and so may models. A domain error raises what
    Python's ``math`` raises for the same float operation, naming the operation and operands.

    Example:
        >>> c = apply("mul", (Value(2.0), Value(3.0)))
        >>> c.data, c.op
        (6.0, 'mul')
    """
    try:
        prim = OPS[op]
    except (KeyError, TypeError):
        raise ValueError(f"unknown primitive {op!r}; the ops table has {', '.join(OPS)}") from None
    # NOTE: a wrong operand is sorted out only on failure: a training run pays for no check
    try:
        n = len(operands)
        if n == 1:
            r = prim.forward(operands[0].data)
        elif n == 2:
            r = prim.forward(operands[0].data, operands[1].data)
        else:
            r = prim.forward(*[o.data for o in operands])
    except (ArithmeticError, ValueError) as err:
        raise operand_error(op, operands, err) from None
    except (AttributeError, TypeError) as err:
        if type(err) is UnknownRead:  # an operand's number is not known yet (being traced)
            return _node(UNKNOWN, op, operands)
        raise misuse(prim, operands, err) from None
    if r - r:  # true only for inf or NaN: checked before any node exists
        non_finite(op, operands, r)
    return _node(r, op, operands)


def topo_order(root: Value) -> list[Value]:
    """All nodes ``root`` depends on, each after its parents, ``root`` last.

    A depth-first post-order, parents in operand order: the same graph gives the same list.

    Example:
        >>> a = Value(1.0, label="a")
        >>> [v.label or v.op for v in topo_order(a * a + a)]
        ['a', 'mul', 'add']
    """
    check_value(root)
    order: list[Value] = []
    append, seen = order.append, {root}
    see, is_seen, all_seen = seen.add, seen.__contains__, seen.issuperset
    # Each stack entry is a node whose parents are being visited and the iterator over them
    # (filterfalse skips parents seen already, in C), so the walk resumes where it left off.
    # A node of many operands whose parents were all seen goes into the order at once (one
    # test in C): most of a layer's weighted sums, which share their inputs with the first.
    # (A node of one or two operands, a chain's, is not worth the test.)
    stack: list = []
    node, parents = root, filterfalse(is_seen, root.parents)
    while True:
        for p in parents:
            see(p)
            pp = p.parents
            if pp and (len(pp) < 3 or not all_seen(pp)):
                stack.append((node, parents))
                node, parents = p, filterfalse(is_seen, pp)
                break
            append(p)
        else:
            append(node)
            if not stack:
                return order
            node, parents = stack.pop()


def backward_steps(root: Value) -> Iterator[BackwardStep]:
    """The backward pass, one node at a time: every teaching view replays these steps.

    Put the nodes in topological order; give the root the adjoint 1; visit the nodes from
    the root back to the leaves, and push each node's adjoint to its operands through its
    local derivatives (the rule of the ops table returns adjoint · ∂node/∂operand for each).
    A node used twice gets one term per use, so it ends with the sum over all paths.
    Constants, and nodes made of constants alone, are not differentiated. The adjoints are
    kept exactly (``Exact``: no overflow or underflow on the way) and shown rounded to
    floats, so the steps end where :func:`backward` does, to the last bit.

    Example:
        >>> a = Value(3.0, label="a")
        >>> [(s.node.op, s.adjoint, s.terms) for s in backward_steps(a * a + a)]
        [('add', 1.0, (1.0, 1.0)), ('mul', 1.0, (3.0, 3.0))]
    """
    order = topo_order(root)  # every node after its parents
    needed = _backward.needs_gradient(order)
    adjoint = {root: _backward.Exact(1.0)}
    for node in reversed(order):  # every use of a node comes before the node itself
        if not node.parents or not needed[node]:
            continue  # a leaf, or made of constants alone: nothing to push further
        g = adjoint.get(node, 0.0)
        before = tuple(float(adjoint.get(p, 0.0)) for p in node.parents)
        terms = [0.0] * len(node.parents)  # 0 times any local derivative is 0
        if g:
            try:
                terms = OPS[node.op].rule(g, node.data, *[p.data for p in node.parents])
            except (ArithmeticError, ValueError) as err:
                raise backward_error(node, err) from None
        for parent, term in zip(node.parents, terms):
            adjoint[parent] = adjoint.get(parent, 0.0) + term
        after = tuple(float(adjoint[p]) for p in node.parents)
        for p, a in zip(node.parents, after):
            if a - a and needed[p]:  # infinite or undefined where a gradient is needed
                raise non_finite_gradient(p, a)
        yield BackwardStep(node, float(g), tuple(map(float, terms)), before, after)


BackwardStep = namedtuple("BackwardStep", "node adjoint terms before after")
BackwardStep.__doc__ = """One step of :func:`backward_steps`: a node pushes its adjoint on.

``node``'s rule (``OPS[node.op]``) runs with ``adjoint`` = d(root)/d(node); ``terms`` are
adjoint · ∂node/∂operand, one per operand (``node.parents``); ``before`` and ``after`` hold
each operand's adjoint around the step (an operand used twice has both terms in ``after``)."""


def reference_gradients(root: Value) -> dict[Value, float]:
    """d(root)/d(v) for every node v, in topological order: the adjoints
    :func:`backward_steps` ends with (0 for nodes made of constants alone), in a dict; no
    ``grad`` attribute is touched.

    Example:
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> reference_gradients(a * b + a)[a]
        -2.0
    """
    adjoint = {root: 1.0}
    for step in backward_steps(root):
        adjoint.update(zip(step.node.parents, step.after))
    return {v: adjoint.get(v, 0.0) for v in topo_order(root)}


def backward(root: Value) -> None:
    """Accumulate d(root)/d(v) into ``v.grad`` for every node v that root depends on.

    The adjoints are added to the grads all at once when the pass has succeeded: twice
    gives twice the gradients, a failing pass changes nothing, and a Ctrl-C at any moment
    leaves every grad as before the call or as after it. Constants are not differentiated;
    adjoints are computed exactly where floats would over- or underflow (``0.5 / (1 / x)``
    at x = 1e-300 gives 0.5). An infinite or undefined gradient of a node that is not a
    constant (√a at a = 0) raises what ``math`` raises, naming the node.

    Example:
        >>> a = Value(3.0, label="a")
        >>> (a * a * a).backward(); a.grad
        27.0
    """
    _backward.add_to_grads(_backward.for_grads(*_backward.adjoints(topo_order(root))))


def gradients(root: Value, wrt: Iterable[Value], create_graph: bool = False) -> list:
    """d(root)/d(v) for each v in ``wrt``, without touching any ``grad`` attribute. With
    ``create_graph=True`` the rules of the ops table run on the nodes instead of their
    floats, and the gradients come back as Values whose graphs differentiate again.

    One float (a Value with ``create_graph``) per node of the list ``wrt``, 0 where root does
    not depend on it; errors as :func:`backward`'s.

    Example:
        >>> x = Value(2.0)
        >>> (dx,) = gradients(x * x * x, [x], create_graph=True)   # 3x², a Value
        >>> dx.data, gradients(dx, [x])
        (12.0, [12.0])
    """
    if isinstance(wrt, Value):
        raise TypeError("wrt must be a list of Values, got a single Value; wrap it: [v]")
    order, wrt = topo_order(root), list(wrt)
    for i, v in enumerate(wrt):
        check_value(v, f"wrt[{i}]")
    if create_graph:
        with gc_paused():
            return _backward.graph_pass(order, wrt, _operand)
    adjoint, _ = _backward.adjoints(order)
    result = [adjoint.get(v, 0.0) for v in wrt]
    for v, g in zip(wrt, result):
        if g - g:  # a constant asked for by name, whose gradient is not a finite number
            raise non_finite_gradient(v, g)
    return result


class _ConstantParents(tuple):
    """The (empty) parents of a constant leaf: it equals ``()`` and costs no memory per node;
    :attr:`Value.is_constant` tells it apart by identity."""

    __slots__ = ()


_CONSTANT = _ConstantParents()
_new = object.__new__


def _node(data: float, op: str = "", parents: tuple = ()) -> Value:
    """Every operation's node (``data`` a float already); a leaf inside :class:`no_grad`."""
    v = _new(Value)
    v.data, v.grad, v.label = data, 0.0, None
    if parents and not recording_off():
        v.op, v.parents = op, parents
    else:
        v.op, v.parents = "", ()
    return v


def _operand(x) -> Value:
    """A Value as it is; a number used as an operand becomes a constant leaf in the graph."""
    if type(x) is Value:
        return x
    v = _node(to_float(x, "operand"))
    v.parents = _CONSTANT
    return v


def check_value(x: object, what: str = "root") -> None:
    """Raise TypeError unless x is a ``Value`` node (``what`` names it in the message)."""
    if type(x) is not Value:
        raise TypeError(f"{what} must be a Value, got {type(x).__name__}: {short_repr(x)}")
