"""Derivatives as functions, with JAX's conventions: grad, jacobian, hessian, hvp, jvp.

Each takes a Python function of numbers and gives the function of its derivative::

    >>> from autograd_lite.functional import grad, hessian, jvp
    >>> f = lambda x, y: x * x * y + y.sin()
    >>> grad(f)(3.0, 0.0)                       # ∂f/∂x = 2xy
    0.0
    >>> grad(f, argnums=(0, 1))(3.0, 0.0)       # (2xy, x² + cos y)
    (0.0, 10.0)
    >>> grad(grad(f))(3.0, 2.0)                 # ∂²f/∂x² = 2y, by nesting
    4.0
    >>> hessian(f, argnums=(0, 1))(1.0, 0.0)
    ((0.0, 2.0), (2.0, 0.0))
    >>> jvp(f, (3.0, 0.0), (1.0, 0.0))          # f and its change along (1, 0)
    (0.0, 0.0)

Conventions (JAX's):

* ``argnums`` an int gives one result, a tuple gives a tuple (nested for :func:`hessian`);
* an argument is a number, a ``Value``, or a (nested) list or tuple of them, and each
  derivative has the shape of the argument it is taken with respect to;
* :func:`jacobian` puts the outputs first: rows are outputs when f returns a list;
* floats in, floats out; Values in, Values out: given Values, the derivatives are Values
  whose graphs differentiate again, which is how ``grad(grad(f))`` nests.

Underneath, ``gradients(root, wrt, create_graph=True)`` runs the backward pass with the
rules of the ops table on Values instead of floats, so that it builds the graph of each
gradient, and :func:`jvp` runs forward mode
(:mod:`autograd_lite.forward`) from the same rules. No derivative is written here.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Sequence
from typing import Any

from .checks import is_integer, is_real, to_float
from .engine import Value, _operand, gc_paused, gradients
from .forward import forward_tangents

__all__ = ["grad", "jacobian", "hessian", "hvp", "jvp"]


# --- arguments: numbers, Values and (nested) lists of them --------------------------------------


def _map_leaves(tree, fn: Callable):
    """A copy of ``tree`` (nested lists and tuples) with each leaf x replaced by fn(x), the
    leaves visited in order; without recursion, like the rest of the library."""
    if type(tree) not in (list, tuple):
        return fn(tree)
    stack = [(tree, [], iter(tree), None, 0)]
    while True:
        src, dst, items, parent, slot = stack[-1]
        for x in items:
            if type(x) in (list, tuple):
                dst.append(None)
                stack.append((x, [], iter(x), dst, len(dst) - 1))
                break
            dst.append(fn(x))
        else:
            stack.pop()
            built = tuple(dst) if type(src) is tuple else dst
            if parent is None:
                return built
            parent[slot] = built


def _leaves(tree) -> list:
    out: list = []
    _map_leaves(tree, out.append)
    return out


def _check_leaf(x, what: str):
    if type(x) is not Value and not is_real(x):
        raise TypeError(
            f"{what} must be a number, a Value, or a list or tuple of them; got "
            f"{type(x).__name__}: {x!r}"
        )
    return x


def _check_argnums(argnums, name: str) -> tuple:
    nums = (argnums,) if is_integer(argnums) else argnums
    if not isinstance(nums, tuple) or not nums or not all(map(is_integer, nums)):
        raise TypeError(
            f"{name}: argnums must be an int or a non-empty tuple of ints, got {argnums!r}"
        )
    return nums


def _argnums(argnums, n_args: int, name: str) -> tuple[int, ...]:
    nums = _check_argnums(argnums, name)
    out = []
    for k in nums:
        if not -n_args <= k < n_args:
            raise ValueError(
                f"{name}: argnums {argnums!r} asks for argument {k}, but the function was "
                f"called with {n_args} argument(s)"
            )
        out.append(int(k) % n_args)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: argnums {argnums!r} names an argument twice")
    return tuple(out)


# How many transforms (grad, jacobian, jvp ...) are running the user's function right now.
# Inside one, an inner transform gives Values even for number arguments: its function may
# close over the outer one's Values (grad(lambda x: grad(lambda y: x * y)(1.0))), and a
# number would cut that dependence, as JAX's tracers do not.
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("autograd_lite_depth", default=0)


def _run(f: Callable, args: tuple):
    """f(*args), marked as running inside a transform."""
    token = _depth.set(_depth.get() + 1)
    try:
        return f(*args)
    finally:
        _depth.reset(token)


class _Inputs:
    """The arguments at ``argnums``, made ready to differentiate.

    Floats become fresh leaf Values (and the derivatives come back as floats); Values are
    used as they are (and the derivatives come back as Values, with their graphs).
    """

    def __init__(self, args: tuple, nums: tuple[int, ...], name: str):
        # a Value anywhere among the arguments (one to differentiate, or one held fixed
        # by an outer derivative) asks for Values out, with their graphs
        self.values_in = _depth.get() > 0 or any(
            type(x) is Value for a in args if type(a) in (list, tuple, Value) for x in _leaves(a)
        )
        self.leaves: list[list[Value]] = []
        self.shapes = []
        args = list(args)
        for k in nums:
            self.shapes.append(
                _map_leaves(args[k], lambda x, k=k: _check_leaf(x, f"{name}: argument {k}"))
            )
        for k, a in enumerate(args):
            # a number held fixed becomes a constant, so f may call Value's methods on it
            if k not in nums and is_real(a):
                args[k] = _operand(a)
        for k, shape in zip(nums, self.shapes):
            leaves: list[Value] = []

            def leaf(x, leaves=leaves):
                v = x if type(x) is Value else Value(x)
                leaves.append(v)
                return v

            args[k] = _map_leaves(shape, leaf)
            self.leaves.append(leaves)
        self.args = tuple(args)
        self.flat = [v for leaves in self.leaves for v in leaves]

    def derivatives(self, out) -> list:
        """d(out)/d(leaf) for every leaf, floats or Values as the inputs were."""
        if type(out) is not Value:  # f gave a number that depends on nothing
            _check_leaf(out, "an output of the function")
            zero = _operand(0.0) if self.values_in else 0.0
            return [zero] * len(self.flat)
        if self.values_in:
            return gradients(out, self.flat, create_graph=True)
        return gradients(out, self.flat)

    def shaped(self, flat: list, one: bool):
        """A flat list of per-leaf results, put back into the arguments' shapes."""
        it = iter(flat)
        per_arg = tuple(_map_leaves(s, lambda _: next(it)) for s in self.shapes)
        return per_arg[0] if one else per_arg


def _wraps(f: Callable, what: str) -> Callable:
    if not callable(f):
        raise TypeError(f"{what} needs a function, got {type(f).__name__}: {f!r}")

    def decorate(g):
        functools.update_wrapper(g, f, assigned=("__module__",), updated=())
        g.__name__ = g.__qualname__ = f"{what}({getattr(f, '__name__', 'f')})"
        return g

    return decorate


def _scalar_output(out, name: str):
    if type(out) in (list, tuple):
        raise TypeError(
            f"{name} needs a function that returns one number; this one returned a "
            f"{type(out).__name__} of {len(out)}: use jacobian for several outputs"
        )
    return out


# --- the functional API ------------------------------------------------------------------------


def grad(f: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The gradient of f: a function that returns ∂f/∂(argument) at the arguments.

    f must return one number (a Value). Nest it for higher derivatives: ``grad(grad(f))``
    is the second derivative of a function of one number.

    Args:
        f: a function of numbers that returns one Value (built with Value's operations).
        argnums: which argument to differentiate with respect to; a tuple for several.

    Returns:
        A function with f's arguments. It returns the derivative with the shape of the
        argument (a number, or a list of them); for a tuple ``argnums``, a tuple of those.
        Floats when the arguments differentiated are numbers; Values, whose graphs
        differentiate again, when they are Values.

    Raises:
        TypeError: if f returns a list (use :func:`jacobian`), or argnums is not an int or
            tuple of ints.

    Example:
        >>> from autograd_lite.functional import grad
        >>> d_tanh = grad(lambda x: x.tanh())
        >>> round(d_tanh(0.5), 6), round(grad(d_tanh)(0.5), 6)
        (0.786448, -0.726862)
    """

    _check_argnums(argnums, "grad")

    @_wraps(f, "grad")
    def grad_f(*args):
        nums = _argnums(argnums, len(args), "grad")
        inputs = _Inputs(args, nums, "grad")
        out = _scalar_output(_run(f, inputs.args), "grad")
        return inputs.shaped(inputs.derivatives(out), is_integer(argnums))

    return grad_f


def jacobian(f: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The Jacobian of f: every output's derivatives with respect to the arguments.

    Reverse mode, one backward pass per output (JAX's ``jacrev``).

    Args:
        f: a function of numbers that returns a Value, or a (nested) list or tuple of them.
        argnums: which argument to differentiate with respect to; a tuple for several.

    Returns:
        A function with f's arguments. Its result has the shape of f's output, with each
        output replaced by its derivatives (shaped as :func:`grad` shapes them): when f
        returns a list of m numbers and the argument is a list of n, an m-by-n list of
        rows, one row per output. Floats for numbers in, Values for Values in.

    Example:
        >>> from autograd_lite.functional import jacobian
        >>> polar = lambda p: [p[0] * p[1].cos(), p[0] * p[1].sin()]
        >>> jacobian(polar)([2.0, 0.0])           # rows: the outputs; columns: r, θ
        [[1.0, 0.0], [0.0, 2.0]]
    """

    _check_argnums(argnums, "jacobian")

    @_wraps(f, "jacobian")
    def jacobian_f(*args):
        nums = _argnums(argnums, len(args), "jacobian")
        inputs = _Inputs(args, nums, "jacobian")
        one = is_integer(argnums)
        out = _run(f, inputs.args)
        return _map_leaves(out, lambda o: inputs.shaped(inputs.derivatives(o), one))

    return jacobian_f


def hessian(f: Callable, argnums: int | tuple[int, ...] = 0) -> Callable:
    """The Hessian of f: its second derivatives, ``jacobian(jacobian(f))``.

    Args:
        f: a function of numbers that returns one Value.
        argnums: which argument to differentiate with respect to; a tuple for several.

    Returns:
        A function with f's arguments. For a number argument, a number; for a list of n,
        an n-by-n list; for a tuple ``argnums``, a tuple of tuples: ``H[i][j]`` holds the
        second derivatives with respect to argument i, then argument j (JAX's nesting).

    Example:
        >>> from autograd_lite.functional import hessian
        >>> hessian(lambda v: v[0] * v[0] * v[1])([3.0, 2.0])   # [[2y, 2x], [2x, 0]]
        [[4.0, 6.0], [6.0, 0.0]]
    """

    _check_argnums(argnums, "hessian")

    def scalar_f(*args):
        return _scalar_output(f(*args), "hessian")

    second = jacobian(jacobian(scalar_f, argnums), argnums)

    @_wraps(f, "hessian")
    def hessian_f(*args):
        return second(*args)

    return hessian_f


def _primals(x) -> tuple:
    if type(x) in (list, tuple):
        return tuple(x)
    return (x,)


def jvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple:
    """f at ``primals`` and its directional derivative along ``tangents``, by forward mode.

    The Jacobian-vector product J·t, computed as JAX's ``jvp`` computes it: f runs once on
    the primals, then one forward pass over its graph carries a tangent beside every value
    (:func:`autograd_lite.forward.forward_tangents`). One pass gives the derivative of
    every output along one direction of the inputs.

    Args:
        f: a function of numbers returning a Value or a (nested) list or tuple of them.
        primals: the arguments of f, as a tuple or list (one per argument; a bare number
            stands for one argument).
        tangents: the direction, with the same shapes as ``primals``.

    Returns:
        ``(output, tangent)``: f's output, and the output's tangent in the same shape.
        Floats when primals and tangents are numbers; Values, whose graphs differentiate
        again, when any of them is a Value.

    Raises:
        ValueError: if tangents and primals differ in shape.

    Example:
        >>> from autograd_lite.functional import jvp
        >>> jvp(lambda x1, x2: x1.log() + x1 * x2 - x2.sin(), (2.0, 5.0), (1.0, 0.0))[1]
        5.5
    """
    if not callable(f):
        raise TypeError(f"jvp needs a function, got {type(f).__name__}: {f!r}")
    primals, tangents = _primals(primals), _primals(tangents)
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s); give one tangent "
            "per argument, with the argument's shape"
        )
    inputs = _Inputs(primals, tuple(range(len(primals))), "jvp")
    seeds: dict[Value, float | Value] = {}
    values_in = inputs.values_in
    for k, (leaves, t) in enumerate(zip(inputs.leaves, tangents)):
        ts = _leaves(_map_leaves(t, lambda x, k=k: _check_leaf(x, f"jvp: tangent {k}")))
        if len(ts) != len(leaves) or _shape(t) != _shape(inputs.shapes[k]):
            raise ValueError(f"jvp: tangent {k} does not have the shape of primal {k}")
        for v, x in zip(leaves, ts):
            if type(x) is Value:
                values_in = True
            seeds[v] = x if type(x) is Value else to_float(x, f"jvp: tangent {k}")
    out = _run(f, inputs.args)
    outs = [o for o in _leaves(out) if type(o) is Value]
    with gc_paused():
        tangent = forward_tangents(outs, seeds, create_graph=values_in)

    def result(o):
        t = tangent.get(o, 0.0) if type(o) is Value else 0.0
        if values_in:
            return t if type(t) is Value else _operand(t)
        return t.data if type(t) is Value else t

    def primal(o):
        if values_in or type(o) is not Value:
            return o
        return o.data

    return _map_leaves(out, primal), _map_leaves(out, result)


def _shape(tree):
    return _map_leaves(tree, lambda _: None)


def hvp(f: Callable, primals: Sequence, v: Sequence) -> Any:
    """The Hessian of f at ``primals`` times the vector ``v``, without forming the Hessian.

    Forward mode over reverse mode, as JAX computes it: ``jvp(grad(f), primals, v)``, where
    the gradient is taken with respect to every argument; it costs a few passes, whatever
    the number of inputs.

    Args:
        f: a function of numbers that returns one Value.
        primals: the arguments of f, as a tuple or list (a bare number stands for one).
        v: the vector, with the same shapes as ``primals``.

    Returns:
        H·v with the shape of the arguments: for one argument, the shape of that argument;
        for several, a tuple with one entry per argument. Floats for numbers in, Values for
        Values in.

    Example:
        >>> from autograd_lite.functional import hvp
        >>> hvp(lambda x, y: x * x * y, (3.0, 2.0), (1.0, 0.0))   # H = [[2y, 2x], [2x, 0]]
        (4.0, 6.0)
    """
    primals, v = _primals(primals), _primals(v)
    if not primals:
        raise ValueError("hvp needs at least one argument in primals")
    everything = tuple(range(len(primals)))
    _, hv = jvp(grad(f, argnums=everything), primals, v)
    return hv[0] if len(primals) == 1 else hv
