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
    ("gpt-5.4-2027-03-05", "openai/gpt-5.4"),  # OpenAI's dated form, newer than the catalog
    ("openai/gpt-5.2-2027-01-11", "openai/gpt-5.2"),  # with its provider
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


# Every date form vendors end a snapshot id with, each once as a calendar date (the undated
# model, said so) and once as a date no calendar has (unknown: a typo or a made-up id is not
# the model it resembles — issue 31, point 6).
DATE_FORMS = [
    # (form, who writes it, a calendar date, a non-date, the undated model)
    ("YYYY-MM-DD", "OpenAI, Qwen", "gpt-4o-2026-02-28", "gpt-4o-2026-02-30", "openai/gpt-4o"),
    ("YYYY-MM-DD", "leap day", "gpt-4o-2028-02-29", "gpt-4o-2026-02-29", "openai/gpt-4o"),
    ("YYYYMMDD", "Anthropic", "claude-opus-4-7-20260101", "claude-sonnet-4-5-20251331", "anthropic/claude-opus-4.7"),
    ("YYYYMMDD", "31 June", "claude-opus-4-7-20260630", "claude-opus-4-7-20260631", "anthropic/claude-opus-4.7"),
    ("MMDD", "OpenAI's older, DeepSeek, xAI, Kimi", "grok-3-1212", "grok-3-1232", "xai/grok-3"),
    ("YYMM", "Mistral, Qwen", "magistral-medium-2612", "magistral-medium-2613", "mistral/magistral-medium"),
    ("MM-DD", "Gemini previews", "gemini-2.5-flash-05-20", "gemini-2.5-flash-05-32", "google/gemini-2.5-flash"),
    ("MM-YYYY", "Cohere", "command-a-03-2026", "command-a-13-2026", "cohere/command-a"),
]


@pytest.mark.parametrize(("form", "who", "dated", "not_a_date", "undated"), DATE_FORMS, ids=lambda v: str(v))
def test_every_vendors_date_form_is_read_and_only_calendar_dates_are(catalog, form: str, who: str, dated: str,
                                                                    not_a_date: str, undated: str) -> None:
    resolution = catalog.resolve(dated)
    assert (resolution.model.id, resolution.matched_by) == (undated, "undated-snapshot"), form
    with pytest.raises(UnknownModelError):
        catalog.resolve(not_a_date)


def test_strict_mode_refuses_an_unlisted_snapshot() -> None:
    strict = gate_consumer.Catalog.load(strict_snapshots=True)
    with pytest.raises(UnknownModelError, match=r"gpt-5\.4-2027-03-05"):
        strict.price("gpt-5.4-2027-03-05", input_tokens=10)


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
