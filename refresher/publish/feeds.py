"""Change feeds: ``v1/changes.json`` (JSON Feed 1.1) and ``v1/changes.atom`` (Atom 1.0), for the
whole catalog and per provider (``v1/changes/<provider>.json`` / ``.atom``).

One entry per price change (from ``price_history``: the price that held until then, and the
one that replaced it), new offering (the first observation of any of its facts), retirement
(``retired_at``) and conflict between sources (each recorded disagreement, from when its source
first said it) — with before → after, the source, the date, and a link to the offering on the
catalog's site (``../models/<vendor>/<model>.html#<offering>``, beside ``v1/``). Newest first,
the last :data:`MAX_ENTRIES` of each feed. Deterministic: built from the records' own dates, never from the
build time, so the same metadata always gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gate_consumer.facts import OFFERING_FACTS, get_fact
from gate_consumer.provenance import FactProvenance, fact_provenance, provenance_entries
from refresher.rules.text import visible
from refresher.tree.store import Tree

__all__ = ["MAX_ENTRIES", "Change", "atom_feed", "changes", "feed_files", "json_feed", "offering_page",
           "provider_changes", "xml_attribute", "xml_text"]

MAX_ENTRIES = 500  # each feed's, the catalog's and every provider's
FEED_TITLE = "fusionAIze metadata: catalog changes"
_TAG = "tag:fusionaize.ai,2026:metadata"
_SHOWN = ("input", "output", "cache_read", "cache_write")


@dataclass(frozen=True, order=True)
class Change:
    """One entry: ``kind`` is ``price-change``, ``new-offering``, ``retired`` or ``conflict``."""

    at: str
    kind: str
    offering: str  # provider/upstream-id
    model: str
    title: str
    summary: str
    source: str

    @property
    def id(self) -> str:
        return f"{_TAG}:{self.kind}:{self.offering}@{self.at}"

    @property
    def provider(self) -> str:
        return self.offering.partition("/")[0]


def offering_page(model: str, offering: str) -> str:
    """The offering's place on the site, relative to the site's root."""
    return f"models/{model}.html#{offering}"


def changes(tree: Tree, known: Mapping[str, list[Change]] | None = None) -> list[Change]:
    """Every change the records tell of, newest first (ties in a stable order). ``known``: a
    provider's changes already found (its file unchanged since), not looked for again."""
    found: list[Change] = []
    for provider in sorted(tree.providers):
        mine = (known or {}).get(provider)
        found.extend(mine if mine is not None else provider_changes(provider, tree.providers[provider]))
    return _newest_first(found)


def provider_changes(provider: str, record: Mapping[str, Any]) -> list[Change]:
    """The changes one provider's record tells of, in no particular order."""
    return [change for upstream_id, offering in sorted(record["offerings"].items())
            for change in _offering_changes(f"{provider}/{upstream_id}", offering)]


def _newest_first(found: Iterable[Change]) -> list[Change]:
    return sorted(found, key=lambda c: (c.at, c.kind, c.offering, c.summary), reverse=True)


def _offering_changes(key: str, offering: Mapping[str, Any]) -> Iterable[Change]:
    model = offering["model"]
    entries = provenance_entries(offering, OFFERING_FACTS)  # undecoded: this runs for every offering
    if entries:
        first = min(entries, key=lambda e: (e["as_of"], e["source"]))
        price = offering.get("price") or {}
        shown = ", ".join(f"{k} {price[k]:g}" for k in _SHOWN if isinstance(price.get(k), (int, float)))
        yield Change(first["as_of"], "new-offering", key, model, f"New: {key}",
                     f"{key} serves {model}" + (f" at {shown} USD per 1M tokens" if shown else ", unpriced"),
                     first["source"])
    history = offering.get("price_history") or []
    for i, entry in enumerate(history):
        if i + 1 < len(history):
            after, source = history[i + 1]["price"], history[i + 1]["source"]
        else:
            after = offering.get("price") or {}
            anchor = _provenance_or_none(offering, "price.input") or _provenance_or_none(offering, "price.output")
            source = anchor.source if anchor else entry["source"]
        moves = _moves(entry["price"], after)
        yield Change(entry["until"], "price-change", key, model, f"Price: {key} {moves or 'changed'}",
                     f"{moves or 'the price changed'} (was {entry['source']} since {entry['as_of'][:10]})", source)
    if offering.get("status") == "retired" and offering.get("retired_at"):
        yield Change(offering["retired_at"], "retired", key, model, f"Retired: {key}",
                     f"{key} is no longer listed by its sources", getattr(_provenance_or_none(offering, "name"), "source", ""))
    current = {p: get_fact(offering, p) for p in offering.get("disagreements", {})}
    for path, entries in sorted((offering.get("disagreements") or {}).items()):
        for entry in entries:
            said = _json_text(entry["value"])
            yield Change(entry["as_of"], "conflict", key, model, f"Conflict: {key} {path}",
                         f"{entry['source']} says {path} is {said}; the catalog keeps "
                         f"{_json_text(current[path])}", entry["source"])


def _json_text(value: Any) -> str:
    """``json.dumps(value, sort_keys=True)``, a number without the encoder (the same text)."""
    return repr(value) if type(value) in (int, float) else json.dumps(value, sort_keys=True)


def _provenance_or_none(offering: Mapping[str, Any], path: str) -> FactProvenance | None:
    try:
        return fact_provenance(offering, path)
    except KeyError:
        return None


def _moves(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    parts = []
    for name in _SHOWN:
        old, new = before.get(name), after.get(name)
        if old != new and (old is not None or new is not None):
            pct = f" ({(new - old) / old * 100:+.1f} %)" if isinstance(old, (int, float)) and old and \
                isinstance(new, (int, float)) else ""
            parts.append(f"{name} {_num(old)} → {_num(new)}{pct}")
    return ", ".join(parts)


def _num(value: Any) -> str:
    return "none" if value is None else f"{value:g}" if isinstance(value, (int, float)) else str(value)


def json_feed(entries: list[Change], *, title: str, feed_path: str, prefix: str) -> dict[str, Any]:
    """A JSON Feed 1.1 document; ``prefix`` leads from the feed's folder to the site."""
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": f"{prefix}index.html",
        "feed_url": feed_path,
        "description": "Price changes, new offerings, retirements and conflicts between sources, newest first.",
        "language": "en",
        "items": [{
            "id": change.id,
            "url": prefix + offering_page(change.model, change.offering),
            "title": visible(change.title),
            "content_text": visible(f"{change.summary}. Source: {change.source or 'unknown'}, as of {change.at}."),
            "date_published": change.at,
            "tags": [change.kind, change.provider],
            "_fusionaize": {"kind": change.kind, "offering": change.offering, "model": change.model,
                            "source": change.source},
        } for change in entries],
    }


def atom_feed(entries: list[Change], *, title: str, feed_id: str, prefix: str) -> str:
    """An Atom 1.0 document (RFC 4287): ``updated`` is the newest entry's date."""
    updated = entries[0].at if entries else "1970-01-01T00:00:00Z"
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"  <id>{xml_text(feed_id)}</id>", f"  <title>{xml_text(title)}</title>",
             f"  <updated>{updated}</updated>", "  <author><name>fusionAIze metadata</name></author>",
             f"  <link rel=\"alternate\" href={xml_attribute(prefix + 'index.html')}/>"]
    lines += [  # one text per entry: a build renders ~130,000 of them at 10× the catalog
        f"  <entry>\n    <id>{xml_text(change.id)}</id>\n    <title>{xml_text(change.title)}</title>\n"
        f"    <updated>{change.at}</updated>\n"
        f"    <link rel=\"alternate\" href={xml_attribute(prefix + offering_page(change.model, change.offering))}/>\n"
        f"    <category term={xml_attribute(change.kind)}/>\n"
        f"    <summary>{xml_text(change.summary)}. Source: {xml_text(change.source or 'unknown')}, as of {change.at}.</summary>\n"
        "  </entry>"
        for change in entries]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def xml_text(text: str) -> str:
    """``xml.sax.saxutils.escape`` of :func:`~refresher.rules.text.visible` text (XML 1.0 has no
    place for a control character, escaped or not), without its call for entities we never pass."""
    return visible(text).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def xml_attribute(text: str) -> str:
    """``xml.sax.saxutils.quoteattr``: the same quoted text, inline."""
    text = xml_text(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    quoted = text.replace('"', "&quot;")
    return f'"{quoted}"'


def feed_files(every: list[Change], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """The feed files of ``v1/`` for the changes :func:`changes` found: path → text (all of
    them, and one feed per provider that has any). ``known``: feed files already made (path →
    text) for providers whose changes are the same, not made again."""
    by_provider: dict[str, list[Change]] = {}
    for change in every:  # newest first within each, as in ``every``
        by_provider.setdefault(change.provider, []).append(change)
    scopes = [("changes", FEED_TITLE, every)] + [(f"changes/{provider}", f"{FEED_TITLE} ({provider})", mine)
                                                 for provider, mine in sorted(by_provider.items())]
    known = known or {}
    files: dict[str, str] = {}
    for path, title, entries in scopes:
        if f"{path}.json" in known and f"{path}.atom" in known:
            files[f"{path}.json"], files[f"{path}.atom"] = known[f"{path}.json"], known[f"{path}.atom"]
            continue
        prefix = "../" * (path.count("/") + 1)  # from v1/ (or v1/changes/) to the site beside it
        kept = entries[:MAX_ENTRIES]
        files[f"{path}.json"] = json.dumps(json_feed(kept, title=title, feed_path=f"{path.rpartition('/')[2]}.json",
                                                     prefix=prefix), ensure_ascii=False, separators=(",", ":")) + "\n"
        files[f"{path}.atom"] = atom_feed(kept, title=title, feed_id=f"{_TAG}:{path}", prefix=prefix)
    return files
