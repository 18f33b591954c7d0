"""The engine: ``Value`` nodes, their topological order, and the backward pass.

A ``Value`` holds a float (``data``), the gradient accumulated into it (``grad``), the name of
the primitive that made it (``op``, ``''`` for a leaf), its operands (``parents``, in operand
order) and an optional ``label``. Every operation looks up its forward function and its
derivative rule in the ops table (:mod:`autograd_lite.ops`); nothing here knows a derivative.

Example:
    >>> x = Value(2.0, label="x")
    >>> y = (x * 3 - 5.5).tanh()
    >>> y.backward()
    >>> round(y.data, 6), round(x.grad, 6)
    (0.462117, 2.359343)

Nodes keep no closures and no references to their children, so a graph forms no reference
cycles and is freed by reference counting alone; no function here recurses, so a chain of a
million nodes differentiates.
"""

from __future__ import annotations

import _thread
import contextvars
import gc
import numbers
from collections.abc import Iterable, Sequence
from itertools import filterfalse

from ._errors import (
    arity_error,
    backward_error,
    describe,
    non_finite,
    non_finite_gradient,
    operand_error,
)
from .ops import OPS

__all__ = ["Value", "topo_order", "backward", "gradients", "no_grad", "weighted_sum"]

_new = object.__new__

# no_grad is local to the thread and the async context.
_grad_enabled = contextvars.ContextVar("autograd_lite_grad_enabled", default=True)
_no_grad_tokens: contextvars.ContextVar[tuple] = contextvars.ContextVar(
    "autograd_lite_no_grad_tokens", default=()
)
# backward and gradients keep adjoints in the nodes' grad slots while they run: two passes
# over graphs that share nodes must not interleave, so they take turns.
_pass_lock = _thread.allocate_lock()


def _to_float(x, what: str = "data") -> float:
    """Check that x is a real number and return it as a float; raise a clear error if not."""
    t = type(x)
    if t is float:
        f = x
    elif t is int or isinstance(x, numbers.Real):
        try:
            f = float(x)
        except OverflowError:
            raise OverflowError(
                f"{what} {x!r} is too large for a float (at most about 1.8e308)"
            ) from None
    elif t is Value:
        raise TypeError(
            f"{what} must be a real number, got a Value ({describe(x)}); "
            "use the Value itself in the expression, or .data for its number"
        )
    else:
        raise TypeError(
            f"{what} must be a real number (int, float or a numpy scalar), got {t.__name__}: {x!r}"
        )
    if f != f:
        raise ValueError(f"{what} is NaN (not a number); a Value needs a number")
    return f


def _node(data: float, parents: tuple, op: str) -> Value:
    """Make an operation's output node without re-checking its (already float) data."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = None
    if not _grad_enabled.get():
        v.op = ""
        v.parents = ()
    else:
        v.op = op
        v.parents = parents
    return v


def _const(x) -> Value:
    """A number used as an operand becomes a leaf Value, so it appears in the graph."""
    v = _new(Value)
    v.data = _to_float(x, "operand")
    v.grad = 0.0
    v.op = ""
    v.parents = ()
    v.label = None
    return v


def _apply(op: str, operands: tuple) -> Value:
    """Run primitive ``op`` forward on Value operands and return the new node."""
    try:
        r = OPS[op].forward(*[o.data for o in operands])
    except (ArithmeticError, ValueError) as err:
        raise operand_error(op, operands, err) from None
    if r - r:  # true only for inf or NaN: checked before any node exists
        non_finite(op, operands, r)
    return _node(r, operands, op)


def _apply1(op: str, a: Value) -> Value:
    """`_apply` for one operand, without packing the arguments."""
    try:
        r = OPS[op].forward(a.data)
    except (ArithmeticError, ValueError) as err:
        raise operand_error(op, (a,), err) from None
    if r - r:
        non_finite(op, (a,), r)
    return _node(r, (a,), op)


def _apply2(op: str, a: Value, b) -> Value:
    """`_apply` for two operands; ``b`` may still be a plain number."""
    if type(b) is not Value:
        b = _const(b)
    try:
        r = OPS[op].forward(a.data, b.data)
    except (ArithmeticError, ValueError) as err:
        raise operand_error(op, (a, b), err) from None
    if r - r:
        non_finite(op, (a, b), r)
    return _node(r, (a, b), op)


class Value:
    """A scalar node of a computation graph.

    Args:
        data: the number; any real number (int, float, numpy scalar), stored as a float.
        label: an optional name that drawings, explanations and error messages show.

    Raises:
        TypeError: if ``data`` is not a real number (a string, None, a complex number, a
            list, another Value) or ``label`` is not a string.
        ValueError: if ``data`` is NaN.

    Example:
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b
        >>> c.backward()
        >>> c.data, a.grad, b.grad, c.op
        (-6.0, -3.0, 2.0, 'mul')
    """

    __slots__ = ("data", "grad", "op", "parents", "label")
    # numpy defers to Value's reflected operators instead of building an object array
    __array_ufunc__ = None

    def __init__(self, data, label: str | None = None):
        if label is not None and not isinstance(label, str):
            raise TypeError(f"label must be a string or None, got {type(label).__name__}")
        self.data = _to_float(data)
        self.grad = 0.0
        self.op = ""
        self.parents = ()
        self.label = label

    def __repr__(self) -> str:
        parts = [f"data={self.data!r}", f"grad={self.grad!r}"]
        if self.op:
            parts.append(f"op={self.op!r}")
        if self.label is not None:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    # --- arithmetic: each line names a primitive of the ops table ---

    def __add__(self, other):
        return _apply2("add", self, other)

    def __radd__(self, other):
        return _apply2("add", _const(other), self)

    def __sub__(self, other):
        return _apply2("sub", self, other)

    def __rsub__(self, other):
        return _apply2("sub", _const(other), self)

    def __mul__(self, other):
        return _apply2("mul", self, other)

    def __rmul__(self, other):
        return _apply2("mul", _const(other), self)

    def __truediv__(self, other):
        return _apply2("div", self, other)

    def __rtruediv__(self, other):
        return _apply2("div", _const(other), self)

    def __pow__(self, other):
        return _apply2("pow", self, other)

    def __rpow__(self, other):
        return _apply2("pow", _const(other), self)

    def __neg__(self):
        return _apply1("neg", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _apply1("abs", self)

    def exp(self) -> Value:
        """e to the power of this value."""
        return _apply1("exp", self)

    def log(self) -> Value:
        """Natural logarithm; the value must be positive."""
        return _apply1("log", self)

    def log1p(self) -> Value:
        """log(1 + x), accurate for tiny x; the value must be greater than -1."""
        return _apply1("log1p", self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _apply1("tanh", self)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e^(-x)), computed without overflow for any input."""
        return _apply1("sigmoid", self)

    def relu(self) -> Value:
        """max(0, x); its derivative at exactly 0 is taken as 0."""
        return _apply1("relu", self)

    def sqrt(self) -> Value:
        """Square root; the value must not be negative."""
        return _apply1("sqrt", self)

    def sin(self) -> Value:
        """Sine (radians)."""
        return _apply1("sin", self)

    def cos(self) -> Value:
        """Cosine (radians)."""
        return _apply1("cos", self)

    # --- graph ---

    def backward(self) -> None:
        """Add d(self)/d(v) to ``v.grad`` for every node v this value depends on.

        See :func:`backward`.
        """
        backward(self)

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this node and every node it depends on."""
        for node in topo_order(self):
            node.grad = 0.0


def _check(v, name: str = "root") -> None:
    if type(v) is not Value:
        raise TypeError(f"{name} must be a Value, got {type(v).__name__}: {v!r}")


def topo_order(root: Value) -> list[Value]:
    """All nodes ``root`` depends on, each after its parents, ``root`` last.

    The order is a depth-first post-order that visits parents in operand order, so the
    same graph always gives the same list. Iterative: any depth works.

    Args:
        root: the node whose ancestors to order.

    Returns:
        A list of distinct nodes, every node after all of its parents.

    Example:
        >>> a = Value(1.0, label="a")
        >>> b = a * a
        >>> [v.label or v.op for v in topo_order(b + a)]
        ['a', 'mul', 'add']
    """
    _check(root)
    order: list[Value] = []
    append = order.append
    seen = {root}
    see = seen.add
    # Each stack entry is a node whose parents are being visited and the iterator over
    # them, so the walk resumes where it left off when it comes back to the node.
    stack: list = []
    push = stack.append
    # filterfalse skips the parents seen already in C, one at a time as the walk reaches
    # them; the Python loop below runs only for nodes met for the first time.
    is_seen = seen.__contains__
    node, parents = root, filterfalse(is_seen, root.parents)
    while True:
        for p in parents:
            see(p)
            if p.parents:
                push((node, parents))
                node, parents = p, filterfalse(is_seen, p.parents)
                break
            append(p)
        else:
            append(node)
            if not stack:
                return order
            node, parents = stack.pop()


def _accumulate(order: list[Value]) -> list[float]:
    """Run the backward pass over ``order`` (root last) with adjoints held in ``grad``.

    The previous ``grad`` of every node is saved and the slot cleared first, so the pass
    works in a fresh store; the saved values are returned for the caller to add back (or to
    restore). Keeping the adjoint in the node's own slot instead of a dict is what makes
    this loop fast. If a rule fails, every ``grad`` is restored before the error propagates.
    """
    saved = [v.grad for v in order]
    for v in order:
        v.grad = 0.0
    order[-1].grad = 1.0
    rules = {name: prim.rule for name, prim in OPS.items()}
    node = order[-1]
    try:
        for node in reversed(order):
            g = node.grad
            # Every use of a node comes before it in this order, so its adjoint is complete
            # here; the first non-finite one belongs to a node whose uses are all finite: a
            # local derivative of one of them overflowed.
            if g - g:  # inf or NaN
                break
            parents = node.parents
            n = len(parents)
            # One- and two-operand nodes, most of any graph, skip the generic packing.
            if n == 1:
                a = parents[0]
                grads = rules[node.op](g, node.data, a.data)
                if len(grads) != 1:
                    raise arity_error(node, grads)
                a.grad += grads[0]
            elif n == 2:
                a, b = parents
                grads = rules[node.op](g, node.data, a.data, b.data)
                if len(grads) != 2:
                    raise arity_error(node, grads)
                a.grad += grads[0]
                b.grad += grads[1]  # after a's update, so a*a gets both terms
            elif n:
                grads = rules[node.op](g, node.data, *[p.data for p in parents])
                if len(grads) != n:
                    raise arity_error(node, grads)
                for p, gp in zip(parents, grads):
                    p.grad += gp
        else:
            return saved
    except BaseException as err:
        _restore(order, saved)
        if isinstance(err, (ArithmeticError, ValueError)):
            raise backward_error(node, err) from None
        raise
    error = non_finite_gradient(node, g)
    _restore(order, saved)
    raise error


def _restore(order: list[Value], saved: list[float]) -> None:
    for v, old in zip(order, saved):
        v.grad = old


def backward(root: Value) -> None:
    """Accumulate d(root)/d(v) into ``v.grad`` for every node v that root depends on.

    Adjoints are computed in a fresh store first and added to the ``grad`` attributes only
    when the whole pass has succeeded: calling it twice gives exactly twice the gradients,
    for leaves and interior nodes alike, and a failing pass changes nothing.

    Args:
        root: the output to differentiate; its own grad gets 1 (d root / d root).

    Raises:
        TypeError: if root is not a Value.
        ZeroDivisionError, ValueError, OverflowError: if a local derivative is infinite
            or undefined at the current values (for example √a at a = 0).

    Example:
        >>> a = Value(3.0, label="a")
        >>> c = a * a * a
        >>> c.backward(); a.grad
        27.0
        >>> c.backward(); a.grad
        54.0
    """
    _check(root)
    # NOTE: the cyclic garbage collector is paused during the pass: it allocates many
    # short-lived containers, and on a large graph each collection would walk every node
    # again. The pass creates no reference cycles, so nothing is left for it to find.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with _pass_lock:
            order = topo_order(root)
            saved = _accumulate(order)
            for v, old in zip(order, saved):
                if old:
                    v.grad += old
    finally:
        if gc_was_enabled:
            gc.enable()


def gradients(root: Value, wrt: Iterable[Value]) -> list[float]:
    """d(root)/d(v) for each v in ``wrt``, without touching any ``grad`` attribute.

    Args:
        root: the output.
        wrt: the nodes to differentiate with respect to (any nodes, leaves or interior).

    Returns:
        One float per node of ``wrt``; 0.0 for a node root does not depend on.

    Example:
        >>> x = Value(2.0)
        >>> gradients(x * x + x, [x])
        [5.0]
    """
    _check(root)
    wrt = list(wrt)
    for i, v in enumerate(wrt):
        _check(v, f"wrt[{i}]")
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as in backward
    try:
        with _pass_lock:
            order = topo_order(root)
            saved = _accumulate(order)
            in_graph = set(order)
            result = [v.grad if v in in_graph else 0.0 for v in wrt]
            for v, old in zip(order, saved):
                v.grad = old
    finally:
        if gc_was_enabled:
            gc.enable()
    return result


class no_grad:  # lower case: it is used like a function, `with no_grad():`
    """Inside this block, new values record no parents (they are leaves).

    Local to the current thread and async context. Use it to evaluate a model without
    building a graph, for example to compute accuracy or to update parameters.

    Example:
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * 3
        >>> y.op, y.parents
        ('', ())
    """

    # A small class instead of contextlib.contextmanager keeps `import autograd_lite` fast.
    # The tokens that undo each `with` live in the context too, not on the instance, so one
    # instance may be nested, and shared by threads and tasks, without mixing them up.
    __slots__ = ()

    def __enter__(self) -> None:
        _no_grad_tokens.set((*_no_grad_tokens.get(), _grad_enabled.set(False)))

    def __exit__(self, *exc_info) -> None:
        *rest, token = _no_grad_tokens.get()
        _no_grad_tokens.set(tuple(rest))
        _grad_enabled.reset(token)


def weighted_sum(weights: Sequence[Value], inputs: Sequence, bias=0.0) -> Value:
    """One node z = Σ w_k·a_k + b: a neuron's weighted input as the textbook draws it.

    Its parents are ``(w_1, ..., w_n, a_1, ..., a_n, b)``. A single n-ary node instead of a
    chain of binary ``×`` and ``+`` nodes makes a training step several times cheaper.

    Args:
        weights: the n weights (Values).
        inputs: the n inputs (Values or real numbers; numbers become constant leaves).
        bias: the bias (a Value or a real number).

    Returns:
        The node z, with op ``'wsum'``.

    Raises:
        ValueError: if weights and inputs differ in length or are empty.
        TypeError: if a weight is not a Value or an input is not a number or Value.

    Example:
        >>> w = [Value(0.5), Value(-1.0)]
        >>> z = weighted_sum(w, [2.0, 3.0], Value(1.0))
        >>> z.data, len(z.parents)
        (-1.0, 5)
    """
    n = len(weights)
    if n != len(inputs) or n == 0:
        raise ValueError(
            f"weighted_sum needs as many inputs as weights (at least one); "
            f"got {n} weight(s) and {len(inputs)} input(s)"
        )
    for i, w in enumerate(weights):
        if type(w) is not Value:
            raise TypeError(f"weights[{i}] must be a Value, got {type(w).__name__}: {w!r}")
    xs = tuple(a if type(a) is Value else _const(a) for a in inputs)
    b = bias if type(bias) is Value else _const(bias)
    return _wsum_node((*weights, *xs, b))


def _wsum_node(parents: tuple) -> Value:
    """The weighted-sum node from operands already checked: ``(*weights, *inputs, bias)``.

    The fast path for models, which check their weights once when they are built.
    """
    return _apply("wsum", parents)
