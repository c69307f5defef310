"""Identifier rules shared by the writer and the reader.

* Provider and vendor ids are slugs (``^[a-z0-9][a-z0-9-]*$``): the only ids that become file
  names, so nothing else can escape the metadata tree.
* A canonical model id is ``<vendor>/<slug>``; :func:`normalize_model_slug` turns the many
  spellings of one model name into its slug (case, dots vs dashes in versions, ``@`` dates).
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_ACCEPTED_ID_LENGTH",
    "MAX_UPSTREAM_ID_LENGTH",
    "SLUG_RE",
    "InvalidIdError",
    "check_upstream_id",
    "normalize_model_slug",
    "shown",
    "slugify",
]

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_UPSTREAM_ID_LENGTH = 256
MAX_SLUG_LENGTH = 64

_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
# "3-5" in "claude-3-5-haiku" is version 3.5; "05-20" (a month-day), "4-1106" (a snapshot)
# and "3-27b" (a size) are not: the major has no leading zero and the minor is one digit
# followed by neither a digit nor a letter.
_VERSION = re.compile(r"(?<![\d.])(0|[1-9]\d?)-(\d)(?![\d.a-z])")
_NOT_SLUG = re.compile(r"[^a-z0-9._+-]+")


def shown(text: str, limit: int | None = None) -> str:
    """``text`` (its first ``limit`` characters) as a message may print it: control, bidi,
    zero-width and every other non-ASCII character escaped (``\\u202e``), so an id from outside
    cannot rewrite a log line."""
    return text[:limit].encode("unicode_escape").decode("ascii")


def slugify(raw: str) -> str:
    """A provider or vendor slug for ``raw`` (``wafer.ai`` → ``wafer-ai``). Raises on an empty result."""
    slug = re.sub(r"[^a-z0-9]+", "-", raw.strip().lower()).strip("-")
    if not slug:
        raise ValueError(f"{raw[:60]!r} has no characters usable in a slug")
    if len(slug) > MAX_SLUG_LENGTH:  # a slug becomes a file name
        raise ValueError(f"{raw[:60]!r}… makes a slug of {len(slug)} characters (max {MAX_SLUG_LENGTH})")
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


#: The longest id a source may use: real ones are under 70 characters, and a namespace of it
#: can become a slug, so this stays well under file-name limits (255 bytes).
MAX_ACCEPTED_ID_LENGTH = 128
_RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                             *(f"lpt{i}" for i in range(10))})
_ALNUM = re.compile(r"[A-Za-z0-9]")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x1f\x7f\s]")  # \s: every character str.isspace() calls white space


class InvalidIdError(ValueError):
    """A model id the id policy refuses (:func:`check_upstream_id`); the message names why."""


def check_upstream_id(upstream_id: object) -> str:
    """Return ``upstream_id`` if it is a plausible provider model id, else raise ``ValueError``
    saying which rule it breaks (the one policy for every source, applied before anything else).

    Upstream ids are kept verbatim (they are what the provider's API expects) but never used as
    paths. Refused: non-strings; empty or padded ids; control, format (bidi, zero-width) and
    white-space characters; text that is not NFKC-normal (full-width letters, ligatures —
    look-alikes of real ids), or Latin mixed with Cyrillic or Greek letters; a ``/``-segment that is empty, ``.``, ``..``, a reserved device
    name (``CON``, ``NUL``, ``COM1``…) or has no letter or digit; more than
    :data:`MAX_ACCEPTED_ID_LENGTH` characters.
    """
    import unicodedata

    if not isinstance(upstream_id, str):
        raise InvalidIdError(f"model id is {type(upstream_id).__name__}, not a string")
    label = shown(upstream_id, 60)
    if not upstream_id or upstream_id.strip() != upstream_id:
        raise InvalidIdError(f"model id '{label}' is empty or has surrounding white space")
    if len(upstream_id) > MAX_ACCEPTED_ID_LENGTH:
        raise InvalidIdError(f"model id is {len(upstream_id)} characters long (max {MAX_ACCEPTED_ID_LENGTH})")
    if not upstream_id.isascii():
        for ch in upstream_id:
            if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
                raise InvalidIdError(f"model id '{label}' contains the control or format character "
                                 f"U+{ord(ch):04X} (bidi, zero-width or similar)")
        if unicodedata.normalize("NFKC", upstream_id) != upstream_id:
            raise InvalidIdError(f"model id '{label}' is not NFKC-normal (full-width or look-alike characters)")
        scripts = {unicodedata.name(ch, "?").split(" ", 1)[0] for ch in upstream_id if ch.isalpha()}
        if "LATIN" in scripts and scripts & {"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"}:
            raise InvalidIdError(f"model id '{label}' mixes Latin letters with look-alikes from another script")
    if _CONTROL_OR_SPACE.search(upstream_id):
        raise InvalidIdError(f"model id '{label}' contains control or white-space characters")
    for segment in upstream_id.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidIdError(f"model id '{label}' has the path segment '{segment}'")
        if segment.split(".", 1)[0].lower() in _RESERVED_NAMES:
            raise InvalidIdError(f"model id '{label}' has the reserved device name '{segment}'")
        if not _ALNUM.search(segment):
            raise InvalidIdError(f"model id '{label}' has a segment with no letter or digit ('{segment}')")
    return upstream_id
