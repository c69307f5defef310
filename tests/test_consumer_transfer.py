"""How a load gets its bytes (issue 28, point 1): a cold load was 150 sequential round trips on
one connection, without gzip — 3.7 s at 20 ms a request, 8.1 s at 50 ms. Now a cold load is the
manifest and the pack (:mod:`gate_consumer.pack`), gzip-encoded; a host without a pack is read on
several connections; and every byte is still checked against the manifest, so a stale or damaged
pack costs requests, never a wrong price."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from werkzeug import Response

from gate_consumer import Catalog
from gate_consumer.pack import PACK, pack, unpack
from tests.catalog_site import SONNET, Site, publish


def _needed(dist: Path) -> list[str]:
    return sorted(rel for rel in json.loads((dist / "manifest.json").read_text())["files"]
                  if rel.startswith(("index.json", "models.json", "providers/")))


def _new_sonnet_price(dist: Path, site: Site, price: float) -> None:
    provider = json.loads((dist / "providers/anthropic.json").read_text())
    provider["offerings"]["claude-sonnet-4-5-20250929"]["price"]["input"] = price
    publish(dist, "providers/anthropic.json", json.dumps(provider))
    site.etag = '"two"'


def test_a_cold_load_is_the_manifest_and_the_pack_gzip_encoded(site: Site, dist: Path, tmp_path: Path) -> None:
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert (loaded.origin, loaded.fallback_reason) == ("url", None)
    assert [request.path for request, _ in site.server.log] == ["/v1/manifest.json", f"/v1/{PACK}"]
    assert all(request.headers.get("Accept-Encoding") == "gzip" for request, _ in site.server.log)
    _, response = site.server.log[1]
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(response.get_data()) * 5 < (dist / PACK).stat().st_size  # what crossed the wire
    assert loaded.price(SONNET, input_tokens=1_000_000).total_usd == 3


def test_the_pack_holds_the_consumers_files_byte_for_byte(dist: Path) -> None:
    packed = unpack((dist / PACK).read_bytes())
    assert sorted(packed) == _needed(dist)
    assert all(packed[rel] == (dist / rel).read_bytes() for rel in packed)
    assert pack(packed) == (dist / PACK).read_bytes()


def test_a_host_without_a_pack_is_read_on_several_connections(site: Site, dist: Path, tmp_path: Path) -> None:
    site.overrides = {PACK: Response("not here", status=404)}
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert (loaded.origin, loaded.fallback_reason) == ("url", None)
    assert sorted(site.downloads()) == sorted([f"/v1/{PACK}", *(f"/v1/{rel}" for rel in _needed(dist))])
    connections = {request.environ["REMOTE_PORT"] for request, _ in site.server.log}
    assert len(connections) > 2  # the manifest's, and the lanes' (up to eight)


def test_a_stale_pack_costs_a_request_never_a_wrong_byte(site: Site, dist: Path, tmp_path: Path) -> None:
    """The host still serves the pack of the last build, whose bytes the manifest lists, but one
    provider was published again since: that file comes on its own."""
    site.overrides = {PACK: Response((dist / PACK).read_bytes())}
    _new_sonnet_price(dist, site, 2.5)
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert loaded.origin == "url" and site.downloads() == [f"/v1/{PACK}", "/v1/providers/anthropic.json"]
    assert loaded.price(SONNET, input_tokens=1_000_000).total_usd == 2.5


@pytest.mark.parametrize("body", [b"not a pack", b'{"format": "gate-consumer-pack/1", "files": [["index.json", 9]]}\nshort'])
def test_a_pack_that_is_not_one_is_read_file_by_file(body: bytes, site: Site, dist: Path, tmp_path: Path) -> None:
    publish(dist, PACK, body)  # its hash right in the manifest: the host published it so
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert (loaded.origin, loaded.fallback_reason) == ("url", None)
    assert len(site.downloads()) == 1 + len(_needed(dist))
    assert loaded.price(SONNET, input_tokens=1_000_000).total_usd == 3


def test_a_change_downloads_only_the_changed_files_not_the_pack(site: Site, dist: Path, tmp_path: Path) -> None:
    Catalog.load(site.url, cache_dir=tmp_path / "cache")
    _new_sonnet_price(dist, site, 2.5)
    site.server.clear_log()
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert site.downloads() == ["/v1/providers/anthropic.json"]
    assert loaded.price(SONNET, input_tokens=1_000_000).total_usd == 2.5


@pytest.mark.parametrize(("served", "reason"), [
    # 10 kB on the wire inflating to 10 MB, for a file the manifest says is 13 kB: cut, never held
    (lambda: Response(gzip.compress(b" " * (10 << 20)), headers={"Content-Encoding": "gzip"}),
     "inflates to more than the"),
    (lambda: Response(b"\x1f\x8b not gzip", headers={"Content-Encoding": "gzip"}), "not a gzip body"),
    (lambda: Response(gzip.compress(b"{}" * 10)[:-12], headers={"Content-Encoding": "gzip"}),
     "the gzip body ends before its end"),
    (lambda: Response(b"{}", headers={"Content-Encoding": "br"}), "Content-Encoding br, which was not asked for"),
])
def test_an_encoded_body_is_bounded_and_checked_like_any(served, reason: str, site: Site, dist: Path,
                                                          tmp_path: Path) -> None:
    good = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    _new_sonnet_price(dist, site, 2.5)
    site.overrides = {"providers/anthropic.json": served()}
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert (loaded.origin, loaded.version) == ("cache", good.version)
    assert reason in loaded.fallback_reason
    assert loaded.price(SONNET, input_tokens=1_000_000).total_usd == 3


def test_an_unchanged_provider_is_checked_again_when_the_index_drops_a_model_it_names(
        site: Site, dist: Path, tmp_path: Path) -> None:
    """A change is checked, not the whole catalog again (0.38–0.48 s of CPU for one provider):
    an unchanged file is skipped only while what made it right still holds."""
    from gate_consumer.checks import check_files

    good = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    index = json.loads((dist / "index.json").read_text())
    del index["models"]["anthropic/claude-sonnet-4.5"]  # Anthropic's file, unchanged, still names it
    publish(dist, "index.json", json.dumps(index))
    site.etag = '"two"'
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert (loaded.origin, loaded.version) == ("cache", good.version)
    assert '"anthropic/claude-sonnet-4.5" is not a model of the index' in loaded.fallback_reason  # an unchanged file
    files = {rel: (dist / rel).read_bytes() for rel in _needed(dist)}
    with pytest.raises(Exception, match="is not a model of the index"):
        check_files(files, "x/")


def test_a_live_catalog_refresh_checks_what_changed_against_what_it_holds(site: Site, dist: Path,
                                                                          tmp_path: Path) -> None:
    """Gate's catalog refreshes in place (LiveCatalog): the files it holds were checked when it
    loaded them, so a change costs the changed file — not the cache's 150 files read and hashed
    again. Emptying the cache's objects proves they are not read."""
    from gate_consumer import LiveCatalog

    live = LiveCatalog(site.url, cache_dir=tmp_path / "cache")
    assert live.current.origin == "url"
    _new_sonnet_price(dist, site, 2.5)
    for cached in (tmp_path / "cache").glob("*/objects/*"):
        cached.unlink()
    site.server.clear_log()
    assert live.refresh()
    assert site.downloads() == ["/v1/providers/anthropic.json"]
    assert (live.current.origin, live.current.fallback_reason) == ("url", None)
    assert live.current.price(SONNET, input_tokens=1_000_000).total_usd == 2.5
    site.server.clear_log()
    assert not live.refresh()  # the same catalog again: a 304, nothing swapped
    assert site.downloads() == []


def test_a_live_catalog_refresh_still_checks_the_change(site: Site, dist: Path, tmp_path: Path) -> None:
    from gate_consumer import LiveCatalog

    errors: list[str] = []
    live = LiveCatalog(site.url, cache_dir=tmp_path / "cache", on_error=errors.append)
    provider = json.loads((dist / "providers/anthropic.json").read_text())
    provider["offerings"]["claude-sonnet-4-5-20250929"]["price"]["input"] = -1
    publish(dist, "providers/anthropic.json", json.dumps(provider))
    site.etag = '"two"'
    assert not live.refresh()
    assert "providers/anthropic.json" in errors[0] and live.current.price(SONNET, input_tokens=1_000_000).total_usd == 3


@pytest.fixture
def bundle_site(host, tmp_path: Path) -> tuple[Site, Path]:
    """The bundled snapshot, published at a URL as the next build would be: a cold load there
    (no cache) meets files the package already holds."""
    import shutil

    from gate_consumer.bundled import BUNDLED_DIR

    served = tmp_path / "served" / "v1"
    shutil.copytree(BUNDLED_DIR, served)
    return Site(host, served), served


def _count_provider_checks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The providers' files the checks read (a spy that still checks them)."""
    from gate_consumer import checks

    seen: list[object] = []
    real = checks._check_provider

    def spy(document, models):
        seen.append(document)
        return real(document, models)

    monkeypatch.setattr(checks, "_check_provider", spy)
    return seen


def test_a_cold_load_checks_what_differs_from_the_bundled_snapshot_not_all_of_it(
        bundle_site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold load checked all 148 providers' files (~0.5 s of CPU, 0.6–0.8 s a load; 1.08 s at
    50 ms a request in one run, over the 1 s budget), though the package holds most of them
    byte for byte, checked."""
    site, served = bundle_site
    _new_sonnet_price(served, site, 2.5)
    seen = _count_provider_checks(monkeypatch)
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache", warm=False)
    assert (loaded.origin, loaded.fallback_reason) == ("url", None)
    assert loaded.price("anthropic/claude-sonnet-4-5-20250929", input_tokens=100_000).total_usd == 0.25
    assert len(seen) == 1


def test_a_file_unlike_the_bundled_one_is_checked_on_a_cold_load(bundle_site, tmp_path: Path) -> None:
    site, served = bundle_site
    _new_sonnet_price(served, site, -1)
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache", warm=False)
    assert loaded.origin == "bundled"
    assert "providers/anthropic.json" in loaded.fallback_reason and "input" in loaded.fallback_reason


def test_a_bundled_provider_is_checked_again_when_the_index_drops_a_model_it_names(
        bundle_site, tmp_path: Path) -> None:
    site, served = bundle_site
    index = json.loads((served / "index.json").read_text())
    del index["models"]["anthropic/claude-sonnet-4.5"]  # Anthropic's file, the bundle's bytes, still names it
    publish(served, "index.json", json.dumps(index))
    loaded = Catalog.load(site.url, cache_dir=tmp_path / "cache", warm=False)
    assert loaded.origin == "bundled"
    assert '"anthropic/claude-sonnet-4.5" is not a model of the index' in loaded.fallback_reason
