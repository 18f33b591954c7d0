"""The four equations of backpropagation (BP1-BP4), number by number, on a 2-3-1 network.

Layers in Nielsen's notation: inputs are layer 1, w^l is the weight matrix *into* layer l,
so the weight from hidden neuron 1 to the output is w^3_11 and
dC/dw^3_11 = a^2_1 (a^3 - y) sigma'(z^3_1) for the cost C = 1/2 (a^3 - y)^2.

Run:  python demos/nielsen_2_3_1.py [OUTPUT_FOLDER]   (default: out/)
"""

# %% The network: 2 inputs, 3 sigmoid neurons, 1 sigmoid output (seeded: same every run)
import sys
from pathlib import Path

from autograd_lite import gradients, topo_order
from autograd_lite.nn import MLP
from autograd_lite.ops import OPS
from autograd_lite.teach import backprop_equations, diagnose

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
x, y = [0.3, -0.8], 0.25
a3 = model(x)
C = 0.5 * (a3 - y) ** 2
C.label = "C"
print(f"a^3 = {a3.data:.12f}   C = {C.data:.12f}")

# %% BP1-BP4: every delta and gradient from the equations, next to the engine's
table = backprop_equations(C)
print(table)

# %% dC/dw^3_11 = a^2_1 (a^3 - y) sigma'(z^3_1), number by number
nodes = {v.label: v for v in topo_order(C) if v.label}
a2_1, z3_1 = nodes["a^2_1"], nodes["z^3_1"]
sigma_prime = OPS["sigmoid"].rule(1.0, a3.data, z3_1.data)[0]
by_hand = a2_1.data * (a3.data - y) * sigma_prime
engine = gradients(C, [nodes["w^3_11"]])[0]
print(f"a^2_1 = {a2_1.data:.12f}")
print(f"a^3 - y = {a3.data - y:.12f}")
print(f"sigma'(z^3_1) = a^3 (1 - a^3) = {sigma_prime:.12f}")
print(f"a^2_1 (a^3 - y) sigma'(z^3_1) = {by_hand:.12f}")
print(f"engine dC/dw^3_11             = {engine:.12f}")

# %% The learner's mistake, found by the diagnosis: the network typed as equations
# (w2_jk is the weight INTO layer 2, as in the book), and their formula for what they
# called dC/dw2_11, which is really dC/dw3_11
EQUATIONS = """
z2_1 = w2_11*x1 + w2_12*x2 + b2_1
z2_2 = w2_21*x1 + w2_22*x2 + b2_2
z2_3 = w2_31*x1 + w2_32*x2 + b2_3
a2_1 = sigmoid(z2_1); a2_2 = sigmoid(z2_2); a2_3 = sigmoid(z2_3)
z3_1 = w3_11*a2_1 + w3_12*a2_2 + w3_13*a2_3 + b3_1
a3_1 = sigmoid(z3_1)
C = 0.5*(a3_1 - y)^2
"""
at = {"x1": x[0], "x2": x[1], "y": y}
for name, p in model.named_parameters():  # w^2_11 -> w2_11, b^3_1 -> b3_1
    at[name.replace("^", "")] = p.data
theirs = "a2_1*(a3_1 - y)*sp(z3_1)"
report = diagnose(EQUATIONS, "w2_11", theirs, at, definitions=["sp(t)=sigmoid(t)*(1-sigmoid(t))"])
print(f"your formula for dC/dw2_11: {theirs}")
print(report.verdict())

# %% The labelled drawing, neurons grouped by layer
try:
    import viz
except ImportError as err:
    viz = None
    print(f"no drawing ({err}); install the viz extra: pip install 'autograd-lite[viz]'")
if viz is not None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        C.backward()
        path = viz.render(
            C,
            out_dir / "nielsen_2_3_1.svg",
            options=viz.DrawingOptions(cluster=True, show_grad=True),
        )
        print(f"drawing: {path}")
    except viz.DotNotFoundError as err:  # viz wrote the DOT source instead
        print(f"no SVG drawing: {err}")
