"""A consumer facing a hostile host or a damaged cache: ``load()`` never raises, never hangs,
reads nothing unbounded, and serves an honest price from a good copy — after the first load
*and* after a restart with the host down (docs/consumer.md, "What loading guarantees")."""

from __future__ import annotations

import json
import math
import os
import socket
import stat
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Response

from gate_consumer import Catalog, CatalogLoadError, LiveCatalog
from gate_consumer.checks import check_files
from gate_consumer.transport import same_origin
from tests.catalog_site import SONNET, Site, publish

HONEST = 0.3  # USD for 100,000 input tokens of Sonnet 4.5 (under its 200k tier), good catalog and bundled one


def honest(catalog: Catalog) -> bool:
    return catalog.price(SONNET, input_tokens=100_000).total_usd == pytest.approx(HONEST)


def restart_with_host_down(site: Site, cache: Path) -> Catalog:
    """The gateway starts again while the host is gone."""
    url = site.url
    if site.server.is_running():
        site.server.stop()
    return Catalog.load(url, cache_dir=cache, timeout=5)


def provider_text(dist: Path) -> str:
    return (dist / "providers/anthropic.json").read_text()


def with_price(dist: Path, literal: str) -> str:
    """The Anthropic file with Sonnet's input price written as ``literal`` (raw JSON text)."""
    document = json.loads(provider_text(dist))
    document["offerings"]["claude-sonnet-4-5-20250929"]["price"]["input"] = "@PRICE@"
    return json.dumps(document).replace('"@PRICE@"', literal)


def with_price_part(dist: Path, name: str, value: object) -> str:
    """The Anthropic file with Sonnet's price given one more part (``off_peak``, ``regions``…)."""
    document = json.loads(provider_text(dist))
    document["offerings"]["claude-sonnet-4-5-20250929"]["price"][name] = value
    return json.dumps(document)


def deep(n: int) -> str:
    return "[" * n + "]" * n


# What a host serves: (file, body) with the hash and size in the manifest right.
BAD_FILES = {
    "index is a list": ("index.json", lambda dist: "[]"),
    "index nested 100,000 deep": ("index.json", lambda dist: deep(100_000)),
    "provider nested 100,000 deep": ("providers/anthropic.json", lambda dist: '{"offerings": ' + deep(100_000) + "}"),
    "provider nested 40 deep in an extra field": (
        "providers/anthropic.json", lambda dist: provider_text(dist).rstrip()[:-1] + ', "extra": ' + deep(40) + "}"),
    "price is a string": ("providers/anthropic.json", lambda dist: with_price(dist, '"3"')),
    "price is NaN": ("providers/anthropic.json", lambda dist: with_price(dist, "NaN")),
    "price is negative": ("providers/anthropic.json", lambda dist: with_price(dist, "-5")),
    "price overflows to infinity": ("providers/anthropic.json", lambda dist: with_price(dist, "1e400")),
    "price is true": ("providers/anthropic.json", lambda dist: with_price(dist, "true")),
    "price is a list": ("providers/anthropic.json", lambda dist: with_price(dist, "[3]")),
    "price per token stored as a billion": ("providers/anthropic.json", lambda dist: with_price(dist, "3000000")),
    "limit is zero": ("providers/anthropic.json", lambda dist: provider_text(dist).replace(
        '"context":200000', '"context":0', 1)),
    "date does not parse": ("providers/anthropic.json", lambda dist: provider_text(dist).replace(
        '"as_of":"2026-', '"as_of":"yesterday-', 1)),
    "offering of a model the index lacks": ("providers/anthropic.json", lambda dist: provider_text(dist).replace(
        '"model":"anthropic/', '"model":"nobody/', 1)),
    "models file is a string": ("models.json", lambda dist: '"models"'),
    "alias history names a model the index lacks": ("providers/anthropic.json", lambda dist: provider_text(
        dist).replace('"model":"anthropic/', '"model_history":[{"model":"nobody/x","as_of":"2026-01-01T00:00:00Z",'
                                             '"source":"s","by":"price"}],"model":"anthropic/', 1)),
    "off-peak hour 25": ("providers/anthropic.json", lambda dist: with_price_part(
        dist, "off_peak", {"input": 1.5, "windows": [{"hours_utc": ["25:00-01:00"]}]})),
    "off-peak weekday 8": ("providers/anthropic.json", lambda dist: with_price_part(
        dist, "off_peak", {"input": 1.5, "windows": [{"hours_utc": ["16:30-00:30"], "weekdays": [8]}]})),
    "region multiplier 0": ("providers/anthropic.json", lambda dist: with_price_part(
        dist, "regions", {"eu-west-1": {"multiplier": 0}})),
    "flex price negative": ("providers/anthropic.json", lambda dist: with_price_part(dist, "flex", {"input": -1})),
    "not UTF-8": ("providers/anthropic.json", lambda dist: b"\xff\xfe" + provider_text(dist).encode()),
}
REASONS = {
    "index is a list": "index.json: the file: expected an object, found a list",
    "index nested 100,000 deep": "index.json is not valid JSON",
    "provider nested 100,000 deep": "providers/anthropic.json is not valid JSON",
    "provider nested 40 deep in an extra field": "providers/anthropic.json: JSON nested deeper than 32 levels",
    "price is a string": 'price.input: expected an integer or a number, found \\"3\\"',
    "price is NaN": "price.input: nan is not a price",
    "price is negative": "price.input: -5 is not a price",
    "price overflows to infinity": "price.input: inf is not a price",
    "price is true": "price.input: expected an integer or a number, found true",
    "price is a list": "price.input: expected an integer or a number, found a list",
    "price per token stored as a billion": "price.input: 3000000 is not a price",
    "limit is zero": "limits.context: 0 is not a positive integer",
    "date does not parse": "is not a date",
    "offering of a model the index lacks": "is not a model of the index",
    "models file is a string": "models.json: the file: expected an object",
    "alias history names a model the index lacks": 'model_history[0].model: "nobody/x" is not a model of the index',
    "off-peak hour 25": 'price.off_peak.windows[0].hours_utc: \\"25:00-01:00\\" is not HH:MM-HH:MM',
    "off-peak weekday 8": "price.off_peak.windows[0].weekdays: 8 is not an ISO weekday (1 to 7)",
    "region multiplier 0": "price.regions.eu-west-1: a multiplier above 0 and at most 10",
    "flex price negative": "price.flex.input: -1 is not a price",
    "not UTF-8": "providers/anthropic.json is not valid JSON",
}


@pytest.mark.parametrize("fault", sorted(BAD_FILES))
def test_a_bad_file_with_a_right_hash_keeps_the_good_cache(fault: str, site: Site, dist: Path,
                                                            tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = Catalog.load(site.url, cache_dir=cache)
    assert good.origin == "url" and honest(good)
    rel, body = BAD_FILES[fault]
    publish(dist, rel, body(dist))
    site.etag = '"bad"'
    served = Catalog.load(site.url, cache_dir=cache)
    assert (served.origin, served.version) == ("cache", good.version)
    assert REASONS[fault] in served.fallback_reason
    assert honest(served)
    after = restart_with_host_down(site, cache)
    assert (after.origin, after.version) == ("cache", good.version) and honest(after)


@pytest.mark.parametrize("fault", ["index is a list", "price is NaN", "provider nested 100,000 deep"])
def test_a_bad_file_on_a_first_load_serves_the_bundled_snapshot(fault: str, site: Site, dist: Path,
                                                                 tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rel, body = BAD_FILES[fault]
    publish(dist, rel, body(dist))
    served = Catalog.load(site.url, cache_dir=cache)
    assert served.origin == "bundled" and REASONS[fault] in served.fallback_reason and honest(served)
    assert not list(cache.rglob("state.json"))  # nothing unchecked was cached
    after = restart_with_host_down(site, cache)
    assert after.origin == "bundled" and honest(after)


def test_a_reason_escapes_what_the_host_wrote(site: Site, dist: Path, tmp_path: Path) -> None:
    text = provider_text(dist).replace('"claude-sonnet-4-5-20250929":', '"evil\\u202eid\\u0007":', 1)
    publish(dist, "providers/anthropic.json", text.replace('"model":"anthropic/', '"model":"x/', 1))
    served = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert served.origin == "bundled"
    assert "\u202e" not in served.fallback_reason and "\a" not in served.fallback_reason


def test_a_cached_object_changed_on_disk_is_evicted_not_served(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = Catalog.load(site.url, cache_dir=cache)
    entry = good.manifest["files"]["providers/anthropic.json"]
    (obj,) = cache.rglob(entry["sha256"])
    obj.write_bytes(obj.read_bytes().replace(b'"input":3,', b'"input":0.3,'))
    after = restart_with_host_down(site, cache)
    assert after.origin == "bundled" and honest(after)
    assert not obj.exists()  # evicted


def test_a_cached_object_changed_on_disk_is_downloaded_again(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = Catalog.load(site.url, cache_dir=cache)
    (obj,) = cache.rglob(good.manifest["files"]["providers/anthropic.json"]["sha256"])
    obj.write_bytes(b"{}")
    site.server.clear_log()
    again = Catalog.load(site.url, cache_dir=cache)
    assert again.origin == "url" and honest(again)
    assert site.downloads() == ["/v1/providers/anthropic.json"]


class Trickle:
    """A raw TCP server that answers each connection with ``head`` and then one byte every
    ``every`` seconds; it stops by itself after ``limit`` bytes or when closed."""

    def __init__(self, head: bytes, every: float = 1.0, limit: int = 30):
        self.head, self.every, self.limit = head, every, limit
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1/"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(self.head)
                for _ in range(self.limit):
                    if self.stopped.wait(self.every):
                        return
                    conn.sendall(b"x")
            except OSError:
                return

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        self.sock.close()


SLOW = {
    "headers": b"HTTP/1.1 200 OK\r\nX-Slow: ",
    "body": b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
}


@pytest.mark.parametrize("phase", sorted(SLOW))
def test_a_host_sending_a_byte_a_second_cannot_stretch_the_deadline(phase: str, tmp_path: Path) -> None:
    trickle = Trickle(SLOW[phase], every=0.5)
    try:
        started = time.monotonic()
        served = Catalog.load(trickle.url, cache_dir=tmp_path / "cache", timeout=2)
        elapsed = time.monotonic() - started
    finally:
        trickle.close()
    assert served.origin == "bundled" and "deadline" in served.fallback_reason and honest(served)
    assert elapsed < 2 + 1.5  # the deadline, and not a read's timeout more


def test_live_catalog_stops_while_a_refresh_hangs(tmp_path: Path) -> None:
    trickle = Trickle(SLOW["body"], every=0.5)
    try:
        live = LiveCatalog(trickle.url, cache_dir=tmp_path / "cache", timeout=2, interval=0.01)
        live.start()
        time.sleep(0.2)  # a refresh is now reading the slow body
        started = time.monotonic()
        live.stop()
        assert time.monotonic() - started < 2 + 1.5
        assert honest(live.current)
    finally:
        trickle.close()


def endless(chunk: int = 1 << 20, total: int = 600 << 20):
    """600 MB, produced lazily so the test itself holds one chunk at a time."""
    block = b" " * chunk
    for _ in range(total // chunk):
        yield block


@pytest.mark.parametrize("declared", [True, False])
def test_a_body_larger_than_the_manifest_says_is_cut_at_its_size(declared: bool, site: Site, dist: Path,
                                                                  tmp_path: Path) -> None:
    headers = {"Content-Length": str(600 << 20)} if declared else {}
    site.overrides = {"providers/anthropic.json": Response(endless(), headers=headers, direct_passthrough=True)}
    tracemalloc.start()
    try:
        served = Catalog.load(site.url, cache_dir=tmp_path / "cache", timeout=20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = json.loads((dist / "manifest.json").read_text())["files"]["providers/anthropic.json"]["size"]
    assert served.origin == "bundled" and f"the {size:,} bytes expected" in served.fallback_reason
    assert peak < 64 << 20  # a few chunks, never the body
    assert honest(served)


def test_a_manifest_is_capped_too(site: Site, tmp_path: Path) -> None:
    site.overrides = {"manifest.json": Response(endless(), direct_passthrough=True)}
    served = Catalog.load(site.url, cache_dir=tmp_path / "cache", timeout=20)
    assert served.origin == "bundled" and "bytes expected" in served.fallback_reason


@pytest.fixture
def poisoned(dist: Path, tmp_path: Path):
    """Another host serving the same catalog with every price cut tenfold."""
    import shutil

    other = tmp_path / "poisoned"
    shutil.copytree(dist, other)
    text = (other / "providers/anthropic.json").read_text().replace('"input":3,', '"input":0.3,')
    publish(other, "providers/anthropic.json", text)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield Site(server, other)
    server.stop()


@pytest.mark.parametrize("what", ["manifest.json", "providers/anthropic.json"])
def test_a_redirect_to_another_host_is_not_followed(what: str, site: Site, poisoned: Site, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    site.overrides = {what: Response(status=302, headers={"Location": poisoned.url + what})}
    served = Catalog.load(site.url, cache_dir=cache)
    assert served.origin == "bundled" and "refusing a redirect to another origin" in served.fallback_reason
    assert honest(served) and poisoned.server.log == []
    assert honest(restart_with_host_down(site, cache))


def test_a_redirect_to_another_scheme_is_not_followed(site: Site, tmp_path: Path) -> None:
    site.overrides = {"manifest.json": Response(status=301, headers={"Location": "ftp://127.0.0.1/v1/manifest.json"})}
    served = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert served.origin == "bundled" and "refusing a redirect" in served.fallback_reason


def test_a_redirect_within_the_host_is_followed(site: Site, dist: Path, tmp_path: Path) -> None:
    site.server.expect_request("/moved/manifest.json").respond_with_data(
        (dist / "manifest.json").read_bytes(), content_type="application/json")
    site.overrides = {"manifest.json": Response(status=307, headers={"Location": "/moved/manifest.json"})}
    served = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert served.origin == "url" and honest(served)


def test_a_redirect_loop_ends(site: Site, tmp_path: Path) -> None:
    site.overrides = {"manifest.json": Response(status=302, headers={"Location": "manifest.json"})}
    served = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    assert served.origin == "bundled" and "more than 5 redirects" in served.fallback_reason


@pytest.mark.parametrize(("source", "target", "allowed"), [
    ("https://h.example/v1/a", "https://h.example/v1/b", True),
    ("https://h.example/v1/a", "https://H.EXAMPLE/v1/b", True),
    ("http://h.example:8080/a", "http://h.example:8080/b", True),
    ("https://h.example/v1/a", "http://h.example/v1/b", False),  # never downgraded
    ("http://h.example/v1/a", "https://h.example/v1/b", False),  # another origin, even if safer
    ("https://h.example/v1/a", "https://evil.example/v1/b", False),
    ("https://h.example/v1/a", "https://h.example.evil.example/v1/b", False),
    ("https://h.example/v1/a", "https://h.example:444/v1/b", False),
    ("https://h.example/v1/a", "ftp://h.example/v1/b", False),
    ("https://h.example/v1/a", "file:///etc/passwd", False),
    ("https://h.example/v1/a", "https://h.example:notaport/b", False),
])
def test_which_redirects_stay_within_the_origin(source: str, target: str, allowed: bool) -> None:
    assert same_origin(source, target) is allowed


def state_of(cache: Path) -> dict:
    (path,) = cache.rglob("state.json")
    return json.loads(path.read_text())


def test_etag_and_manifest_are_one_file(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    catalog = Catalog.load(site.url, cache_dir=cache)
    state = state_of(cache)
    assert state["etag"] == '"one"' and state["manifest"]["catalog_version"] == catalog.version
    assert not list(cache.rglob("etag")) and not list(cache.rglob("manifest.json"))


def test_two_loaders_sharing_a_cache_never_pair_an_etag_with_another_manifest(site: Site, dist: Path,
                                                                              tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    texts = [provider_text(dist), provider_text(dist).replace('"input":3,', '"input":2.5,')]
    versions: dict[str, str] = {}
    errors: list[BaseException] = []

    def loader() -> None:
        for _ in range(6):
            try:
                Catalog.load(site.url, cache_dir=cache)
            except BaseException as exc:
                errors.append(exc)

    for i in range(4):
        publish(dist, "providers/anthropic.json", texts[i % 2])
        version = json.loads((dist / "manifest.json").read_text())["catalog_version"]
        site.etag = f'"{version}"'
        versions[site.etag] = version
        threads = [threading.Thread(target=loader) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    state = state_of(cache)
    assert versions[state["etag"]] == state["manifest"]["catalog_version"]


def test_the_cache_is_private(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    Catalog.load(site.url, cache_dir=cache)
    for path in [cache, *cache.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path


def test_a_world_writable_cache_directory_is_refused(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "shared"
    cache.mkdir()
    cache.chmod(0o777)
    served = Catalog.load(site.url, cache_dir=cache)
    assert served.origin == "url" and honest(served)  # the catalog, checked, but not cached there
    assert "writable by every user: refusing it" in served.cache_problem
    assert "not cached" in served.describe()
    assert list(cache.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_cache_directory_of_another_user_is_refused(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "theirs"
    cache.mkdir(mode=0o700)
    os.chown(cache, 65534, 65534)
    served = Catalog.load(site.url, cache_dir=cache)
    assert served.origin == "url" and "belongs to another user" in served.cache_problem


def test_symlinks_inside_the_cache_are_not_followed(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    good = Catalog.load(site.url, cache_dir=cache)
    (obj,) = cache.rglob(good.manifest["files"]["index.json"]["sha256"])
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(obj.read_bytes())
    obj.unlink()
    obj.symlink_to(elsewhere)
    after = restart_with_host_down(site, cache)
    assert after.origin == "bundled" and honest(after)


def test_a_symlinked_cache_folder_is_refused(site: Site, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    Catalog.load(site.url, cache_dir=cache)
    (folder,) = [p for p in cache.iterdir() if p.is_dir()]
    moved = tmp_path / "moved"
    folder.rename(moved)
    folder.symlink_to(moved)
    served = restart_with_host_down(site, cache)
    assert served.origin == "bundled" and "symlink" in served.cache_problem


def test_old_objects_are_collected_but_the_last_manifests_kept(site: Site, dist: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    base = provider_text(dist)
    manifests = []
    for i, price in enumerate(("3", "2.9", "2.8", "2.7", "2.6")):
        publish(dist, "providers/anthropic.json", base.replace('"input":3,', f'"input":{price},'))
        site.etag = f'"v{i}"'
        manifests.append((dist / "manifest.json").read_bytes())
        for path in cache.rglob("*"):  # everything so far was written long ago
            os.utime(path, (time.time() - 3600, time.time() - 3600), follow_symlinks=False)
        Catalog.load(site.url, cache_dir=cache)
    (objects,) = cache.rglob("objects")
    held = {p.name for p in objects.iterdir()}
    anthropic = [json.loads(m)["files"]["providers/anthropic.json"]["sha256"] for m in manifests]
    assert set(anthropic[-3:]) <= held and not set(anthropic[:2]) & held
    # the host rolls back one version: nothing to download
    site.overrides = {"manifest.json": Response(manifests[-2], headers={"ETag": '"v3"'})}
    site.server.clear_log()
    rolled = Catalog.load(site.url, cache_dir=cache)
    assert rolled.origin == "url" and site.downloads() == []
    assert rolled.price(SONNET, input_tokens=1_000_000).total_usd == 2.7


def test_describe_says_how_old_the_prices_are(site: Site, tmp_path: Path) -> None:
    catalog = Catalog.load(site.url, cache_dir=tmp_path / "cache")
    oldest, newest = catalog.price_confirmations()
    assert oldest <= newest
    assert f"prices confirmed {oldest[:10]} to {newest[:10]}" in catalog.describe()


def test_the_bundled_snapshot_passes_the_checks_a_download_must_pass() -> None:
    bundled = Path(__file__).resolve().parent.parent / "consumer" / "gate_consumer" / "_data" / "v1"
    files = {p.relative_to(bundled).as_posix(): p.read_bytes() for p in bundled.rglob("*.json")
             if p.name != "manifest.json"}
    check_files(files, "bundled ")


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _leaves(inner, (*path, i))
    yield path


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
_BUNDLE = Path(__file__).resolve().parent.parent / "consumer" / "gate_consumer" / "_data" / "v1"


def _anthropic_only() -> tuple[dict[str, bytes], dict]:
    """The bundled catalog cut down to Anthropic's offerings: the same shapes, a fast check."""
    index = json.loads((_BUNDLE / "index.json").read_bytes())
    document = json.loads((_BUNDLE / "providers/anthropic.json").read_bytes())
    models = {o["model"] for o in document["offerings"].values()}
    index["providers"] = {"anthropic": index["providers"]["anthropic"]}
    index["models"] = {m: {**e, "offerings": [k for k in e["offerings"] if k.startswith("anthropic/")]}
                       for m, e in index["models"].items() if m in models}
    details = json.loads((_BUNDLE / "models.json").read_bytes())["models"]
    files = {"index.json": json.dumps(index).encode(),
             "models.json": json.dumps({"models": {m: details[m] for m in models}}).encode()}
    return files, document


_SUBSET, _ANTHROPIC = _anthropic_only()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_the_checks_accept_the_catalog_serves_without_surprises(data: st.DataObject) -> None:
    """Any one value of Anthropic's file replaced by any JSON: either the checks refuse the file
    set, or resolving, pricing and judging freshness raise nothing but the documented lookup
    errors (CatalogError)."""
    from gate_consumer import CatalogError
    from gate_consumer.loading import load_bundled

    bundled = load_bundled()
    document = json.loads(json.dumps(_ANTHROPIC))
    sonnet = document["offerings"]["claude-sonnet-4-5-20250929"]
    paths = sorted(_leaves(sonnet), key=repr)
    path = data.draw(st.sampled_from(paths))
    replacement = data.draw(_JSON)
    if path:
        target = sonnet
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = replacement
    else:
        document["offerings"]["claude-sonnet-4-5-20250929"] = replacement
    files = {**_SUBSET, "providers/anthropic.json": json.dumps(document).encode()}
    try:
        check_files(files, "fuzz ")
    except CatalogLoadError:
        return
    catalog = Catalog(files.__getitem__, bundled.manifest, origin="url", location="fuzz")
    offering = catalog.offering("anthropic", "claude-sonnet-4-5-20250929")
    for call in (
        lambda: catalog.price(offering, input_tokens=300_000, output_tokens=1_000, cache_read_tokens=10,
                              cache_write_tokens=10, reasoning_tokens=5),
        lambda: catalog.price(offering, input_tokens=10, at="2025-01-01T00:00:00Z"),
        lambda: catalog.price_facts(offering),
        lambda: catalog.freshness(offering, "limits.context"),
        lambda: catalog.resolve("claude-sonnet-4-5"),
        lambda: catalog.freshness_report(providers=["anthropic"]),
        catalog.describe,
    ):
        try:
            result = call()
        except (CatalogError, KeyError):  # KeyError: freshness of a fact the record lacks, as documented
            continue
        if hasattr(result, "total_usd"):
            assert math.isfinite(result.total_usd) and result.total_usd >= 0
