"""The formula reader: what it accepts, what it refuses (safety suite), where it points."""

import ast
import math
import sys
from pathlib import Path

import pytest

import autograd_lite
from autograd_lite import gradients
from autograd_lite.formula.functions import ARITY, FUNCTIONS
from autograd_lite.formula.reader import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NESTING,
    ExprError,
    define,
    evaluate,
    parse,
)

Q1_VALUES = dict(I=1.0, w1=0.5, w2=0.5, w3=0.5, w4=0.5, w5=0.5)
Q1_O = "s(s(s(I*w1+1)*w2+1)*w4+s(s(I*w1+1)*w3+1)*w5+1)"
Q1_THEIRS = (
    "d(s(s(I*w1+1)*w2+1)*w4+s(s(I*w1+1)*w3+1)*w5+1)*((d(s(I*w1+1)*w2+1)*d(I*w1+1)*I)"
    "+(d(s(I*w1+1)*w3+1)*d(I*w1+1)*I))"
)
DEFS = ["s(x)=1/(1+exp(-x))", "d(x)=s(x)*(1-s(x))"]


def error_of(text, values=None, definitions=None):
    with pytest.raises(ExprError) as info:
        evaluate(
            text, values if values is not None else {"x": 2.0, "y": 1.0}, definitions=definitions
        )
    return info.value


def test_question_1_value_and_gradient_to_1e_12():
    f = parse(Q1_O, variables=list(Q1_VALUES), definitions=define(DEFS))
    out = f.evaluate(Q1_VALUES)
    assert out.data == pytest.approx(0.858583510611, abs=1e-12)
    assert gradients(out, [f.leaves["w1"]])[0] == pytest.approx(0.00142918810220, abs=1e-12)


def test_question_1_learners_formula_to_1e_12():
    out = evaluate(Q1_THEIRS, Q1_VALUES, definitions=define(DEFS))
    assert out.data == pytest.approx(0.00571675240882, abs=1e-12)


def test_caret_is_power_with_power_precedence():
    assert evaluate("2*x^2", {"x": 3.0}).data == 18.0
    assert evaluate("-x^2", {"x": 3.0}).data == -9.0
    assert evaluate("2^3^2", {}).data == 512.0


def test_ln_and_log_are_the_natural_logarithm():
    assert evaluate("ln(x) - log(x)", {"x": 5.0}).data == 0.0


def _logsumexp(*xs):
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


# what each library function must compute, from math (not from the engine)
REFERENCE = {
    "exp": math.exp,
    "log": math.log,
    "ln": math.log,
    "log1p": math.log1p,
    "log2": math.log2,
    "log10": math.log10,
    "tanh": math.tanh,
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)),
    "relu": lambda x: max(0.0, x),
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "abs": abs,
    "max": max,
    "min": min,
    "logsumexp": _logsumexp,
}
POINTS = [0.25, 0.5, 1.0, 3.0, 7.5, -0.25, -0.5, -1.0, -3.0, -7.5]
DOMAIN = {"log1p": lambda x: x > -1, "sqrt": lambda x: x >= 0}
for _name in ["log", "ln", "log2", "log10"]:
    DOMAIN[_name] = lambda x: x > 0


def test_every_library_function_has_a_reference():
    assert set(REFERENCE) == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_library_function_computes_what_math_does(name):
    fewest, most = ARITY[name]
    for x in filter(DOMAIN.get(name, lambda x: True), POINTS):
        # each allowed count of arguments among one, two and three
        for args in [(x,), (x, 2.0), (x, -1.5, 2.0)]:
            if len(args) < fewest or (most is not None and len(args) > most):
                continue
            names = ["x", "y", "z"][: len(args)]
            text = f"{name}({', '.join(names)})"
            got = evaluate(text, dict(zip(names, args))).data
            assert got == pytest.approx(REFERENCE[name](*args), rel=1e-12, abs=1e-15), text


def test_variables_are_labelled_leaves_in_order_of_use():
    f = parse("b + w*x", variables=["x", "w", "b"])
    f.evaluate({"x": 1, "w": 2, "b": 3})
    assert f.variables == ["b", "w", "x"]
    assert {n: v.label for n, v in f.leaves.items()} == {"b": "b", "w": "w", "x": "x"}


def test_definitions_may_come_in_any_order():
    defs = define(["d(x)=s(x)*(1-s(x))", "s(x)=sigmoid(x)"])
    assert evaluate("d(0)", {}, definitions=defs).data == 0.25


def test_definition_with_two_parameters():
    defs = define(["lin(a, b)=a*2 + b"])
    assert evaluate("lin(x, 1)", {"x": 3.0}, definitions=defs).data == 7.0


def test_named_formula():
    f = parse("O = x + 1", variables=["x"], allow_name=True)
    assert f.name == "O" and f.evaluate({"x": 1.0}).data == 2.0


@pytest.mark.parametrize(
    "text, words",
    [
        ("open(x)", "unknown function 'open'"),
        ("__import__(x)", "double underscores"),
        ("x.real", "attribute access"),
        ("x.__class__", "attribute access"),
        ("__builtins__", "double underscores"),
        ("lambda: 1", "lambda"),
        ("[x for x in y]", "comprehensions"),
        ("(x for x in y)", "comprehensions"),
        ("{x: y}", "dicts"),
        ("x[0]", "subscripts"),
        ("'abc'", "strings"),
        ("x if y else 1", "if/else"),
        ("x and y", "and/or"),
        ("not x", "Not"),
        ("x < y", "comparisons"),
        ("exp(x=1)", "keyword arguments"),
        ("z + 1", "unknown variable 'z'"),
        ("exp", "is a function"),
        ("exp(x, y)", "takes 1 argument"),
        ("x ** y ** 99999", "too large"),
        ("1e999", "too large"),
        ("9" * 400, "too large"),
        ("True", "bool"),
        ("x @ y", "MatMult"),
        ("x +", "cannot read"),
        ("x 2", "cannot read"),
        ("x | y", "never closed"),
    ],
)
def test_refused_with_a_clear_error(text, words):
    assert words in str(error_of(text))


def test_huge_power_tower_is_refused_quickly():
    err = error_of("9**9**9")
    assert "exponent" in err.reason and "too large" in err.reason


def test_overflowing_power_is_an_error_not_a_hang():
    err = error_of("x^1000 * 10^300", {"x": 10.0})
    assert "too large" in str(err)


def test_two_thousand_deep_parentheses_are_refused_before_parsing():
    # as deep as the length limit allows
    err = error_of("(" * 2000 + "x" + ")" * 2000)
    assert "nested more than" in err.reason and err.start == 100


@pytest.mark.parametrize("sign", ["-", "\u2212"])
def test_long_chain_of_signs_is_refused(sign):
    assert "signs in a row" in error_of(sign * 4000 + "x").reason


@pytest.mark.parametrize("text", ["√" * 2000 + "x", "|" * 1000 + "x" + "|" * 1000])
def test_roots_and_bars_count_as_nesting(text):
    err = error_of(text)
    assert "nested more than" in err.reason and err.start == 100


def test_a_huge_formula_is_refused_for_its_length_first():
    # 10 MiB, with characters that every later check would refuse or rewrite
    text = ("x\u2212|(#" * (2**20))[: 10 * 2**20]
    err = error_of(text)
    assert f"at most {MAX_LENGTH} are accepted" in err.reason
    assert (err.start, err.end) == (MAX_LENGTH, len(text))
    assert len(str(err)) < 400  # the message shows a window, not the text


def test_a_huge_formula_given_as_bytes_is_refused_for_its_length():
    assert "characters long" in error_of(b"x+" * 2**20).reason


@pytest.mark.parametrize("text", ["x #*1000", "#", "x*(1 + 2) # times three", "'#' + x"])
def test_a_hash_sign_is_refused_not_read_as_a_comment(text):
    err = error_of(text)
    assert "'#' is not part of a formula" in err.reason and err.start == text.index("#")


def test_a_hash_sign_in_a_definition_is_refused():
    with pytest.raises(ExprError, match="'#' is not part of a formula"):
        define(["f(x)=x #+1"])


def test_deep_tree_without_parentheses_is_refused():
    err = error_of("+".join(["x"] * (MAX_DEPTH + 5)))
    assert "operations deep" in err.reason


def test_deeply_nested_calls_are_refused():
    assert "nested more than" in error_of("exp(" * 150 + "x" + ")" * 150).reason


def test_too_long_formula_is_refused():
    assert "characters long" in error_of("x+" * 3000 + "x").reason


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_empty_input_is_refused(text):
    assert "empty" in str(error_of(text)) or "control character" in str(error_of(text))


def test_non_utf8_bytes_are_refused():
    assert "UTF-8" in str(error_of(b"x + \xff\xfe"))


def test_undecodable_command_line_text_is_refused():
    # what Python puts in sys.argv for bytes that are not UTF-8
    assert "UTF-8" in str(error_of("x + \udcff"))


def test_newline_is_refused():
    assert "control character" in str(error_of("x\n+1"))


def test_recursive_definition_is_refused():
    with pytest.raises(ExprError, match="recursive definition: s calls s"):
        define(["s(x)=s(x)"])


def test_mutually_recursive_definitions_are_refused():
    with pytest.raises(ExprError, match="recursive definition: f calls g calls f"):
        define(["f(x)=g(x)+1", "g(x)=f(x)*2"])


def test_definition_using_an_outside_name_is_refused():
    with pytest.raises(ExprError, match="only its parameters"):
        define(["f(x)=x*w"])


def test_definition_shadowing_a_library_function_is_refused():
    with pytest.raises(ExprError, match="built-in"):
        define(["exp(x)=x"])


def test_duplicate_definition_is_refused():
    with pytest.raises(ExprError, match="defined twice"):
        define(["f(x)=x", "f(y)=y"])


@pytest.mark.slow  # runs up to the step limit; CI runs it
def test_exponential_definition_chain_is_stopped():
    texts = ["f0(x)=x+1"] + [f"f{i}(x)=f{i - 1}(x)+f{i - 1}(x)" for i in range(1, 30)]
    err = error_of("f29(x)", definitions=define(texts))
    assert "steps" in err.reason


def test_domain_error_points_at_the_operation():
    err = error_of("x + log(y - 1)")
    assert err.start == 4 and err.end == 14
    assert str(err).splitlines()[-1] == "      ^^^^^^^^^^"


def test_caret_accounts_for_the_power_sign():
    err = error_of("x^2 + foo(x)")
    assert err.start == 6 and str(err).splitlines()[-2:] == ["  x^2 + foo(x)", "        ^^^"]


def test_error_inside_a_definition_points_at_the_call():
    defs = define(["f(t)=log(t)"])
    err = error_of("1 + f(x - 2)", definitions=defs)
    assert err.start == 4 and "inside a defined function" in err.reason


def test_missing_value_is_refused():
    f = parse("x + y")
    with pytest.raises(ExprError, match="no value given for the variable 'y'"):
        f.evaluate({"x": 1.0})


def test_constants_when_not_variables():
    assert evaluate("2*pi", {}).data == pytest.approx(6.283185307179586)


def _frames_below():
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


def test_formula_at_the_nesting_limit_reads_on_a_nearly_full_call_stack():
    # as deep as the limits allow: 100 nested calls around a chain of 98 additions (one
    # more and the tree is too deep). CPython 3.11's own ast.parse uses about 70 levels of
    # the recursion limit on it, a compiler that recursed over the tree about 300.
    text = "sin(" * MAX_NESTING + "+".join(["x"] * 99) + ")" * MAX_NESTING
    with pytest.raises(ExprError, match="operations deep"):
        parse(text.replace("+x)", "+x+x)", 1), variables=["x"])
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(_frames_below() + 150)
    try:
        f = parse(text, variables=["x"])
        y = f.evaluate({"x": 0.01})
    finally:
        sys.setrecursionlimit(old)
    expected = 0.99
    for _ in range(MAX_NESTING):
        expected = math.sin(expected)
    assert y.data == pytest.approx(expected, rel=1e-12)


def _callee(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.attr if func.value.id == "self" else None
    return None


def test_reader_functions_do_not_call_themselves_even_indirectly():
    # the project's rule: no recursion anywhere, so no cycle in the call graph of these files
    root = Path(autograd_lite.__file__).parent
    files = sorted(f"formula/{f.name}" for f in (root / "formula").glob("*.py"))
    files += ["teach/diagnosis.py", "teach/_terms.py", "teach/_paths.py", "teach/_matching.py"]
    for name in files + ["cli.py"]:
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        calls = {}  # function or method name -> names it calls: f(...) and self.f(...)
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef):
                calls[fn.name] = {
                    _callee(c.func) for c in ast.walk(fn) if isinstance(c, ast.Call)
                } - {None}
        for start in calls:
            seen, todo = set(), [start]
            while todo:
                for callee in calls.get(todo.pop(), ()):
                    assert callee != start, f"{name}: {start} can call itself"
                    if callee not in seen:
                        seen.add(callee)
                        todo.append(callee)


def test_failed_evaluation_keeps_the_previous_leaves():
    f = parse("log(x)", variables=["x"])
    f.evaluate({"x": 2.0})
    before = f.leaves["x"]
    with pytest.raises(ExprError, match="cannot evaluate"):
        f.evaluate({"x": 0.0})
    assert f.leaves["x"] is before and before.data == 2.0


@pytest.mark.parametrize(
    "text, words",
    [
        ("__import__('os')", "'__import__' is not allowed (no double underscores)"),
        ("open('/etc/passwd')", "unknown function 'open'"),
        ("exp('x')", "strings are not part of a formula"),
        ("x + 'abc", "strings are not part of a formula"),
    ],
)
def test_a_call_is_judged_by_its_function_before_its_arguments(text, words):
    assert words in str(error_of(text))


def test_string_argument_is_pointed_at():
    err = error_of("exp('x')")
    assert (err.start, err.end) == (4, 7)


def test_definitions_mixed_from_two_define_calls_into_a_cycle_are_refused():
    first = define(["f(x)=g(x)+1", "g(x)=x"])
    second = define(["g(x)=f(x)*2", "f(x)=x"])
    with pytest.raises(ExprError, match="recursive definition: f calls g calls f"):
        parse("f(1)", definitions={"f": first["f"], "g": second["g"]})


def test_definition_whose_helper_is_missing_is_refused():
    defs = define(["f(x)=g(x)+1", "g(x)=x"])
    with pytest.raises(ExprError, match="calls g, which is not among the definitions"):
        parse("f(1)", definitions={"f": defs["f"]})


def test_public_names_of_the_reader_are_the_formula_packages_own():
    import autograd_lite.formula as formula
    from autograd_lite.formula import compiler, program, reader, source, typeset

    homes = (reader, program, source, compiler, typeset)
    defined_in = {name: mod for mod in homes for name in getattr(mod, "__all__", ())}
    for name in formula.__all__:
        # each public name is the very object its home module defines, not a stand-in
        assert getattr(formula, name) is getattr(defined_in[name], name), name
    assert reader.ExprError.__module__ == "autograd_lite.formula.reader"


def test_definition_names_are_folded_like_the_names_in_formulas():
    # U+FF53 FULLWIDTH s: Python's parser folds it to "s" in the formula; the header too
    defs = define(["\uff53(x)=x*2"])
    assert list(defs) == ["s"]
    assert evaluate("s(3)", {}, definitions=defs).data == 6.0


def test_a_definition_cannot_take_the_name_of_softmax():
    with pytest.raises(ExprError, match="softmax is a built-in function"):
        define(["softmax(x)=x"])
