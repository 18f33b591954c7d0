"""Names of nodes: Nielsen's labels, and the ids of unlabelled nodes.

Layers are numbered from 1, the input layer; neurons and inputs from 1. A model labels

* ``w^l_jk``: the weight into neuron j of layer l from neuron k of layer l-1 (``w^2_11``);
  when the layer has more than 9 neurons or inputs, ``w^l_j,k`` in the whole layer;
* ``b^l_j``, ``z^l_j``, ``a^l_j``: bias, weighted input and activation of neuron j;
  network inputs are ``a^1_k``.

:func:`weight_label` and :func:`neuron_label` write them (used by :mod:`autograd_lite.nn`);
:func:`parse_nielsen` reads them (used by the backprop equations and by drawings).

A node without a label is called by its id, ``n`` and its index in the topological order of
the root (:func:`node_id`): the path tables of :mod:`autograd_lite.teach.explain`, the stepper's
text and the drawings of :mod:`viz` all use :func:`node_names`, so ``n12`` is the same node
in each of them.

Example:
    >>> weight_label(2, 1, 12, comma=True), neuron_label("z", 3, 1)
    ('w^2_1,12', 'z^3_1')
    >>> parse_nielsen("w^2_1,12"), parse_nielsen("a^1_2")
    (('w', 2, 1, 12), ('a', 1, 2, None))
    >>> parse_nielsen("w^2_1,2,3") is None    # not a Nielsen label: three indices
    True
    >>> node_id(12)
    'n12'
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "MINUS",
    "fmt",
    "page_number",
    "weight_label",
    "neuron_label",
    "parse_nielsen",
    "node_id",
    "node_names",
]


MINUS = "\u2212"
"""The minus sign every text for people writes (−, U+2212): numbers, formulas, tables. What a
program reads back (JSON, ``repr``) keeps Python's hyphen-minus."""


def fmt(x: float, digits: int = 12) -> str:
    """A number with ``digits`` significant digits as the reports print it: -0 shown as 0,
    every minus sign the true minus (:data:`MINUS`), as in the ops table's formulas.

    Example:
        >>> fmt(-0.5), fmt(2.5e-7, 3), fmt(-0.0)
        ('−0.5', '2.5e−07', '0')
    """
    if x == 0.0:
        return "0"
    return f"{x:.{digits}g}".replace("-", MINUS)


_SIGNIFICANT = re.compile(r"\.([0-9]+)g")


def page_number(x: float, fmt: str = ".4g") -> str:
    """A number as the pages and the trace tables print it: one format for every number, the
    true minus sign.

    With a format of significant digits such as ``".4g"`` (the default), a number keeps its
    trailing zeros (``0.5000``, as wide as ``0.7071``) and a whole number is written whole
    (``2``, ``−6``); any other format is used as it is. Every minus is U+2212 (−,
    :data:`MINUS`), as in the ops table's formulas; -0 is 0.

    Args:
        x: the number.
        fmt: a format spec for :func:`format`, such as ``".4g"``, ``".3f"`` or ``".2e"``.

    Returns:
        The text.

    Raises:
        ValueError: if ``fmt`` is not a valid format spec for a float.

    Example:
        >>> page_number(0.5, ".4g"), page_number(-6.0, ".4g"), page_number(-0.26194, ".4g")
        ('0.5000', '−6', '−0.2619')
        >>> page_number(-2.5, ".2f")
        '−2.50'
    """
    if x == 0.0:
        x = 0.0  # -0.0 (for example 0 times a negative gradient) reads as a sign error
    try:
        text = format(x, fmt)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"fmt={fmt!r} is not a number format for a float ({err}); "
            "use a format spec such as '.4g', '.3f' or '.2e'"
        ) from None
    m = _SIGNIFICANT.fullmatch(fmt)
    if m is not None and math.isfinite(x):
        digits = max(int(m[1]), 1)
        if x == int(x) and abs(x) < 10**digits:
            text = str(int(x))
        else:
            text = format(x, "#" + fmt).replace(".e", "e")
            if text.endswith("."):
                text = text[:-1]
    return text.replace("-", MINUS)


# A positive number without leading zeros: "01" would read back as 1 and name two nodes.
_N = r"[1-9][0-9]*"
_NIELSEN = re.compile(rf"(?P<kind>[wbza])\^(?P<layer>{_N})_(?P<idx>{_N}(?:,{_N})?|[0-9][0-9])")


def weight_label(layer: int, j: int, k: int, *, comma: bool) -> str:
    """The label of the weight into neuron ``j`` of ``layer`` from neuron ``k`` before it.

    Args:
        layer: the layer the weight leads into (2 or more).
        j: the neuron's position in its layer, from 1.
        k: the input's position, from 1.
        comma: separate the two indices by a comma (needed once either can exceed 9).

    Returns:
        ``"w^{layer}_{j}{k}"`` or ``"w^{layer}_{j},{k}"``.
    """
    return f"w^{layer}_{j}{',' if comma else ''}{k}"


def neuron_label(kind: str, layer: int, j: int) -> str:
    """The label of neuron ``j``'s bias, weighted input or activation.

    Args:
        kind: ``"b"``, ``"z"`` or ``"a"``.
        layer: the layer's number (1 for the inputs' ``a``).
        j: the position in the layer, from 1.

    Returns:
        ``"{kind}^{layer}_{j}"``, such as ``"z^2_1"``.
    """
    return f"{kind}^{layer}_{j}"


def parse_nielsen(label: str | None) -> tuple[str, int, int, int | None] | None:
    """Read a Nielsen label into ``(kind, layer, neuron, input)``.

    Weights ``w^l_jk`` (``w^l_j,k``) give ``('w', l, j, k)``; ``b^l_j``, ``z^l_j`` and
    ``a^l_j`` give ``(kind, l, j, None)``. Anything else, including a label that only looks
    like one, gives None rather than an error, since any text is a valid label: three
    indices (``w^2_1,2,3``), a weight with one or three digits and no comma (``w^2_1``,
    ``w^2_123``, ambiguous), an index or layer of 0 or with a leading zero, a bias with
    two indices.

    Args:
        label: a node's label, or None.

    Returns:
        The tuple, or None when the label is not in Nielsen's notation.
    """
    if not label:
        return None
    m = _NIELSEN.fullmatch(label)
    if m is None:
        return None
    kind, layer, idx = m["kind"], int(m["layer"]), m["idx"]
    if kind == "w":
        if "," in idx:
            j, k = idx.split(",")
        elif len(idx) == 2:
            j, k = idx
        else:
            return None
        if j == "0" or k == "0":
            return None
        return kind, layer, int(j), int(k)
    if "," in idx or idx.startswith("0"):
        return None
    return kind, layer, int(idx), None


def node_id(index: int) -> str:
    """The id of the node at ``index`` in a topological order: ``n0``, ``n1``, ...

    Args:
        index: the node's position in ``topo_order(root)``.

    Returns:
        ``"n{index}"``, the text drawings print in an unlabelled node.
    """
    return f"n{index}"


def node_names(order: Sequence[Any], number: Callable[[float], str] = fmt) -> dict[Any, str]:
    """Display names for the nodes of a topological order.

    A labelled node is named by its label, an unlabelled leaf (a number used as an operand)
    by its number, and an unlabelled operation by its id (:func:`node_id`), which is what a
    drawing of the same root prints in that node.

    Args:
        order: nodes as returned by ``topo_order(root)``; the ids are positions in it, so
            they name the same nodes as a drawing of that same root.
        number: how to write a leaf's number (12 significant digits by default).

    Returns:
        A dict from node to name.

    Example:
        >>> from autograd_lite import Value, topo_order
        >>> x = Value(3.0, label="x")
        >>> list(node_names(topo_order((x * 2).exp())).values())
        ['x', '2', 'n2', 'n3']
    """
    names = {}
    for i, v in enumerate(order):
        if v.label:
            names[v] = v.label
        elif not v.parents:
            names[v] = number(v.data)
        else:
            names[v] = node_id(i)
    return names
