"""Mistral (``GET https://api.mistral.ai/v1/models``): every alias is listed as an entry of its
own, with the model's real name in ``name`` and the other ids in ``aliases``.

The entries are grouped by ``name`` into one offering per model (the id equal to ``name``),
and the other ids become aliases of its model. An id listed under two different models
(``voxtral-mini-latest`` once for ``voxtral-mini-2507`` and once for ``voxtral-mini-2602``) is
ambiguous: it is kept as an alias of neither and reported as skipped.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import ValidationError

from gate_consumer.ids import check_upstream_id
from refresher.rules.risks import risk_of
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    OfferingObservation,
    ProviderObservation,
    Skipped,
    Snapshot,
    Upstream,
    describe_validation_error,
    drop_none,
    list_of_records,
    load_json,
    raw_id,
    record_label,
)

SOURCE_ID = "mistral"
PROVIDER = "mistral"
URL = "https://api.mistral.ai/v1/models"
KEY_ENV = "MISTRAL_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "Mistral", "base_url": "https://api.mistral.ai/v1", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True


class MistralCapabilities(Upstream):
    function_calling: bool | None = None
    vision: bool | None = None
    audio: bool | None = None


class MistralModel(Upstream):
    id: str
    name: str | None = None
    max_context_length: int | None = None
    capabilities: MistralCapabilities | None = None
    aliases: list[str] | None = None
    deprecation: str | None = None


def _facts(m: MistralModel) -> dict[str, Any]:
    caps = m.capabilities
    facts: dict[str, Any] = {
        "status": "deprecated" if m.deprecation else "active",
        "limits.context": m.max_context_length or None,
    }
    if caps is not None:
        facts["capabilities.tools"] = caps.function_calling
        if caps.vision is not None and caps.audio is not None:
            extra = {"image": caps.vision, "audio": caps.audio}
            facts["modalities.input"] = sorted(["text", *(k for k, on in extra.items() if on)])
    return drop_none(facts)


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v1/models`` body. Raises :class:`SourceError` if it is not one."""
    items = list_of_records(load_json(payload, SOURCE_ID), SOURCE_ID)
    snapshot = Snapshot(SOURCE_ID, observed_at, providers=[ProviderObservation(PROVIDER, dict(PROVIDER_FACTS))], records=len(items))
    groups: dict[str, list[MistralModel]] = defaultdict(list)
    for i, raw in enumerate(items):
        label = record_label(PROVIDER, raw, i)
        try:
            entry = MistralModel.model_validate(raw)
            check_upstream_id(entry.id)
            check_upstream_id(entry.name or entry.id)
        except ValidationError as exc:
            snapshot.skipped.append(Skipped(label, describe_validation_error(exc), PROVIDER, raw_id(raw)))
            continue
        except ValueError as exc:
            snapshot.skipped.append(Skipped(label, str(exc), PROVIDER, raw_id(raw), risk_of(exc)))
            continue
        groups[entry.name or entry.id].append(entry)
    owners: dict[str, set[str]] = defaultdict(set)
    for name, entries in groups.items():
        for entry in entries:
            owners[entry.id].add(name)
    for id_, names in sorted(owners.items()):
        if len(names) > 1 and id_ not in names:
            snapshot.skipped.append(
                Skipped(f"{PROVIDER}/{id_}", f"listed as an alias of {len(names)} models ({', '.join(sorted(names))})")
            )
    for name, entries in sorted(groups.items()):
        primary = next((e for e in entries if e.id == name), entries[0])
        aliases = {e.id for e in entries if e.id != name and len(owners[e.id]) == 1 and e.id not in groups}
        snapshot.offerings.append(OfferingObservation(PROVIDER, name, _facts(primary), {}, tuple(sorted(aliases))))
    return snapshot

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
