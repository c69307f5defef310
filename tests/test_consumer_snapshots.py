"""Snapshots price honestly: a dated id newer than the catalog prices as its undated model and
says so (or is refused in strict mode), and a snapshot offering without a price of its own
borrows its provider's price for the same model, saying which (never a guess between two)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gate_consumer
from gate_consumer import UnknownModelError, UnpricedError


@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


@pytest.mark.parametrize(("name", "undated"), [
    ("gpt-5.4-2026-03-05", "openai/gpt-5.4"),  # OpenAI's dated form, newer than the catalog
    ("openai/gpt-5.2-2025-12-11", "openai/gpt-5.2"),  # with its provider
    ("claude-opus-4-7-20260101", "anthropic/claude-opus-4-7"),  # the compact date form
])
def test_a_dated_id_newer_than_the_catalog_prices_as_its_undated_model(catalog, name: str, undated: str) -> None:
    resolution = catalog.resolve(name)
    assert resolution.matched_by == "undated-snapshot"
    assert catalog.price(name, input_tokens=1000, output_tokens=100) == \
        catalog.price(undated, input_tokens=1000, output_tokens=100)


@pytest.mark.parametrize("name", [
    "claude-sonnet-4-5-20250929",  # listed: resolved as itself, not as a snapshot of something
    "gpt-4o-2024-08-06",
])
def test_a_listed_dated_id_is_never_an_undated_snapshot(catalog, name: str) -> None:
    assert catalog.resolve(name).matched_by != "undated-snapshot"


@pytest.mark.parametrize("name", ["gpt-9-2026-03-05", "2026-03-05", "gpt-5.4-2026-13"])
def test_an_unknown_base_or_a_date_alone_stays_unknown(catalog, name: str) -> None:
    with pytest.raises(UnknownModelError):
        catalog.resolve(name)


def test_strict_mode_refuses_an_unlisted_snapshot() -> None:
    strict = gate_consumer.Catalog.load(strict_snapshots=True)
    with pytest.raises(UnknownModelError, match=r"gpt-5\.4-2026-03-05"):
        strict.price("gpt-5.4-2026-03-05", input_tokens=10)


def _without_price(root: Path, provider: str, upstream_ids: list[str]) -> None:
    """Remove the price (and its provenance and agreement) of some offerings, as an upstream
    that lists a snapshot without pricing it would leave them."""
    path = root / "providers" / f"{provider}.json"
    document = json.loads(path.read_text())
    for upstream_id in upstream_ids:
        record = document["offerings"][upstream_id]
        record.pop("price", None)
        record.pop("price_history", None)
        for section in ("agreements", "disagreements"):
            kept = {k: v for k, v in record.get(section, {}).items() if not k.startswith("price.")}
            record.pop(section, None)
            if kept:
                record[section] = kept
        fields = record["provenance"].get("fields", {})
        record["provenance"]["fields"] = {k: v for k, v in fields.items() if not k.startswith("price.")}
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")


def test_an_unpriced_snapshot_borrows_its_providers_price_and_says_so(seeded_tree: Path, build_catalog) -> None:
    _without_price(seeded_tree, "anthropic", ["claude-sonnet-4-5-20250929"])
    catalog = build_catalog(seeded_tree)
    quote = catalog.price("anthropic/claude-sonnet-4-5-20250929", input_tokens=1000, output_tokens=100)
    assert quote.offering == "anthropic/claude-sonnet-4-5-20250929"
    assert quote.priced_via == "anthropic/claude-sonnet-4-5"  # the offering named as the model is
    assert quote.total_usd == pytest.approx(
        catalog.price("anthropic/claude-sonnet-4-5", input_tokens=1000, output_tokens=100).total_usd)
    assert quote.as_dict()["priced_via"] == "anthropic/claude-sonnet-4-5"


def test_no_price_is_borrowed_when_that_would_be_a_guess(seeded_tree: Path, build_catalog) -> None:
    """OpenRouter's Claude Sonnet 4.5 is unpriced here, and OpenRouter serves the model under no
    other id: nothing to borrow, so it stays unpriced (never another provider's price)."""
    _without_price(seeded_tree, "openrouter", ["anthropic/claude-sonnet-4.5"])
    catalog = build_catalog(seeded_tree)
    with pytest.raises(UnpricedError):
        catalog.price("openrouter/anthropic/claude-sonnet-4.5", input_tokens=1000)
