"""Forward mode and reverse mode on the same function, and derivatives of derivatives.

Run it as a script (``python demos/modes.py [output folder]``, default ``out/``) or cell by
cell (``# %%``). It prints Baydin et al.'s example (JMLR 2018, tables 2 and 3) in both modes
with its trace tables, runs Newton's method with ``grad(grad(f))``, and plots the first six
derivatives of tanh, each made by nesting ``grad``, to ``tanh_derivatives.png`` (needs
matplotlib). Where Graphviz is installed it also writes both stepper pages of the example.
"""

# %% Setup
import shutil
import sys
from pathlib import Path

from autograd_lite import Value, grad, gradients, jvp
from autograd_lite.teach.traces import function_traces

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "out")
out_dir.mkdir(parents=True, exist_ok=True)


# %% One function, two modes: f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5)
def f(x1, x2):
    return x1.log() + x1 * x2 - x2.sin()


# Forward mode: one pass per input direction gives one column of the Jacobian.
_, df_dx1 = jvp(f, (2.0, 5.0), (1.0, 0.0))
_, df_dx2 = jvp(f, (2.0, 5.0), (0.0, 1.0))
print(f"forward mode, two passes: ∂f/∂x1 = {df_dx1:.4g}, ∂f/∂x2 = {df_dx2:.4g}")

# Reverse mode: one backward pass gives every input's derivative at once.
x1, x2 = Value(2.0, label="x1"), Value(5.0, label="x2")
y = f(x1, x2)
g1, g2 = gradients(y, [x1, x2])
print(f"reverse mode, one pass:  ∂f/∂x1 = {g1:.4g}, ∂f/∂x2 = {g2:.4g}")
print()
print(function_traces(f, (2.0, 5.0), (1.0, 0.0)).text())

# %% Newton's method for a minimum, with the second derivative from grad(grad(f))


def g(x):
    return x**4 - 3 * x**2 + x  # two minima; start near the right one


dg, d2g = grad(g), grad(grad(g))
x = 1.5
print()
print("Newton's method on g(x) = x⁴ − 3x² + x: x ← x − g'(x)/g''(x)")
for step in range(6):
    print(f"  step {step}: x = {x:.15f}   g'(x) = {dg(x):+.3e}")
    x = x - dg(x) / d2g(x)
print(f"minimum at x = {x:.15f}, where g''(x) = {d2g(x):.6f} > 0")

# %% The first six derivatives of tanh, each by nesting grad once more
SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
derivatives = [lambda x: x.tanh()]
for _ in range(6):
    derivatives.append(grad(derivatives[-1]))
xs = [i / 50 for i in range(-200, 201)]
print()
print("tanh and its derivatives at 0.5:")
for k, d in enumerate(derivatives):
    value = d(Value(0.5)).data if k == 0 else d(0.5)
    print(f"  order {k}: {value:+.6f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: no plot (pip install matplotlib)")
else:
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5), sharex=True)
    for k, ax in enumerate(axes.flat, start=1):
        ys = [derivatives[k](x) for x in xs]
        ax.plot(xs, ys, color="#1b6ca8", lw=2)
        ax.plot(xs, [derivatives[0](Value(x)).data for x in xs], color="#bbbbbb", lw=1)
        ax.axhline(0.0, color="#888888", lw=0.6)
        power = "" if k == 1 else str(k).translate(SUPERSCRIPTS)
        ax.set_title(f"d{power}tanh/dx{power}")
        ax.grid(alpha=0.3)
    fig.suptitle("The first six derivatives of tanh, each from grad(grad(...)) (grey: tanh)")
    fig.tight_layout()
    fig.savefig(out_dir / "tanh_derivatives.png", dpi=110)
    print(f"plot written to {out_dir / 'tanh_derivatives.png'}")

# %% Both steppers on the example: reverse mode (one pass) and forward mode (one per input)
if shutil.which("dot"):
    from viz import forward_stepper, stepper

    stepper(y, out_dir / "modes_backward.html")
    forward_stepper(y, x1, out_dir / "modes_forward.html")
    print(f"stepper pages written to {out_dir}/modes_backward.html and modes_forward.html")
