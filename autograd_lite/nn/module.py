"""``Module``: the base class of every model, with its parameters, ``zero_grad`` and saving.

A module lists its parameters in a fixed order and can write itself to JSON and read itself
back (the format is in :mod:`autograd_lite.nn.saving`). :mod:`autograd_lite.nn` builds neurons,
layers and MLPs on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from ..engine import Value
from . import saving

__all__ = ["Module"]


class Module:
    """Base class of everything with parameters: neurons, layers, networks.

    Subclasses provide ``_children()`` (sub-modules) or override ``parameters()``, and
    ``_architecture()`` (the constructor arguments as a JSON-ready dict).

    What :func:`~autograd_lite.nn.train.fit` needs of a model, and all the compiled path
    (:mod:`autograd_lite.compiled`) traces it by, is this: ``parameters()``, and a call on
    one sample returning a Value or a list of Values. The call is traced once, on Values
    standing for any sample, so a model that reads their numbers (branches on ``.data``)
    trains eagerly; the library's neurons, layers and MLPs never do.
    """

    def _children(self) -> Sequence[Module]:
        return ()

    def _owners(self) -> list[Module]:
        """The modules below this one that hold parameters themselves, in order.

        A module with children holds none itself; one without children holds what its own
        ``parameters()`` returns. Walked with an explicit stack: nesting depth is no limit.
        """
        owners: list[Module] = []
        stack: list[Module] = [self]
        while stack:
            module = stack.pop()
            children = module._children()
            if children:
                stack.extend(reversed(children))
            elif type(module).parameters is not Module.parameters:
                owners.append(module)
        return owners

    def parameters(self) -> list[Value]:
        """All parameters, in a fixed order: layer by layer, neuron by neuron, weights then bias.

        Returns:
            A new list of the parameter Values (changing the list changes nothing).
        """
        return [p for owner in self._owners() for p in owner.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """Yield ``(name, parameter)`` pairs in :meth:`parameters` order.

        The names are the parameters' Nielsen labels, for example ``"w^2_11"``, ``"b^2_1"``.
        """
        for owner in self._owners():
            yield from owner.named_parameters()

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0."""
        for p in self.parameters():
            p.grad = 0.0

    def _architecture(self) -> dict[str, Any]:  # pragma: no cover - every model overrides
        raise NotImplementedError

    # --- saving and loading (the format is described in autograd_lite.nn.saving) ---

    def state_dict(self) -> dict[str, Any]:
        """The architecture and every parameter's value, as a JSON-ready dict.

        Returns:
            ``{"format": ..., "version": 1, "architecture": {...}, "parameters": {name: x}}``
            with the parameters in :meth:`parameters` order, named by their labels.

        Example:
            >>> from autograd_lite.nn import Neuron
            >>> state = Neuron(1, seed=0).state_dict()
            >>> state["architecture"]["type"], list(state["parameters"])
            ('Neuron', ['w^2_11', 'b^2_1'])
        """
        return {
            "format": saving.FORMAT,
            "version": saving.VERSION,
            "architecture": self._architecture(),
            "parameters": {name: p.data for name, p in self.named_parameters()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Set every parameter from ``state`` (as made by :meth:`state_dict`).

        Everything is checked before anything is assigned, so a bad state changes nothing.

        Args:
            state: a dict with the same architecture and one finite number per parameter.

        Raises:
            ValueError: if the format, the architecture or the parameter names differ, or a
                value is not a finite real number.
        """
        self._set_parameters(saving.check_state(self, state))

    def _set_parameters(self, values: list[float]) -> None:
        """Assign checked values (one float per parameter, in order)."""
        for p, x in zip(self.parameters(), values):
            p.data = x

    def save(self, path: str | os.PathLike) -> None:
        """Write the model (architecture and parameters) to ``path`` as JSON.

        The file is written to a temporary file in the same folder and then renamed over
        ``path``, so a crash while saving never destroys an earlier file.

        Args:
            path: the file to write.

        Raises:
            ValueError: if a parameter is NaN or infinite (JSON has no such numbers).
            OSError: if the folder cannot be written.
        """
        saving.write_state(path, self.state_dict())

    def load_weights(self, path: str | os.PathLike) -> None:
        """Set this model's parameters from a file written by :meth:`save`.

        Args:
            path: the JSON file.

        Raises:
            FileNotFoundError: if the file does not exist.
            ValueError: if it is not valid JSON (for example truncated), is of another
                architecture, or holds a value that is not a finite number. The model is
                left unchanged in every case.
        """
        self._set_parameters(
            saving.check_state(self, saving.read_state(path), where=os.fspath(path))
        )
