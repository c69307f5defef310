"""LiteLLM's price map as a source that confirms or contests what the catalog knows: units,
id mapping, tiers, batch and 1-hour cache prices, every unmapped entry counted by reason, and
nothing created or retired on its account."""

from __future__ import annotations

import json
from pathlib import Path

from refresher.refresh import Payload, parse_payload, run_refresh
from refresher.sources import litellm
from refresher.store import load_tree
from tests.conftest import UPSTREAM

BODY = (UPSTREAM / "litellm/model_prices_and_context_window.json").read_bytes()
AT = "2026-11-20T04:05:34Z"


def payload(body: bytes = BODY, at: str = AT) -> Payload:
    return Payload("litellm", (body,), at, "litellm")


def test_prices_per_token_become_prices_per_million_with_batch_and_one_hour_writes() -> None:
    snapshot = parse_payload(payload())
    assert snapshot.confirms_only and snapshot.providers == []  # it never describes a provider
    sonnet = next(o for o in snapshot.offerings if (o.provider, o.upstream_id) == ("anthropic", "claude-sonnet-4-5-20250929"))
    assert sonnet.facts == {
        "price.input": 3, "price.output": 15, "price.cache_read": 0.3, "price.cache_write": 3.75,
        "price.cache_write_1h": 6, "price.batch": {"input": 1.5, "output": 7.5},
    }
    assert sonnet.model_facts == {} and sonnet.aliases == ()


def test_context_tiers_are_read_from_their_threshold() -> None:
    entry = {"litellm_provider": "gemini", "input_cost_per_token": 1.25e-06, "output_cost_per_token": 1e-05,
             "input_cost_per_token_above_200k_tokens": 2.5e-06, "output_cost_per_token_above_200k_tokens": 1.5e-05}
    snapshot = litellm.parse(json.dumps({"gemini/gemini-2.5-pro": entry}).encode(), AT)
    (obs,) = snapshot.offerings
    assert (obs.provider, obs.upstream_id) == ("google", "gemini-2.5-pro")
    assert obs.facts["price.tiers"] == [{"above_input_tokens": 200_000, "input": 2.5, "output": 15}]


def test_every_entry_that_maps_to_nothing_is_counted_by_reason() -> None:
    snapshot = parse_payload(payload())
    assert snapshot.unmapped == {
        "provider fal_ai not mapped": 2,
        "region-specific price (waits for regional prices)": 2,
        "no token price": 7,  # two image models of OpenAI, five groq and anthropic entries without one
    }
    raw = litellm.parse(BODY, AT)  # before duplicates are folded
    assert len(raw.offerings) + sum(raw.unmapped.values()) == raw.records == len(json.loads(BODY)) - 1
    # DeepSeek lists six ids twice (deepseek-x and deepseek/deepseek-x): five the same, counted
    # once; one with different values, rejected
    assert len(snapshot.offerings) == len(raw.offerings) - 5 - 2


def test_an_id_listed_twice_with_different_values_is_rejected() -> None:
    snapshot = parse_payload(payload())
    (twin,) = [s for s in snapshot.skipped if s.upstream_id == "deepseek-chat"]
    assert "listed 2 times with different values (price.cache_write: None ≠ 0.0)" in twin.reason


def test_it_confirms_and_contests_but_never_creates(seeded_tree: Path) -> None:
    before = load_tree(seeded_tree)
    result = run_refresh(seeded_tree, [payload()], say=lambda _: None)
    assert result.ok, result.to_json()
    (summary,) = result.summaries
    after = load_tree(seeded_tree)
    assert set(after.providers) == set(before.providers)
    assert {p: set(r["offerings"]) for p, r in after.providers.items()} == \
        {p: set(r["offerings"]) for p, r in before.providers.items()}
    assert after.vendors == before.vendors  # the models are left alone
    assert summary.added == 0 and summary.unmapped["no provider groq in the catalog"] > 0
    sonnet = after.providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]
    assert sonnet["price"]["cache_write_1h"] == 6  # a fact only LiteLLM states is taken from it
    assert sonnet["provenance"]["fields"]["price.cache_write_1h"]["source"] == "litellm"
    # Models.dev of July said the same input price: it agrees with LiteLLM of November
    assert "litellm" in {a["source"] for a in sonnet.get("agreements", {}).get("price.input", [])} | \
        {sonnet["provenance"].get("fields", {}).get("price.input", sonnet["provenance"])["source"]}


def test_its_silence_is_no_absence(seeded_tree: Path) -> None:
    run_refresh(seeded_tree, [payload()], say=lambda _: None)
    empty_but_one = {"claude-sonnet-4-5-20250929": json.loads(BODY)["claude-sonnet-4-5-20250929"]}
    for day in range(21, 26):
        result = run_refresh(seeded_tree, [payload(json.dumps(empty_but_one).encode(), f"2026-11-{day}T00:00:00Z")],
                             say=lambda _: None)
        assert result.summaries[0].retired == 0 and not result.summaries[0].warnings
    assert "absences" not in load_tree(seeded_tree).ledger["sources"]["litellm"]


def test_the_summary_and_report_carry_the_coverage(seeded_tree: Path) -> None:
    result = run_refresh(seeded_tree, [payload()], say=lambda _: None)
    (source,) = result.to_json()["sources"]
    assert source["unmapped"]["provider fal_ai not mapped"] == 2
    assert "unmapped" in result.summaries[0].line()
