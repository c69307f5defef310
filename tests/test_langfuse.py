"""Langfuse's default prices as a source that confirms or contests what the catalog knows: regex
rules matched against the vendors' own offerings and Bedrock's and Vertex's (not the
geographic profiles), synonyms that must agree, context tiers from conditions, and every rule
that matches nothing counted by reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refresher.run.payloads import parse_payload, replay_payloads
from refresher.run.reconcile import expand_rules
from refresher.run.refresh import run_refresh
from refresher.sources import langfuse
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

BODY = (UPSTREAM / "langfuse/default-model-prices.json").read_bytes()
AT = "2026-07-01T22:20:15Z"
SONNET_45 = {
    "price.input": 3, "price.output": 15, "price.cache_read": 0.3, "price.cache_write": 3.75, "price.cache_write_1h": 6,
    "price.tiers": [{"above_input_tokens": 200_000, "cache_read": 0.6, "cache_write": 7.5, "cache_write_1h": 12,
                     "input": 6, "output": 22.5}],
}


def _entry(prices: dict, *, tiers: list | None = None, pattern: str = "(?i)^(acme/)?(m-1)$") -> dict:
    default = {"isDefault": True, "priority": 0, "conditions": [], "prices": prices}
    return {"modelName": "m-1", "matchPattern": pattern, "pricingTiers": [default, *(tiers or [])]}


def _parse(*entries: dict) -> langfuse.Snapshot:
    return langfuse.parse(json.dumps(list(entries)).encode(), AT)


def test_a_rule_carries_its_prices_per_million_and_its_context_tier() -> None:
    snapshot = langfuse.parse(BODY, AT)
    rule = next(r for r in snapshot.rules if r.name == "claude-sonnet-4-5-20250929")
    assert rule.facts == SONNET_45
    assert rule.providers == langfuse.PROVIDERS


@pytest.mark.parametrize(("upstream_id", "matches"), [
    ("claude-sonnet-4-5-20250929", True),  # Anthropic's own API
    ("claude-sonnet-4-5", True),
    ("anthropic.claude-sonnet-4-5-20250929-v1:0", True),  # Bedrock, in-region
    ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", True),  # global profile: the list price
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", False),  # geographic profiles cost 10 % more
    ("eu.anthropic.claude-sonnet-4-5-20250929-v1:0", False),
    ("claude-sonnet-4-5@20250929", True),  # Vertex
    ("claude-sonnet-4-5-20250929-extra", False),
])
def test_which_ids_a_rule_matches(upstream_id: str, matches: bool) -> None:
    rule = next(r for r in langfuse.parse(BODY, AT).rules if r.name == "claude-sonnet-4-5-20250929")
    assert rule.matches(upstream_id.lower()) is matches


@pytest.mark.parametrize(("entry", "reason"), [
    (_entry({"input": 1e-06, "input_tokens": 2e-06, "output": 2e-06}), "invalid: input and input_tokens"),
    (_entry({"input": 1e-06, "output": 2e-06},
            tiers=[{"isDefault": False, "priority": 1, "prices": {"input": 2e-06},
                    "conditions": [{"usageDetailPattern": "output", "operator": "gt", "value": 1000}]}]),
     "invalid: conditions [{'usageDetailPattern'"),
    (_entry({"input": 1e-06}, pattern="(unclosed"), "invalid: missing ), unterminated subpattern at position 0"),
    (_entry({"input": 0.006, "output": 0.006}), "invalid: price.input"),  # $6,000 per 1M: a per-minute rate
    (_entry({"total": 1e-06}), "no token price"),
    ({"matchPattern": "x"}, "invalid: a model without a modelName"),
])
def test_an_entry_it_cannot_use_is_counted_by_reason(entry: dict, reason: str) -> None:
    snapshot = _parse(entry)
    assert snapshot.rules == [] and snapshot.records == 1
    ((counted, n),) = snapshot.unmapped.items()
    assert counted.startswith(reason) and n == 1


def test_a_tier_whose_condition_takes_in_cached_prompt_tokens_is_a_context_tier() -> None:
    tier = {"isDefault": False, "priority": 1, "prices": {"input": 2.5e-06, "output": 1.5e-05},
            "conditions": [{"usageDetailPattern": "(input|prompt|cached)", "operator": "gt", "value": 200000}]}
    (rule,) = _parse(_entry({"input": 1.25e-06, "output": 1e-05}, tiers=[tier])).rules
    assert rule.facts["price.tiers"] == [{"above_input_tokens": 200_000, "input": 2.5, "output": 15}]


def test_rules_match_the_vendors_and_clouds_offerings_in_the_tree(seeded_tree: Path) -> None:
    observations, unmatched = expand_rules(load_tree(seeded_tree), langfuse.parse(BODY, AT).rules)
    matched = {(o.provider, o.upstream_id) for o in observations}
    assert ("anthropic", "claude-sonnet-4-5-20250929") in matched
    assert ("amazon-bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0") in matched
    assert ("amazon-bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0") not in matched
    assert not any(p == "openrouter" for p, _ in matched)  # an aggregator's price is its own
    # gpt-4o and gemini-2.5-pro: no such offering in this small tree
    assert unmatched[f"matches no {', '.join(langfuse.PROVIDERS)} offering in the catalog"] >= 2


def test_it_confirms_and_contests_but_never_creates(seeded_tree: Path) -> None:
    before = load_tree(seeded_tree)
    payloads, errors = replay_payloads(UPSTREAM, ["langfuse"])
    assert errors == {}
    result = run_refresh(seeded_tree, payloads, say=lambda _: None)
    assert result.ok, result.to_json()
    after = load_tree(seeded_tree)
    assert {p: set(r["offerings"]) for p, r in after.providers.items()} == \
        {p: set(r["offerings"]) for p, r in before.providers.items()}
    sonnet = after.providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]
    assert sonnet["price"]["tiers"] == [{"above_input_tokens": 200_000, "cache_read": 0.6, "cache_write": 7.5,
                                         "cache_write_1h": 12, "input": 6, "output": 22.5}]
    snapshot = parse_payload(payloads[0])
    assert snapshot.records == len(json.loads(BODY))
    again = run_refresh(seeded_tree, payloads, say=lambda _: None)
    assert again.ok and again.written == []
