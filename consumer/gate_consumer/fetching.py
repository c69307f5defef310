"""Fetching a published catalog into memory: the manifest (conditionally, by ETag), then the
files the cache lacks — from the pack in one request when many are missing, else one request
each on a small pool of connections — each checked against the manifest, and the set checked
(:mod:`gate_consumer.checks`) before the cache switches to it (:func:`download`)."""

from __future__ import annotations

import threading
import time
from typing import Any

from gate_consumer.bundled import BundledFiles
from gate_consumer.cache import Cache, Cached
from gate_consumer.checks import check_files, parse_json
from gate_consumer.errors import CatalogLoadError
from gate_consumer.manifest import MAX_MANIFEST_BYTES, check_manifest, matches, needed
from gate_consumer.pack import PACK, unpack

__all__ = ["USER_AGENT", "download"]

USER_AGENT = "fusionaize-gate-consumer/0.1"
#: more files missing than this: the pack, one request, rather than a request each
_PACK_AFTER = 4
#: connections one load opens at most when it fetches files one by one
_PARALLEL = 8


def download(url: str, cache: Cache | None, cached: Cached | None,
             deadline: float) -> tuple[Cached, Any]:
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
        manifest = check_manifest(parse_json(body, base + "manifest.json"), base + "manifest.json")
        # by hash: what the cached catalog holds (already verified), then any other cached object
        have = {cached[0]["files"][rel]["sha256"]: data for rel, data in cached[1].items()} if cached else {}
        files, missing = {}, []
        for rel in needed(manifest):
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
    # what changed since the cached catalog, else since the bundled snapshot
    index = check_files(files, base, checked=cached[1] if cached else BundledFiles())
    if cache is not None:
        cache.commit(manifest, etag, files)
    return (manifest, files, etag), index


def _from_pack(session: Any, base: str, manifest: dict[str, Any], wanted: list[str]) -> dict[str, bytes]:
    """The files of ``wanted`` the pack holds as the manifest lists them. A host without a pack,
    or with a damaged or stale one, gives fewer (they are fetched one by one), never a wrong byte."""
    entry = manifest["files"].get(PACK)
    if entry is None:
        return {}
    try:
        _, data, _ = session.get(base + PACK, max_bytes=entry["size"])
        packed = unpack(data) if matches(data, entry) else {}
    except (CatalogLoadError, ValueError):
        return {}
    return {rel: packed[rel] for rel in wanted if rel in packed and matches(packed[rel], manifest["files"][rel])}


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
        if not matches(data, expected):
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
