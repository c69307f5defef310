"""The pack: every file a consumer reads, in one file, so a cold load is one request.

``v1/consumer.pack`` is a header line — JSON, ``{"format": "gate-consumer-pack/1", "files":
[[path, size], …]}`` — followed by each file's bytes, back to back, in the header's order. It
is only a faster way to the same bytes: the manifest lists the pack with its size and sha256 like
any file, and each file taken from it is checked against its own manifest entry, so a stale or
damaged pack costs a request, never a wrong byte (:func:`gate_consumer.loading.load` then fetches
those files one by one). ``faimeta build`` writes it (:func:`pack`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

__all__ = ["CONSUMER_FILES", "FORMAT", "PACK", "pack", "unpack"]

PACK = "consumer.pack"
#: the files of ``v1/`` a consumer reads (path prefixes): what the pack holds
CONSUMER_FILES = ("index.json", "models.json", "providers/")
FORMAT = "gate-consumer-pack/1"
#: a header lists ~200 files in ~10 kB; a longer first line is not a pack
_MAX_HEADER = 1024 * 1024


def pack(files: Mapping[str, bytes]) -> bytes:
    """The pack of ``files`` (path → bytes), in path order: the same files, the same bytes."""
    paths = sorted(files)
    header = json.dumps({"format": FORMAT, "files": [[p, len(files[p])] for p in paths]}, separators=(",", ":"))
    return b"".join([header.encode(), b"\n", *(files[p] for p in paths)])


def unpack(data: bytes) -> dict[str, bytes]:
    """The files of a pack (path → bytes); raises ``ValueError`` saying why ``data`` is not one
    (no header line, another format, sizes that do not add up to the body)."""
    end = data.find(b"\n", 0, _MAX_HEADER)
    if end < 0:
        raise ValueError("no header line")
    try:
        header = json.loads(data[:end])
    except ValueError:
        raise ValueError("the header is not JSON") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT or not isinstance(header.get("files"), list):
        raise ValueError(f"not a {FORMAT} header")
    files: dict[str, bytes] = {}
    at = end + 1
    for item in header["files"]:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and type(item[1]) is int and item[1] >= 0):
            raise ValueError("a file entry is not [path, size]")
        path, size = item
        if at + size > len(data):
            raise ValueError(f"{path[:80]!r} runs past the end of the pack")
        files[path] = data[at:at + size]
        at += size
    if at != len(data):
        raise ValueError(f"{len(data) - at:,} bytes after the last file")
    return files
