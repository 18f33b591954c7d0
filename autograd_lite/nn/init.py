"""How the models of :mod:`autograd_lite.nn` start, and what they accept.

The settings a model is built from (sizes, activation, initialisation scheme, seed) are
checked here with errors that name the bad value, the initial weights are drawn here, and
an input sample (numbers, Values or a 1-D array) is turned into the Values a forward pass
takes. :mod:`autograd_lite.nn` re-exports ``ACTIVATIONS``, ``INITS`` and ``DEFAULT_SEED``.

Example:
    >>> rng = make_rng(None, None)           # seeded with DEFAULT_SEED: the same every run
    >>> draw_weight("uniform", rng, 2, 1) == draw_weight("uniform", make_rng(1337, None), 2, 1)
    True
    >>> [v.label for v in as_inputs([0.5, -1.0], ("a^1_1", "a^1_2"))]
    ['a^1_1', 'a^1_2']
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from ..checks import check_integer, check_real, is_bool, is_real, is_sequence, short_repr
from ..engine import Value

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "DEFAULT_SEED",
    "InitFn",
    "draw_weight",
    "make_rng",
    "check_count",
    "check_activation",
    "check_init",
    "as_inputs",
]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
"""The activation functions a neuron can have; ``"linear"`` means none (a = z)."""

INITS = ("uniform", "xavier", "glorot", "he", "kaiming", "normal")
"""Named weight initialisations; see :class:`autograd_lite.nn.Neuron`. A callable works too."""

DEFAULT_SEED = 1337
"""The seed used when neither ``seed`` nor ``rng`` is given: the same model every run."""

InitFn = Callable[[random.Random, int, int], float]
"""A custom initialisation: ``init(rng, fan_in, fan_out) -> float``, one weight per call."""


def draw_weight(init: str | InitFn, rng: random.Random, fan_in: int, fan_out: int) -> float:
    """One initial weight of a neuron.

    Args:
        init: a name from :data:`INITS` (checked already by :func:`check_init`) or a
            function ``init(rng, fan_in, fan_out)``.
        rng: the generator to draw from (advanced).
        fan_in: the neuron's number of inputs.
        fan_out: the width of its layer.

    Returns:
        The weight: U(-1, 1) for ``"uniform"``, U(±√(6/(fan_in+fan_out))) for
        ``"xavier"``/``"glorot"``, N(0, 2/fan_in) for ``"he"``/``"kaiming"``, N(0, 1) for
        ``"normal"``.

    Raises:
        ValueError: if a function ``init`` returns anything but a finite real number.
    """
    if callable(init):
        return check_real(init(rng, fan_in, fan_out), "the weight returned by init")
    if init == "uniform":
        return rng.uniform(-1.0, 1.0)
    if init in ("xavier", "glorot"):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit)
    if init in ("he", "kaiming"):
        return rng.gauss(0.0, math.sqrt(2.0 / fan_in))
    return rng.gauss(0.0, 1.0)  # "normal"


def make_rng(seed: int | None, rng: random.Random | None) -> random.Random:
    """The generator a model draws its weights from.

    Args:
        seed: a seed, or None.
        rng: a generator to use as it is, or None.

    Returns:
        ``rng`` if given, else a new ``random.Random(seed)`` (``DEFAULT_SEED`` if seed is
        None too), so a model made without either is the same every run.

    Raises:
        ValueError: if both are given, or seed is not a whole number (a bool, a float).
        TypeError: if rng is not a ``random.Random``.
    """
    if seed is not None:
        # random.Random would take 1.5 or True (as 1) and hash a string: not a seed anyone meant
        check_integer(seed, "seed")
    if rng is not None:
        if seed is not None:
            raise ValueError("give either seed or rng, not both")
        if not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
        return rng
    return random.Random(DEFAULT_SEED if seed is None else seed)


def check_count(value: Any, what: str, minimum: int = 1) -> int:
    """A size or position, checked to be an integer of at least ``minimum``.

    Args:
        value: what the caller gave.
        what: its name, for the message.
        minimum: the smallest allowed value.

    Returns:
        ``value`` as an int.

    Raises:
        ValueError: for a bool, a non-integer or a value below ``minimum``.
    """
    return check_integer(value, what, minimum=minimum)


def check_activation(activation: Any) -> str:
    """An activation name, checked to be one of :data:`ACTIVATIONS`.

    Args:
        activation: what the caller gave.

    Returns:
        The name.

    Raises:
        ValueError: for any other value, listing the choices.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
        )
    return activation


def check_init(init: Any) -> None:
    """Refuse an initialisation that is neither a name in :data:`INITS` nor a function.

    Args:
        init: what the caller gave.

    Raises:
        ValueError: listing the choices.
    """
    if not callable(init) and init not in INITS:
        raise ValueError(
            f"unknown init {init!r}; choose one of {', '.join(INITS)} "
            "or pass a function init(rng, fan_in, fan_out) -> float"
        )


def as_inputs(x: Any, labels: Sequence[str]) -> list[Value]:
    """Turn one input sample into a list of Values; numbers become leaves with ``labels``.

    The caller's Values are used as they are (their labels are not changed).

    Args:
        x: a number, a Value, or a sequence (list, tuple, 1-D array) of them.
        labels: one label per expected input, such as ``("a^1_1", "a^1_2")``.

    Returns:
        ``len(labels)`` Values.

    Raises:
        ValueError: if ``x`` has another length, or a number in it is NaN, infinite or an
            integer too large for a float.
        TypeError: if ``x`` is not a sequence (a dict, a set, a string or bytes are not
            samples), or an element is neither a real number nor a Value (a bool is not a
            number here); the message names its position and label.
    """
    if type(x) is Value or is_real(x):
        x = (x,)
    elif not is_sequence(x):
        raise TypeError(
            "an input must be a list of numbers or Values (or a 1-D array), "
            f"got {type(x).__name__}: {short_repr(x)}"
        )
    if len(x) != len(labels):
        raise ValueError(f"expected {len(labels)} input(s), got {len(x)}")
    # The hot path: a finite Python float (v - v is 0.0) or a Value passes two cheap tests;
    # anything else is checked in full by _input.
    return [
        v
        if type(v) is Value
        else Value(v, lab)
        if type(v) is float and v - v == 0.0
        else _input(v, lab, labels)
        for v, lab in zip(x, labels)
    ]


def _input(v: Any, label: str, labels: Sequence[str]) -> Value:
    """One input given as something other than a finite float, checked and made a leaf."""
    what = f"input {labels.index(label) + 1} ({label})"
    if is_bool(v):
        raise TypeError(f"{what} must be a number or a Value, got a bool: {v!r}")
    if not is_real(v):
        raise TypeError(
            f"{what} must be a real number (int, float or a numpy scalar) or a Value, "
            f"got {type(v).__name__}: {short_repr(v)}"
        )
    return Value(check_real(v, what), label)
