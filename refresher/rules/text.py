"""What an upstream string may be once published: URLs a gateway can call, names a reviewer can read.

A provider's ``base_url`` reaches Gate's routing (its host names the provider a route calls) and
its ``docs_url`` / ``pricing_url`` reach pages and Gate's export as links; a name reaches the
site, the PR body and ``faimeta show``. So a URL is ``https:`` and parses (``http:`` only to a
loopback host: a local relay or server), never ``javascript:`` or ``data:``; a name is at most
:data:`MAX_NAME` characters, without control characters or the bidirectional overrides that
make text read other than it is (U+202E). Whitespace runs in a name (a trailing tab in a
listing) are one space.

What reaches an output anyway — a direct edit, an id, a source's error message — is shown by
:func:`visible`: every character a reader cannot see, or that would rewrite what follows, as its
escape. The site, the feeds, the PR body and the command line all show text through it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from gate_consumer.checks import UNMETERED_ROUTES, url_host

__all__ = ["LOOPBACK_HOSTS", "MAX_NAME", "MAX_URL", "NAME_PATTERN", "URL_PATTERN", "clean_name", "host_owners",
           "name_problem", "url_problem", "visible"]

MAX_NAME = 200
MAX_URL = 2048
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: control characters, and the marks and overrides of bidirectional text
_HIDDEN = "\\x00-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069"
_HIDDEN_RE = re.compile(f"[{_HIDDEN}]")
#: the same rules as JSON Schema patterns (``schema/``), for readers of the files
NAME_PATTERN = f"^[^{_HIDDEN}]+$"
URL_PATTERN = (r"^(https://[A-Za-z0-9.-]+|https://\[[0-9A-Fa-f:.]+\]|http://(127\.0\.0\.1|localhost|\[::1\]))"
               r"(:[0-9]{1,5})?([/?#][^\s" + _HIDDEN + r"]*)?$")
_URL_RE = re.compile(URL_PATTERN)


def visible(text: str) -> str:
    """``text`` as an output shows it: each character that is not printable — a control
    character, a bidi mark or override, a zero width, a surrogate, an unassigned code point —
    written as its JSON escape (``\\u202e``; beyond U+FFFF, its surrogate pair), every letter of
    every script kept. The escape is valid inside a JSON string, and XML 1.0 has no place for
    most of these characters, escaped or not."""
    if text.isprintable():  # nearly always: one C-level pass
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def clean_name(value: str) -> str:
    """``value`` with each run of whitespace (tabs, newlines) one space, and none at either end."""
    return " ".join(value.split())


def name_problem(value: Any) -> str | None:
    """Why ``value`` cannot be published as a name, or None."""
    if not isinstance(value, str) or not value:
        return "a name is non-empty text"
    if len(value) > MAX_NAME:
        return f"a name of {len(value)} characters is longer than {MAX_NAME}"
    hidden = _HIDDEN_RE.search(value)
    if hidden:
        return f"a name carries the control or bidirectional character U+{ord(hidden.group()):04X}"
    return None


def url_problem(value: Any) -> str | None:
    """Why ``value`` cannot be published as a provider's URL, or None."""
    if not isinstance(value, str):
        return "a URL is text"
    shown = repr(value[:80])
    if len(value) > MAX_URL:
        return f"a URL of {len(value)} characters is longer than {MAX_URL}"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        return f"{shown} does not parse as a URL ({exc})"
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return f"{shown} is http: to a host that is not this machine (only https:, or http: to a loopback host)"
    if parts.scheme not in ("https", "http") or not host or not _URL_RE.match(value):
        return f"{shown} is not an https: URL (only https:, or http: to a loopback host)"
    return None


def host_owners(providers: Mapping[str, Mapping[str, Any]], registry: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Each API host (not loopback) → the metered provider it belongs to: the one whose own API
    (``registry``: ``sources.json``'s sources) states it; else one whose id carries the host's
    name (``fireworks-ai`` for api.fireworks.ai, not the ``firepass`` plan beside it, nor an
    ``aaa-claude`` naming api.anthropic.com); else the one that stated it first (its
    ``base_url``'s ``as_of``); else by id — one answer, whatever order providers are read in."""
    own_source = {entry.get("provider"): name for name, entry in registry.items() if entry.get("provider")}
    claims: dict[str, list[tuple[int, str, str]]] = {}
    for provider_id, record in providers.items():
        host = url_host(record.get("base_url"))
        if host is None or host in LOOPBACK_HOSTS or record.get("route_type") in UNMETERED_ROUTES:
            continue
        provenance = record.get("provenance") or {}
        holder = (provenance.get("fields") or {}).get("base_url") or provenance
        own = holder.get("source") is not None and holder.get("source") == own_source.get(provider_id)
        named = _host_name(host) in provider_id.replace("-", "")
        claims.setdefault(host, []).append((0 if own else 1, 0 if named else 1, str(holder.get("as_of", "")), provider_id))
    return {host: min(found)[-1] for host, found in claims.items()}


def _host_name(host: str) -> str:
    """The name a host is registered under: ``fireworks`` of api.fireworks.ai."""
    labels = host.split(".")
    return labels[-2] if len(labels) >= 2 else host

