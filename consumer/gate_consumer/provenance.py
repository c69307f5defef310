"""Compact, canonical encoding of per-fact provenance.

A record stores one default provenance and exceptions for the facts whose provenance differs::

    {"source": "modelsdev", "as_of": "2026-07-01T16:40:28Z",
     "fields": {"price.input": {"source": "openrouter", "as_of": "2026-07-17T18:02:00Z"}}}

The default is the most common provenance among the record's facts (ties broken by sort
order), so the encoding of a given fact → provenance map is unique: same facts, same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from gate_consumer.facts import FactSpec, fact_paths, get_fact

__all__ = [
    "FactProvenance", "dangling_problem", "decode_provenance", "encode_provenance", "fact_entry", "fact_provenance",
    "provenance_entries", "record_provenance",
]


class FactProvenance(NamedTuple):
    """Where one fact came from: the source id, when it was first observed there, and a reference.

    ``expires`` and ``by`` are set only for manual reviews: the review pins the value until then.
    """

    source: str
    as_of: str
    ref: str | None = None
    expires: str | None = None
    by: str | None = None  # manual reviews: who reviewed

    def to_json(self) -> dict[str, str]:
        out = {"source": self.source, "as_of": self.as_of}
        for key in ("ref", "expires", "by"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FactProvenance:
        return cls(data["source"], data["as_of"], data.get("ref"), data.get("expires"), data.get("by"))


def _sort_key(p: FactProvenance) -> tuple[tuple[bool, str], ...]:
    # A total order: None sorts apart from "" so ties cannot depend on the input's order.
    return tuple((value is not None, value or "") for value in p)


def encode_provenance(facts: Mapping[str, FactProvenance]) -> dict[str, Any]:
    """Encode a non-empty map of fact path → provenance canonically."""
    if not facts:
        raise ValueError("a record with no facts has no provenance to encode")
    counts = Counter(facts.values())
    default = min(counts, key=lambda p: (-counts[p], _sort_key(p)))
    out: dict[str, Any] = default.to_json()
    exceptions = {path: p.to_json() for path, p in sorted(facts.items()) if p != default}
    if exceptions:
        out["fields"] = exceptions
    return out


def dangling_problem(encoded: Mapping[str, Any], paths: Iterable[str]) -> str | None:
    """What is wrong with provenance kept for facts the record does not hold, if any."""
    dangling = set(encoded.get("fields", ())).difference(paths)
    return f"provenance for absent fact(s): {', '.join(sorted(dangling))}" if dangling else None


def decode_provenance(encoded: Mapping[str, Any], paths: Iterable[str]) -> dict[str, FactProvenance]:
    """The provenance of each of ``paths`` (the facts the record holds).

    Raises ``KeyError`` naming an exception path that is not one of the record's facts: a
    dangling exception means the record and its provenance disagree.
    """
    default = FactProvenance.from_json(encoded)
    fields = encoded.get("fields", {})
    path_list = list(paths)
    problem = dangling_problem(encoded, path_list)
    if problem:
        raise KeyError(problem)
    return {
        path: FactProvenance.from_json(fields[path]) if path in fields else default
        for path in path_list
    }


def fact_entry(record: Mapping[str, Any], path: str) -> Mapping[str, Any] | None:
    """The encoded provenance of the one fact at ``path`` — its exception in ``fields``, else
    the record's default — read in place; None if the record does not hold the fact."""
    if get_fact(record, path) is None or "provenance" not in record:
        return None
    encoded = record["provenance"]
    return encoded.get("fields", {}).get(path) or encoded


def fact_provenance(record: Mapping[str, Any], path: str) -> FactProvenance:
    """The provenance of the one fact at ``path`` that ``record`` holds (what
    :func:`record_provenance` gives for it, without decoding the others). ``KeyError`` if the
    record does not hold it."""
    entry = fact_entry(record, path)
    if entry is None:
        raise KeyError(path)
    return FactProvenance.from_json(entry)


def provenance_entries(record: Mapping[str, Any], spec: FactSpec) -> list[Mapping[str, Any]]:
    """The distinct encoded provenance entries the facts of ``record`` use — the values of
    :func:`record_provenance`, undecoded and without one per fact: for a question about all of
    them (which came first?) across a whole catalog."""
    encoded = record.get("provenance")
    if not encoded:
        return []
    fields = encoded.get("fields", {})
    return [*fields.values(), *([encoded] if _default_used(record, spec, fields) else [])]


def _default_used(record: Mapping[str, Any], spec: FactSpec, fields: Mapping[str, Any]) -> bool:
    """Whether some fact of ``record`` has the default provenance (is not in ``fields``); the
    first fact usually tells."""
    if any(record.get(name) is not None and name not in fields for name in spec.scalars):
        return True
    return any(value is not None and f"{section}.{name}" not in fields
               for section in spec.sections for name, value in (record.get(section) or {}).items())


def record_provenance(record: Mapping[str, Any], spec: FactSpec) -> dict[str, FactProvenance]:
    """The provenance of every fact ``record`` holds (``spec`` says which fields are facts);
    empty for a record without facts or provenance. Raises ``KeyError`` like
    :func:`decode_provenance`."""
    paths = fact_paths(record, spec)
    if not paths or "provenance" not in record:
        return {}
    return decode_provenance(record["provenance"], paths)
