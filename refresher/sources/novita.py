"""Novita AI (``GET https://api.novita.ai/v3/openai/models``): models with their prices as
**integers in units of 0.0001 USD per 1M tokens** (``input_token_price_per_m: 630`` is $0.063
per 1M), the context size, and a status (1: serving)."""

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

SOURCE_ID = "novita"
PROVIDER = "novita-ai"
URL = "https://api.novita.ai/v3/openai/models"
KEY_ENV = "NOVITA_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "Novita AI", "base_url": "https://api.novita.ai/openai", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True


class NovitaModel(Upstream):
    id: str
    title: str | None = None
    context_size: int | None = None
    input_token_price_per_m: int | None = None
    output_token_price_per_m: int | None = None
    status: int | None = None


def _price(value: int | None, field_name: str) -> float | None:
    # 0.0001 USD per 1M tokens is 1 USD per 10^10 tokens
    return per_million(value, per_token=True, field_name=field_name, tokens_per_unit=10**10)


def _offering(m: NovitaModel) -> OfferingObservation:
    facts: dict[str, Any] = {
        "name": m.title,
        "status": "active" if m.status in (None, 1) else "deprecated",
        "limits.context": m.context_size or None,
        "price.input": _price(m.input_token_price_per_m, "input_token_price_per_m"),
        "price.output": _price(m.output_token_price_per_m, "output_token_price_per_m"),
    }
    return OfferingObservation(PROVIDER, check_upstream_id(m.id), drop_none(facts))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v3/openai/models`` body. Raises :class:`SourceError` if it is not one."""
    return parse_listing(payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)),
                         model=NovitaModel, convert=_offering)


ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
