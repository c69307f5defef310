"""Which fields of a record are tracked facts, and their paths.

A fact path is ``field`` for a top-level fact or ``section.field`` one level down
(``price.input``, ``limits.context``, ``modalities.input``). Price tiers are one fact,
``price.tiers``: a tier table is quoted by a source as a whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

__all__ = ["MODEL_FACTS", "OFFERING_FACTS", "PROVIDER_FACTS", "FactSpec", "get_fact", "iter_facts", "set_fact"]


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


def iter_facts(record: Mapping[str, Any], spec: FactSpec) -> Iterator[tuple[str, Any]]:
    """Yield ``(path, value)`` for every tracked fact present in ``record``, in path order."""
    found: list[tuple[str, Any]] = []
    for name in spec.scalars:
        if record.get(name) is not None:
            found.append((name, record[name]))
    for section in spec.sections:
        for name, value in (record.get(section) or {}).items():
            if value is not None:
                found.append((f"{section}.{name}", value))
    found.sort(key=lambda item: item[0])
    yield from found


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
