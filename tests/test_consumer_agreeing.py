"""A price is refused only when it would be a guess (issue 31, point 5): an id several offerings
share prices when they agree on what the request uses, and 0 per token is a price only where a
source says the model is free — an unpriced listing is unknown, never the cheapest route."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gate_consumer
from gate_consumer import AmbiguousModelError, UnpricedError, Usage
from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM


@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


def test_offerings_that_agree_on_what_a_request_uses_price_it(catalog) -> None:
    """``grok-4`` was ambiguous: six resellers listed it, all at 3 / 15, two adding a cache-write
    price (xAI's own listing now has it). ``aion-2.0`` is such a case today: resellers only,
    agreeing on input and output. A request without cache writes costs the same on each, so it
    is priced — on the first by key, as the quote says; one with cache writes stays ambiguous."""
    with pytest.raises(AmbiguousModelError) as err:
        catalog.pick_offering("aion-2.0")
    keys = err.value.candidates
    assert len(keys) >= 2
    usage = Usage(10_000, 1_000)
    quote = catalog.price("aion-2.0", usage)
    assert quote.offering == sorted(keys)[0]
    assert {catalog.price(catalog.offering_by_key(k), usage).total_usd for k in keys} == {quote.total_usd}
    with pytest.raises(AmbiguousModelError, match=r"aion-2\.0"):
        catalog.price("aion-2.0", Usage(10_000, 1_000, cache_write_tokens=2_000))


def test_the_vendors_own_offering_decides_before_any_reseller(catalog) -> None:
    assert catalog.price("grok-4", Usage(10_000, 1_000)).offering == "xai/grok-4"


def _with_zero(seeded_tree: Path, cost: dict) -> Path:
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_bytes())
    data["wafer.ai"]["models"]["zero-model"] = {"id": "zero-model", "name": "Zero Model", "cost": cost,
                                                "limit": {"context": 8192, "output": 1024}}
    payload = Payload("modelsdev", (json.dumps(data).encode(),), "2026-07-20T00:00:00Z", "modelsdev (0 / 0)")
    assert run_refresh(seeded_tree, [payload], say=lambda _: None).ok
    return seeded_tree


def test_zero_per_token_without_a_free_statement_is_unpriced(seeded_tree: Path, build_catalog) -> None:
    """Models.dev lists 67 offerings of metered providers at 0 / 0 with nothing saying they are
    free (an unknown price written as 0); they were priced at $0 and listed first."""
    tree = load_tree(_with_zero(seeded_tree, {"input": 0, "output": 0}))
    offering = tree.providers["wafer-ai"]["offerings"]["zero-model"]
    assert "price" not in offering and offering.get("free") is None
    catalog = build_catalog(seeded_tree)
    with pytest.raises(UnpricedError):
        catalog.price("wafer-ai/zero-model", Usage(1000, 100))
    local = tree.providers["lmstudio"]["offerings"]["openai/gpt-oss-20b"]  # a local app: 0 is what it costs
    assert local["price"] == {"input": 0, "output": 0}


def test_zero_beside_a_real_price_is_a_price(seeded_tree: Path) -> None:
    """0 for one component (no cache write charge) is a statement; only 0 / 0 says nothing."""
    tree = load_tree(_with_zero(seeded_tree, {"input": 0.5, "output": 0, "cache_write": 0}))
    assert tree.providers["wafer-ai"]["offerings"]["zero-model"]["price"] == {"cache_write": 0, "input": 0.5, "output": 0}
