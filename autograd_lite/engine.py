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

Where to read what:

* :func:`apply` makes every operation's node (the operators of ``Value`` call it); it is
  also the fast entry point for models, which make many nodes from Values they checked once.
* :func:`backward` and :func:`gradients` are the fast backward pass: adjoints live in the
  nodes' ``grad`` slots while it runs, with the collector paused (:class:`gc_paused`).
* :func:`reference_gradients` is the same pass in fifteen plain lines over a dict of
  adjoints: read it to see the algorithm without the speed tricks.
"""

from __future__ import annotations

import _thread
import contextvars
import gc
import numbers
from collections.abc import Callable, Iterable, Sequence
from itertools import filterfalse

from ._checks import check_value
from ._errors import (
    arity_error,
    backward_error,
    describe,
    non_finite,
    non_finite_gradient,
    operand_error,
)
from .ops import NARY, OPS

__all__ = [
    "Value",
    "apply",
    "topo_order",
    "backward",
    "gradients",
    "reference_gradients",
    "no_grad",
    "gc_paused",
    "weighted_sum",
]

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


def _node(data: float, op: str = "", parents: tuple = ()) -> Value:
    """The one constructor of nodes behind the engine: every operation's output, every constant.

    ``data`` is a float already (checked by the caller). Inside :class:`no_grad` an
    operation's output records no parents: it is a leaf. ``Value(...)``, which checks what a
    user gives it, is the public way to make a leaf.
    """
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v.label = None
    if parents and _grad_enabled.get():
        v.op = op
        v.parents = parents
    else:
        v.op = ""
        v.parents = ()
    return v


def _operand(x) -> Value:
    """A Value as it is; a number used as an operand becomes a constant leaf in the graph."""
    return x if type(x) is Value else _node(_to_float(x, "operand"))


def apply(op: str, operands: tuple[Value, ...]) -> Value:
    """Run the primitive ``op`` of the ops table on ``operands`` and return the new node.

    Every operator of :class:`Value` (``a * b`` is ``apply("mul", (a, b))``, ``a.tanh()`` is
    ``apply("tanh", (a,))``) comes here, and so may models: it is the fast entry point for
    code that makes many nodes from Values it has already checked, such as a neuron making
    its weighted input ``apply("wsum", (*weights, *inputs, bias))`` and then its activation.
    The operands are not checked one by one, which is what makes it fast: they must be
    Values (wrap a number as ``Value(x)``, or use the operators and :func:`weighted_sum`,
    which accept numbers). Anything else is refused with a TypeError when its value is read.

    Args:
        op: the name of a primitive of :data:`autograd_lite.ops.OPS` (``"mul"``, ``"relu"``,
            ``"wsum"``, ...).
        operands: a tuple of its operands in order; for ``"wsum"`` the weights, then as
            many inputs, then the bias.

    Returns:
        The new node, with ``op`` and ``operands`` as its parents (a leaf inside
        :class:`no_grad`).

    Raises:
        ValueError: for an unknown primitive or a domain error of the operation (log(0)).
        ZeroDivisionError, OverflowError: as Python's ``math`` raises them for the same float
            operation, naming the operation and the operands.
        TypeError: for the wrong number of operands, or an operand that is not a Value.

    Example:
        >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
        >>> c = apply("mul", (a, b))
        >>> c.data, c.op, c.parents == (a, b)
        (6.0, 'mul', True)
    """
    try:
        prim = OPS[op]
    except (KeyError, TypeError):
        raise ValueError(f"unknown primitive {op!r}; the ops table has {', '.join(OPS)}") from None
    # NOTE: nothing is checked before the forward function runs: a wrong operand (no .data)
    # or a wrong number of them (a forward's own TypeError) is sorted out only on failure,
    # so the millions of nodes a training run makes pay nothing for it.
    try:
        # One- and two-operand nodes, most of any graph, skip the generic packing.
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
        raise _misuse(prim, operands, err) from None
    if r - r:  # true only for inf or NaN: checked before any node exists
        non_finite(op, operands, r)
    return _node(r, op, operands)


def _misuse(prim, operands, err: Exception) -> TypeError:
    """Say why a primitive could not read its operands: not Values, or not as many as it takes."""
    if type(operands) is not tuple:
        return TypeError(f"{prim.name}: operands must be a tuple, got {type(operands).__name__}")
    for i, o in enumerate(operands):
        if type(o) is not Value:
            return TypeError(
                f"{prim.name}: operands[{i}] must be a Value, got {type(o).__name__}: {o!r}; "
                "wrap a number as Value(x)"
            )
    if prim.arity != NARY and len(operands) != prim.arity:
        return TypeError(f"{prim.name} takes {prim.arity} operand(s), got {len(operands)}")
    return TypeError(f"{prim.name}: {err}")


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
        return apply("add", (self, _operand(other)))

    def __radd__(self, other):
        return apply("add", (_operand(other), self))

    def __sub__(self, other):
        return apply("sub", (self, _operand(other)))

    def __rsub__(self, other):
        return apply("sub", (_operand(other), self))

    def __mul__(self, other):
        return apply("mul", (self, _operand(other)))

    def __rmul__(self, other):
        return apply("mul", (_operand(other), self))

    def __truediv__(self, other):
        return apply("div", (self, _operand(other)))

    def __rtruediv__(self, other):
        return apply("div", (_operand(other), self))

    def __pow__(self, other):
        return apply("pow", (self, _operand(other)))

    def __rpow__(self, other):
        return apply("pow", (_operand(other), self))

    def __neg__(self):
        return apply("neg", (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return apply("abs", (self,))

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
        """Logistic sigmoid 1 / (1 + e^(-x)), computed without overflow for any input."""
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
    check_value(root)
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


class gc_paused:  # lower case: it is used like a function, `with gc_paused():`
    """Inside this block Python's cyclic garbage collector does not run.

    Its state is restored when the block ends, however it ends; if the collector was off
    already, it stays off. Use a new ``gc_paused()`` for each ``with``.

    NOTE: the engine's nodes hold no reference cycles (no closures, no links to their
    children), so reference counting frees every graph on its own and the collector has
    nothing to find in them. Left on, it would still walk every live node again each time a
    few hundred new containers are allocated, which on a large graph or a training step
    costs more than the work itself. :func:`backward`, :func:`gradients` and
    :func:`autograd_lite.nn.train.fit` run inside one.

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     gc.isenabled()
        False
    """

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> gc_paused:
        self._was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._was_enabled:
            gc.enable()


def _run_pass(root: Value, finish: Callable[[list[Value], list[float]], object]) -> object:
    """What :func:`backward` and :func:`gradients` share: check, walk, lock, pause, pass.

    Runs the fast pass over the graph of ``root`` with the adjoints in the ``grad`` slots,
    then ``finish(order, saved)`` while still holding the lock, so the caller reads the
    adjoints and puts back (or adds back) the saved grads before any other pass may start.
    """
    check_value(root)
    with gc_paused(), _pass_lock:
        order = topo_order(root)
        return finish(order, _accumulate(order))


def _add_back(order: list[Value], saved: list[float]) -> None:
    for v, old in zip(order, saved):
        if old:
            v.grad += old


def backward(root: Value) -> None:
    """Accumulate d(root)/d(v) into ``v.grad`` for every node v that root depends on.

    Adjoints are computed in a fresh store first and added to the ``grad`` attributes only
    when the whole pass has succeeded: calling it twice gives exactly twice the gradients,
    for leaves and interior nodes alike, and a failing pass changes nothing.

    This is the fast pass; :func:`reference_gradients` is the same algorithm in fifteen
    plain lines, for reading.

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
    _run_pass(root, _add_back)


def gradients(root: Value, wrt: Iterable[Value]) -> list[float]:
    """d(root)/d(v) for each v in ``wrt``, without touching any ``grad`` attribute.

    Args:
        root: the output.
        wrt: the nodes to differentiate with respect to (any nodes, leaves or interior).

    Returns:
        One float per node of ``wrt``; 0.0 for a node root does not depend on.

    Raises:
        TypeError: if root or a node of wrt is not a Value.

    Example:
        >>> x = Value(2.0)
        >>> gradients(x * x + x, [x])
        [5.0]
    """
    check_value(root)
    wrt = list(wrt)
    for i, v in enumerate(wrt):
        check_value(v, f"wrt[{i}]")

    def read_and_restore(order: list[Value], saved: list[float]) -> list[float]:
        in_graph = set(order)
        result = [v.grad if v in in_graph else 0.0 for v in wrt]
        _restore(order, saved)
        return result

    return _run_pass(root, read_and_restore)


def reference_gradients(root: Value) -> dict[Value, float]:
    """The backward pass as a textbook writes it: d(root)/d(v) for every node v, in a dict.

    Read this function to see reverse-mode differentiation without the speed tricks of
    :func:`backward` (adjoints kept in the nodes' own slots, a saved copy of every grad,
    special cases for one and two operands, the paused collector). The algorithm: put the
    nodes in topological order; give the root the adjoint 1; then visit the nodes from the
    root back to the leaves, and push each node's adjoint to its parents through its local
    derivatives, read from the ops table. A node used twice (``a*a``, fan-out) gets one
    term per use, so it ends with the sum over all paths. It touches no ``grad`` attribute,
    and it agrees with :func:`backward` and :func:`gradients` to the last bit (a test checks
    this on random graphs).

    Args:
        root: the output to differentiate.

    Returns:
        A dict from every node root depends on (root included) to d(root)/d(node).

    Raises:
        TypeError: if root is not a Value.

    Example:
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b + a
        >>> grads = reference_gradients(c)
        >>> grads[a], grads[b], grads[c]
        (-2.0, 2.0, 1.0)
    """
    order = topo_order(root)  # every node after its parents
    adjoint = {node: 0.0 for node in order}
    adjoint[root] = 1.0
    for node in reversed(order):  # every use of a node is visited before the node itself
        if not node.parents:
            continue  # a leaf: nothing to push further
        inputs = [parent.data for parent in node.parents]
        # the rule returns adjoint · ∂node/∂parent for each parent, in operand order
        local = OPS[node.op].rule(adjoint[node], node.data, *inputs)
        for parent, g in zip(node.parents, local):
            adjoint[parent] += g
    return adjoint


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
    Every weight is checked on every call; a model whose weights and inputs are Values
    already makes the same node faster with ``apply("wsum", (*weights, *inputs, bias))``.

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
        check_value(w, f"weights[{i}]")
    return apply("wsum", (*weights, *map(_operand, inputs), _operand(bias)))
