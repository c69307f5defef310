"""Langfuse's default model prices (``worker/src/constants/default-model-prices.json`` of
langfuse/langfuse): an independent community catalog that confirms or contests the prices of
offerings the catalog knows.

Shape: a list of models, each with a ``matchPattern`` (a regular expression on the model name a
client reports, e.g. ``(?i)^(anthropic/)?(claude-sonnet-4-5(-20250929)?|…anthropic\\.claude-…)$``)
and ``pricingTiers``: a default tier and tiers with ``conditions`` (``input`` ``gt`` 200000 is a
context tier), each with ``prices`` in USD **per token** under several synonymous names
(``input_cache_read`` = ``input_cached_tokens`` = ``cache_read_input_tokens``…).

Langfuse names no provider: its prices are the vendors' list prices, and its patterns spell out
the ids of the vendors' own APIs and of Bedrock and Vertex. So a rule is matched against the
offerings of :data:`PROVIDERS` (the first rule in Langfuse's order that matches an id wins),
except Bedrock's geographic cross-region profiles (``us.``, ``eu.``, ``apac.``…), which cost
more than the rate Langfuse gives them. It never creates a provider, an offering or a model; a
rule that matches nothing is counted by reason.
"""

from __future__ import annotations

import re
from typing import Any

from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    MatchRule,
    Snapshot,
    SourceError,
    check_values,
    load_json,
    per_million,
)

SOURCE_ID = "langfuse"
URL = "https://raw.githubusercontent.com/langfuse/langfuse/main/worker/src/constants/default-model-prices.json"
KEY_ENV = None  # the only variable whose key this source receives

#: the providers whose offering ids Langfuse's patterns are written for
PROVIDERS = ("anthropic", "openai", "google", "amazon-bedrock", "google-vertex", "google-vertex-anthropic")
#: Bedrock's geographic profiles: priced above the list price (the price-model issue prices them)
_GEOGRAPHIC = re.compile(r"^(?:us|eu|apac|au|jp|ca|us-gov)\.")

#: our component → Langfuse's names for it, all USD per token; synonyms must agree
_COMPONENTS = {
    "input": ("input", "input_tokens", "input_text"),
    "output": ("output", "output_tokens", "output_text"),
    "cache_read": ("input_cache_read", "input_cached_tokens", "cache_read_input_tokens"),
    "cache_write": ("input_cache_creation", "input_cache_creation_5m", "cache_creation_input_tokens"),
    "cache_write_1h": ("input_cache_creation_1h",),
    "reasoning": ("output_reasoning", "output_reasoning_tokens"),
    "input_audio": ("input_audio", "input_audio_tokens"),
    "input_image": ("input_image",),
    "cache_read_audio": ("input_cached_audio_tokens",),
    "output_audio": ("output_audio", "output_audio_tokens"),
}


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse the list of default prices. Raises :class:`SourceError` if it is not one."""
    data = load_json(payload, SOURCE_ID)
    if not isinstance(data, list):
        raise SourceError(f"{SOURCE_ID}: expected a list of models, got {type(data).__name__}")
    snapshot = Snapshot(SOURCE_ID, observed_at, confirms_only=True)
    for entry in data:
        snapshot.records += 1
        reason, rule = _rule(entry)
        if rule is None:
            snapshot.unmapped[reason] += 1
        else:
            snapshot.rules.append(rule)
    return snapshot


def _rule(entry: Any) -> tuple[str, MatchRule | None]:
    if not isinstance(entry, dict) or not isinstance(entry.get("modelName"), str):
        return "invalid: a model without a modelName", None
    try:
        pattern = re.compile(str(entry.get("matchPattern")))
        facts = _facts(entry.get("pricingTiers"))
        check_values(facts)
    except (ValueError, TypeError, re.error) as exc:
        return f"invalid: {str(exc).split(':', 1)[0][:60]}", None
    if not facts:
        return "no token price", None

    def matches(upstream_id: str) -> bool:
        return _GEOGRAPHIC.match(upstream_id) is None and pattern.search(upstream_id) is not None

    return "", MatchRule(PROVIDERS, entry["modelName"], matches, facts)


def _facts(tiers: Any) -> dict[str, Any]:
    if not isinstance(tiers, list) or not all(isinstance(t, dict) for t in tiers):
        raise ValueError("pricingTiers is not a list of tiers")
    defaults = [t for t in tiers if t.get("isDefault")]
    if len(defaults) != 1:
        raise ValueError(f"pricingTiers: {len(defaults)} default tiers")
    facts = {f"price.{k}": v for k, v in _prices(defaults[0].get("prices")).items()}
    if "price.input" not in facts and "price.output" not in facts:
        return {}
    above = []
    for tier in sorted((t for t in tiers if not t.get("isDefault")), key=lambda t: str(t.get("priority"))):
        above.append({"above_input_tokens": _threshold(tier.get("conditions")), **dict(sorted(_prices(tier.get("prices")).items()))})
    if above:
        facts["price.tiers"] = sorted(above, key=lambda t: t["above_input_tokens"])
    return facts


def _threshold(conditions: Any) -> int:
    """The prompt size a tier starts above. Langfuse sums the usage details whose name the
    pattern matches (``input``, ``(input|prompt|cached)``): a pattern that takes in the input
    tokens and a ``gt`` bound is a context tier; any other condition is not one we can state."""
    match conditions:
        case [{"usageDetailPattern": str(pattern), "operator": "gt", "value": int(value)}] \
                if value > 0 and re.search(pattern, "input", re.IGNORECASE):
            return value
    raise ValueError(f"conditions {str(conditions)[:60]} are not a context tier")


def _prices(prices: Any) -> dict[str, float]:
    if not isinstance(prices, dict):
        raise ValueError("prices is not an object")
    found: dict[str, float] = {}
    for component, names in _COMPONENTS.items():
        values = {name: per_million(prices[name], per_token=True, field_name=name) for name in names if name in prices}
        distinct = {v for v in values.values() if v is not None}
        if len(distinct) > 1:
            raise ValueError(f"{' and '.join(values)}: synonyms with different prices")
        if distinct:
            found[component] = distinct.pop()
    return found

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV)
