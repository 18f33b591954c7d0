"""autograd_lite: a small scalar reverse-mode automatic-differentiation engine.

Build a computation from ``Value`` nodes, call ``backward()`` on the result and read the
gradients from ``.grad``::

    >>> from autograd_lite import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad
    7.0

Derivatives of derivatives and forward mode follow JAX's conventions::

    >>> from autograd_lite import grad, jvp
    >>> grad(grad(lambda x: x * x * x))(2.0)
    12.0
    >>> jvp(lambda x: x.exp(), (0.0,), (3.0,))
    (1.0, 3.0)

Importing the package loads no numpy and no graphviz, so it starts fast.
"""

from .engine import (
    Value,
    backward,
    gradients,
    no_grad,
    reference_gradients,
    topo_order,
)
from .weighted import weighted_sum

__version__ = "0.2.0"

__all__ = [
    "Value",
    "backward",
    "explain",
    "gradcheck",
    "grad",
    "gradients",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "no_grad",
    "reference_gradients",
    "topo_order",
    "weighted_sum",
]


# Names loaded on first use (PEP 562): `import autograd_lite` loads the engine and the ops
# table only, so it starts fast; the teaching tables and the functional API come when asked.
_LAZY = {
    "explain": "teach.explain",
    "gradcheck": "teach.gradcheck",
    "grad": "functional",
    "hessian": "functional",
    "hvp": "functional",
    "jacobian": "functional",
    "jvp": "functional",
}


def __getattr__(name: str):
    home = _LAZY.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = globals()[name] = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
