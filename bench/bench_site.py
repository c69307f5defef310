"""How fast the catalog's site renders in the distribution's Chromium, from a local server —
the home page's first render is budgeted at one second (issue 15) — beside the floor of
fetching the same bytes over HTTP, in the same run.

Usage: ``python bench/bench_site.py [--dist DIR] [--runs N]`` (builds the site into a temporary
folder unless ``--dist`` names a ``faimeta build`` output). Needs Chromium (``apt-get install
chromium``) and Playwright (the test extra).
"""

from __future__ import annotations

import argparse
import functools
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUDGET_FIRST_RENDER_MS = 1000.0
PAGES = ("index.html", "models/anthropic/claude-sonnet-4.5.html", "compare.html")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    dist = args.dist
    if dist is None:
        dist = Path(tempfile.mkdtemp(prefix="bench-site-"))
        subprocess.run(["faimeta", "build", "--root", str(REPO / "metadata"), "--out", str(dist), "--no-bundle"],
                       check=True, capture_output=True)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(dist)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    print(f"{'page':<44} {'bytes':>9} {'fetch (floor)':>14} {'first paint':>12} {'load':>9} {'paint ÷ floor':>14}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for page_path in PAGES:
            size = (dist / page_path).stat().st_size
            fetch, paint, load = [], [], []
            for _ in range(args.runs):
                start = time.perf_counter()
                urllib.request.urlopen(base + page_path).read()
                fetch.append((time.perf_counter() - start) * 1000)
                page = browser.new_page()
                page.goto(base + page_path, wait_until="load")
                timing = page.evaluate("""() => {
                    const nav = performance.getEntriesByType('navigation')[0];
                    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                    return {paint: fcp ? fcp.startTime : nav.domContentLoadedEventEnd, load: nav.loadEventEnd};
                }""")
                paint.append(timing["paint"])
                load.append(timing["load"])
                page.close()
            f, p, lo = statistics.median(fetch), statistics.median(paint), statistics.median(load)
            flag = "" if page_path != "index.html" or p <= BUDGET_FIRST_RENDER_MS else "  over budget"
            print(f"{page_path:<44} {size:>9,} {f:>11.1f} ms {p:>9.1f} ms {lo:>6.1f} ms {p / f:>13.1f}×{flag}")
        browser.close()
    server.shutdown()
    print(f"\nbudget: the home page's first render ≤ {BUDGET_FIRST_RENDER_MS:.0f} ms")


if __name__ == "__main__":
    main()
