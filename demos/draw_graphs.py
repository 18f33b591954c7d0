"""Drawing computation graphs: one tanh neuron, a small sigmoid network and a 2-3-1 network's
loss, as pictures and as backward-pass stepper pages.

Run it as a script (``python demos/draw_graphs.py [output folder]``, default ``out/``) or
cell by cell (``# %%``) in an editor. It writes, for each graph, an SVG picture with the
gradients and a self-contained HTML page that replays ``backward()`` node by node. Needs
the ``graphviz`` Python package and Graphviz's ``dot`` program.
"""

# %% Setup
import sys
from pathlib import Path

from autograd_lite import Value, topo_order
from viz import DrawingOptions, render, stepper

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "out")
out_dir.mkdir(parents=True, exist_ok=True)
written = []  # what this run writes; the folder may hold other demos' files too

# %% One neuron: two inputs, two weights, a bias and tanh
x1, x2 = Value(2.0, label="x_1"), Value(0.0, label="x_2")
w1, w2 = Value(-3.0, label="w_1"), Value(1.0, label="w_2")
b = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x1w1.label = "x1w1"
x2w2 = x2 * w2
x2w2.label = "x2w2"
n = x1w1 + x2w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()
print(f"neuron: o = {o.data:.4f}, do/dw_1 = {w1.grad:.4f}, do/dx_1 = {x1.grad:.4f}")

written.append(render(o, out_dir / "neuron.svg", options=DrawingOptions(color_by_grad=True)))
title = "One neuron: o = tanh(x₁w₁ + x₂w₂ + b)"
written.append(stepper(o, out_dir / "neuron_steps.html", title=title))

# %% The worked example: O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)
# s is the sigmoid; every weight is 0.5, the input I is 1 and every bias is 1.
inp = Value(1.0, label="I")
w = {k: Value(0.5, label=f"w{k}") for k in range(1, 6)}
h = (inp * w[1] + 1).sigmoid()
h.label = "h"
top = (h * w[2] + 1).sigmoid()
top.label = "h_2"
bottom = (h * w[3] + 1).sigmoid()
bottom.label = "h_3"
out = (top * w[4] + bottom * w[5] + 1).sigmoid()
out.label = "O"
out.backward()
print(f"network: O = {out.data:.6f}, dO/dw1 = {w[1].grad:.13f}")  # 0.0014291881022


# The two paths from w1 to O, drawn thick: the factors w2·w4 and w3·w5 live on them.
def paths_between(source, root):
    """Every node and edge on a path from source to root, for ``highlight``."""
    order = topo_order(root)
    on_path = {source}
    for v in order:  # parents come first, so one pass finds every descendant of source
        if any(p in on_path for p in v.parents):
            on_path.add(v)
    reaches_root = {root}
    for v in reversed(order):
        if v in reaches_root:
            reaches_root.update(v.parents)
    nodes = on_path & reaches_root
    edges = {(p, v) for v in nodes for p in v.parents if p in nodes}
    return nodes | edges


path = paths_between(w[1], out)
written.append(
    render(out, out_dir / "network.svg", options=DrawingOptions(rankdir="TB", highlight=path))
)
written.append(
    render(
        out,
        out_dir / "network_grad_colours.svg",
        options=DrawingOptions(rankdir="TB", color_by_grad=True),
    )
)
title = "Backward pass of the 1-2-1 network"
written.append(
    stepper(out, out_dir / "network_steps.html", title=title, options=DrawingOptions(rankdir="TB"))
)
written.append(render(out, out_dir / "network.dot"))

# %% A 2-3-1 network's squared error on one sample, as a slide shows it
# Inputs in their own column, each neuron's weights in order, the target named y; the grad
# colours split the grads in thirds by size, so the shades tell the nodes apart.
from autograd_lite.nn import MLP  # noqa: E402  (a cell of its own)
from autograd_lite.nn.losses import mse  # noqa: E402

model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
loss = mse([model([0.3, -0.8])], [0.25])
loss.backward()
written.append(render(loss, out_dir / "mlp_2_3_1.svg", options=DrawingOptions(color_by_grad=True)))

# %% Done
for f in written:
    print(f"wrote {f}")
