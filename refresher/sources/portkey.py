"""Portkey's pricing files (``pricing/<provider>.json`` of Portkey-AI/models): an independent
community catalog that confirms or contests the prices of offerings the catalog knows.

Shape: one file per provider (the source's *parts*), each an object model id → entry with
``pricing_config.pay_as_you_go`` rates in US **cents** per token (``request_token``,
``response_token``, ``cache_read_input_token``, ``cache_write_input_token``, audio,
``reasoning_token``; 1-hour cache writes under ``additional_units.cache_write_1h``) and
``pricing_config.batch_config`` for the batch API. A ``default`` entry per file is the
provider's template (all zeros), not a model. ``custom_pricing`` (regions, flex and priority
execution modes) waits for the price model of regions and service tiers.

Zero means "not set" in these files (the template is all zeros; image models carry 0 token
rates), so a zero rate is left out, and an entry whose input and output are both zero has no
token price — except an id OpenRouter marks ``:free``. The file's name says the provider; an
id is matched exactly. The source never creates providers or offerings (``confirms_only``);
an entry that maps to nothing is counted by reason, and one with an implausible price (whisper's
per-minute rate written as a per-token one) is skipped and named.
"""

from __future__ import annotations

from typing import Any

from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import Snapshot, SourceError, load_json, observe_entry, per_million

SOURCE_ID = "portkey"
URL = "https://raw.githubusercontent.com/Portkey-AI/models/main/pricing/"
KEY_ENV = None  # the only variable whose key this source receives

#: Portkey's file name → our provider. Only these files are fetched live; a replay reads every
#: recorded file and counts the entries of the others as not mapped.
PROVIDERS = {
    "anthropic": "anthropic", "azure-openai": "azure", "bedrock": "amazon-bedrock", "cerebras": "cerebras",
    "cohere": "cohere", "dashscope": "alibaba", "deepinfra": "deepinfra", "deepseek": "deepseek",
    "fireworks-ai": "fireworks-ai", "google": "google", "groq": "groq", "minimax": "minimax",
    "mistral-ai": "mistral", "moonshot": "moonshotai", "nebius": "nebius", "novita-ai": "novita-ai",
    "openai": "openai", "openrouter": "openrouter", "perplexity-ai": "perplexity", "together-ai": "togetherai",
    "vertex-ai": "google-vertex", "workers-ai": "cloudflare-workers-ai", "x-ai": "xai", "z-ai": "zai",
    "zhipu": "zhipuai",
}
#: The files a live refresh fetches, each at ``<url><part>.json``.
PARTS = tuple(sorted(PROVIDERS))

_CENTS_PER_TOKEN = {
    "request_token": "input", "response_token": "output", "cache_read_input_token": "cache_read",
    "cache_write_input_token": "cache_write", "request_audio_token": "input_audio",
    "response_audio_token": "output_audio", "reasoning_token": "reasoning",
    "cache_read_audio_input_token": "cache_read_audio", "request_image_token": "input_image",
    "response_image_token": "image_output",
}
_BATCH = {"request_token": "input", "response_token": "output", "cache_read_input_token": "cache_read"}


def parse(payload: bytes, observed_at: str, part: str | None = None) -> Snapshot:
    """Parse one provider's file; ``part`` is its name (``anthropic`` for ``anthropic.json``).
    Raises :class:`SourceError` if it is not a pricing file."""
    if part is None:
        raise SourceError(f"{SOURCE_ID}: a pricing file is read with its name (the provider)")
    data = load_json(payload, f"{SOURCE_ID} {part}.json")
    if not isinstance(data, dict):
        raise SourceError(f"{SOURCE_ID}: {part}.json: expected an object of models, got {type(data).__name__}")
    snapshot = Snapshot(SOURCE_ID, observed_at, confirms_only=True)
    provider = PROVIDERS.get(part)
    for model_id, entry in sorted(data.items()):
        if model_id == "default":
            continue
        snapshot.records += 1
        if provider is None:
            snapshot.unmapped[f"provider file {part[:40]} not mapped"] += 1
        else:
            observe_entry(snapshot, provider, model_id, lambda m=model_id, e=entry: _prices(m, e))
    return snapshot


def _prices(model_id: str, entry: Any) -> dict[str, Any]:
    config = entry.get("pricing_config") if isinstance(entry, dict) else None
    if config is None:
        return {}
    if not isinstance(config, dict) or config.get("currency", "USD") != "USD":
        raise ValueError(f"pricing_config: not an object in USD cents ({str(config)[:40]})")
    rates = _rates(config.get("pay_as_you_go"), _CENTS_PER_TOKEN, "pay_as_you_go")
    extra = (config.get("pay_as_you_go") or {}).get("additional_units")
    if isinstance(extra, dict):
        rates |= _rates({"cache_write_1h": extra.get("cache_write_1h")}, {"cache_write_1h": "cache_write_1h"},
                        "additional_units")
    free = model_id.endswith(":free") and rates.get("input") == 0 and rates.get("output") == 0
    facts = {f"price.{k}": v for k, v in sorted(rates.items()) if v or (free and k in ("input", "output"))}
    if "price.input" not in facts and "price.output" not in facts:
        return {}
    batch = {k: v for k, v in _rates(config.get("batch_config"), _BATCH, "batch_config").items() if v}
    if batch:
        facts["price.batch"] = dict(sorted(batch.items()))
    return facts


def _rates(block: Any, names: dict[str, str], where: str) -> dict[str, float]:
    """Our components from one block of ``{"<rate>": {"price": cents per token}}``, in USD per 1M."""
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise ValueError(f"{where}: not an object")
    rates = {}
    for name, ours in names.items():
        rate = block.get(name)
        if rate is None:
            continue
        if not isinstance(rate, dict):
            raise ValueError(f"{where}.{name}: not an object with a price")
        value = per_million(rate.get("price"), per_token=True, cents=True, field_name=f"{where}.{name}")
        if value is not None:
            rates[ours] = value
    return rates

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, parts=PARTS, part_providers=PROVIDERS)
