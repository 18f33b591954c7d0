"""Drawing computation graphs of autograd_lite: Graphviz pictures and a backward-pass stepper.

``viz`` depends on ``autograd_lite`` and the ``graphviz`` Python package (install with the
``viz`` extra); the engine never imports it. Rendering pictures needs Graphviz's ``dot``
program.

Example:
    >>> from autograd_lite import Value
    >>> from viz import draw, to_dot
    >>> x = Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> draw(y).source == to_dot(y)
    True
"""

from .dot import (
    DEFAULT_MAX_NODES,
    DotNotFoundError,
    GraphTooLargeError,
    draw,
    render,
    to_dot,
)
from .stepper import Step, backward_steps, stepper

__all__ = [
    "DEFAULT_MAX_NODES",
    "DotNotFoundError",
    "GraphTooLargeError",
    "Step",
    "backward_steps",
    "draw",
    "render",
    "stepper",
    "to_dot",
]
