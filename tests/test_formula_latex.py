"""formula.latex: what a learner typed, typeset as a textbook prints it.

A table of formulas and the LaTeX each must give; the reader's own errors for what it
cannot read; a hostile alphabet of names (the escaping of test_escape.py) that never makes a
LaTeX command of its own; and, in slow tests, every case compiled by pdflatex in math mode
and rendered by KaTeX (the lab's typesetter) without an error.
"""

import json
import re
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import escape
from autograd_lite.formula import ExprError, define, latex, read_program

CASES = [
    # precedence: only the brackets the order of operations needs
    ("x^2 + 1", "x^{2} + 1"),
    ("(a+b)^2", "(a + b)^{2}"),
    ("(-2)^2", "(-2)^{2}"),
    ("-2^2", "-2^{2}"),
    ("-x^2", "-x^{2}"),
    ("a - (b - c)", "a - (b - c)"),
    ("a - (b + c)", "a - (b + c)"),
    ("a + (b - c)", "a + b - c"),
    ("a + (-b)", "a + (-b)"),
    ("-(a+b)", "-(a + b)"),
    ("-(-a)", "-(-a)"),
    ("a*(b*c)", "a b c"),
    ("a^b^c", "a^{b^{c}}"),
    ("(a^b)^c", "(a^{b})^{c}"),
    ("x^-1", "x^{-1}"),
    # fractions
    ("a/b", r"\frac{a}{b}"),
    ("(a/b)^2", r"\left(\frac{a}{b}\right)^{2}"),
    ("a/(b/c)", r"\frac{a}{\frac{b}{c}}"),
    ("x/y*z", r"\frac{x}{y} z"),
    ("x*y/z", r"\frac{x y}{z}"),
    (r"\frac{a}{b}", r"\frac{a}{b}"),
    ("½x", r"\frac{1}{2} x"),
    ("1/(1+exp(-x))", r"\frac{1}{1 + e^{-x}}"),
    # products: juxtaposed as books write them, a dot where juxtaposition would mislead
    ("2*x", "2 x"),
    ("2x", "2 x"),
    ("x*2", r"x \cdot 2"),
    ("2*3", r"2 \cdot 3"),
    ("I*w1+1", "I w_{1} + 1"),
    ("sigmoid(z)*(1-sigmoid(z))", r"\sigma(z) (1 - \sigma(z))"),
    ("σ'(z)*w2", r"\sigma'(z) \cdot w_{2}"),
    ("(a+b)(c+d)", "(a + b) (c + d)"),
    ("a*(-b)", "a (-b)"),
    ("pi*r^2", r"\pi r^{2}"),
    ("0.50*x", "0.50 x"),
    ("1e-3*x", r"1 \times 10^{-3} \cdot x"),
    # functions
    ("tanh(z)^2", r"\tanh^{2}(z)"),
    ("1 - tanh(z)^2", r"1 - \tanh^{2}(z)"),
    ("relu(x)", r"\operatorname{ReLU}(x)"),
    ("ReLU'(z)", r"\operatorname{ReLU}'(z)"),
    ("tanh'(z)", r"\tanh'(z)"),
    ("log(x) + ln(y)", r"\ln(x) + \ln(y)"),
    ("log1p(x)", r"\ln(1 + x)"),
    ("log2(x)", r"\log_{2}(x)"),
    ("sqrt(x+1)", r"\sqrt{x + 1}"),
    ("√x", r"\sqrt{x}"),
    ("exp(w*x+b)", "e^{w x + b}"),
    ("exp(-(x-m)^2)", r"\exp(-(x - m)^{2})"),
    ("e^x", "e^{x}"),
    ("|x - y|", r"\left|x - y\right|"),
    ("max(a, b)", r"\max(a, b)"),
    ("sin(x)^2 + cos(x)^2", r"\sin^{2}(x) + \cos^{2}(x)"),
    (r"\sigma(z)", r"\sigma(z)"),
    # names with indices, as the reader writes them
    ("w_jk", "w_{jk}"),
    ("w_{jk}", "w_{jk}"),
    ("w^2_{11}", "w^{2}_{11}"),
    ("a^{2}_{1}", "a^{2}_{1}"),
    ("w2_11", "w^{2}_{11}"),
    ("z2_j", "z^{2}_{j}"),
    ("w2_11^2", "(w^{2}_{11})^{2}"),
    ("x1", "x_{1}"),
    ("W[1,2]", "W_{12}"),
    ("delta", r"\delta"),
    ("a_out", r"a_{\mathrm{out}}"),
    ("loss", r"\mathit{loss}"),
    ("α1", r"\ensuremath{\alpha}_{1}"),
    # sums in index notation, each reaching as far as the reader's
    ("z_j = Σ_k w_jk*x_k + b_j", r"z_{j} = \sum_{k} w_{jk} x_{k} + b_{j}"),
    ("C = 0.5*Σ_j (a_j - y_j)^2", r"C = 0.5 \sum_{j} (a_{j} - y_{j})^{2}"),
    (r"z = \sum_{k} x_k", r"z = \sum_{k} x_{k}"),
    ("z = sum_k(w_k*x_k)*2", r"z = \left(\sum_{k} w_{k} x_{k}\right) \cdot 2"),
    ("y*Σ_k x_k", r"y \cdot \sum_{k} x_{k}"),
    ("Σ_k x_k * y", r"\sum_{k} x_{k} y"),
    # statements and definitions
    ("s(x) = 1/(1+exp(-x))", r"s(x) = \frac{1}{1 + e^{-x}}"),
    ("O = sigmoid(x)\n", r"O = \sigma(x)"),
    (
        "s(x)=1/(1+exp(-x))\nd(x)=s(x)*(1-s(x))\nO = s(s(I*w1+1)*w2+1)",
        r"\begin{aligned}s(x) &= \frac{1}{1 + e^{-x}} \\ d(x) &= s(x) (1 - s(x)) \\ "
        r"O &= s(s(I w_{1} + 1) \cdot w_{2} + 1)\end{aligned}",
    ),
    (
        "p1, p2 = softmax(x1, x2); L = -log(p1)",
        r"\begin{aligned}p_{1}, p_{2} &= \operatorname{softmax}(x_{1}, x_{2}) \\ "
        r"L &= -\ln(p_{1})\end{aligned}",
    ),
    (
        "a2_1 = sigmoid(z2_1); a2_1^2",
        r"\begin{aligned}a^{2}_{1} &= \sigma(z^{2}_{1}) \\ &(a^{2}_{1})^{2}\end{aligned}",
    ),
]


@pytest.mark.parametrize("formula, expected", CASES, ids=[c[0] for c in CASES])
def test_a_formula_is_typeset_as_a_textbook_prints_it(formula, expected):
    assert latex(formula) == expected


def test_a_learners_formula_calls_the_functions_the_network_defines():
    network = read_program("s(x)=1/(1+exp(-x)); d(x)=s(x)*(1-s(x)); O = s(w*x)")
    assert latex("d(w*x)*x", definitions=network.definitions) == r"d(w x) \cdot x"
    given = define(["ds(t)=sigmoid(t)*(1-sigmoid(t))"])
    assert latex("ds(z)*w", definitions=given) == r"\operatorname{ds}(z) \cdot w"
    with pytest.raises(ExprError, match="d is not a function"):
        latex("d(w*x)*x")


@pytest.mark.parametrize(
    "text, message",
    [
        ("x^^2", "cannot read the formula: invalid syntax"),
        ("O = <img src=x>", "cannot read the formula"),
        (r"\input{secret}", "cannot read the formula"),
        ("x}{", "unmatched '}'"),
        ("", "the program is empty"),
        ("s(x)=s(x)", "recursive definition"),
        ("x*" * 2600 + "x", "at most 5000 are accepted"),
        ("sech(x)", "sech is not built in"),
        ("__import__('os')", "not allowed"),
    ],
)
def test_what_the_reader_refuses_gets_the_readers_own_message(text, message):
    with pytest.raises(ExprError, match=re.escape(message)) as caught:
        latex(text)
    try:
        read_program(text)
    except ExprError as err:
        assert str(caught.value) == str(err)


def test_an_error_after_a_sum_points_at_the_text_as_typed():
    with pytest.raises(ExprError) as caught:
        latex("z = Σ_k w_jk*x_k + ^")
    assert caught.value.text == "z = Σ_k w_jk*x_k + ^"


# ---- hostile names: through escape.latex, never a command of their own ----

# the identifier characters of test_escape.py's hostile alphabet, and some of their kind
LETTERS = "w٣١߁中文ąęŁóźñüéßłıæøǅﬁªαΣ_x"
COMMANDS = set(
    "frac cdot sigma tanh ln log exp sin cos operatorname sqrt left right max min sum times "
    "mathit mathrm text textbackslash ensuremath begin end pi delta ss l L i ae AE o O oe "
    "OE".split()
)
COMMANDS |= set("alpha beta gamma Sigma".split()) | set("ruvHc")  # and the accents \v{z} ...


def commands(tex):
    """The control words of a LaTeX text (an accent or an escaped special is no word)."""
    return set(re.findall(r"\\([A-Za-z]+)", tex))


def balanced(tex):
    depth = 0
    for c in re.sub(r"\\[{}%$&#_]", "", tex):
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


def names():
    return st.text(st.sampled_from(LETTERS), min_size=1, max_size=12).filter(
        lambda n: n.isidentifier() and "__" not in n
    )


@given(names())
def test_a_hostile_name_makes_no_command_brace_or_comment_of_its_own(name):
    try:
        tex = latex(f"y = {name}*x + {name}^2")
    except ExprError:
        return
    assert tex.isascii() and balanced(tex)
    assert "%" not in tex.replace("\\%", "")
    assert commands(tex) <= COMMANDS, commands(tex) - COMMANDS


def test_a_name_of_other_letters_is_shown_letter_for_letter():
    assert latex("中文 + 1") == r"\text{" + escape.latex("中文") + "} + 1"
    assert latex("Łódź*x") == r"\text{" + escape.latex("Łódź") + r"} \cdot x"


@given(st.text(st.sampled_from("x1+*/^()|√σ'_{}[],;=\\%$#&~\n Σk·−²"), max_size=30))
def test_any_text_is_typeset_safely_or_refused_with_the_readers_message(text):
    try:
        tex = latex(text)
    except ExprError:
        return
    assert tex.isascii() and balanced(tex)
    assert commands(tex) <= COMMANDS, commands(tex) - COMMANDS


# ---- slow: every case through pdflatex and KaTeX ----

HOSTILE_NAMES = ["中文", "Łódź", "wagą", "w٣", "ﬁ", "ǅ", "x_ß", "α_β", "a_b_c", "Σx"]


def every_case():
    texts = [latex(f) for f, _ in CASES]
    return texts + [latex(f"y = {n}*x + {n}^2") for n in HOSTILE_NAMES]


@pytest.mark.slow
def test_every_case_compiles_with_pdflatex_in_math_mode(tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    (tmp_path / "secret.txt").write_text("SECRET CONTENTS")
    body = "\n".join(rf"\[{tex}\]" for tex in every_case())
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
        + body
        + "\n\\end{document}\n"
    )
    run = subprocess.run(
        ["pdflatex", "-no-shell-escape", "-recorder", "-interaction=nonstopmode", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "invalid in math mode" not in log and "Missing" not in log
    opened = [
        line.split(" ", 1)[1]
        for line in (tmp_path / "doc.fls").read_text().splitlines()
        if line.startswith("INPUT ")
    ]
    assert not [f for f in opened if "secret" in f]


KATEX = "lab/node_modules/katex/dist/katex.min.js"
KATEX_RUN = """
const katex = require(process.argv[1]);
const macros = JSON.parse(process.argv[2]);
const failed = [];
for (const tex of JSON.parse(require("fs").readFileSync(0, "utf8"))) {
  try { katex.renderToString(tex, {throwOnError: true, strict: "error", trust: false,
                                   macros: {...macros}, maxExpand: 1000}); }
  catch (e) { failed.push([tex, e.message]); }
}
console.log(JSON.stringify(failed));
"""


@pytest.mark.slow
def test_every_case_renders_in_katex_with_the_labs_macros():
    from autograd_lite import lab

    root = lab.lab_folder().parent
    if shutil.which("node") is None or not (root / KATEX).is_file():
        pytest.skip("needs Node.js and the lab's npm packages (npm ci in lab/)")
    run = subprocess.run(
        ["node", "-e", KATEX_RUN, str(root / KATEX), json.dumps(lab.KATEX_MACROS)],
        input=json.dumps(every_case()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == []


def test_with_the_variables_known_a_name_before_brackets_is_a_product():
    assert latex("a*(1-a) + x(1-x)", variables=["a", "x"]) == "a (1 - a) + x (1 - x)"
    with pytest.raises(ExprError, match="unknown variable 'q'"):
        latex("x*q", variables=["x"])
    network = "z_j = Σ_k w_jk*x_k + b_j"  # index notation: its names are plain names here
    assert latex(network, variables=["w_11", "x_1", "b_1"]).startswith(r"z_{j} = \sum_{k}")


PIECES = ["Σ_k", "sum_k(", r"\sum_{k}", "x_k", "w_jk", "+", "*", "(", ")", "=", ";", "y", " "]
PIECES += ["2", "^", "-", "/", "\n", "s(x)", "z_j =", "f(a)=", "a", "σ'(", "|", "√", "{", ","]


@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_any_arrangement_of_sums_and_statements_is_typeset_or_refused_clearly(text):
    try:
        tex = latex(text)
    except ExprError as err:
        assert err.reason
        return
    assert tex.isascii() and balanced(tex)


@pytest.mark.parametrize(
    "text, message",
    [
        ("a = 1; Σ_k", "Σ_k sums nothing"),
        ("y = aΣ_k*x", "a sum is written Σ_k before the term it sums"),
    ],
)
def test_a_sum_in_the_wrong_place_is_refused_with_how_to_write_it(text, message):
    with pytest.raises(ExprError, match=re.escape(message)):
        latex(text)


@pytest.mark.parametrize(
    "formula, variables",
    [("x1 - x_1", ["x1", "x_1"]), ("w11 - w_11", None), ("delta - δ", None)],
)
def test_names_a_textbook_would_print_alike_are_written_as_typed(formula, variables):
    tex = latex(formula, variables=variables)
    left, right = tex.split(" - ")
    assert left != right and left.startswith(r"\texttt{") and right.startswith(r"\texttt{")
    assert latex("x1 - x2") == "x_{1} - x_{2}"  # names that differ keep the textbook's look


def test_latex_nested_past_what_a_renderer_survives_is_refused_with_the_bound():
    assert latex("^".join(["x"] * 40))  # 40 powers deep: typeset
    with pytest.raises(ExprError, match=r"nests 159 levels of braces, more than 60"):
        latex("^".join(["x"] * 160))  # a browser's renderer crashed on 150


def test_a_name_python_folds_is_the_name_given():
    from autograd_lite.formula import evaluate

    assert evaluate("ſ*2", {"ſ": 3.0}).data == 6.0  # ſ is read as s, as Python reads it
    assert latex("ſ*w", variables=["ſ", "w"]) == "s w"
