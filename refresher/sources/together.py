"""Together AI (``GET https://api.together.xyz/v1/models``): a **bare JSON array** of models
with ``pricing`` in USD **per 1M tokens**.

A model with ``input`` and ``output`` both 0 and an ``hourly`` rate is served on dedicated
hardware only, so 0 there means "not sold per token", not "free": its token price is unknown.
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

SOURCE_ID = "together"
PROVIDER = "togetherai"
URL = "https://api.together.xyz/v1/models"
KEY_ENV = "TOGETHER_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "Together AI", "base_url": "https://api.together.xyz/v1", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True
_OUTPUT = {"chat": "text", "language": "text", "code": "text", "image": "image", "embedding": "embeddings",
           "audio": "audio"}


class TogetherPricing(Upstream):
    input: float | None = None
    output: float | None = None
    hourly: float | None = None


class TogetherModel(Upstream):
    id: str
    display_name: str | None = None
    type: str | None = None
    context_length: int | None = None
    pricing: TogetherPricing | None = None


def _offering(m: TogetherModel) -> OfferingObservation:
    upstream_id = check_upstream_id(m.id)
    facts: dict[str, Any] = {
        "name": m.display_name,
        "status": "active",
        "limits.context": m.context_length or None,
        "modalities.output": [_OUTPUT[m.type]] if m.type in _OUTPUT else None,
    }
    pricing = m.pricing
    if pricing is not None and (pricing.input or pricing.output or not pricing.hourly):
        facts["price.input"] = per_million(pricing.input, per_token=False, field_name="pricing.input")
        facts["price.output"] = per_million(pricing.output, per_token=False, field_name="pricing.output")
    return OfferingObservation(PROVIDER, upstream_id, drop_none(facts), drop_none({"name": m.display_name}))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v1/models`` body (a bare array). Raises :class:`SourceError` if it is not one."""
    return parse_listing(
        payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)),
        model=TogetherModel, convert=_offering, key=None,
    )

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
