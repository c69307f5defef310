"""The snapshot shipped inside this package: its manifest and its files — read one by one, or as
a catalog checked before, against which a catalog loaded from a URL is checked (:class:`BundledFiles`)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

from gate_consumer.errors import CatalogLoadError
from gate_consumer.manifest import check_manifest, needed

__all__ = ["BUNDLED_DIR", "BundledFiles", "bundled_manifest", "read_bundled"]

BUNDLED_DIR = os.path.join(os.path.dirname(__file__), "_data", "v1")


def read_bundled(rel: str) -> bytes:
    """The bytes of the bundled file ``rel`` (``index.json``, ``providers/openai.json``…)."""
    with open(os.path.join(BUNDLED_DIR, rel), "rb") as handle:
        return handle.read()


def bundled_manifest() -> dict[str, Any]:
    """The bundled snapshot's manifest, checked like any."""
    return check_manifest(json.loads(read_bundled("manifest.json")), "bundled manifest")


class BundledFiles(Mapping[str, bytes]):
    """The bundled snapshot's files, by relative path, each read when asked for: a catalog
    checked before (``check_files(..., checked=BundledFiles())``). The bundle passes the
    consumer's checks (a test holds it to them), so a catalog loaded from a URL with no cached
    catalog checks what differs from it — the providers that changed since this package was
    built — not all of it again (a cold load spent ~0.5 s of CPU on checks, most of them of
    files the package already held). A damaged installation holds nothing known good."""

    def __init__(self) -> None:
        try:
            self._names = frozenset(needed(bundled_manifest()))
        except (OSError, ValueError, RecursionError, CatalogLoadError):
            self._names = frozenset()

    def __contains__(self, rel: object) -> bool:
        return rel in self._names

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self._names:
            raise KeyError(rel)
        try:
            return read_bundled(rel)
        except OSError:  # gone from a damaged installation: not known good, so checked
            raise KeyError(rel) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
