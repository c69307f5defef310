"""The screenshots of the site in docs/ (docs/site.md shows them), taken in the distribution's Chromium.

    python scripts/screenshots.py [--dist DIR] [--out docs/img]

Builds the site into a temporary folder (unless ``--dist`` names a ``faimeta build`` output),
serves it on 127.0.0.1 and saves, at 1366 × 900 and on a 390-wide phone:

* ``site-home.png`` — the table as it opens: the vendor's price and whose it is, newest first;
* ``site-home-sorted.png`` — a shared view: Anthropic's models, cheapest input first;
* ``site-search.png`` — a search by an id form, and the did-you-mean of a near miss;
* ``site-model.png`` — a model page: the vendor's price first, every offering labelled and ranked;
* ``site-model-provenance.png`` — one price expanded to its source, dates and the sources agreeing;
* ``site-history.png`` — an offering's price history: the step chart and the sources of each step;
* ``site-compare.png`` — compare as a buyer: one request on several models, the vendor's price first;
* ``site-changes.png`` — the price changes page;
* ``site-phone.png`` — the home page at 390 px.

Needs Chromium (``apt-get install chromium``) and Playwright (the test extra); no browser download.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def offering_with_history(dist: Path) -> tuple[str, str]:
    """A model page and offering whose price history has steps (the newest change of the feed)."""
    import json

    for item in json.loads((dist / "v1" / "changes.json").read_text())["items"]:
        if item["_fusionaize"]["kind"] == "price-change":
            return item["_fusionaize"]["model"], item["_fusionaize"]["offering"]
    raise SystemExit("no offering has a price history: nothing to show in site-history.png")


def shoot(dist: Path, out: Path) -> list[Path]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    server, url = serve(dist)
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 900})

            def save(name: str, target=None) -> None:
                path = out / f"{name}.png"
                (target or page).screenshot(path=str(path))
                saved.append(path)
                print(f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")

            page.goto(url + "index.html")
            save("site-home")
            page.goto(url + "index.html?provider=anthropic&sort=input&dir=asc")
            page.wait_for_function("document.querySelector('th.c-input').getAttribute('aria-sort') === 'ascending'")
            save("site-home-sorted")
            page.goto(url + "index.html")
            page.fill("#q", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
            page.wait_for_selector("#hit-link")
            save("site-search")
            page.fill("#q", "gpt4o")
            page.wait_for_selector("#hit a.suggestion")
            save("site-search-suggestion", page.locator("form.search"))
            page.goto(url + "models/anthropic/claude-sonnet-4.5.html")
            save("site-model")
            page.locator("section.offering details").first.locator("summary").click()
            save("site-model-provenance", page.locator("section.offering").first)
            model, offering = offering_with_history(dist)
            page.goto(url + f"models/{model}.html")
            save("site-history", page.locator(f'section[id="detail-{offering}"]'))
            page.goto(url + "compare.html?m=claude-sonnet-4.5, gpt-4o, gemini-2.5-flash")
            page.fill("#c-input", "20000")
            page.fill("#c-output", "1000")
            page.click("#c-run")
            page.locator("#c-result tbody").first.wait_for()
            save("site-compare")
            page.goto(url + "changes.html")
            save("site-changes")
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.goto(url + "index.html")
            path = out / "site-phone.png"
            phone.screenshot(path=str(path))
            saved.append(path)
            print(f"  {path}")
            browser.close()
    finally:
        server.shutdown()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, help="a faimeta build output (default: build one now)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img", help="where the PNGs go")
    args = parser.parse_args()
    if args.dist is not None:
        shoot(args.dist, args.out)
        return
    with tempfile.TemporaryDirectory(prefix="faimeta-shots-") as scratch:
        print("building the site…")
        subprocess.run([sys.executable, "-m", "refresher.cli", "build", "--root", str(REPO / "metadata"), "--out", scratch,
                        "--no-bundle", "--clean"], check=True, stdout=subprocess.DEVNULL)
        print("taking the screenshots:")
        shoot(Path(scratch), args.out)


if __name__ == "__main__":
    main()
