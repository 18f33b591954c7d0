"""Screenshot the moons training page at the start and at the end of training.

Run from the repository root (needs Playwright and a Chromium; the path can be given)::

    python demos/training_page_screenshot.py [outdir] [--chromium PATH] [--readme]

It trains MLP(2, [16, 16, 1]) on the moons as ``demos/moons.py`` does (25 of the 100 points
held out as a test set, whose curves the page draws beside the training ones), writes the training
page to ``outdir/moons_training.html`` (default ``out/``), opens it in headless Chromium and
saves, at a projector's 1024×768 and a screen's 1920×1080, ``training_start_<size>.png``
(step 0) and ``training_end_<size>.png`` (the trained model, the loss on a logarithmic
axis, a neuron of the first layer hovered) beside it. With ``--readme`` it also copies the
1920×1080 end to ``docs/training_page.png``, the picture in the README.
"""

import argparse
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from autograd_lite.nn import MLP, fit
from autograd_lite.nn.data import moons, split
from autograd_lite.nn.optim import linear_schedule
from viz import training_page

SIZES = [(1024, 768), (1920, 1080)]

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("outdir", nargs="?", default="out")
parser.add_argument("--chromium", default="/usr/bin/chromium")
parser.add_argument("--readme", action="store_true", help="also write docs/training_page.png")
args = parser.parse_args()
outdir = Path(args.outdir)
outdir.mkdir(parents=True, exist_ok=True)

X, y, X_test, y_test = split(*moons(n_samples=100, noise=0.1, seed=1), test_fraction=0.25, seed=0)
model = MLP(2, [16, 16, 1])
steps = 100
history = fit(model, X, y, loss="hinge", l2=1e-4, steps=steps, record=5, progress=False,
              lr=linear_schedule(1.0, 0.1, steps), test=(X_test, y_test))  # fmt: skip
page = training_page(history, outdir / "moons_training.html", title="MLP(2, [16, 16, 1]) on moons")

with sync_playwright() as pw:
    browser = pw.chromium.launch(
        executable_path=args.chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
    )
    errors = []
    names = []
    for width, height in SIZES:
        tab = browser.new_page(viewport={"width": width, "height": height})
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        # nothing but the page's own file: it must need no network
        tab.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        tab.goto(page.resolve().as_uri())
        names += [f"training_start_{width}x{height}.png", f"training_end_{width}x{height}.png"]
        tab.screenshot(path=outdir / names[-2])
        tab.keyboard.press("End")
        tab.check("#logscale")  # the end of training, where a linear axis is flat
        tab.hover("#network .neuron[data-layer='1'][data-index='3']")
        tab.screenshot(path=outdir / names[-1])
        tab.close()
    browser.close()
# a palette of 256 colours keeps the pictures small enough for a README, looking the same
for name in names:
    picture = Image.open(outdir / name).convert("RGB")
    picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(outdir / name, optimize=True)
if args.readme:
    readme_picture = Path(__file__).resolve().parent.parent / "docs" / "training_page.png"
    readme_picture.write_bytes((outdir / "training_end_1920x1080.png").read_bytes())
    print(f"wrote {readme_picture}")
if errors:
    raise SystemExit(f"the page reported errors: {errors}")
print(f"wrote {page} and, beside it, " + ", ".join(names))
