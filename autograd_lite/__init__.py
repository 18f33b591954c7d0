"""autograd_lite: a small scalar reverse-mode automatic-differentiation engine.

Build a computation from ``Value`` nodes, call ``backward()`` on the result and read the
gradients from ``.grad``::

    >>> from autograd_lite import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad
    7.0

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
    "gradients",
    "no_grad",
    "reference_gradients",
    "topo_order",
    "weighted_sum",
]
