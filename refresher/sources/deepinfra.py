"""DeepInfra (``GET https://api.deepinfra.com/v1/openai/models``): an OpenAI-style list whose
``metadata`` (``null`` for some entries) carries ``context_length``, ``max_tokens`` and
``pricing`` in USD **per 1M tokens** (``input_tokens``, ``output_tokens``,
``cache_read_tokens``); ``tags`` mark vision and reasoning models.
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
    drop_none,
    parse_listing,
    per_million,
)

SOURCE_ID = "deepinfra"
PROVIDER = "deepinfra"
URL = "https://api.deepinfra.com/v1/openai/models"
KEY_ENV = "DEEPINFRA_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "DeepInfra", "base_url": "https://api.deepinfra.com/v1/openai", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True
_PRICES = {"input_tokens": "input", "output_tokens": "output", "cache_read_tokens": "cache_read"}


class DeepInfraPricing(Upstream):
    input_tokens: float | None = None
    output_tokens: float | None = None
    cache_read_tokens: float | None = None


class DeepInfraMetadata(Upstream):
    context_length: int | None = None
    max_tokens: int | None = None
    pricing: DeepInfraPricing | None = None
    tags: list[str] | None = None


class DeepInfraModel(Upstream):
    id: str
    metadata: DeepInfraMetadata | None = None


def _offering(m: DeepInfraModel) -> OfferingObservation:
    upstream_id = check_upstream_id(m.id)
    facts: dict[str, Any] = {"status": "active"}
    meta = m.metadata
    if meta is not None:
        facts["limits.context"] = meta.context_length or None
        facts["limits.output"] = meta.max_tokens or None
        if meta.pricing is not None:
            for key, ours in _PRICES.items():
                facts[f"price.{ours}"] = per_million(
                    getattr(meta.pricing, key), per_token=False, field_name=f"metadata.pricing.{key}"
                )
        if meta.tags is not None:
            tags = set(meta.tags)
            facts["capabilities.reasoning"] = bool(tags & {"reasoning", "reasoning_effort"})
            if "vision" in tags:
                facts["modalities.input"] = ["image", "text"]
    return OfferingObservation(PROVIDER, upstream_id, drop_none(facts))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v1/openai/models`` body. Raises :class:`SourceError` if it is not one."""
    return parse_listing(
        payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)),
        model=DeepInfraModel, convert=_offering,
    )

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
