"""Forgiving input, helpful errors and the functions of several arguments."""

import math

import pytest

from autograd_lite import Value, gradients
from autograd_lite.engine import topo_order
from autograd_lite.formula.functions import FUNCTIONS, MULTI_FUNCTIONS
from autograd_lite.formula.reader import ExprError, define, evaluate, parse

VALUES = {"x": 0.7, "y": -1.3, "a": 2.0, "b": -0.5, "c": 1.5, "d": 0.25, "w2": 0.9}


def graph(text, values=VALUES, definitions=None):
    """Each node of the graph in topological order: op, value, label, parents' positions."""
    root = evaluate(text, values, definitions=definitions)
    order = topo_order(root)
    pos = {id(n): i for i, n in enumerate(order)}
    return [(n.op, n.data, n.label, [pos[id(p)] for p in n.parents]) for n in order]


def error_of(text, values=VALUES, definitions=None):
    with pytest.raises(ExprError) as info:
        evaluate(text, values, definitions=definitions)
    return info.value


@pytest.mark.parametrize(
    "typed, plain",
    [
        ("x \u2212 y", "x - y"),  # minus sign
        ("x \u2013 y", "x - y"),  # en dash
        ("\u2212x", "-x"),
        ("x·y", "x*y"),
        ("x×y", "x*y"),
        ("x⋅y", "x*y"),
        ("x∙y", "x*y"),
        ("x∗y", "x*y"),
        ("x÷y", "x/y"),
        ("x²", "x**2"),
        ("x³ + y", "x**3 + y"),
        ("x⁻¹", "x**(-1)"),
        ("(x+1)²", "(x+1)**2"),
        ("2x²", "2*x**2"),
        ("√a", "sqrt(a)"),
        ("√2", "sqrt(2)"),
        ("√(a+1)", "sqrt(a+1)"),
        ("√√a", "sqrt(sqrt(a))"),
        ("2√a", "2*sqrt(a)"),
        ("√exp(x)", "sqrt(exp(x))"),
        ("√|y|", "sqrt(abs(y))"),
        ("|y|", "abs(y)"),
        ("|a|*|b|", "abs(a)*abs(b)"),
        ("|a||b|", "abs(a)*abs(b)"),
        ("|x - |y||", "abs(x - abs(y))"),
        ("||x| - |y||", "abs(abs(x) - abs(y))"),
        ("2x", "2*x"),
        ("2 x", "2*x"),
        ("2(x+1)", "2*(x+1)"),
        ("(a+b)(c+d)", "(a+b)*(c+d)"),
        ("(x+1)w2", "(x+1)*w2"),
        ("x(1-x)", "x*(1-x)"),
        ("x (1-x)", "x*(1-x)"),
        ("x²y", "x**2*y"),
        ("2exp(x)", "2*exp(x)"),
        ("1e-3x", "1e-3*x"),
        ("2.5e+3", "2500.0"),
        ("2e", "2*e"),
        ("-x^2", "-x**2"),
        ("a·b − c÷d + √(x²)", "a*b - c/d + sqrt(x**2)"),
    ],
)
def test_forgiving_form_gives_the_same_graph_as_the_plain_one(typed, plain):
    assert graph(typed) == graph(plain)


def test_product_with_a_parameter_in_a_definition():
    defs = define(["f(t)=t(1-t)", "g(t)=t*(1-t)"])
    assert graph("f(x)", definitions=defs) == graph("g(x)", definitions=defs)


def test_a_function_followed_by_a_bracket_is_still_a_call():
    defs = define(["s(t)=sigmoid(t)"])
    assert graph("s(x)", definitions=defs) == graph("sigmoid(x)")


def test_numbers_stay_numbers():
    assert evaluate("1e-3", {}).data == 0.001
    assert evaluate("2.5e+3", {}).data == 2500.0
    assert evaluate("2e", {}).data == 2 * math.e


def test_a_number_with_a_true_minus_in_its_exponent_is_a_number():
    # the tables and the pages print 1e−07 (U+2212): pasted back, it reads as printed
    assert evaluate("1e\u22123", {}).data == 0.001
    assert evaluate("\u22122.5e\u221207·x", VALUES).data == -2.5e-7 * 0.7
    assert evaluate("1E\u20133", {}).data == 0.001  # an en dash, as a minus elsewhere
    assert evaluate("2e\u2212x", VALUES).data == 2 * math.e - 0.7  # no digit: e, then minus
    err = error_of("1e\u22123 + log(y)")
    assert (err.start, err.end) == (7, 13)  # log(y): the columns typed, one for one


def test_a_trace_tables_numbers_column_reads_back_as_its_value():
    from autograd_lite.teach.traces import function_traces

    t = function_traces(lambda a, b: ((a - b) * -2.0).cos() * 1e-7, (1.0, 3.0), fmt=".17g")
    rows = [r for r in t.adjoint.rows + t.tangent.rows + t.evaluation.rows if r.numbers]
    assert any("\u2212" in r.numbers for r in rows)
    for r in rows:
        if "(" not in r.numbers.replace("(\u2212", ""):  # a call such as cos(4): not a number
            assert evaluate(r.numbers, {}).data == pytest.approx(r.value, rel=1e-15), r.numbers


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2x + log(y − 5)", 5, 15),  # after an inserted '*' and a folded minus
        ("√x² + log(y)", 6, 12),  # after a root and a superscript
        ("|x|·|y| + log(y)", 10, 16),  # after bars and a product sign
    ],
)
def test_errors_point_at_the_typed_columns(text, start, end):
    err = error_of(text)
    assert (err.start, err.end) == (start, end)
    assert str(err).splitlines()[-2:] == ["  " + text, "  " + " " * start + "^" * (end - start)]


def test_unknown_function_after_forgiving_forms_is_pointed_at():
    err = error_of("√x · foo(x)")
    assert (err.start, err.end) == (5, 8) and "unknown function 'foo'" in err.reason


@pytest.mark.parametrize(
    "text, words",
    [
        ("|x", "this | is never closed"),
        ("(|x)|", "not closed before the bracket"),
        ("√", "√ needs what it takes the root of"),
        ("√-x", "√ needs what it takes the root of"),
        ("x 2", "cannot read"),
        (
            "1/2x",
            "'1/2x' can be read two ways: write 1/(2*x) if the whole product is meant, or 1/2*x",
        ),
        ("e^2x", "write e^(2*x)"),
        ("x^2y", "write x^(2*y)"),
        ("a/(b)(c)", "write a/((b)*(c))"),
    ],
)
def test_unclear_forms_are_refused_with_what_to_write(text, words):
    assert words in error_of(text).reason


# --- helpful errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, suggestion",
    [
        ("sigma(x)", "did you mean sigmoid?"),
        ("logistic(x)", "did you mean sigmoid?"),
        ("sigmoidd(x)", "did you mean sigmoid?"),
        ("tahn(x)", "did you mean tanh?"),
    ],
)
def test_misspelt_function_gets_a_suggestion(text, suggestion):
    assert suggestion in error_of(text).reason


def test_misspelt_user_function_gets_a_suggestion():
    defs = define(["sig2(t)=sigmoid(t)"])
    assert "did you mean sig2?" in error_of("sgi2(x)", definitions=defs).reason


def test_misspelt_variable_gets_the_nearest_variable():
    err = error_of("w_11 * x", {"w_12": 1.0, "x": 2.0, "b": 0.0})
    assert "unknown variable 'w_11': did you mean w_12?" in err.reason


def test_function_used_as_a_variable_name_gets_the_function():
    err = error_of("sigma * x", {"x": 1.0, "y": 2.0})
    assert "did you mean the function sigmoid, as in sigmoid(x)?" in err.reason


def test_misspelt_parameter_in_a_definition_gets_the_parameter():
    with pytest.raises(ExprError, match="did you mean weight"):
        define(["f(weight)=2*wieght"])


@pytest.mark.parametrize(
    "text, values, product",
    [
        ("Iw_1", {"I": 1.0, "w_1": 2.0}, "I*w_1"),
        ("w1x + 1", {"w1": 1.0, "x": 2.0}, "w1*x"),
        ("2Iw_1", {"I": 1.0, "w_1": 2.0}, "I*w_1"),
    ],
)
def test_name_that_splits_into_variables_is_refused_with_the_product(text, values, product):
    err = error_of(text, values)
    assert f"write {product}" in err.reason and "reads as one name" in err.reason


def test_name_that_splits_two_ways_names_both_and_picks_neither():
    err = error_of("abc", {"a": 1.0, "bc": 2.0, "ab": 3.0, "c": 4.0})
    assert "write a*bc or ab*c" in err.reason


def test_variable_before_a_bracket_is_a_product_not_a_call():
    assert evaluate("x(1-x)", {"x": 0.25}).data == pytest.approx(0.1875)


@pytest.mark.parametrize("values", [{"y": 1.0}, None])
def test_x_before_a_bracket_never_suggests_defining_a_function_x(values):
    with pytest.raises(ExprError) as info:
        parse("x(1-x)", variables=None if values is None else list(values))
    reason = info.value.reason
    assert "write x*(...)" in reason
    assert "x(x)" not in reason and "define x" not in reason and '"x(' not in reason


@pytest.mark.parametrize(
    "text, words, start",
    [
        (
            "s'(x)",
            "write the derivative of s out, or define it with --define, e.g. ds(x)=..., "
            "and write ds(x)",
            0,
        ),
        ("s′(x)", "is a derivative", 0),
        ("2*s' (x)", "is a derivative", 2),
        ("sigmoid''(x)", "is a derivative", 0),
    ],
)
def test_derivative_typed_with_a_prime_is_explained(text, words, start):
    err = error_of(text)
    assert words in err.reason and "strings" not in err.reason
    assert err.start == start


SIG = 1 / (1 + math.exp(-0.7))


@pytest.mark.parametrize(
    "text, value",
    [
        ("sigmoid'(x)", SIG * (1 - SIG)),
        ("σ'(x)", SIG * (1 - SIG)),
        ("σ′(x)", SIG * (1 - SIG)),
        ("sigma'(x)", SIG * (1 - SIG)),
        ("Sigmoid'(x)", SIG * (1 - SIG)),
        ("tanh'(x)", 1 - math.tanh(0.7) ** 2),
        ("exp'(x)", math.exp(0.7)),
        ("log'(x)", 1 / 0.7),
        ("ln'(x)", 1 / 0.7),
        ("relu'(x)", 1.0),
        ("ReLU'(x)", 1.0),
        ("relu'(-x)", 0.0),
        ("2σ'(x)x", 2 * SIG * (1 - SIG) * 0.7),
        # every library function of one argument, its derivative from the ops table's rules
        ("sqrt'(x)", 1 / (2 * math.sqrt(0.7))),
        ("sin'(x)", math.cos(0.7)),
        ("cos'(x)", -math.sin(0.7)),
        ("log1p'(x)", 1 / 1.7),
        ("log2'(x)", 1 / (0.7 * math.log(2))),
        ("abs'(-x)", -1.0),
    ],
)
def test_a_derivative_as_the_reports_print_it_is_read_back(text, value):
    assert evaluate(text, {"x": 0.7}).data == pytest.approx(value, rel=1e-14)


def test_relu_prime_at_its_kink_is_0_as_in_the_ops_table():
    assert evaluate("relu'(x)", {"x": 0.0}).data == 0.0


def test_derivative_in_a_definition_is_read():
    defs = define(["f(t)=sigmoid'(t)"])
    assert evaluate("f(x)", {"x": 0.7}, definitions=defs).data == pytest.approx(SIG * (1 - SIG))


@pytest.mark.parametrize(
    "text, value",
    [
        ("ReLU(x)", 0.7),
        ("Sigmoid(x)", SIG),
        ("TANH(x)", math.tanh(0.7)),
        ("Exp(x)", math.exp(0.7)),
    ],
)
def test_function_names_are_read_in_any_case(text, value):
    assert evaluate(text, {"x": 0.7}).data == pytest.approx(value, rel=1e-15)


def test_softmax_in_capitals_is_softmax():
    from autograd_lite.formula import read_program

    run = read_program("p1, p2 = Softmax(a, b); L = -log(p1)").evaluate({"a": 0.0, "b": 0.0})
    assert run.nodes["p1"].data == pytest.approx(0.5)


@pytest.mark.parametrize(
    "text, name",
    [
        ("w_{11}*x", "w_11"),
        ("a^{2}_{1}*x", "a2_1"),
        ("w^{2}_{11}*x", "w2_11"),
        ("w^2_{11}*x", "w2_11"),
        ("a^{3}_{j}*x", "a3_j"),
        ("W[1,2]*x", "W_12"),
        ("W[ 2, 1 ]*x", "W_21"),
    ],
)
def test_latex_indices_are_read_as_plain_names(text, name):
    # and a matrix's entry, W[1,2], as the name W_12
    assert parse(text).variables == [name, "x"]
    assert evaluate(text, {name: 1.5, "x": 2.0}).data == 3.0


@pytest.mark.parametrize(
    "text, value",
    [
        (r"\sigma(x)", SIG),
        (r"2 \cdot x", 1.4),
        (r"2 \times x", 1.4),
        (r"\tanh(x)", math.tanh(0.7)),
        ("x^{2}", 0.49),
        (r"\frac{1}{2}(x-1)^2", 0.045),
        (r"2\frac{x}{4}", 0.35),
        (r"\frac{x+1}{x^{2}}", 1.7 / 0.49),
        (r"\frac{\frac{x}{2}}{2}", 0.175),
    ],
)
def test_latex_words_that_are_unambiguous_are_read(text, value):
    assert evaluate(text, {"x": 0.7}).data == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("values", [None, ["z"]])
def test_capital_sigma_is_a_sum_never_sigmoid(values):
    with pytest.raises(ExprError) as info:
        parse("Σ(z)", variables=values)
    assert "Σ is a sum" in info.value.reason and "sigmoid" not in info.value.reason


@pytest.mark.parametrize("values", [None, ["z"]])
def test_a_symbol_of_ones_own_is_to_be_defined(values):
    with pytest.raises(ExprError) as info:
        parse("φ(z)", variables=values)
    assert 'define it with --define "φ(x)=..."' in info.value.reason


def test_a_symbol_of_ones_own_defined_is_read():
    defs = define(["φ(t)=tanh(t)"])
    assert evaluate("φ(z)", {"z": 0.7}, definitions=defs).data == pytest.approx(math.tanh(0.7))


# --- functions of several arguments ------------------------------------------------------


def numeric_gradient(text, values, name, h=1e-6):
    up = dict(values, **{name: values[name] + h})
    down = dict(values, **{name: values[name] - h})
    return (evaluate(text, up).data - evaluate(text, down).data) / (2 * h)


@pytest.mark.parametrize(
    "text, values",
    [
        ("max(x, y)", {"x": 0.3, "y": -1.2}),
        ("max(x, y)", {"x": -0.3, "y": 1.2}),
        ("max(x, y, z)", {"x": 0.3, "y": 2.2, "z": -1.0}),
        ("min(x, y)", {"x": 0.3, "y": -1.2}),
        ("min(x, y, z)", {"x": 0.3, "y": 2.2, "z": -1.0}),
        ("logsumexp(x)", {"x": 0.3}),
        ("logsumexp(x, y, z)", {"x": 0.3, "y": 2.2, "z": -1.0}),
        ("log2(x)", {"x": 0.3}),
        ("log10(x)", {"x": 7.0}),
        ("max(x*y, y^2) + min(x, 1)", {"x": 0.4, "y": -0.9}),
    ],
)
def test_function_gradient_agrees_with_finite_differences(text, values):
    f = parse(text, variables=list(values))
    out = f.evaluate(values)
    grads = gradients(out, [f.leaves[n] for n in values])
    for name, g in zip(values, grads):
        assert g == pytest.approx(numeric_gradient(text, values, name), rel=1e-6, abs=1e-9)


def test_max_and_min_are_exactly_the_chosen_argument():
    # a + (b - a) is not always b: -1e20 + (1 + 1e20) is 0
    for big in [-1e20, 1e20]:
        assert evaluate("max(x, y)", {"x": big, "y": 1.0}).data == max(big, 1.0)
        assert evaluate("max(x, y)", {"x": 1.0, "y": big}).data == max(big, 1.0)
        assert evaluate("min(x, y)", {"x": big, "y": 1.0}).data == min(big, 1.0)
        assert evaluate("min(x, y)", {"x": 1.0, "y": big}).data == min(big, 1.0)
    assert evaluate("max(x, y, z)", {"x": 0.1, "y": 0.3, "z": 0.2}).data == 0.3


@pytest.mark.parametrize("name", ["max", "min"])
def test_tie_of_one_variable_with_itself_has_gradient_one(name):
    f = parse(f"{name}(a, a)", variables=["a"])
    out = f.evaluate({"a": 0.5})
    assert out.data == 0.5 and gradients(out, [f.leaves["a"]]) == [1.0]


@pytest.mark.parametrize("name", ["max", "min"])
def test_tie_of_two_variables_gives_the_gradient_to_the_first(name):
    f = parse(f"{name}(a, b)", variables=["a", "b"])
    out = f.evaluate({"a": 0.5, "b": 0.5})
    assert gradients(out, [f.leaves["a"], f.leaves["b"]]) == [1.0, 0.0]


def test_logsumexp_is_stable_for_large_values():
    assert evaluate("logsumexp(x, y)", {"x": 1000.0, "y": 1000.0}).data == pytest.approx(
        1000.0 + math.log(2.0), rel=1e-15
    )
    assert evaluate("logsumexp(x, y)", {"x": -1000.0, "y": -1000.0}).data == pytest.approx(
        -1000.0 + math.log(2.0), rel=1e-15
    )


def test_logsumexp_gradient_is_the_softmax():
    f = parse("logsumexp(x, y, z)", variables=["x", "y", "z"])
    values = {"x": 1.0, "y": 2.0, "z": 3.0}
    out = f.evaluate(values)
    total = sum(math.exp(v) for v in values.values())
    expected = [math.exp(v) / total for v in values.values()]
    assert gradients(out, list(f.leaves.values())) == pytest.approx(expected, rel=1e-12)


def test_softmax_values_and_jacobian_match_the_closed_form():
    xs = [Value(1.0, label="x1"), Value(-0.5, label="x2"), Value(800.0, label="x3")]
    ps = MULTI_FUNCTIONS["softmax"](*xs)
    m = max(x.data for x in xs)
    total = sum(math.exp(x.data - m) for x in xs)
    expected = [math.exp(x.data - m) / total for x in xs]
    assert [p.data for p in ps] == pytest.approx(expected, rel=1e-12, abs=1e-300)
    for i, p in enumerate(ps):
        jac = gradients(p, xs)
        closed = [expected[i] * ((i == j) - expected[j]) for j in range(3)]
        assert jac == pytest.approx(closed, rel=1e-9, abs=1e-300)


def test_softmax_inside_an_expression_is_refused_with_the_statement_to_write():
    err = error_of("softmax(x1, x2, x3) + 1", {"x1": 1.0, "x2": 2.0, "x3": 3.0})
    assert "write it as a statement of its own, p1, p2, p3 = softmax(x1, x2, x3)" in err.reason
    assert (err.start, err.end) == (0, 19)


@pytest.mark.parametrize(
    "text, words",
    [
        ("max(x)", "max takes 2 or more arguments, got 1"),
        ("min(x)", "min takes 2 or more arguments, got 1"),
        ("logsumexp()", "logsumexp takes 1 or more arguments, got 0"),
        ("log2(x, y)", "log2 takes 1 argument, got 2"),
        ("max", "max is a function: call it with an argument, max(a, b)"),
    ],
)
def test_argument_counts_are_checked(text, words):
    assert words in error_of(text).reason


def test_function_table_takes_arguments_positionally():
    args = [Value(0.5), Value(-2.0), Value(1.5)]
    assert FUNCTIONS["max"](*args).data == 1.5
    assert FUNCTIONS["min"](*args).data == -2.0
    assert FUNCTIONS["log2"](Value(8.0)).data == pytest.approx(3.0, rel=1e-15)


# --- what learners type, read as they mean it ---------------------------------------------


@pytest.mark.parametrize(
    "text, words, start, end",
    [
        (
            "w^2_11*x",
            "w^2_11 reads as w to the power 211: an underscore in a number is a digit "
            "separator; for Nielsen's w²₁₁ write the name w2_11",
            2,
            6,
        ),
        ("z = a^3_1 + 1", "for Nielsen's a³₁ write the name a3_1", 6, 9),
        ("z^2_1", "z^2_1 reads as z to the power 21", 2, 5),
        ("w**2_11", "w**2_11 reads as w to the power 211", 3, 7),
        ("2^1_0", "2^1_0 reads as 2 to the power 10: an underscore in a number", 2, 5),
        ("1_000*x", "1_000 reads as the number 1000: an underscore in a number", 0, 5),
    ],
)
def test_underscore_in_a_number_is_refused_and_explained(text, words, start, end):
    with pytest.raises(ExprError) as info:
        parse(text, variables=["w", "x", "a", "z"], allow_name=True)
    err = info.value
    assert words in err.reason
    assert (err.start, err.end) == (start, end)


def test_sigma_letter_is_the_sigmoid_function():
    assert graph("σ(x) + 1") == graph("sigmoid(x) + 1")
    assert graph("2σ(x)") == graph("2*sigmoid(x)")


def test_sigma_letter_defined_by_the_learner_is_their_function():
    defs = define(["σ(t)=2*t"])
    assert evaluate("σ(x)", VALUES, definitions=defs).data == 2 * VALUES["x"]


def test_sigma_letter_given_a_value_is_a_variable():
    assert evaluate("σ(x+1)", {"σ": 2.0, "x": 1.0}).data == 4.0


@pytest.mark.parametrize(
    "typed, plain",
    [
        ("1 − tanh²(x)", "1 - tanh(x)**2"),
        ("tanh³(x)", "tanh(x)**3"),
        ("tanh^2(x)", "tanh(x)**2"),
        ("1 - tanh^2 (a*x)", "1 - tanh(a*x)**2"),
        ("σ²(x)", "sigmoid(x)**2"),
        ("tanh²(x)y", "tanh(x)**2*y"),
        ("2tanh²(x)", "2*tanh(x)**2"),
        ("√tanh²(x)", "sqrt(tanh(x)**2)"),
        ("tanh²(sin²(x))", "tanh(sin(x)**2)**2"),
        ("x²(1-x)", "x**2*(1-x)"),  # x is a variable: a product, as before
    ],
)
def test_power_of_a_function_is_the_power_of_its_value(typed, plain):
    assert graph(typed) == graph(plain)


def test_power_of_a_user_function_is_the_power_of_its_value():
    defs = define(["f(t)=t+1", "g(t)=f²(t)"])
    assert graph("f²(x)", definitions=defs) == graph("f(x)^2", definitions=defs)
    assert evaluate("g(x)", VALUES, definitions=defs).data == pytest.approx(1.7**2)


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("tanh²(a, b)", 0, 11),  # the whole call, though the power was typed inside it
        ("tanh²(x) + log(y − 5)", 11, 21),
        ("tanh^2(x) + log(y − 5)", 12, 22),
    ],
)
def test_errors_after_a_power_of_a_function_point_at_the_typed_columns(text, start, end):
    err = error_of(text)
    assert (err.start, err.end) == (start, end)


def test_inverse_function_notation_is_refused_with_what_to_write():
    reason = error_of("tanh⁻¹(x)").reason
    assert "the inverse function of tanh" in reason and "write tanh(x)^-1" in reason


@pytest.mark.parametrize(
    "text, words",
    [
        ("1/tanh²(x)y", "write 1/(tanh²(x)*y) if the whole product is meant, or 1/tanh²(x)*y"),
        ("e^tanh²(x)y", "write e^(tanh²(x)*y) if the whole product is meant"),
    ],
)
def test_unclear_product_after_a_power_of_a_function_shows_both_readings(text, words):
    assert words in error_of(text).reason


def test_a_power_typed_with_a_caret_before_the_bracket_is_not_unclear():
    assert graph("tanh^2(x)(y)") == graph("tanh(x)**2*(y)")


@pytest.mark.parametrize(
    "typed, plain",
    [
        ("½(a − y)²", "(1/2)*(a - y)**2"),
        ("½x", "(1/2)*x"),
        ("⅓ + ¼ + ¾ + ⅔", "(1/3) + (1/4) + (3/4) + (2/3)"),
        ("1⁄2", "1/2"),
        ("x⁄(a+1)", "x/(a+1)"),
        ("√½", "sqrt(1/2)"),
    ],
)
def test_vulgar_fractions_and_the_fraction_slash_are_numbers_and_division(typed, plain):
    assert graph(typed) == graph(plain)


def test_product_after_a_fraction_slash_is_unclear_as_after_a_slash():
    assert "write 1⁄(2*x)" in error_of("1⁄2x").reason


SUBSCRIPTED = {"w1": 0.5, "w12": -0.25, "x": 0.7, "x1": 2.0, "a": 2.0}


@pytest.mark.parametrize(
    "typed, plain",
    [
        ("w₁", "w1"),
        ("w₁₂ + x₁", "w12 + x1"),
        ("w₁x", "w1*x"),  # a subscript ends the name: a letter after it starts another
        ("w₁x₁", "w1*x1"),
        ("2w₁(x+1)", "2*w1*(x+1)"),
        ("x⁴", "x**4"),
        ("a⁵ + x¹⁰", "a**5 + x**10"),
        ("3⁴", "3**4"),
    ],
)
def test_subscript_digits_are_part_of_names_and_superscripts_are_powers(typed, plain):
    assert graph(typed, SUBSCRIPTED) == graph(plain, SUBSCRIPTED)


@pytest.mark.parametrize(
    "text, words, start",
    [
        ("w²₁₁", "for Nielsen's w²₁₁ write the name w2_11", 0),
        ("w²_11", "for Nielsen's w²₁₁ write the name w2_11", 0),
        ("x + ₁", "a subscript digit belongs right after a name, as in x₁", 4),
    ],
)
def test_nielsen_superscript_with_indices_is_refused_with_the_name_to_write(text, words, start):
    err = error_of(text, {"w": 1.0, "x": 1.0, "w2_11": 1.0})
    assert words in err.reason and err.start == start


@pytest.mark.parametrize(
    "typed, plain",
    [
        ("[(a-y)*a*(1-a)]*x", "((a-y)*a*(1-a))*x"),
        ("2[x+1]", "2*(x+1)"),
        ("[a+b][c+d]", "(a+b)*(c+d)"),
        ("exp([x+1]*2)", "exp((x+1)*2)"),
        ("[x+1]²", "(x+1)**2"),
    ],
)
def test_square_brackets_group_as_parentheses(typed, plain):
    assert graph(typed) == graph(plain)


@pytest.mark.parametrize(
    "text, words, start",
    [
        ("[x+1)", "this ) closes the [ before it: close ( with ) and [ with ]", 4),
        ("(x+1]", "this ] closes the ( before it", 4),
        ("x[1]", "x[1] is not an index", 0),
        ("x[1]", "for an indexed name write x_1 or x1", 0),
        ("sigmoid[x]", "for a call write sigmoid(x)", 0),
        ("2 + x[a+1]", "for a product write x*[a+1]", 4),
    ],
)
def test_square_brackets_that_do_not_group_are_refused(text, words, start):
    err = error_of(text)
    assert words in err.reason and err.start == start


@pytest.mark.parametrize(
    "typed, plain",
    [
        ("2πx", "2*pi*x"),
        ("π", "pi"),
        ("πa²", "pi*a**2"),
        ("xπ", "x*pi"),
        ("π(x+1)", "pi*(x+1)"),
        ("sin(2π x)", "sin(2*pi*x)"),
    ],
)
def test_pi_letter_is_the_constant_pi(typed, plain):
    assert graph(typed) == graph(plain)


@pytest.mark.parametrize(
    "text, values, suggestion",
    [
        ("X + y", {"x": 1.0, "y": 2.0}, "unknown variable 'X': did you mean x?"),
        ("X1", {"x1": 1.0, "X2": 2.0}, "did you mean x1?"),  # the same letters, not X2
        ("W_11*x", {"w_11": 1.0, "w_12": 2.0, "x": 1.0}, "did you mean w_11 or w_12?"),
        ("SIGMOIDD(x)", {"x": 1.0}, "did you mean sigmoid?"),
        ("Sigma * x", {"x": 1.0}, "did you mean the function sigmoid"),
    ],
)
def test_suggestions_ignore_case(text, values, suggestion):
    assert suggestion in error_of(text, values).reason


@pytest.mark.parametrize(
    "text, words",
    [
        ("sech(x)^2", "sech is not built in: sech(x)^2 = 1 - tanh(x)^2, so write 1-tanh(x)^2"),
        ("1 + sech²(a*x)", "so write 1-tanh(a*x)^2"),
        ("sech(x)", "sech(x) itself is 2/(exp(x)+exp(-x))"),
        ("cosh(x+1)", "cosh is not built in: write (exp(x+1)+exp(-(x+1)))/2 for cosh(x+1)"),
        ("softplus(x)", "softplus is not built in: write log(1+exp(x)) for softplus(x)"),
        ("sech * x", "sech is not built in"),
    ],
)
def test_function_that_is_not_built_in_is_written_out(text, words):
    assert words in error_of(text).reason


def test_function_that_is_not_built_in_can_still_be_defined():
    defs = define(["sech(t)=2/(exp(t)+exp(-t))"])
    assert evaluate("sech(0)", {}, definitions=defs).data == 1.0


@pytest.mark.parametrize("text, number", [("2½", "2"), ("x + 3 ¼", "3")])
def test_number_before_a_fraction_is_refused_with_both_readings(text, number):
    err = error_of(text)
    fraction = text[-1]
    assert f"write {number} + {fraction} for the mixed number, or {number}*{fraction}" in err.reason
    assert err.start == text.index(number)


def test_log_softmax_is_the_log_of_softmax_without_rounding_to_minus_inf():
    from autograd_lite.formula import read_program

    run = read_program("l1, l2 = logsoftmax(a, b); L = -l1").evaluate({"a": 0.0, "b": 800.0})
    assert run.nodes["l1"].data == pytest.approx(-800.0)
    run = read_program("l1, l2 = log_softmax(a, b); L = -l1")


def test_an_unknown_symbol_used_as_a_value_is_to_be_given_or_defined():
    with pytest.raises(ExprError) as info:
        parse("φ*x", variables=["x"])
    assert 'define it with --define "φ(x)=..."' in info.value.reason
    with pytest.raises(ExprError) as info:
        parse("Σ*x", variables=["x"])
    assert "Σ is a sum" in info.value.reason and "sigmoid" not in info.value.reason


@pytest.mark.parametrize("text", [r"\frac{x}", r"\frac{x}{2", "{x}", r"\frac{x}{2}}"])
def test_a_fraction_not_closed_or_a_stray_brace_is_refused(text):
    with pytest.raises(ExprError):
        parse(text, variables=["x"])
