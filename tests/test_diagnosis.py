"""diagnose: "where is my mistake?" on the two learner questions and on the usual slips."""

import itertools
import math
import random
import subprocess
import sys

import pytest

from autograd_lite.formula import ExprError
from autograd_lite.nn import MLP
from autograd_lite.teach import diagnose
from autograd_lite.teach.bp_equations import backprop_table
from autograd_lite.teach.diagnosis import MAX_TERMS

# --- question 1: a 1-2-1 sigmoid network, a hand-derived dO/dw1 four times too large -----

Q1 = "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
Q1_DEFS = ["s(x)=1/(1+exp(-x))", "d(x)=s(x)*(1-s(x))"]
Q1_THEIRS = (
    "d(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
    " * (d(s(I*w1+1)*w2+1)*d(I*w1+1)*I + d(s(I*w1+1)*w3+1)*d(I*w1+1)*I)"
)
Q1_FIXED = (
    "d(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
    " * (w4*d(s(I*w1+1)*w2+1)*w2*d(I*w1+1)*I + w5*d(s(I*w1+1)*w3+1)*w3*d(I*w1+1)*I)"
)
HALF = {"I": 1.0, "w1": 0.5, "w2": 0.5, "w3": 0.5, "w4": 0.5, "w5": 0.5}


def random_weights(seed):
    rng = random.Random(seed)
    return {"I": rng.uniform(0.5, 2.0), **{f"w{k}": rng.uniform(-1.5, 1.5) for k in range(1, 6)}}


@pytest.mark.parametrize(
    "at", [HALF, random_weights(1), random_weights(2)], ids=["half", "r1", "r2"]
)
@pytest.mark.parametrize("s", ["s(x)=1/(1+exp(-x))", "s(x)=sigmoid(x)"])
def test_question_1_names_w4_w2_and_w5_w3_as_missing_and_nothing_else(at, s):
    d = diagnose(Q1, "w1", Q1_THEIRS, at, definitions=[s, Q1_DEFS[1]])
    assert not d.correct
    assert d.path_count == 2 and not d.uncovered and not d.unexplained
    found = sorted(frozenset(t.missing) for t in d.terms)
    assert found == sorted([frozenset({"w2", "w4"}), frozenset({"w3", "w5"})])
    assert all(t.extra == () and t.constant == pytest.approx(1.0) for t in d.terms)
    assert d.equals == () and d.constant is None
    assert sorted(t.path for t in d.terms) == [0, 1]


def test_question_1_at_half_weights_has_the_numbers_of_the_question():
    d = diagnose(Q1, "w1", Q1_THEIRS, HALF, definitions=Q1_DEFS)
    assert d.gradient == pytest.approx(0.0014291881022, abs=1e-13)
    assert d.value == pytest.approx(0.00571675240882, abs=1e-13)
    assert d.ratio == pytest.approx(4.0, rel=1e-12)


@pytest.mark.parametrize("at", [HALF, random_weights(3)], ids=["half", "random"])
def test_question_1_corrected_formula_is_right_and_still_matched_term_by_term(at):
    d = diagnose(Q1, "w1", Q1_FIXED, at, definitions=Q1_DEFS)
    assert d.correct
    assert d.verdict().startswith("Your formula is right")
    assert [t.missing for t in d.terms] == [(), ()] and [t.extra for t in d.terms] == [(), ()]
    assert sorted(t.path for t in d.terms) == [0, 1]


def test_question_1_paths_are_named_in_the_text_the_learner_typed():
    d = diagnose(Q1, "w1", Q1_THEIRS, HALF, definitions=["s(x)=sigmoid(x)", Q1_DEFS[1]])
    first = d.paths[0].factors
    assert first[:5] == ("I", "σ'(I*w1+1)", "w2", "σ'(s(I*w1+1)*w2+1)", "w4")
    assert first[5].startswith("σ'(s(s(I*w1+1)*w2+1)*w4 + ")


def test_a_definition_of_several_primitives_is_one_factor_named_after_it():
    d = diagnose(Q1, "w1", Q1_THEIRS, HALF, definitions=Q1_DEFS)
    assert d.paths[0].factors[:2] == ("I", "s'(I*w1+1)")


def test_missing_factors_are_found_at_any_weights_not_only_at_one_half():
    # at all weights 0.5 the missing w4·w2 and w5·w3 are both 0.25: the values alone could
    # not say which factor is missing; the random points can
    for seed in range(4):
        d = diagnose(Q1, "w1", Q1_THEIRS, random_weights(seed), definitions=Q1_DEFS)
        assert {frozenset(t.missing) for t in d.terms} == {
            frozenset({"w2", "w4"}),
            frozenset({"w3", "w5"}),
        }


# --- question 2: Nielsen's 2-3-1 network, typed as equations ------------------------------

Q2 = """
z2_1 = w2_11*x1 + w2_12*x2 + b2_1
z2_2 = w2_21*x1 + w2_22*x2 + b2_2
z2_3 = w2_31*x1 + w2_32*x2 + b2_3
a2_1 = sigmoid(z2_1); a2_2 = sigmoid(z2_2); a2_3 = sigmoid(z2_3)
z3_1 = w3_11*a2_1 + w3_12*a2_2 + w3_13*a2_3 + b3_1
a3_1 = sigmoid(z3_1)
C = 0.5*(a3_1 - y)^2
"""
SP = ["sp(t)=sigmoid(t)*(1-sigmoid(t))"]


def q2_values(seed=0, x=(0.3, -0.8), y=0.25):
    """The parameters of the library's seeded 2-3-1 network, named as the equations name them."""
    model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=seed)
    values = {"x1": x[0], "x2": x[1], "y": y}
    for name, p in model.named_parameters():
        kind, rest = name.split("^")
        layer, idx = rest.split("_")
        values[f"{kind}{layer}_{idx}"] = p.data
    return model, values


def test_question_2_formula_for_w2_11_is_reported_to_equal_the_derivative_for_w3_11():
    _, at = q2_values()
    d = diagnose(Q2, "w2_11", "a2_1*(a3_1 - y)*sp(z3_1)", at, definitions=SP)
    assert not d.correct
    assert d.equals == ("w3_11",)
    assert d.verdict().startswith("Your formula equals ∂C/∂w3_11, not ∂C/∂w2_11.")
    right = diagnose(Q2, "w3_11", "a2_1*(a3_1 - y)*sp(z3_1)", at, definitions=SP)
    assert right.correct


def test_question_2_deltas_from_wrt_z_are_the_backprop_tables():
    model, at = q2_values(seed=2)
    table = backprop_table(model, [at["x1"], at["x2"]], at["y"])
    deltas = {r.quantity: r.engine for r in table.rows if r.quantity.startswith("δ")}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograd_lite",
            "grad",
            Q2,
            "--at",
            ",".join(f"{k}={v!r}" for k, v in at.items()),
            "--wrt",
            "z3_1,z2_1,z2_2,z2_3",
            "--digits",
            "17",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    printed = {
        ln.split("=")[0].strip(): float(ln.split("=")[1].replace("−", "-"))
        for ln in out.splitlines()[1:]
    }
    for j in (1, 2, 3):
        assert printed[f"∂C/∂z2_{j}"] == pytest.approx(deltas[f"δ^2_{j}"], rel=1e-12, abs=1e-17)
    assert printed["∂C/∂z3_1"] == pytest.approx(deltas["δ^3_1"], rel=1e-12, abs=1e-17)


# --- the usual slips, each named as such ---------------------------------------------------

NET = "z = w*x + b; a = sigmoid(z); C = 0.5*(a - y)^2"
AT = {"w": 0.7, "x": 1.3, "b": -0.2, "y": 0.9}
RIGHT = "(a - y)*sp(z)*x"


def test_right_formula_is_right_in_one_line():
    d = diagnose(NET, "w", RIGHT, AT, definitions=SP)
    assert d.correct and str(d).splitlines()[0] == (
        "Your formula is right: it equals ∂C/∂w (checked at 7 points)."
    )


def test_a_forgotten_half_is_named_a_factor_2():
    net = "z = w*x + b; a = sigmoid(z); C = (a - y)^2"  # no ½: the derivative keeps the 2
    d = diagnose(net, "w", RIGHT, AT, definitions=SP)
    assert d.constant == pytest.approx(0.5)
    assert "a factor ½ too few (often a forgotten 2 from differentiating a square)" in d.verdict()
    assert d.terms[0].constant == pytest.approx(0.5) and d.terms[0].missing == ()


def test_a_two_too_many_is_named():
    d = diagnose(NET, "w", "2*" + RIGHT, AT, definitions=SP)
    assert d.constant == pytest.approx(2.0) and "a factor 2 too many" in d.verdict()


def test_a_sign_slip_is_named():
    d = diagnose(NET, "w", "(y - a)*sp(z)*x", AT, definitions=SP)
    assert d.constant == pytest.approx(-1.0)
    assert "the sign is flipped (a sign slip" in d.verdict()


def test_an_extra_sigma_prime_is_named_extra():
    d = diagnose(NET, "w", RIGHT + "*sp(z)", AT, definitions=SP)
    assert d.terms[0].extra == ("sp(z)",) and d.terms[0].missing == ()


def test_sigma_prime_written_out_as_a_times_one_minus_a_is_one_factor():
    d = diagnose(NET, "w", "(a - y)*a*(1 - a)*x", AT)
    assert d.correct and len(d.terms) == 1
    assert d.terms[0].missing == () and d.terms[0].extra == ()


def test_a_missing_chain_rule_path_is_named():
    net = "h = tanh(w*x); y = h*v + h*u"
    at = {"w": 0.4, "x": 1.1, "v": 0.8, "u": -0.3}
    d = diagnose(net, "w", "v*tanhp(w*x)*x", at, definitions=["tanhp(t)=1-tanh(t)^2"])
    assert d.path_count == 2 and len(d.uncovered) == 1
    missing = d.paths[d.uncovered[0]].factors
    assert "u" in missing and "has no term" in str(d)


def test_a_term_that_stands_for_no_path_is_named():
    d = diagnose(NET, "w", RIGHT + " + b*y", AT, definitions=SP)
    assert len(d.unexplained) == 1 and d.terms[d.unexplained[0]].text == "b·y"
    assert "stands for no chain-rule path: b·y" in str(d)


def test_a_saturated_sigmoid_is_said_to_make_the_gradient_vanish():
    at = {"w": 2.0, "x": 25.0, "b": 1.0, "y": 0.0}  # z = 51: σ'(51) ≈ 7e-23
    d = diagnose(NET, "w", RIGHT, at, definitions=SP)
    note = next(n for n in d.notes if "vanishes" in n)
    assert "σ(z)" in note and "z = 51" in note and "saturated" in note


def test_a_formula_of_another_intermediate_is_recognised():
    d = diagnose(NET, "w", "(a - y)*sp(z)", AT, definitions=SP)
    assert set(d.equals) == {"b", "z"}


def test_wrt_a_named_intermediate_is_the_delta():
    d = diagnose(NET, "z", "(a - y)*sp(z)", AT, definitions=SP)
    assert d.correct


def test_a_formula_that_multiplies_out_past_the_bound_is_compared_by_value_only():
    huge = "*".join(["(w*x + b*y + x*y + w*b)"] * 5)  # 4**5 = 1024 terms
    d = diagnose(NET, "w", huge, AT)
    assert not d.correct and d.terms == ()
    assert any(f"more than {MAX_TERMS} terms" in n for n in d.notes)
    assert "only its value was compared" in str(d)


def test_unknown_names_and_outputs_are_refused_with_the_names_there_are():
    with pytest.raises(ValueError, match="wrt='q' is not a variable or a named result"):
        diagnose(NET, "q", RIGHT, AT, definitions=SP)
    with pytest.raises(ExprError):
        diagnose(NET, "w", "(a - yy)*x", AT)


def test_the_report_is_the_same_every_time_and_has_every_view():
    a = diagnose(Q1, "w1", Q1_THEIRS, random_weights(5), definitions=Q1_DEFS)
    b = diagnose(Q1, "w1", Q1_THEIRS, random_weights(5), definitions=Q1_DEFS)
    assert str(a) == str(b) == repr(a)
    md, page = a.markdown(), a._repr_html_()
    assert "| term | your term | stands for | missing | extra | constant |" in md
    assert "<table>" in page and "w2, w4" in page


# --- cases found by playing learners -------------------------------------------------------

HIDDEN = "h1 = sigmoid(I*w1 + 1); h2 = sigmoid(h1*w2 + 1); h3 = sigmoid(h1*w3 + 1)"
Q1_NET = HIDDEN + "; O = sigmoid(h2*w4 + h3*w5 + 1)"
Q1_AT = {"I": 1.0, "w1": 0.3, "w2": -0.7, "w3": 1.1, "w4": 0.45, "w5": -0.6}


def test_a_forgotten_path_with_sigma_prime_written_as_h_times_one_minus_h():
    d = diagnose(Q1_NET, "w1", "O(1−O)·w4·h2(1−h2)·w2·h1(1−h1)·I", Q1_AT)
    assert len(d.terms) == 1 and d.terms[0].missing == () and d.terms[0].extra == ()
    assert len(d.uncovered) == 1 and "w3" in d.paths[d.uncovered[0]].factors
    assert d.verdict() == "Your formula is not ∂O/∂w1. 1 chain-rule path(s) have no term."


def test_a_repeated_path_is_named_as_a_repeat():
    term = "O*(1-O)*w4*h2*(1-h2)*w2*h1*(1-h1)*I"
    d = diagnose(Q1_NET, "w1", f"{term} + {term}", Q1_AT)
    assert any("repeats path" in n and "each path is counted once" in n for n in d.notes)


def test_sigma_prime_written_out_inside_a_long_formula_still_names_the_lost_factors():
    ds = [f"s({a})*(1-s({a}))" for a in ("s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1",)]
    inner = "s(s(I*w1+1)*{k}+1)*(1-s(s(I*w1+1)*{k}+1))*s(I*w1+1)*(1-s(I*w1+1))*I"
    formula = f"{ds[0]} * ({inner.format(k='w2')} + {inner.format(k='w3')})"
    d = diagnose(Q1, "w1", formula, HALF, definitions=["s(x)=sigmoid(x)"])
    assert sorted(frozenset(t.missing) for t in d.terms) == sorted(
        [frozenset({"w2", "w4"}), frozenset({"w3", "w5"})]
    )


def test_a_right_factored_formula_is_right_without_contradicting_rows():
    net = (
        "h1 = sigmoid(u11*x1); g1 = sigmoid(v11*h1); g2 = sigmoid(v21*h1);"
        " o = sigmoid(q1*g1 + q2*g2); C = 0.5*(o - y)^2"
    )
    at = {"u11": 0.4, "x1": 0.9, "v11": -0.6, "v21": 0.8, "q1": 1.2, "q2": -0.5, "y": 0.3}
    f = "(o-y)*o*(1-o)*(q1*g1*(1-g1)*v11 + q2*g2*(1-g2)*v21)*h1*(1-h1)*x1"
    d = diagnose(net, "u11", f, at)
    assert d.correct and [t.path for t in d.terms] == [0, 1]
    assert all(t.missing == () and t.extra == () for t in d.terms)


def test_a_unit_near_its_kink_is_compared_on_the_same_side():
    net = "h = relu(w*x + b); o = v*h; C = 0.5*(o - y)^2"
    at = {"w": 0.02, "x": 1.0, "b": 0.0, "v": 0.7, "y": 1.0}
    assert diagnose(net, "w", "(o - y)*v*x", at).correct


def test_a_sign_slip_is_named_when_the_gradient_is_0_at_the_given_point():
    at = {"w": 0.3, "x": 0.0, "b": 0.1, "y": 1.0}
    d = diagnose(NET, "w", "(y - a)*a*(1-a)*x", at)
    assert d.constant == pytest.approx(-1.0) and "sign slip" in d.verdict()
    assert any("both 0 at your values" in n for n in d.notes)


def test_right_only_at_the_given_values_is_said_so():
    net = "z1 = w1*x + b1; z2 = w2*x + b2; p1, p2 = softmax(z1, z2); C = -(y1*log(p1) + y2*log(p2))"
    at = {"w1": 0.4, "w2": -0.3, "x": 1.2, "b1": 0.1, "b2": 0.0, "y1": 1.0, "y2": 0.0}
    d = diagnose(net, "w1", "(p1 - y1)*x", at)  # holds because y1 + y2 = 1
    assert not d.correct and d.given == "y1 + y2 = 1"
    assert d.verdict().startswith("Your formula is right, given y1 + y2 = 1")
    # a formula right at the one point only, under no relation the values keep
    at = {**at, "y1": 0.7, "y2": 0.1}
    x = diagnose(net, "w1", f"(p1 - y1)*x*{diagnose(net, 'w1', '1', at).gradient!r}", at)
    assert x.given is None


def test_the_inner_derivative_of_a_power_is_named():
    d = diagnose("f = (w*x)^3", "w", "3*(w*x)^2", {"x": 0.7, "w": 1.3})
    assert [t.missing for t in d.terms] == [("x",)] and d.terms[0].extra == ()


def test_a_quotient_rule_result_written_as_one_fraction_is_right():
    d = diagnose("f = a/b", "b", "-a/b^2", {"a": 1.5, "b": 0.7})
    assert d.correct and d.terms[0].path == 0


def test_a_forgotten_cost_derivative_is_the_plain_difference():
    d = diagnose(NET, "w", "sp(z)*x", AT, definitions=SP)
    assert d.terms[0].missing == ("(a - y)",) and d.terms[0].constant == pytest.approx(1.0)


def test_a_constant_beyond_floats_is_never_called_inf():
    # d(x·1e-320)/dx is 1e-320: a formula of 1 is wrong by 1e320, which no float holds
    report = diagnose("x*1e-320", "x", "1", {"x": 2.0})
    text = str(report)
    assert "Your formula is not" in text
    assert "inf" not in text and "1e+320 (beyond the range of floats)" in text
    right = diagnose("x*1e-320", "x", "1e-320", {"x": 2.0})
    assert "Your formula is right" in str(right)


# --- right under a condition ----------------------------------------------------------------

SOFTMAX_CE = "p1, p2, p3 = softmax(o1, o2, o3); L = -(y1*log(p1) + y2*log(p2) + y3*log(p3))"


def softmax_point(seed, labels=(0.0, 1.0, 0.0)):
    rng = random.Random(seed)
    at = {f"o{k}": rng.uniform(-2.0, 2.0) for k in (1, 2, 3)}
    return {**at, **{f"y{k}": y for k, y in zip((1, 2, 3), labels)}}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("labels", [(0.0, 1.0, 0.0), (1.0, 0.0, 0.0), (0.2, 0.5, 0.3)])
def test_softmax_cross_entropy_p_minus_y_is_right_given_labels_that_add_up_to_1(seed, labels):
    d = diagnose(SOFTMAX_CE, "o2", "p2 - y2", softmax_point(seed, labels))
    assert d.given == "y1 + y2 + y3 = 1"
    assert d.verdict().startswith(
        "Your formula is right, given y1 + y2 + y3 = 1 (labels that add up to 1, as one-hot "
        "labels do)"
    )
    assert d.general == "p2 - y2 + p2·(y1 + y2 + y3 − 1)"
    assert "is not" not in str(d) and "has no term" not in str(d)


def test_the_general_derivative_named_beside_a_condition_is_the_engines_everywhere():
    d = diagnose(SOFTMAX_CE, "o2", "p2 - y2", softmax_point(0))
    rng = random.Random(7)
    for _ in range(5):  # labels that do not add up to 1: the general form still holds
        at = {**softmax_point(rng.random()), **{f"y{k}": rng.random() for k in (1, 2, 3)}}
        g = diagnose(SOFTMAX_CE, "o2", d.general.replace("·", "*"), at)
        assert g.correct


def test_p_minus_y_with_labels_that_do_not_add_up_to_1_is_not_right():
    d = diagnose(SOFTMAX_CE, "o2", "p2 - y2", softmax_point(0, (0.2, 0.5, 0.6)))
    assert not d.correct and d.given is None and "is not" in d.verdict()


def test_a_dropped_input_of_1_is_right_given_that_value_with_the_factor_named():
    net = "z = w1*x1 + w2*x2; C = 0.5*(z - y)^2"
    at = {"w1": 0.4, "w2": -0.3, "x1": 1.0, "x2": 1.7, "y": 0.2}
    d = diagnose(net, "w1", "(z - y)", at)
    assert d.given == "x1 = 1" and d.general == "(z - y)·x1"
    assert "is not" not in d.verdict()


def test_the_wrong_one_of_two_equal_inputs_is_right_given_they_are_equal():
    net = "z = w1*x1 + w2*x2; C = 0.5*(z - y)^2"
    at = {"w1": 0.4, "w2": -0.3, "x1": 1.3, "x2": 1.3, "y": 0.2}
    d = diagnose(net, "w1", "(z - y)*x2", at)
    assert d.given == "x1 = x2"
    assert d.general == "(z - y)*x2 + (z - y)·(x1 − x2)"
    moved = diagnose(net, "w1", "(z - y)*x2", {**at, "x2": 0.6})
    assert not moved.correct and moved.given is None


def test_a_formula_right_for_one_class_only_is_not_right_given_one_hot_labels():
    d = diagnose(SOFTMAX_CE, "o2", "p1*y1 + p2*y2 + p3*y3 - y2", softmax_point(0))
    assert d.given is None and d.verdict().startswith("Your formula is not ∂L/∂o2.")


@pytest.mark.parametrize("seed", [0, 3])
def test_a_formula_right_for_one_hot_labels_only_is_right_given_one_hot_labels(seed):
    # y2² is y2 for a label of 0 or 1, not for a distribution
    d = diagnose(SOFTMAX_CE, "o2", "p2 - y2^2", softmax_point(seed))
    assert d.given == "one-hot y1, y2, y3" and d.general is None
    assert d.verdict().startswith("Your formula is right, given one-hot y1, y2, y3")


# --- softmax as a person writes it ----------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_softmax_local_derivatives_read_p_times_one_minus_p_and_p_times_p(seed):
    d = diagnose(SOFTMAX_CE, "o2", "p2 - y2", softmax_point(seed))
    assert d.path_count == 3 and len(d.paths) == 3
    assert [p.factors for p in d.paths] == [
        ("p1·p2", "ln'(p1)", "y1"),
        ("p2(1 − p2)", "ln'(p2)", "y2"),
        ("p3·p2", "ln'(p3)", "y3"),
    ]
    assert [p.constant for p in d.paths] == [1.0, -1.0, 1.0]
    at = softmax_point(seed)
    e = [math.exp(at[f"o{k}"]) for k in (1, 2, 3)]
    p = [x / sum(e) for x in e]
    # the values are the named factors' values: p1·p2/p1·y1, −p2(1 − p2)/p2·y2, ...
    assert d.paths[1].value == pytest.approx(-(1 - p[1]) * at["y2"], rel=1e-12)
    labels = {**at, "y1": 0.3, "y2": 0.5, "y3": 0.2}
    d = diagnose(SOFTMAX_CE, "o2", "p2 - y2", labels)
    assert d.paths[0].value == pytest.approx(p[1] * 0.3, rel=1e-12)
    assert d.paths[2].value == pytest.approx(p[1] * 0.2, rel=1e-12)
    assert d.paths[1].value == pytest.approx(-(1 - p[1]) * 0.5, rel=1e-12)


def test_no_two_path_rows_print_the_same_text():
    for seed in range(3):
        rows = diagnose(SOFTMAX_CE, "o1", "p1 - y1", softmax_point(seed)).path_table().rows
        assert len({r[1] for r in rows}) == len(rows)


def test_logsumexp_local_derivative_is_the_softmax_written_out_or_named():
    at = {"o1": 0.3, "o2": -0.5, "o3": 1.1}
    d = diagnose("L = logsumexp(o1, o2, o3) - o2", "o1", "exp(o1)", at)
    assert d.paths[0].factors == ("exp(o1)/(exp(o1) + exp(o2) + exp(o3))",)
    named = "p1, p2, p3 = softmax(o1, o2, o3); L = logsumexp(o1, o2, o3) - o2"
    d = diagnose(named, "o2", "p2 - 1", at)
    assert d.correct and [p.factors for p in d.paths] == [("p2",), ()]
    assert [r[1] for r in d.path_table().rows] == ["p2", "−1"]


# --- slips named inside a factor -----------------------------------------------------------

SIG = "net = w*x + b; out = sigmoid(net)"


def sig_point(seed):
    rng = random.Random(seed)
    return {"w": rng.uniform(-1.5, 1.5), "x": rng.uniform(0.3, 2.0), "b": rng.uniform(-1, 1)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigma_prime_taken_at_the_output_is_named_with_the_node_it_belongs_at(seed):
    d = diagnose(SIG, "net", "sigmoid(out)*(1-sigmoid(out))", sig_point(seed))
    assert not d.correct and len(d.terms) == 1 and d.terms[0].path == 0
    assert d.terms[0].missing == ("σ'(net)",)
    assert d.terms[0].slip == (
        "Term 1: sigmoid(out)·(1-sigmoid(out)) is σ' taken at the wrong node; it must be "
        "taken at net: σ'(net) = out·(1 − out)."
    )
    assert d.terms[0].slip in d.verdict() and "stand for no" not in d.verdict()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_function_for_its_derivative_is_named(seed):
    d = diagnose(SIG, "w", "sigmoid(net)*x", sig_point(seed))
    assert d.terms[0].missing == ("σ'(net)",) and d.terms[0].extra == ("sigmoid(net)",)
    assert "sigmoid(net) is the function itself where its derivative belongs: " in d.verdict()
    assert "σ'(net) = out·(1 − out)" in d.terms[0].slip


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_missing_square_keeps_the_learners_product_whole(seed):
    at = {"w": 0.4, "x": 1.2, "b": 0.1} if seed == 0 else sig_point(seed)
    d = diagnose("y = tanh(x*w+b)", "w", "x*(1 - tanh(x*w+b))", at)
    assert len(d.terms) == 1 and d.terms[0].text == "x·(1 - tanh(x*w+b))"
    assert d.terms[0].missing == ("tanh'(x*w+b)",)
    assert d.terms[0].slip == (
        "Term 1: the square is missing in (1 - tanh(x*w+b)): tanh'(x*w+b) = 1 − y²."
    )
    assert not d.unexplained and not d.uncovered


def test_tanh_prime_taken_at_the_output_is_named():
    d = diagnose("u = w*x; h = tanh(u)", "w", "(1 - tanh(h)^2)*x", {"w": 0.7, "x": 1.1})
    assert d.terms[0].slip.startswith("Term 1: (1 - tanh(h)^2) is tanh' taken at the wrong")
    assert "taken at u: tanh'(u) = 1 − h²." in d.terms[0].slip


@pytest.mark.parametrize("seed", [0, 1])
def test_another_outputs_probability_is_named_in_each_term(seed):
    d = diagnose(SOFTMAX_CE, "o2", "p1*y1 + p2*y2 + p3*y3 - y2", softmax_point(seed))
    assert not d.correct
    slips = [t.slip for t in d.terms]
    assert slips[0] == "Term 1: the probability should be p2, not p1."
    assert slips[2] == "Term 3: the probability should be p2, not p3."
    # p2·y2 − y2 is path 2 between them: nothing is left unexplained
    assert d.terms[1].path == d.terms[3].path == 1
    assert not d.uncovered and not d.unexplained


@pytest.mark.parametrize("at", [{"x": 0.7, "w": 1.3}, {"x": -1.4, "w": 0.2}])
def test_a_missing_inner_derivative_is_named_as_the_chain_stopped_early(at):
    d = diagnose("f = (w*x)^3", "w", "3*(w*x)^2", at)
    assert d.terms[0].slip == (
        "Term 1: the chain rule stopped one step early: the inner derivative x (of w*x "
        "with respect to w) is missing."
    )


# --- the derivative of what ----------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_outputs_derivative_for_the_losss_is_named(seed):
    rng = random.Random(seed)
    at = {k: rng.uniform(-1.5, 1.5) for k in ("w1", "w2", "x1", "x2", "y")}
    d = diagnose("out = w1*x1 + w2*x2; E = 0.5*(y - out)^2", "w1", "x1", at)
    assert not d.correct and d.differentiated == ("out",)
    assert d.verdict().startswith("x1 is ∂out/∂w1: you differentiated out, not E.")
    assert "wrong sign" not in d.verdict()


def test_an_intermediates_derivative_is_named():
    d = diagnose(NET, "w", "a*(1-a)*x", AT)
    assert d.differentiated == ("a",) and d.equals == ()
    assert d.verdict().startswith("a*(1-a)*x is ∂a/∂w: you differentiated a, not C.")
    assert d.terms[0].missing == ("(a - y)",)


# --- notation in = notation out --------------------------------------------------------------


def typed_back(d):
    """The report's paths typed back as a formula: Σ constant · product of factors."""
    terms = []
    for p in d.paths:
        factors = [f"({f})" for f in p.factors] or ["1"]
        terms.append(f"({p.constant!r})*" + "*".join(factors))
    return " + ".join(terms)


@pytest.mark.parametrize(
    "net, wrt, at",
    [
        (SIG, "w", {"w": 0.4, "x": 1.2, "b": 0.1}),
        ("y = tanh(x*w+b)", "w", {"w": 0.4, "x": 1.2, "b": 0.1}),
        (NET, "w", AT),
        (
            "h = relu(w*x + b); o = v*h; C = 0.5*(o - y)^2",
            "w",
            {"w": 0.4, "x": 1.0, "b": 0.1, "v": 0.7, "y": 1.0},
        ),
        (SOFTMAX_CE, "o2", softmax_point(0, (0.2, 0.5, 0.3))),
        ("L = logsumexp(o1, o2, o3) - o2", "o1", {"o1": 0.3, "o2": -0.5, "o3": 1.1}),
        (Q1_NET, "w1", Q1_AT),
    ],
)
def test_every_path_the_report_prints_can_be_typed_back(net, wrt, at):
    d = diagnose(net, wrt, "1", at)
    back = diagnose(net, wrt, typed_back(d), at)
    assert back.correct, typed_back(d)


def test_sigma_prime_typed_as_printed_is_one_factor_of_the_path():
    d = diagnose(SIG, "w", "σ'(net)*x", {"w": 0.4, "x": 1.2, "b": 0.1})
    assert d.correct and len(d.terms) == 1 and d.terms[0].path == 0
    d = diagnose(NET, "w", "(a - y)*Sigmoid'(z)*x", AT)
    assert d.correct


def test_latex_names_in_a_network_and_a_formula_are_the_plain_names():
    net = "z^{2}_{1} = w^{2}_{11}*x_{1} + b^{2}_{1}; a^{2}_{1} = \\sigma(z^{2}_{1})"
    at = {"w2_11": 0.3, "x_1": 1.2, "b2_1": -0.1}
    d = diagnose(net, "w2_11", "\\sigma'(z^{2}_{1}) \\cdot x_{1}", at)
    assert d.correct and d.of == "a2_1"


def test_the_softmax_check_in_the_readme_prints_what_it_shows():
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parents[1] / "docs" / "learners.md").read_text(
        encoding="utf-8"
    )
    block = re.search(r'```bash\n(autograd-lite grad "p1, p2, p3 = softmax.*?)```', readme, re.S)
    args = re.findall(r'"[^"]*"|\S+', block.group(1).replace("\\\n", " "))[1:]
    out = subprocess.run(
        [sys.executable, "-m", "autograd_lite", *(a.strip('"') for a in args)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    shown = re.search(r"prints, with the term table,\n\n```\n(.*?)```", readme, re.S).group(1)
    printed = {" ".join(line.split()) for line in out.splitlines()}
    for line in shown.splitlines():
        if line.strip():
            assert " ".join(line.split()) in printed, line


@pytest.mark.parametrize("at", [HALF, random_weights(4)], ids=["half", "random"])
def test_the_tables_fit_100_columns_long_factors_named_once_below(at):
    d = diagnose(Q1, "w1", Q1_THEIRS, at, definitions=Q1_DEFS)
    text = str(d)
    rows = [*d.term_table().text().splitlines(), *d.path_table().text().splitlines()[1:]]
    assert max(len(r) for r in rows) <= 100
    legend = [n for n in d.table().notes if n.startswith("⟨")]
    assert legend and all(text.count(n.split(" = ", 1)[1]) == 1 for n in legend)
    # the facts are the same: the missing factors are still named in full
    assert sorted(t.missing for t in d.terms) == [("w2", "w4"), ("w3", "w5")]


def test_short_tables_name_nothing():
    d = diagnose(NET, "w", RIGHT, AT, definitions=SP)
    assert "⟨1⟩" not in str(d)


TWO = "h = sigmoid(w1*x); o = sigmoid(w2*h); E = 0.5*(t - o)^2"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sigma_prime_of_the_next_unit_is_named_as_taken_at_the_wrong_node(seed):
    rng = random.Random(seed)
    at = {"w1": rng.uniform(-1, 1), "w2": rng.uniform(-1, 1), "x": rng.uniform(0.5, 2), "t": 0.2}
    d = diagnose(TWO, "w1", "-(t - o)*o*(1-o)*w2*o*(1-o)*x", at)
    assert len(d.terms) == 1 and d.terms[0].missing == ("σ'(w1*x)",)
    assert d.terms[0].slip == (
        "Term 1: o·(1-o) is σ' taken at the wrong node; it must be taken at w1*x: "
        "σ'(w1*x) = h·(1 − h)."
    )


def test_the_general_derivative_beside_a_condition_may_be_a_product_of_names():
    net = "o1 = w1*x; o2 = w2*x; o3 = w3*x; " + SOFTMAX_CE
    at = {"w1": 0.3, "w2": -0.5, "w3": 1.1, "x": 0.7, "y1": 0, "y2": 0, "y3": 1}
    d = diagnose(net, "w2", "(p2 - y2)*x", at)
    assert d.given == "y1 + y2 + y3 = 1"
    assert d.general == "(p2 - y2)*x + x·p2·(y1 + y2 + y3 − 1)"
    at = {**at, "y1": 0.6, "y2": 0.9, "y3": -0.2}  # labels that do not add up to 1
    assert diagnose(net, "w2", d.general.replace("·", "*"), at).correct


# --- index notation --------------------------------------------------------------------------

INDEXED = "z_j = Σ_k w_jk*x_k + b_j; a_j = sigmoid(z_j); C = 0.5*Σ_j (a_j - y_j)^2"
BY_HAND = """
z_1 = w_11*x_1 + w_12*x_2 + b_1
z_2 = w_21*x_1 + w_22*x_2 + b_2
z_3 = w_31*x_1 + w_32*x_2 + b_3
a_1 = sigmoid(z_1); a_2 = sigmoid(z_2); a_3 = sigmoid(z_3)
C = 0.5*((a_1 - y_1)^2 + (a_2 - y_2)^2 + (a_3 - y_3)^2)
"""


def indexed_values(seed):
    rng = random.Random(seed)
    at = {f"w_{j}{k}": rng.uniform(-1, 1) for j in (1, 2, 3) for k in (1, 2)}
    at.update({f"x_{k}": rng.uniform(-1, 1) for k in (1, 2)})
    at.update({f"b_{j}": rng.uniform(-1, 1) for j in (1, 2, 3)})
    at.update({f"y_{j}": rng.uniform(0, 1) for j in (1, 2, 3)})
    return at


@pytest.mark.parametrize("seed", [0, 1])
def test_index_notation_is_the_network_typed_out_by_hand_for_every_j_k(seed):
    at = indexed_values(seed)
    for net in (INDEXED, INDEXED.replace("Σ_k w_jk*x_k", "sum_k(w_jk*x_k)")):
        for j, k in itertools.product((1, 2, 3), (1, 2)):
            f = f"(a_{j} - y_{j})*a_{j}*(1-a_{j})*x_{k}"
            mine = diagnose(net, f"w_{j}{k}", f, at)
            hand = diagnose(BY_HAND, f"w_{j}{k}", f, at)
            assert mine.correct and hand.correct
            assert mine.gradient == pytest.approx(hand.gradient, rel=1e-13, abs=1e-16)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_formula_in_index_notation_is_checked_for_every_index_value(seed):
    d = diagnose(INDEXED, "w_jk", "(a_j - y_j)*a_j*(1-a_j)*x_k", indexed_values(seed))
    assert d.correct and len(d.diagnoses) == 6 and d.letters == ("j", "k")
    assert sorted(d.values) == [(j, k) for j in (1, 2, 3) for k in (1, 2)]
    assert d.verdict() == "Your formula is ∂C/∂w_jk for every (j, k): 6 index values checked."


def test_a_swapped_index_is_named_with_the_index_values_where_it_fails():
    at = {k: v for k, v in indexed_values(3).items() if not k.endswith("3") and k != "w_31"}
    at = {k: v for k, v in at.items() if k not in ("w_32", "b_3", "y_3")}
    d = diagnose(INDEXED, "w_jk", "(a_k - y_k)*a_k*(1-a_k)*x_j", at)
    assert not d.correct and len(d.diagnoses) == 4
    assert [d.values[i] for i in d.failures] == [(1, 2), (2, 1)]
    assert d.swapped[d.values.index((1, 2))] == "w_21"
    assert "a swapped index, w_kj for w_jk." in d.verdict()
    assert "for 2 of 4 index values, (j, k) = (1, 2), (2, 1)." in d.verdict()


def test_nielsens_layered_names_in_index_notation():
    net = "z2_j = Σ_k w2_jk*a1_k + b2_j; a2_j = sigmoid(z2_j); C = 0.5*Σ_j (a2_j - y_j)^2"
    at = {
        "a1_1": 0.3,
        "a1_2": -0.8,
        "w2_11": 0.1,
        "w2_12": -0.2,
        "w2_21": 0.4,
        "w2_22": 0.3,
        "b2_1": 0.1,
        "b2_2": -0.1,
        "y_1": 0.2,
        "y_2": 0.7,
    }
    d = diagnose(net, "w2_jk", "(a2_j - y_j)*σ'(z2_j)*a1_k", at)
    assert d.correct and len(d.diagnoses) == 4


def test_an_index_range_is_taken_from_ranges_when_the_values_do_not_tell_it():
    net = "C = Σ_k w_k*x_k"
    with pytest.raises(ExprError, match="the index k is ambiguous"):
        diagnose(net, "w_1", "x_1", {"w_1": 1.0, "w_2": 2.0, "x_1": 3.0, "x_2": 4.0, "x_3": 5.0})
    at = {"w_1": 1.0, "w_2": 2.0, "x_1": 3.0, "x_2": 4.0, "x_3": 5.0}
    d = diagnose(net, "w_k", "x_k", at, ranges=["k=1..2"])
    assert d.correct and d.values == ((1,), (2,))


def test_an_index_with_no_range_is_refused_with_what_to_give():
    with pytest.raises(ExprError, match="cannot tell what values the index k takes"):
        diagnose("C = Σ_k u*v_k", "u", "1", {"u": 1.0, "v": 2.0})


def test_a_plain_name_with_letters_after_an_underscore_is_not_an_index():
    d = diagnose(
        "a_out = sigmoid(z); C = (a_out - y)^2", "z", "2*(a_out - y)*σ'(z)", {"z": 0.3, "y": 0.2}
    )
    assert d.correct


def test_the_index_notation_example_in_the_readme_prints_what_it_says():
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parents[1] / "docs" / "learners.md").read_text(
        encoding="utf-8"
    )
    block = re.search(
        r"```python\n(from autograd_lite.teach import diagnose\n\nnetwork = .*?)```", readme, re.S
    ).group(1)
    out = subprocess.run(
        [sys.executable, "-c", block], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    said = [ln[2:] for ln in block.splitlines() if ln.startswith("# ")]
    assert out[0] == said[0]
    assert out[1].startswith(said[1]) and out[1].endswith(said[2].split("(...)")[1])


def test_index_notation_written_as_latex_is_read():
    net = r"z^{2}_{j} = \sum_{k} w^{2}_{jk}*x_{k} + b^{2}_{j}; C = 0.5*\sum_j (z^{2}_{j} - y_j)^2"
    at = {
        "x_1": 0.3,
        "x_2": -0.8,
        "w2_11": 0.1,
        "w2_12": -0.2,
        "w2_21": 0.4,
        "w2_22": 0.3,
        "b2_1": 0.1,
        "b2_2": -0.1,
        "y_1": 0.2,
        "y_2": 0.7,
    }
    d = diagnose(net, "w2_jk", "(z2_j - y_j)*x_k", at)
    assert d.correct and len(d.diagnoses) == 4


def test_a_swapped_index_in_names_typed_out_is_named():
    net = "z_1 = w_11*x_1 + w_12*x_2; z_2 = w_21*x_1 + w_22*x_2; C = z_1*y_1 + z_2*y_2"
    at = {
        "x_1": 0.3,
        "x_2": -0.8,
        "w_11": 0.1,
        "w_12": -0.2,
        "w_21": 0.4,
        "w_22": 0.3,
        "y_1": 0.2,
        "y_2": 0.7,
    }
    d = diagnose(net, "w_12", "y_2*x_1", at)
    assert d.equals == ("w_21",)
    assert (
        "Your formula equals ∂C/∂w_21, not ∂C/∂w_12. The indices are swapped: w_21 for "
        "w_12." in d.verdict()
    )
    assert (
        "swapped"
        not in diagnose(
            Q2, "w2_11", "a2_1*(a3_1 - y)*sp(z3_1)", q2_values()[1], definitions=SP
        ).verdict()
    )


def test_a_formula_right_only_where_all_weights_are_equal_says_so():
    # w3 and w5 for w2 and w4: the same numbers wherever the four weights are equal
    at = {"I": 1.3, "w1": 0.5, "w2": 0.5, "w3": 0.5, "w4": 0.5, "w5": 0.5}
    wrong = Q1_FIXED.replace("w4*d", "w5*d", 1).replace("*w2*d", "*w3*d", 1)
    d = diagnose(Q1, "w1", wrong, at, definitions=Q1_DEFS)
    assert d.given == "w1 = w2 = w3 = w4 = w5"
    assert d.verdict().startswith("Your formula is right, given w1 = w2 = w3 = w4 = w5")
    assert not diagnose(Q1, "w1", wrong, random_weights(1), definitions=Q1_DEFS).given


def test_a_function_of_ones_own_written_for_its_derivative_is_named():
    d = diagnose(
        "z = w*x + b; a = s(z)",
        "w",
        "s(z)*x",
        {"w": 0.7, "x": 1.3, "b": -0.2},
        definitions=["s(t)=1/(1+exp(-t))"],
    )
    assert d.terms[0].missing == ("s'(z)",)
    assert d.terms[0].slip == (
        "Term 1: s(z) is the function itself where its derivative belongs: s'(z)."
    )


def test_matrix_entries_in_index_notation_are_indexed_names():
    net = "z[j,1] = Σ_k W[j,k]*x_k; C = 0.5*Σ_j (z_j1 - y_j)^2"
    at = {
        "x_1": 0.3,
        "x_2": -0.8,
        "W_11": 0.1,
        "W_12": -0.2,
        "W_21": 0.4,
        "W_22": 0.3,
        "y_1": 0.2,
        "y_2": 0.7,
    }
    d = diagnose(net, "W_jk", "(z_j1 - y_j)*x_k", at)
    assert d.correct and len(d.diagnoses) == 4
    assert diagnose(net, "W_12", "(z_11 - y_1)*x_2", at).correct


@pytest.mark.parametrize("seed", [0, 1])
def test_a_factor_in_place_of_another_is_kept_whole_and_named(seed):
    at = sig_point(seed)
    d = diagnose("y = tanh(x*w+b)", "w", "x*(1 + tanh(x*w+b))", at)
    assert len(d.terms) == 1 and d.terms[0].path == 0
    assert d.terms[0].missing == ("tanh'(x*w+b)",) and d.terms[0].extra == ("(1 + tanh(x*w+b))",)
    assert d.terms[0].slip == "Term 1 has (1 + tanh(x*w+b)) where the chain rule has tanh'(x*w+b)."
    assert not d.unexplained


def test_log_softmax_local_derivatives_read_one_minus_exp_and_exp():
    net = "l1, l2, l3 = logsoftmax(o1, o2, o3); L = -(y1*l1 + y2*l2 + y3*l3)"
    at = softmax_point(0, (0.2, 0.5, 0.3))
    d = diagnose(net, "o2", "exp(l2) - y2", at)
    assert d.given == "y1 + y2 + y3 = 1"
    assert [p.factors for p in d.paths] == [
        ("exp(l2)", "y1"),
        ("(1 − exp(l2))", "y2"),
        ("exp(l2)", "y3"),
    ]
    assert diagnose(net, "o2", typed_back(d), at).correct
