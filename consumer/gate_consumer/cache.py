"""The on-disk cache of a catalog URL: content-addressed objects, re-hashed whenever read, and
one state file switched by an atomic rename (:class:`Cache`)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from gate_consumer.bundled import BundledFiles
from gate_consumer.checks import CHECKS_VERSION, check_files
from gate_consumer.errors import CatalogLoadError
from gate_consumer.files import write_atomic
from gate_consumer.manifest import MAX_MANIFEST_BYTES, check_manifest, matches, needed

__all__ = ["KEEP_MANIFESTS", "Cache", "Cached"]

#: What a cache holds: the manifest, its files (verified), the ETag it was served with.
Cached = tuple[dict[str, Any], dict[str, bytes], "str | None"]


class Cache:
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
            check_manifest(state.get("manifest"), "cached manifest")
        except (ValueError, RecursionError, CatalogLoadError):
            return None
        return state

    def read_object(self, entry: dict[str, Any]) -> bytes | None:
        """The object with this manifest entry's hash, re-hashed; a mismatch evicts it."""
        path = os.path.join(self.objects, entry["sha256"])  # a str: a Path per object costs more than its read
        data = _read_private(path, entry["size"])
        if data is None:
            return None
        if not matches(data, entry):
            with contextlib.suppress(OSError):
                os.unlink(path)
            return None
        return data

    def current(self) -> Cached | None:
        """The cached catalog (manifest, verified files, ETag), or None if any part is missing,
        changed on disk, or fails the checks."""
        state = self._read = self.state()
        if state is None:
            return None
        manifest = state["manifest"]
        files = {}
        for rel in needed(manifest):
            data = self.read_object(manifest["files"][rel])
            if data is None:
                return None
            files[rel] = data
        if state.get("checked_by") != CHECKS_VERSION:
            try:
                check_files(files, "cached ", checked=BundledFiles())
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


def _object_set(manifest: dict[str, Any]) -> list[str]:
    return sorted({manifest["files"][rel]["sha256"] for rel in needed(manifest)})


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
