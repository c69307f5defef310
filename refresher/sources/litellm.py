"""LiteLLM's price map (``model_prices_and_context_window.json``): an independent community
catalog that confirms or contests the prices of offerings the catalog already knows.

Shape: one object, model key → entry with ``litellm_provider`` and prices in USD **per token**
(numbers): ``input_cost_per_token``, ``output_cost_per_token``, ``cache_read_input_token_cost``,
``cache_creation_input_token_cost`` (5-minute writes), ``…_above_1hr`` (1-hour writes),
``output_cost_per_reasoning_token``, audio, ``…_above_200k_tokens`` (a context tier: prompts
over 200,000 tokens; also 128k and 272k), and ``…_batches`` (the batch API).

Keys are the provider's own id behind a LiteLLM prefix (``gemini/gemini-2.5-pro``,
``deepinfra/Qwen/QwQ-32B``); the prefix is removed to find the offering. Region paths
(``bedrock/us-east-1/…``) and ``flex``/``priority`` prices wait for the price model of regions
and service tiers. The source never creates providers or offerings (``confirms_only``): an
entry that maps to nothing is counted by reason in the run's summary.
"""

from __future__ import annotations

import re
from typing import Any

from refresher.sources.base import Snapshot, SourceError, load_json, observe_entry, per_million

SOURCE_ID = "litellm"
URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
KEY_ENV = None  # the only variable whose key this source receives

#: litellm_provider → (our provider, the key prefixes LiteLLM puts before the provider's own id)
PROVIDERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "anthropic": ("anthropic", ("anthropic/",)),
    "openai": ("openai", ("openai/",)),
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
_REGION = re.compile(r"^bedrock/(?:[a-z]{2}(?:-gov)?-[a-z]+-\d|\*)/|^(?:us|eu|apac|global)\.|/[a-z]{2}-[a-z]+-\d/")

# upstream key → our component, all USD per token
_COMPONENTS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "output_cost_per_reasoning_token": "reasoning",
    "input_cost_per_audio_token": "input_audio",
    "output_cost_per_audio_token": "output_audio",
}
_TIER = re.compile(r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|"
                   r"cache_creation_input_token_cost)_above_(\d+)k_tokens$")
_BATCH = {"input_cost_per_token_batches": "input", "output_cost_per_token_batches": "output"}


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse the price map. Raises :class:`SourceError` if it is not one."""
    data = load_json(payload, SOURCE_ID)
    if not isinstance(data, dict):
        raise SourceError(f"{SOURCE_ID}: expected an object of models, got {type(data).__name__}")
    snapshot = Snapshot(SOURCE_ID, observed_at, confirms_only=True)
    for key, entry in sorted(data.items()):
        if key == "sample_spec" or not isinstance(entry, dict):
            continue
        snapshot.records += 1
        upstream = entry.get("litellm_provider")
        mapped = PROVIDERS.get(upstream) if isinstance(upstream, str) else None
        if mapped is None:
            snapshot.unmapped[f"provider {str(upstream)[:40]} not mapped"] += 1
        elif _REGION.search(key):
            snapshot.unmapped["region-specific price (waits for regional prices)"] += 1
        else:
            provider, prefixes = mapped
            upstream_id = next((key[len(p):] for p in prefixes if key.startswith(p)), key)
            observe_entry(snapshot, provider, upstream_id, lambda e=entry: _prices(e))
    return snapshot


def _prices(entry: dict[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    tiers: dict[int, dict[str, float]] = {}
    batch: dict[str, float] = {}
    for name, value in entry.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        if name in _COMPONENTS:
            facts[f"price.{_COMPONENTS[name]}"] = per_million(value, per_token=True, field_name=name)
        elif (match := _TIER.match(name)) is not None:
            base = _COMPONENTS[match.group(1)]
            tiers.setdefault(int(match.group(2)) * 1000, {})[base] = per_million(value, per_token=True, field_name=name)
        elif name in _BATCH:
            batch[_BATCH[name]] = per_million(value, per_token=True, field_name=name)  # type: ignore[assignment]
    facts = {k: v for k, v in facts.items() if v is not None}
    if "price.input" not in facts and "price.output" not in facts:
        return {}
    if tiers:
        facts["price.tiers"] = [{"above_input_tokens": n, **{k: v for k, v in sorted(t.items()) if v is not None}}
                                for n, t in sorted(tiers.items())]
    batch = {k: v for k, v in batch.items() if v is not None}
    if batch:
        facts["price.batch"] = dict(sorted(batch.items()))
    return facts
