"""Which fields of a record are tracked facts, and their paths.

A fact path is ``field`` for a top-level fact or ``section.field`` one level down
(``price.input``, ``limits.context``, ``modalities.input``). Price tiers are one fact,
``price.tiers``: a tier table is quoted by a source as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

__all__ = [
    "MODEL_FACTS", "OFFERING_FACTS", "PROVIDER_FACTS", "FactSpec", "delete_fact", "fact_count", "fact_paths", "get_fact",
    "iter_facts", "set_fact",
]


class FactSpec(NamedTuple):
    """The tracked fields of one kind of record."""

    scalars: tuple[str, ...]
    sections: tuple[str, ...] = ()


PROVIDER_FACTS = FactSpec(scalars=("name", "base_url", "api_key_env", "docs_url", "pricing_url", "regions"))
OFFERING_FACTS = FactSpec(
    scalars=("name", "status", "free"), sections=("price", "limits", "capabilities", "modalities")
)
MODEL_FACTS = FactSpec(
    scalars=("name", "family", "release_date", "knowledge_cutoff", "open_weights", "status"),
    sections=("limits", "modalities"),
)


def fact_paths(record: Mapping[str, Any], spec: FactSpec) -> list[str]:
    """The path of every tracked fact present in ``record``, in path order."""
    paths = [name for name in spec.scalars if record.get(name) is not None]
    for section in spec.sections:
        part = record.get(section)
        if part:
            paths += [f"{section}.{name}" for name, value in part.items() if value is not None]
    paths.sort()
    return paths


def fact_count(record: Mapping[str, Any], spec: FactSpec) -> int:
    """How many facts ``record`` holds: ``len(fact_paths(record, spec))`` without making them."""
    return (sum(1 for name in spec.scalars if record.get(name) is not None)
            + sum(1 for section in spec.sections for value in (record.get(section) or {}).values() if value is not None))


def iter_facts(record: Mapping[str, Any], spec: FactSpec) -> Iterator[tuple[str, Any]]:
    """Yield ``(path, value)`` for every tracked fact present in ``record``, in path order."""
    for path in fact_paths(record, spec):
        yield path, get_fact(record, path)


def get_fact(record: Mapping[str, Any], path: str) -> Any:
    """The value at a fact path (``name``, ``price.input``), or None."""
    section, _, name = path.partition(".")
    return (record.get(section) or {}).get(name) if name else record.get(section)


def set_fact(record: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a fact path, creating its section if needed."""
    section, _, name = path.partition(".")
    if name:
        record.setdefault(section, {})[name] = value
    else:
        record[section] = value


def delete_fact(record: dict[str, Any], path: str) -> None:
    """Remove the value at a fact path, and its section once empty (no empty objects in a file)."""
    section, _, name = path.partition(".")
    if not name:
        record.pop(section, None)
        return
    part = record.get(section) or {}
    part.pop(name, None)
    if not part:
        record.pop(section, None)
