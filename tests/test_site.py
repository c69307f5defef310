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
def browser(url: str) -> Iterator[object]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("Chromium is not installed (apt-get install chromium; .ci/run does it): the site is untested")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield browser
        browser.close()


def _new_page(browser, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    # a page is ready for the tests once its document is: they wait for what they read; the
    # "load" event also waits for every subresource, which a busy 2-core runner can delay
    # past the 30 s default (it did, twice, under a parallel suite)
    page.set_default_navigation_timeout(90_000)
    page.set_default_timeout(60_000)
    return page


@pytest.fixture(scope="module")
def page(browser) -> Iterator[object]:
    page = _new_page(browser, 1280, 900)
    yield page
    page.close()


@pytest.fixture
def browser_page_at(browser):
    """A page of its own at a screen size (a phone: 390 × 844)."""
    made = []

    def at(width: int, height: int):
        made.append(_new_page(browser, width, height))
        return made[-1]

    yield at
    for page in made:
        page.close()


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
    # the vendor's price first, labelled; a reseller's $0.43 ranked after it, and said whose it is
    first = page.locator("table.offerings tbody tr").first
    assert first.get_attribute("id") == "anthropic/claude-sonnet-4-5" and first.locator("td.whose").inner_text() == \
        "the vendor's price"
    assert page.locator('tr[id="qihang-ai/claude-sonnet-4-5-20250929"] td.whose').inner_text() == "a host"
    assert page.locator('tr[id="anthropic/claude-sonnet-4-5-20250929"] td.whose').inner_text() == "the vendor"
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
    assert float(cell.get_attribute("data-usd")) == quote.total_usd
    assert cell.inner_text().startswith("$")
    _shot(page, "compare")


def _price_on_compare(page, url: str, models: str, *, tier: str | None = None, region: str | None = None) -> None:
    """One request of 20,000 input and 1,000 output tokens on ``models``, priced on compare.html."""
    page.goto(url + f"compare.html?m={models}", wait_until="domcontentloaded")
    page.fill("#c-input", "20000")
    page.fill("#c-output", "1000")
    if tier is not None:
        page.select_option("#c-tier", tier)
    if region is not None:
        page.fill("#c-region", region)
    page.click("#c-run")


def test_compare_groups_by_model_the_vendors_price_first_in_dollars(page, url: str) -> None:
    """Compare was a raw float table (0.0478992, no $) of 85 ungrouped rows for 3 models."""
    _price_on_compare(page, url, "claude-sonnet-4.5, gpt-4o", tier="batch")
    page.locator('#c-result tbody[data-model="openai/gpt-4o"] tr[data-offering]').first.wait_for()
    catalog = gate_consumer.Catalog.load()
    for model, vendor in (("anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4-5"), ("openai/gpt-4o", "openai/gpt-4o")):
        group = page.locator(f'#c-result tbody[data-model="{model}"]')
        first = group.locator("tr[data-offering]").first
        assert first.get_attribute("data-offering") == vendor and "vendor" in first.inner_text()
        usd = first.locator("td.usd")
        batch = catalog.price(vendor, Usage(20_000, 1_000), service_tier="batch")
        assert float(usd.get_attribute("data-usd")) == batch.total_usd and usd.inner_text().startswith("$")
        others = [float(v) for v in group.locator("tr[data-offering]:not(.headline) td.usd[data-usd]").evaluate_all(
            "cells => cells.map(c => c.dataset.usd)")]
        assert others == sorted(others)
        assert first.locator(".badge").inner_text() in ("fresh", "aging", "stale", "conflict", "manual", "provisional")
    _shot(page, "compare-grouped")


def test_compare_prices_a_region_as_catalog_price_does(page, url: str) -> None:
    _price_on_compare(page, url, "gpt-4.1", region="data-zone")
    cell = page.locator('#c-result tr[data-offering="azure/gpt-4.1"] td.usd')
    cell.wait_for()
    quote = gate_consumer.Catalog.load().price("azure/gpt-4.1", Usage(20_000, 1_000), region="data-zone")
    assert float(cell.get_attribute("data-usd")) == quote.total_usd
    elsewhere = page.locator('#c-result tr[data-offering="openai/gpt-4.1"] td.usd')
    assert elsewhere.inner_text() == "no price in data-zone"  # OpenAI's API has no regions


def test_the_compare_view_takes_up_to_four_models(page, url: str) -> None:
    page.goto(url + "compare.html")
    page.fill("#c-models", "claude-sonnet-4.5, gpt-4o, gemini-2.5-flash, deepseek-chat, mistral-large-latest")
    page.click("#c-run")
    page.locator("#c-result tbody").first.wait_for()
    models = page.locator("#c-result tbody").evaluate_all("groups => groups.map(g => g.dataset.model)")
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


def test_the_home_page_shows_the_vendors_price_and_says_whose_it_is(page, url: str) -> None:
    """It said Claude Sonnet 4.5 costs "$0.43 / $2.14 at qihang-ai" (a reseller no other source
    confirms) and GPT-4o "$0 / $0" (GitHub Models' free quota)."""
    page.goto(url + "index.html", wait_until="domcontentloaded")
    for model, price, whose in (("anthropic/claude-sonnet-4.5", ("$3", "$15"), "Anthropic the vendor's price"),
                                ("openai/gpt-4o", ("$2.5", "$10"), "OpenAI the vendor's price"),
                                ("meta/llama-3.3-70b-instruct", ("$0.71", "$0.71"), "a cloud's price")):
        row = page.locator(f'#models tr:has(a[href="models/{model}.html"])')
        assert (row.locator("td.c-input").inner_text(), row.locator("td.c-output").inner_text()) == price, model
        assert whose in " ".join(row.locator("td.c-whose").inner_text().split()), model
    assert "qihang" not in " ".join(page.locator("#models td.c-whose").all_inner_texts()).lower()


def _rows(page, column: str) -> list[str]:
    return page.eval_on_selector_all(f"#models tbody tr:not([hidden]) td.c-{column}", "cells => cells.map(c => c.dataset.v)")


def test_the_table_sorts_by_a_column_and_the_address_keeps_the_view(page, url: str) -> None:
    page.goto(url + "index.html", wait_until="domcontentloaded")
    page.click('button.sort[data-sort="context"]')
    values = [int(v) for v in _rows(page, "context") if v]
    assert values == sorted(values) and len(values) > 1000
    page.click('button.sort[data-sort="context"]')
    values = [int(v) for v in _rows(page, "context") if v]
    assert values == sorted(values, reverse=True)
    assert page.locator('th.c-context').get_attribute("aria-sort") == "descending"
    page.click('#provider-chips button[data-p="anthropic"]')  # a vendor's chip: its own API
    assert page.locator("#f-provider").input_value() == "anthropic"
    shared = page.url
    assert "sort=context" in shared and "dir=desc" in shared and "provider=anthropic" in shared
    page.goto(shared, wait_until="domcontentloaded")  # the view, shared: the same rows in the same order
    page.wait_for_function("document.querySelector('th.c-context').getAttribute('aria-sort') === 'descending'")
    assert page.locator("#f-provider").input_value() == "anthropic"
    served = page.eval_on_selector_all("#models tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.providers)")
    assert served and all("anthropic" in providers.split() for providers in served)
    contexts = [int(v) for v in _rows(page, "context") if v]
    assert contexts == sorted(contexts, reverse=True)


def test_search_completes_from_the_keyboard_and_suggests_a_near_id(page, url: str) -> None:
    page.goto(url + "index.html", wait_until="domcontentloaded")
    page.fill("#q", "gpt4o")  # found nothing, and said nothing more
    page.wait_for_selector("#hit a.suggestion")
    assert "did you mean" in page.locator("#hit").inner_text() and "openai/gpt-4o" in page.locator("#hit").inner_text()
    page.press("#q", "Escape")
    assert page.input_value("#q") == "" and page.locator("#hit").inner_text() == ""
    page.fill("#q", "claude-sonnet-4.5")
    page.wait_for_selector("#hit-link")
    page.press("#q", "Enter")
    page.wait_for_url("**/models/anthropic/claude-sonnet-4.5.html")


def test_the_home_page_fits_a_phone(browser_page_at, url: str) -> None:
    phone = browser_page_at(390, 844)
    phone.goto(url + "index.html", wait_until="domcontentloaded")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    assert phone.locator("#models td.c-input").first.is_visible()


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
    cell = page.locator("#c-result tbody th").first  # the group's heading: the id, as text
    cell.wait_for()
    assert cell.inner_text() == text.strip()
    assert page.locator("#c-result tbody td").first.inner_text() == "no model has this id"
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
    row = page.locator("#c-result tbody tr[data-offering]").first
    row.wait_for()
    assert row.locator("td").first.inner_text() == HOSTILE[index].strip()
    assert page.locator("#c-result tbody th").first.inner_text().startswith(HOSTILE[index].strip())
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


AXE = REPO / "tests" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("path", ["index.html", "models/anthropic/claude-sonnet-4.5.html", "providers/anthropic.html",
                                  "compare.html?m=claude-sonnet-4.5,gpt-4o", "changes.html"])
def test_no_page_has_a_serious_accessibility_violation(browser, url: str, path: str) -> None:
    """axe-core (the npm package, `npm ci --prefix tests/axe`, which .ci/run does) on each kind of
    page: no serious or critical violation of WCAG 2 A/AA."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed ({AXE}): run `npm ci --prefix tests/axe` (.ci/run does)")
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})  # axe is injected
    try:
        page = context.new_page()
        page.set_default_navigation_timeout(90_000)
        page.set_default_timeout(60_000)
        page.goto(url + path, wait_until="domcontentloaded")
        if path.startswith("compare"):
            page.click("#c-run")
            page.locator("#c-result tbody").first.wait_for()
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("""async () => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]},
                                                    resultTypes: ["violations"]});
            return result.violations.filter(v => ["serious", "critical"].includes(v.impact))
                .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} node(s), e.g. ${v.nodes[0].target}`);
        }""")
        assert found == [], "\n".join(found)
    finally:
        context.close()


def test_price_history_is_a_chart_with_the_source_of_each_step_and_a_changes_page(page, url: str, site: Path) -> None:
    """docs/site.md promised price-history charts; none was shown (issue 29, point 4)."""
    feed = json.loads((site / "v1" / "changes.json").read_text())
    change = next(i["_fusionaize"] for i in feed["items"] if i["_fusionaize"]["kind"] == "price-change")
    page.goto(url + f"models/{change['model']}.html", wait_until="domcontentloaded")
    section = page.locator(f'section[id="detail-{change["offering"]}"]')
    assert section.locator("svg.history polyline").count() >= 1
    steps = section.locator("table.history tbody tr")
    assert steps.count() >= 2  # the price before and the price now, each with who said it
    record = gate_consumer.Catalog.load().offering_by_key(change["offering"]).record
    said = {entry["source"] for entry in record["price_history"]}
    assert said <= set(steps.locator("td:last-child").all_inner_texts())
    page.goto(url + "changes.html", wait_until="domcontentloaded")
    first = page.locator("#changes tbody tr").first
    assert change["offering"] in page.locator("#changes").inner_text()
    dates = page.locator("#changes tbody tr td:first-child").all_inner_texts()
    assert dates == sorted(dates, reverse=True) and first.locator("a").get_attribute("href").startswith("models/")
