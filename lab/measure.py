"""Measure the lab in headless Chromium: site size, ready time, playground speed.

    python lab/measure.py [SITE]   # builds the site into a temporary folder unless given one

Prints the figures the lab's targets speak of: the site's size (< 25 MB), the time until
the page is ready to type (<= 6 s), and for the playground's default network (2-4-2-1 on
200 moons points, batch 10) the steps per second (>= 30) and the wall time to 95% test
accuracy (< 20 s). Every request outside the site is aborted and counted.
"""

import functools
import http.server
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARGS += ["--disable-component-update", "--disable-sync", "--no-first-run"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    """The static server, without a log line per request."""

    def log_message(self, *args):
        pass


def serve(site: Path) -> str:
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/"


def measure(site: Path) -> None:
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    print(f"site size: {size / 1e6:.1f} MB")
    base = serve(site)
    outside = []

    def route(r):
        if r.request.url.startswith(base):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for run in range(3):
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            context.route("**/*", route)
            page = context.new_page()
            page.goto(base + "index.html")
            page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
            seconds = page.evaluate("window.labReadySeconds")
            parts = page.evaluate("window.labReadyTimes")
            where = ", ".join(f"{k} {v / 1000:.2f} s" for k, v in parts.items())
            print(f"ready to type, run {run + 1}: {seconds:.2f} s (in the worker: {where})")
            context.close()
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.route("**/*", route)
        page = context.new_page()
        page.goto(base + "index.html#playground")
        page.wait_for_function("!document.querySelector('#play').disabled", timeout=60_000)
        start = time.perf_counter()
        page.click("#play")
        page.wait_for_function(
            "window.labPlayground && window.labPlayground.testAccuracy >= 0.95", timeout=60_000
        )
        print(f"moons past 95% test accuracy after {time.perf_counter() - start:.2f} s")
        page.wait_for_timeout(5000)
        figures = page.evaluate("window.labPlayground")
        print(
            f"steps per second: {figures['stepsPerSecond']:.0f} with the page's drawing, "
            f"{figures['trainingStepsPerSecond']:.0f} training alone"
        )
        browser.close()
    print(f"requests outside the site: {len(outside)}")


def main() -> None:
    if len(sys.argv) > 1:
        measure(Path(sys.argv[1]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "autograd_lite", "lab", str(site)], check=True)
        measure(site)


if __name__ == "__main__":
    main()
