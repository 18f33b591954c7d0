"""Is my backprop math correct? A hand-derived dO/dw1 checked against the engine.

A 1-2-1 network of sigmoids s: O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1),
with every weight 0.5, every bias 1 and the input I = 1. A hand-derived formula for dO/dw1
gives 0.00571675240882, four times the true 0.00142918810220. The diagnosis matches each
term of it to a chain-rule path and names the factors it lost: w2 and w4 on one path, w3
and w5 on the other.

Run:  python demos/check_my_backprop.py [OUTPUT_FOLDER]   (default: out/)
"""

# %% The network, written exactly as the formula reads
import sys
from pathlib import Path

from autograd_lite import gradients
from autograd_lite.formula import define, parse
from autograd_lite.teach import diagnose, explain

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
values = dict(I=1.0, w1=0.5, w2=0.5, w3=0.5, w4=0.5, w5=0.5)
helpers = define(["s(x)=sigmoid(x)", "d(x)=s(x)*(1-s(x))"])
network = parse(
    "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)",
    variables=list(values),
    definitions=helpers,
    allow_name=True,
)
O = network.evaluate(values)
O.label = "O"
w1 = network.leaves["w1"]
print(f"O      = {O.data:.12f}")

# %% The engine's derivative
engine = gradients(O, [w1])[0]
print(f"dO/dw1 = {engine:.14f}")

# %% Why: the sum over the two chain-rule paths from w1 to O
why = explain(O, w1)
print(why)

# %% The hand-derived formula, diagnosed: which factors does each term miss?
hand = (
    "d(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
    " * (d(s(I*w1+1)*w2+1)*d(I*w1+1)*I + d(s(I*w1+1)*w3+1)*d(I*w1+1)*I)"
)
NETWORK = "O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
HELPERS = ["s(x)=sigmoid(x)", "d(x)=s(x)*(1-s(x))"]
report = diagnose(NETWORK, "w1", hand, values, definitions=HELPERS)
print(f"hand-derived formula: {report.value:.14f}")
print(f"ratio hand/engine   = {report.ratio:.12g}")
print(report)

# %% The same mistake at weights that are not all 0.5: the same factors are missing
others = dict(I=1.0, w1=0.3, w2=-0.7, w3=1.2, w4=0.9, w5=-0.4)
for term in diagnose(NETWORK, "w1", hand, others, definitions=HELPERS).terms:
    print(f"term for path {term.path + 1}: missing {', '.join(term.missing)}")

# %% The corrected formula
fixed = (
    "d(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)"
    " * (w4*d(s(I*w1+1)*w2+1)*w2*d(I*w1+1)*I + w5*d(s(I*w1+1)*w3+1)*w3*d(I*w1+1)*I)"
)
print(diagnose(NETWORK, "w1", fixed, values, definitions=HELPERS).verdict())

# %% A drawing of the graph with both paths highlighted
try:
    import viz
except ImportError as err:
    viz = None
    print(f"no drawing ({err}); install the viz extra: pip install 'autograd-lite[viz]'")
if viz is not None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        O.backward()  # the drawing shows each node's gradient next to its value
        path = viz.render(
            O,
            out_dir / "check_my_backprop.svg",
            options=viz.DrawingOptions(highlight=why.highlight()),
        )
        print(f"drawing: {path}")
    except viz.DotNotFoundError as err:  # viz wrote the DOT source instead
        print(f"no SVG drawing: {err}")
