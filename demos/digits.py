"""Train a network on real handwritten digits through the compiled path, then show its mistakes.

Run from the repository root (after ``pip install -e ".[demos,data]"``)::

    python demos/digits.py [outdir]

It loads the 8×8 digits that scikit-learn ships (1,797 images, 64 pixels each), trains
MLP(64, [32, 10]) with softmax cross-entropy and Adam on mini-batches, and prints the test
accuracy and the time it took. The model and the loss are the same scalar ``Value`` code as
everywhere else in this library: ``fit`` traces them for one image and runs every step as
a few matrix operations over the batch (``print(program)`` below shows them). The
misclassified test digits are drawn to ``outdir`` (default ``out/``) as
``digits_mistakes.png``. Every seed is fixed, so each run prints the same numbers.
"""

# %% Setup
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # draw to files; no window needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from autograd_lite import no_grad  # noqa: E402
from autograd_lite.compiled import compile_loss  # noqa: E402
from autograd_lite.nn import MLP  # noqa: E402
from autograd_lite.nn.data import digits  # noqa: E402
from autograd_lite.nn.losses import softmax_cross_entropy  # noqa: E402
from autograd_lite.nn.optim import Adam  # noqa: E402
from autograd_lite.nn.train import accuracy, fit  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("-")]
outdir = Path(args[0] if args else "out")
outdir.mkdir(parents=True, exist_ok=True)

# %% The data: 8×8 images as 64 numbers in 0..1, classes 0..9, split with a seed
X_train, y_train, X_test, y_test = digits(seed=0)
print(f"{len(X_train)} training images, {len(X_test)} test images, {len(X_train[0])} pixels each")

# %% The model: 64 inputs, 32 ReLU neurons, 10 outputs (one score per digit)
model = MLP(64, [32, 10], seed=0)
print(model, f"with {len(model.parameters())} parameters")

# %% What the compiled path runs: the traced program of one image's loss, as array operations
# the label enters as the numbers the loss reads from it: a one-hot of the 10 classes
onehots = [softmax_cross_entropy.label_numbers(label, 10) for label in y_train]
program = compile_loss(
    lambda x, onehot: softmax_cross_entropy.per_sample(model(x), onehot),
    model.parameters(),
    X_train,
    onehots,
)
print(program)

# %% Training: Adam on mini-batches of 64 images, through the compiled path
start = time.perf_counter()
history = fit(
    model,
    X_train,
    y_train,
    loss="softmax_cross_entropy",
    optimizer=Adam(model.parameters(), lr=0.01),
    steps=400,
    batch_size=64,
    verbose=100,
    compiled=True,
)
seconds = time.perf_counter() - start
test_accuracy = accuracy(model, X_test, y_test)
print(f"trained {len(history)} steps in {seconds:.2f} s ({history.mode})")
print(f"test accuracy {test_accuracy:.1%}")

# %% The mistakes: every misclassified test digit, with what the model said
with no_grad():
    predicted = [int(np.argmax([o.data for o in model(x)])) for x in X_test]
wrong = [i for i, (p, t) in enumerate(zip(predicted, y_test)) if p != t]
columns = 8
rows = max(1, -(-len(wrong) // columns))
fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.1, rows * 1.3 + 0.4), dpi=100)
for ax in np.ravel(axes):
    ax.axis("off")
for ax, i in zip(np.ravel(axes), wrong):
    ax.imshow(np.reshape(X_test[i], (8, 8)), cmap="gray_r", vmin=0.0, vmax=1.0)
    ax.set_title(f"{y_test[i]} → {predicted[i]}", fontsize=9)
fig.suptitle(f"{len(wrong)} of {len(X_test)} test digits misclassified (true → predicted)")
fig.tight_layout()
picture = outdir / "digits_mistakes.png"
fig.savefig(picture)
plt.close(fig)
print(f"wrote {picture}")
