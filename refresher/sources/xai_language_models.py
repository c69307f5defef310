"""xAI's language models (``GET https://api.x.ai/v1/language-models``): each model with its
modalities, aliases (``grok-3-latest``) and prices as **US cents per 100 million tokens**
(``prompt_text_token_price: 30000`` is $3.00 per 1M): prompt, cached prompt, completion, and a
search price per source (not a token price: left out). An image prompt price of 0 with image
input is no statement (it is unset there)."""

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
    per_million,
)

SOURCE_ID = "xai-language-models"
PROVIDER = "xai"
URL = "https://api.x.ai/v1/language-models"
KEY_ENV = "XAI_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "xAI", "base_url": "https://api.x.ai/v1", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True


class XaiLanguageModel(Upstream):
    id: str
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None
    prompt_text_token_price: int | None = None
    cached_prompt_text_token_price: int | None = None
    prompt_image_token_price: int | None = None
    completion_text_token_price: int | None = None
    aliases: list[str] | None = None


def _price(value: int | None, field_name: str, *, unset_at_zero: bool = False) -> float | None:
    if unset_at_zero and value == 0:
        return None
    return per_million(value, per_token=True, field_name=field_name, cents=True, tokens_per_unit=100_000_000)


def _offering(m: XaiLanguageModel) -> OfferingObservation:
    facts: dict[str, Any] = {
        "status": "active",
        "modalities.input": clean_modalities(m.input_modalities),
        "modalities.output": clean_modalities(m.output_modalities),
        "price.input": _price(m.prompt_text_token_price, "prompt_text_token_price"),
        "price.cache_read": _price(m.cached_prompt_text_token_price, "cached_prompt_text_token_price"),
        "price.input_image": _price(m.prompt_image_token_price, "prompt_image_token_price", unset_at_zero=True),
        "price.output": _price(m.completion_text_token_price, "completion_text_token_price"),
    }
    aliases = tuple(check_upstream_id(a) for a in m.aliases or ())
    return OfferingObservation(PROVIDER, check_upstream_id(m.id), drop_none(facts), aliases=aliases)


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v1/language-models`` body (``{"models": [...]}``)."""
    return parse_listing(payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)),
                         model=XaiLanguageModel, convert=_offering, key="models")


ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
