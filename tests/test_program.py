"""Programs: networks typed as a list of equations, in the library and the command."""

import math
import subprocess
import sys

import pytest

from autograd_lite import explain, gradients, topo_order
from autograd_lite.formula import ExprError, read_program

NET = "z = w*x + b\na = sigmoid(z)\nC = 0.5*(a - y)^2"
AT = {"w": 0.7, "x": 1.3, "b": -0.2, "y": 0.9}


def test_every_named_result_is_a_labelled_node_in_order():
    prog = read_program(NET, variables=list(AT))
    run = prog.evaluate(AT)
    assert prog.results == ["z", "a", "C"] and prog.output == "C"
    assert [run.nodes[n].label for n in ("z", "a", "C")] == ["z", "a", "C"]
    z = 0.7 * 1.3 - 0.2
    a = 1 / (1 + math.exp(-z))
    assert run.output.data == pytest.approx(0.5 * (a - 0.9) ** 2, rel=1e-15)


def test_semicolons_and_new_lines_separate_statements_alike():
    one = read_program(NET.replace("\n", "; "), variables=list(AT)).evaluate(AT)
    two = read_program(NET, variables=list(AT)).evaluate(AT)
    assert [v.op for v in topo_order(one.output)] == [v.op for v in topo_order(two.output)]
    assert one.output.data == two.output.data


def test_named_results_appear_in_path_tables():
    run = read_program(NET, variables=list(AT)).evaluate(AT)
    table = str(explain(run.output, run.nodes["w"]))
    assert "z → a" in table and "a → " in table


def test_gradient_with_respect_to_a_named_result_is_delta():
    run = read_program(NET, variables=list(AT)).evaluate(AT)
    a = run.nodes["a"].data
    (dz,) = gradients(run.output, [run.nodes["z"]])
    assert dz == pytest.approx((a - 0.9) * a * (1 - a), rel=1e-12)


def test_variables_are_found_when_not_given():
    assert read_program(NET).variables == ["w", "x", "b", "y"]


def test_tuple_assignment_of_softmax_gives_one_node_per_name():
    run = read_program("p1, p2, p3 = softmax(x1, x2, x3); L = -log(p2)").evaluate(
        {"x1": 0.5, "x2": -1.0, "x3": 2.0}
    )
    e = [math.exp(v) for v in (0.5, -1.0, 2.0)]
    assert [run.nodes[f"p{k}"].data for k in (1, 2, 3)] == pytest.approx([v / sum(e) for v in e])
    assert [run.nodes[f"p{k}"].label for k in (1, 2, 3)] == ["p1", "p2", "p3"]


def test_definitions_may_be_part_of_the_program():
    run = read_program("s(t) = 1/(1+exp(-t)); a = s(x*w)").evaluate({"x": 2.0, "w": 0.5})
    assert run.output.data == pytest.approx(1 / (1 + math.exp(-1.0)), rel=1e-15)


@pytest.mark.parametrize(
    "text, words",
    [
        ("a = x; a = x*2", "a is defined twice"),
        ("b = a*2; a = x", "statement 1 uses a before the statement that defines it"),
        ("x*2; a = x", "has no name"),
        ("p1, p2 = x*2", "several names need a function with several results"),
        ("p1, p2 = softmax(x, y, z)", "3 result(s), but 2 name(s)"),
        ("p = softmax(x, y)", "gives several results; name each of them"),
        ("exp = x*2", "exp is a function"),
        ("a = ", "there is nothing after '='"),
        ("a = x +* 2", "statement 1"),
        ("", "the program is empty"),
    ],
)
def test_mistakes_in_a_program_are_named_with_their_statement(text, words):
    with pytest.raises(ExprError) as info:
        read_program(text)
    assert words in str(info.value)


def test_a_result_named_like_a_given_variable_is_refused():
    with pytest.raises(ExprError, match="computes x, which is also given a value"):
        read_program("x = w*2", variables=["x", "w"])


def test_an_error_points_at_the_place_in_the_statement():
    with pytest.raises(ExprError) as info:
        read_program("z = w*x; a = sigmoid(z) + q", variables=["w", "x"])
    assert info.value.text == "a = sigmoid(z) + q"
    assert info.value.text[info.value.start] == "q"


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.mark.slow  # a new interpreter per run; CI runs it
def test_command_reads_statements_from_a_file(tmp_path):
    f = tmp_path / "net.txt"
    f.write_text(NET + "\n", encoding="utf-8")
    at = ",".join(f"{k}={v}" for k, v in AT.items())
    result = run_cli("grad", "--file", str(f), "--at", at, "--wrt", "z,w")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("C = ") and lines[1].startswith("∂C/∂z = ")


@pytest.mark.slow  # a new interpreter per run; CI runs it
def test_command_prints_the_jacobian_of_several_outputs():
    result = run_cli("grad", "p1, p2 = softmax(u, v)", "--at", "u=1,v=2", "--of", "p1,p2")
    assert result.returncode == 0, result.stderr
    # the table writes the true minus (−); Python's float() reads only the hyphen
    rows = [ln.replace("\u2212", "-").split() for ln in result.stdout.splitlines()[2:]]
    p1 = 1 / (1 + math.e)
    assert [r[0] for r in rows] == ["p1", "p2"]
    assert float(rows[0][2]) == pytest.approx(p1 * (1 - p1), rel=1e-10)
    assert float(rows[0][3]) == pytest.approx(-p1 * (1 - p1), rel=1e-10)


@pytest.mark.slow  # a new interpreter per run; CI runs it
def test_command_check_may_use_named_results():
    at = ",".join(f"{k}={v}" for k, v in AT.items())
    result = run_cli("grad", NET, "--at", at, "--wrt", "w", "--check", "(a - y)*a*(1-a)*x")
    assert result.returncode == 0, result.stderr
    assert "Your formula is right: it equals ∂C/∂w" in result.stdout


@pytest.mark.slow  # a new interpreter per run; CI runs it
def test_command_refuses_both_expr_and_file(tmp_path):
    f = tmp_path / "net.txt"
    f.write_text("y = x", encoding="utf-8")
    result = run_cli("grad", "x", "--file", str(f), "--at", "x=1")
    assert result.returncode == 2 and "either EXPR or --file" in result.stderr
