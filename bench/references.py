"""Hand-written references for the standard training step, timed beside the engine.

The standard workload (ARCHITECTURE.md): 100 moons points, an MLP with layers 2-16-16-1,
ReLU hidden layers and a linear output, the max-margin loss mean(relu(1 - y·score)) plus
L2 regularisation alpha·Σp², one full-batch SGD update per step.

Weights travel as plain nested lists, ``layers = [(W, b), ...]`` with ``W[j][k]`` the weight
into neuron j from input k, so every implementation starts from the same numbers.
"""

from __future__ import annotations

import numpy as np

ALPHA = 1e-4


def learning_rate(step: int, steps: int = 100) -> float:
    """The schedule every implementation uses: 1.0 decaying linearly to 0.1."""
    return 1.0 - 0.9 * step / steps


def pure_python_step(layers, X, y, lr):
    """One training step in plain Python floats with a hand-written backward pass.

    Args:
        layers: ``[(W, b), ...]``, updated in place.
        X: list of input rows; y: list of labels in {-1, +1}.
        lr: learning rate.

    Returns:
        (total loss before the update, training accuracy).
    """
    n = len(X)
    last = len(layers) - 1
    grads = [([[0.0] * len(W[0]) for _ in W], [0.0] * len(b)) for W, b in layers]
    data_loss = 0.0
    correct = 0
    for x, yi in zip(X, y):
        # forward, keeping every layer's input and weighted input
        acts = [x]
        zs = []
        a = x
        for li, (W, b) in enumerate(layers):
            z = []
            for row, bj in zip(W, b):
                s = bj
                for w, ak in zip(row, a):
                    s += w * ak
                z.append(s)
            zs.append(z)
            a = z if li == last else [v if v > 0.0 else 0.0 for v in z]
            acts.append(a)
        score = a[0]
        correct += (score > 0.0) == (yi > 0.0)
        margin = 1.0 + -yi * score
        # backward, through every point and unit, as the engine does: the same arithmetic
        if margin > 0.0:
            data_loss += margin
            da = [-yi / n]
        else:
            da = [0.0]
        for li in range(last, -1, -1):
            W, _ = layers[li]
            gW, gb = grads[li]
            z = zs[li]
            a_prev = acts[li]
            dz = da if li == last else [d if zj > 0.0 else 0.0 for d, zj in zip(da, z)]
            da = [0.0] * len(a_prev)
            for j, dzj in enumerate(dz):
                row = W[j]
                grow = gW[j]
                for k, ak in enumerate(a_prev):
                    grow[k] += dzj * ak
                    da[k] += dzj * row[k]
                gb[j] += dzj
    reg = 0.0
    for W, b in layers:
        for row in W:
            for w in row:
                reg += w * w
        for bj in b:
            reg += bj * bj
    total = data_loss / n + ALPHA * reg
    for (W, b), (gW, gb) in zip(layers, grads):
        for row, grow in zip(W, gW):
            for k, w in enumerate(row):
                row[k] = w - lr * (grow[k] + 2.0 * ALPHA * w)
        for j, bj in enumerate(b):
            b[j] = bj - lr * (gb[j] + 2.0 * ALPHA * bj)
    return total, correct / n


class NumpyModel:
    """The same network vectorised over the batch with NumPy, backward written by hand."""

    def __init__(self, layers, X, y):
        self.W = [np.array(W, dtype=float) for W, _ in layers]
        self.b = [np.array(b, dtype=float) for _, b in layers]
        self.X = np.asarray(X, dtype=float)
        self.y = np.asarray(y, dtype=float)

    def step(self, lr):
        """One training step; returns (total loss before the update, accuracy)."""
        n = len(self.X)
        last = len(self.W) - 1
        acts = [self.X]
        zs = []
        a = self.X
        for li, (W, b) in enumerate(zip(self.W, self.b)):
            z = a @ W.T + b
            zs.append(z)
            a = z if li == last else np.maximum(z, 0.0)
            acts.append(a)
        score = a[:, 0]
        margin = 1.0 - self.y * score
        active = margin > 0.0
        reg = sum(float((W * W).sum()) + float((b * b).sum()) for W, b in zip(self.W, self.b))
        total = float(margin[active].sum()) / n + ALPHA * reg
        accuracy = float(np.mean((score > 0.0) == (self.y > 0.0)))
        da = np.where(active, -self.y / n, 0.0)[:, None]
        for li in range(last, -1, -1):
            dz = da if li == last else da * (zs[li] > 0.0)
            gW = dz.T @ acts[li]
            gb = dz.sum(axis=0)
            da = dz @ self.W[li]
            self.W[li] -= lr * (gW + 2.0 * ALPHA * self.W[li])
            self.b[li] -= lr * (gb + 2.0 * ALPHA * self.b[li])
        return total, accuracy
