"""The Azure Retail Prices API for Azure OpenAI: Microsoft's official, credential-free price list
(``prices.azure.com/api/retail/prices``), type ``provider-pricing``.

Shape: pages of ``{"Items": [...], "NextPageLink": url | null}``; a recording may also be the
items one per line (NDJSON). An item is one meter: ``skuName`` (``gpt 4.1 cached Inp glbl``,
``GPT 5 Mini Batch outpt DZone``: model, batch, cached, direction and deployment type in
Microsoft's abbreviations), ``armRegionName``, ``retailPrice`` and its own ``unitOfMeasure`` —
``1K`` and ``1M`` both occur (tools that assumed one unit priced models at $0).

What it states, for the offerings of ``azure`` it can name (:data:`MODELS`): the **Global**
deployment's prices as the base price (and its batch prices), the **Data Zone** deployment as
the profile ``data-zone`` and each **Regional** deployment as its region (``eastus2``…) in
``price.regions`` — a multiplier of the base price where every component is the same multiple,
else prices of their own; and the provider's regions. Fine-tuning, training, graders, realtime,
audio and image meters, hourly and per-unit meters, and older model versions are counted by
reason, not used.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    ProviderObservation,
    Snapshot,
    SourceError,
    load_json,
    observe_entry,
    per_million,
)

SOURCE_ID = "azure-retail-prices"
URL = "https://prices.azure.com/api/retail/prices"
KEY_ENV = None  # the only variable whose key this source receives
PROVIDER = "azure"
#: only the Azure OpenAI meters, in US dollars
FIRST_PAGE = {"currencyCode": "USD",
              "$filter": "serviceName eq 'Cognitive Services' and startswith(productName, 'Azure OpenAI')"}
DATA_ZONE = "data-zone"

#: Microsoft's model words (version included) → the ``azure`` offering they price
MODELS = {
    "gpt 5 rsng": "gpt-5", "gpt 5 mini": "gpt-5-mini", "gpt 5 nano": "gpt-5-nano", "gpt 5 chat": "gpt-5-chat",
    "gpt 4.1": "gpt-4.1", "gpt 4.1 mini": "gpt-4.1-mini", "gpt 4.1 nano": "gpt-4.1-nano",
    "gpt 4o 1120": "gpt-4o", "gpt 4o mini 0718": "gpt-4o-mini",
    "o1 1217": "o1", "o1 mini": "o1-mini", "o3 0416": "o3", "o3 mini 0131": "o3-mini", "o3 pro": "o3-pro",
    "o4 mini 0416": "o4-mini", "codex mini": "codex-mini", "gpt oss 120b": "gpt-oss-120b",
}
_TOKENS_PER_UNIT = {"1K": 1_000, "1M": 1_000_000}
_DIRECTION = {"inp": "input", "inpt": "input", "input": "input",
              "outp": "output", "outpt": "output", "output": "output", "out": "output", "opt": "output"}
_CACHED = {"cached", "cchd", "cched"}
_DEPLOYMENT = {"glbl": "global", "global": "global", "regnl": "regional", "rgnl": "regional",
               "regional": "regional", "regn": "regional", "dzone": DATA_ZONE, "dzn": DATA_ZONE,
               "datazone": DATA_ZONE, "dz": DATA_ZONE}
_FINE_TUNING = {"ft", "trng", "training", "grdr", "grader", "tkn"}
_OTHER_MODALITY = {"aud", "txt", "rt", "realtime", "realtimeprvw", "rtime", "tts", "transcribe", "img", "image",
                   "audio", "text", "prvw"}
_WORDS = re.compile(r"[\s\-]+")


def next_page(data: Any) -> dict[str, str] | None:
    """The query of the next page, from ``NextPageLink`` (on this API's own host only)."""
    link = data.get("NextPageLink") if isinstance(data, dict) else None
    if not link:
        return None
    parts = urlsplit(link)
    if parts.hostname != urlsplit(URL).hostname:
        raise SourceError(f"{SOURCE_ID}: NextPageLink points to another host ({str(parts.hostname)[:60]})")
    return dict(parse_qsl(parts.query))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse one page of the API, or a recording of its items one per line."""
    try:
        items = load_json(payload, SOURCE_ID)
    except SourceError:
        items = [load_json(line, SOURCE_ID) for line in payload.splitlines() if line.strip()]
    if isinstance(items, dict):
        items = items.get("Items")
    if not isinstance(items, list):
        raise SourceError(f"{SOURCE_ID}: expected a page with Items, or items one per line")
    snapshot = Snapshot(SOURCE_ID, observed_at, confirms_only=True)
    meters: dict[tuple[str, str, str, str], tuple[str, float]] = {}  # (offering, deployment, region, component)
    regions: set[str] = set()
    for item in items:
        snapshot.records += 1
        if isinstance(item, dict) and isinstance(item.get("armRegionName"), str) and item["armRegionName"]:
            regions.add(item["armRegionName"])  # every region Azure OpenAI has a meter in
        reason, found = _meter(item, observed_at)
        if found is None:
            snapshot.unmapped[reason] += 1
            continue
        key, start, usd = found
        if key not in meters or start > meters[key][0]:  # the newest price in effect
            meters[key] = (start, usd)
    if regions:
        snapshot.providers.append(ProviderObservation(PROVIDER, {"regions": sorted(regions | {DATA_ZONE})}))
    by_offering: dict[str, dict[tuple[str, str, str], float]] = {}
    for (offering, deployment, region, component), (_, usd) in meters.items():
        by_offering.setdefault(offering, {})[(deployment, region, component)] = usd
    for offering, prices in sorted(by_offering.items()):
        observe_entry(snapshot, PROVIDER, offering, lambda p=prices: _facts(p))
    return snapshot


def _meter(item: Any, observed_at: str) -> tuple[str, tuple[tuple[str, str, str, str], str, float] | None]:
    """One item as ``((offering, deployment, region, component), effective start, USD per 1M)``,
    or why it is not one."""
    if not isinstance(item, dict) or not isinstance(item.get("skuName"), str):
        return "invalid: an item without a skuName", None
    if item.get("type", "Consumption") != "Consumption" or item.get("currencyCode", "USD") != "USD":
        return "not a consumption price in USD", None
    tokens = _TOKENS_PER_UNIT.get(item.get("unitOfMeasure"))
    if tokens is None:
        return f"unit {str(item.get('unitOfMeasure'))[:20]} (not tokens)", None
    start, end = str(item.get("effectiveStartDate", "")), item.get("effectiveEndDate")
    if start > observed_at or (isinstance(end, str) and end < observed_at):
        return "not in effect when observed", None
    words = [w for w in _WORDS.split(item["skuName"].lower()) if w]
    if _FINE_TUNING & set(words):
        return "fine-tuning, training or grader meter", None
    if _OTHER_MODALITY & set(words):
        return "audio, realtime or image meter (waits for prices by modality)", None
    words = _joined_data_zone(words)
    deployment = _DEPLOYMENT.get(words[-1]) if words else None
    directions = [w for w in words if w in _DIRECTION]
    if deployment is None or len(directions) != 1:
        return "a meter name it cannot read", None
    batch, cached = "batch" in words, bool(_CACHED & set(words))
    model = " ".join(w for w in words[:-1] if w not in _DIRECTION and w not in _CACHED and w != "batch")
    offering = MODELS.get(model)
    if offering is None:
        return "model or version not mapped", None
    direction = _DIRECTION[directions[0]]
    if cached and direction != "input":
        return "a meter name it cannot read", None
    component = ("batch." if batch else "") + ("cache_read" if cached else direction)
    try:
        usd = per_million(item.get("retailPrice"), per_token=True, tokens_per_unit=tokens, field_name="retailPrice")
    except ValueError:
        usd = None
    if usd is None:
        return "invalid: a price that is not a number", None
    region = DATA_ZONE if deployment == DATA_ZONE else str(item.get("armRegionName") or "")
    return "", ((offering, deployment, region, component), start, usd)


def _joined_data_zone(words: list[str]) -> list[str]:
    return [*words[:-2], "datazone"] if words[-2:] == ["data", "zone"] else words


def _facts(prices: dict[tuple[str, str, str], float]) -> dict[str, Any]:
    """The Global deployment's prices (the most common value over its regions) as the base price,
    the Data Zone's and each Regional deployment's as ``price.regions``."""
    facts: dict[str, Any] = {}
    batch: dict[str, float] = {}
    base: dict[str, float] = {}
    for component in sorted({c for d, _, c in prices if d == "global"}):
        value = _most_common([v for (d, _, c), v in prices.items() if d == "global" and c == component])
        if component.startswith("batch."):
            batch[component.removeprefix("batch.")] = value
        else:
            base[component] = value
    facts |= {f"price.{c}": v for c, v in sorted(base.items())}
    if batch:
        facts["price.batch"] = dict(sorted(batch.items()))
    regions: dict[str, dict[str, float]] = {}
    for (deployment, region, component), value in prices.items():
        if deployment != "global" and not component.startswith("batch.") and region:
            regions.setdefault(region, {})[component] = value
    if regions:
        facts["price.regions"] = {name: _as_multiplier(own, base) for name, own in sorted(regions.items())}
    return facts if "price.input" in facts or "price.output" in facts else {}


def _most_common(values: list[float]) -> float:
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], v))


def _as_multiplier(own: dict[str, float], base: dict[str, float]) -> dict[str, float]:
    """``{"multiplier": k}`` when a region's prices are the base prices times one ``k``."""
    if own.keys() == base.keys() and all(base.values()):
        ratios = {round(own[c] / base[c], 4) for c in own}
        if len(ratios) == 1:
            return {"multiplier": ratios.pop()}
    return dict(sorted(own.items()))

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, first_page=FIRST_PAGE, next_page=next_page)
