"""Optimizers that update ``Value`` parameters from their gradients, and learning-rate schedules.

The learning rate ``lr`` is a number or a function of the step count (0 for the first
``step()``), such as the schedules made by :func:`linear_schedule` and :func:`step_schedule`.

Example:
    >>> from autograd_lite import Value
    >>> w = Value(1.0)
    >>> opt = SGD([w], lr=0.1)
    >>> w.grad = 2.0
    >>> opt.step()
    >>> round(w.data, 12)
    0.8
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from itertools import chain, repeat
from operator import attrgetter

from .. import updates
from ..checks import (
    check_integer,
    check_real,
    is_bool,
    is_finite_real,
    is_real,
    short_repr,
)
from ..engine import Value, check_value
from ..updates import Elements

__all__ = ["Optimizer", "SGD", "Adam", "linear_schedule", "step_schedule"]

Schedule = Callable[[int], float]


def _check_number(
    x, what: str, low: float = 0.0, high: float = math.inf, high_open: bool = False
) -> float:
    """x as a float if it is a finite real number (not a bool) in [low, high], or [low, high)."""
    try:
        f = check_real(x, what)
        ok = low <= f < high if high_open else low <= f <= high
    except ValueError:
        ok = False
    if not ok:
        bound = f"below {high}" if high_open else (f"at most {high}" if high < math.inf else "")
        raise ValueError(
            f"{what} must be a finite number of at least {low}{' and ' + bound if bound else ''}, "
            f"got {short_repr(x)}"
        )
    return f


def _name(p: Value, i: int) -> str:
    return p.label or f"params[{i}]"


_parents_of = attrgetter("parents")


def _check_params(params: list) -> None:
    """Raise the error that names the first parameter that is not a Value, is listed
    twice, or was made by an operation."""
    seen = set()
    for i, p in enumerate(params):
        check_value(p, f"params[{i}]")
        if p in seen:
            raise ValueError(
                f"params[{i}] ({p.label or p.data!r}) is listed twice; it would be updated "
                "twice per step"
            )
        if p.parents:
            raise ValueError(
                f"params[{i}] ({p.label or p.data!r}) was made by an operation "
                f"({p.op}); a parameter is a leaf (a Value you made): updating this one "
                "would change nothing it was made from"
            )
        seen.add(p)


class Optimizer:
    """Base class: holds the parameters, the learning rate and the step count.

    An optimizer declares its rule as ``update(lr, t, x, g, *state) -> (x, *state)``, one
    parameter's new value and state from its value ``x``, gradient ``g`` and state (the
    lists named by ``state_names``, one number per parameter) at step ``t`` (from 1),
    written element by element (:mod:`autograd_lite.updates`) so that it updates floats
    here and whole arrays on the compiled path. :meth:`step` runs it on every parameter.
    An optimizer of your own may instead override :meth:`step` and leave ``update`` None.

    Args:
        params: the Values to update, such as ``model.parameters()``.
        lr: a non-negative number, or a function ``step -> lr``.

    Raises:
        ValueError: if there are no parameters, a parameter is listed twice, or lr is
            negative or not a number.
        TypeError: if a parameter is not a Value.
    """

    def __init__(self, params: Iterable[Value], lr: float | Schedule):
        if isinstance(params, Value):
            raise TypeError("params must be a list of Values, got a single Value; wrap it: [p]")
        params = list(params)
        if not params:
            raise ValueError("the optimizer got no parameters; pass model.parameters()")
        # the usual case in a few passes in C (fit makes an optimizer per run): Values only,
        # each listed once, leaves all; anything else is looked at one by one
        if not (
            set(map(type, params)) == {Value}
            and len(set(params)) == len(params)
            and not any(map(_parents_of, params))
        ):
            _check_params(params)
        if not callable(lr):
            _check_number(lr, "lr")
        self.params = params
        self.lr = lr
        self.steps = 0

    update: Callable | None = None
    """The rule, element by element: ``update(lr, t, x, g, *state) -> (x, *state)``."""
    state_names: tuple[str, ...] = ()
    """The attributes holding the per-parameter state, in the order ``update`` takes it."""

    def current_lr(self) -> float:
        """The learning rate the next ``step()`` will use.

        Raises:
            ValueError: if a schedule returns a negative or non-finite number.
        """
        lr = self.lr
        if callable(lr):
            return _check_number(lr(self.steps), f"the schedule's lr at step {self.steps}")
        return float(lr)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.params:
            p.grad = 0.0

    def _grads(self) -> list[float]:
        """Every parameter's gradient as a float, each checked before any is used.

        Raises:
            TypeError: if a gradient is not a real number (complex, a bool, a Value).
            ValueError: if a gradient is NaN, infinite or too large for a float.
        """
        grads = [p.grad for p in self.params]
        # The usual case in a few C-speed passes: all floats, and a finite sum (s - s is 0.0
        # for a finite s, NaN for inf or NaN). Anything else is looked at one by one.
        try:
            s = sum(grads)
        except Exception:  # a string, a huge int, anything sum cannot add: see below
            s = None
        if type(s) is float and s - s == 0.0 and set(map(type, grads)) == {float}:
            return grads
        checked = []
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if is_bool(g) or not is_real(g):
                raise TypeError(
                    f"the gradient of {_name(p, i)} must be a real number, got "
                    f"{type(g).__name__}: {short_repr(g)}; nothing was updated"
                )
            if not is_finite_real(g):
                raise ValueError(
                    f"the gradient of {_name(p, i)} is {short_repr(g)}; nothing was updated "
                    "(try a smaller learning rate)"
                )
            checked.append(float(g))
        return checked

    def _check_finite(self, new: list[float], grads: list[float], *buffers: list[float]) -> None:
        """Nothing, if every new value and buffer is finite.

        Raises:
            ValueError: naming the first parameter whose update is not a finite number.
        """
        s = sum(new) + sum(sum(b) for b in buffers)
        if s - s != 0.0:
            for i, (p, x, g) in enumerate(zip(self.params, new, grads)):
                bad = [b[i] for b in buffers if b[i] - b[i] != 0.0]
                if x - x != 0.0 or bad:
                    raise ValueError(
                        f"this step would make {_name(p, i)} "
                        + (f"{x!r} (from {p.data!r})" if x - x != 0.0 else "overflow its state")
                        + f" with gradient {g!r}; nothing was updated (try a smaller "
                        "learning rate, or look for what makes the gradient so large)"
                    )

    def _commit(self, new: list[float], buffers: list[list[float]], t: int) -> None:
        """Every parameter's new value, the state's buffers and the step count, all at once.

        NOTE: map, setattr (on a slot, or an instance's dict), chain and repeat all run in C,
        and deque consumes the chain in C: Python runs signal handlers between bytecodes
        only, so a Ctrl-C lands before this step or after it, never half-way (300,000
        parameters were left part updated in 4 of 40 trials by a Python loop).
        """
        k = len(self.state_names)
        targets = chain(self.params, repeat(self, k + 1))
        names = chain(repeat("data", len(new)), self.state_names, ("steps",))
        deque(map(setattr, targets, names, chain(new, buffers, (t,))), maxlen=0)

    def step(self) -> None:
        """Update every parameter once from its current gradient, by :attr:`update`.

        Call it after ``backward()``, and call ``zero_grad()`` before the next forward
        pass: gradients accumulate. Every gradient is checked, and every new value and
        state computed, before anything changes.

        Raises:
            TypeError: if a gradient is not a real number (nothing is updated).
            ValueError: if a gradient is not finite, or the update would make a parameter
                or its state non-finite (nothing is updated; the message names it).
            NotImplementedError: for an optimizer that declares no ``update`` and does
                not override ``step``.
        """
        if self.update is None:
            raise NotImplementedError(f"{type(self).__name__} declares no update rule")
        lr = self.current_lr()
        grads = self._grads()
        t = self.steps + 1
        states = [getattr(self, name) for name in self.state_names]
        data = [p.data for p in self.params]
        rows = list(map(self.update, repeat(lr), repeat(t), data, grads, *states))
        new, *buffers = (list(column) for column in zip(*rows))
        self._check_finite(new, grads, *buffers)
        self._commit(new, buffers, t)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    With g = p.grad + weight_decay·p.data, each step does v = momentum·v + g (v starts at
    0, so the first v is g) and p.data -= lr·v; without momentum simply p.data -= lr·g.

    Args:
        params: the Values to update.
        lr: the learning rate, a non-negative number or a function ``step -> lr``.
        momentum: in [0, 1).
        weight_decay: non-negative; adds weight_decay·p to each gradient (L2 decay).

    Raises:
        ValueError, TypeError: see :class:`Optimizer`; also for momentum or weight_decay
            out of range.

    Example:
        >>> from autograd_lite import Value
        >>> w = Value(1.0)
        >>> opt = SGD([w], lr=0.5, momentum=0.9)
        >>> for _ in range(2):
        ...     w.grad = 1.0
        ...     opt.step()
        >>> round(w.data, 12)     # 1 - 0.5·1 - 0.5·(0.9 + 1)
        -0.45
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float | Schedule,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        self.momentum = _check_number(momentum, "momentum", 0.0, 1.0, high_open=True)
        self.weight_decay = _check_number(weight_decay, "weight_decay")
        self.velocity = [0.0] * len(self.params)

    state_names = updates.sgd.state_names

    def update(self, lr: float, t: int, x: Elements, g: Elements, *state: Elements) -> tuple:
        """:func:`autograd_lite.updates.sgd` with this optimizer's momentum and decay."""
        return updates.sgd(
            lr, t, x, g, *state, momentum=self.momentum, weight_decay=self.weight_decay
        )


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and of its square.

    With g = p.grad + weight_decay·p.data and t the 1-based step number:
    m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t),
    p.data -= lr·m̂ / (√v̂ + eps).

    Args:
        params: the Values to update.
        lr: the learning rate, a non-negative number or a function ``step -> lr``.
        betas: (β1, β2), each in [0, 1).
        eps: a small positive number that keeps the division finite.
        weight_decay: non-negative; adds weight_decay·p to each gradient.

    Raises:
        ValueError, TypeError: see :class:`Optimizer`; also for betas, eps or
            weight_decay out of range.

    Example:
        >>> from autograd_lite import Value
        >>> w = Value(1.0)
        >>> opt = Adam([w], lr=0.1)
        >>> w.grad = 5.0
        >>> opt.step()       # the first step moves by about lr, whatever the gradient's size
        >>> round(w.data, 6)
        0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float | Schedule = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _check_number(betas[0], "betas[0]", 0.0, 1.0, high_open=True),
            _check_number(betas[1], "betas[1]", 0.0, 1.0, high_open=True),
        )
        self.eps = _check_number(eps, "eps")
        if self.eps <= 0.0:
            raise ValueError(f"eps must be positive, got {eps!r}")
        self.weight_decay = _check_number(weight_decay, "weight_decay")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    state_names = updates.adam.state_names

    def update(self, lr: float, t: int, x: Elements, g: Elements, *state: Elements) -> tuple:
        """:func:`autograd_lite.updates.adam` with this optimizer's betas, eps and decay."""
        return updates.adam(
            lr, t, x, g, *state, betas=self.betas, eps=self.eps, weight_decay=self.weight_decay
        )


def linear_schedule(start: float, end: float, steps: int) -> Schedule:
    """A learning rate going linearly from ``start`` (step 0) to ``end`` (step ``steps``).

    After ``steps`` it stays at ``end``. micrograd's demo uses ``linear_schedule(1.0, 0.1,
    100)``, that is lr = 1.0 − 0.9·k/100.

    Args:
        start: the rate at step 0 (non-negative).
        end: the rate from step ``steps`` on (non-negative).
        steps: the number of steps to get there (at least 1).

    Returns:
        A function ``step -> lr``.

    Example:
        >>> lr = linear_schedule(1.0, 0.1, 100)
        >>> lr(0), round(lr(50), 12), lr(100), lr(500)
        (1.0, 0.55, 0.1, 0.1)
    """
    start = _check_number(start, "start")
    end = _check_number(end, "end")
    check_integer(steps, "steps", minimum=1)

    def lr(step: int) -> float:
        # written as micrograd writes it, so the rates match it to the last bit
        return end if step >= steps else start + (end - start) * step / steps

    return lr


def step_schedule(lr: float, step_size: int, gamma: float) -> Schedule:
    """A learning rate multiplied by ``gamma`` every ``step_size`` steps.

    Args:
        lr: the rate for the first ``step_size`` steps (non-negative).
        step_size: how many steps each rate lasts (at least 1).
        gamma: the factor, a non-negative number (usually below 1).

    Returns:
        A function ``step -> lr · gamma^(step // step_size)``.

    Example:
        >>> f = step_schedule(0.1, 10, 0.5)
        >>> f(0), f(9), f(10), f(25)
        (0.1, 0.1, 0.05, 0.025)
    """
    base = _check_number(lr, "lr")
    gamma = _check_number(gamma, "gamma")
    check_integer(step_size, "step_size", minimum=1)

    def schedule(step: int) -> float:
        return base * gamma ** (step // step_size)

    return schedule
