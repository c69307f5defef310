"""A published catalog's manifest: what it lists, checked before anything it names is fetched
or read — the schema version this package reads, file names safe as URLs and cache names, a
sha256 and a size per file — and whether a file's bytes are the ones it lists."""

from __future__ import annotations

import re
from typing import Any

from gate_consumer.errors import CatalogLoadError
from gate_consumer.pack import CONSUMER_FILES

__all__ = ["MAX_MANIFEST_BYTES", "SUPPORTED_SCHEMA_MAJOR", "check_manifest", "matches", "needed"]

SUPPORTED_SCHEMA_MAJOR = 1
#: A manifest lists ~150 files in ~25 kB; nothing larger is read.
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_manifest(manifest: Any, where: str) -> dict[str, Any]:
    """``manifest``, if it is one this package reads; else :class:`CatalogLoadError` (``where``: whose)."""
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


def needed(manifest: dict[str, Any]) -> list[str]:
    """The files a consumer reads (index, models, providers), of those the manifest lists."""
    return sorted(rel for rel in manifest["files"] if rel.startswith(CONSUMER_FILES))


def matches(data: bytes, entry: dict[str, Any]) -> bool:
    """Whether ``data`` is the file a manifest entry names: its size and its sha256."""
    import hashlib

    return len(data) == entry["size"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
