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

# `explain` is imported by name, so the package attribute is the function, not the
# submodule of the same name (which stays importable: from autograd_lite.teach.explain import ...).
from .engine import (
    Value,
    backward,
    gradients,
    no_grad,
    reference_gradients,
    topo_order,
    weighted_sum,
)
from .teach.explain import explain
from .teach.gradcheck import gradcheck

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


_FUNCTIONAL = ("grad", "hessian", "hvp", "jacobian", "jvp")


def __getattr__(name: str):
    # the functional API is loaded on first use, keeping `import autograd_lite` fast
    if name in _FUNCTIONAL:
        from . import functional

        value = globals()[name] = getattr(functional, name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
