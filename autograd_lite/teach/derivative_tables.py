"""Tables of derivatives by name: the Jacobian of several outputs and the Hessian of one.

The numbers come from the engine (:func:`autograd_lite.engine.gradients`); the Hessian
differentiates each first derivative's own graph again (``create_graph=True``). The tables
print as text, Markdown or HTML (:class:`autograd_lite.table.Table`).

Example:
    >>> from autograd_lite import Value
    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> print(hessian_table(x * x * y, {"x": x, "y": y}, name="f").text())
    Second derivatives of f (the Hessian)
    ∂²f   ∂/∂x  ∂/∂y
    ∂/∂x  6     4
    ∂/∂y  4     0
"""

from __future__ import annotations

from collections.abc import Mapping

from ..engine import Value, check_value, gradients
from ..table import Table, fmt

__all__ = ["hessian_table", "jacobian_table"]


def _checked(nodes: Mapping[str, Value], what: str) -> dict[str, Value]:
    if not isinstance(nodes, Mapping):
        raise TypeError(f"{what} must map names to Values, got {type(nodes).__name__}")
    for name, v in nodes.items():
        check_value(v, f"{what}[{name!r}]")
    return dict(nodes)


def jacobian_table(
    outputs: Mapping[str, Value], wrt: Mapping[str, Value], *, digits: int = 12
) -> Table:
    """Several outputs: each one's value, then its partial derivative by each node of ``wrt``.

    Args:
        outputs: the outputs by name, one row each.
        wrt: the nodes to differentiate by, by name, one column each.
        digits: significant digits of the numbers.

    Returns:
        The table, titled "Jacobian of" the outputs' names.

    Raises:
        TypeError: if outputs or wrt do not map names to Values.
        ValueError, ZeroDivisionError, OverflowError: where ``backward()`` would raise.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0)
        >>> print(jacobian_table({"a": x * x, "b": x + 1}, {"x": x}).text())
        Jacobian of a, b
        output  value  ∂/∂x
        a       4      4
        b       3      1
    """
    outputs = _checked(outputs, "outputs")
    wrt = _checked(wrt, "wrt")
    rows = []
    for name, root in outputs.items():
        grads = gradients(root, wrt.values())
        rows.append([name, fmt(root.data, digits), *(fmt(g, digits) for g in grads)])
    header = ["output", "value", *(f"∂/∂{t}" for t in wrt)]
    return Table(f"Jacobian of {', '.join(outputs)}", header, rows)


def hessian_table(root: Value, wrt: Mapping[str, Value], *, name: str, digits: int = 12) -> Table:
    """The second derivatives of ``root`` by each pair of nodes of ``wrt``.

    Each first derivative is built as a graph (``create_graph=True``) and differentiated
    again, so the table is exact, not a finite difference.

    Args:
        root: the output.
        wrt: the nodes to differentiate by, by name: the rows and the columns.
        name: what the title calls the output.
        digits: significant digits of the numbers.

    Returns:
        The table, titled "Second derivatives of NAME (the Hessian)".

    Raises:
        TypeError: if root is not a Value or wrt does not map names to Values.
        ValueError, ZeroDivisionError, OverflowError: where a derivative is undefined.
    """
    check_value(root, "root")
    wrt = _checked(wrt, "wrt")
    nodes = list(wrt.values())
    first = gradients(root, nodes, create_graph=True)
    rows = []
    for t, g in zip(wrt, first):
        # a first derivative that does not depend on anything is a number: its row is 0
        second = gradients(g, nodes) if isinstance(g, Value) else [0.0] * len(nodes)
        rows.append([f"∂/∂{t}", *(fmt(h, digits) for h in second)])
    header = [f"∂²{name}", *(f"∂/∂{t}" for t in wrt)]
    return Table(f"Second derivatives of {name} (the Hessian)", header, rows)
