"""Vercel AI Gateway (``GET https://ai-gateway.vercel.sh/v1/models``, no key needed): every
model it routes, ``<vendor>/<model>``, with its context window, output limit and prices as
**USD per token, strings**; a price that changes with the prompt's length comes as tiers
(``input_tiers: [{cost, min: 0, max: 200001}, {cost, min: 200001}]``: from 200,001 input tokens,
which is our ``above_input_tokens: 200000``)."""

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

SOURCE_ID = "vercel"
PROVIDER = "vercel"
URL = "https://ai-gateway.vercel.sh/v1/models"
KEY_ENV = "AI_GATEWAY_API_KEY"  # the only variable whose key this source receives (sent if set)
PROVIDER_FACTS = {"name": "Vercel AI Gateway", "base_url": "https://ai-gateway.vercel.sh/v1", "api_key_env": [KEY_ENV]}
#: Vercel's price fields → ours
_COMPONENTS = {"input": "input", "output": "output", "input_cache_read": "cache_read", "input_cache_write": "cache_write"}


class VercelTier(Upstream):
    cost: str | float
    min: int = 0
    max: int | None = None


class VercelPricing(Upstream):
    input: str | float | None = None
    output: str | float | None = None
    input_cache_read: str | float | None = None
    input_cache_write: str | float | None = None
    input_tiers: list[VercelTier] | None = None
    output_tiers: list[VercelTier] | None = None
    input_cache_read_tiers: list[VercelTier] | None = None
    input_cache_write_tiers: list[VercelTier] | None = None


class VercelModel(Upstream):
    id: str
    name: str | None = None
    context_window: int | None = None
    max_tokens: int | None = None
    type: str | None = None
    pricing: VercelPricing | None = None


def _tiers(pricing: VercelPricing) -> list[dict[str, Any]] | None:
    """The context tiers above the first, by threshold: each states the components that have one."""
    by_threshold: dict[int, dict[str, Any]] = {}
    for field, ours in _COMPONENTS.items():
        for tier in getattr(pricing, f"{field}_tiers") or ():
            if tier.min > 0:
                by_threshold.setdefault(tier.min - 1, {})[ours] = per_million(
                    tier.cost, per_token=True, field_name=f"pricing.{field}_tiers")
    return [{"above_input_tokens": above, **rates} for above, rates in sorted(by_threshold.items())] or None


def _offering(m: VercelModel) -> OfferingObservation:
    facts: dict[str, Any] = {"name": m.name, "status": "active", "limits.context": m.context_window or None,
                             "limits.output": m.max_tokens or None}
    if m.pricing is not None:
        for field, ours in _COMPONENTS.items():
            facts[f"price.{ours}"] = per_million(getattr(m.pricing, field), per_token=True, field_name=f"pricing.{field}")
        facts["price.tiers"] = _tiers(m.pricing)
    return OfferingObservation(PROVIDER, check_upstream_id(m.id), drop_none(facts), drop_none({"name": m.name}))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v1/models`` body. Raises :class:`SourceError` if it is not one."""
    return parse_listing(payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)),
                         model=VercelModel, convert=_offering)


ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV)
