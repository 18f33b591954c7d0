"""The autograd-lite command: in this process for speed, and as `python -m autograd_lite`."""

import contextlib
import io
import os
import re
import subprocess
import sys
from typing import NamedTuple

import pytest

from autograd_lite.cli import main
from conftest import needs_graphviz

Q1 = "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
Q1_AT = "I=1,w1=0.5,w2=0.5,w3=0.5,w4=0.5,w5=0.5"
THEIRS = (
    "d(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
    " * (d(s(I*w1+1)*w2+1)*d(I*w1+1)*I + d(s(I*w1+1)*w3+1)*d(I*w1+1)*I)"
)
DEFS = ["--define", "s(x)=1/(1+exp(-x))", "--define", "d(x)=s(x)*(1-s(x))"]


class Result(NamedTuple):
    returncode: int
    stdout: bytes
    stderr: bytes


def run(*args):
    """The command run in this process (fast); the tests at the end also run it as
    `python -m autograd_lite` in a subprocess, as a user does."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Result(code, out.getvalue().encode(), err.getvalue().encode())


def run_python_m(*args, encoding="utf-8"):
    env = dict(os.environ, PYTHONIOENCODING=encoding)
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *args], capture_output=True, env=env, timeout=60
    )


def out_of(*args):
    r = run(*args)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


def number_after(text, prefix):
    line = next(ln for ln in text.splitlines() if ln.startswith(prefix))
    return float(line.replace(":", "=").split("=")[-1])


def test_question_1_value_and_gradient_to_1e_12():
    out = out_of("grad", Q1, *DEFS, "--at", Q1_AT, "--digits", "15")
    assert number_after(out, "O = ") == pytest.approx(0.858583510611, abs=1e-12)
    assert number_after(out, "∂O/∂w1") == pytest.approx(0.00142918810220, abs=1e-12)


def test_every_partial_derivative_is_printed():
    out = out_of("grad", Q1, *DEFS, "--at", Q1_AT)
    assert [ln.split(" =")[0].strip() for ln in out.splitlines()[1:]] == [
        "∂O/∂I",
        "∂O/∂w1",
        "∂O/∂w2",
        "∂O/∂w3",
        "∂O/∂w4",
        "∂O/∂w5",
    ]


def test_wrt_limits_the_output():
    out = out_of("grad", "x*y", "--at", "x=2,y=3", "--wrt", "y")
    assert out.splitlines() == ["f = 6", "∂f/∂y = 2"]


def test_check_of_the_wrong_formula_names_the_missing_factors():
    out = out_of(
        "grad", Q1, *DEFS, "--at", Q1_AT, "--wrt", "w1", "--check", THEIRS, "--digits", "15"
    )
    assert number_after(out, "your formula:") == pytest.approx(0.00571675240882, abs=1e-12)
    assert number_after(out, "ratio yours/engine") == pytest.approx(4.0, rel=1e-12)
    terms = [ln for ln in out.splitlines() if re.match(r"[12] +(⟨\d⟩·)?d\(", ln)]
    # term 1 stands for path 1 and misses w2 and w4; term 2 for path 2, missing w3 and w5;
    # nothing extra, no constant left over
    assert len(terms) == 2
    assert re.search(r"  path 1 +w2, w4 +— +—$", terms[0]), terms[0]
    assert re.search(r"  path 2 +w3, w5 +— +—$", terms[1]), terms[1]
    assert "Your formula is not ∂O/∂w1. 2 term(s) miss factors" in out


def test_check_of_a_correct_formula_says_so_in_one_line():
    out = out_of("grad", "x^3", "--at", "x=2", "--wrt", "x", "--check", "3*x^2")
    assert "Your formula is right: it equals ∂f/∂x (checked at 7 points)." in out
    assert "ratio yours/engine = 1" in out


def test_explain_prints_the_path_table():
    out = out_of("grad", "a*a", "--at", "a=3", "--explain")
    assert "sum over 2 path(s)" in out and "engine gradient:    6  (agrees)" in out


@needs_graphviz
def test_draw_writes_a_picture(tmp_path):
    target = tmp_path / "g.dot"
    out = out_of("grad", "tanh(x*w)", "--at", "x=1,w=2", "--wrt", "w", "--draw", str(target))
    assert "drawing written" in out and target.read_text().startswith("digraph")


def test_step_writes_a_page(tmp_path):
    pytest.importorskip("graphviz")
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    target = tmp_path / "s.html"
    out_of("grad", "tanh(x*w)", "--at", "x=1,w=2", "--step", str(target))
    assert "Next" in target.read_text(encoding="utf-8")


def test_demo_backprop_reports_ratio_4_and_the_missing_factors():
    out = out_of("demo", "backprop")
    assert "ratio yours/engine = 4" in out
    assert "path 1      w2, w4" in out and "path 2      w3, w5" in out


def test_demo_nielsen_prints_the_four_equations():
    out = out_of("demo", "nielsen")
    assert "all agree" in out and "BP4" in out


def test_help_has_examples():
    out = out_of("grad", "--help")
    assert "examples:" in out and "--check" in out


@pytest.mark.parametrize(
    "args, words",
    [
        (["grad", "open(x)", "--at", "x=1"], "unknown function 'open'"),
        (["grad", "x.__class__", "--at", "x=1"], "attribute access"),
        (["grad", "__import__", "--at", "x=1"], "double underscores"),
        (["grad", "__import__('os')"], "'__import__' is not allowed (no double underscores)"),
        (["grad", "lambda: x", "--at", "x=1"], "lambda"),
        (["grad", "[x for x in y]", "--at", "x=1,y=2"], "comprehensions"),
        (["grad", "9**9**9"], "too large"),
        (["grad", "(" * 10000 + "x" + ")" * 10000, "--at", "x=1"], "characters long"),
        (["grad", "(" * 150 + "x" + ")" * 150, "--at", "x=1"], "nested more than"),
        (["grad", ""], "empty"),
        (["grad", "x + z", "--at", "x=1"], "unknown variable 'z'"),
        (["grad", "log(x)", "--at", "x=0"], "log"),
        (["grad", "x", "--at", "x=abc"], "not a number"),
        (["grad", "x", "--at", "x=1", "--wrt", "q"], "not a variable"),
        (["grad", "x*y", "--at", "x=1,y=2", "--check", "y"], "exactly one derivative"),
        (["grad", "s(x)", "--define", "s(x)=s(x)", "--at", "x=1"], "recursive definition"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_code_2(args, words):
    r = run(*args)
    err = r.stderr.decode()
    assert r.returncode == 2
    assert words in err and "Traceback" not in err
    assert err.startswith("autograd-lite: error:")


@pytest.mark.slow  # a new interpreter per run; CI runs it
def test_non_utf8_bytes_in_argv_are_a_clear_error():
    r = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "grad", b"x + \xff\xfe", "--at", "x=1"],
        capture_output=True,
        timeout=60,
    )
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 2 and "UTF-8" in err and "Traceback" not in err


def test_error_points_at_the_place_in_the_formula():
    r = run("grad", "x + foo(x)", "--at", "x=1")
    lines = r.stderr.decode().splitlines()
    assert lines[-2:] == ["  x + foo(x)", "      ^^^"]


def test_no_command_prints_help_and_exits_2():
    r = run()
    assert r.returncode == 2 and "grad" in r.stdout.decode()


def test_main_can_be_called_in_process(capsys):
    from autograd_lite.cli import main

    assert main(["grad", "x*x", "--at", "x=3"]) == 0
    assert capsys.readouterr().out.splitlines() == ["f = 9", "∂f/∂x = 6"]


# 4 calls of a 100-term sum: 397 value nodes, above the default drawing limit of 300
BIG = ["grad", "s(s(s(s(x))))", "--define", "s(t)=" + "+".join(["t"] * 100), "--at", "x=1"]


@needs_graphviz
@pytest.mark.parametrize("option, file", [("--draw", "g.dot"), ("--step", "s.html")])
def test_too_large_graph_error_names_the_max_nodes_option(tmp_path, option, file):
    r = run(*BIG, option, str(tmp_path / file))
    err = r.stderr.decode()
    assert r.returncode == 2 and "397 value nodes" in err
    assert "--max-nodes 397" in err and "max_nodes=" not in err
    assert not (tmp_path / file).exists()


@needs_graphviz
@pytest.mark.parametrize("limit", ["397", "none", "0"])
def test_max_nodes_lets_a_large_graph_be_drawn(tmp_path, limit):
    target = tmp_path / "g.dot"
    out_of(*BIG, "--draw", str(target), "--max-nodes", limit)
    assert target.read_text().count("label=") > 397


@needs_graphviz
def test_max_nodes_below_the_graph_size_refuses_it(tmp_path):
    r = run(
        "grad", "x*y+x", "--at", "x=1,y=2", "--draw", str(tmp_path / "g.dot"), "--max-nodes", "3"
    )
    assert r.returncode == 2 and "--max-nodes 4" in r.stderr.decode()


@needs_graphviz
def test_max_nodes_default_is_the_drawing_default():
    import inspect

    import viz
    from autograd_lite import cli

    assert cli.DEFAULT_MAX_NODES == viz.DEFAULT_MAX_NODES
    parameters = inspect.signature(viz.DrawingOptions).parameters
    assert parameters["max_nodes"].default == viz.DEFAULT_MAX_NODES
    assert f"default {viz.DEFAULT_MAX_NODES};" in " ".join(out_of("grad", "--help").split())


@pytest.mark.parametrize("limit", ["-1", "many", "2.5"])
def test_bad_max_nodes_is_a_usage_error(limit):
    r = run("grad", "x", "--at", "x=1", "--max-nodes", limit)
    err = r.stderr.decode()
    assert r.returncode == 2 and "--max-nodes: expected a whole number" in err


@needs_graphviz
def test_draw_shows_the_gradients_the_command_printed(tmp_path):
    out = tmp_path / "graph.dot"
    printed = out_of("grad", "tanh(x*w)", "--at", "x=1,w=2", "--wrt", "w", "--draw", str(out))
    assert "∂f/∂w = 0.0706508248532" in printed
    assert "grad 0.07065" in out.read_text(encoding="utf-8")


def test_what_the_command_prints_reads_back_with_its_true_minus():
    # f = −9 is printed with U+2212; pasted back as a value or a formula it reads as printed
    out = out_of("grad", "x*w", "--at", "x=\u22123,w=2e\u22121")
    assert out.splitlines() == ["f = \u22120.6", "∂f/∂x = 0.2", "∂f/∂w = \u22123"]
    assert out_of("grad", "x \u2212 1e\u22121", "--at", "x=1").splitlines()[0] == "f = 0.9"


def test_a_formula_that_starts_with_a_minus_is_read_as_a_formula():
    assert out_of("grad", "-x^2", "--at", "x=3").splitlines() == ["f = −9", "∂f/∂x = −6"]
    out = out_of("grad", "x*w", "--at", "x=2,w=3", "--wrt", "x", "--check", "-w + 2*w")
    assert "Your formula is right" in out


def test_a_variable_given_twice_is_refused():
    r = run("grad", "x", "--at", "x=1,x=2")
    assert r.returncode == 2 and "--at gives x twice" in r.stderr.decode()
    r = run("grad", "x", "--at", "x=1", "--at", "x=2")
    assert r.returncode == 2 and "--at gives x twice" in r.stderr.decode()


def test_look_alike_letters_are_folded_in_at_and_define_as_in_formulas():
    # U+FF58 FULLWIDTH x: Python's parser folds it to x in the formula, --at and --define too
    out = out_of("grad", "s(x)", "--define", "ｓ(t)=t*t", "--at", "ｘ=3")
    assert out.splitlines() == ["f = 9", "∂f/∂x = 6"]


def test_max_paths_is_bounded_and_the_table_says_how_many_paths_there_are():
    r = run("grad", "x", "--at", "x=1", "--max-paths", "100000")
    assert r.returncode == 2 and "--max-paths must be between 0 and 1,000" in r.stderr.decode()
    out = out_of("grad", "x*x*x", "--at", "x=2", "--explain", "--max-paths", "1")
    assert "sum over 3 path(s)" in out and "2 more path(s) not listed" in out


@pytest.mark.slow  # a new interpreter per run; CI runs it
def test_an_ascii_only_terminal_gets_plain_text_and_exit_code_0():
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograd_lite",
            "grad",
            "sigmoid(w*x)",
            "--at",
            "w=1,x=2",
            "--wrt",
            "w",
            "--check",
            "x*sigmoid(w*x)*(1-sigmoid(w*x))",
        ],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode("ascii")
    assert "df/dw = 0.209987170807" in out and "Your formula is right: it equals df/dw" in out


def test_statements_from_a_missing_file_are_a_clear_error(tmp_path):
    r = run("grad", "--file", str(tmp_path / "nope.txt"), "--at", "x=1")
    assert r.returncode == 2 and "--file" in r.stderr.decode()


def test_a_layout_too_slow_for_graphviz_names_the_command_option(tmp_path):
    pytest.importorskip("graphviz")
    import shutil

    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    formula = " + ".join(["x*x"] * 75)  # a node used at every depth: many long edges
    r = run("grad", formula, "--at", "x=1", "--draw", str(tmp_path / "g.svg"))
    err = r.stderr.decode()
    assert r.returncode == 2 and "--max-nodes none" in err and "max_nodes=None" not in err
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.slow  # a new interpreter per run; CI runs it
def test_python_m_autograd_lite_runs_the_command_with_its_exit_codes():
    ok = run_python_m("grad", "x*y", "--at", "x=2,y=3", "--wrt", "y")
    assert ok.returncode == 0 and ok.stdout.decode().splitlines() == ["f = 6", "∂f/∂y = 2"]
    bad = run_python_m("grad", "x + z", "--at", "x=1")
    assert bad.returncode == 2 and "unknown variable 'z'" in bad.stderr.decode()


def test_check_names_the_same_missing_factors_at_distinct_random_weights():
    at = "I=1.3,w1=0.37,w2=-0.81,w3=1.12,w4=0.66,w5=-1.4"
    out = out_of("grad", Q1, *DEFS, "--at", at, "--wrt", "w1", "--check", THEIRS)
    terms = [ln for ln in out.splitlines() if re.match(r"[12] +(⟨\d⟩·)?d\(", ln)]
    assert len(terms) == 2
    assert re.search(r"  path 1 +w2, w4 +— +—$", terms[0]), terms[0]
    assert re.search(r"  path 2 +w3, w5 +— +—$", terms[1]), terms[1]
    fixed = THEIRS.replace("(d(s(I*w1+1)*w2+1)", "(w4*w2*d(s(I*w1+1)*w2+1)").replace(
        "+ d(s(I*w1+1)*w3+1)", "+ w5*w3*d(s(I*w1+1)*w3+1)"
    )
    out = out_of("grad", Q1, *DEFS, "--at", at, "--wrt", "w1", "--check", fixed)
    assert "Your formula is right: it equals ∂O/∂w1" in out


@pytest.mark.slow  # a new interpreter per run; CI runs it
def test_an_ascii_terminal_gets_plain_trace_tables_and_nielsen_names():
    r = run_python_m(
        "grad", "ln(x1)+x1*x2-sin(x2)", "--at", "x1=2,x2=5", "--trace", encoding="ascii"
    )
    out = r.stdout.decode("ascii")
    assert r.returncode == 0 and "\\u" not in out and "ln(v-1)" in out
    r = run_python_m("demo", "nielsen", encoding="ascii")
    out = r.stdout.decode("ascii")
    assert r.returncode == 0 and "\\u" not in out and "delta^3_1" in out


@pytest.mark.slow  # a new interpreter per run; CI runs it
def test_a_closed_stdout_is_no_traceback():
    r = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "grad", "x^2", "--at", "x=3"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )
    assert r.returncode == 0 and b"Traceback" not in r.stderr


def test_a_file_that_is_not_a_regular_file_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = run("grad", "--file", str(fifo), "--at", "x=1")
    assert r.returncode == 2 and "not a regular file" in r.stderr.decode()
    r = run("grad", "--file", str(tmp_path), "--at", "x=1")
    assert r.returncode == 2 and "not a regular file" in r.stderr.decode()


TERMINAL_ESCAPES = ["\x1b]0;owned\x07", "\x1b[31m", "\r", "\x9b2J", "\u202e"]


@pytest.mark.parametrize("escape", TERMINAL_ESCAPES)
@pytest.mark.parametrize(
    "args",
    [
        lambda e: ["grad", f"x{e}*2", "--at", "x=1"],
        lambda e: ["grad", "x*2", "--at", "x=1", "--wrt", f"x{e}"],
        lambda e: ["grad", "x*2", "--at", "x=1", "--of", f"f{e}"],
        lambda e: ["grad", "x*2", "--at", "x=1", "--check", f"2{e}"],
        lambda e: ["grad", "x*2", "--at", "x=1", f"--x{e}"],
    ],
)
def test_what_the_user_typed_is_echoed_with_no_escape_sequence_left(escape, args):
    r = run(*args(escape))
    for stream in (r.stdout.decode(), r.stderr.decode()):
        assert not [c for c in stream if c in "\x1b\x07\r\x9b\u202e"], stream


def test_trace_is_bounded_by_max_nodes_before_anything_is_printed(tmp_path):
    lines = ["a0 = x"] + [f"a{i} = sin(a{i - 1}) + tanh(a{i - 1})*x" for i in range(1, 100)]
    program = tmp_path / "p.txt"
    program.write_text("\n".join(lines) + "\n")
    r = run("grad", "--file", str(program), "--at", "x=0.5", "--trace")
    assert r.returncode == 2 and r.stdout == b""
    assert b"more than --max-nodes 300" in r.stderr and b"0 for no limit" in r.stderr
    r = run("grad", "--file", str(program), "--at", "x=0.5", "--trace", "--max-nodes", "0")
    assert r.returncode == 0 and b"Reverse adjoint trace" in r.stdout


INDEXED = "z_j = Σ_k w_jk*x_k + b_j; a_j = sigmoid(z_j); C = 0.5*Σ_j (a_j - y_j)^2"
INDEXED_AT = (
    "x_1=0.3,x_2=-0.8,y_1=0.2,y_2=0.7,b_1=0.1,b_2=-0.1,w_11=0.1,w_12=-0.2,w_21=0.4,w_22=0.3"
)


def test_an_indexed_check_runs_for_every_index_value_from_the_command_line():
    right = run("grad", INDEXED, "--at", INDEXED_AT, "--wrt", "w_jk", "--check",
                "(a_j - y_j)*a_j*(1-a_j)*x_k")  # fmt: skip
    assert right.returncode == 0
    assert b"for every (j, k): 4 index values checked" in right.stdout
    swapped = run("grad", INDEXED, "--at", INDEXED_AT, "--wrt", "w_jk", "--check",
                  "(a_k - y_k)*a_k*(1-a_k)*x_j")  # fmt: skip
    assert b"2 of 4 index values" in swapped.stdout and b"swapped" in swapped.stdout


def test_range_gives_an_index_letter_its_values():
    network = "z_j = Σ_k w_jk*x_k; C = Σ_j z_j"
    at = "x_1=1,x_2=2,w_11=1,w_12=1,w_21=1,w_22=1"
    r = run("grad", network, "--at", at, "--range", "j=1..2", "--wrt", "w_jk", "--check", "x_k")
    assert r.returncode == 0 and b"4 index values checked" in r.stdout
    bad = run("grad", network, "--at", at, "--range", "j=1-2")
    assert bad.returncode == 2 and b"k=1..3" in bad.stderr
