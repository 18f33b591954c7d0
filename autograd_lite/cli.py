"""The ``autograd-lite`` command: derivatives of a typed formula, explained and checked.

Only argument parsing and printing live here; the work is done by
:mod:`autograd_lite.formula`, :mod:`autograd_lite.teach` and (for pictures) the ``viz``
package.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence

from . import __version__
from .engine import gradients, topo_order
from .formula.reader import ExprError, define, parse
from .teach.table import fmt

__all__ = ["main", "build_parser"]

# the drawing limit of viz.DEFAULT_MAX_NODES, repeated so that --help needs no Graphviz;
# a test keeps the two equal
DEFAULT_MAX_NODES = 300

EXAMPLES = """\
examples:
  autograd-lite grad "x^2 * w + b" --at x=3,w=0.5,b=1
  autograd-lite grad "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)" \\
      --define "s(x)=1/(1+exp(-x))" --define "d(x)=s(x)*(1-s(x))" \\
      --at I=1,w1=0.5,w2=0.5,w3=0.5,w4=0.5,w5=0.5 --wrt w1 --explain
  autograd-lite grad "tanh(x*w)" --at x=1,w=2 --draw graph.svg --step steps.html
  autograd-lite demo backprop
"""

GRAD_HELP = """\
Print the value of EXPR and its partial derivative with respect to every variable.
EXPR is typed as on a graphing calculator: + - * / and ^ (or **) for powers, parentheses,
exp log ln tanh sigmoid relu sqrt sin cos abs, and functions given with --define.
Start it with "NAME =" to name the result (O = ...).
"""


class UsageError(Exception):
    """A mistake in the command line, reported as a message and exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command (also used to print the help).

    Returns:
        An ``argparse.ArgumentParser``.
    """
    parser = argparse.ArgumentParser(
        prog="autograd-lite",
        description="Exact derivatives of formulas, with the chain rule spelled out.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    g = sub.add_parser(
        "grad",
        help="value and partial derivatives of a formula",
        description=GRAD_HELP,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    g.add_argument("expr", metavar="EXPR", help='the formula, e.g. "s(x*w + b)"')
    g.add_argument(
        "--at",
        action="append",
        default=[],
        metavar="NAME=NUMBER,...",
        help="values of the variables, e.g. --at x=1,w=0.5 (may be repeated)",
    )
    g.add_argument(
        "--wrt",
        action="append",
        default=[],
        metavar="NAME[,NAME...]",
        help="print only these derivatives (default: every variable)",
    )
    g.add_argument(
        "--define",
        action="append",
        default=[],
        metavar='"f(x)=..."',
        help='define a helper function, e.g. --define "s(x)=1/(1+exp(-x))"',
    )
    g.add_argument(
        "--explain",
        action="store_true",
        help="show each derivative as the sum over chain-rule paths",
    )
    g.add_argument(
        "--check",
        metavar="FORMULA",
        help="your own formula for the derivative (needs one --wrt): prints "
        "its value, the engine's and the ratio, next to the path table",
    )
    g.add_argument(
        "--max-paths",
        type=int,
        default=20,
        metavar="N",
        help="list at most N paths per derivative (default 20)",
    )
    g.add_argument(
        "--digits",
        type=int,
        default=12,
        metavar="N",
        help="significant digits printed (default 12)",
    )
    g.add_argument(
        "--draw",
        metavar="FILE",
        help="draw the graph to FILE (.svg .png .pdf .dot); with one --wrt, the "
        "paths are highlighted (needs the viz extra and Graphviz)",
    )
    g.add_argument(
        "--step", metavar="FILE", help="write an HTML page that steps through the backward pass"
    )
    g.add_argument(
        "--max-nodes",
        type=_max_nodes,
        default=DEFAULT_MAX_NODES,
        metavar="N",
        help="--draw and --step refuse graphs of more than N value nodes "
        f"(default {DEFAULT_MAX_NODES}; 0 or 'none' for no limit)",
    )
    d = sub.add_parser(
        "demo", help="worked examples", description="Run a worked example and print its output."
    )
    d.add_argument(
        "name",
        choices=["backprop", "nielsen"],
        help="backprop: a hand-derived gradient checked; nielsen: BP1-BP4 on a 2-3-1 network",
    )
    return parser


def _max_nodes(text: str) -> int | None:
    """The --max-nodes value: a positive int, or None (no limit) for 0 or 'none'."""
    if text.strip().lower() == "none":
        return None
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of nodes, 0 or 'none' (no limit), got {_safe(text)!r}"
        )
    return n or None


def _values(items: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            name, eq, number = part.partition("=")
            name = name.strip()
            if not eq or not name.isidentifier():
                raise UsageError(
                    f"--at expects NAME=NUMBER pairs separated by commas, got {_safe(part)!r}"
                )
            try:
                x = float(number)
            except ValueError:
                bad = _safe(number.strip())
                raise UsageError(f"--at {name}: {bad!r} is not a number") from None
            if not math.isfinite(x):
                raise UsageError(f"--at {name}: the value must be a finite number")
            out[name] = x
    return out


def _safe(text: str) -> str:
    """Text as it can be printed: undecodable bytes of the command line become '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _grad(args: argparse.Namespace) -> None:
    from .teach.explain import explain

    definitions = define(args.define)
    values = _values(args.at)
    formula = parse(args.expr, variables=list(values), definitions=definitions, allow_name=True)
    name = formula.name or "f"
    root = formula.evaluate(values)
    root.label = name
    leaves = {n: formula.leaves.get(n) for n in values}
    wrt = [w.strip() for item in args.wrt for w in item.split(",") if w.strip()]
    for w in wrt:
        if w not in values:
            raise UsageError(
                f"--wrt {_safe(w)}: not a variable; the variables are "
                f"{', '.join(values) or 'none'} (give values with --at)"
            )
    targets = wrt or list(values)
    if args.check is not None and len(targets) != 1:
        raise UsageError("--check needs exactly one derivative: add --wrt NAME")
    if args.max_paths < 0 or args.digits < 1 or args.digits > 17:
        raise UsageError("--max-paths must be 0 or more and --digits between 1 and 17")
    d = args.digits
    used = [t for t in targets if leaves[t] is not None]
    grads = dict(zip(used, gradients(root, [leaves[t] for t in used])))
    print(f"{name} = {fmt(root.data, d)}")
    width = max((len(t) for t in targets), default=0)
    for t in targets:
        print(f"∂{name}/∂{t.ljust(width)} = {fmt(grads.get(t, 0.0), d)}")
    explanations = {}
    if args.explain or args.check is not None or (args.draw and len(used) == 1):
        for t in used:
            explanations[t] = explain(root, leaves[t], max_paths=args.max_paths, digits=d)
    if args.check is not None:
        _check(
            args.check,
            targets[0],
            name,
            values,
            formula.leaves,
            definitions,
            grads.get(targets[0], 0.0),
            d,
        )
    if args.explain or args.check is not None:
        for t in used:
            print()
            print(explanations[t])
    if args.draw or args.step:
        _pictures(args, root, explanations)


def _check(text, wrt, name, values, leaves, definitions, engine, d) -> None:
    theirs_f = parse(text, variables=list(values), definitions=definitions)
    theirs = theirs_f.evaluate({**values, **leaves}).data
    print()
    print(f"your formula for ∂{name}/∂{wrt}: {theirs_f.text}")
    print(f"  engine:        {fmt(engine, d)}")
    print(f"  your formula:  {fmt(theirs, d)}")
    if engine == 0.0:
        print("  ratio yours/engine: undefined (the engine's value is 0)")
        return
    ratio = theirs / engine
    print(f"  ratio yours/engine = {fmt(ratio, d)}")
    if math.isclose(theirs, engine, rel_tol=1e-9, abs_tol=1e-15):
        print("  your formula agrees with the engine.")
    else:
        print(
            f"  your formula is off by a factor of {fmt(ratio, 6)}: compare its factors "
            "with the local derivatives along each path below."
        )


def _pictures(args, root, explanations) -> None:
    try:
        import viz
    except ImportError as err:
        raise UsageError(
            f"--draw and --step need the viz package and graphviz ({err}); "
            "install them with  pip install 'autograd-lite[viz]'"
        ) from None
    try:
        if args.draw:
            root.backward()  # so the picture shows the gradients printed above, not zeros
            options = {}
            if len(explanations) == 1:
                options["highlight"] = next(iter(explanations.values())).highlight()
            path = viz.render(root, args.draw, max_nodes=args.max_nodes, **options)
            print(f"\ndrawing written to {path}")
        if args.step:
            path = viz.stepper(root, args.step, max_nodes=args.max_nodes)
            print(f"backward-pass stepper written to {path}")
    except viz.GraphTooLargeError:
        # the library's message suggests a keyword argument; say it as a command-line option
        n = len(topo_order(root))
        raise UsageError(
            f"this graph has {n} value nodes, more than the drawing limit of "
            f"{args.max_nodes}: Graphviz would be slow and the picture hard to read. To draw "
            f"it anyway, add --max-nodes {n} (or --max-nodes none for no limit)"
        ) from None


DEMO_BACKPROP = [
    "grad",
    "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)",
    "--define",
    "s(x)=sigmoid(x)",
    "--define",
    "d(x)=s(x)*(1-s(x))",
    "--at",
    "I=1,w1=0.5,w2=0.5,w3=0.5,w4=0.5,w5=0.5",
    "--wrt",
    "w1",
    "--check",
    "d(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
    " * (d(s(I*w1+1)*w2+1)*d(I*w1+1)*I + d(s(I*w1+1)*w3+1)*d(I*w1+1)*I)",
]


def _demo(args: argparse.Namespace) -> None:
    if args.name == "backprop":
        print(
            "$ autograd-lite "
            + " ".join(f'"{a}"' if " " in a or "(" in a else a for a in DEMO_BACKPROP)
        )
        print()
        _grad(build_parser().parse_args(DEMO_BACKPROP))
        return
    from .nn.layers import MLP
    from .teach.bp_equations import backprop_table

    model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    print("2-3-1 sigmoid network (seed 0), x = (0.3, -0.8), y = 0.25, C = ½(a³ − y)²")
    print(backprop_table(model, [0.3, -0.8], 0.25))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command.

    Args:
        argv: the arguments (without the program name); None reads ``sys.argv``.

    Returns:
        The exit code: 0 on success, 2 for a mistake in the command or a formula.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "grad":
            _grad(args)
        else:
            _demo(args)
    except (ExprError, UsageError) as err:
        print(f"autograd-lite: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader (say `| head`) stopped early: not an error of the command; point stdout
        # at devnull so that the interpreter's final flush does not complain again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ArithmeticError, ValueError, OSError, ImportError) as err:
        # from the engine or the drawing: a domain error, a file that cannot be written,
        # Graphviz missing; each message already says what to do
        print(f"autograd-lite: error: {_safe(str(err))}", file=sys.stderr)
        return 2
    return 0
