"""Every adapter over real HTTP against a local server serving the recorded responses, with
pagination, retries and the failures an upstream really produces."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from refresher.run.fetch import Fetcher, FetchPolicy, redact_url, retry_after_seconds
from refresher.run.payloads import fetch_payloads, parse_payload, url_variable
from refresher.run.refresh import run_refresh
from refresher.sources.base import SourceError
from refresher.sources.registry import ADAPTERS
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

SECRET = "sk-test-PLANTED-SECRET-1234567890"

# source → the recording served for it (the newest complete one, as a replay would pick)
RECORDED = {
    "modelsdev": "modelsdev/api.json",
    "openrouter": "openrouter/models.json",
    "openai": "openai/models.json",
    "anthropic": "anthropic/models-2026-04.json",
    "google": "google/models.json",
    "groq": "groq/models-2026-08.json",
    "together": "together/models.json",
    "deepinfra": "deepinfra/models.json",
    "mistral": "mistral/models.json",
    "fireworks": "fireworks/models.json",
    "litellm": "litellm/model_prices_and_context_window.json",
    "genai-prices": "genai-prices/data.json",
    "langfuse": "langfuse/default-model-prices.json",
}  # portkey, published as one file per provider: tests/test_portkey.py


class Recorder:
    """Collects progress lines and the waits the fetcher asked for (without waiting)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.waits: list[float] = []


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


@pytest.fixture
def fetcher(rec: Recorder) -> Fetcher:
    policy = FetchPolicy(timeout=0.5, connect_timeout=0.5, attempts=3, backoff=0.25, max_wait=30)
    with Fetcher(policy=policy, sleep=rec.waits.append, say=rec.lines.append) as f:
        yield f


def _environ(httpserver: HTTPServer, *sources: str) -> dict[str, str]:
    env = {}
    for source in sources:
        env[url_variable(source)] = httpserver.url_for(f"/{source}")
        key_env = load_tree_sources()[source].get("api_key_env")
        if key_env:
            env[key_env] = SECRET
    return env


def load_tree_sources() -> dict:
    return json.loads((Path(__file__).resolve().parent.parent / "metadata/sources.json").read_text())["sources"]


def _fetch(tree_root: Path, env: dict[str, str], fetcher: Fetcher, rec: Recorder, *sources: str):
    tree = load_tree(tree_root)
    return fetch_payloads(tree, sources, fetcher=fetcher, environ=env, say=rec.lines.append)


# -- every adapter, from its recording, over HTTP ------------------------------------------------


@pytest.mark.parametrize("source", sorted(RECORDED))
def test_every_adapter_fetches_and_parses_its_recording_over_http(
    source: str, httpserver: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    body = (UPSTREAM / RECORDED[source]).read_bytes() if source != "modelsdev" else _modelsdev_body()
    httpserver.expect_request(f"/{source}").respond_with_data(body, content_type="application/json")
    payloads, errors, not_run = _fetch(empty_tree, _environ(httpserver, source), fetcher, rec, source)
    assert (errors, not_run) == ({}, {})
    snapshot = parse_payload(payloads[0])
    assert snapshot.records > 0 and (snapshot.offerings or snapshot.rules)  # rules: matched at reconcile
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"].startswith("fusionaize-metadata-refresher/")
    if ADAPTERS[source].needs_key:
        auth = {k: v for k, v in request.headers.items() if SECRET in v}
        assert auth, "the key is sent"
    assert not any(SECRET in line for line in rec.lines)


def _modelsdev_body() -> bytes:
    return (UPSTREAM / "modelsdev/api.json").read_bytes()


def test_keys_travel_in_each_apis_own_header(httpserver: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder) -> None:
    for source in ("openai", "anthropic", "google"):
        httpserver.expect_request(f"/{source}").respond_with_data((UPSTREAM / RECORDED[source]).read_bytes())
    _fetch(empty_tree, _environ(httpserver, "openai", "anthropic", "google"), fetcher, rec, "openai", "anthropic", "google")
    headers = {req.path: req.headers for req, _ in httpserver.log}
    assert headers["/openai"]["Authorization"] == f"Bearer {SECRET}"
    assert headers["/anthropic"]["x-api-key"] == SECRET and headers["/anthropic"]["anthropic-version"] == "2023-06-01"
    assert headers["/google"]["x-goog-api-key"] == SECRET
    assert "key" not in {k.lower() for req, _ in httpserver.log for k in req.args}  # never in the URL


def test_a_source_without_its_key_is_skipped_with_one_line(empty_tree: Path, fetcher: Fetcher, rec: Recorder) -> None:
    payloads, errors, not_run = _fetch(empty_tree, {}, fetcher, rec, "openai")
    assert (payloads, errors) == ([], {})
    assert not_run == {"openai": "OPENAI_API_KEY is not set (set it to use this source)"}
    assert rec.lines == []  # the run's summary says it, once


# -- pagination ---------------------------------------------------------------------------------


def test_anthropic_pages_are_followed_with_after_id(
    httpserver: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    data = json.loads((UPSTREAM / RECORDED["anthropic"]).read_text())["data"]
    first, second = data[:5], data[5:]
    httpserver.expect_ordered_request("/anthropic", query_string={"limit": "1000"}).respond_with_json(
        {"data": first, "has_more": True, "first_id": first[0]["id"], "last_id": first[-1]["id"]})
    httpserver.expect_ordered_request(
        "/anthropic", query_string={"limit": "1000", "after_id": first[-1]["id"]}
    ).respond_with_json({"data": second, "has_more": False, "first_id": second[0]["id"], "last_id": second[-1]["id"]})
    payloads, errors, _ = _fetch(empty_tree, _environ(httpserver, "anthropic"), fetcher, rec, "anthropic")
    assert not errors
    snapshot = parse_payload(payloads[0])
    assert [o.upstream_id for o in snapshot.offerings] == [m["id"] for m in data]
    assert snapshot.complete and len(payloads[0].bodies) == 2
    httpserver.check_assertions()


def test_gemini_pages_are_followed_with_page_token(
    httpserver: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    page1 = json.loads((UPSTREAM / "google/models-page1.json").read_text())
    token = page1["nextPageToken"]
    later = [m for m in json.loads((UPSTREAM / "google/models.json").read_text())["models"]
             if m["name"] not in {p["name"] for p in page1["models"]}]
    page2 = {"models": later or [{"name": "models/page-two-model", "displayName": "Page two"}]}
    httpserver.expect_ordered_request("/google", query_string={"pageSize": "1000"}).respond_with_json(page1)
    httpserver.expect_ordered_request(
        "/google", query_string={"pageSize": "1000", "pageToken": token}
    ).respond_with_json(page2)
    payloads, errors, _ = _fetch(empty_tree, _environ(httpserver, "google"), fetcher, rec, "google")
    assert not errors
    snapshot = parse_payload(payloads[0])
    assert len(snapshot.offerings) == len(page1["models"]) + len(page2["models"])
    assert all(not o.upstream_id.startswith("models/") for o in snapshot.offerings)
    assert snapshot.complete
    httpserver.check_assertions()


def test_a_recorded_first_page_alone_is_an_incomplete_listing() -> None:
    from refresher.run.payloads import Payload

    body = (UPSTREAM / "google/models-page1.json").read_bytes()
    snapshot = parse_payload(Payload("google", (body,), "2026-04-02T00:00:00Z", "page1"))
    assert not snapshot.complete


def test_pagination_stops_at_the_page_limit_and_says_so(httpserver: HTTPServer, rec: Recorder) -> None:
    httpserver.expect_request("/anthropic").respond_with_json(
        {"data": [], "has_more": True, "first_id": "a", "last_id": "a"})
    with Fetcher(policy=FetchPolicy(max_pages=3), sleep=rec.waits.append, say=rec.lines.append) as f:
        fetched = f.listing(ADAPTERS["anthropic"], httpserver.url_for("/anthropic"), SECRET)
    assert len(fetched.bodies) == 3 and not fetched.complete
    assert "anthropic: stopped after 3 pages; the listing is incomplete" in rec.lines


def test_the_pages_of_one_source_are_bounded_together(httpserver: HTTPServer, rec: Recorder) -> None:
    page = {"data": [{"id": f"m-{i}", "filler": "x" * 1000} for i in range(10)], "has_more": True,
            "first_id": "a", "last_id": "a"}
    httpserver.expect_request("/anthropic").respond_with_json(page)
    policy = FetchPolicy(max_pages=100, max_bytes=20_000, max_total_bytes=50_000)
    with Fetcher(policy=policy, sleep=rec.waits.append, say=rec.lines.append) as f, \
            pytest.raises(SourceError, match="5 pages hold more than 50,000 bytes together"):
        f.listing(ADAPTERS["anthropic"], httpserver.url_for("/anthropic"), SECRET)
    assert len(httpserver.log) == 5  # stopped there, not at the page limit


# -- failures -----------------------------------------------------------------------------------


def test_a_5xx_is_retried_with_backoff(httpserver: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder) -> None:
    body = (UPSTREAM / RECORDED["groq"]).read_bytes()
    httpserver.expect_ordered_request("/groq").respond_with_data("upstream down", status=503)
    httpserver.expect_ordered_request("/groq").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/groq").respond_with_data(body)
    payloads, errors, _ = _fetch(empty_tree, _environ(httpserver, "groq"), fetcher, rec, "groq")
    assert not errors and payloads[0].bodies == (body,)
    assert rec.waits == [0.25, 0.5]


def test_a_persistent_500_fails_that_source_only(
    httpserver: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    httpserver.expect_request("/groq").respond_with_data("oops", status=500)
    httpserver.expect_request("/openrouter").respond_with_data((UPSTREAM / RECORDED["openrouter"]).read_bytes())
    payloads, errors, _ = _fetch(empty_tree, _environ(httpserver, "groq", "openrouter"), fetcher, rec, "groq", "openrouter")
    assert [p.source for p in payloads] == ["openrouter"]
    assert errors["groq"] == f"groq: {httpserver.url_for('/groq')} answered HTTP 500, 3 attempts"


def test_429_honours_retry_after(httpserver: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder) -> None:
    httpserver.expect_ordered_request("/mistral").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/mistral").respond_with_data((UPSTREAM / RECORDED["mistral"]).read_bytes())
    payloads, errors, _ = _fetch(empty_tree, _environ(httpserver, "mistral"), fetcher, rec, "mistral")
    assert not errors and payloads
    assert rec.waits == [7.0]
    assert "mistral: HTTP 429; retrying in 7 s (attempt 2 of 3)" in rec.lines


def test_429_asking_for_too_long_a_wait_fails_clearly(
    httpserver: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    httpserver.expect_request("/mistral").respond_with_data("", status=429, headers={"Retry-After": "3600"})
    _, errors, _ = _fetch(empty_tree, _environ(httpserver, "mistral"), fetcher, rec, "mistral")
    assert "asks to retry after 3600 s, longer than the 30 s this run waits" in errors["mistral"]
    assert rec.waits == []


@pytest.mark.parametrize(("status", "hint"), [(401, "API key"), (403, "API key"), (404, "source URL")])
def test_a_client_error_is_not_retried(
    status: int, hint: str, httpserver: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    httpserver.expect_request("/openai").respond_with_data("no", status=status)
    _, errors, _ = _fetch(empty_tree, _environ(httpserver, "openai"), fetcher, rec, "openai")
    assert f"answered HTTP {status}" in errors["openai"] and hint in errors["openai"]
    assert len(httpserver.log) == 1 and rec.waits == []
    assert SECRET not in errors["openai"]


def test_a_timeout_is_retried_then_fails_the_source(
    host: HTTPServer, empty_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    """A server of its own: its slow answers end after the test, and would land in the shared
    server's log of the next test."""
    def slow(_: Request) -> Response:
        time.sleep(1.0)
        return Response("{}")

    host.expect_request("/deepinfra").respond_with_handler(slow)
    _, errors, _ = _fetch(empty_tree, _environ(host, "deepinfra"), fetcher, rec, "deepinfra")
    assert errors["deepinfra"].startswith(f"deepinfra: {host.url_for('/deepinfra')}: ReadTimeout")
    assert errors["deepinfra"].endswith("3 attempts")
    assert rec.waits == [0.25, 0.5]


def test_a_refused_connection_fails_clearly(empty_tree: Path, fetcher: Fetcher, rec: Recorder) -> None:
    env = {"FAIMETA_MODELSDEV_URL": "http://127.0.0.1:9/api.json"}  # discard port: nothing listens
    _, errors, _ = _fetch(empty_tree, env, fetcher, rec, "modelsdev")
    assert errors["modelsdev"].startswith("modelsdev: http://127.0.0.1:9/api.json: ConnectError")


def test_an_oversized_body_is_refused(httpserver: HTTPServer, rec: Recorder) -> None:
    httpserver.expect_request("/openrouter").respond_with_data(b"[" + b" " * 2000 + b"]")
    with (
        Fetcher(policy=FetchPolicy(max_bytes=1000), say=rec.lines.append) as f,
        pytest.raises(SourceError, match="larger than 1,000 bytes"),
    ):
        f.listing(ADAPTERS["openrouter"], httpserver.url_for("/openrouter"), None)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    from datetime import datetime, timezone

    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("Mon, 23 Nov 2026 11:00:00 GMT", now) == 0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_urls_are_shown_without_secrets() -> None:
    assert redact_url("https://x.test/models?key=abc&pageSize=5") == "https://x.test/models?key=%2A%2A%2A&pageSize=5"
    assert redact_url("https://x.test/models?pageSize=5") == "https://x.test/models?pageSize=5"


# -- bad bodies: each fails (or skips) with a clear message, and the tree stays intact ----------

_HOSTILE_ID = "x" * 10_000


@pytest.mark.parametrize(
    ("source", "body", "expected"),
    [
        ("openrouter", (UPSTREAM / RECORDED["openrouter"]).read_bytes()[:5000], "the response is truncated"),
        ("groq", b"<!DOCTYPE html><html><body>Cloudflare</body></html>", "the response is HTML, not JSON"),
        ("openai", b"", "the response body is empty"),
        ("together", b'{"data": []}', 'expected a JSON array, got an object with keys data'),
        ("openai", b'{"error": {"message": "bad"}}', 'expected {"data": [...]}, got an object with keys error'),
    ],
)
def test_a_bad_body_fails_that_source_and_writes_nothing(
    source: str, body: bytes, expected: str, httpserver: HTTPServer, seeded_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    httpserver.expect_request(f"/{source}").respond_with_data(body)
    before = _hashes(seeded_tree)
    payloads, errors, not_run = _fetch(seeded_tree, _environ(httpserver, source), fetcher, rec, source)
    result = run_refresh(seeded_tree, payloads, errors=errors, not_run=not_run, say=rec.lines.append)
    assert not result.ok
    assert expected in result.errors[source]
    assert _hashes(seeded_tree) == before


def test_an_empty_list_retires_nothing_and_says_so(
    httpserver: HTTPServer, seeded_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    httpserver.expect_request("/openrouter").respond_with_json({"data": []})
    before = load_tree(seeded_tree)
    for _ in range(4):  # more than retire_after_absences
        payloads, errors, _ = _fetch(seeded_tree, _environ(httpserver, "openrouter"), fetcher, rec, "openrouter")
        result = run_refresh(seeded_tree, payloads, errors=errors, say=rec.lines.append)
        assert result.ok
    summary = result.summaries[0]
    assert summary.retired == 0
    assert any("listed nothing" in w for w in summary.warnings)
    after = load_tree(seeded_tree)
    assert after.providers == before.providers
    assert after.ledger["sources"]["openrouter"]["listed"] == before.ledger["sources"]["openrouter"]["listed"]


def test_hostile_ids_are_skipped_by_name_and_the_rest_is_kept(
    httpserver: HTTPServer, seeded_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    good = json.loads((UPSTREAM / RECORDED["openai"]).read_text())
    good["data"] += [
        {"id": "../../x", "object": "model", "owned_by": "system"},
        {"id": "gpt-\x1b[31mred\x00", "object": "model", "owned_by": "system"},
        {"id": _HOSTILE_ID, "object": "model", "owned_by": "system"},
        {"id": 42, "object": "model", "owned_by": "system"},
    ]
    httpserver.expect_request("/openai").respond_with_json(good)
    payloads, errors, _ = _fetch(seeded_tree, _environ(httpserver, "openai"), fetcher, rec, "openai")
    result = run_refresh(seeded_tree, payloads, errors=errors, say=rec.lines.append)
    assert result.ok, result.to_json()
    skipped = {s.record: s.reason for s in result.summaries[0].skipped}
    assert "openai/gpt-\\x1b[31mred\\x00" in skipped  # shown escaped, never raw
    assert any(r.startswith("openai/xxxx") and r.endswith("(10,000 characters)") for r in skipped)
    assert skipped["openai/#85"] == "id: Input should be a valid string"
    assert all(len(r) < 120 and len(why) < 200 for r, why in skipped.items())
    tree = load_tree(seeded_tree)
    offerings = tree.providers["openai"]["offerings"]
    # path segments are refused by the id policy, naming the rule
    assert skipped["openai/../../x"] == "model id '../../x' has the path segment '..'"
    assert "../../x" not in offerings and not (seeded_tree.parent / "x").exists()
    assert not any("\x1b" in i or len(i) > 256 for i in offerings)
    assert "gpt-4o" in offerings


def test_an_absurd_price_skips_that_record_by_name(
    httpserver: HTTPServer, seeded_tree: Path, fetcher: Fetcher, rec: Recorder
) -> None:
    data = json.loads((UPSTREAM / RECORDED["openrouter"]).read_text())
    sonnet = next(m for m in data["data"] if m["id"] == "anthropic/claude-sonnet-4.5")
    sonnet["pricing"]["prompt"] = "3"  # per 1M written as per token: a million times too dear
    nan = next(m for m in data["data"] if m["id"] == "anthropic/claude-opus-4.1")
    nan["pricing"]["completion"] = "NaN"
    negative = next(m for m in data["data"] if m["id"] == "moonshotai/kimi-k3")
    negative["pricing"]["prompt"] = "-0.000001"
    httpserver.expect_request("/openrouter").respond_with_json(data)
    payloads, errors, _ = _fetch(seeded_tree, _environ(httpserver, "openrouter"), fetcher, rec, "openrouter")
    result = run_refresh(seeded_tree, payloads, errors=errors, say=rec.lines.append)
    skipped = {s.record: s.reason for s in result.summaries[0].skipped}
    assert skipped["openrouter/anthropic/claude-sonnet-4.5"].startswith("price.input: 3000000.0 USD per 1M tokens is implausibly large")
    assert skipped["openrouter/anthropic/claude-opus-4.1"] == "pricing.completion: 'NaN' is not a valid price"
    assert skipped["openrouter/moonshotai/kimi-k3"] == "pricing.prompt: '-0.000001' is not a valid price"
    assert result.summaries[0].parsed == result.summaries[0].fetched - 3  # the rest is applied
    offering = load_tree(seeded_tree).providers["openrouter"]["offerings"]["anthropic/claude-sonnet-4.5"]
    assert offering["price"]["input"] == 3  # the stored price is untouched


def _hashes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.json"))}


# -- the command, end to end --------------------------------------------------------------------


def test_refresh_command_over_http_reports_per_source_and_keeps_secrets(
    httpserver: HTTPServer, seeded_tree: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from refresher.cli import app

    httpserver.expect_request("/openrouter").respond_with_data((UPSTREAM / RECORDED["openrouter"]).read_bytes())
    httpserver.expect_request("/modelsdev").respond_with_data(_modelsdev_body())
    httpserver.expect_request("/groq").respond_with_data("gone", status=404)
    env = _environ(httpserver, "openrouter", "modelsdev", "groq")
    env["OPENAI_API_KEY"] = ""  # set but empty: not a key
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        ["refresh", "--root", str(seeded_tree), "-s", "modelsdev", "-s", "openrouter", "-s", "groq", "-s", "openai",
         "--report", str(report)],
        env=env,
    )
    assert result.exit_code == 1  # groq failed
    output = result.output
    assert f"groq: FAILED: {httpserver.url_for('/groq')} answered HTTP 404 (is the source URL right?)" in output
    assert output.count("openai: skipped: OPENAI_API_KEY is not set (set it to use this source)") == 1
    listed = len(json.loads((UPSTREAM / RECORDED["openrouter"]).read_text())["data"])
    assert f"openrouter: {listed} records → {listed} offerings (0 skipped): 0 added, 0 changed, {listed} unchanged" in output
    assert "modelsdev: GET " in output  # progress
    data = json.loads(report.read_text())
    assert {s["source"]: s["status"] for s in data["sources"]} == {
        "groq": "failed", "modelsdev": "ok", "openai": "skipped", "openrouter": "ok"}
    assert data["ok"] is False
    assert SECRET not in output and SECRET not in report.read_text()


def test_a_provider_run_uses_only_the_sources_that_describe_it(host: HTTPServer, seeded_tree: Path) -> None:
    """A server of its own, whose log holds only this test's requests."""
    from typer.testing import CliRunner

    from refresher.cli import app

    host.expect_request("/openrouter").respond_with_data((UPSTREAM / RECORDED["openrouter"]).read_bytes())
    host.expect_request("/modelsdev").respond_with_data(_modelsdev_body())
    host.expect_request("/litellm").respond_with_data((UPSTREAM / RECORDED["litellm"]).read_bytes())
    host.expect_request("/genai-prices").respond_with_data((UPSTREAM / RECORDED["genai-prices"]).read_bytes())
    host.expect_request("/langfuse").respond_with_data((UPSTREAM / RECORDED["langfuse"]).read_bytes())
    host.expect_request("/portkey/openrouter.json").respond_with_data((UPSTREAM / "portkey/openrouter.json").read_bytes())
    env = _environ(host, *RECORDED, "portkey")
    result = CliRunner().invoke(app, ["refresh", "--root", str(seeded_tree), "--provider", "openrouter"], env=env)
    assert result.exit_code == 0, result.output
    # Portkey publishes a file per provider: only OpenRouter's is fetched
    assert {req.path for req, _ in host.log} == {"/openrouter", "/modelsdev", "/litellm", "/genai-prices",
                                                      "/langfuse", "/portkey/openrouter.json"}
    assert "openai: not used: describes only openai" in result.output
