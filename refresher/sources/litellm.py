"""LiteLLM's price map (``model_prices_and_context_window.json``): an independent community
catalog that confirms or contests the prices of offerings the catalog already knows.

Shape: one object, model key → entry with ``litellm_provider`` and prices in USD **per token**
(numbers): ``input_cost_per_token``, ``output_cost_per_token``, ``cache_read_input_token_cost``,
``cache_creation_input_token_cost`` (5-minute writes), ``…_above_1hr`` (1-hour writes),
``output_cost_per_reasoning_token``, audio, ``…_above_200k_tokens`` (a context tier: prompts
over 200,000 tokens; also 128k and 272k), the service tiers ``…_batches``, ``…_flex`` and
``…_priority``, and ``off_peak_pricing`` (prices and UTC windows: DeepSeek's off-peak hours).

Keys are the provider's own id behind a LiteLLM prefix (``gemini/gemini-2.5-pro``,
``deepinfra/Qwen/QwQ-32B``); the prefix is removed to find the offering. Bedrock's cross-region
profiles (``us.anthropic.…``, ``global.…``) are offerings of their own. A region path
(``bedrock/us-gov-east-1/anthropic.…``) is that offering's price in that region
(``price.regions``), stated with its entry for the default region; commitment paths
(``bedrock/*/1-month-commitment/…``, provisioned throughput) are not token prices. The source
never creates providers or offerings (``confirms_only``): an entry that maps to nothing is
counted by reason in the run's summary.
"""

from __future__ import annotations

import re
from typing import Any

from gate_consumer.ids import shown
from gate_consumer.instants import TIME_RANGE
from refresher.rules.risks import risk_of
from refresher.rules.sanity import TOKEN_PRICE_FIELDS as _TOKEN_FIELDS
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    Skipped,
    Snapshot,
    SourceError,
    load_json,
    observe_entry,
    per_million,
)

SOURCE_ID = "litellm"
URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
KEY_ENV = None  # the only variable whose key this source receives

#: litellm_provider → (our provider, the key prefixes LiteLLM puts before the provider's own id)
PROVIDERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "anthropic": ("anthropic", ("anthropic/",)),
    "openai": ("openai", ("openai/",)),
    "text-completion-openai": ("openai", ()),  # davinci-002, babbage-002: OpenAI's completion models
    "gemini": ("google", ("gemini/",)),
    "groq": ("groq", ("groq/",)),
    "mistral": ("mistral", ("mistral/",)),
    "deepinfra": ("deepinfra", ("deepinfra/",)),
    "together_ai": ("togetherai", ("together_ai/",)),
    "fireworks_ai": ("fireworks-ai", ("fireworks_ai/",)),
    "xai": ("xai", ("xai/",)),
    "deepseek": ("deepseek", ("deepseek/",)),
    "bedrock": ("amazon-bedrock", ("bedrock/",)),
    "bedrock_converse": ("amazon-bedrock", ("bedrock/converse/", "bedrock/")),
    "bedrock_mantle": ("amazon-bedrock", ("bedrock_mantle/",)),  # Bedrock's OpenAI-compatible endpoint
    "vertex_ai-anthropic_models": ("google-vertex-anthropic", ("vertex_ai/",)),
    "vertex_ai-language-models": ("google-vertex", ("vertex_ai/",)),
    "azure": ("azure", ("azure/",)),
    "azure_ai": ("azure-cognitive-services", ("azure_ai/",)),
    "cerebras": ("cerebras", ("cerebras/",)),
    "perplexity": ("perplexity", ("perplexity/",)),
    "cohere_chat": ("cohere", ("cohere_chat/", "cohere/")),
    "nebius": ("nebius", ("nebius/",)),
    "novita": ("novita-ai", ("novita/",)),
    "openrouter": ("openrouter", ("openrouter/",)),
    "vercel_ai_gateway": ("vercel", ("vercel_ai_gateway/",)),
    "moonshot": ("moonshotai", ("moonshot/",)),
    "dashscope": ("alibaba", ("dashscope/",)),
    "databricks": ("databricks", ("databricks/",)),
    "aihubmix": ("aihubmix", ("aihubmix/",)),
    "github_copilot": ("github-copilot", ("github_copilot/",)),
    "cloudflare": ("cloudflare-workers-ai", ("cloudflare/",)),
    "gmi": ("gmicloud", ("gmi/",)),
    "wandb": ("wandb", ("wandb/",)),
    "snowflake": ("snowflake-cortex", ("snowflake/",)),
}
#: ``bedrock/<region>/<id>``: the price of ``<id>`` in one AWS region
_REGION_PATH = re.compile(r"^bedrock(?:_mantle)?/(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)/(?P<id>.+)$")
_COMMITMENT = re.compile(r"^bedrock/\*/|/\d+-month-commitment/")
#: a region inside another provider's key (``vertex_ai/us-central1/…``): no offering is named so
_OTHER_REGION = re.compile(r"/[a-z]{2}-[a-z]+-?\d/")

# upstream key → our component, all USD per token
_COMPONENTS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_reasoning_token": "reasoning",
    "input_cost_per_audio_token": "input_audio",
    "input_cost_per_image_token": "input_image",
    "cache_read_input_audio_token_cost": "cache_read_audio",
    "output_cost_per_audio_token": "output_audio",
    "output_cost_per_image_token": "image_output",  # image-generating models: apart from text output
}
_TIER = re.compile(r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|"
                   r"cache_creation_input_token_cost)_above_(\d+)k_tokens$")
_SERVICE_TIER = re.compile(r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|"
                           r"cache_creation_input_token_cost)_(batches|flex|priority)$")
_SERVICE_NAMES = {"batches": "batch", "flex": "flex", "priority": "priority"}
_OFF_PEAK = {"input_cost_per_token": "input", "output_cost_per_token": "output",
             "cache_read_input_token_cost": "cache_read"}


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse the price map. Raises :class:`SourceError` if it is not one."""
    data = load_json(payload, SOURCE_ID)
    if not isinstance(data, dict):
        raise SourceError(f"{SOURCE_ID}: expected an object of models, got {type(data).__name__}")
    snapshot = Snapshot(SOURCE_ID, observed_at, confirms_only=True)
    regional: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    entries: list[tuple[str, str, dict[str, Any]]] = []
    for key, entry in sorted(data.items()):
        if key == "sample_spec" or not isinstance(entry, dict):
            continue
        snapshot.records += 1
        upstream = entry.get("litellm_provider")
        mapped = PROVIDERS.get(upstream) if isinstance(upstream, str) else None
        if mapped is None:
            snapshot.unmapped[f"provider {str(upstream)[:40]} not mapped"] += 1
        elif _COMMITMENT.search(key):
            snapshot.unmapped["provisioned throughput (a commitment, not a token price)"] += 1
        elif (region := _REGION_PATH.match(key)) is not None:
            try:
                prices = _prices(entry)
            except ValueError as exc:
                snapshot.skipped.append(Skipped(shown(key)[:80], str(exc)[:200], mapped[0], risk=risk_of(exc)))
                continue
            own = {k.removeprefix("price."): v for k, v in prices.items() if k[6:] in _TOKEN_FIELDS}
            if own:
                regional.setdefault((mapped[0], region["id"]), {})[region["region"]] = own
            else:
                snapshot.unmapped["no token price"] += 1
        elif _OTHER_REGION.search(key):
            snapshot.unmapped["region-specific price of a provider without regional offerings"] += 1
        else:
            provider, prefixes = mapped
            entries.append((provider, next((key[len(p):] for p in prefixes if key.startswith(p)), key), entry))
    for provider, upstream_id, entry in entries:
        regions = regional.pop((provider, upstream_id), None)
        observe_entry(snapshot, provider, upstream_id, lambda e=entry, r=regions: _prices(e, r))
    for regions in regional.values():  # a region path without an entry for the default region
        snapshot.unmapped["regional price of an id it lists no default price for"] += len(regions)
    return snapshot


def _prices(entry: dict[str, Any], regions: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    tiers: dict[int, dict[str, float | None]] = {}
    service: dict[str, dict[str, float | None]] = {}
    for name, value in entry.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        if name in _COMPONENTS:
            facts[f"price.{_COMPONENTS[name]}"] = per_million(value, per_token=True, field_name=name)
        elif (match := _TIER.match(name)) is not None:
            base = _COMPONENTS[match.group(1)]
            tiers.setdefault(int(match.group(2)) * 1000, {})[base] = per_million(value, per_token=True, field_name=name)
        elif (match := _SERVICE_TIER.match(name)) is not None:
            tier = service.setdefault(_SERVICE_NAMES[match.group(2)], {})
            tier[_COMPONENTS[match.group(1)]] = per_million(value, per_token=True, field_name=name)
    facts = {k: v for k, v in facts.items() if v is not None}
    if "price.input" not in facts and "price.output" not in facts:
        return {}
    if tiers:
        facts["price.tiers"] = [{"above_input_tokens": n, **{k: v for k, v in sorted(t.items()) if v is not None}}
                                for n, t in sorted(tiers.items())]
    for name, prices in sorted(service.items()):
        stated = {k: v for k, v in sorted(prices.items()) if v is not None}
        if stated:
            facts[f"price.{name}"] = stated
    if isinstance(entry.get("off_peak_pricing"), dict):
        facts["price.off_peak"] = _off_peak(entry["off_peak_pricing"])
    if regions:
        facts["price.regions"] = dict(sorted(regions.items()))
    return facts


def _off_peak(raw: dict[str, Any]) -> dict[str, Any]:
    """``off_peak_pricing`` as our ``off_peak``: its prices, and windows of UTC hours per weekday."""
    prices = {ours: per_million(raw.get(name), per_token=True, field_name=f"off_peak_pricing.{name}")
              for name, ours in _OFF_PEAK.items()}
    windows = []
    for window in raw.get("windows") or ():
        hours = window.get("hours_utc") if isinstance(window, dict) else None
        hours = [hours] if isinstance(hours, str) else hours
        if not isinstance(hours, list) or not hours:
            raise ValueError("off_peak_pricing.windows: a window without hours_utc")
        weekdays = window.get("weekdays") or [1, 2, 3, 4, 5, 6, 7]
        if not all(isinstance(h, str) and TIME_RANGE.fullmatch(h) for h in hours) or \
                not all(type(d) is int and 1 <= d <= 7 for d in weekdays):
            raise ValueError(f"off_peak_pricing.windows: {str(window)[:80]} is not hours HH:MM-HH:MM on weekdays 1-7")
        windows.append({"hours_utc": hours, "weekdays": weekdays})
    if not windows:
        raise ValueError("off_peak_pricing: no windows")
    zone = {"weekday_time_zone": raw["weekday_timezone"]} if raw.get("weekday_timezone") else {}
    return {**{k: v for k, v in sorted(prices.items()) if v is not None}, "windows": windows, **zone}

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV)
