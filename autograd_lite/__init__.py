"""autograd_lite: a small scalar reverse-mode automatic-differentiation engine.

Build a computation from ``Value`` nodes, call ``backward()`` on the result and read the
gradients from ``.grad``::

    >>> from autograd_lite import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad
    7.0

Importing the package loads only the engine (no numpy, no graphviz), so it starts fast.
"""

from .engine import Value, backward, gradients, no_grad, topo_order, weighted_sum

__version__ = "0.1.0"

__all__ = ["Value", "backward", "gradients", "no_grad", "topo_order", "weighted_sum"]
