"""Neurons, layers and multi-layer perceptrons made of ``Value`` nodes.

Every parameter and every node a model makes carries a label in the notation of Nielsen's
*Neural Networks and Deep Learning*. Layers are numbered from 1, the input layer, so the
first layer of neurons is layer 2. Indices are 1-based:

* ``w^l_jk``: the weight into neuron j of layer l from neuron k of layer l-1 (``w^2_11``);
* ``b^l_j``: the bias of neuron j of layer l;
* ``z^l_j``: its weighted input, z = Σ_k w^l_jk·a^(l-1)_k + b^l_j, one ``wsum`` node;
* ``a^l_j``: its activation, σ(z^l_j); network inputs given as numbers become constant
  leaves ``a^1_1``, ``a^1_2``, ...

When a layer has more than 9 neurons or more than 9 inputs, the two weight indices are
separated by a comma in that whole layer, so they stay unambiguous: ``w^3_12,3``. A
``"linear"`` neuron has no activation node: its activation *is* its weighted input, and its
output is the node labelled ``z^l_j``.

The initialisation schemes and the checking of settings and input samples live in
:mod:`autograd_lite.nn.init`; their names (``INITS``, ``ACTIVATIONS``, ``DEFAULT_SEED``) are
re-exported here, as is ``Module`` (parameters, ``zero_grad`` and saving), from
:mod:`autograd_lite.nn.module`.

Example:
    >>> model = MLP(2, [3, 1], seed=0)
    >>> [name for name, _ in model.named_parameters()][:4]
    ['w^2_11', 'w^2_12', 'b^2_1', 'w^2_21']
    >>> out = model([0.5, -1.0])
    >>> out.label, out.parents[0].label, len(model.parameters())
    ('z^3_1', 'w^3_11', 13)
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator, Sequence
from typing import Any

from ..checks import check_bool, is_integer, is_sequence, short_repr
from ..engine import Value, apply
from ..labels import neuron_label, weight_label
from ..weighted import activations, weighted_sums
from . import saving
from .init import (
    ACTIVATIONS,
    DEFAULT_SEED,
    INITS,
    InitFn,
    as_inputs,
    check_activation,
    check_count,
    check_init,
    draw_weight,
    make_rng,
)
from .module import Module

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS", "INITS", "DEFAULT_SEED"]


class Neuron(Module):
    """One neuron: z = Σ_k w_k·a_k + b as a single node, then its activation.

    Used inside a :class:`Layer` or :class:`MLP`, its position is given for you. Used on its
    own, ``layer`` and ``index`` say where it sits so its labels still read as in the
    textbook: by default it is neuron 1 of layer 2 (the first layer after the inputs), its
    weights are ``w^2_11, w^2_12, ...`` and numbers given to it become inputs ``a^1_k``.

    Args:
        n_inputs: number of inputs.
        activation: ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"`` (no activation
            node; the output is the weighted input ``z^l_j``).
        layer: the Nielsen number of this neuron's layer (2 = first layer after the inputs).
        index: the neuron's 1-based position in its layer (j).
        seed: seed of the weight initialisation (``DEFAULT_SEED`` if neither this nor
            ``rng`` is given).
        rng: a ``random.Random`` to draw the weights from instead (advances it).
        init: ``"uniform"`` U(-1, 1) (the default); ``"xavier"``/``"glorot"``
            U(±√(6/(fan_in+fan_out))); ``"he"``/``"kaiming"`` N(0, 2/fan_in);
            ``"normal"`` N(0, 1); or a function ``init(rng, fan_in, fan_out) -> float``.
            Biases start at 0.
        fan_out: the width of the neuron's layer, used by ``"xavier"``.
        comma_indices: separate the weight indices by a comma (``w^2_1,12``); by default
            when ``n_inputs`` or ``index`` exceeds 9.

    Example:
        >>> n = Neuron(2, activation="tanh", seed=1)
        >>> a = n([1.0, 2.0])
        >>> a.label, a.op, a.parents[0].label
        ('a^2_1', 'tanh', 'z^2_1')
    """

    def __init__(
        self,
        n_inputs: int,
        activation: str = "relu",
        *,
        layer: int = 2,
        index: int = 1,
        seed: int | None = None,
        rng: random.Random | None = None,
        init: str | InitFn = "uniform",
        fan_out: int = 1,
        comma_indices: bool | None = None,
    ):
        n_inputs = check_count(n_inputs, "n_inputs")
        saving.check_parameter_count(n_inputs, [1])
        self.activation = check_activation(activation)
        self.layer = check_count(layer, "layer", 2)
        self.index = check_count(index, "index")
        fan_out = check_count(fan_out, "fan_out")
        check_init(init)
        rng = make_rng(seed, rng)
        if comma_indices is None:
            comma_indices = n_inputs > 9 or self.index > 9
        else:
            comma_indices = check_bool(comma_indices, "comma_indices (or None)")
        l, j = self.layer, self.index
        self.w = [
            Value(
                draw_weight(init, rng, n_inputs, fan_out),
                weight_label(l, j, k, comma=comma_indices),
            )
            for k in range(1, n_inputs + 1)
        ]
        self.b = Value(0.0, neuron_label("b", l, j))
        # Labels are made once here, so a forward pass only assigns them.
        self._z_label = neuron_label("z", l, j)
        self._a_label = neuron_label("a", l, j)
        self._act = None if activation == "linear" else activation
        self._in_labels = tuple(neuron_label("a", l - 1, k) for k in range(1, n_inputs + 1))

    @property
    def n_inputs(self) -> int:
        """Number of inputs (weights)."""
        return len(self.w)

    def __call__(self, x: Sequence[float | Value] | float | Value) -> Value:
        """The neuron's output for one input sample.

        Args:
            x: ``n_inputs`` numbers or Values (a list, tuple or 1-D numpy array).

        Returns:
            The activation node ``a^l_j`` (or ``z^l_j`` for a linear neuron).

        Raises:
            ValueError: if ``x`` has the wrong length.
            TypeError: if an element is neither a number nor a Value.
        """
        return self._forward(as_inputs(x, self._in_labels))

    def _forward(self, xs: list[Value]) -> Value:
        # The hot path of every model: inputs are Values of the right number already.
        # One n-ary wsum node instead of 2n binary nodes is what makes a step cheap. It is
        # the node weighted_sum makes, through engine.apply, which skips the checks of
        # every weight and input that would here cost more than making the node itself.
        z = apply("wsum", (*self.w, *xs, self.b))
        z.label = self._z_label
        act = self._act
        if act is None:
            return z
        a = apply(act, (z,))
        a.label = self._a_label
        return a

    def parameters(self) -> list[Value]:
        """The neuron's weights in input order, then its bias.

        Returns:
            A new list ``[w^l_j1, ..., w^l_jn, b^l_j]``.
        """
        return [*self.w, self.b]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """Yield ``(label, parameter)`` for the weights, then the bias.

        Example:
            >>> [name for name, _ in Neuron(2).named_parameters()]
            ['w^2_11', 'w^2_12', 'b^2_1']
        """
        for p in self.w:
            yield p.label, p
        yield self.b.label, self.b

    def _architecture(self) -> dict[str, Any]:
        return {
            "type": "Neuron",
            "n_inputs": self.n_inputs,
            "activation": self.activation,
            "layer": self.layer,
            "index": self.index,
        }

    def __repr__(self) -> str:
        return (
            f"Neuron({self.n_inputs}, activation={self.activation!r}, "
            f"layer={self.layer}, index={self.index})"
        )


class Layer(Module):
    """A layer of neurons that all see the same inputs.

    Args:
        n_inputs: number of inputs of each neuron (the previous layer's width).
        n_outputs: number of neurons.
        activation: the neurons' activation (see :class:`Neuron`).
        layer: the Nielsen number of this layer; 2, the first layer after the inputs, when
            the layer is used on its own.
        seed: the weight initialisation's seed, as for :class:`Neuron`.
        rng: the random generator to draw the weights from, as for :class:`Neuron`.
        init: the initialisation scheme, as for :class:`Neuron`.

    Example:
        >>> layer = Layer(2, 3, activation="sigmoid", seed=0)
        >>> [a.label for a in layer([1.0, 0.5])]
        ['a^2_1', 'a^2_2', 'a^2_3']
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        activation: str = "relu",
        *,
        layer: int = 2,
        seed: int | None = None,
        rng: random.Random | None = None,
        init: str | InitFn = "uniform",
    ):
        n_inputs = check_count(n_inputs, "n_inputs")
        n_outputs = check_count(n_outputs, "n_outputs")
        saving.check_parameter_count(n_inputs, [n_outputs])
        check_activation(activation)
        check_init(init)
        rng = make_rng(seed, rng)
        wide = n_inputs > 9 or n_outputs > 9
        self.activation = activation
        self.layer = check_count(layer, "layer", 2)
        self.neurons = [
            Neuron(
                n_inputs,
                activation,
                layer=layer,
                index=j,
                rng=rng,
                init=init,
                fan_out=n_outputs,
                comma_indices=wide,
            )
            for j in range(1, n_outputs + 1)
        ]
        self._in_labels = self.neurons[0]._in_labels
        self._act = self.neurons[0]._act
        self._labels = [(n._z_label, n._a_label) for n in self.neurons]

    @property
    def n_inputs(self) -> int:
        """Number of inputs of each neuron."""
        return self.neurons[0].n_inputs

    @property
    def n_outputs(self) -> int:
        """Number of neurons."""
        return len(self.neurons)

    def __call__(self, x: Sequence[float | Value] | float | Value) -> list[Value]:
        """The layer's outputs for one input sample: always a list, one Value per neuron.

        Args:
            x: ``n_inputs`` numbers or Values.

        Raises:
            ValueError: if ``x`` has the wrong length.
        """
        return self._forward(as_inputs(x, self._in_labels))

    def _forward(self, xs: list[Value]) -> list[Value]:
        # The hot path of every model: Neuron._forward for every neuron, the nodes of each
        # kind made at once (weighted_sums reads the inputs' numbers once for all of them).
        neurons = self.neurons
        zs = weighted_sums([n.w for n in neurons], xs, [n.b for n in neurons])
        act = self._act
        if act is None:
            for z, (z_label, _) in zip(zs, self._labels):
                z.label = z_label
            return zs
        outs = activations(act, zs)
        for z, a, (z_label, a_label) in zip(zs, outs, self._labels):
            z.label, a.label = z_label, a_label
        return outs

    def _children(self) -> Sequence[Module]:
        return self.neurons

    def _architecture(self) -> dict[str, Any]:
        return {
            "type": "Layer",
            "n_inputs": self.n_inputs,
            "n_outputs": self.n_outputs,
            "activation": self.activation,
            "layer": self.layer,
        }

    def __repr__(self) -> str:
        return (
            f"Layer({self.n_inputs}, {self.n_outputs}, activation={self.activation!r}, "
            f"layer={self.layer})"
        )


class MLP(Module):
    """A multi-layer perceptron: layers of neurons, each fed by the one before.

    Hidden layers use ``activation`` (ReLU by default) and the last layer
    ``output_activation`` (linear by default), as in micrograd: a training loop written for
    micrograd's ``MLP(nin, nouts)`` runs unchanged.

    The layers are numbered as in Nielsen's book: the inputs are layer 1, so
    ``layer_sizes[i]`` is layer i + 2. See the module docstring for the labels.

    Args:
        n_inputs: number of inputs.
        layer_sizes: the width of each layer of neurons, the last one being the output.
        activation: activation of the hidden layers.
        output_activation: activation of the last layer.
        seed: seed of the weight initialisation (``DEFAULT_SEED`` if neither this nor
            ``rng`` is given, so ``MLP(2, [16, 16, 1])`` is the same network every run).
        rng: a ``random.Random`` to draw the weights from instead.
        init: the weight initialisation (see :class:`Neuron`); biases start at 0.

    Raises:
        ValueError: for a non-positive size, an unknown activation or init, or both
            ``seed`` and ``rng``.

    Example:
        >>> model = MLP(2, [16, 16, 1])
        >>> len(model.parameters())
        337
        >>> out = model([0.5, -1.0])     # one output: a Value, not a list
        >>> out.backward()
        >>> model.zero_grad()
    """

    def __init__(
        self,
        n_inputs: int,
        layer_sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        seed: int | None = None,
        rng: random.Random | None = None,
        init: str | InitFn = "uniform",
    ):
        n_inputs = check_count(n_inputs, "n_inputs")
        if is_integer(layer_sizes):
            raise ValueError(
                f"layer_sizes must be a list of widths, got {short_repr(layer_sizes)}; "
                f"for one layer write [{short_repr(layer_sizes)}]"
            )
        if not is_sequence(layer_sizes):
            raise ValueError(
                "layer_sizes must be a list of widths, in order, got "
                f"{type(layer_sizes).__name__}: {short_repr(layer_sizes)}"
            )
        if not len(layer_sizes):
            raise ValueError("layer_sizes must name at least one layer")
        # every layer has at least two parameters: a list this long is refused unread
        if len(layer_sizes) > saving.MAX_PARAMETERS // 2:
            raise ValueError(
                f"layer_sizes has {len(layer_sizes):,} layers; the network would have more "
                f"than {saving.MAX_PARAMETERS:,} parameters: too large for a scalar engine"
            )
        sizes = [check_count(s, f"layer_sizes[{i}]") for i, s in enumerate(layer_sizes)]
        saving.check_parameter_count(n_inputs, sizes)
        check_activation(activation)
        check_activation(output_activation)
        check_init(init)
        rng = make_rng(seed, rng)
        self.activation = activation
        self.output_activation = output_activation
        widths = [n_inputs, *sizes]
        last = len(sizes) - 1
        self.layers = [
            Layer(
                widths[i],
                widths[i + 1],
                output_activation if i == last else activation,
                layer=i + 2,
                rng=rng,
                init=init,
            )
            for i in range(len(sizes))
        ]
        self._in_labels = self.layers[0]._in_labels
        self._forwards = [layer._forward for layer in self.layers]

    @property
    def n_inputs(self) -> int:
        """Number of inputs."""
        return self.layers[0].n_inputs

    @property
    def layer_sizes(self) -> list[int]:
        """The width of each layer of neurons."""
        return [layer.n_outputs for layer in self.layers]

    def __call__(self, x: Sequence[float | Value] | float | Value) -> Value | list[Value]:
        """The network's output for one input sample.

        Args:
            x: ``n_inputs`` numbers (int, float, numpy scalars) or Values, as a list, tuple
                or 1-D numpy array. Numbers become leaves labelled ``a^1_1``, ``a^1_2``, ...

        Returns:
            A Value if the last layer has one neuron, else a list of Values.

        Raises:
            ValueError: if ``x`` has the wrong length.
            TypeError: if an element is neither a number nor a Value.
        """
        xs = as_inputs(x, self._in_labels)
        for forward in self._forwards:
            xs = forward(xs)
        return xs[0] if len(xs) == 1 else xs

    def _children(self) -> Sequence[Module]:
        return self.layers

    def _architecture(self) -> dict[str, Any]:
        return {
            "type": "MLP",
            "n_inputs": self.n_inputs,
            "layer_sizes": self.layer_sizes,
            "activation": self.activation,
            "output_activation": self.output_activation,
        }

    @classmethod
    def load(cls, path: str | os.PathLike) -> MLP:
        """Make the network saved in ``path`` by :meth:`save`.

        Args:
            path: the JSON file.

        Returns:
            A new MLP with the saved architecture and parameters.

        The file is checked before the network is built: its sizes must need exactly as
        many parameters as it holds, and at most ``saving.MAX_PARAMETERS`` (ten million).

        Raises:
            FileNotFoundError: if the file does not exist.
            ValueError: if it is not valid JSON, not an MLP, too large, has another number
                of parameters than its architecture needs, or holds a non-number.
        """
        where = os.fspath(path)
        state = saving.read_state(path)
        arch = saving.mlp_architecture(state, where)
        try:
            model = cls(
                arch["n_inputs"], arch["layer_sizes"], arch["activation"], arch["output_activation"]
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"{where!r} has a bad architecture: {err}") from None
        model._set_parameters(saving.check_state(model, state, where=where))
        return model

    def to_torch(self, dtype: Any = None) -> Any:
        """The network as a ``torch.nn.Sequential`` with the same weights and activations:
        ``Linear, ReLU, Linear, ..., Linear`` in float64 by default (every weight exactly).

        Needs PyTorch (the ``torch`` extra); see :mod:`autograd_lite.nn.torch_bridge`.

        Raises:
            ImportError: if PyTorch is not installed.
        """
        from .torch_bridge import to_torch

        return to_torch(self, dtype)

    @classmethod
    def from_torch(cls, seq: Any) -> MLP:
        """A new MLP with the weights and activations of a ``torch.nn.Sequential`` of
        ``Linear`` layers, each followed by at most one ``ReLU``, ``Tanh``, ``Sigmoid`` or
        ``Identity``.

        Raises:
            ImportError: if PyTorch is not installed.
            TypeError: if ``seq`` is not a ``torch.nn.Sequential``.
            ValueError: for any other layer, naming it; see
                :func:`autograd_lite.nn.torch_bridge.from_torch`.
        """
        from .torch_bridge import from_torch

        return from_torch(cls, seq)

    def __repr__(self) -> str:
        return (
            f"MLP({self.n_inputs}, {self.layer_sizes}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r})"
        )
