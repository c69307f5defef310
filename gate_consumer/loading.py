"""Loading a catalog: URL → cache → bundled snapshot, never at import time.

``load()`` with no URL serves the snapshot bundled in this package (offline, always there).
With a URL (the published ``…/v1/`` folder) it:

1. GETs ``manifest.json`` conditionally (``If-None-Match`` with the cached ETag; a 304 reuses
   the cached manifest);
2. refuses a manifest whose major schema version is not the one this package reads;
3. GETs each file the consumer needs (index, models, providers) that the cache does not already hold — the cache is
   content-addressed by sha256, so an unchanged file is never downloaded twice — and checks its
   size and sha256 against the manifest;
4. only then makes that manifest the cache's current one (atomic rename).

Any failure (network, HTTP error, bad hash, truncated or invalid JSON, incompatible schema)
leaves the cache as it was and serves the last good cached catalog, else the bundled one. The
returned catalog says which it is (``origin``), where it came from, why it fell back
(``fallback_reason``), and how old it is (``describe()``).

:class:`LiveCatalog` refreshes in a background thread and swaps the catalog atomically:
readers always see one whole catalog, old or new.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gate_consumer._files import write_atomic
from gate_consumer.catalog import Catalog
from gate_consumer.errors import CatalogLoadError

__all__ = ["SUPPORTED_SCHEMA_MAJOR", "LiveCatalog", "default_cache_dir", "load", "load_bundled", "load_directory"]

SUPPORTED_SCHEMA_MAJOR = 1
USER_AGENT = "fusionaize-gate-consumer/0.1"
_NEEDED = ("index.json", "models.json", "providers/")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fusionaize-metadata"


def _check_manifest(manifest: Any, where: str) -> dict[str, Any]:
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise CatalogLoadError(f"{where}: not a catalog manifest")
    version = str(manifest.get("schema_version", ""))
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) != SUPPORTED_SCHEMA_MAJOR:
        raise CatalogLoadError(
            f"{where}: schema version {version!r} is not {SUPPORTED_SCHEMA_MAJOR}.x, which this gate_consumer reads"
        )
    for key in ("catalog_version", "built_at"):
        if not isinstance(manifest.get(key), str):
            raise CatalogLoadError(f"{where}: manifest has no {key}")
    for rel, entry in manifest["files"].items():
        # File names become URLs and hashes become cache file names: accept only what a build writes.
        if not _SAFE_NAME.match(rel) or ".." in rel.split("/"):
            raise CatalogLoadError(f"{where}: refusing the file name {rel[:80]!r}")
        if not isinstance(entry, dict) or not _SHA256.match(str(entry.get("sha256", ""))) \
                or not isinstance(entry.get("size"), int) or entry["size"] < 0:
            raise CatalogLoadError(f"{where}: {rel}: needs a sha256 (64 hex digits) and a size")
    return manifest


def _needed(manifest: dict[str, Any]) -> list[str]:
    return sorted(rel for rel in manifest["files"] if rel.startswith(_NEEDED))


_BUNDLED = os.path.join(os.path.dirname(__file__), "_data", "v1")


def _read_file(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def load_bundled() -> Catalog:
    """The snapshot shipped inside this package."""
    manifest = _check_manifest(json.loads(_read_file(os.path.join(_BUNDLED, "manifest.json"))), "bundled manifest")
    return Catalog(lambda rel: _read_file(os.path.join(_BUNDLED, rel)), manifest, origin="bundled",
                   location="gate_consumer/_data/v1")


def load_directory(path: str | Path) -> Catalog:
    """A ``v1`` folder on disk (a ``faimeta build`` output)."""
    root = Path(path)
    try:
        manifest = _check_manifest(json.loads((root / "manifest.json").read_bytes()), str(root / "manifest.json"))
    except (OSError, ValueError) as exc:
        raise CatalogLoadError(f"{root}: cannot read the manifest ({exc})") from None
    return Catalog(lambda rel: (root / rel).read_bytes(), manifest, origin="directory", location=str(root))


class _Cache:
    """``<dir>/manifest.json`` (+ ``etag``) names the current catalog; ``objects/<sha256>`` hold files."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.objects = directory / "objects"

    def manifest(self) -> dict[str, Any] | None:
        try:
            manifest = _check_manifest(json.loads((self.dir / "manifest.json").read_bytes()), "cached manifest")
        except (OSError, ValueError, CatalogLoadError):
            return None
        if all((self.objects / manifest["files"][rel]["sha256"]).exists() for rel in _needed(manifest)):
            return manifest
        return None

    def etag(self) -> str | None:
        try:
            return (self.dir / "etag").read_text().strip() or None
        except OSError:
            return None

    def has(self, sha256: str) -> bool:
        return (self.objects / sha256).exists()

    def put_object(self, sha256: str, data: bytes) -> None:
        write_atomic(self.objects / sha256, data)

    def commit(self, manifest_bytes: bytes, etag: str | None) -> None:
        if etag:
            write_atomic(self.dir / "etag", etag.encode())
        else:
            (self.dir / "etag").unlink(missing_ok=True)
        write_atomic(self.dir / "manifest.json", manifest_bytes)  # last: the switch to the new catalog

    def catalog(self, manifest: dict[str, Any], origin: str, location: str) -> Catalog:
        files = manifest["files"]
        return Catalog(lambda rel: (self.objects / files[rel]["sha256"]).read_bytes(), manifest,
                       origin=origin, location=location)


def _get(url: str, timeout: float, etag: str | None = None) -> tuple[int, bytes, str | None]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    if etag:
        request.add_header("If-None-Match", etag)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), response.headers.get("ETag")
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return 304, b"", etag
        raise CatalogLoadError(f"{url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CatalogLoadError(f"{url}: {reason}") from None


def _download(base: str, cache: _Cache, timeout: float) -> dict[str, Any]:
    """Bring the cache up to date with ``base``; return the manifest it now serves."""
    import hashlib

    if not base.startswith(("http://", "https://")):
        raise CatalogLoadError(f"{base}: only http(s) URLs are loaded")
    base = base if base.endswith("/") else base + "/"
    cached = cache.manifest()
    status, body, etag = _get(base + "manifest.json", timeout, cache.etag() if cached else None)
    if status == 304 and cached is not None:
        return cached
    try:
        manifest = _check_manifest(json.loads(body), base + "manifest.json")
    except ValueError as exc:
        raise CatalogLoadError(f"{base}manifest.json is not valid JSON ({exc})") from None
    for rel in _needed(manifest):
        expected = manifest["files"][rel]
        if cache.has(expected["sha256"]):
            continue
        _, data, _ = _get(base + rel, timeout)
        if len(data) != expected["size"] or hashlib.sha256(data).hexdigest() != expected["sha256"]:
            raise CatalogLoadError(
                f"{base}{rel}: {len(data):,} bytes with sha256 {hashlib.sha256(data).hexdigest()[:12]}…, "
                f"the manifest says {expected['size']:,} bytes with {expected['sha256'][:12]}… (truncated or changed)"
            )
        try:
            json.loads(data)
        except ValueError as exc:
            raise CatalogLoadError(f"{base}{rel} is not valid JSON ({exc})") from None
        cache.put_object(expected["sha256"], data)
    cache.commit(body, etag)
    return manifest


def load(url: str | None = None, *, cache_dir: str | Path | None = None, timeout: float = 10.0) -> Catalog:
    """Load a catalog (see the module docstring). Never raises for a failing URL: it falls back,
    and ``catalog.fallback_reason`` says why. Raises :class:`CatalogLoadError` only if even the
    bundled snapshot cannot be read (a broken installation)."""
    if url is None:
        return load_bundled()
    import hashlib

    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache = _Cache(directory / hashlib.sha256(url.encode()).hexdigest()[:16])
    try:
        manifest = _download(url, cache, timeout)
        return cache.catalog(manifest, "url", url)
    except (CatalogLoadError, OSError) as exc:
        reason = str(exc)
    cached = cache.manifest()
    catalog = cache.catalog(cached, "cache", str(cache.dir)) if cached else load_bundled()
    catalog.fallback_reason = reason
    return catalog


class LiveCatalog:
    """A catalog that refreshes itself from a URL in a background thread.

    ``current`` is always one whole :class:`Catalog`; a refresh builds the new one completely
    and then swaps the reference (atomic in Python), so readers never see a mix. A failed
    refresh keeps the current catalog.
    """

    def __init__(
        self,
        url: str,
        *,
        interval: float = 3600.0,
        cache_dir: str | Path | None = None,
        timeout: float = 10.0,
        on_error: Callable[[str], None] | None = None,
    ):
        self.url = url
        self.interval = interval
        self._load = lambda: load(url, cache_dir=cache_dir, timeout=timeout)
        self._on_error = on_error
        self.current: Catalog = self._load()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> bool:
        """Load again; swap if the result is a different catalog fetched from the URL. Returns
        whether it swapped."""
        fresh = self._load()
        reason = getattr(fresh, "fallback_reason", None)
        if reason is not None:
            if self._on_error is not None:
                self._on_error(reason)
            if self.current.origin == "url" or fresh.version == self.current.version:
                return False  # keep what we have
        if fresh.version == self.current.version and fresh.origin == self.current.origin:
            return False
        self.current = fresh
        return True

    def start(self) -> LiveCatalog:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="gate-consumer-refresh", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except Exception as exc:
                if self._on_error is not None:
                    self._on_error(f"refresh failed: {exc}")
