"""OpenRouter (``GET https://openrouter.ai/api/v1/models``): OpenRouter's own offerings.

Prices are USD **per token as strings** (``"0.000003"`` = $3 per 1M); ``"-1"`` means unknown.
``pricing.overrides[]`` with ``min_prompt_tokens: N`` are context tiers. N is the vendor's own
threshold (Anthropic's and Google's "prompts over 200K tokens"), so it is stored as
``above_input_tokens: N`` with the vendor's exclusive boundary; reading it as inclusive would
disagree with every other source by one token.
``image``, ``request`` and ``web_search`` are USD per unit, not per token.
"""

from __future__ import annotations

from typing import Any

from gate_consumer.ids import check_upstream_id
from gate_consumer.instants import parse_date
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    OfferingObservation,
    ProviderObservation,
    Snapshot,
    Upstream,
    clean_modalities,
    drop_none,
    free_kind,
    parse_listing,
    per_token_prices,
)

SOURCE_ID = "openrouter"
PROVIDER = "openrouter"
URL = "https://openrouter.ai/api/v1/models"
KEY_ENV = "OPENROUTER_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {
    "name": "OpenRouter",
    "base_url": "https://openrouter.ai/api/v1",
    "api_key_env": [KEY_ENV],
    "docs_url": "https://openrouter.ai/docs",
    "pricing_url": "https://openrouter.ai/models",
}

# upstream pricing key → our price component (per-token keys are scaled to per 1M)
_PER_TOKEN = {
    "prompt": "input",
    "completion": "output",
    "input_cache_read": "cache_read",
    "input_cache_write": "cache_write",
    "input_cache_write_1h": "cache_write_1h",
    "internal_reasoning": "reasoning",
    "audio": "input_audio",
    "input_audio_cache": "cache_read_audio",
    "audio_output": "output_audio",
    "image_output": "image_output",
}
_PER_UNIT = {"image": "image", "request": "request", "web_search": "web_search"}
_TIER_KEYS = ("prompt", "completion", "input_cache_read", "input_cache_write", "input_cache_write_1h", "internal_reasoning")


class Override(Upstream):
    model_config = Upstream.model_config | {"extra": "allow"}
    min_prompt_tokens: int


class Pricing(Upstream):
    model_config = Upstream.model_config | {"extra": "allow"}
    prompt: str
    completion: str
    overrides: list[Override] | None = None


class Architecture(Upstream):
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None


class TopProvider(Upstream):
    context_length: int | None = None
    max_completion_tokens: int | None = None


class ORModel(Upstream):
    id: str
    canonical_slug: str | None = None
    hugging_face_id: str | None = None
    alias_target: str | None = None  # what a ~vendor/…-latest id stands for today
    name: str
    context_length: int | None = None
    architecture: Architecture | None = None
    pricing: Pricing
    top_provider: TopProvider | None = None
    supported_parameters: list[str] | None = None
    knowledge_cutoff: str | None = None
    expiration_date: str | None = None


def _price_facts(pricing: Pricing) -> dict[str, Any]:
    facts: dict[str, Any] = per_token_prices(pricing.model_dump(), _PER_TOKEN, _PER_UNIT)
    if pricing.overrides:
        tiers = []
        for i, override in enumerate(sorted(pricing.overrides, key=lambda o: o.min_prompt_tokens)):
            tier = per_token_prices(override.model_dump(), {k: _PER_TOKEN[k] for k in _TIER_KEYS}, {},
                                    f"pricing.overrides[{i}]")
            tiers.append({"above_input_tokens": override.min_prompt_tokens,
                          **{k.removeprefix("price."): v for k, v in drop_none(tier).items()}})
        facts["price.tiers"] = tiers
    return facts


def _model_name(name: str) -> str:
    """``"MoonshotAI: Kimi K3"`` → ``"Kimi K3"``: OpenRouter prefixes the vendor's name."""
    return name.split(": ", 1)[1] if ": " in name else name


def _offering(m: ORModel) -> OfferingObservation:
    upstream_id = check_upstream_id(m.id)
    params = set(m.supported_parameters or ())
    top = m.top_provider or TopProvider()
    arch = m.architecture or Architecture()
    facts: dict[str, Any] = {
        "name": m.name,
        "status": "deprecated" if m.expiration_date else "active",
        **_price_facts(m.pricing),
        "free": free_kind(PROVIDER, upstream_id, None, None),
        "limits.context": m.context_length or top.context_length or None,
        "limits.output": top.max_completion_tokens or None,
        "modalities.input": clean_modalities(arch.input_modalities),
        "modalities.output": clean_modalities(arch.output_modalities),
    }
    if m.supported_parameters is not None:
        facts |= {
            "capabilities.tools": "tools" in params,
            "capabilities.reasoning": bool(params & {"reasoning", "include_reasoning"}),
            "capabilities.structured_output": "structured_outputs" in params,
            "capabilities.temperature": "temperature" in params,
        }
    cutoff = m.knowledge_cutoff
    if cutoff is not None:
        try:
            parse_date(cutoff if len(cutoff) == 10 else cutoff + "-01")
        except ValueError:
            cutoff = None
    aliases = tuple(sorted({a for a in (m.canonical_slug, m.hugging_face_id) if a and a != m.id and _acceptable(a)}))
    target = m.alias_target if m.alias_target and m.alias_target != m.id and _acceptable(m.alias_target) else None
    return OfferingObservation(
        PROVIDER,
        upstream_id,
        drop_none(facts),
        {} if target else drop_none({"name": _model_name(m.name), "knowledge_cutoff": cutoff}),
        aliases,
        target,
    )


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse an OpenRouter ``/models`` body. Raises :class:`SourceError` if it is not one."""
    return parse_listing(
        payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)),
        model=ORModel, convert=_offering,
    )


def _acceptable(alias: str) -> bool:
    """Whether another name of the model passes the id policy (a hostile alias is dropped)."""
    try:
        check_upstream_id(alias)
    except ValueError:
        return False
    return True

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV)
