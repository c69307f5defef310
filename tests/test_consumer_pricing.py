"""Pricing requests: components, tier boundaries, history, and never a silent $0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gate_consumer
from gate_consumer import Freshness, UnpricedError, Usage
from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from tests.conftest import UPSTREAM


@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


# google/gemini-2.5-pro: input 1.25, output 10, cache_read 0.125; above 200,000 input tokens 2.5 / 15 / 0.25
@pytest.mark.parametrize(
    ("input_tokens", "tier", "input_price", "output_price"),
    [
        (1, None, 1.25, 10),
        (199_999, None, 1.25, 10),
        (200_000, None, 1.25, 10),  # "above 200K": exactly 200,000 is still the base price
        (200_001, 200_000, 2.5, 15),
        (1_000_000, 200_000, 2.5, 15),
    ],
)
def test_context_tier_boundaries(catalog, input_tokens: int, tier, input_price: float, output_price: float) -> None:
    quote = catalog.price("google/gemini-2.5-pro", input_tokens=input_tokens, output_tokens=1000)
    assert quote.tier == tier
    assert quote.total_usd == pytest.approx(input_tokens * input_price / 1e6 + 1000 * output_price / 1e6)
    assert quote.offering == "google/gemini-2.5-pro"


def test_cached_tokens_count_towards_the_tier_and_are_charged_at_the_cache_price(catalog) -> None:
    quote = catalog.price("gemini-2.5-pro", input_tokens=250_000, cache_read_tokens=240_000, output_tokens=0)
    assert quote.tier == 200_000
    assert quote.breakdown == (("input", 10_000, pytest.approx(0.025)), ("cache_read", 240_000, pytest.approx(0.06)))


def test_every_component_of_a_claude_request(catalog) -> None:
    usage = Usage(input_tokens=10_000, output_tokens=2_000, cache_read_tokens=4_000, cache_write_tokens=1_000,
                  reasoning_tokens=500)
    quote = catalog.price("claude-sonnet-4-5", usage)
    # input 3, output 15, cache_read 0.3, cache_write 3.75; no reasoning price: reasoning is output
    assert [(c, t) for c, t, _ in quote.breakdown] == [
        ("input", 5_000), ("cache_read", 4_000), ("cache_write", 1_000), ("output", 2_000)]
    assert quote.total_usd == pytest.approx((5_000 * 3 + 4_000 * 0.3 + 1_000 * 3.75 + 2_000 * 15) / 1e6)
    # published from LiteLLM's map of 2026-11-20, held since Models.dev first said the same
    assert (quote.price_source, quote.price_as_of) == ("litellm", "2026-06-02T04:24:00Z")
    assert quote.catalog_version == catalog.version


def test_a_component_without_a_price_is_an_error_not_zero(catalog) -> None:
    offering = next(o for o in catalog.iter_offerings()
                    if o.price and "input" in o.price and "cache_write_1h" not in o.price and o.status != "retired")
    with pytest.raises(UnpricedError, match="no cache_write_1h price, and the request has 10 cache_write_1h tokens"):
        catalog.price(offering, input_tokens=100, cache_write_1h_tokens=10)


def test_an_offering_without_any_price_is_an_error(catalog) -> None:
    unpriced = next(o for o in catalog.iter_offerings() if not o.price)
    with pytest.raises(UnpricedError, match="no token price is known"):
        catalog.price(unpriced, input_tokens=1)


# Anthropic's own Sonnet 4.5 (the largest dollar errors: 400k–500k prompts priced at the
# base rate). 3 / 15 per 1M; above 200,000 prompt tokens 6 / 22.5 (the 1M-context price).
@pytest.mark.parametrize(("target", "input_tokens", "usd"), [
    ("claude-sonnet-4-5", 200_000, 200_000 * 3 / 1e6 + 1000 * 15 / 1e6),
    ("claude-sonnet-4-5", 200_001, 200_001 * 6 / 1e6 + 1000 * 22.5 / 1e6),
    ("claude-sonnet-4-5-20250929", 400_000, 400_000 * 6 / 1e6 + 1000 * 22.5 / 1e6),
    ("claude-sonnet-4-5-20250929", 500_000, 500_000 * 6 / 1e6 + 1000 * 22.5 / 1e6),
])
def test_long_prompts_to_anthropics_sonnet_4_5_are_priced_at_the_long_context_tier(
        catalog, target: str, input_tokens: int, usd: float) -> None:
    quote = catalog.price(target, Usage(input_tokens, 1000), provider="anthropic")
    assert quote.total_usd == pytest.approx(usd)
    assert quote.tier == (200_000 if input_tokens > 200_000 else None)


@pytest.mark.parametrize(("usage", "rule"), [
    (Usage(input_tokens=10, cache_read_tokens=11), "^cache_read_tokens 11 = 11 exceeds input_tokens 10, of which"),
    (Usage(input_tokens=10, cache_read_tokens=5, input_image_tokens=6),
     r"^cache_read_tokens 5 \+ input_image_tokens 6 = 11 exceeds input_tokens 10"),
    (Usage(input_tokens=10, cache_read_tokens=1, cache_read_audio_tokens=2),
     "^cache_read_audio_tokens 2 = 2 exceeds cache_read_tokens 1"),
    (Usage(output_tokens=1, reasoning_tokens=2), "^reasoning_tokens 2 = 2 exceeds output_tokens 1"),
    (Usage(output_tokens=3, reasoning_tokens=2, output_image_tokens=2),
     r"^reasoning_tokens 2 \+ output_image_tokens 2 = 4 exceeds output_tokens 3"),
    (Usage(input_tokens=-1), r"token counts must be >= 0: input_tokens=-1"),
])
def test_impossible_token_counts_are_refused_naming_the_rule(catalog, usage: Usage, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        catalog.price("claude-sonnet-4-5", usage)


@pytest.mark.parametrize("usage", [
    Usage(input_tokens=10, cache_read_tokens=10),  # every part at its limit: allowed
    Usage(input_tokens=10, cache_read_tokens=5, input_image_tokens=5, output_tokens=2, reasoning_tokens=2),
])
def test_token_counts_at_the_limit_are_accepted(catalog, usage: Usage) -> None:
    assert catalog.price("claude-sonnet-4-5", usage).total_usd > 0


def test_a_free_model_costs_zero_because_the_data_says_so(catalog) -> None:
    free = next(o for o in catalog.iter_offerings() if o.price and o.price.get("input") == 0 and o.price.get("output") == 0)
    assert catalog.price(free, input_tokens=1000, output_tokens=1000).total_usd == 0


def test_a_past_request_is_priced_at_the_price_that_held_then(seeded_tree: Path, build_catalog) -> None:
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_text())
    data["anthropic"]["models"]["claude-sonnet-4-5-20250929"]["cost"]["input"] = 2.5
    payload = Payload("modelsdev", (json.dumps(data).encode(),), "2026-08-01T00:00:00Z", "edited")
    assert run_refresh(seeded_tree, [payload], say=lambda _: None).ok
    catalog = build_catalog(seeded_tree)
    target = "anthropic/claude-sonnet-4-5-20250929"
    now = catalog.price(target, input_tokens=1_000_000)
    before = catalog.price(target, input_tokens=1_000_000, at="2026-07-15T00:00:00Z")
    assert (now.total_usd, now.historical) == (2.5, False)
    assert (before.total_usd, before.historical, before.price_as_of) == (3, True, "2026-07-01T16:40:28Z")
    assert catalog.price(target, input_tokens=1_000_000, at="2026-08-01T00:00:00Z").total_usd == 2.5  # from then on
    with pytest.raises(UnpricedError, match="no price is known for 2026-06-01T00:00:00Z"):
        catalog.price(target, input_tokens=1, at="2026-06-01T00:00:00Z")


def test_freshness_of_a_price_against_now(catalog) -> None:
    from datetime import datetime, timezone

    offering = catalog.pick_offering("claude-sonnet-4-5")
    fact = catalog.freshness(offering, "price.input", datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert (fact.source, fact.source_type, fact.freshness) == ("litellm", "community-catalog", Freshness.FRESH)
    assert fact.confirmed_at == "2026-11-20T04:05:34Z" and fact.agreeing == ("genai-prices", "langfuse", "modelsdev", "portkey")
    later = catalog.freshness(offering, "price.input", datetime(2027, 1, 15, tzinfo=timezone.utc))
    assert later.freshness is Freshness.STALE
    report = {r.provider: r for r in catalog.freshness_report(datetime(2027, 3, 1, tzinfo=timezone.utc),
                                                              providers=["anthropic"])}
    anthropic = report["anthropic"]  # by 2027-03 every price is stale, disputed, or not yet stated by Anthropic
    assert anthropic.stale + anthropic.conflict + anthropic.provisional == anthropic.tracked > 0


def test_reasoning_tokens_at_their_own_price(catalog) -> None:
    # alibaba/qwen-plus: input 0.4, output 1.2, reasoning 4
    quote = catalog.price("alibaba/qwen-plus", provider="alibaba", input_tokens=1000, output_tokens=3000,
                          reasoning_tokens=2000)
    assert [(c, t) for c, t, _ in quote.breakdown] == [("input", 1000), ("output", 1000), ("reasoning", 2000)]
    assert quote.total_usd == pytest.approx((1000 * 0.4 + 1000 * 1.2 + 2000 * 4) / 1e6)


def test_a_per_request_fee_is_added_once_per_request() -> None:
    from gate_consumer.pricing import PriceTable

    table = PriceTable({"input": 1, "output": 2, "request": 0.01}, "openrouter", "2026-07-17T18:02:00Z")
    quote = table.quote("x/y", Usage(input_tokens=1_000_000, requests=3), "v")
    assert quote.breakdown[-1] == ("request", 3, pytest.approx(0.03))
    assert quote.total_usd == pytest.approx(1.03)
    assert quote.as_dict()["breakdown"][0] == {"component": "input", "tokens": 1_000_000, "usd": 1.0}


def test_price_on_the_command_line() -> None:
    from typer.testing import CliRunner

    from refresher.cli import app

    runner = CliRunner()
    text = runner.invoke(app, ["price", "gemini-2.5-pro", "--input", "250000", "--output", "1000", "--cache-read",
                               "200000", "--at", "2026-07-10"])
    assert text.exit_code == 0, text.output
    assert "google/gemini-2.5-pro (google/gemini-2.5-pro)" in text.output
    assert "tier above 200,000 input tokens" in text.output
    # the context tier's components name the source of the tiers (issue 30: per component)
    assert "input                 50,000  $0.125000  langfuse, 2026-07-01; held since 2026-06-02; 3 agree" in text.output
    assert "the price: fresh (its oldest fact's); confirmed 2026-11-20T04:05:34Z" in text.output
    as_json = runner.invoke(app, ["price", "claude-sonnet-4-5", "--input", "1000", "--output", "10", "--json"])
    data = json.loads(as_json.output)
    assert (data["offering"], data["total_usd"], data["source_type"]) == (
        "anthropic/claude-sonnet-4-5", 0.00315, "community-catalog")
    unknown = runner.invoke(app, ["price", "claude-sonet-9", "--input", "1"])
    assert unknown.exit_code == 2 and "unknown model 'claude-sonet-9'" in unknown.output
    bad = runner.invoke(app, ["price", "claude-sonnet-4-5", "--input", "10", "--cache-read", "20"])
    assert bad.exit_code == 2 and "cache_read_tokens 20 = 20 exceeds input_tokens 10" in bad.output


def _usage_strategy(with_cache_write: bool):

    @st.composite
    def usages(draw):
        prompt = draw(st.integers(0, 2_000_000))
        cache_read = draw(st.integers(0, prompt))
        cache_write = draw(st.integers(0, prompt - cache_read)) if with_cache_write else 0
        output = draw(st.integers(0, 200_000))
        return Usage(input_tokens=prompt, output_tokens=output, cache_read_tokens=cache_read,
                     cache_write_tokens=cache_write)

    return usages()



@settings(max_examples=300, deadline=None)
@given(usage=_usage_strategy(with_cache_write=False))
def test_a_quote_is_the_sum_of_its_parts_and_grows_with_tokens(catalog, usage: Usage) -> None:
    # google/gemini-2.5-pro: a context tier above 200,000 input tokens, no cache-write price
    quote = catalog.price("google/gemini-2.5-pro", usage)
    assert quote.total_usd == pytest.approx(sum(usd for _, _, usd in quote.breakdown))
    assert sum(tokens for c, tokens, _ in quote.breakdown if c != "output") == usage.input_tokens
    more = catalog.price("google/gemini-2.5-pro", usage._replace(output_tokens=usage.output_tokens + 1))
    assert more.total_usd > quote.total_usd
    assert (quote.tier is None) == (usage.input_tokens <= 200_000)


@settings(max_examples=300, deadline=None)
@given(usage=_usage_strategy(with_cache_write=True))
def test_caching_never_costs_more_than_it_saves_on_reads(catalog, usage: Usage) -> None:
    # anthropic/claude-sonnet-4-5: cache reads at a tenth of the input price, writes at 1.25×
    # (above 200,000 prompt tokens, of the tier's input price)
    quote = catalog.price("claude-sonnet-4-5", usage)
    assert quote.total_usd == pytest.approx(sum(usd for _, _, usd in quote.breakdown))
    uncached = catalog.price("claude-sonnet-4-5", input_tokens=usage.input_tokens, output_tokens=usage.output_tokens)
    reads, writes = usage.cache_read_tokens, usage.cache_write_tokens
    price = catalog.pick_offering("claude-sonnet-4-5").price
    tier = next((t for t in price.get("tiers", ()) if usage.input_tokens > t["above_input_tokens"]), {})
    p_in, p_read, p_write = ({**price, **tier}[k] for k in ("input", "cache_read", "cache_write"))
    assert (p_read, p_write) == (p_in / 10, p_in * 1.25)
    expected = uncached.total_usd - reads * (p_in - p_read) / 1e6 + writes * (p_write - p_in) / 1e6
    assert quote.total_usd == pytest.approx(expected)
