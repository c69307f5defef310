"""Groq (``GET https://api.groq.com/openai/v1/models``): GroqCloud's models.

Two shapes occur. The 2025 one has ``context_window``, ``max_completion_tokens`` and
``active``. The 2026 one adds ``name``, ``context_length``, ``max_output_length``,
modalities (``speech`` is audio), ``supported_features`` and ``pricing`` in USD **per token,
as strings** (OpenRouter's convention; ``image`` and ``request`` are per unit).
"""

from __future__ import annotations

from typing import Any

from gate_consumer.ids import check_upstream_id
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    OfferingObservation,
    ProviderObservation,
    Snapshot,
    Upstream,
    clean_modalities,
    drop_none,
    parse_listing,
    per_token_prices,
)

SOURCE_ID = "groq"
PROVIDER = "groq"
URL = "https://api.groq.com/openai/v1/models"
KEY_ENV = "GROQ_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "Groq", "base_url": "https://api.groq.com/openai/v1", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True

_PER_TOKEN = {"prompt": "input", "completion": "output", "input_cache_read": "cache_read"}
_PER_UNIT = {"image": "image", "request": "request"}
_MODALITY = {"speech": "audio", "transcription": "text"}


class GroqPricing(Upstream):
    prompt: str | None = None
    completion: str | None = None
    input_cache_read: str | None = None
    image: str | None = None
    request: str | None = None


class GroqModel(Upstream):
    id: str
    name: str | None = None
    active: bool | None = None
    context_window: int | None = None
    context_length: int | None = None
    max_completion_tokens: int | None = None
    max_output_length: int | None = None
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None
    supported_features: list[str] | None = None
    pricing: GroqPricing | None = None


def _modalities(values: list[str] | None) -> list[str] | None:
    return clean_modalities(None if values is None else [_MODALITY.get(v, v) for v in values])


def _offering(m: GroqModel) -> OfferingObservation:
    upstream_id = check_upstream_id(m.id)
    facts: dict[str, Any] = {
        "name": m.name,
        "status": None if m.active is None else ("active" if m.active else "deprecated"),
        "limits.context": m.context_length or m.context_window or None,
        "limits.output": m.max_output_length or m.max_completion_tokens or None,
        "modalities.input": _modalities(m.input_modalities),
        "modalities.output": _modalities(m.output_modalities),
    }
    if m.supported_features is not None:
        features = set(m.supported_features)
        facts |= {
            "capabilities.tools": "tools" in features,
            "capabilities.structured_output": "structured_outputs" in features,
            "capabilities.reasoning": "reasoning" in features,
        }
    if m.pricing is not None:
        facts |= per_token_prices(m.pricing.model_dump(), _PER_TOKEN, _PER_UNIT)
    return OfferingObservation(PROVIDER, upstream_id, drop_none(facts), drop_none({"name": m.name}))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/openai/v1/models`` body. Raises :class:`SourceError` if it is not one."""
    return parse_listing(
        payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)),
        model=GroqModel, convert=_offering,
    )

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
