"""The way out: an :class:`~autograd_lite.nn.MLP` as a ``torch.nn.Sequential`` and back.

``MLP.to_torch()`` and ``MLP.from_torch(seq)`` call these. The Sequential is
``Linear, activation, Linear, activation, ..., Linear[, activation]``: one ``Linear`` per
layer of neurons (row j of its weight holds neuron j's weights ``w^l_j1, w^l_j2, ...``, its
bias ``b^l_j``), then ``ReLU``, ``Tanh`` or ``Sigmoid`` unless the layer is linear. PyTorch
is an optional extra (``pip install autograd-lite[torch]``), imported only here.

Example:
    >>> from autograd_lite.nn import MLP
    >>> model = MLP(2, [3, 1])
    >>> seq = model.to_torch()                                   # doctest: +SKIP
    >>> seq                                                      # doctest: +SKIP
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): ReLU()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    >>> MLP.from_torch(seq).layer_sizes                          # doctest: +SKIP
    [3, 1]
"""

from __future__ import annotations

from typing import Any

__all__ = ["to_torch", "from_torch"]

_NAMES = {"ReLU": "relu", "Tanh": "tanh", "Sigmoid": "sigmoid"}


def _torch(what: str):
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"{what} needs PyTorch, which is not installed; install it with "
            "`pip install autograd-lite[torch]` (or see https://pytorch.org for your system)"
        ) from None
    return torch


def to_torch(model: Any, dtype: Any = None) -> Any:
    """The MLP as a ``torch.nn.Sequential`` with the same weights and activations.

    Args:
        model: an :class:`~autograd_lite.nn.MLP`.
        dtype: the parameters' torch dtype; ``torch.float64`` by default, which holds every
            parameter exactly (the engine's numbers are Python floats).

    Returns:
        A new ``torch.nn.Sequential``; changing it leaves the model as it was.

    Raises:
        ImportError: if PyTorch is not installed (the message says how to install it).
    """
    torch = _torch("MLP.to_torch()")
    nn = torch.nn
    dtype = torch.float64 if dtype is None else dtype
    modules = []
    for layer in model.layers:
        linear = nn.Linear(layer.n_inputs, layer.n_outputs, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(
                torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
            )
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        modules.append(linear)
        act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}.get(layer.activation)
        if act is not None:
            modules.append(act())
    return nn.Sequential(*modules)


def from_torch(cls: type, seq: Any) -> Any:
    """A new MLP with the weights and activations of a ``torch.nn.Sequential``.

    The Sequential must be ``Linear`` layers (with biases), each followed by at most one
    ``ReLU``, ``Tanh``, ``Sigmoid`` or ``Identity``; every hidden layer has the same
    activation (an MLP has one for its hidden layers and one for its output).

    Raises:
        ImportError: if PyTorch is not installed.
        TypeError: if ``seq`` is not a ``torch.nn.Sequential``.
        ValueError: for any other layer (naming it and its index), a ``Linear`` without a
            bias, widths that do not chain, mixed hidden activations, or non-finite weights.
    """
    torch = _torch("MLP.from_torch()")
    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(
            f"MLP.from_torch needs a torch.nn.Sequential of Linear layers and activations, got "
            f"{type(seq).__name__}"
        )
    if type(seq) is not torch.nn.Sequential:
        raise ValueError(
            f"MLP.from_torch: {_qualified(seq)} is a subclass of Sequential, whose forward may "
            "compute something else; pass a torch.nn.Sequential itself"
        )
    _check_plain("the Sequential", seq)
    linears, acts = _read_layers(torch.nn, seq)
    model = cls(
        linears[0].in_features,
        [m.out_features for m in linears],
        activation=_hidden_activation(acts),
        output_activation=acts[-1],
    )
    values = _weights(torch, linears)
    for p, v in zip(model.parameters(), values):
        p.data = float(v)
    return model


def _read_layers(nn: Any, seq: Any) -> tuple[list[Any], list[str]]:
    """The Sequential's ``Linear`` layers and the activation after each ("linear" for none),
    or a ValueError naming the first layer that an MLP does not have where it is."""
    linears: list[Any] = []
    acts: list[str] = []
    known = {getattr(nn, name): act for name, act in _NAMES.items()} | {nn.Identity: "linear"}
    for i, m in enumerate(seq):
        kind = type(m).__name__
        _check_plain(i, m)
        if type(m) is nn.Linear:
            _check_linear(i, m, linears)
            if linears and len(acts) < len(linears):
                acts.append("linear")
            linears.append(m)
        elif type(m) in known:
            if not linears or len(acts) == len(linears):
                where = "before any Linear" if not linears else "right after another activation"
                raise ValueError(
                    f"MLP.from_torch: layer {i}, {kind}, comes {where}; an MLP has one "
                    "activation after each Linear"
                )
            acts.append(known[type(m)])
        else:
            # NOTE: exact types only: a subclass may override forward, and a class of the
            # user's named ReLU may be leaky; neither can be read back as what it claims
            raise ValueError(
                f"MLP.from_torch: layer {i} is {_qualified(m)}, which an MLP does "
                "not have; only torch.nn's own Linear, ReLU, Tanh, Sigmoid and Identity (not "
                "subclasses of them) can be read back"
            )
    if not linears:
        raise ValueError("MLP.from_torch: the Sequential has no Linear layer")
    if len(acts) < len(linears):
        acts.append("linear")
    return linears, acts


def _qualified(m: Any) -> str:
    """A layer's class name, with its module where the class is not torch's own."""
    where = type(m).__module__
    return type(m).__name__ if where.startswith("torch.") else f"{where}.{type(m).__name__}"


def _check_plain(i: int | str, m: Any) -> None:
    """Layer ``i`` runs as its type says: no hooks and no forward of its own."""
    if "forward" in vars(m):
        raise ValueError(
            f"MLP.from_torch: layer {i}, {type(m).__name__}, has a forward of its own set on "
            "it, which may compute something else; use the module as torch made it"
        )
    # torch has no public way to list hooks; these dicts are where every version keeps them
    hooks = [h for h in ("_forward_hooks", "_forward_pre_hooks") if getattr(m, h, None)]
    if hooks:
        raise ValueError(
            f"MLP.from_torch: layer {i}, {type(m).__name__}, has a forward hook, which may "
            "change what it computes; remove the hook first"
        )


def _check_linear(i: int, m: Any, before: list[Any]) -> None:
    """A ``Linear`` at index ``i`` has real weights of its declared shape and a bias, and
    takes what the one before gives."""
    shapes = (tuple(m.weight.shape), tuple(m.bias.shape) if m.bias is not None else None)
    if shapes[0] != (m.out_features, m.in_features) or shapes[1] not in (None, (m.out_features,)):
        raise ValueError(
            f"MLP.from_torch: layer {i}, {m}, has a weight of shape {shapes[0]} and a bias of "
            f"shape {shapes[1]}; a Linear({m.in_features}, {m.out_features}) has "
            f"({m.out_features}, {m.in_features}) and ({m.out_features},)"
        )
    if m.weight.is_meta:
        raise ValueError(
            f"MLP.from_torch: layer {i}, {m}, is on the meta device: its weights have no values "
            "(move the model to the CPU with .to('cpu') after loading them)"
        )
    if m.weight.is_complex() or (m.bias is not None and m.bias.is_complex()):
        raise ValueError(
            f"MLP.from_torch: layer {i}, {m}, holds complex weights ({m.weight.dtype}); an "
            "MLP's weights are real numbers"
        )
    if m.bias is None:
        raise ValueError(
            f"MLP.from_torch: layer {i}, {m}, has no bias; every neuron of an MLP has "
            "one (make it with bias=True, or set a zero bias)"
        )
    if before and m.in_features != before[-1].out_features:
        raise ValueError(
            f"MLP.from_torch: layer {i} takes {m.in_features} inputs but the layer "
            f"before gives {before[-1].out_features}"
        )


def _hidden_activation(acts: list[str]) -> str:
    """The one activation of the hidden layers (relu when there are none)."""
    hidden = set(acts[:-1])
    if len(hidden) > 1:
        raise ValueError(
            f"MLP.from_torch: the hidden layers have different activations ({acts[:-1]}); "
            "an MLP has one activation for all its hidden layers"
        )
    return hidden.pop() if hidden else "relu"


def _weights(torch: Any, linears: list[Any]) -> list[float]:
    """Every weight and bias, neuron by neuron in ``MLP.parameters()`` order; all finite."""
    values = []
    for m in linears:
        w = m.weight.detach().to(torch.float64).tolist()
        b = m.bias.detach().to(torch.float64).tolist()
        for row, bias in zip(w, b):
            values.extend(row)
            values.append(bias)
    bad = [v for v in values if v - v != 0.0]
    if bad:
        raise ValueError(f"MLP.from_torch: the Sequential holds non-finite weights ({bad[0]})")
    return values
