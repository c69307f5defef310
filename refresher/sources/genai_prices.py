"""genai-prices' v2 feed (``prices/data.json`` of pydantic/genai-prices): an independent
community catalog that confirms or contests the prices of offerings the catalog knows.

Shape: a list of providers, each with ``models``: ``id``, a ``match`` rule (``equals``,
``starts_with``, ``ends_with``, ``contains``, ``regex``, ``or`` / ``and`` of rules) and
``prices`` in USD **per 1M tokens** (``input_mtok``, ``output_mtok``, ``cache_read_mtok``,
``cache_write_mtok``, ``cache_write_1h_mtok``, audio, ``output_reasoning_mtok``). A price can
be ``{"base": 3, "tiers": [{"start": 200000, "price": 6}]}``: a context tier for prompts over
``start`` tokens. ``prices`` as a list is prices with constraints: by date (``start_date``: the
entry in effect when the feed was observed is taken) or by time of day (``start_time`` /
``end_time``: that entry is the standard price, the unconstrained one the ``off_peak`` price
outside the window — DeepSeek's).

A rule names no offering by itself: it is matched, as genai-prices matches, against the ids
of the provider's offerings in the tree when the source is reconciled (the first rule of the
provider that matches an id wins). It never creates a provider, an offering or a model; a rule
that matches nothing and a provider that maps to none of ours are counted by reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gate_consumer.instants import TIME_RANGE
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    MatchRule,
    Snapshot,
    SourceError,
    check_values,
    load_json,
    per_million,
)

SOURCE_ID = "genai-prices"
URL = "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json"
KEY_ENV = None  # the only variable whose key this source receives

#: genai-prices provider id → ours
PROVIDERS = {
    "anthropic": "anthropic", "aws": "amazon-bedrock", "azure": "azure", "cerebras": "cerebras",
    "cohere": "cohere", "deepseek": "deepseek", "fireworks": "fireworks-ai", "google": "google",
    "groq": "groq", "minimax": "minimax", "mistral": "mistral", "moonshotai": "moonshotai",
    "novita": "novita-ai", "openai": "openai", "openrouter": "openrouter", "ovhcloud": "ovhcloud",
    "perplexity": "perplexity", "together": "togetherai", "x-ai": "xai", "zhipuai": "zhipuai",
}
_OFF_PEAK_PARTS = ("input", "output", "cache_read")
_COMPONENTS = {
    "input_mtok": "input", "output_mtok": "output", "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write", "cache_write_1h_mtok": "cache_write_1h",
    "input_audio_mtok": "input_audio", "input_image_mtok": "input_image", "cache_audio_read_mtok": "cache_read_audio",
    "output_audio_mtok": "output_audio", "output_reasoning_mtok": "reasoning", "output_image_mtok": "image_output",
}


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse the feed. Raises :class:`SourceError` if it is not one."""
    data = load_json(payload, SOURCE_ID)
    if not isinstance(data, list):
        raise SourceError(f"{SOURCE_ID}: expected a list of providers, got {type(data).__name__}")
    snapshot = Snapshot(SOURCE_ID, observed_at, confirms_only=True)
    for provider in data:
        if not isinstance(provider, dict) or not isinstance(provider.get("models"), list):
            raise SourceError(f"{SOURCE_ID}: a provider without a list of models")
        ours = PROVIDERS.get(str(provider.get("id")))
        for model in provider["models"]:
            snapshot.records += 1
            reason = None if ours else f"provider {str(provider.get('id'))[:40]} not mapped"
            rule = None
            if reason is None:
                reason, rule = _rule(ours, model, observed_at)
            if rule is None:
                snapshot.unmapped[reason] += 1
            else:
                snapshot.rules.append(rule)
    return snapshot


def _rule(provider: str, model: Any, observed_at: str) -> tuple[str, MatchRule | None]:
    if not isinstance(model, dict) or not isinstance(model.get("id"), str):
        return "invalid: a model without an id", None
    try:
        matcher = _matcher(model.get("match"))
        facts = _constrained(model.get("prices"), observed_at)
        check_values(facts)
    except (ValueError, TypeError, re.error) as exc:
        return f"invalid: {str(exc).split(':', 1)[0][:60]}", None
    if not facts:
        return "no token price", None
    return "", MatchRule((provider,), model["id"], matcher, facts)


def _matcher(rule: Any) -> Callable[[str], bool]:
    """A predicate on a lower-cased id from one genai-prices match rule."""
    if not isinstance(rule, dict) or len(rule) != 1:
        raise ValueError(f"match rule {str(rule)[:60]} is not one clause")
    ((kind, arg),) = rule.items()
    if kind in ("or", "and"):
        parts = [_matcher(r) for r in arg]
        combine = any if kind == "or" else all
        return lambda text: combine(p(text) for p in parts)
    if not isinstance(arg, str):
        raise ValueError(f"match clause {kind} needs a string")
    needle = arg.lower()
    if kind == "equals":
        return lambda text: text == needle
    if kind == "starts_with":
        return lambda text: text.startswith(needle)
    if kind == "ends_with":
        return lambda text: text.endswith(needle)
    if kind == "contains":
        return lambda text: needle in text
    if kind == "regex":
        pattern = re.compile(arg, re.IGNORECASE)
        return lambda text: pattern.search(text) is not None
    raise ValueError(f"match clause {kind} is unknown")


def _constrained(prices: Any, observed_at: str) -> dict[str, Any]:
    """The facts of ``prices``: one object, or a list of constrained ones (module docstring)."""
    if not isinstance(prices, list):
        return _prices(prices)
    entries = [(e.get("constraint") or {}, e.get("prices")) for e in prices if isinstance(e, dict)]
    timed = [(c, p) for c, p in entries if "start_time" in c or "end_time" in c]
    plain = [p for c, p in entries if not c]
    if timed:
        if len(timed) != 1 or len(plain) != 1 or len(entries) != 2:
            raise ValueError("time constraints: expected one constrained and one unconstrained price")
        ((constraint, standard),) = timed
        start, end = (str(constraint.get(k, ""))[:5] for k in ("start_time", "end_time"))
        facts = _prices(standard)
        off_peak = {k.removeprefix("price."): v for k, v in _prices(plain[0]).items() if k[6:] in _OFF_PEAK_PARTS}
        facts["price.off_peak"] = {**dict(sorted(off_peak.items())), "windows": [{"hours_utc": [f"{end}-{start}"],
                                                                                 "weekdays": [1, 2, 3, 4, 5, 6, 7]}]}
        if not TIME_RANGE.fullmatch(f"{end}-{start}"):
            raise ValueError(f"time constraints: {start}-{end} is not HH:MM-HH:MM")
        return facts
    if any(set(c) - {"start_date"} for c, _ in entries):
        raise ValueError("an unknown constraint (not start_date or start/end_time)")
    day = observed_at[:10]
    in_effect = [(str(c.get("start_date", "")), p) for c, p in entries if str(c.get("start_date", "")) <= day]
    if not in_effect:
        return {}
    return _prices(max(in_effect, key=lambda e: e[0])[1])


def _prices(prices: Any) -> dict[str, Any]:
    if not isinstance(prices, dict):
        raise ValueError("prices is not an object")
    facts: dict[str, Any] = {}
    tiers: dict[int, dict[str, float]] = {}
    for name, value in prices.items():
        component = _COMPONENTS.get(name)
        if component is None:
            continue
        if isinstance(value, dict):
            base = per_million(value.get("base"), per_token=False, field_name=name)
            for tier in value.get("tiers") or ():
                start = tier.get("start")
                if not isinstance(start, int) or isinstance(start, bool) or start <= 0:
                    raise ValueError(f"{name}: a tier without a positive start")
                tiers.setdefault(start, {})[component] = per_million(tier.get("price"), per_token=False,
                                                                      field_name=f"{name}.tiers")
        else:
            base = per_million(value, per_token=False, field_name=name)
        if base is not None:
            facts[f"price.{component}"] = base
    if "price.input" not in facts and "price.output" not in facts:
        return {}
    if tiers:
        facts["price.tiers"] = [{"above_input_tokens": n, **dict(sorted(t.items()))} for n, t in sorted(tiers.items())]
    return facts

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV)
