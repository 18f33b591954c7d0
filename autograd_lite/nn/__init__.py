"""Tiny networks made of ``Value`` nodes, and what it takes to train them.

* :mod:`~autograd_lite.nn.module`: ``Module``, the base of everything with parameters;
* :mod:`~autograd_lite.nn.layers`: ``Neuron``, ``Layer`` and ``MLP``, labelled in Nielsen's
  notation (``w^2_11``, ``b^2_1``, ``z^2_1``, ``a^2_1``);
* :mod:`~autograd_lite.nn.init`: seeded initialisation schemes and the checks of settings;
* :mod:`~autograd_lite.nn.losses`: ``mse``, ``hinge``, ``binary_cross_entropy``,
  ``softmax_cross_entropy``, ``l2``;
* :mod:`~autograd_lite.nn.optim`: ``SGD`` and ``Adam`` with learning-rate schedules;
* :mod:`~autograd_lite.nn.data`: toy data sets (``moons``, ``circles``, ``blobs``, ``xor``,
  ``spiral``), made with numpy, which is loaded only when one of them is first used, and
  ``digits``, scikit-learn's 8×8 handwritten digits split into training and test sets;
* :mod:`~autograd_lite.nn.train`: ``fit`` and ``accuracy``; :mod:`~autograd_lite.nn.history`:
  ``History``, what ``fit`` measured; :mod:`~autograd_lite.nn.record`: ``TrainingRecord``,
  the snapshots of ``fit(..., record=N)`` (data: ``viz.training_page(history)`` draws them);
  :mod:`~autograd_lite.nn.observers`: ``Observer``, what watches ``fit`` train;
* :mod:`~autograd_lite.nn.saving`: models as JSON files, written atomically.

Example:
    >>> from autograd_lite.nn import MLP
    >>> model = MLP(2, [4, 1])
    >>> len(model.parameters())
    17
"""

# Names are loaded on first use (PEP 562): `import autograd_lite` reaches this package through
# the teaching tables' losses, and must not pay for the training loop, the data sets' numpy
# or the optimizers at start-up.
_HOMES = {
    "module": ("Module",),
    "layers": ("Neuron", "Layer", "MLP"),
    "losses": ("mse", "hinge", "binary_cross_entropy", "softmax_cross_entropy", "l2"),
    "optim": ("Optimizer", "SGD", "Adam", "linear_schedule", "step_schedule"),
    "history": ("History",),
    "train": ("fit", "accuracy"),
    "record": ("TrainingRecord", "Snapshot"),
    "observers": ("Observer",),
    "data": ("moons", "circles", "blobs", "xor", "spiral", "digits"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = list(_HOME_OF)


def __getattr__(name: str):
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
