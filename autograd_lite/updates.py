"""The optimizers' update rules, each written once, element by element.

An update takes the learning rate ``lr``, the 1-based step number ``t``, a parameter's
value ``x``, its gradient ``g`` and its state (the optimizer's buffers, named by the
function's ``state_names``), and returns the new value and the new state. It is plain
arithmetic (``v ** 0.5``, not ``math.sqrt``), so the same function updates one float, as
:class:`autograd_lite.nn.optim.SGD` and :class:`~autograd_lite.nn.optim.Adam` run it per
parameter, or whole NumPy arrays at once, as the compiled path runs it on the flat array of
parameters. No numpy is imported here.

Example:
    >>> sgd(0.1, 1, 1.0, 2.0, 0.0)          # x - lr·g, the velocity unused
    (0.8, 0.0)
    >>> sgd.state_names
    ('velocity',)
"""

from __future__ import annotations

from typing import Any

__all__ = ["sgd", "adam"]

Elements = Any
"""A float, or a NumPy array of them: the rules are written for either."""


def sgd(
    lr: float,
    t: int,
    x: Elements,
    g: Elements,
    velocity: Elements,
    *,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> tuple[Elements, Elements]:
    """Stochastic gradient descent: with g + weight_decay·x as the gradient,
    ``velocity = momentum·velocity + g`` and ``x - lr·velocity``; ``x - lr·g`` without
    momentum (the velocity is then returned as it came).

    Returns:
        ``(x, velocity)``, new.
    """
    if weight_decay:
        g = g + weight_decay * x
    if momentum:
        velocity = momentum * velocity + g
        return x - lr * velocity, velocity
    return x - lr * g, velocity


sgd.state_names = ("velocity",)


def adam(
    lr: float,
    t: int,
    x: Elements,
    g: Elements,
    m: Elements,
    v: Elements,
    *,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> tuple[Elements, Elements, Elements]:
    """Adam: with g + weight_decay·x as the gradient, ``m = β1·m + (1 − β1)·g``,
    ``v = β2·v + (1 − β2)·g²`` and ``x - lr·m̂ / (√v̂ + eps)``, where ``m̂ = m / (1 − β1^t)``
    and ``v̂ = v / (1 − β2^t)`` undo the moments' start at 0.

    Returns:
        ``(x, m, v)``, new.
    """
    b1, b2 = betas
    if weight_decay:
        g = g + weight_decay * x
    c1 = 1.0 - b1**t
    c2 = 1.0 - b2**t
    m = b1 * m + (1.0 - b1) * g
    v = b2 * v + (1.0 - b2) * g * g
    return x - lr * (m / c1) / ((v / c2) ** 0.5 + eps), m, v


adam.state_names = ("m", "v")
