"""The two files today's Gate reads (``shared/contracts/GATE_COMPAT.md``), built from a catalog.

``compat/gate/providers/catalog.v1.json`` has one entry per route (route key → one provider
serving one model); ``compat/gate/offerings/catalog.v1.json`` the same routes keyed for Gate's
``(model_id, provider_id)`` lookup. The route set is small on purpose (Gate re-reads the whole
file on every lookup): the defaults in ``metadata/gate_routes.json`` plus an operator's mapping.

Gate's hard rules, which every entry here keeps: ``recommended_model`` and ``last_reviewed``
(exactly ``YYYY-MM-DD``) are always present; numbers are JSON numbers; an unknown value is left
out, never ``null``; a missing price is absent, never 0, and each entry carries its own complete
``pricing``; every entry states its context window and input cap; freshness values are the ones
Gate knows. Freshness is computed against the build time. A route's optional ``lane`` (Gate's
canonical lane model, ``anthropic/sonnet-4.6``) adds an offering keyed the way Gate's router
looks prices up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gate_consumer import Catalog, CatalogError, Freshness, Offering
from gate_consumer.facts import OFFERING_FACTS
from gate_consumer.provenance import record_provenance

__all__ = ["GATE_FRESHNESS", "GateExport", "documents", "export", "load_routes", "route_key"]

PROVIDERS_SCHEMA = "fusionaize-provider-catalog/v1.4"
OFFERINGS_SCHEMA = "fusionaize-offering-catalog/v1"
# our route_type → Gate's provider_type (which is also the offer track for these route types)
_PROVIDER_TYPE = {"direct": "direct", "cloud": "direct", "aggregator": "aggregator", "local": "local",
                  "subscription": "oauth"}
_AUTH = {"local": ["none"], "subscription": ["oauth"]}
_OFFICIAL = {"provider-api", "provider-docs", "manual-review"}
# our freshness → the values Gate's cost-truth report counts (fresh, aging, stale, unknown): an
# open disagreement between sources is "stale" to Gate (check before trusting), untracked "unknown"
GATE_FRESHNESS = {Freshness.FRESH: "fresh", Freshness.MANUAL: "fresh", Freshness.AGING: "aging",
                  Freshness.STALE: "stale", Freshness.CONFLICT: "stale", Freshness.UNTRACKED: "unknown"}
_TIER_STATUS = {"active": "active", "deprecated": "deprecated", "preview": "preview", "retired": "expired"}


@dataclass
class GateExport:
    providers: dict[str, Any]
    offerings: dict[str, Any]
    unpriced: list[str] = field(default_factory=list)  # route keys without a token price
    unresolved: dict[str, str] = field(default_factory=dict)  # route key → why it was left out


def route_key(provider: str, upstream_id: str) -> str:
    """The predictable route key of an offering: ``provider-upstream-id`` in lower-case slug form."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", f"{provider}-{upstream_id}".lower())).strip("-")


def _pricing(catalog: Catalog, offering: Offering, now: datetime) -> dict[str, Any] | None:
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


def _entry(catalog: Catalog, offering: Offering, now: datetime) -> dict[str, Any]:
    model = catalog.model(offering.model_id)
    info = catalog.provider_info(offering.provider)
    route_type = info.get("route_type", "direct")
    pricing = _pricing(catalog, offering, now)
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


def _model_limit(model: Any, name: str) -> int | None:
    value = (model.record.get("limits") or {}).get(name)
    return value if isinstance(value, int) and value > 0 else None


def export(catalog: Catalog, routes: Mapping[str, Mapping[str, str]], now: datetime) -> GateExport:
    """Entries for ``routes`` (route key → ``{"provider", "model", "lane"?}``; ``model`` is any id
    the catalog resolves on that provider, ``lane`` Gate's canonical lane model for the route
    (``anthropic/sonnet-4.6``): the name Gate's router looks an offering up by)."""
    result = GateExport({}, {})
    for key, route in sorted(routes.items()):
        try:
            offering = catalog.pick_offering(route["model"], route["provider"])
        except (CatalogError, KeyError) as exc:
            result.unresolved[key] = str(exc)
            continue
        entry = _entry(catalog, offering, now)
        result.providers[key] = entry
        if "pricing" not in entry:
            result.unpriced.append(key)
        # Gate looks an offering up by exact (model_id, provider_id): the router by the route's
        # lane model, the CLI and analytics by the configured model — one entry for each name
        for offering_id, model_id in ((key, offering.upstream_id), (f"{key}@lane", route.get("lane"))):
            if model_id:
                result.offerings[offering_id] = {
                    "offering_id": offering_id,
                    "model_id": model_id,
                    "provider_id": key,
                    **({"pricing": entry["pricing"]} if "pricing" in entry else {}),
                }
    return result


def documents(result: GateExport, *, generated_at: str, source_repo: str) -> dict[str, dict[str, Any]]:
    """The two files, by their path under ``compat/gate/``."""
    return {
        "providers/catalog.v1.json": {
            "schema_version": PROVIDERS_SCHEMA,
            "generated_at": generated_at,
            "source_repo": source_repo,
            "providers": result.providers,
        },
        "offerings/catalog.v1.json": {"schema_version": OFFERINGS_SCHEMA, "offerings": result.offerings},
    }


def load_routes(path: Path) -> dict[str, dict[str, str]]:
    """A route mapping file: ``{"routes": {"<route key>": {"provider": …, "model": …, "lane"?: …}}}``.
    Raises ``ValueError`` naming the file and what is wrong."""
    from refresher.jsonio import JsonProblem, loads_strict

    try:
        data = loads_strict(path.read_text(encoding="utf-8"), origin=str(path))
    except (OSError, JsonProblem) as exc:
        raise ValueError(f"cannot read the route mapping: {exc}") from None
    routes = data.get("routes") if isinstance(data, dict) else None
    if not isinstance(routes, dict) or not all(
        isinstance(r, dict) and isinstance(r.get("provider"), str) and isinstance(r.get("model"), str)
        and isinstance(r.get("lane", ""), str)
        for r in routes.values()
    ):
        raise ValueError(f'{path}: expected {{"routes": {{"<route key>": {{"provider": ..., "model": ...}}}}}}')
    return routes
