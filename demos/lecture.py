"""For the lecture: a TikZ picture of the learner's worked example and Beamer slides of a
neuron's backward pass, one frame per step, with a PNG of one frame.

Run it as a script (``python demos/lecture.py [output folder]``, default ``out/``) or cell by
cell (``# %%``). It writes ``worked_example.tex`` (the TikZ picture in a small document),
``neuron_steps.tex`` and, where pdflatex is installed, ``worked_example.pdf``,
``neuron_steps.pdf`` and ``beamer_frame.png`` (one frame, made with poppler's ``pdftoppm``).
Needs Graphviz's ``dot``; the PDFs need pdflatex with TikZ and Beamer (Debian:
texlive-latex-base, texlive-latex-recommended, texlive-pictures).
"""

# %% Setup
import shutil
import subprocess
import sys
from pathlib import Path

from autograd_lite import Value
from viz import beamer, to_tikz
from viz.latex import run_pdflatex

out_dir = Path(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "out")
out_dir.mkdir(parents=True, exist_ok=True)
can_compile = shutil.which("pdflatex") is not None

# %% The worked example: O = s(s(s(I*w1+1)*w2+1)*w4 + s(s(I*w1+1)*w3+1)*w5 + 1)
I = Value(1.0, label="I")
w1, w2, w3, w4, w5 = (Value(0.5, label=f"w{k}") for k in range(1, 6))
h = (I * w1 + 1).sigmoid()
O = ((h * w2 + 1).sigmoid() * w4 + (h * w3 + 1).sigmoid() * w5 + 1).sigmoid()
O.label = "O"
O.backward()
document = (
    "\\documentclass{article}\n\\usepackage{tikz}\n"
    "\\usepackage[a4paper]{geometry}\n"
    "\\pagestyle{empty}\n\\begin{document}\n\\noindent\n" + to_tikz(O) + "\\end{document}\n"
)
(out_dir / "worked_example.tex").write_text(document, encoding="utf-8")
if can_compile:
    (out_dir / "worked_example.pdf").write_bytes(run_pdflatex(document))

# %% One neuron, o = tanh(x_1 w_1 + x_2 w_2 + b), as slides
x1, x2 = Value(2.0, label="x_1"), Value(0.0, label="x_2")
v1, v2 = Value(-3.0, label="w_1"), Value(1.0, label="w_2")
b = Value(6.8813735870195432, label="b")
n = x1 * v1 + x2 * v2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
deck = beamer(o, out_dir / "neuron_steps.tex", pdf=can_compile, title="Backward pass of a neuron")
print("wrote", deck)

# %% One frame as a PNG (the README shows it)
if can_compile and shutil.which("pdftoppm"):
    frame = 4  # back through the sum: the gradient splits between its operands
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "120",
            "-f",
            str(frame),
            "-l",
            str(frame),
            "-singlefile",
            str(deck),
            str(out_dir / "beamer_frame"),
        ],
        check=True,
        timeout=60,
    )
    print("wrote", out_dir / "beamer_frame.png")
