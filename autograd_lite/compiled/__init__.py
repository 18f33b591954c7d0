"""Tracing a per-sample loss and replaying it over a batch with NumPy.

A model and a loss written with ``Value``\\ s, as for the engine, describe one sample. The
compiled path runs that code once, on Values that stand for any sample (their numbers are
:data:`~autograd_lite.unknown.UNKNOWN`), keeps the graph (the trace), and turns it into a
short program of array operations over a whole batch: the weighted sums of a layer become
one matrix product over the flat array of parameters, its activations one array
operation, and terms of the parameters only (L2) are computed once. Every forward function
and derivative comes from the ops table.

What it needs is declared, never looked up by reflection; it knows the engine, not
:mod:`autograd_lite.nn`:

* a **per-sample function** ``fn(x, label)`` returning the sample's loss (or ``(loss,
  outputs)``), written with Values. The sample's inputs and the numbers of its label are
  inputs of the trace, like the parameters: any arithmetic on them compiles, and any use
  of their numbers (``.data`` compared or computed with, ``float()``, ``bool()``, ``<``,
  a label tested with ``if t:`` or ``t == 1``) is refused with :class:`TraceError`, as
  ``jax.jit`` refuses Python control flow on traced values. Nothing is sampled, compared
  or re-checked later.
* for training (:func:`~autograd_lite.compiled.training.prepare`, which ``fit`` calls): a
  **model** that has ``parameters()`` and maps one sample to a Value or a list of Values;
  a **loss** that declares it is the mean of a per-sample term, ``loss.per_sample(output,
  label numbers) -> Value``, and optionally ``loss.label_numbers(label, width)``, the
  numbers the term reads from a label (``width``: 0 for one output, k for a list of k); a
  loss without ``per_sample`` trains eagerly. An **optimizer** with ``params``,
  ``current_lr()``, ``steps`` and either an update rule ``update(lr, t, x, g, *state) ->
  (x, *state)`` written element by element (it then runs on the flat array of parameters;
  ``state_names`` name its per-parameter state lists) or a ``step()`` of its own.

Modules:

* :mod:`~autograd_lite.compiled.tracing`: ``trace_function`` runs the function once and keeps its
  graph (``TraceError`` when it reads a number it may not);
* :mod:`~autograd_lite.compiled.program`: ``compile_loss`` and ``CompiledLoss``, the
  grouped array operations, their forward and backward passes, and the listing
  ``print(program)`` shows;
* :mod:`~autograd_lite.compiled.training`: what :func:`autograd_lite.nn.train.fit` uses to
  train through a compiled loss;
* ``_instructions`` are a program's steps; ``_grouping`` lays the parameters out and groups
  the nodes into instructions; ``_codegen`` writes a program out as Python functions;
  ``_takes`` reads a group's operands out of arrays; ``_arrays`` finds each
  primitive's vectorised form; ``_errors`` holds ``TraceError``.

Example:
    >>> from autograd_lite.compiled import compile_loss
    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.nn.losses import mse
    >>> model = MLP(1, [4, 1], seed=0)
    >>> X, y = [[0.0], [0.5], [1.0]], [0.0, 0.25, 1.0]
    >>> loss = compile_loss(lambda x, t: mse.per_sample(model(x), t), model.parameters(), X, y)
    >>> value, grad = loss.value_and_grad(X, y)
    >>> len(grad) == len(model.parameters())
    True
"""

from .program import CompiledLoss, compile_loss
from .tracing import TraceError

__all__ = ["compile_loss", "CompiledLoss", "TraceError"]
