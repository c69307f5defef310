"""genai-prices' feed as a source: per-1M prices and tiers, match rules applied to the ids of
the offerings the catalog knows (first rule wins), coverage counted, nothing created."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refresher.run.payloads import Payload, parse_payload
from refresher.run.refresh import run_refresh
from refresher.sources import genai_prices
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

BODY = (UPSTREAM / "genai-prices/data.json").read_bytes()
AT = "2026-07-30T12:45:06Z"


def payload(body: bytes = BODY, at: str = AT) -> Payload:
    return Payload("genai-prices", (body,), at, "genai-prices")


@pytest.mark.parametrize(("rule", "matching", "not_matching"), [
    ({"equals": "gpt-4o"}, ["gpt-4o", "GPT-4o"], ["gpt-4o-mini"]),
    ({"starts_with": "claude-2"}, ["claude-2.1"], ["anthropic/claude-2"]),
    ({"ends_with": ":free"}, ["x/y:free"], ["x/y"]),
    ({"contains": "claude-v2"}, ["anthropic.claude-v2:1"], ["claude-2"]),
    ({"regex": "^claude-3-5-sonnet(-\\d{8})?$"}, ["claude-3-5-sonnet-20241022"], ["claude-3-5-sonnet-latest"]),
    ({"or": [{"equals": "a"}, {"starts_with": "b"}]}, ["a", "bee"], ["c"]),
    ({"and": [{"starts_with": "gpt"}, {"contains": "mini"}]}, ["gpt-4o-mini"], ["gpt-4o"]),
])
def test_match_rules(rule: dict, matching: list[str], not_matching: list[str]) -> None:
    matches = genai_prices._matcher(rule)
    assert all(matches(m.lower()) for m in matching) and not any(matches(m.lower()) for m in not_matching)


def test_an_unknown_clause_is_an_invalid_entry_not_a_crash() -> None:
    body = json.dumps([{"id": "anthropic", "models": [
        {"id": "x", "match": {"glob": "x*"}, "prices": {"input_mtok": 1}},
        {"id": "y", "match": {"equals": "y"}, "prices": [{"constraint": {"region": "eu"}, "prices": {"input_mtok": 1}}]},
        {"id": "z", "match": {"equals": "z"}, "prices": {"input_mtok": -3}},
    ]}]).encode()
    snapshot = genai_prices.parse(body, AT)
    assert snapshot.rules == [] and snapshot.records == 3
    assert snapshot.unmapped == {"invalid: match clause glob is unknown": 1,
                                 "invalid: an unknown constraint (not start_date or start/end_time)": 1,
                                 "invalid: input_mtok": 1}


def test_prices_and_tiers_confirm_the_offerings_they_match(seeded_tree: Path) -> None:
    result = run_refresh(seeded_tree, [payload()], say=lambda _: None)
    assert result.ok, result.to_json()
    (summary,) = result.summaries
    assert summary.added == 0 and summary.unmapped["provider voyageai not mapped"] == 2
    sonnet = load_tree(seeded_tree).providers["openrouter"]["offerings"]["anthropic/claude-sonnet-4.5"]
    assert sonnet["price"]["tiers"][0]["above_input_tokens"] == 200_000
    sources = {a["source"] for a in sonnet.get("agreements", {}).get("price.input", [])}
    holder = sonnet["provenance"].get("fields", {}).get("price.input", sonnet["provenance"])["source"]
    assert "genai-prices" in sources | {holder}


def test_the_first_matching_rule_wins_and_unused_rules_are_counted(seeded_tree: Path) -> None:
    body = json.dumps([{"id": "anthropic", "models": [
        {"id": "sonnet-exact", "match": {"equals": "claude-sonnet-4-5-20250929"}, "prices": {"input_mtok": 3}},
        {"id": "sonnet-any", "match": {"starts_with": "claude-sonnet-4-5"}, "prices": {"input_mtok": 30}},
        {"id": "nothing", "match": {"equals": "claude-none"}, "prices": {"input_mtok": 1}},
    ]}]).encode()
    snapshot = parse_payload(payload(body))
    result = run_refresh(seeded_tree, [payload(body)], say=lambda _: None)
    assert result.ok and len(snapshot.rules) == 3
    offerings = load_tree(seeded_tree).providers["anthropic"]["offerings"]
    assert offerings["claude-sonnet-4-5-20250929"]["price"]["input"] == 3  # the exact rule came first
    assert result.summaries[0].unmapped == {"matches no anthropic offering in the catalog": 1}


def _one(prices: object, at: str = AT) -> dict:
    feed = [{"id": "deepseek", "models": [{"id": "m", "match": {"equals": "m"}, "prices": prices}]}]
    snapshot = genai_prices.parse(json.dumps(feed).encode(), at)
    assert not snapshot.unmapped, snapshot.unmapped
    (rule,) = snapshot.rules
    return rule.facts


@pytest.mark.parametrize(("at", "input_price"), [
    ("2026-03-12T23:59:59Z", 10),  # before the new price's start date: the old one
    ("2026-03-13T00:00:00Z", 5),
    ("2026-07-30T12:45:06Z", 5),
])
def test_the_price_in_effect_when_observed_is_taken(at: str, input_price: float) -> None:
    prices = [{"prices": {"input_mtok": 10, "output_mtok": 50}},
              {"constraint": {"start_date": "2026-03-13"}, "prices": {"input_mtok": 5, "output_mtok": 25}}]
    assert _one(prices, at)["price.input"] == input_price


def test_a_time_of_day_constraint_becomes_off_peak_prices() -> None:
    """genai-prices states DeepSeek's standard price for 00:30-16:30 UTC and the cheaper one for
    the rest of the day; the catalog's off-peak window is that rest."""
    prices = [{"prices": {"input_mtok": 0.135, "cache_read_mtok": 0.035, "output_mtok": 0.55}},
              {"constraint": {"start_time": "00:30:00Z", "end_time": "16:30:00Z"},
               "prices": {"input_mtok": 0.27, "cache_read_mtok": 0.07, "output_mtok": 1.1}}]
    assert _one(prices) == {
        "price.input": 0.27, "price.cache_read": 0.07, "price.output": 1.1,
        "price.off_peak": {"cache_read": 0.035, "input": 0.135, "output": 0.55,
                           "windows": [{"hours_utc": ["16:30-00:30"], "weekdays": [1, 2, 3, 4, 5, 6, 7]}]},
    }


def test_constraints_it_cannot_read_are_counted() -> None:
    feed = [{"id": "deepseek", "models": [{"id": "m", "match": {"equals": "m"}, "prices": [
        {"constraint": {"start_time": "00:30:00Z"}, "prices": {"input_mtok": 1}}]}]}]
    snapshot = genai_prices.parse(json.dumps(feed).encode(), AT)
    assert snapshot.rules == [] and list(snapshot.unmapped) == ["invalid: time constraints"]


def test_image_output_is_a_price_of_its_own() -> None:
    facts = _one({"input_mtok": 0.3, "output_mtok": 2.5, "output_image_mtok": 30})
    assert (facts["price.output"], facts["price.image_output"]) == (2.5, 30)


def test_modality_prices_each_have_their_own_fact() -> None:
    facts = _one({"input_mtok": 0.3, "output_mtok": 2.5, "input_audio_mtok": 1, "cache_audio_read_mtok": 0.1,
                  "input_image_mtok": 0.5, "output_audio_mtok": 8})
    assert {k: facts[f"price.{k}"] for k in ("input_audio", "cache_read_audio", "input_image", "output_audio")} == \
        {"input_audio": 1, "cache_read_audio": 0.1, "input_image": 0.5, "output_audio": 8}
