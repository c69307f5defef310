"""Models.dev (``https://models.dev/api.json``): a community catalog of providers and their models.

Shape: ``{provider_id: {id, name, env, npm, api?, doc, models: {model_id: {...}}}}``; prices
(``cost``) in USD per 1M tokens, context tiers in ``cost.tiers`` (or the older
``cost.context_over_200k``, which means "above 200,000 input tokens").
"""

from __future__ import annotations

from typing import Any

from gate_consumer.ids import check_upstream_id, slugify
from gate_consumer.instants import parse_date
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    OfferingObservation,
    ProviderObservation,
    Skipped,
    Snapshot,
    SourceError,
    Upstream,
    clean_modalities,
    drop_none,
    free_kind,
    load_json,
    parse_records,
    per_million,
    record_label,
)

SOURCE_ID = "modelsdev"
URL = "https://models.dev/api.json"
KEY_ENV = None  # the only variable whose key this source receives
_STATUS = {"deprecated": "deprecated", "beta": "preview", "alpha": "preview"}
_TOKEN_PRICES = ("input", "output", "cache_read", "cache_write", "reasoning", "input_audio", "output_audio")


class TierBound(Upstream):
    type: str
    size: int


class PriceSet(Upstream):
    input: float | None = None
    output: float | None = None
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    input_audio: float | None = None
    output_audio: float | None = None


class Tier(PriceSet):
    tier: TierBound


class Cost(PriceSet):
    tiers: list[Tier] | None = None
    context_over_200k: PriceSet | None = None


class Limit(Upstream):
    context: int | None = None
    input: int | None = None
    output: int | None = None


class ModalitySet(Upstream):
    input: list[str]
    output: list[str]


class MDModel(Upstream):
    id: str
    name: str
    family: str | None = None
    attachment: bool | None = None
    reasoning: bool | None = None
    tool_call: bool | None = None
    structured_output: bool | None = None
    temperature: bool | None = None
    knowledge: str | None = None
    release_date: str | None = None
    modalities: ModalitySet | None = None
    open_weights: bool | None = None
    limit: Limit | None = None
    status: str | None = None
    cost: Cost | None = None


class MDProvider(Upstream):
    id: str
    name: str
    env: list[str] | None = None
    npm: str | None = None
    api: str | None = None
    doc: str | None = None
    models: dict[str, Any]


def _prices(prices: PriceSet, where: str) -> dict[str, float]:
    return drop_none(
        {k: per_million(getattr(prices, k), per_token=False, field_name=f"{where}.{k}") for k in _TOKEN_PRICES}
    )


def _tiers(cost: Cost, where: str) -> list[dict[str, Any]] | None:
    if cost.tiers:
        return [
            {"above_input_tokens": t.tier.size, **_prices(t, f"{where}.tiers[{i}]")}
            for i, t in enumerate(cost.tiers)
            if t.tier.type == "context"
        ] or None
    if cost.context_over_200k is not None:
        return [{"above_input_tokens": 200_000, **_prices(cost.context_over_200k, f"{where}.context_over_200k")}]
    return None


def _date(value: str | None, *, partial: bool = False) -> str | None:
    """The value if it is a valid (partial) date; upstream dates like "2025" are not kept."""
    if value is None:
        return None
    try:
        parse_date(value + "-01" if partial and len(value) == 7 else value)
    except ValueError:
        return None
    return value


def _positive(value: int | None) -> int | None:
    return value if value and value > 0 else None


def _offering(provider: str, m: MDModel) -> OfferingObservation:
    upstream_id = check_upstream_id(m.id)
    facts: dict[str, Any] = {"name": m.name, "status": _STATUS.get(m.status or "", "active")}
    if m.cost is not None:
        where = "cost"
        for key, value in _prices(m.cost, where).items():
            facts[f"price.{key}"] = value
        facts["price.tiers"] = _tiers(m.cost, where)
    facts["free"] = free_kind(provider, upstream_id, facts.get("price.input"), facts.get("price.output"))
    if m.limit is not None:
        facts["limits.context"] = _positive(m.limit.context)
        facts["limits.input"] = _positive(m.limit.input)
        facts["limits.output"] = _positive(m.limit.output)
    facts["capabilities.tools"] = m.tool_call
    facts["capabilities.reasoning"] = m.reasoning
    facts["capabilities.structured_output"] = m.structured_output
    facts["capabilities.attachments"] = m.attachment
    facts["capabilities.temperature"] = m.temperature
    if m.modalities is not None:
        facts["modalities.input"] = clean_modalities(m.modalities.input)
        facts["modalities.output"] = clean_modalities(m.modalities.output)
    model_facts = {
        "name": m.name,
        "family": m.family,
        "release_date": _date(m.release_date),
        "knowledge_cutoff": _date(m.knowledge, partial=True),
        "open_weights": m.open_weights,
    }
    return OfferingObservation(provider, upstream_id, drop_none(facts), drop_none(model_facts))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a Models.dev ``api.json`` body. Raises :class:`SourceError` if it is not one."""
    data = load_json(payload, SOURCE_ID)
    if not isinstance(data, dict):
        raise SourceError(f"{SOURCE_ID}: expected an object of providers, got {type(data).__name__}")
    snapshot = Snapshot(SOURCE_ID, observed_at)
    for key in sorted(data):
        raw = data[key]
        try:
            provider = MDProvider.model_validate(raw)
            slug = slugify(provider.id)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            snapshot.skipped.append(Skipped(f"provider {key!r}", str(exc).splitlines()[0]))
            continue
        snapshot.providers.append(
            ProviderObservation(
                slug,
                drop_none(
                    {"name": provider.name, "base_url": provider.api, "api_key_env": provider.env or None,
                     "docs_url": provider.doc}
                ),
                api_package=provider.npm,
            )
        )
        snapshot.records += len(provider.models)
        records = (
            (record_label(slug, {"id": model_id}, i), raw_model)
            for i, (model_id, raw_model) in enumerate(sorted(provider.models.items()))
        )
        snapshot.offerings.extend(
            parse_records(records, MDModel, snapshot.skipped, lambda m, slug=slug: _offering(slug, m), slug)
        )
    return snapshot

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV)
