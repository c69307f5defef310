"""The evidence book of a record: which other sources agree with each published fact, and which
say another value.

A record keeps, beside its facts, ``agreements`` (``path → [{source, as_of}]``: sources stating
the published value, since when) and ``disagreements`` (``path → [{source, value, as_of}]``:
sources stating another value, since they first said it). Reconcile, ``faimeta review`` and
``faimeta observe --record`` all write them, and only through these functions, so that the one
step that is easy to forget — a replaced value's agreements become disagreements — is never
skipped by one of them.
"""

from __future__ import annotations

from typing import Any

from gate_consumer.provenance import FactProvenance, encode_provenance
from refresher.rules.sanity import same_value

__all__ = [
    "Entries", "add_agreement", "drop_entry", "note_disagreement", "store_entries", "store_provenance", "value_replaced",
]

#: agreements or disagreements of one record, by fact path
Entries = dict[str, list[dict[str, Any]]]


def drop_entry(entries_by_path: Entries, path: str, source: str) -> bool:
    """Remove ``source``'s entry for ``path`` (in agreements or disagreements); return whether
    there was one."""
    entries = entries_by_path.get(path, [])
    kept = [d for d in entries if d["source"] != source]
    if len(kept) == len(entries):
        return False
    if kept:
        entries_by_path[path] = kept
    else:
        del entries_by_path[path]
    return True


def add_agreement(agreements: Entries, path: str, source: str, as_of: str) -> bool:
    """Record that ``source`` states the published value of ``path`` (since ``as_of``, kept from
    its first sighting); return whether that is new."""
    entries = agreements.setdefault(path, [])
    if any(e["source"] == source for e in entries):
        return False
    entries.append({"source": source, "as_of": as_of})
    entries.sort(key=lambda e: e["source"])
    return True


def note_disagreement(disagreements: Entries, path: str, source: str, value: Any, now: str) -> bool:
    """Record that ``source`` states another value of ``path`` (dated from when it first said
    this one); return whether that is new or different."""
    entries = disagreements.setdefault(path, [])
    for entry in entries:
        if entry["source"] == source:
            if entry["value"] == value:
                return False  # same disagreement as before: its first sighting stays
            entry.update(value=value, as_of=now)
            return True
    entries.append({"source": source, "value": value, "as_of": now})
    entries.sort(key=lambda d: d["source"])
    return True


def value_replaced(agreements: Entries, disagreements: Entries, path: str, source: str, old: Any, new: Any, *,
                   tracked: bool) -> None:
    """The published value of ``path`` became ``new`` on ``source``'s word: the sources that agreed
    with ``old`` now disagree, each with the value it said and since when; ``source`` no longer
    disagrees; and, where agreement is kept (``tracked``: price facts), those that already said
    ``new`` agree with it."""
    drop_entry(disagreements, path, source)
    for other in agreements.pop(path, ()):
        if other["source"] != source:
            note_disagreement(disagreements, path, other["source"], old, other["as_of"])
    if tracked:
        for other in [d for d in disagreements.get(path, ()) if same_value(d["value"], new)]:
            drop_entry(disagreements, path, other["source"])
            add_agreement(agreements, path, other["source"], other["as_of"])


def store_entries(record: dict[str, Any], agreements: Entries, disagreements: Entries) -> None:
    """Put the book back into ``record``, leaving out an empty half (no empty objects in a file)."""
    for name, entries in (("disagreements", disagreements), ("agreements", agreements)):
        if entries:
            record[name] = entries
        else:
            record.pop(name, None)


def store_provenance(record: dict[str, Any], facts: dict[str, FactProvenance]) -> None:
    """Put a record's provenance back (encoded: a default and the exceptions), none if it has no facts."""
    if facts:
        record["provenance"] = encode_provenance(facts)
    else:
        record.pop("provenance", None)
