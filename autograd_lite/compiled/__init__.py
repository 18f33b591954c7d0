"""Tracing a per-sample function and replaying it over a batch with NumPy.

A model and a loss written with ``Value``\\ s, as for the engine, describe one sample. The
compiled path runs that code once per sample of a few samples, keeps the graph (the trace),
and turns it into a short program of array operations over a whole batch: the weighted
sums of a layer become one matrix product over the flat array of parameters, its
activations one array operation, and terms of the parameters only (L2) are computed once.
Every forward function and derivative comes from the ops table.

* :mod:`~autograd_lite.compiled.tracing`: ``record`` runs the function on a few samples and
  checks that one graph serves them all (``TraceError`` otherwise: code that branches on
  ``.data``);
* :mod:`~autograd_lite.compiled.program`: ``trace`` and ``Program``, the grouped array
  operations, their forward and backward passes, and the listing ``print(program)`` shows;
* :mod:`~autograd_lite.compiled.training`: what :func:`autograd_lite.nn.train.fit` uses to
  train through a program (the optimizers' updates on the flat array);
* ``_graphs`` runs the function on one sample and describes and compares the graphs;
  ``_labels`` reads labels and finds the constants that follow them; ``_instructions``
  are a program's steps; ``_codegen`` writes a program out as two Python functions;
  ``_takes`` reads a group's operands out of arrays; ``_arrays`` finds each primitive's
  vectorised form; ``_errors`` holds ``TraceError``.

Example:
    >>> from autograd_lite.compiled import trace
    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.nn.losses import mse
    >>> model = MLP(1, [4, 1], seed=0)
    >>> X, y = [[0.0], [0.5], [1.0]], [0.0, 0.25, 1.0]
    >>> program = trace(lambda x, t: mse([model(x)], [t]), model.parameters(), X, y)
    >>> loss, grad = program.value_and_grad(X, y)
    >>> len(grad) == len(model.parameters())
    True
"""

from .program import Program, trace
from .tracing import TraceError

__all__ = ["trace", "Program", "TraceError"]
