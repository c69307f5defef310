"""Identifier rules shared by the writer and the reader.

* Provider and vendor ids are slugs (``^[a-z0-9][a-z0-9-]*$``): the only ids that become file
  names, so nothing else can escape the metadata tree.
* A canonical model id is ``<vendor>/<slug>``; :func:`normalize_model_slug` turns the many
  spellings of one model name into its slug (case, dots vs dashes in versions, ``@`` dates).
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_UPSTREAM_ID_LENGTH",
    "MODEL_SLUG_RE",
    "SLUG_RE",
    "check_upstream_id",
    "normalize_model_slug",
    "slugify",
]

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MODEL_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._+-]*$")
MAX_UPSTREAM_ID_LENGTH = 256

_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
# "3-5" in "claude-3-5-haiku" is version 3.5; "05-20" (a month-day), "4-1106" (a snapshot)
# and "3-27b" (a size) are not: the major has no leading zero and the minor is one digit
# followed by neither a digit nor a letter.
_VERSION = re.compile(r"(?<![\d.])(0|[1-9]\d?)-(\d)(?![\d.a-z])")
_NOT_SLUG = re.compile(r"[^a-z0-9._+-]+")


def slugify(raw: str) -> str:
    """A provider or vendor slug for ``raw`` (``wafer.ai`` → ``wafer-ai``). Raises on an empty result."""
    slug = re.sub(r"[^a-z0-9]+", "-", raw.strip().lower()).strip("-")
    if not slug:
        raise ValueError(f"{raw!r} has no characters usable in a slug")
    return slug


def normalize_model_slug(name: str) -> str:
    """The canonical spelling of a model name without its vendor.

    ``Claude-3-5-Haiku@20241022`` → ``claude-3.5-haiku-20241022``; idempotent.
    """
    text = name.strip().lower().replace("@", "-")
    parts: list[str] = []
    last = 0
    for match in _DATE.finditer(text):
        parts.append(_VERSION.sub(r"\1.\2", text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_VERSION.sub(r"\1.\2", text[last:]))
    slug = _NOT_SLUG.sub("-", "".join(parts)).strip("-._+")
    if not slug:
        raise ValueError(f"model name {name!r} has no characters usable in an id")
    return slug


def check_upstream_id(upstream_id: object) -> str:
    """Return ``upstream_id`` if it is a plausible provider model id, else raise ``ValueError``.

    Upstream ids are kept verbatim (they are what the provider's API expects) but never used as
    paths; this rejects what no API would accept: non-strings, empty or padded ids, control
    characters, and ids longer than :data:`MAX_UPSTREAM_ID_LENGTH`.
    """
    if not isinstance(upstream_id, str):
        raise ValueError(f"model id is {type(upstream_id).__name__}, not a string")
    if not upstream_id or upstream_id.strip() != upstream_id:
        raise ValueError(f"model id {upstream_id!r} is empty or has surrounding white space")
    if len(upstream_id) > MAX_UPSTREAM_ID_LENGTH:
        raise ValueError(f"model id is {len(upstream_id)} characters long (max {MAX_UPSTREAM_ID_LENGTH})")
    if any(ord(ch) < 32 or ord(ch) == 127 or ch.isspace() for ch in upstream_id):
        raise ValueError(f"model id {upstream_id!r} contains control or white-space characters")
    return upstream_id
