"""Train a tiny network to separate two moons, then draw what it learned.

Run from the repository root (after ``pip install -e ".[demos]"``)::

    python demos/moons.py [outdir]

It holds 25 of 100 points out as a test set, trains MLP(2, [16, 16, 1]) on the other 75
with the max-margin (hinge) loss and L2 regularisation 1e-4, through the compiled path (the
scalar model and loss traced once and run as array operations over the batch), printing the
loss and accuracy on the batch and on the test set as it goes, and writes to
``outdir`` (default ``out/``) the decision boundary as ``moons_boundary.png``, the whole run
as a page to scrub through, ``moons_training.html`` (open it in a browser; hover over a
neuron for its output over the plane, tick "logarithmic loss axis" to see the end of
training), and the trained
model as ``moons_model.json`` (load it back with ``MLP.load``). Every seed is fixed,
so each run prints the same numbers and draws the same picture. The ``# %%`` markers make
each part a cell in editors and notebooks that understand them.
"""

# %% Setup: where the files go
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw to files; no window needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from autograd_lite import no_grad  # noqa: E402
from autograd_lite.nn import MLP  # noqa: E402
from autograd_lite.nn.data import moons, split  # noqa: E402
from autograd_lite.nn.optim import linear_schedule  # noqa: E402
from autograd_lite.nn.train import accuracy, fit  # noqa: E402

# In a notebook sys.argv holds the kernel's own options (starting with "-"): ignore them.
args = [a for a in sys.argv[1:] if not a.startswith("-")]
outdir = Path(args[0] if args else "out")
outdir.mkdir(parents=True, exist_ok=True)

# %% The data: 100 points in two interleaving half circles, labels -1 and +1; a quarter of
# them held out, never trained on, to measure the model honestly
X_all, y_all = moons(n_samples=100, noise=0.1, seed=1)
X, y, X_test, y_test = split(X_all, y_all, test_fraction=0.25, seed=0)
print(f"{len(X_all)} points, {y_all.count(-1)} of class -1 and {y_all.count(1)} of class +1:")
print(f"{len(X)} to train on, {len(X_test)} held out for testing")

# %% The model: 2 inputs, two hidden layers of 16 ReLU neurons, one linear output
model = MLP(2, [16, 16, 1])  # the default seed: the same starting weights every run
print(model, f"with {len(model.parameters())} parameters")

# %% Training: full-batch SGD with micrograd's learning rate 1.0 - 0.9·k/100, compiled
steps = 100
history = fit(
    model,
    X,
    y,
    loss="hinge",
    l2=1e-4,
    steps=steps,
    lr=linear_schedule(1.0, 0.1, steps),
    test=(X_test, y_test),  # measured at every step, not trained on
    verbose=10,
    compiled=True,
    record=5,  # a snapshot every 5 steps: the training page below replays them
)
train_accuracy = accuracy(model, X, y)
test_accuracy = accuracy(model, X_test, y_test)
print(
    f"trained in {history.seconds:.1f} s; training accuracy {train_accuracy:.0%}, "
    f"test accuracy {test_accuracy:.0%} ({len(X_test)} held-out points)"
)

# %% The decision boundary: the model's score on a grid of points around the data
points = np.array(X_all)
x_min, y_min = points.min(axis=0) - 0.5
x_max, y_max = points.max(axis=0) + 0.5
gx, gy = np.meshgrid(np.linspace(x_min, x_max, 80), np.linspace(y_min, y_max, 80))
with no_grad():  # only the numbers are needed: no graph is kept
    scores = np.array([model([a, b]).data for a, b in zip(gx.ravel(), gy.ravel())])
scores = scores.reshape(gx.shape)

fig, ax = plt.subplots(figsize=(6, 5), dpi=100)
ax.contourf(gx, gy, scores > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"])
ax.contour(gx, gy, scores, levels=[0.0], colors="k", linewidths=1.0)
for data, labels, kind, edge in ((X, y, "", 0.5), (X_test, y_test, ", held out", 1.6)):
    points, labels = np.array(data), np.array(labels)
    for cls, colour, marker in ((-1, "#d62728", "o"), (1, "#1f77b4", "s")):
        mask = labels == cls
        ax.scatter(
            points[mask, 0],
            points[mask, 1],
            c=colour,
            marker=marker,
            s=22 if not kind else 30,
            edgecolors="k",
            linewidths=edge,
            label=f"class {cls:+d}{kind}",
        )
ax.set_title(
    f"MLP(2, [16, 16, 1]) on moons: training {train_accuracy:.0%}, test {test_accuracy:.0%}"
)
ax.set_xlabel("x1")
ax.set_ylabel("x2")
ax.legend(loc="upper right")
fig.tight_layout()
picture = outdir / "moons_boundary.png"
fig.savefig(picture)
plt.close(fig)
print(f"wrote {picture}")

# %% The training page: scrub through the run (output and data, curves, the network's weights,
# each neuron's output over the plane)
from viz import training_page  # noqa: E402  (viz draws; the record is data)

page = training_page(history, outdir / "moons_training.html", title="MLP(2, [16, 16, 1]) on moons")
print(f"wrote {page}")

# %% Save the trained model (JSON: the architecture and every parameter by its name)
saved = outdir / "moons_model.json"
model.save(saved)
assert accuracy(MLP.load(saved), X_test, y_test) == test_accuracy
print(f"wrote {saved}")
