"""The price model's dimensions — service tiers, off-peak hours, regions and profiles — and how
they stack (gate_consumer.pricing's docstring, docs/data-model.md "Prices"): boundary tables on
small prices, then the issue's examples on the committed catalog."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import gate_consumer
from gate_consumer import UnpricedError, Usage
from gate_consumer.pricing import PriceTable

MILLION_IN = Usage(input_tokens=1_000_000)
BASE = {"input": 2.0, "output": 8.0, "cache_read": 0.5}


def _quote(price: dict, usage: Usage = MILLION_IN, **kw):
    return PriceTable(price, "test", "2026-01-01T00:00:00Z").quote("acme/m", usage, "v", **kw)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


# -- service tiers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("tier", "usd"), [("standard", 2.0), ("batch", 1.0), ("flex", 1.0), ("priority", 4.0)])
def test_a_service_tier_prices_at_its_own_rates(tier: str, usd: float) -> None:
    price = {**BASE, "batch": {"input": 1.0}, "flex": {"input": 1.0}, "priority": {"input": 4.0}}
    quote = _quote(price, service_tier=tier)
    assert quote.total_usd == pytest.approx(usd) and quote.service_tier == tier


def test_a_component_a_service_tier_does_not_state_is_unpriced_there() -> None:
    with pytest.raises(UnpricedError, match="no output price at the flex tier, and the request has 10 output tokens"):
        _quote({**BASE, "flex": {"input": 1.0}}, Usage(input_tokens=10, output_tokens=10), service_tier="flex")


@pytest.mark.parametrize(("tier", "message"), [
    ("priority", "no priority prices; its service tiers: standard, flex"),
    ("turbo", "'turbo' is not a service tier \\(standard, batch, flex, priority\\)"),
])
def test_an_unavailable_or_unknown_service_tier_lists_what_exists(tier: str, message: str) -> None:
    with pytest.raises(UnpricedError, match=message):
        _quote({**BASE, "flex": {"input": 1.0}}, service_tier=tier)


@pytest.mark.parametrize(("prompt", "priced"), [(200_000, True), (200_001, False)])
def test_a_service_tier_does_not_combine_with_a_context_tier(prompt: int, priced: bool) -> None:
    price = {**BASE, "tiers": [{"above_input_tokens": 200_000, "input": 4.0}], "batch": {"input": 1.0}}
    if priced:
        assert _quote(price, Usage(input_tokens=prompt), service_tier="batch").total_usd == pytest.approx(0.2)
    else:
        with pytest.raises(UnpricedError, match="no batch price for prompts above 200,000 tokens"):
            _quote(price, Usage(input_tokens=prompt), service_tier="batch")


# -- off-peak hours ------------------------------------------------------------------------------

DEEPSEEK_WINDOWS = [{"hours_utc": ["00:00-01:00", "04:00-06:00", "10:00-00:00"], "weekdays": [1, 2, 3, 4, 5]},
                    {"hours_utc": ["00:00-00:00"], "weekdays": [6, 7]}]
OFF_PEAK = {**BASE, "off_peak": {"input": 1.0, "windows": DEEPSEEK_WINDOWS}}


@pytest.mark.parametrize(("at", "off_peak"), [
    ("2026-12-01T00:00:00", True),  # a Tuesday, first minute of 00:00-01:00
    ("2026-12-01T00:59:59", True),
    ("2026-12-01T01:00:00", False),  # a window's end is not in it
    ("2026-12-01T03:59:00", False),
    ("2026-12-01T04:00:00", True),
    ("2026-12-01T06:00:00", False),
    ("2026-12-01T09:59:00", False),
    ("2026-12-01T10:00:00", True),  # 10:00-00:00 runs to midnight
    ("2026-12-01T23:59:00", True),
    ("2026-12-05T13:00:00", True),  # Saturday: 00:00-00:00 is the whole day
    ("2026-12-07T03:00:00", False),  # Monday again
])
def test_off_peak_windows_at_their_edges(at: str, off_peak: bool) -> None:
    quote = _quote(OFF_PEAK, at=_at(at))
    assert quote.total_usd == pytest.approx(1.0 if off_peak else 2.0)
    assert quote.window == ("off_peak" if off_peak else None)
    # a component the off-peak prices do not state keeps its standard price
    cached = _quote(OFF_PEAK, Usage(input_tokens=1_000_000, cache_read_tokens=1_000_000), at=_at(at))
    assert cached.total_usd == pytest.approx(0.5)


def test_the_weekday_can_follow_another_time_zone() -> None:
    """Hours stay UTC; the weekday is Shanghai's: Friday 20:00 UTC is already Saturday there."""
    price = {**BASE, "off_peak": {"input": 1.0, "windows": [{"hours_utc": ["00:00-00:00"], "weekdays": [6, 7]}],
                                  "weekday_time_zone": "Asia/Shanghai"}}
    assert _quote(price, at=_at("2026-12-04T15:59:00")).window is None  # 23:59 Friday in Shanghai
    assert _quote(price, at=_at("2026-12-04T16:00:00")).window == "off_peak"  # 00:00 Saturday there


def test_off_peak_prices_apply_to_the_standard_tier_only_and_not_with_a_context_tier() -> None:
    price = {**OFF_PEAK, "batch": {"input": 1.5}, "tiers": [{"above_input_tokens": 200_000, "input": 4.0}]}
    night = _at("2026-12-01T12:00:00")
    assert _quote(price, Usage(input_tokens=100_000), service_tier="batch", at=night).window is None
    with pytest.raises(UnpricedError, match="no off-peak price for prompts above 200,000 tokens"):
        _quote(price, Usage(input_tokens=200_001), at=night)


# -- regions -------------------------------------------------------------------------------------

REGIONS = {**BASE, "tiers": [{"above_input_tokens": 200_000, "input": 4.0}], "batch": {"input": 1.0},
           "regions": {"us-gov-east-1": {"multiplier": 1.2}, "eu-south-1": {"input": 2.5, "output": 9.0}}}


@pytest.mark.parametrize(("usage", "tier", "usd"), [
    (MILLION_IN, "standard", 4.0 * 1.2),  # a multiplier stacks on a context tier…
    (Usage(input_tokens=100_000), "standard", 0.2 * 1.2),
    (Usage(input_tokens=100_000), "batch", 0.1 * 1.2),  # …and on a service tier
])
def test_a_region_multiplier_multiplies_whatever_applies(usage: Usage, tier: str, usd: float) -> None:
    quote = _quote(REGIONS, usage, service_tier=tier, region="us-gov-east-1")
    assert quote.total_usd == pytest.approx(usd) and quote.region == "us-gov-east-1"


def test_a_regions_own_prices_replace_the_base_and_combine_with_nothing_else() -> None:
    assert _quote(REGIONS, Usage(input_tokens=100_000), region="eu-south-1").total_usd == pytest.approx(0.25)
    with pytest.raises(UnpricedError, match="region 'eu-south-1' has prices of its own, which do not combine"):
        _quote(REGIONS, Usage(input_tokens=100_000), service_tier="batch", region="eu-south-1")
    with pytest.raises(UnpricedError, match="no cache_read price in region eu-south-1"):
        _quote(REGIONS, Usage(input_tokens=100, cache_read_tokens=100), region="eu-south-1")


@pytest.mark.parametrize(("price", "message"), [
    (REGIONS, "no price in region 'mars-1'; its regions: eu-south-1, us-gov-east-1"),
    (BASE, "no price in region 'mars-1'; its regions: none \\(only its default price\\)"),
])
def test_an_unknown_region_lists_the_regions_there_are(price: dict, message: str) -> None:
    with pytest.raises(UnpricedError, match=message):
        _quote(price, region="mars-1")


# -- the committed catalog -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


@pytest.mark.parametrize(("model_id", "usd"), [
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 0.0528),  # a geographic profile: AWS's +10 %
    ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", 0.0480),
])
def test_a_bedrock_profile_id_prices_that_profile(catalog: gate_consumer.Catalog, model_id: str, usd: float) -> None:
    quote = catalog.price(model_id, input_tokens=12_000, output_tokens=800)
    assert quote.offering == f"amazon-bedrock/{model_id}" and quote.total_usd == pytest.approx(usd)


@pytest.mark.parametrize(("tier", "usd"), [("flex", 0.625), ("priority", 2.50), ("standard", 1.25)])
def test_openais_service_tiers(catalog: gate_consumer.Catalog, tier: str, usd: float) -> None:
    quote = catalog.price("gpt-5", provider="openai", input_tokens=1_000_000, service_tier=tier)
    assert quote.total_usd == pytest.approx(usd) and quote.service_tier == tier


@pytest.mark.parametrize(("at", "usd"), [("2026-12-01T12:00:00Z", 0.66), ("2026-12-01T02:00:00Z", 1.32)])
def test_deepseek_off_peak(catalog: gate_consumer.Catalog, at: str, usd: float) -> None:
    quote = catalog.price("deepseek-v4-pro", provider="deepseek", input_tokens=1_000_000, at=at)
    assert quote.total_usd == pytest.approx(usd)
    assert quote.as_dict()["window"] == ("off_peak" if usd < 1 else None)
