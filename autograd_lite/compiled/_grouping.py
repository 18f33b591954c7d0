"""How a compiled loss groups its nodes: where the parameters sit, which nodes run as one
instruction, and the names its listing gives the arrays.

* :func:`layout`: the order of the parameters in the flat array, a layer's weights one
  matrix in memory;
* :func:`split_by_sources`: the members of a level's group whose operands come from the
  same arrays (one instruction each);
* :class:`Namer`: array names from the nodes' labels (``z3``, ``a2``).
"""

from __future__ import annotations

from .tracing import Trace

__all__ = ["layout", "consts_text", "split_by_sources", "Namer", "stem"]


def layout(tr: Trace, n: int) -> list[int]:
    """The order of the parameters in the flat array, as indices of the given ones.

    Weighted sums whose weights and bias are all parameters, over the same inputs (a
    layer's neurons, which become one matrix product), have their weights placed row by
    row and then their biases, each parameter where it is first met; the parameters no such
    sum uses follow in the given order. A layer's weights are then one matrix in memory,
    which the matrix products read faster than a strided view (about a fifth, at 64×64).
    """
    groups: dict[tuple, tuple[list, list]] = {}
    for i, op in enumerate(tr.ops):
        if op != "wsum":
            continue
        ps = tr.parents[i]
        k = (len(ps) - 1) // 2
        ws, xs, b = ps[:k], ps[k : 2 * k], ps[-1]
        if all(tr.kinds[p] == "param" for p in (*ws, b)):
            weights, biases = groups.setdefault(tuple(xs), ([], []))
            weights.extend(tr.slots[p] for p in ws)
            biases.append(tr.slots[b])
    order: list[int] = []
    placed = [False] * n
    for weights, biases in groups.values():
        for j in (*weights, *biases):
            if not placed[j]:
                placed[j] = True
                order.append(j)
    order.extend(j for j in range(n) if not placed[j])
    return order


def consts_text(values) -> str:
    """The first few constants, as the listing's header shows them."""
    shown = ", ".join(f"{v:g}" for v in values[:6])
    return f"[{shown}{', …' if len(values) > 6 else ''}]"


def split_by_sources(key, members, tr, loc):
    """Members of a level's group whose operands come from the same arrays, role by role."""
    groups: dict = {}
    for i in members:
        ps = tr.parents[i]
        if key[0] in ("matmul", "wsum"):
            k = key[1]
            roles = (ps[:k], ps[k : 2 * k], (ps[-1],))
            sig = tuple(tuple(sorted({loc[p][0] for p in r})) for r in roles)
        else:
            sig = tuple(loc[p][0] for p in ps)
        groups.setdefault(sig, []).append(i)
    return list(groups.values())


class Namer:
    """Names of arrays in listings, from the nodes' labels where they have a common stem."""

    def __init__(self, labels):
        self.labels = labels
        self.used = {"x", "y", "p", "k", "loss"}
        self.count = 0

    def name(self, group) -> str:
        """A name not used yet for the array of the nodes ``group``."""
        stems = {stem(self.labels[i]) for i in group}
        common = stems.pop() if len(stems) == 1 else None
        if not common:
            self.count += 1
            common = f"t{self.count}"
        name, k = common, 1
        while name in self.used:
            k += 1
            name = f"{common}_{k}"
        self.used.add(name)
        return name


def stem(label) -> str | None:
    """'z^3_1' → 'z3'; None for no label or one that is not in Nielsen's notation."""
    if not label or "^" not in label:
        return None
    letter, _, rest = label.partition("^")
    layer = rest.split("_")[0]
    return f"{letter}{layer}" if letter.isalpha() and layer.isdigit() else None
