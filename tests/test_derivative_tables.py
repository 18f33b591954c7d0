"""The Jacobian and Hessian tables by name: exact numbers against the functional API."""

import pytest

from autograd_lite import Value
from autograd_lite.functional import hessian, jacobian
from autograd_lite.teach import hessian_table, jacobian_table


def f(x1, x2):
    return x1.log() + x1 * x2 - x2.sin()


def test_hessian_table_holds_the_exact_second_derivatives():
    x1, x2 = Value(2.0), Value(5.0)
    table = hessian_table(f(x1, x2), {"x1": x1, "x2": x2}, name="f", digits=17)
    h = hessian(lambda a, b: f(a, b), argnums=(0, 1))(2.0, 5.0)
    assert table.title == "Second derivatives of f (the Hessian)"
    assert table.header == ["∂²f", "∂/∂x1", "∂/∂x2"]
    assert [[float(c.replace("−", "-")) for c in row[1:]] for row in table.rows] == [
        list(r) for r in h
    ]
    assert [row[0] for row in table.rows] == ["∂/∂x1", "∂/∂x2"]


def test_a_first_derivative_that_is_a_number_has_a_row_of_zeros():
    x, y = Value(2.0), Value(3.0)
    table = hessian_table(x * 2 + y, {"x": x, "y": y}, name="g")
    assert [row[1:] for row in table.rows] == [["0", "0"], ["0", "0"]]


def test_jacobian_table_has_a_row_per_output_with_its_value():
    x, y = Value(2.0), Value(3.0)
    table = jacobian_table({"a": x * y, "b": x + y * y}, {"x": x, "y": y})
    jac = jacobian(lambda u, v: [u * v, u + v * v], argnums=(0, 1))(2.0, 3.0)
    assert table.title == "Jacobian of a, b"
    assert table.header == ["output", "value", "∂/∂x", "∂/∂y"]
    assert table.rows == [["a", "6", "3", "2"], ["b", "11", "1", "6"]]
    assert [[float(c.replace("−", "-")) for c in row[2:]] for row in table.rows] == [
        list(r) for r in jac
    ]


def test_tables_refuse_what_is_not_a_map_of_names_to_values():
    x = Value(1.0)
    with pytest.raises(TypeError, match="wrt must map names to Values"):
        hessian_table(x * x, [x], name="f")
    with pytest.raises(TypeError, match=r"outputs\['a'\]"):
        jacobian_table({"a": 3.0}, {"x": x})
