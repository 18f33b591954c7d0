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
from autograd_lite.teach.bp_equations import backprop_equations

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
        path = viz.render(C, out_dir / "nielsen_2_3_1.svg", cluster=True, show_grad=True)
        print(f"drawing: {path}")
    except viz.DotNotFoundError as err:  # viz wrote the DOT source instead
        print(f"no SVG drawing: {err}")
