"""The price a listing shows for a model (issue 29, point 1): the home page said Claude Sonnet 4.5
costs "$0.43 / $2.14 at qihang-ai" — a reseller's price no other source confirms — where Anthropic
asks 3 / 15; the cheapest offering of any kind was the headline, a free quota ($0) included."""

from __future__ import annotations

import pytest

from gate_consumer import Catalog
from gate_consumer.headline import headline
from gate_consumer.records import Offering


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(warm=False)


@pytest.mark.parametrize(("model", "offering", "kind", "price"), [
    # the vendor's own API, though a reseller lists it at a seventh of the price
    ("anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4-5", "vendor", (3, 15)),
    # the vendor's own, though GitHub Models lists it at $0 (a free quota, not a price)
    ("openai/gpt-4o", "openai/gpt-4o", "vendor", (2.5, 10)),
    ("google/gemini-2.5-flash", "google/gemini-2.5-flash", "vendor", (0.3, 2.5)),
    # Meta's own API is a free quota: a cloud's price list
    ("meta/llama-3.3-70b-instruct", "azure-cognitive-services/llama-3.3-70b-instruct", "cloud", (0.71, 0.71)),
])
def test_the_headline_is_what_a_user_would_pay_the_vendor(catalog: Catalog, model: str, offering: str, kind: str,
                                                           price: tuple) -> None:
    chosen = catalog.headline(catalog.model(model))
    assert chosen is not None
    assert (chosen.offering.key, chosen.kind, (chosen.offering.price["input"], chosen.offering.price["output"])) == \
        (offering, kind, price)


def test_no_headline_is_a_free_quota_or_an_unconfirmed_resellers_price(catalog: Catalog) -> None:
    for model_id in catalog.model_ids:
        chosen = catalog.headline(catalog.model(model_id))
        if chosen is None:
            continue
        assert chosen.offering.free is None and chosen.offering.status != "retired"
        if chosen.kind == "aggregator" or (chosen.kind == "host" and not catalog.model(model_id).record.get("open_weights")):
            assert chosen.offering.price_sources >= 2, (model_id, chosen.offering.key)


def _offering(key: str, price: dict | None, *, sources: int = 1, status: str = "active", free: str | None = None):
    record = {"model": "v/m", "status": status, **({"price": price} if price else {}), **({"free": free} if free else {}),
              "provenance": {"source": "modelsdev", "as_of": "2026-01-01T00:00:00Z"}}
    if sources >= 2:
        record["agreements"] = {"price.input": [{"source": "litellm", "as_of": "2026-01-01T00:00:00Z"}],
                                "price.output": [{"source": "litellm", "as_of": "2026-01-01T00:00:00Z"}]}
    provider, _, upstream = key.partition("/")
    return Offering(provider, upstream, record)


ROUTES = {"vendorapi": "direct", "bedrock": "cloud", "host": "direct", "reseller": "direct", "router": "aggregator"}


@pytest.mark.parametrize(("offerings", "open_weights", "expected"), [
    # step by step: each row takes away what the one before chose
    ([("vendorapi/m", {"input": 3, "output": 15}), ("bedrock/m", {"input": 2, "output": 10}),
      ("host/m", {"input": 1, "output": 1}, 2)], False, ("vendorapi/m", "vendor")),
    ([("bedrock/m", {"input": 3, "output": 15}), ("host/m", {"input": 1, "output": 1}, 2)], False, ("bedrock/m", "cloud")),
    ([("host/m", {"input": 1, "output": 1}, 2), ("router/m", {"input": 0.5, "output": 0.5}, 2)], False, ("host/m", "host")),
    ([("host/m", {"input": 1, "output": 1}), ("router/m", {"input": 2, "output": 2}, 2)], False, ("router/m", "aggregator")),
    # one source alone: a closed model's reseller is no headline; an open model's host is
    ([("reseller/m", {"input": 0.43, "output": 2.14})], False, None),
    ([("host/m", {"input": 0.2, "output": 0.2})], True, ("host/m", "host")),
    ([("router/m", {"input": 0.2, "output": 0.2})], True, None),
    # what is not a price of use: free, retired, half a price
    ([("vendorapi/m", {"input": 0, "output": 0}, 1, "active", "quota"), ("bedrock/m", {"input": 2, "output": 8})],
     False, ("bedrock/m", "cloud")),
    ([("vendorapi/m", {"input": 3, "output": 15}, 1, "retired"), ("bedrock/m", {"input": 2, "output": 8})],
     False, ("bedrock/m", "cloud")),
    ([("vendorapi/m", {"input": 3}), ("bedrock/m", {"input": 2, "output": 8})], False, ("bedrock/m", "cloud")),
    # the provider the vendor is
    ([("v/m", {"input": 1, "output": 2}), ("bedrock/m", {"input": 0.5, "output": 0.5})], False, ("v/m", "vendor")),
    ([], False, None),
])
def test_the_steps_of_the_headline(offerings: list, open_weights: bool, expected) -> None:
    made: list[Offering] = []
    for key, price, *rest in offerings:
        sources, status, free = (rest + [1, "active", None][len(rest):])[:3]
        made.append(_offering(key, price, sources=sources, status=status, free=free))
    chosen = headline(made, "v", ("vendorapi",), lambda p: ROUTES.get(p, "direct"), open_weights=open_weights)
    assert (None if chosen is None else (chosen.offering.key, chosen.kind)) == expected
