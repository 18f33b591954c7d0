"""What a drawing of a network knows beyond the graph: which edges carry a layer's inputs,
in what order a neuron's weights stand, and the names of the squared error's parts.

A neuron's weighted input is one Σ node whose parents are ``(w_1, ..., w_n, a_1, ..., a_n,
b)`` (:func:`autograd_lite.weighted.weighted_sum`). A drawing of a network puts the inputs
``a_k`` one rank before the weights, so the inputs stand in a column of their own and a layer's
box does not share a column with the next layer's weights; it keeps each neuron's weights and
bias in their order (w₂₁, w₂₂, b₂, top to bottom); and it names the parts of the library's
squared error (:func:`autograd_lite.nn.losses.mse` builds ``d * d`` with ``d = a − y``):
the target y, a − y and (a − y)².
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from autograd_lite import Value
from autograd_lite.ops import wsum_operands

from .labels import label_html
from .latex import label_latex


def is_network(order: list[Value]) -> bool:
    """Whether the graph holds a neuron's weighted input (a Σ node)."""
    return any(v.op == "wsum" for v in order)


def input_edges(order: list[Value], index: dict[Value, int]) -> set[tuple[int, int]]:
    """The (input, Σ node) edges of every weighted input that has at least one weight: they
    are drawn two ranks long, so the inputs stand one column before the weights."""
    edges = set()
    for i, v in enumerate(order):
        if v.op != "wsum":
            continue
        edges.update((index[p], i) for p in wsum_operands(v.parents)[1])
    return edges


def weight_chains(order: list[Value], index: dict[Value, int], hidden: set) -> list[list[int]]:
    """The leaves a drawing keeps in order in their column: for each Σ node, its weights and
    bias used by it alone (w_j1, ..., w_jn, b_j), and the inputs of the network, in the
    order of the first Σ node that takes them (x₁, x₂, ...)."""
    uses = Counter(index[p] for v in order for p in v.parents)
    chains = []
    placed: set[int] = set()
    for v in order:
        if v.op != "wsum":
            continue
        ws, xs, b = wsum_operands(v.parents)
        weights = [
            index[p]
            for p in (*ws, b)
            if not p.parents and uses[index[p]] == 1 and index[p] not in hidden
        ]
        inputs = [
            index[p]
            for p in dict.fromkeys(xs)  # in order, each once
            if not p.parents and index[p] not in hidden | placed
        ]
        for chain in (weights, inputs):
            if len(chain) > 1:
                chains.append(chain)
                placed.update(chain)
    return chains


def loss_names(order: list[Value], index: dict[Value, int]) -> dict[int, LossName]:
    """Names for the unlabelled parts of a squared error ``d * d`` with ``d = a − y`` and y a
    number, as :func:`autograd_lite.nn.losses.mse` builds it: the target ``y``, ``a − y`` and
    ``(a − y)²``, with ``a`` the output's own label when it has one."""
    names: dict[int, LossName] = {}
    for i, v in enumerate(order):
        if v.op != "mul" or v.label is not None or v.parents[0] is not v.parents[1]:
            continue
        d = v.parents[0]
        if d.op != "sub" or d.label is not None:
            continue
        a, y = d.parents
        if not y.is_constant or y.label is not None or a.is_constant:
            continue
        short = a.label is not None and len(a.label) <= 12
        html, tex, plain = (
            # \mbox: a label of any characters is escaped for text, not for math
            (label_html(a.label), rf"\mbox{{{label_latex(a.label)}}}", a.label)
            if short
            else ("a", "a", "a")
        )
        names[index[y]] = LossName("y", r"\ensuremath{y}", "y")
        names[index[d]] = LossName(f"{html} − y", rf"\ensuremath{{{tex} - y}}", f"{plain} - y")
        names[i] = LossName(
            f"({html} − y)<SUP>2</SUP>", rf"\ensuremath{{({tex} - y)^{{2}}}}", f"({plain} - y)^2"
        )
    return names


class LossName(NamedTuple):
    """A name a drawing gives an unlabelled node: as Graphviz's HTML-like markup, as LaTeX
    and as plain text (to measure it)."""

    html: str
    latex: str
    plain: str
