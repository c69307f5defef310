"""The AWS Price List for Amazon Bedrock: the official, credential-free price list
(``pricing.us-east-1.amazonaws.com``), type ``provider-pricing``.

Shape: a region index (``regions.<code>.currentVersionUrl``) and one offer file per region:
``products.<sku>.attributes`` (``model``, ``inferenceType``, ``feature``, ``regionCode``) and
``terms.OnDemand.<sku>.<term>.priceDimensions.<rate>`` with its own ``unit`` (``1K tokens``,
``1M tokens``, ``hour``, ``image``…) and ``pricePerUnit.USD``. The unit is read per price
dimension: a tool that assumed one unit priced models at $0.

What it states: the provider's regions (the index), and per offering its price in each region
of an offer file — the on-demand input, output and cache prices, the batch and flex ones — as
the base price for :data:`DEFAULT_REGION` and as ``price.regions`` for the others. AWS names
models ("Nova Lite"), not ids: :data:`MODELS` maps them onto Bedrock's ids. It confirms and
contests the offerings the catalog knows; everything it cannot map is counted by reason
(provisioned throughput, model customization, per-image prices, models not mapped).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    ProviderObservation,
    Snapshot,
    SourceError,
    load_json,
    observe_entry,
    per_million,
)

SOURCE_ID = "aws-pricing"
URL = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBedrock/current/region_index.json"
KEY_ENV = None  # the only variable whose key this source receives
PROVIDER = "amazon-bedrock"
DEFAULT_REGION = "us-east-1"
INDEX = "region_index"

#: AWS's model name → Bedrock's model id (the in-region offering)
MODELS = {
    "Nova Micro": "amazon.nova-micro-v1:0",
    "Nova Lite": "amazon.nova-lite-v1:0",
    "Nova Pro": "amazon.nova-pro-v1:0",
    "Nova Premier": "amazon.nova-premier-v1:0",
    "Nova 2.0 Lite": "amazon.nova-2-lite-v1:0",
    "Ministral 3B 3.0": "mistral.ministral-3-3b-instruct",
    "Ministral 8B 3.0": "mistral.ministral-3-8b-instruct",
    "Ministral 14B 3.0": "mistral.ministral-3-14b-instruct",
}
#: (feature, inferenceType) → (service tier or "" for standard, component)
_RATES = {
    ("On-demand Inference", "Input tokens"): ("", "input"),
    ("On-demand Inference", "Output tokens"): ("", "output"),
    ("On-demand Inference", "Prompt cache read input tokens"): ("", "cache_read"),
    ("On-demand Inference", "Prompt cache write input tokens"): ("", "cache_write"),
    ("On-demand Inference", "Input tokens flex"): ("flex", "input"),
    ("On-demand Inference", "Output tokens flex"): ("flex", "output"),
    ("Batch Inference", "Input tokens"): ("batch", "input"),
    ("Batch Inference", "Output tokens"): ("batch", "output"),
}
#: tokens per unit of a price dimension
_UNITS = {"1K tokens": 1_000, "1M tokens": 1_000_000, "tokens": 1}


def follow(index: Any) -> list[tuple[str, str]]:
    """The offer files a region index points to: ``(region, path on the same host)``."""
    regions = index.get("regions") if isinstance(index, dict) else None
    if not isinstance(regions, dict):
        raise SourceError(f"{SOURCE_ID}: the region index has no regions")
    files = []
    for code, entry in sorted(regions.items()):
        path = entry.get("currentVersionUrl") if isinstance(entry, dict) else None
        if not isinstance(path, str) or not path.startswith("/") or urlsplit(path).netloc:
            raise SourceError(f"{SOURCE_ID}: region {str(code)[:40]}: currentVersionUrl is not a path on this host")
        files.append((f"AmazonBedrock-{code}", path))
    return files


def parse(payload: bytes, observed_at: str, part: str | None = None) -> Snapshot:
    """Parse the region index (``part`` ``region_index``) or one region's offer file."""
    data = load_json(payload, f"{SOURCE_ID} {part or 'offer file'}")
    snapshot = Snapshot(SOURCE_ID, observed_at, confirms_only=True)
    if part == INDEX:
        regions = sorted(name.removeprefix("AmazonBedrock-") for name, _ in follow(data))
        snapshot.providers.append(ProviderObservation(PROVIDER, {"regions": regions}))
        return snapshot
    if not isinstance(data, dict) or not isinstance(data.get("products"), dict):
        raise SourceError(f"{SOURCE_ID}: {part}: not an offer file (no products)")
    terms = (data.get("terms") or {}).get("OnDemand") or {}
    prices: dict[tuple[str, str], dict[str, dict[str, float]]] = {}  # (model id, region) → tier → component
    for sku, product in sorted(data["products"].items()):
        snapshot.records += 1
        reason, found = _rate(product, terms.get(sku))
        if found is None:
            snapshot.unmapped[reason] += 1
            continue
        model_id, region, tier, component, usd = found
        prices.setdefault((model_id, region), {}).setdefault(tier, {})[component] = usd
    by_model: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for (model_id, region), tiers in prices.items():
        by_model.setdefault(model_id, {})[region] = tiers
    for model_id, regions in sorted(by_model.items()):
        observe_entry(snapshot, PROVIDER, model_id, lambda r=regions: _facts(r))
    return snapshot


def _rate(product: Any, term: Any) -> tuple[str, tuple[str, str, str, str, float] | None]:
    attributes = product.get("attributes") if isinstance(product, dict) else None
    if not isinstance(attributes, dict):
        return "invalid: a product without attributes", None
    rate = _RATES.get((attributes.get("feature"), attributes.get("inferenceType")))
    if rate is None:
        return f"not a token price ({str(attributes.get('feature'))[:40]})", None
    if not attributes.get("model"):
        return "a product without a model name", None
    model_id = MODELS.get(attributes["model"])
    if model_id is None:
        return f"model {str(attributes['model'])[:40]} not mapped", None
    dimensions = [d for t in (term or {}).values() if isinstance(t, dict)
                  for d in (t.get("priceDimensions") or {}).values() if isinstance(d, dict)]
    if len(dimensions) != 1:
        return f"{len(dimensions)} on-demand price dimensions (expected 1)", None
    (dimension,) = dimensions
    tokens = _UNITS.get(dimension.get("unit"))
    if tokens is None:
        return f"unit {str(dimension.get('unit'))[:20]} is not a number of tokens", None
    try:
        usd = per_million((dimension.get("pricePerUnit") or {}).get("USD"), per_token=True, tokens_per_unit=tokens,
                          field_name="pricePerUnit.USD")
    except ValueError:
        usd = None
    if usd is None:
        return "invalid: a price that is not a number", None
    return "", (model_id, str(attributes.get("regionCode")), *rate, usd)


def _facts(regions: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    """The default region's prices as the base price; the other regions' as ``price.regions``."""
    facts: dict[str, Any] = {}
    default = regions.get(DEFAULT_REGION, {})
    for component, usd in sorted(default.get("", {}).items()):
        facts[f"price.{component}"] = usd
    for tier in ("batch", "flex"):
        if default.get(tier):
            facts[f"price.{tier}"] = dict(sorted(default[tier].items()))
    others = {region: dict(sorted(tiers[""].items())) for region, tiers in sorted(regions.items())
              if region != DEFAULT_REGION and tiers.get("")}
    if others:
        facts["price.regions"] = others
    if "price.input" not in facts and "price.output" not in facts and not others:
        return {}
    return facts

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, index=INDEX, follow=follow)
