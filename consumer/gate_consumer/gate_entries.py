"""Gate-shaped catalog entries: what today's Gate reads for one route (its providers catalog
format, ``fusionaize-provider-catalog/v1.4``), built from one offering of a catalog.

One implementation for the two ways Gate gets them: the compatibility files ``faimeta build``
writes (``refresher.publish.gate_compat``) and the plugin Gate loads (:mod:`gate_consumer.gate_plugin`).
Gate's hard rules, which every entry keeps: ``recommended_model`` and ``last_reviewed`` (exactly
``YYYY-MM-DD``) are always present; numbers are JSON numbers; an unknown value is left out,
never ``None``; a missing price is absent, never 0, and each entry carries its own complete
``pricing``; the context window and input cap are always stated; freshness values are the ones
Gate counts (``fresh``, ``aging``, ``stale``, ``unknown``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gate_consumer.catalog import Catalog, Model, Offering
from gate_consumer.facts import OFFERING_FACTS
from gate_consumer.freshness import Freshness
from gate_consumer.provenance import record_provenance

__all__ = ["GATE_FRESHNESS", "gate_entry", "gate_pricing"]

# our route_type → Gate's provider_type (which is also the offer track for these route types)
_PROVIDER_TYPE = {"direct": "direct", "cloud": "direct", "aggregator": "aggregator", "local": "local",
                  "subscription": "oauth"}
_AUTH = {"local": ["none"], "subscription": ["oauth"]}
_OFFICIAL = {"provider-api", "provider-docs", "manual-review"}
# our freshness → the values Gate's cost-truth report counts (fresh, aging, stale, unknown): an
# open disagreement between sources is "stale" to Gate (check before trusting), and so is a
# provisional price (two catalogs agree; no provider has stated it yet); untracked "unknown"
GATE_FRESHNESS = {Freshness.FRESH: "fresh", Freshness.MANUAL: "fresh", Freshness.AGING: "aging",
                  Freshness.STALE: "stale", Freshness.CONFLICT: "stale", Freshness.PROVISIONAL: "stale",
                  Freshness.UNTRACKED: "unknown"}
_TIER_STATUS = {"active": "active", "deprecated": "deprecated", "preview": "preview", "retired": "expired"}


def gate_pricing(catalog: Catalog, offering: Offering, now: datetime) -> dict[str, Any] | None:
    price = offering.price or {}
    if "input" not in price or "output" not in price:
        return None
    fact = catalog.freshness(offering, "price.input", now)
    source = catalog.source_info(fact.source)
    return {
        "input_cost_per_1m": price["input"],
        "output_cost_per_1m": price["output"],
        **({"cache_read_cost_per_1m": price["cache_read"]} if "cache_read" in price else {}),
        "source_type": fact.source_type,
        **({"source_url": source["url"]} if source.get("url") else {}),
        "refreshed_at": fact.confirmed_at[:10],
        "freshness_status": GATE_FRESHNESS[catalog.price_freshness(offering, now)],
    }


def _last_reviewed(offering: Offering) -> str:
    """The newest date a source stated or confirmed any fact of the offering."""
    dates = [*offering.record.get("confirmed", {}).values()]
    dates.extend(p.as_of for p in record_provenance(offering.record, OFFERING_FACTS).values())
    return max(dates)[:10]


def gate_entry(catalog: Catalog, offering: Offering, now: datetime) -> dict[str, Any]:
    model = catalog.model(offering.model_id)
    info = catalog.provider_info(offering.provider)
    route_type = info.get("route_type", "direct")
    pricing = gate_pricing(catalog, offering, now)
    status = offering.status
    free = pricing is not None and pricing["input_cost_per_1m"] == 0 and pricing["output_cost_per_1m"] == 0
    entry: dict[str, Any] = {
        "recommended_model": offering.upstream_id,
        "last_reviewed": _last_reviewed(offering),
        "aliases": sorted({model.id, *model.aliases} - {offering.upstream_id}),
        "vendor": model.vendor,
        "model": model.id.split("/", 1)[1],
        "provider_type": _PROVIDER_TYPE.get(route_type, "direct"),
        "offer_track": _PROVIDER_TYPE.get(route_type, "direct"),
        "track": "free" if free else ("experimental" if status == "preview" else "stable"),
        "auth_modes": _AUTH.get(route_type, ["api_key"]),
        "tier_status": _TIER_STATUS.get(status, "active"),
        "notes": f"fusionAIze metadata {catalog.version}: {offering.key}",
    }
    if pricing is not None:
        disputed = any(k.startswith("price.") for k in offering.record.get("disagreements", {}))
        entry["evidence_level"] = "mixed" if disputed else (
            "official" if pricing["source_type"] in _OFFICIAL else "unofficial")
        entry["pricing"] = pricing
    if info.get("docs_url"):
        entry["official_source_url"] = info["docs_url"]
    # Always both, from the offering or its model: without them Gate keeps its own 262,144-token
    # cap for a route whose context window is 200,000. A prompt is never longer than the window.
    context = offering.limit("context") or _model_limit(model, "context")
    max_input = offering.limit("input") or _model_limit(model, "input") or context
    if context:
        entry["context_window"] = context
    if max_input:
        entry["limits"] = {"max_input_tokens": max_input}
    inputs = [m for m in offering.modalities("input") if m in ("text", "image", "audio")]
    outputs = [m for m in offering.modalities("output") if m in ("text", "image")]
    if inputs:
        entry["input_modalities"] = inputs
    if outputs:
        entry["output_modalities"] = outputs
    return entry


def _model_limit(model: Model, name: str) -> int | None:
    value = (model.record.get("limits") or {}).get(name)
    return value if isinstance(value, int) and value > 0 else None
