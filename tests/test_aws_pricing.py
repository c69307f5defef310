"""The AWS Price List for Amazon Bedrock as an official source (provider-pricing): the unit of
every price dimension read, the region index as the provider's regions, flex and batch prices,
other regions as regional prices, fetched from an index over HTTP, and every SKU it cannot use
counted."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from refresher.run.fetch import Fetcher, FetchPolicy
from refresher.run.payloads import fetch_payloads, parse_payload, replay_payloads
from refresher.run.refresh import run_refresh
from refresher.sources import aws_pricing
from refresher.sources.base import SourceError
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

AT = "2026-09-11T12:44:08Z"
OFFER = json.loads((UPSTREAM / "aws-pricing/AmazonBedrock-us-east-1.json").read_bytes())
INDEX = json.loads((UPSTREAM / "aws-pricing/region_index.json").read_bytes())


def _parse(offer: dict, part: str = "AmazonBedrock-us-east-1") -> aws_pricing.Snapshot:
    return aws_pricing.parse(json.dumps(offer).encode(), AT, part=part)


def _facts(snapshot, model_id: str) -> dict:
    return next(o.facts for o in snapshot.offerings if o.upstream_id == model_id)


def test_prices_per_1k_tokens_become_prices_per_million_with_flex_and_batch() -> None:
    snapshot = _parse(OFFER)
    assert snapshot.confirms_only and all(o.provider == "amazon-bedrock" for o in snapshot.offerings)
    assert _facts(snapshot, "amazon.nova-lite-v1:0") == {
        "price.input": 0.06, "price.output": 0.24, "price.cache_read": 0.015, "price.cache_write": 0,
        "price.batch": {"input": 0.03},
    }
    assert _facts(snapshot, "amazon.nova-pro-v1:0")["price.flex"] == {"input": 0.4}
    assert _facts(snapshot, "amazon.nova-2-lite-v1:0") == {"price.input": 0.33}


@pytest.mark.parametrize(("unit", "price", "per_million"), [
    ("1K tokens", "0.0000600000", 0.06),
    ("1M tokens", "0.06", 0.06),
    ("tokens", "0.00000006", 0.06),
])
def test_the_unit_is_read_per_price_dimension(unit: str, price: str, per_million: float) -> None:
    offer = copy.deepcopy(OFFER)
    sku = next(s for s, p in offer["products"].items() if p["attributes"]["usagetype"] == "USE1-NovaLite-input-tokens")
    (term,) = offer["terms"]["OnDemand"][sku].values()
    (dimension,) = term["priceDimensions"].values()
    dimension.update(unit=unit, pricePerUnit={"USD": price})
    assert _facts(_parse(offer), "amazon.nova-lite-v1:0")["price.input"] == per_million


def test_every_sku_it_cannot_use_is_counted_by_reason() -> None:
    snapshot = _parse(OFFER)
    assert snapshot.records == len(OFFER["products"]) == 23
    assert snapshot.unmapped == {
        "a product without a model name": 1,  # Titan Text Lite: AWS leaves its model attribute out
        "not a token price (Model Customization)": 1,
        "not a token price (On-demand Inference)": 1,  # Nova Canvas: a price per image
        "not a token price (Provisioned Throughput Inference - 1 mon)": 1,
    }


def test_another_regions_file_gives_regional_prices() -> None:
    text = json.dumps(OFFER).replace('"us-east-1"', '"us-west-2"').replace('"0.0000600000"', '"0.0000660000"')
    snapshot = aws_pricing.parse(text.encode(), AT, part="AmazonBedrock-us-west-2")
    lite = _facts(snapshot, "amazon.nova-lite-v1:0")
    assert "price.input" not in lite  # the base price is the default region's (us-east-1)
    assert lite["price.regions"]["us-west-2"] == {"cache_read": 0.015, "cache_write": 0, "input": 0.066, "output": 0.24}


def test_the_region_index_lists_the_providers_regions() -> None:
    snapshot = aws_pricing.parse(json.dumps(INDEX).encode(), AT, part="region_index")
    (provider,) = snapshot.providers
    assert provider.provider == "amazon-bedrock"
    assert provider.facts == {"regions": ["eu-central-1", "us-east-1", "us-east-2", "us-west-2"]}


@pytest.mark.parametrize("path", ["https://elsewhere.example/offer.json", "offers/relative.json", None])
def test_an_index_pointing_off_its_host_fails_the_source(path: str | None) -> None:
    index = {"regions": {"us-east-1": {"regionCode": "us-east-1", "currentVersionUrl": path}}}
    with pytest.raises(SourceError, match="currentVersionUrl is not a path on this host"):
        aws_pricing.follow(index)


def test_a_replay_reads_the_index_and_the_offer_file() -> None:
    (payload,), errors = replay_payloads(UPSTREAM, ["aws-pricing"])
    assert errors == {} and payload.parts == ("AmazonBedrock-us-east-1", "region_index")
    snapshot = parse_payload(payload)
    assert snapshot.providers[0].facts["regions"][0] == "eu-central-1" and len(snapshot.offerings) == 6
    assert not snapshot.complete  # the recorder trimmed both files


def test_a_live_refresh_fetches_the_index_then_each_regions_file(httpserver: HTTPServer, seeded_tree: Path) -> None:
    index = {"regions": {"us-east-1": {"regionCode": "us-east-1", "currentVersionUrl": "/offers/us-east-1/index.json"}}}
    httpserver.expect_request("/offers/region_index.json").respond_with_json(index)
    httpserver.expect_request("/offers/us-east-1/index.json").respond_with_json(OFFER)
    env = {"FAIMETA_AWS_PRICING_URL": httpserver.url_for("/offers/region_index.json")}
    with Fetcher(policy=FetchPolicy(attempts=1), say=lambda _: None) as fetcher:
        payloads, errors, _ = fetch_payloads(load_tree(seeded_tree), ["aws-pricing"], fetcher=fetcher, environ=env,
                                             say=lambda _: None)
    assert errors == {}
    (payload,) = payloads
    assert payload.parts == ("region_index", "AmazonBedrock-us-east-1")
    assert [r.path for r, _ in httpserver.log] == ["/offers/region_index.json", "/offers/us-east-1/index.json"]
    assert len(parse_payload(payload).offerings) == 6


def test_it_sets_the_regions_and_confirms_what_the_catalog_knows(seeded_tree: Path) -> None:
    before = load_tree(seeded_tree)
    payloads, _ = replay_payloads(UPSTREAM, ["aws-pricing"])
    result = run_refresh(seeded_tree, payloads, say=lambda _: None)
    assert result.ok, result.to_json()
    after = load_tree(seeded_tree)
    assert after.providers["amazon-bedrock"]["regions"] == ["eu-central-1", "us-east-1", "us-east-2", "us-west-2"]
    assert {p: set(r["offerings"]) for p, r in after.providers.items()} == \
        {p: set(r["offerings"]) for p, r in before.providers.items()}  # Nova is not in this small tree
    # a cloud's offering one price list alone states: pending, created once another source agrees (day one)
    assert result.summaries[0].unmapped["new amazon-bedrock offering, priced by this catalog alone: pending"] == 6
    # then a catalog's price for a region the provider does not list (yet) is kept, with a warning:
    # leaving it out would make the tree depend on whether the catalog spoke before the region list
    litellm = json.dumps({
        "anthropic.claude-sonnet-4-5-20250929-v1:0": {"litellm_provider": "bedrock_converse",
                                                      "input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05},
        "bedrock/us-gov-east-1/anthropic.claude-sonnet-4-5-20250929-v1:0": {
            "litellm_provider": "bedrock", "input_cost_per_token": 3.6e-06, "output_cost_per_token": 1.8e-05},
    }).encode()
    from refresher.run.payloads import Payload

    second = run_refresh(seeded_tree, [Payload("litellm", (litellm,), "2026-11-20T00:00:00Z", "l")], say=lambda _: None)
    assert second.ok, second.to_json()
    sonnet = load_tree(seeded_tree).providers["amazon-bedrock"]["offerings"]["anthropic.claude-sonnet-4-5-20250929-v1:0"]
    assert sonnet["price"]["regions"] == {"us-gov-east-1": {"input": 3.6, "output": 18}}
    assert [(p.field, p.severity) for p in second.problems] == [("price.regions.us-gov-east-1", "warning")]
