"""The examples of issue 31 ("every model a gateway meets is priced"), asked of the bundled
catalog — the committed seed, replayed from every recording — as Gate asks them. Each either
prices, at the price it had then, or is refused with the documented reason; the table is the
snapshot of what the catalog answers (a re-seed that changes one shows here)."""

from __future__ import annotations

import pytest

import gate_consumer
from gate_consumer import AmbiguousModelError, Freshness, UnknownModelError, UnpricedError, Usage
from tests.conftest import TEST_NOW

MILLION_EACH = Usage(1_000_000, 1_000_000)


@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


@pytest.mark.parametrize(("name", "at", "offering", "total_usd"), [
    # day-one pricing: LiteLLM and genai-prices price it alike before Anthropic's listing has it
    ("claude-opus-5", None, "anthropic/claude-opus-5", 30.0),
    # "ambiguous" although every offering of it says 3 / 15: one price is no guess
    ("grok-4", None, "xai/grok-4", 18.0),
    # aliases in time: Medium 3.1's price before LiteLLM's 2026-11-20 listing, Medium 3.5's after
    ("mistral-medium-latest", "2026-08-01", "mistral/mistral-medium-latest", 2.4),
    ("mistral-medium-latest", "2026-11-25", "mistral/mistral-medium-latest", 9.0),
    # duplicate models merged by the vendor's rename (the id is Cloudflare's upstream id, which
    # prices there); Azure's vendor-prefixed spelling
    ("anthropic/claude-4.5-sonnet", None, "cloudflare-ai-gateway/anthropic/claude-4.5-sonnet", 18.0),
    ("azure/cohere-command-a", None, "azure/cohere-command-a", 12.5),
])
def test_it_prices_at_the_price_it_had(catalog, name: str, at: str | None, offering: str, total_usd: float) -> None:
    quote = catalog.price(name, MILLION_EACH, at=at)
    assert (quote.offering, quote.total_usd) == (offering, pytest.approx(total_usd))


@pytest.mark.parametrize(("name", "at", "model"), [
    ("mistral-medium-latest", "2026-08-01", "mistral/mistral-medium-2508"),
    ("mistral-medium-latest", None, "mistral/mistral-medium-2604"),
    ("mistral-small-latest", None, "mistral/mistral-small-2603"),
    ("azure/cohere-command-a", None, "cohere/command-a"),
    ("azure-cognitive-services/meta-llama-3.1-8b-instruct", None, "meta/llama-3.1-8b-instruct"),
    ("azure/mai-ds-r1", None, "microsoft/mai-ds-r1"),
    ("anthropic/claude-4.5-sonnet", None, "anthropic/claude-sonnet-4.5"),
])
def test_it_names_the_model_it_stood_for(catalog, name: str, at: str | None, model: str) -> None:
    assert catalog.resolve(name, at=at).model.id == model


def test_a_provisional_price_says_so(catalog) -> None:
    offering = catalog.pick_offering("claude-opus-5")
    assert catalog.price_freshness(offering, now=TEST_NOW) is Freshness.PROVISIONAL


@pytest.mark.parametrize(("name", "at", "error", "reason"), [
    # a calendar has no month 13: not the undated model
    ("gpt-4o-2024-13-01", None, UnknownModelError, "unknown model 'gpt-4o-2024-13-01'"),
    # Groq stopped listing it in 2025 before any source priced it; the first price is of 2026
    ("groq/llama3-70b-8192", "2025-06-01", UnpricedError, "no price is known for 2025-06-01"),
    # OpenRouter's free variant of a model it no longer lists free
    ("openrouter/minimax/minimax-m2:free", None, UnknownModelError, "unknown model"),
])
def test_it_refuses_with_the_documented_reason(catalog, name: str, at: str | None, error: type, reason: str) -> None:
    with pytest.raises(error, match=reason):
        catalog.price(name, MILLION_EACH, at=at)


def test_gpt_5_6_sol_is_not_made_up_on_openai(catalog) -> None:
    """LiteLLM prices it 4 / 20 and genai-prices 5 / … (tiered): two catalogs that disagree
    create nothing on OpenAI (docs/refresher.md, "Day-one pricing"); OpenRouter, which lists
    it, prices it."""
    assert "openai/gpt-5.6-sol" not in [o.key for o in catalog.iter_offerings()]
    assert catalog.price("gpt-5.6-sol", MILLION_EACH).offering == "openrouter/openai/gpt-5.6-sol"


def test_no_offering_is_listed_first_at_a_zero_price_nobody_said_is_free(catalog) -> None:
    from gate_consumer.records import cheapest_first

    for offering in cheapest_first(catalog.resolve("gpt-4o").offerings):
        if offering.price and offering.price.get("input") == 0 == offering.price.get("output"):
            assert offering.free is not None, offering.key  # 0 / 0 only where a source says free
        break


def test_ambiguity_is_raised_only_where_prices_differ(catalog) -> None:
    with pytest.raises(AmbiguousModelError) as raised:
        catalog.price("phi-4", MILLION_EACH)  # Azure's two listings: 0.07 / 0.14 and 0.125 / 0.5
    quotes = {catalog.price(catalog.offering_by_key(k), MILLION_EACH).total_usd for k in raised.value.candidates}
    assert len(quotes) > 1
