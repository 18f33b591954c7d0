"""gradcheck and its report: passing, failing on a wrong rule, leaving the inputs alone."""

import pytest

from autograd_lite import Value
from autograd_lite.ops import OPS
from autograd_lite.teach.gradcheck import GradcheckError, gradcheck, gradcheck_report


def _broken_mul_rule(g, out, a, b):
    # the classic slip: the two partial derivatives swapped
    return (g * a, g * b)


@pytest.fixture
def broken_mul(monkeypatch):
    monkeypatch.setitem(OPS, "mul", OPS["mul"].replace(rule=_broken_mul_rule))


def test_gradcheck_passes_on_correct_derivatives():
    assert gradcheck(lambda x, y: (x * y).sigmoid() + x.log() * y.tanh(), [1.3, -0.7]) is True


def test_gradcheck_fails_on_a_deliberately_wrong_rule(broken_mul):
    with pytest.raises(GradcheckError):
        gradcheck(lambda x, y: x * y, [2.0, 5.0])


def test_gradcheck_error_is_an_assertion_error(broken_mul):
    with pytest.raises(AssertionError):
        gradcheck(lambda x, y: x * y, [2.0, 5.0])


def test_wrong_rule_is_restored_after_the_test():
    # runs after the fixture tests: the real table entry is back
    a, b = Value(2.0), Value(5.0)
    assert gradcheck(lambda x, y: x * y, [a, b])


def test_failure_message_lists_each_input_with_analytic_and_numeric(broken_mul):
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, *rest: x * rest[0], [Value(2.0, label="x"), 5.0])
    msg = str(info.value)
    assert "x = 2.0: analytic 2.0, numeric 5.0" in msg
    assert "input 1 = 5.0: analytic 5.0, numeric 2.0" in msg
    assert "FAILED for 2 of 2 inputs" in msg
    assert "error 3" in msg


def test_failure_returns_false_when_not_raising(broken_mul):
    assert gradcheck(lambda x, y: x * y, [2.0, 5.0], raise_exception=False) is False


def test_error_carries_the_report(broken_mul):
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: x * y + y, [2.0, 5.0])
    rows = info.value.report.rows
    assert [r.ok for r in rows] == [False, False]
    assert rows[1].analytic == pytest.approx(6.0) and rows[1].numeric == pytest.approx(3.0)


def test_users_values_are_not_modified():
    x = Value(1.5, label="x")
    gradcheck(lambda v: v * v * v, [x])
    assert (x.data, x.grad, x.label) == (1.5, 0.0, "x")


def test_numeric_derivative_is_a_central_difference():
    # for a cubic, the central difference has error exactly eps^2 (the forward one 3·x·eps)
    report = gradcheck_report(lambda v: v * v * v, [2.0], eps=0.1)
    assert report.rows[0].numeric == pytest.approx(12.0 + 0.01, abs=1e-9)


def test_tolerances_are_applied():
    # analytic 12, numeric 12.01: out of atol=1e-3 alone, within rtol=1e-3
    f = lambda v: v * v * v  # noqa: E731
    assert not gradcheck(f, [2.0], eps=0.1, atol=1e-3, rtol=0.0, raise_exception=False)
    assert gradcheck(f, [2.0], eps=0.1, atol=0.0, rtol=1e-3)


def test_report_formats_show_every_input():
    report = gradcheck_report(lambda a, b: a * b, [Value(2.0, label="a<1>"), 3.0])
    text, md, page = str(report), report.markdown(), report._repr_html_()
    assert "a<1>" in text and "\nb " in text
    assert "| a&lt;1&gt; | 2 | 3 |" in md
    assert "a&lt;1&gt;" in page and "a<1>" not in page


def test_report_output_is_the_function_value():
    assert gradcheck_report(lambda a: a.exp(), [0.0]).output == 1.0


def test_function_returning_a_number_is_a_type_error():
    with pytest.raises(TypeError, match="fn must return a Value"):
        gradcheck(lambda a: 3.0, [1.0])


def test_bad_input_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match=r"inputs\[1\]"):
        gradcheck(lambda a, b: a * b, [1.0, "2"])


def test_domain_error_at_a_shifted_point_names_the_input_and_eps():
    with pytest.raises(ValueError, match=r"at r = 1e-07 ± eps = 1e-06.*smaller eps"):
        gradcheck(lambda a: a.sqrt(), [Value(1e-7, label="r")])


def test_kink_of_relu_at_zero_is_reported_as_a_mismatch():
    # relu'(0) is taken as 0; the central difference straddles the kink and gives 1/2
    row = gradcheck_report(lambda a: a.relu(), [0.0]).rows[0]
    assert (row.analytic, row.numeric, row.ok) == (0.0, 0.5, False)


def test_report_markdown_keeps_one_row_per_input_with_awkward_labels():
    labels = ["a\nb", "p|q", "back\\slash"]
    report = gradcheck_report(lambda a, b, c: a * b + c, [Value(1.0, label=t) for t in labels])
    md = report.markdown().splitlines()
    rows = [line for line in md if line.startswith("| ") and "input" not in line]
    assert [r.split(" | ")[0] for r in rows] == ["| a<br>b", "| p\\|q", "| back\\\\slash"]
    assert all(r.count(" | ") == 5 for r in rows)  # six cells each, no pipe leaked


def test_report_text_keeps_one_line_per_input_with_a_newline_in_a_label():
    report = gradcheck_report(lambda a: a * 2, [Value(1.0, label="a\nb")])
    assert str(report).splitlines()[2].startswith("a ⏎ b  1")


def test_report_html_marks_failures():
    page = gradcheck_report(lambda a: a.relu(), [0.0])._repr_html_()
    assert '<tr style="color:#b00020;font-weight:bold"><td>a</td>' in page


def test_rows_of_numbers_are_named_by_the_functions_parameters():
    report = gradcheck_report(lambda a, b: (a * b).tanh(), [0.3, -1.2])
    assert [r.name for r in report.rows] == ["a", "b"]
    assert [row[0] for row in report.table().rows] == ["a", "b"]


def test_a_label_comes_before_the_parameters_name():
    report = gradcheck_report(lambda a, b: a * b, [Value(0.3, label="w"), 2.0])
    assert [r.name for r in report.rows] == ["w", "b"]


def test_inputs_given_are_left_unlabelled():
    x = Value(0.3)
    gradcheck_report(lambda a: a * a, [x])
    assert x.label is None
