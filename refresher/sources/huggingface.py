"""Hugging Face's inference router (``GET https://router.huggingface.co/v1/models``): every model
it routes, each with the inference providers that serve it (``providers: [{provider, status,
context_length?, pricing?{input, output}}]``, **USD per 1M tokens**, numbers).

The router bills what the provider it chose charges. A request names ``<model>:<provider>`` to
choose (an offering each, at that provider's price), or the bare model to let the router choose:
that offering is priced only when every live provider with a price charges the same — the
router's choice is not ours to guess."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gate_consumer.ids import check_upstream_id
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    OfferingObservation,
    ProviderObservation,
    Snapshot,
    Upstream,
    check_values,
    clean_modalities,
    drop_none,
    list_of_records,
    load_json,
    parse_records,
    per_million,
    record_label,
)

SOURCE_ID = "huggingface"
PROVIDER = "huggingface"
URL = "https://router.huggingface.co/v1/models"
KEY_ENV = "HF_TOKEN"  # the only variable whose key this source receives (sent if set)
PROVIDER_FACTS = {"name": "Hugging Face", "base_url": "https://router.huggingface.co/v1", "api_key_env": [KEY_ENV]}


class RouterPricing(Upstream):
    input: float | None = None
    output: float | None = None


class RouterOffer(Upstream):
    provider: str
    status: str | None = None
    context_length: int | None = None
    pricing: RouterPricing | None = None
    supports_tools: bool | None = None
    supports_structured_output: bool | None = None


class RouterArchitecture(Upstream):
    input_modalities: list[str] | None = None
    output_modalities: list[str] | None = None


class RouterModel(Upstream):
    id: str
    architecture: RouterArchitecture | None = None
    providers: list[RouterOffer] = Field(default_factory=list)


def _prices(offer: RouterOffer) -> dict[str, Any]:
    if offer.pricing is None:
        return {}
    return {"price.input": per_million(offer.pricing.input, per_token=False, field_name="pricing.input"),
            "price.output": per_million(offer.pricing.output, per_token=False, field_name="pricing.output")}


def _offerings(m: RouterModel) -> list[OfferingObservation]:
    model_id = check_upstream_id(m.id)
    modalities = {"modalities.input": clean_modalities(m.architecture.input_modalities) if m.architecture else None,
                  "modalities.output": clean_modalities(m.architecture.output_modalities) if m.architecture else None}
    live = [o for o in m.providers if o.status in (None, "live")]
    found = []
    for offer in live:
        facts = {"status": "active", "limits.context": offer.context_length or None,
                 "capabilities.tools": offer.supports_tools,
                 "capabilities.structured_output": offer.supports_structured_output, **modalities, **_prices(offer)}
        found.append(OfferingObservation(PROVIDER, check_upstream_id(f"{model_id}:{offer.provider}"), drop_none(facts)))
    priced = {(o.facts["price.input"], o.facts["price.output"]) for o in found  # each offer's price, read once
              if "price.input" in o.facts and "price.output" in o.facts}
    routed: dict[str, Any] = {"status": "active", **modalities}
    if len(priced) == 1:  # every live provider with a price charges the same: the router's price is no guess
        routed["price.input"], routed["price.output"] = priced.pop()
    contexts = {o.context_length for o in live if o.context_length}
    if len(contexts) == 1:
        routed["limits.context"] = contexts.pop()
    result = [OfferingObservation(PROVIDER, model_id, drop_none(routed)), *found]
    for observation in result:  # the unit guard, as for every source: one bad price skips the model
        check_values(observation.facts)
    return result


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v1/models`` body. Raises :class:`SourceError` if it is not one."""
    items = list_of_records(load_json(payload, SOURCE_ID), SOURCE_ID)
    snapshot = Snapshot(SOURCE_ID, observed_at, providers=[ProviderObservation(PROVIDER, dict(PROVIDER_FACTS))],
                        records=len(items))
    records = ((record_label(PROVIDER, raw, i), raw) for i, raw in enumerate(items))
    for found in parse_records(records, RouterModel, snapshot.skipped, _offerings, PROVIDER):
        snapshot.offerings.extend(found)  # type: ignore[arg-type]
    return snapshot


ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV)
