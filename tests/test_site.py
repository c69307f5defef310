"""The static site (refresher/publish/site.py), built by `faimeta build` and read in a real browser: the
distribution's Chromium, driven by Playwright (no browser download), against a local server.
Without Chromium this fails — it never skips."""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest
from typer.testing import CliRunner

import gate_consumer
from gate_consumer import Usage
from refresher.cli import app
from tests.conftest import REPO

# one worker builds the site and starts Chromium once for them all
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site")]

SCREENSHOTS = Path(__file__).parent.parent / ".cache" / "screenshots"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = CliRunner().invoke(app, ["build", "--root", str(REPO / "metadata"), "--out", str(out), "--no-bundle"])
    assert result.exit_code == 0, result.output
    return out


def _serve(folder: Path) -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def url(site: Path) -> Iterator[str]:
    yield from _serve(site)


@pytest.fixture(scope="module")
def page(url: str) -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Chromium is not installed (apt-get install chromium; .ci/run does it): the site is untested")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # a page is ready for the tests once its document is: they wait for what they read; the
        # "load" event also waits for every subresource, which a busy 2-core runner can delay
        # past the 30 s default (it did, twice, under a parallel suite)
        page.set_default_navigation_timeout(90_000)
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    assert (SCREENSHOTS / f"{name}.png").stat().st_size > 1000


@pytest.mark.parametrize(("query", "model"), [
    ("claude-sonnet-4.5", "anthropic/claude-sonnet-4.5"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic/claude-sonnet-4.5"),  # a Bedrock profile
    ("gemini/gemini-2.5-flash", "google/gemini-2.5-flash"),  # a client's route prefix
    ("claude-sonnet-4-5[1m]", "anthropic/claude-sonnet-4.5"),
])
def test_search_finds_a_model_by_any_of_its_ids(page, url: str, query: str, model: str) -> None:
    page.goto(url + "index.html")
    page.fill("#q", query)
    link = page.locator("#hit-link")
    link.wait_for()
    assert link.inner_text() == f"{query} → {model}"
    _shot(page, f"search-{model.replace('/', '-')}")


def test_the_model_page_shows_prices_with_their_freshness_and_where_they_came_from(page, url: str) -> None:
    page.goto(url + "index.html")
    page.fill("#q", "claude-sonnet-4.5")
    page.locator("#hit-link").click()
    page.wait_for_url("**/models/anthropic/claude-sonnet-4.5.html")
    assert page.locator("h1").inner_text() == "Claude Sonnet 4.5"
    row = page.locator('tr[id="anthropic/claude-sonnet-4-5"]')
    assert row.locator('td[data-component="input"]').inner_text() == "$3"
    assert row.locator(".badge").inner_text() in ("fresh", "aging", "stale", "conflict", "manual", "untracked")
    detail = page.locator('section[id="detail-anthropic/claude-sonnet-4-5"] details').first
    detail.locator("summary").click()
    assert "source" in detail.inner_text() and "last confirmed" in detail.inner_text()
    _shot(page, "model-claude-sonnet-4.5")


def test_the_calculator_computes_what_catalog_price_computes(page, url: str) -> None:
    page.goto(url + "compare.html?m=anthropic/claude-sonnet-4.5")
    for field, value in (("#c-input", "250000"), ("#c-cached", "10000"), ("#c-output", "1000")):
        page.fill(field, value)
    page.click("#c-run")
    cell = page.locator('#c-result tr[data-offering="anthropic/claude-sonnet-4-5"] td.usd')
    cell.wait_for()
    catalog = gate_consumer.Catalog.load()
    quote = catalog.price("anthropic/claude-sonnet-4-5", Usage(250_000, 1_000, cache_read_tokens=10_000))
    assert quote.tier == 200_000  # the long-context tier, in both
    assert float(cell.inner_text()) == quote.total_usd
    _shot(page, "compare")


def test_the_compare_view_takes_up_to_four_models(page, url: str) -> None:
    page.goto(url + "compare.html")
    page.fill("#c-models", "claude-sonnet-4.5, gpt-4o, gemini-2.5-flash, deepseek-chat, mistral-large-latest")
    page.click("#c-run")
    page.locator("#c-result tbody tr").first.wait_for()
    models = {page.locator("#c-result tbody tr").nth(i).locator("td").first.inner_text()
              for i in range(page.locator("#c-result tbody tr").count())}
    assert len(models) == 4 and "mistral/mistral-large-2512" not in models


def test_filters_narrow_the_model_list(page, url: str) -> None:
    page.goto(url + "index.html")
    total = int(page.locator("#count").inner_text().split()[0])
    page.select_option("#f-provider", "anthropic")
    shown = int(page.locator("#count").inner_text().split()[0])
    assert 0 < shown < total
    page.select_option("#f-capability", "reasoning")
    reasoning = int(page.locator("#count").inner_text().split()[0])
    assert 0 < reasoning <= shown
    page.select_option("#f-modality", "audio")
    assert int(page.locator("#count").inner_text().split()[0]) <= reasoning


def test_every_page_reads_without_javascript(site: Path) -> None:
    model = (site / "models" / "anthropic" / "claude-sonnet-4.5.html").read_text()
    assert "<noscript>" not in model and 'data-component="input">$3<' in model  # rendered by the build
    provider = (site / "providers" / "anthropic.html").read_text()
    assert "Cost truth" in provider and "changes/anthropic.atom" in provider
    index = (site / "index.html").read_text()
    assert 'type="application/atom+xml"' in index and index.count("<tr ") > 1000


def test_the_site_is_the_same_bytes_for_the_same_metadata(site: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = CliRunner().invoke(app, ["build", "--root", str(REPO / "metadata"), "--out", str(again), "--no-bundle"])
    assert result.exit_code == 0
    for name in ("index.html", "search.json", "prices.json", "models/anthropic/claude-sonnet-4.5.html"):
        assert (again / name).read_bytes() == (site / name).read_bytes(), name
    search = json.loads((site / "search.json").read_text())
    assert search["us.anthropic.claude-sonnet-4-5-20250929-v1:0"] == "anthropic/claude-sonnet-4.5"


# -- hostile ids and names (issue 27, point 6) ---------------------------------------------------

HOSTILE = ['<img src=x onerror=alert(1)>', '"><svg onload=alert(2)>', "</td><script>alert(3)</script>",
           "javascript:alert(4)", "Anthr\u202eopic"]


@pytest.fixture(scope="module")
def hostile_url(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site with data no build would write — as a tampered mirror or a hand-edited
    file would serve it: ids and names that are markup, in the search index and the prices."""
    folder = tmp_path_factory.mktemp("hostile") / "site"
    shutil.copytree(site, folder)
    search = json.loads((folder / "search.json").read_text())
    prices = json.loads((folder / "prices.json").read_text())
    for i, text in enumerate(HOSTILE):
        search[f"evil-{i}"] = text
        prices[text] = {"name": text, "offerings": [{"offering": text, "input": 1, "output": 2, "tiers": []}]}
    (folder / "search.json").write_text(json.dumps(search))
    (folder / "prices.json").write_text(json.dumps(prices))
    yield from _serve(folder)


def _dialogs(page) -> list[str]:
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_id_in_the_address_is_shown_as_text(page, url: str, text: str) -> None:
    """``compare.html?m=<img src=x onerror=…>`` and one click on "Price" ran the script: the
    unknown id went into the table through insertAdjacentHTML."""
    seen = _dialogs(page)
    page.goto(url + "compare.html?" + urlencode({"m": text}), wait_until="domcontentloaded")
    page.click("#c-run")
    cell = page.locator("#c-result tbody tr td").first
    cell.wait_for()
    assert cell.inner_text() == text.strip()
    page.fill("#c-models", text)
    page.click("#c-run")
    page.goto(url + "index.html")
    page.fill("#q", text)
    page.wait_for_timeout(50)
    assert seen == []
    assert page.locator("#c-result script, #c-result img, #hit img").count() == 0


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_hostile_names_in_the_data_are_shown_as_text(page, hostile_url: str, index: int) -> None:
    seen = _dialogs(page)
    page.goto(hostile_url + "compare.html?m=" + f"evil-{index}", wait_until="domcontentloaded")
    page.click("#c-run")
    row = page.locator("#c-result tbody tr").first
    row.wait_for()
    assert row.locator("td").first.inner_text() == HOSTILE[index].strip()
    page.goto(hostile_url + "index.html", wait_until="domcontentloaded")
    page.fill("#q", f"evil-{index}")
    page.locator("#hit-link").wait_for()
    page.wait_for_timeout(50)
    assert seen == []


def test_every_page_forbids_inline_script_and_the_script_builds_no_markup(site: Path) -> None:
    """Defence in depth: a Content-Security-Policy that runs only the site's own script file, no
    inline handler to need an exception, and a script that writes text, never markup."""
    script = (site / "assets" / "site.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in script, sink
    policy = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 1000
    for path in pages:
        text = path.read_text()
        match = policy.search(text)
        assert match, path
        directives = dict(d.strip().split(" ", 1) for d in match.group(1).split(";") if d.strip())
        assert directives["script-src"] == "'self'" and directives["object-src"] == "'none'", path
        assert not re.search(r"<script(?![^>]*\bsrc=)", text) and not re.search(r"\son[a-z]+=", text), path
