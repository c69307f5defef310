"""Loading a catalog: URL → cache → bundled snapshot, never at import time.

``load()`` with no URL serves the snapshot bundled in this package (offline, always there).
With a URL (the published ``…/v1/`` folder) it:

1. GETs ``manifest.json`` conditionally (``If-None-Match`` with the cached ETag; a 304 reuses
   the cached catalog);
2. refuses a manifest whose major schema version is not the one this package reads;
3. GETs each file the consumer needs (index, models, providers) that the cache does not already
   hold — the cache is content-addressed by sha256, so an unchanged file is never downloaded
   twice — and checks its size and sha256 against the manifest: when many are missing (a cold
   load), all of them in one request, from the pack (:mod:`gate_consumer.pack`), else — and
   whatever the pack does not hold as the manifest lists it — one request each, on up to eight
   connections; every request asks for gzip;
4. checks the whole file set (:mod:`gate_consumer.checks`: the shapes the consumer reads,
   finite non-negative prices below the magnitude bound, positive limits, dates, depth) — the
   files that changed since the cached catalog, which passed them already;
5. only then makes that manifest the cache's current one (one atomic rename).

Every request goes through :mod:`gate_consumer.transport`: one total deadline for the whole load,
bodies cut at the size the manifest declares, redirects only within the origin.

Any failure — from the network, a file, the checks or the cache — leaves the cache as it was
and serves the last good cached catalog (every object re-hashed), else the bundled one. The
returned catalog says which it is (``origin``), where it came from, why it fell back
(``fallback_reason``), and how old it and its prices are (``describe()``).

:class:`LiveCatalog` refreshes in a background thread and swaps the catalog atomically:
readers always see one whole catalog, old or new.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gate_consumer.catalog import Catalog
from gate_consumer.checks import CHECKS_VERSION, check_files, parse_json
from gate_consumer.errors import CatalogLoadError
from gate_consumer.files import write_atomic
from gate_consumer.pack import CONSUMER_FILES, PACK, unpack

__all__ = ["SUPPORTED_SCHEMA_MAJOR", "LiveCatalog", "default_cache_dir", "load", "load_bundled", "load_directory",
           "warm_in_background"]

SUPPORTED_SCHEMA_MAJOR = 1
USER_AGENT = "fusionaize-gate-consumer/0.1"
#: Seconds one load may take in all (manifest and every file), whatever the server does.
DEFAULT_TIMEOUT = 30.0
#: A manifest lists ~150 files in ~25 kB; nothing larger is read.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: What a cache holds: the manifest, its files (verified), the ETag it was served with.
_Cached = tuple[dict[str, Any], dict[str, bytes], "str | None"]


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
    return sorted(rel for rel in manifest["files"] if rel.startswith(CONSUMER_FILES))


_BUNDLED = os.path.join(os.path.dirname(__file__), "_data", "v1")


def _read_file(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def load_bundled(*, warm: bool = True) -> Catalog:
    """The snapshot shipped inside this package (``warm``: see :func:`warm_in_background`)."""
    manifest = _check_manifest(json.loads(_read_file(os.path.join(_BUNDLED, "manifest.json"))), "bundled manifest")
    catalog = Catalog(lambda rel: _read_file(os.path.join(_BUNDLED, rel)), manifest, origin="bundled",
                      location="gate_consumer/_data/v1")
    return warm_in_background(catalog) if warm else catalog


def load_directory(path: str | Path, *, warm: bool = True) -> Catalog:
    """A ``v1`` folder on disk (a ``faimeta build`` output; ``warm``: see :func:`warm_in_background`)."""
    root = Path(path)
    try:
        manifest = _check_manifest(json.loads((root / "manifest.json").read_bytes()), str(root / "manifest.json"))
    except (OSError, ValueError) as exc:
        raise CatalogLoadError(f"{root}: cannot read the manifest ({exc})") from None
    catalog = Catalog(lambda rel: (root / rel).read_bytes(), manifest, origin="directory", location=str(root))
    return warm_in_background(catalog) if warm else catalog


#: seconds the background build leaves a request arriving with the load (Resolver.warm)
WARM_PAUSE = 0.05


def warm_in_background(catalog: Catalog) -> Catalog:
    """Build the name index every request reads (:meth:`Catalog.index_names`), then start
    :meth:`Catalog.warm` for the suggestion indexes in a daemon thread and return: no request
    waits for an index, and the load does not wait for those only a did-you-mean reads."""
    catalog.index_names()
    threading.Thread(target=catalog.warm, args=(WARM_PAUSE,), name="gate-consumer-warm", daemon=True).start()
    return catalog


class _Cache:
    """The on-disk cache of one catalog URL, under ``<root>/<sha256(url)[:16]>/``:

    * ``state.json`` — the current manifest *and* its ETag, with the object sets of the last
      few manifests, written in one atomic rename: the ETag never belongs to another manifest;
    * ``objects/<sha256>`` — the files, content-addressed and re-hashed whenever read (a file
      changed on disk is evicted, never served).

    Directories are created private (0700, files 0600). A world-writable or foreign-owned
    cache directory is refused, and nothing inside the cache is read through a symlink.
    """

    def __init__(self, root: Path, url: str):
        import hashlib

        self.dir = root / hashlib.sha256(url.encode()).hexdigest()[:16]
        self.objects = self.dir / "objects"
        self._read: dict[str, Any] | None = None  # the state current() read: commit() follows it
        _private_dir(root, inside=False)
        _private_dir(self.dir, inside=True)
        _private_dir(self.objects, inside=True)

    def state(self) -> dict[str, Any] | None:
        """The current state (``manifest``, ``etag``, ``checked_by``, ``previous``), if readable."""
        try:
            state = _read_private(self.dir / "state.json", MAX_MANIFEST_BYTES)
            state = json.loads(state) if state is not None else None
            if not isinstance(state, dict) or state.get("format") != _CACHE_FORMAT:
                return None
            _check_manifest(state.get("manifest"), "cached manifest")
        except (ValueError, RecursionError, CatalogLoadError):
            return None
        return state

    def read_object(self, entry: dict[str, Any]) -> bytes | None:
        """The object with this manifest entry's hash, re-hashed; a mismatch evicts it."""
        path = os.path.join(self.objects, entry["sha256"])  # a str: a Path per object costs more than its read
        data = _read_private(path, entry["size"])
        if data is None:
            return None
        if not _matches(data, entry):
            with contextlib.suppress(OSError):
                os.unlink(path)
            return None
        return data

    def current(self) -> _Cached | None:
        """The cached catalog (manifest, verified files, ETag), or None if any part is missing,
        changed on disk, or fails the checks."""
        state = self._read = self.state()
        if state is None:
            return None
        manifest = state["manifest"]
        files = {}
        for rel in _needed(manifest):
            data = self.read_object(manifest["files"][rel])
            if data is None:
                return None
            files[rel] = data
        if state.get("checked_by") != CHECKS_VERSION:
            try:
                check_files(files, "cached ")
            except CatalogLoadError:
                return None
        etag = state.get("etag")
        return manifest, files, etag if isinstance(etag, str) else None

    def commit(self, manifest: dict[str, Any], etag: str | None, files: dict[str, bytes]) -> None:
        """Store ``files`` and switch the cache to ``manifest`` in one rename; then remove the
        objects no recent manifest refers to."""
        for rel, data in files.items():
            path = os.path.join(self.objects, manifest["files"][rel]["sha256"])
            if not os.path.exists(path):  # not fsynced: an object a crash cut short fails its hash and is evicted
                write_atomic(Path(path), data, mode=0o600, durable=False)
        old = self._read if self._read is not None else self.state()
        previous = [] if old is None else [_object_set(old["manifest"]), *old.get("previous", [])]
        state = {"format": _CACHE_FORMAT, "checked_by": CHECKS_VERSION, "etag": etag, "manifest": manifest,
                 "previous": [p for p in previous if isinstance(p, list)][: KEEP_MANIFESTS - 1]}
        write_atomic(self.dir / "state.json", json.dumps(state, sort_keys=True).encode(), mode=0o600)
        self._collect({sha for group in [_object_set(manifest), *state["previous"]] for sha in group})

    def _collect(self, keep: set[str]) -> None:
        # Another process may have just written an object for a manifest it has not committed
        # yet: only what has been unreferenced for a while goes.
        cutoff = time.time() - _COLLECT_AFTER
        for folder in (self.objects, self.dir):
            for entry in os.scandir(folder):
                if entry.name in keep or entry.name in _STATE_FILES or entry.is_dir(follow_symlinks=False):
                    continue
                try:
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff or entry.name in _LEGACY_FILES:
                        os.unlink(entry.path)
                except OSError:
                    pass


_CACHE_FORMAT = 2
KEEP_MANIFESTS = 3
_COLLECT_AFTER = 600.0
_STATE_FILES = frozenset({"state.json", "objects"})
_LEGACY_FILES = frozenset({"manifest.json", "etag"})  # format 1 kept them apart: never read again


def _matches(data: bytes, entry: dict[str, Any]) -> bool:
    """Whether ``data`` is the file a manifest entry names: its size and its sha256."""
    import hashlib

    return len(data) == entry["size"] and hashlib.sha256(data).hexdigest() == entry["sha256"]


def _object_set(manifest: dict[str, Any]) -> list[str]:
    return sorted({manifest["files"][rel]["sha256"] for rel in _needed(manifest)})


def _private_dir(path: Path, *, inside: bool) -> None:
    """Create ``path`` (0700) or check it: ours, not writable by others, and — inside the
    cache — not a symlink. Raises :class:`CatalogLoadError` saying what is wrong."""
    import stat

    try:
        path.mkdir(mode=0o700, parents=not inside, exist_ok=True)
        info = os.lstat(path) if inside else os.stat(path)
    except OSError as exc:
        raise CatalogLoadError(f"cache directory {path}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise CatalogLoadError(f"cache directory {path} is a symlink or not a directory: refusing it")
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise CatalogLoadError(f"cache directory {path} belongs to another user (uid {info.st_uid}): refusing it")
    if info.st_mode & stat.S_IWOTH:
        raise CatalogLoadError(f"cache directory {path} is writable by every user: refusing it")


def _read_private(path: str | Path, max_bytes: int) -> bytes | None:
    """A cache file's bytes (at most ``max_bytes`` + 1), never through a symlink; None if absent."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        chunks, left = [], max_bytes + 1
        while left > 0:  # a single read returns the whole file in practice; a short one is no end
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


#: more files missing than this: the pack, one request, rather than a request each
_PACK_AFTER = 4
#: connections one load opens at most when it fetches files one by one
_PARALLEL = 8


def _download(url: str, cache: _Cache | None, cached: _Cached | None,
              deadline: float) -> tuple[_Cached, Any]:
    """The catalog at ``url`` (manifest, checked files, ETag) and — when it checked them — its
    index parsed, else None (``cached``: a catalog checked before, the cache's or in memory);
    the cache switches to it when it is new. The files the cache lacks come from the pack when
    there are many (one request), else — and whatever the pack does not give right — one request
    each, on up to :data:`_PARALLEL` connections."""
    from gate_consumer.transport import Session

    base = url if url.endswith("/") else url + "/"
    with Session(deadline, USER_AGENT) as session:
        status, body, etag = session.get(base + "manifest.json", max_bytes=MAX_MANIFEST_BYTES,
                                         etag=cached[2] if cached else None)
        if status == 304 and cached is not None:
            return cached, None
        manifest = _check_manifest(parse_json(body, base + "manifest.json"), base + "manifest.json")
        # by hash: what the cached catalog holds (already verified), then any other cached object
        have = {cached[0]["files"][rel]["sha256"]: data for rel, data in cached[1].items()} if cached else {}
        files, missing = {}, []
        for rel in _needed(manifest):
            expected = manifest["files"][rel]
            data = have.get(expected["sha256"])
            if data is None and cache is not None:
                data = cache.read_object(expected)
            if data is None:
                missing.append(rel)
            else:
                files[rel] = data
        if len(missing) > _PACK_AFTER:
            files.update(_from_pack(session, base, manifest, missing))
            missing = [rel for rel in missing if rel not in files]
        files.update(_fetch_each(session, base, manifest, missing, deadline))
    index = check_files(files, base, checked=cached[1] if cached else None)  # what changed since the cached catalog
    if cache is not None:
        cache.commit(manifest, etag, files)
    return (manifest, files, etag), index


def _parsed_once(files: dict[str, bytes], index: Any) -> Callable[[str], Any]:
    """A catalog's files parsed when first read, the index the checks parsed given as it is."""
    def document(rel: str) -> Any:
        return index if rel == "index.json" and index is not None else json.loads(files[rel])
    return document


def _from_pack(session: Any, base: str, manifest: dict[str, Any], wanted: list[str]) -> dict[str, bytes]:
    """The files of ``wanted`` the pack holds as the manifest lists them. A host without a pack,
    or with a damaged or stale one, gives fewer (they are fetched one by one), never a wrong byte."""
    entry = manifest["files"].get(PACK)
    if entry is None:
        return {}
    try:
        _, data, _ = session.get(base + PACK, max_bytes=entry["size"])
        packed = unpack(data) if _matches(data, entry) else {}
    except (CatalogLoadError, ValueError):
        return {}
    return {rel: packed[rel] for rel in wanted if rel in packed and _matches(packed[rel], manifest["files"][rel])}


def _fetch_each(session: Any, base: str, manifest: dict[str, Any], rels: list[str],
                deadline: float) -> dict[str, bytes]:
    """Each of ``rels``, checked against its manifest entry: on ``session`` when they are few,
    else on up to :data:`_PARALLEL` connections (the load's deadline bounds them all). Raises
    :class:`CatalogLoadError` for the first that fails."""
    import hashlib

    from gate_consumer.transport import Session

    def fetch(on: Any, rel: str) -> bytes:
        expected = manifest["files"][rel]
        _, data, _ = on.get(base + rel, max_bytes=expected["size"])
        if not _matches(data, expected):
            digest = hashlib.sha256(data).hexdigest()
            raise CatalogLoadError(
                f"{base}{rel}: {len(data):,} bytes with sha256 {digest[:12]}…, the manifest says "
                f"{expected['size']:,} bytes with {expected['sha256'][:12]}… (truncated or changed)"
            )
        return data

    if len(rels) <= 2:
        return {rel: fetch(session, rel) for rel in rels}
    fetched: dict[str, bytes] = {}
    failed: list[BaseException] = []

    def lane(share: list[str]) -> None:
        try:
            with Session(deadline, USER_AGENT) as own:
                for rel in share:
                    if failed:
                        return
                    fetched[rel] = fetch(own, rel)
        except BaseException as exc:  # handed to the loading thread, which raises it
            failed.append(exc)

    lanes = min(_PARALLEL, len(rels))
    threads = [threading.Thread(target=lane, args=(rels[i::lanes],), daemon=True) for i in range(lanes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 1.0)
    if failed:
        raise failed[0]
    if len(fetched) < len(rels):
        raise CatalogLoadError(f"{base}: the load's deadline passed")
    return fetched


def load(url: str | None = None, *, cache_dir: str | Path | None = None, timeout: float = DEFAULT_TIMEOUT,
         warm: bool = True) -> Catalog:
    """Load a catalog (see the module docstring). ``timeout`` bounds the whole load in seconds
    (every request of it together). Never raises for anything the network or the cache serves:
    it falls back, and ``catalog.fallback_reason`` says why. Raises :class:`CatalogLoadError`
    only if even the bundled snapshot cannot be read (a broken installation). ``warm``: build
    the resolving indexes in a background thread (:func:`warm_in_background`)."""
    if url is None:
        return load_bundled(warm=warm)
    return _load(url, cache_dir, timeout, warm, held=None)[0]


def _load(url: str, cache_dir: str | Path | None, timeout: float, warm: bool,
          held: _Cached | None) -> tuple[Catalog, _Cached | None]:
    """:func:`load` from a URL, and what it fetched when the catalog came from there (else
    None). ``held``: a catalog from this URL the process holds (checked, in memory) — a change
    then costs what changed, without reading the cache's files again."""
    deadline = time.monotonic() + timeout
    cache: _Cache | None = None
    cache_problem = None
    try:
        cache = _Cache(Path(cache_dir) if cache_dir is not None else default_cache_dir(), url)
    except CatalogLoadError as exc:
        cache_problem = str(exc)
    cached: _Cached | None = None
    try:
        cached = held if held is not None else cache.current() if cache is not None else None
        fetched, index = _download(url, cache, cached, deadline)
        catalog = Catalog(None, fetched[0], origin="url", location=url, documents=_parsed_once(fetched[1], index))
        catalog.cache_problem = cache_problem
        return (catalog if not warm else warm_in_background(catalog)), fetched
    except Exception as exc:  # anything the network or the cache served: fall back, never fail
        reason = str(exc) if isinstance(exc, CatalogLoadError) else f"{url}: {type(exc).__name__}: {exc}"[:500]
    catalog = None
    try:
        if cached is not None and cache is not None:
            catalog = Catalog(cached[1].__getitem__, cached[0], origin="cache", location=str(cache.dir))
    except Exception as exc:
        reason += f"; the cache failed too ({type(exc).__name__}: {exc})"[:300]
    if catalog is None:
        catalog = load_bundled(warm=False)
    catalog.fallback_reason = reason
    catalog.cache_problem = cache_problem
    return (catalog if not warm else warm_in_background(catalog)), None


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
        timeout: float = DEFAULT_TIMEOUT,
        on_error: Callable[[str], None] | None = None,
    ):
        self.url = url
        self.interval = interval
        self.timeout = timeout
        self._cache_dir = cache_dir
        self._held: _Cached | None = None  # what the last load fetched from the URL: the next checks only what changed
        self._on_error = on_error
        self.current: Catalog = warm_in_background(self._load())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _load(self) -> Catalog:
        catalog, fetched = _load(self.url, self._cache_dir, self.timeout, False, held=self._held)
        if fetched is not None:
            self._held = fetched
        return catalog

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
        fresh.warm()  # here, in the refresh thread: the requests meet it warm
        self.current = fresh
        return True

    def start(self) -> LiveCatalog:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="gate-consumer-refresh", daemon=True)
            self._thread.start()
        return self

    def stop(self, wait: float | None = None) -> None:
        """Stop refreshing. Returns within ``wait`` seconds (default: the load timeout, the
        longest a refresh in progress can take); the thread is a daemon either way."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 1.0 if wait is None else wait)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except Exception as exc:
                if self._on_error is not None:
                    self._on_error(f"refresh failed: {exc}")
