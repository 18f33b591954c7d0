"""Every result a learner meets prints as a table, shows as HTML and gives Markdown."""

from autograd_lite import Value
from autograd_lite.teach.traces import traces


def test_trace_tables_show_as_tables_everywhere():
    x1, x2 = Value(2.0, label="x1"), Value(5.0, label="x2")
    t = traces(x1.log() + x1 * x2 - x2.sin(), [x1, x2], [1.0, 0.0])
    for result in (t, t.tangent):
        assert repr(result) == str(result) and "value" in repr(result).splitlines()[1]
        assert "|---|" in result.markdown() and not hasattr(result, "to_markdown")
        assert "<table" in result._repr_html_() and "</table>" in result._repr_html_()
    assert repr(t.tangent).splitlines()[-1].split()[-1] == "5.500"


def test_every_teaching_result_has_one_markdown_name():
    from autograd_lite.nn import MLP
    from autograd_lite.teach import backprop_table, diagnose, explain, gradcheck_report

    x = Value(3.0, label="x")
    results = [
        explain(x * x, x),
        gradcheck_report(lambda a: a * a, [2.0]),
        backprop_table(MLP(1, [1], seed=0), [0.5], 1.0),
        diagnose("y = w*x", "w", "x", {"w": 2.0, "x": 3.0}),
    ]
    for result in results:
        assert "|---|" in result.markdown() and not hasattr(result, "to_markdown")
