"""genai-prices' feed as a source: per-1M prices and tiers, match rules applied to the ids of
the offerings the catalog knows (first rule wins), coverage counted, nothing created."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refresher.refresh import Payload, parse_payload, run_refresh
from refresher.sources import genai_prices
from refresher.store import load_tree
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
        {"id": "y", "match": {"equals": "y"}, "prices": [{"constraint": {}, "prices": {"input_mtok": 1}}]},
        {"id": "z", "match": {"equals": "z"}, "prices": {"input_mtok": -3}},
    ]}]).encode()
    snapshot = genai_prices.parse(body, AT)
    assert snapshot.rules == [] and snapshot.records == 3
    assert snapshot.unmapped == {"invalid: match clause glob is unknown": 1,
                                 "prices that change on a date (wait for dated prices)": 1, "invalid: input_mtok": 1}


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
