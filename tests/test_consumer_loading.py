"""Loading a catalog over HTTP from a local server: conditional GET, hashes, cache, every
fallback; the offline bundled snapshot; swaps under concurrent readers."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from werkzeug import Response

import gate_consumer
from gate_consumer import Catalog, LiveCatalog
from tests.catalog_site import SONNET, Site, publish
from tests.conftest import REPO


def test_the_bundled_snapshot_prices_a_claude_request_offline() -> None:
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise RuntimeError('network used')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse\n"
        "import gate_consumer\n"
        "c = gate_consumer.Catalog.load()\n"
        "q = c.price('claude-sonnet-4-5', input_tokens=10000, output_tokens=1000)\n"
        "print(c.origin, round(q.total_usd, 6))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.split() == ["bundled", "0.045"]


def test_first_load_downloads_and_caches_then_a_304_reuses_the_cache(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = Catalog.load(site.url, cache_dir=cache)
    assert (first.origin, first.fallback_reason) == ("url", None)
    assert first.price(SONNET, input_tokens=1_000_000).total_usd == 3
    assert site.downloads() == ["/v1/consumer.pack"]  # what the consumer needs, in one request
    site.server.clear_log()
    second = Catalog.load(site.url, cache_dir=cache)
    assert (second.origin, second.version) == ("url", first.version)
    assert site.downloads() == []
    request, response = site.server.log[0]
    assert request.headers["If-None-Match"] == '"one"' and response.status_code == 304


def test_a_new_catalog_downloads_only_the_files_that_changed(site: Site, dist: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old = Catalog.load(site.url, cache_dir=cache)
    provider = json.loads((dist / "providers/anthropic.json").read_text())
    provider["offerings"]["claude-sonnet-4-5-20250929"]["price"]["input"] = 2.5
    publish(dist, "providers/anthropic.json", json.dumps(provider))
    site.etag = '"two"'
    site.server.clear_log()
    new = Catalog.load(site.url, cache_dir=cache)
    assert site.downloads() == ["/v1/providers/anthropic.json"]
    assert new.version != old.version
    assert new.price(SONNET, input_tokens=1_000_000).total_usd == 2.5


FAILURES = {
    "404": lambda dist: {"manifest.json": Response("not here", status=404)},
    "500": lambda dist: {"manifest.json": Response("oops", status=500)},
    "bad hash": lambda dist: {"providers/anthropic.json": Response(
        (dist / "providers/anthropic.json").read_text().replace("3", "0"))},
    "truncated": lambda dist: {"providers/anthropic.json": Response(
        (dist / "providers/anthropic.json").read_bytes()[:1000])},
    "not json": lambda dist: {"manifest.json": Response("<html>maintenance</html>", headers={"ETag": '"x"'})},
    "hostile manifest": lambda dist: {"manifest.json": Response(json.dumps(
        {**json.loads((dist / "manifest.json").read_text()),
         "files": {"../../escape.json": {"sha256": "0" * 64, "size": 1}}}), headers={"ETag": '"x"'})},
    "hostile hash": lambda dist: {"manifest.json": Response(json.dumps(
        {**json.loads((dist / "manifest.json").read_text()),
         "files": {"index.json": {"sha256": "../../escape", "size": 1}}}), headers={"ETag": '"x"'})},
    "schema 2": lambda dist: {"manifest.json": Response(json.dumps(
        {**json.loads((dist / "manifest.json").read_text()), "schema_version": "2.0"}), headers={"ETag": '"x"'})},
}
REASONS = {"404": "answered HTTP 404", "500": "answered HTTP 500", "bad hash": "the manifest says",
           "truncated": "truncated or changed", "not json": "not valid JSON", "schema 2": "schema version '2.0'",
           "hostile manifest": "refusing the file name '../../escape.json'",
           "hostile hash": "index.json: needs a sha256"}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_failure_serves_the_last_good_cache(failure: str, site: Site, dist: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = Catalog.load(site.url, cache_dir=cache)
    # the next catalog is published, but serving it fails
    provider = json.loads((dist / "providers/anthropic.json").read_text())
    publish(dist, "providers/anthropic.json", json.dumps(provider, indent=1))
    site.etag = '"two"'
    site.overrides = FAILURES[failure](dist)
    served = Catalog.load(site.url, cache_dir=cache)
    assert served.origin == "cache" and served.version == good.version
    assert REASONS[failure] in served.fallback_reason
    assert "fell back because" in served.describe()
    assert served.price(SONNET, input_tokens=1_000_000).total_usd == 3


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_failure_without_a_cache_serves_the_bundled_snapshot(failure: str, site: Site, dist: Path,
                                                                tmp_path: Path) -> None:
    site.overrides = FAILURES[failure](dist)
    served = Catalog.load(site.url, cache_dir=tmp_path / "empty-cache")
    assert served.origin == "bundled" and REASONS[failure] in served.fallback_reason
    assert not list((tmp_path / "empty-cache").rglob("manifest.json"))  # nothing half-cached


def test_an_unreachable_url_falls_back_with_the_reason(tmp_path: Path) -> None:
    served = Catalog.load("http://127.0.0.1:9/v1/", cache_dir=tmp_path, timeout=2)
    assert served.origin == "bundled" and "127.0.0.1:9" in served.fallback_reason


def test_concurrent_readers_see_one_whole_catalog_during_swaps(site: Site, dist: Path, tmp_path: Path) -> None:
    live = LiveCatalog(site.url, cache_dir=tmp_path / "cache", interval=3600)
    versions = {live.current.version: 3.0}
    provider = json.loads((dist / "providers/anthropic.json").read_text())
    errors: list[BaseException] = []
    seen: list[tuple[str, float]] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                catalog = live.current
                seen.append((catalog.version, catalog.price(SONNET, input_tokens=1_000_000).total_usd))
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for i, price in enumerate((2.5, 2.0, 1.5)):
        provider["offerings"]["claude-sonnet-4-5-20250929"]["price"]["input"] = price
        publish(dist, "providers/anthropic.json", json.dumps(provider))
        site.etag = f'"v{i}"'
        assert live.refresh()
        versions[live.current.version] = price
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert len(seen) > 10
    assert all(versions[version] == price for version, price in seen)  # never a new version with an old price
    assert gate_consumer.Catalog is Catalog


def test_live_catalog_refreshes_in_the_background(site: Site, dist: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    live = LiveCatalog(site.url, cache_dir=tmp_path / "cache", interval=0.05, on_error=errors.append).start()
    try:
        first = live.current.version
        provider = json.loads((dist / "providers/anthropic.json").read_text())
        provider["offerings"]["claude-sonnet-4-5-20250929"]["price"]["input"] = 2.5
        publish(dist, "providers/anthropic.json", json.dumps(provider))
        site.etag = '"two"'
        deadline = time.monotonic() + 10
        while live.current.version == first and time.monotonic() < deadline:
            threading.Event().wait(0.02)
        assert live.current.price(SONNET, input_tokens=1_000_000).total_usd == 2.5
        site.overrides = {"manifest.json": Response("down", status=503)}
        threading.Event().wait(0.2)
        assert live.current.origin == "url"  # a failed refresh keeps the current catalog
        assert any("HTTP 503" in e for e in errors)
    finally:
        live.stop()
