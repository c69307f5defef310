"""The Azure Retail Prices API for Azure OpenAI as an official source (provider-pricing): the unit
of every item read (1K and 1M tokens both occur), Microsoft's meter names read into model,
batch, cache and deployment type, Global as the base price and Data Zone and Regional as
regional prices, pagination by NextPageLink, and every item it cannot use counted."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from refresher.run.fetch import Fetcher, FetchPolicy
from refresher.run.payloads import Payload, fetch_payloads, parse_payload, replay_payloads
from refresher.run.refresh import run_refresh
from refresher.sources import azure_retail
from refresher.sources.base import SourceError
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

AT = "2025-08-16T23:12:15Z"
BODY = (UPSTREAM / "azure-retail-prices/azure-openai-2025-08.ndjson").read_bytes()
ITEMS = [json.loads(line) for line in BODY.splitlines()]


def _item(sku: str, price: float, unit: str = "1K", region: str = "eastus2", **extra: str) -> dict:
    return {"skuName": sku, "retailPrice": price, "unitOfMeasure": unit, "armRegionName": region,
            "type": "Consumption", "currencyCode": "USD", "effectiveStartDate": "2025-04-01T00:00:00Z", **extra}


def _parse(*items: dict) -> azure_retail.Snapshot:
    return azure_retail.parse(json.dumps({"Items": list(items), "NextPageLink": None}).encode(), AT)


def _facts(snapshot, upstream_id: str) -> dict:
    return next(o.facts for o in snapshot.offerings if o.upstream_id == upstream_id)


def test_global_is_the_base_price_data_zone_and_regional_are_regional_prices() -> None:
    snapshot = azure_retail.parse(BODY, AT)
    gpt41 = _facts(snapshot, "gpt-4.1")
    assert {k: v for k, v in gpt41.items() if k != "price.regions"} == {
        "price.input": 2, "price.output": 8, "price.cache_read": 0.5, "price.batch": {"input": 1, "output": 4},
    }
    assert gpt41["price.regions"]["data-zone"] == {"multiplier": 1.1}
    assert gpt41["price.regions"]["eastus2"] == {"multiplier": 1.1}
    # Azure rounds 0.075 × 1.1 to 0.083: not one multiple, so the region keeps prices of its own
    mini = _facts(snapshot, "gpt-4o-mini")
    assert mini["price.regions"]["eastus2"] == {"cache_read": 0.083, "input": 0.165, "output": 0.66}


@pytest.mark.parametrize(("unit", "price"), [("1K", 0.002), ("1M", 2.0)])
def test_the_unit_is_read_per_item(unit: str, price: float) -> None:
    snapshot = _parse(_item("gpt 4.1 Inp glbl", price, unit), _item("gpt 4.1 Outp glbl", 8.0, "1M"))
    assert _facts(snapshot, "gpt-4.1") == {"price.input": 2, "price.output": 8}


@pytest.mark.parametrize(("sku", "offering", "component"), [
    ("gpt 4.1 cached Inp glbl", "gpt-4.1", "price.cache_read"),
    ("GPT 5 Mini cchd Inpt Glbl", "gpt-5-mini", "price.cache_read"),
    ("gpt-4o-mini-0718-Inp-glbl", "gpt-4o-mini", "price.input"),
    ("o3 mini 0131 input glbl", "o3-mini", "price.input"),
    ("GPT 5 Rsng outpt Glbl", "gpt-5", "price.output"),
    ("GPT 5 Nano Batch Inpt cchd Glbl", "gpt-5-nano", "price.batch"),
])
def test_microsofts_meter_names_are_read(sku: str, offering: str, component: str) -> None:
    companion = _item(f"{offering} Inp glbl".replace("-", " "), 0.002)  # a base price, so the entry is priced
    snapshot = _parse(_item(sku, 0.001), companion)
    facts = _facts(snapshot, offering)
    assert component in facts


def test_every_item_it_cannot_use_is_counted_by_reason() -> None:
    snapshot = azure_retail.parse(BODY, AT)
    assert snapshot.records == len(ITEMS)
    assert snapshot.unmapped["fine-tuning, training or grader meter"] == 2
    assert snapshot.unmapped["audio, realtime or image meter (waits for prices by modality)"] == 2
    assert snapshot.unmapped["unit 1 Hour (not tokens)"] == 2
    assert snapshot.unmapped["model or version not mapped"] == 2
    assert len(snapshot.unmapped) == 11 and sum(snapshot.unmapped.values()) == 22  # the fixture keeps two of each


def test_a_price_not_yet_or_no_longer_in_effect_is_not_used() -> None:
    snapshot = _parse(_item("gpt 4.1 Inp glbl", 0.002),
                      _item("gpt 4.1 Inp glbl", 0.001, effectiveStartDate="2025-09-01T00:00:00Z"),
                      _item("gpt 4.1 Outp glbl", 0.009, effectiveEndDate="2025-07-31T23:59:00Z"),
                      _item("gpt 4.1 Outp glbl", 0.008))
    assert _facts(snapshot, "gpt-4.1") == {"price.input": 2, "price.output": 8}
    assert snapshot.unmapped == {"not in effect when observed": 2}


def test_the_providers_regions_are_every_region_with_a_meter() -> None:
    (provider,) = azure_retail.parse(BODY, AT).providers
    assert provider.provider == "azure"
    assert provider.facts["regions"] == sorted({i["armRegionName"] for i in ITEMS if i["armRegionName"]} | {"data-zone"})


@pytest.mark.parametrize("link", ["https://evil.example/api/retail/prices?$skip=100", "http://prices.azure.com.evil/x"])
def test_a_next_page_on_another_host_fails_the_source(link: str) -> None:
    with pytest.raises(SourceError, match="NextPageLink points to another host"):
        azure_retail.next_page({"Items": [], "NextPageLink": link})


def test_pages_are_followed_by_next_page_link(httpserver: HTTPServer, seeded_tree: Path) -> None:
    first = {"Items": ITEMS[:40], "NextPageLink": "https://prices.azure.com/api/retail/prices?$skip=40"}
    second = {"Items": ITEMS[40:], "NextPageLink": None}
    httpserver.expect_ordered_request("/prices", query_string={"currencyCode": "USD", "$filter": azure_retail.FIRST_PAGE[
        "$filter"]}).respond_with_json(first)
    httpserver.expect_ordered_request("/prices", query_string={"$skip": "40"}).respond_with_json(second)
    env = {"FAIMETA_AZURE_RETAIL_PRICES_URL": httpserver.url_for("/prices")}
    with Fetcher(policy=FetchPolicy(attempts=1), say=lambda _: None) as fetcher:
        payloads, errors, _ = fetch_payloads(load_tree(seeded_tree), ["azure-retail-prices"], fetcher=fetcher,
                                             environ=env, say=lambda _: None)
    assert errors == {}
    (payload,) = payloads
    assert len(payload.bodies) == 2
    assert _facts(parse_payload(payload), "gpt-4.1") == _facts(azure_retail.parse(BODY, AT), "gpt-4.1")


def test_it_lists_the_regions_and_prices_azures_offerings(empty_tree: Path) -> None:
    """Seeded from the whole Models.dev (which describes azure), then the price list."""
    modelsdev = gzip.decompress((UPSTREAM / "modelsdev/api-2026-06-02.json.gz").read_bytes())
    seed = run_refresh(empty_tree, [Payload("modelsdev", (modelsdev,), "2025-08-01T00:00:00Z", "m")], say=lambda _: None)
    assert seed.ok, seed.to_json()
    payloads, errors = replay_payloads(UPSTREAM, ["azure-retail-prices"])
    assert errors == {}
    result = run_refresh(empty_tree, payloads, say=lambda _: None)
    assert result.ok, result.to_json()
    azure = load_tree(empty_tree).providers["azure"]
    assert "eastus2" in azure["regions"] and "data-zone" in azure["regions"]
    gpt41 = azure["offerings"]["gpt-4.1"]
    assert gpt41["price"]["regions"]["data-zone"] == {"multiplier": 1.1}
    assert gpt41["provenance"]["fields"].get("price.regions", {}).get("source") == "azure-retail-prices"
