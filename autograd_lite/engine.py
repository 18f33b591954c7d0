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
* :func:`backward` and :func:`gradients` are the fast backward pass, with the collector
  paused (:class:`gc_paused`): backward keeps its adjoints in the nodes' ``grad`` slots while
  it runs (Ctrl-C waits until they are complete), gradients in a store of its own. Neither
  differentiates constants, and adjoints that would leave the float range on the way are
  computed again without rounding (see "the backward pass" below).
* :func:`reference_gradients` is the same pass in fifteen plain lines over a dict of
  adjoints: read it to see the algorithm without the speed tricks.
"""

from __future__ import annotations

import _signal
import _thread
import contextvars
import gc
import math
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
from .checks import is_bool, short_repr
from .ops import NARY, OPS, _wsum_rule

__all__ = [
    "Value",
    "apply",
    "topo_order",
    "check_value",
    "backward",
    "gradients",
    "reference_gradients",
    "no_grad",
    "gc_paused",
    "weighted_sum",
]

_new = object.__new__


class _NoGradBlock(list):
    """One open ``with no_grad():`` block: true while open, emptied (false) when it ends.

    A list, so that testing it is as cheap as testing a bool on the hot path of every node.
    """

    __slots__ = ("outer",)  # the block that was innermost when this one began, or None


# no_grad is local to the thread and the async context: this holds the innermost open block
# of the current context (None outside any). Ending a block empties it, whatever context
# ends it (a generator closed elsewhere), so the context that began it records again.
_no_grad_block: contextvars.ContextVar[_NoGradBlock | None] = contextvars.ContextVar(
    "autograd_lite_no_grad_block", default=None
)


class _ConstantParents(tuple):
    """The (empty) parents of a constant leaf: a number used as an operand.

    It equals ``()`` and reads as no parents everywhere; only the backward pass tells it
    apart, by identity, to leave constants undifferentiated. It costs no memory per node.
    """

    __slots__ = ()


_CONSTANT = _ConstantParents()

# backward keeps adjoints in the nodes' grad slots while it runs: two passes over graphs
# that share nodes must not interleave, so they take turns.
_pass_lock = _thread.allocate_lock()


def _to_float(x, what: str = "data") -> float:
    """Check that x is a real number and return it as a float; raise a clear error if not."""
    t = type(x)
    if t is float:
        f = x
    elif t is int or (isinstance(x, numbers.Real) and t is not bool):
        try:
            f = float(x)
        except OverflowError:
            raise OverflowError(
                f"{what} {short_repr(x)} is too large for a float (at most about 1.8e308)"
            ) from None
    elif is_bool(x):
        raise TypeError(
            f"{what} must be a real number, got a boolean ({x!r}); booleans are not numbers "
            "here: write 1.0 or 0.0 if you mean a number"
        )
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
    if parents and not _no_grad_block.get():
        v.op = op
        v.parents = parents
    else:
        v.op = ""
        v.parents = ()
    return v


def _operand(x) -> Value:
    """A Value as it is; a number used as an operand becomes a constant leaf in the graph.

    A constant is not differentiated: the backward pass computes no gradient toward it and
    never fails because of one (see :func:`backward`).
    """
    if type(x) is Value:
        return x
    v = _node(_to_float(x, "operand"))
    v.parents = _CONSTANT
    return v


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


def check_value(x: object, what: str = "root") -> None:
    """Raise TypeError unless x is a ``Value`` node.

    Args:
        x: the object to check.
        what: its name in the message (``"root"``, ``"wrt[2]"``).
    """
    if type(x) is not Value:
        raise TypeError(f"{what} must be a Value, got {type(x).__name__}: {short_repr(x)}")


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


class gc_paused:  # lower case: it is used like a function, `with gc_paused():`
    """Inside this block Python's cyclic garbage collector does not run.

    Its state is restored when the block ends, however it ends; if the collector was off
    already, it stays off. Use a new ``gc_paused()`` for each ``with``. On the main thread,
    while it pauses the collector, the block also puts a handler of its own in front of
    SIGINT's (see the note below): Ctrl-C still stops the code inside at once.

    The collector's switch is one for the whole process: a block ending on another thread
    turns it back on for this one too.

    NOTE: the engine's nodes hold no reference cycles (no closures, no links to their
    children), so reference counting frees every graph on its own and the collector has
    nothing to find in them. Left on, it would still walk every live node again each time a
    few hundred new containers are allocated, which on a large graph or a training step
    costs more than the work itself. Each eager step of :func:`autograd_lite.nn.train.fit`
    runs inside one; :func:`backward` and :func:`gradients` pause the collector the same
    way while holding Ctrl-C, with one handler swap for both.

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     gc.isenabled()
        False
    """

    __slots__ = ("_was_enabled", "_old", "_mine")

    # NOTE: Ctrl-C can raise KeyboardInterrupt between any two bytecodes, including just
    # after gc.disable() in __enter__ (so that __exit__ never runs) and at the start of
    # __exit__ (before gc.enable()). While the collector is paused here, SIGINT therefore
    # goes first to _interrupted, which turns the collector back on and puts the previous
    # handler back before handing the signal to it: wherever the interrupt lands, the
    # collector is on again and the interrupt is raised as it would have been. The previous
    # handler is remembered before ours goes in, and ours is taken out only if it is still
    # the one in place (blocks may end in another order than they began).
    def __enter__(self) -> gc_paused:
        self._old = self._mine = None
        self._was_enabled = gc.isenabled()
        if self._was_enabled:
            try:
                old = _signal.getsignal(_signal.SIGINT)
                if old is not None:
                    self._old = old
                    self._mine = self._interrupted  # one bound method, compared by identity
                    _signal.signal(_signal.SIGINT, self._mine)
            except ValueError:  # not the main thread: no KeyboardInterrupt arrives here
                self._mine = None
            gc.disable()
        return self

    def _interrupted(self, signum, frame) -> None:
        if self._mine is not None:  # the block is on: the collector back on first
            gc.enable()
            self._take_out()
        elif _signal.getsignal(_signal.SIGINT) == self._interrupted:
            # left in place by a block that ended on another thread: it only steps aside
            self._put_back()
        _pass_on(self._old, signum, frame)

    def _take_out(self) -> None:
        """Put the previous handler back, if ours is still the one in place."""
        # forgotten only once put back: an interrupt in between finds ours still in place
        mine = self._mine
        if mine is not None and _signal.getsignal(_signal.SIGINT) is mine:
            self._put_back()
        self._mine = None

    def _put_back(self) -> None:
        old = self._old
        # a block that began after another and ends after it: skip the other's handler
        while getattr(old, "__func__", None) is gc_paused._interrupted and (
            old.__self__._mine is None
        ):
            old = old.__self__._old
        try:
            _signal.signal(_signal.SIGINT, old)
        except ValueError:  # ended on another thread (a generator resumed there)
            pass

    def __exit__(self, *exc_info) -> None:
        if self._was_enabled:
            gc.enable()
            self._take_out()


def _pass_on(handler, signum: int, frame) -> None:
    """Hand a SIGINT that was held or caught to the handler Python had for it."""
    if callable(handler):
        handler(signum, frame)  # Python's default handler raises KeyboardInterrupt here
    elif handler == _signal.SIG_DFL:
        _signal.raise_signal(_signal.SIGINT)
    elif handler != _signal.SIG_IGN:  # none known: the interrupt is not lost
        raise KeyboardInterrupt


# --- the backward pass ----------------------------------------------------------------------
#
# How a pass runs (backward and gradients alike):
#
# 1. The fast pass: float adjoints, every node of the order, rules read from the ops table.
#    A node whose adjoint is exactly 0 passes nothing on (0 times any local derivative, even
#    an infinite one, is taken as 0: the root does not change with that node at all).
# 2. It gives up, without changing anything the caller can see, on anything unusual: an
#    adjoint that is infinite or NaN, a rule that raises, or a term that underflowed to 0
#    (a zero a rule returned where the same rule with a huge upstream gradient returns a
#    non-zero: a nonzero local derivative times a nonzero adjoint, rounded away).
# 3. The careful pass then starts again: adjoints are kept as mantissa and exponent
#    (:class:`_Scaled`), so nothing overflows or underflows on the way (1e300 · 1e9 · 0.5^1e9
#    is 0, not inf · 0; 0.5 / (1 / 1e-300) keeps its 0.5); and only nodes that need a
#    gradient are visited: those on a path to a Value the user made. Constants (numbers used
#    as operands) and nodes made of constants alone are never differentiated, so their
#    infinite or undefined gradients (the base of 0 ** x, the divisor of x / 1e-300) fail
#    nothing. A gradient that still is not a finite float is an error naming its node.

_HUGE = 2.0**1000  # an upstream gradient that brings any underflowed term back above zero


class _Scaled:
    """A number m·2**e with the exponent e unbounded: an adjoint that never over- or underflows.

    Rules multiply and divide the upstream gradient by floats and the pass adds adjoints, so
    those are the operations it has. ``float()`` rounds it to the nearest float.
    """

    __slots__ = ("m", "e")

    def __init__(self, m: float, e: int = 0):
        m, k = math.frexp(m)  # m in [0.5, 1), or 0, inf, NaN
        self.m = m
        self.e = e + k

    def __mul__(self, x):
        if type(x) is _Scaled:
            return _Scaled(self.m * x.m, self.e + x.e)
        m, k = math.frexp(x)
        return _Scaled(self.m * m, self.e + k)

    __rmul__ = __mul__

    def __truediv__(self, x):
        m, k = math.frexp(x)  # x == 0 raises ZeroDivisionError below, as float division does
        return _Scaled(self.m / m, self.e - k)

    def __neg__(self):
        return _Scaled(-self.m, self.e)

    def __add__(self, x):
        if type(x) is not _Scaled:
            x = _Scaled(x)
        if not x.m:
            return self
        if not self.m or x.e > self.e:
            self, x = x, self
        return _Scaled(self.m + math.ldexp(x.m, max(x.e - self.e, -2000)), self.e)

    __radd__ = __add__

    def __bool__(self) -> bool:
        return bool(self.m)

    def __float__(self) -> float:
        try:
            return math.ldexp(self.m, max(min(self.e, 5000), -5000))
        except OverflowError:
            return math.copysign(math.inf, self.m)


class _GiveUp(Exception):
    """The fast pass met something unusual; the careful pass takes over."""


_G_SAFE = 2.0**-600  # an upstream gradient above this ...
_LO, _HI = 2.0**-120, 2.0**120  # ... times local derivatives made of numbers in this range


def _underflowed(rule, grads, g: float, out: float, inputs: list) -> bool:
    """Whether a zero among ``grads`` (the terms a rule returned) may be a nonzero rounded away.

    NOTE: the local derivatives of the table are products of at most three of the node's
    numbers (operands, output), their reciprocals, and values of exp, log, tanh, cos ...
    that are never below 2^-62 unless exactly 0. With every number 0 or within 2^±120 and
    |g| above 2^-600, every term is far above the smallest float, so its zero is a true
    zero (a dead ReLU, a factor that is 0): that cheap test settles almost every case.
    Otherwise the rule runs again with a huge upstream gradient: a term that is zero with
    g but not with 2^1000 is a nonzero local derivative whose product underflowed.
    """
    if (
        abs(g) > _G_SAFE
        and (not out or _LO < abs(out) < _HI)
        and max(map(abs, inputs)) < _HI
        and min(filter(None, map(abs, inputs)), default=1.0) > _LO
    ):
        return False
    try:
        again = rule(_HUGE, out, *inputs)
    except Exception:
        return True  # the careful pass will tell
    return any(not g and h for g, h in zip(grads, again))


def _fast_pass_in_slots(order: list[Value]) -> None:
    """Add d(root)/d(v) to the ``grad`` of every node v of ``order`` (root last).

    The adjoints are computed in the ``grad`` slots, the fastest store: their previous
    values are saved first and added back at the end. If the pass gives up
    (:class:`_GiveUp`) or fails, every slot is put back before anything propagates.
    """
    rules = {name: prim.rule for name, prim in OPS.items()}
    # the weighted sum's rule inlined below, when the table's entry is the one it inlines
    fused_wsum = rules.get("wsum") is _wsum_rule
    saved = [v.grad for v in order]
    # from the first slot zeroed on, any exception (a signal handler's too) puts them back
    try:
        for v in order:
            v.grad = 0.0
        order[-1].grad = 1.0
        for node in reversed(order):
            g = node.grad
            if not g:
                continue
            # Every use of a node comes before it in this order, so its adjoint is complete.
            if g - g:  # inf or NaN
                raise _GiveUp
            parents = node.parents
            n = len(parents)
            # One- and two-operand nodes, most of any graph, skip the generic packing. A rule
            # that returns the wrong number of gradients fails the unpacking (ValueError):
            # the careful pass then names it.
            if n == 1:
                a = parents[0]
                (ga,) = rules[node.op](g, node.data, a.data)
                if not ga and _underflowed(rules[node.op], (ga,), g, node.data, [a.data]):
                    raise _GiveUp
                a.grad += ga
            elif n == 2:
                a, b = parents
                ga, gb = rules[node.op](g, node.data, a.data, b.data)
                if not (ga and gb) and _underflowed(
                    rules[node.op], (ga, gb), g, node.data, [a.data, b.data]
                ):
                    raise _GiveUp
                a.grad += ga
                b.grad += gb  # after a's update, so a*a gets both terms
            elif n & 1 and fused_wsum and node.op == "wsum":
                # NOTE: this is _wsum_rule of the ops table, term for term, without building
                # its list: w_k gets a_k·g, then a_k gets w_k·g, then b gets g, added in the
                # order the generic loop below adds the rule's list (so a Value used twice
                # sums its terms in the same order); the give-up test is _underflowed's for
                # this rule (a term that is 0 while its factor is not). A test checks that
                # both give bitwise the same gradients on random inputs.
                k = n >> 1
                ws, xs = parents[:k], parents[k:-1]
                for w, a in zip(ws, xs):
                    t = a.data * g
                    if not t and a.data:
                        raise _GiveUp
                    w.grad += t
                for w, a in zip(ws, xs):
                    t = w.data * g
                    if not t and w.data:
                        raise _GiveUp
                    a.grad += t
                parents[-1].grad += g
            elif n:
                inputs = [p.data for p in parents]
                grads = rules[node.op](g, node.data, *inputs)
                if len(grads) != n:
                    raise arity_error(node, grads)
                if 0.0 in grads and _underflowed(rules[node.op], grads, g, node.data, inputs):
                    raise _GiveUp
                for p, gp in zip(parents, grads):
                    p.grad += gp
        # the old grads added to the adjoints; an exception before this is done (a signal
        # handler's) still finds every slot put back as it was
        _add_back(order, saved)
    except (ArithmeticError, ValueError) as err:
        _restore(order, saved)
        raise _GiveUp from err
    except BaseException:
        _restore(order, saved)
        raise


def _fast_pass_in_dict(order: list[Value]) -> dict[Value, float]:
    """The same pass with the adjoints in a dict of its own: no ``grad`` slot is touched."""
    adjoint = dict.fromkeys(order, 0.0)
    adjoint[order[-1]] = 1.0
    try:
        for node in reversed(order):
            g = adjoint[node]
            if not g or not node.parents:
                continue
            if g - g:
                raise _GiveUp
            rule = OPS[node.op].rule
            inputs = [p.data for p in node.parents]
            grads = rule(g, node.data, *inputs)
            if len(grads) != len(inputs):
                raise arity_error(node, grads)
            if 0.0 in grads and _underflowed(rule, grads, g, node.data, inputs):
                raise _GiveUp
            for p, gp in zip(node.parents, grads):
                adjoint[p] += gp
    except (ArithmeticError, ValueError) as err:
        raise _GiveUp from err
    if any(g - g for g in adjoint.values()):  # a leaf's adjoint is checked here
        raise _GiveUp
    return adjoint


def _restore(order: list[Value], saved: list[float]) -> None:
    """Put every slot back; an exception raised meanwhile (a signal handler's, perhaps more
    than one) does not stop it: the first is raised once every slot is back."""
    i, first = 0, None
    while True:
        try:
            for i in range(i, len(order)):  # noqa: B020 - resumes where it was stopped
                order[i].grad = saved[i]
            break
        except BaseException as err:  # the slot being set is set again: no harm
            first = first or err
    if first is not None:
        raise first


def _add_back(order: list[Value], saved: list) -> None:
    """``v.grad += s`` for each node of ``order`` and number of ``saved`` (0 skipped): every
    grad is then as after the call. An exception raised meanwhile (by the handler of a
    signal other than Ctrl-C's, which is held; perhaps more than one) does not stop it
    half-way: the adds are finished first, then the first of them goes on.

    NOTE: the loop body calls nothing, so a handler runs only at the jump back to the
    loop's head, after ``done`` counts the node just added: the adds resume from ``done``.
    """
    done, first = 0, None
    while True:
        try:
            pairs = zip(order, saved) if not done else zip(order[done:], saved[done:])
            for v, old in pairs:
                if old:
                    v.grad += old
                done += 1
            break
        except BaseException as err:
            first = first or err
    if first is not None:
        raise first


def _needing_gradients(order: list[Value]) -> dict[Value, bool]:
    """Whether each node lies on a path to a Value the user made (not only to constants)."""
    needs: dict[Value, bool] = {}
    for v in order:  # parents first
        parents = v.parents
        if parents:
            needs[v] = any(map(needs.__getitem__, parents))
        else:
            needs[v] = parents is not _CONSTANT
    return needs


def _careful_pass(order: list[Value]) -> tuple[dict[Value, float], dict[Value, bool]]:
    """Adjoints that never over- or underflow on the way, for the nodes that need them.

    Returns the adjoint of every node reached, rounded to a float only now (constants
    included, where a rule gave them one), and which nodes need a gradient. Touches no
    ``grad`` slot.

    Raises:
        ZeroDivisionError, ValueError, OverflowError: if a node that needs a gradient gets
            an infinite or undefined one on the way, naming the node.
    """
    needs = _needing_gradients(order)
    root = order[-1]
    adjoint: dict[Value, _Scaled] = {root: _Scaled(1.0)}
    for node in reversed(order):
        g = adjoint.get(node)
        if g is None or not g or not needs[node]:
            continue
        if not math.isfinite(g.m):
            raise non_finite_gradient(node, float(g))
        parents = node.parents
        if not parents:
            continue
        try:
            grads = OPS[node.op].rule(g, node.data, *[p.data for p in parents])
        except (ArithmeticError, ValueError) as err:
            raise backward_error(node, err) from None
        if len(grads) != len(parents):
            raise arity_error(node, grads)
        for p, gp in zip(parents, grads):
            q = adjoint.get(p)
            adjoint[p] = (gp if type(gp) is _Scaled else _Scaled(gp)) if q is None else q + gp
    return {v: float(s) for v, s in adjoint.items()}, needs


class _interrupts_held:
    """Ctrl-C (SIGINT) arriving inside this block takes effect when the block ends.

    The grad slots are changed only inside it, so an interrupt leaves every grad as it was
    before the pass or as it is after it, never half-way. Signals reach Python's handlers on
    the main thread only: on other threads (where no KeyboardInterrupt can arrive) and where
    SIGINT has no Python handler, it does nothing.
    """

    __slots__ = ("_old", "_pending")

    def __enter__(self) -> None:
        self._pending = False
        try:
            self._old = _signal.getsignal(_signal.SIGINT)
            if self._old is not None:
                _signal.signal(_signal.SIGINT, self._hold)
        except ValueError:  # not the main thread
            self._old = None

    def _hold(self, signum, frame) -> None:
        self._pending = True

    def __exit__(self, *exc_info) -> None:
        old = self._old
        if old is None:
            return
        _signal.signal(_signal.SIGINT, old)
        if self._pending:
            _pass_on(old, _signal.SIGINT, None)


class _held_and_paused(_interrupts_held):
    """Ctrl-C held and the collector paused, for the engine's own passes (which run no code
    of the user's): one SIGINT handler swap for both. Held, an interrupt cannot land between
    gc.disable() and the block, nor before gc.enable() at its end; it takes effect once the
    collector is back on."""

    __slots__ = ("_was_enabled",)

    def __enter__(self) -> None:
        super().__enter__()
        self._was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc_info) -> None:
        if self._was_enabled:
            gc.enable()
        super().__exit__(*exc_info)


def backward(root: Value) -> None:
    """Accumulate d(root)/d(v) into ``v.grad`` for every node v that root depends on.

    Adjoints are computed in a fresh store first and added to the ``grad`` attributes only
    when the whole pass has succeeded: calling it twice gives exactly twice the gradients,
    for leaves and interior nodes alike, and a failing pass changes nothing. An interrupt
    (Ctrl-C) during the pass takes effect when the grads are complete, so every grad is
    either as before the call or as after it.

    Numbers used as operands are constants: they get no gradient when theirs is not a
    finite number (the 0 of ``0 ** x``, the 1e-300 of ``x / 1e-300``), and no pass fails
    because of one. Adjoints that would overflow or underflow on the way are computed
    without rounding until the end (``0.5 / (1 / x)`` at x = 1e-300 gives 0.5).

    This is the fast pass; :func:`reference_gradients` is the same algorithm in fifteen
    plain lines, for reading.

    Args:
        root: the output to differentiate; its own grad gets 1 (d root / d root).

    Raises:
        TypeError: if root is not a Value.
        ZeroDivisionError, ValueError, OverflowError: if the gradient of a node that is not
            a constant is infinite or undefined at the current values (for example √a at
            a = 0).

    Example:
        >>> a = Value(3.0, label="a")
        >>> c = a * a * a
        >>> c.backward(); a.grad
        27.0
        >>> c.backward(); a.grad
        54.0
    """
    check_value(root)
    # one handler swap for the whole pass: Ctrl-C held (it runs no code of the user's) and
    # the collector paused, both undone together (see _held_and_paused)
    with _held_and_paused(), _pass_lock:
        order = topo_order(root)
        try:
            _fast_pass_in_slots(order)
        except _GiveUp:
            pass
        else:
            return
        adjoint, needs = _careful_pass(order)
        for v, g in adjoint.items():
            if g - g and needs[v]:  # too large for a float: it cannot be stored
                raise non_finite_gradient(v, g)
        # a constant's only when finite
        nodes = [v for v, g in adjoint.items() if g and g - g == 0.0]
        _add_back(nodes, [adjoint[v] for v in nodes])


def gradients(root: Value, wrt: Iterable[Value], create_graph: bool = False) -> list:
    """d(root)/d(v) for each v in ``wrt``, without touching any ``grad`` attribute.

    The adjoints live in a store of this call's own, so another thread reading ``grad``
    while it runs sees nothing change, and passes in several threads run side by side.

    With ``create_graph=True`` the rules of the ops table run on the nodes instead of their
    floats, and the gradients come back as Values whose graphs differentiate again
    (derivatives of derivatives; see :func:`autograd_lite.functional.graph_gradients`).

    Args:
        root: the output.
        wrt: the nodes to differentiate with respect to (any nodes, leaves or interior).
        create_graph: return Values with graphs instead of floats.

    Returns:
        One float per node of ``wrt`` (a Value with ``create_graph``); 0 for a node root
        does not depend on.

    Raises:
        TypeError: if root or a node of wrt is not a Value.
        ZeroDivisionError, ValueError, OverflowError: if the gradient of a node of wrt, or
            of a node on the way to one, is infinite or undefined at the current values.

    Example:
        >>> x = Value(2.0)
        >>> gradients(x * x + x, [x])
        [5.0]
        >>> (dx,) = gradients(x * x * x, [x], create_graph=True)   # 3x², a Value
        >>> dx.data, gradients(dx, [x])
        (12.0, [12.0])
    """
    if create_graph:
        from .functional import graph_gradients

        return graph_gradients(root, wrt)
    check_value(root)
    wrt = list(wrt)
    for i, v in enumerate(wrt):
        check_value(v, f"wrt[{i}]")
    with _held_and_paused():
        order = topo_order(root)
        try:
            adjoint = _fast_pass_in_dict(order)
        except _GiveUp:
            adjoint, _ = _careful_pass(order)
    result = [adjoint.get(v, 0.0) for v in wrt]
    for v, g in zip(wrt, result):
        if g - g:  # a constant asked for by name, whose gradient is not a finite number
            raise non_finite_gradient(v, g)
    return result


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
    # Each `with` opens a block (see _NoGradBlock) that the context records as its innermost
    # one; the instance keeps the blocks it has open, so one instance may be nested, and
    # shared by threads and tasks, without mixing them up. The previous block is stored and
    # set back rather than undone with ContextVar.reset, whose token only the context that
    # made it accepts: a generator suspended inside the block may be closed from another.
    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: dict[int, _NoGradBlock] = {}  # by id, in the order they were opened

    def __enter__(self) -> None:
        block = _NoGradBlock((True,))
        block.outer = _no_grad_block.get()
        self._open[id(block)] = block
        _no_grad_block.set(block)

    def __exit__(self, *exc_info) -> None:
        innermost = _no_grad_block.get()
        block = self._open.pop(id(innermost), None)
        if block is not None:  # the usual case: ended in the context that opened it
            outer = block.outer
            while outer is not None and not outer:  # skip blocks ended elsewhere
                outer = outer.outer
            _no_grad_block.set(outer)
            return
        # Ended from another context (a generator suspended in the block, closed elsewhere):
        # the context that opened it cannot be reached from here, so the block is emptied,
        # which that context (and contexts copied inside the block) read as ended.
        if self._open:
            self._open.pop(next(reversed(self._open))).clear()


def weighted_sum(weights: Sequence[Value], inputs: Sequence, bias: Value | float = 0.0) -> Value:
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
