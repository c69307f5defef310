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

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gate_consumer.bundled import bundled_manifest, read_bundled
from gate_consumer.cache import Cache, Cached
from gate_consumer.catalog import Catalog
from gate_consumer.errors import CatalogLoadError
from gate_consumer.fetching import download
from gate_consumer.manifest import SUPPORTED_SCHEMA_MAJOR, check_manifest

__all__ = ["SUPPORTED_SCHEMA_MAJOR", "LiveCatalog", "default_cache_dir", "load", "load_bundled", "load_directory",
           "warm_in_background"]

#: Seconds one load may take in all (manifest and every file), whatever the server does.
DEFAULT_TIMEOUT = 30.0


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fusionaize-metadata"


def load_bundled(*, warm: bool = True) -> Catalog:
    """The snapshot shipped inside this package (``warm``: see :func:`warm_in_background`)."""
    catalog = Catalog(read_bundled, bundled_manifest(), origin="bundled", location="gate_consumer/_data/v1")
    return warm_in_background(catalog) if warm else catalog


def load_directory(path: str | Path, *, warm: bool = True) -> Catalog:
    """A ``v1`` folder on disk (a ``faimeta build`` output; ``warm``: see :func:`warm_in_background`)."""
    root = Path(path)
    try:
        manifest = check_manifest(json.loads((root / "manifest.json").read_bytes()), str(root / "manifest.json"))
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


def _parsed_once(files: dict[str, bytes], index: Any) -> Callable[[str], Any]:
    """A catalog's files parsed when first read, the index the checks parsed given as it is."""
    def document(rel: str) -> Any:
        return index if rel == "index.json" and index is not None else json.loads(files[rel])
    return document


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
          held: Cached | None) -> tuple[Catalog, Cached | None]:
    """:func:`load` from a URL, and what it fetched when the catalog came from there (else
    None). ``held``: a catalog from this URL the process holds (checked, in memory) — a change
    then costs what changed, without reading the cache's files again."""
    deadline = time.monotonic() + timeout
    cache: Cache | None = None
    cache_problem = None
    try:
        cache = Cache(Path(cache_dir) if cache_dir is not None else default_cache_dir(), url)
    except CatalogLoadError as exc:
        cache_problem = str(exc)
    cached: Cached | None = None
    try:
        cached = held if held is not None else cache.current() if cache is not None else None
        fetched, index = download(url, cache, cached, deadline)
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
        self._held: Cached | None = None  # what the last load fetched from the URL: the next checks only what changed
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
