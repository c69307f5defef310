"""LiteLLM's price map as a source that confirms or contests what the catalog knows: units,
id mapping, tiers, batch and 1-hour cache prices, every unmapped entry counted by reason, and
nothing created or retired on its account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refresher.run.payloads import Payload, parse_payload
from refresher.run.refresh import run_refresh
from refresher.sources import litellm
from refresher.tree.store import load_tree
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
        "price.cache_write_1h": 6, "price.batch": {"cache_read": 0.15, "cache_write": 1.875, "input": 1.5, "output": 7.5},
    }
    assert sonnet.model_facts == {} and sonnet.aliases == ()


def test_openais_completion_models_are_openais_offerings() -> None:
    """``davinci-002`` is listed under ``text-completion-openai``; it is OpenAI's (2 / 2, as
    OpenAI's price list says; issue 26 found it published at 6 / 2 without this statement)."""
    # the entry as recorded in ../shared/fixtures/upstream/litellm/model_prices_and_context_window-2026-11-20.json
    body = json.dumps({"davinci-002": {
        "input_cost_per_token": 2e-06, "input_cost_per_token_batches": 1e-06, "litellm_provider": "text-completion-openai",
        "max_input_tokens": 16384, "max_output_tokens": 4096, "max_tokens": 16384, "mode": "completion",
        "output_cost_per_token": 2e-06, "output_cost_per_token_batches": 1e-06}}).encode()
    (davinci,) = parse_payload(payload(body)).offerings
    assert (davinci.provider, davinci.facts["price.input"], davinci.facts["price.output"]) == ("openai", 2, 2)


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
        "provisioned throughput (a commitment, not a token price)": 2,
        "no token price": 7,  # two image models of OpenAI, five groq and anthropic entries without one
    }
    raw = litellm.parse(BODY, AT)  # before duplicates are folded
    regional = 2  # the two us-gov region paths, folded into their offering's price.regions
    assert len(raw.offerings) + sum(raw.unmapped.values()) + regional == raw.records == len(json.loads(BODY)) - 1
    # DeepSeek lists six ids twice (deepseek-x and deepseek/deepseek-x), all agreeing: counted once
    assert len(snapshot.offerings) == len(raw.offerings) - 6


def test_an_id_listed_twice_whose_entries_agree_is_one_statement() -> None:
    """deepseek-chat and deepseek/deepseek-chat differ only by a cache-write price of 0.0 beside
    none: LiteLLM's "not known". One statement, without a cache-write price (unknown, not free);
    both were rejected before, so LiteLLM's price of the model never counted."""
    snapshot = parse_payload(payload())
    assert not [s for s in snapshot.skipped if s.upstream_id == "deepseek-chat"]
    (chat,) = [o for o in snapshot.offerings if (o.provider, o.upstream_id) == ("deepseek", "deepseek-chat")]
    assert chat.facts["price.input"] == pytest.approx(0.28) and chat.facts["price.output"] == pytest.approx(0.42)
    assert "price.cache_write" not in chat.facts


@pytest.mark.parametrize(("a", "b", "one"), [
    ({"price.input": 1, "price.output": 2}, {"price.input": 1, "price.output": 2}, True),
    ({"price.input": 1, "price.output": 2, "price.cache_write": 0}, {"price.input": 1, "price.output": 2}, True),
    ({"price.input": 1, "price.output": 2, "price.cache_write": 0.5}, {"price.input": 1, "price.output": 2}, False),
    ({"price.input": 0, "price.output": 2}, {"price.output": 2}, False),  # input is always stated: 0 is free
    ({"price.input": 1, "price.output": 2}, {"price.input": 1, "price.output": 3}, False),
    ({"price.input": 1, "limits.context": 0}, {"price.input": 1}, False),  # only a price can be "unset"
])
def test_two_entries_agree_when_only_an_optional_price_of_0_tells_them_apart(a: dict, b: dict, one: bool) -> None:
    from refresher.run.payloads import agreeing
    from refresher.sources.base import OfferingObservation

    merged = agreeing(OfferingObservation("p", "m", a), OfferingObservation("p", "m", b))
    assert (merged is not None) == one
    if merged is not None:
        assert merged.facts == {k: v for k, v in a.items() if k in b}


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


def _offering(snapshot, provider: str, upstream_id: str) -> dict:
    return next(o.facts for o in snapshot.offerings if (o.provider, o.upstream_id) == (provider, upstream_id))


def test_service_tiers_are_prices_of_their_own() -> None:
    gpt5 = _offering(litellm.parse(BODY, AT), "openai", "gpt-5")
    assert gpt5["price.flex"] == {"cache_read": 0.0625, "input": 0.625, "output": 5}
    assert gpt5["price.priority"] == {"cache_read": 0.25, "input": 2.5, "output": 20}
    assert gpt5["price.batch"] == {"cache_read": 0.0625, "input": 0.625, "output": 5}


def test_a_region_path_is_the_offerings_price_in_that_region_and_a_profile_is_an_offering() -> None:
    snapshot = litellm.parse(BODY, AT)
    in_region = _offering(snapshot, "amazon-bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert (in_region["price.input"], in_region["price.output"]) == (3, 15)
    assert set(in_region["price.regions"]) == {"us-gov-east-1", "us-gov-west-1"}
    assert in_region["price.regions"]["us-gov-east-1"]["input"] == 3.6
    assert in_region["price.regions"]["us-gov-east-1"]["output"] == 18
    us = _offering(snapshot, "amazon-bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert (us["price.input"], us["price.output"]) == (3.3, 16.5)  # the geographic profile: +10 %
    glob = _offering(snapshot, "amazon-bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert (glob["price.input"], glob["price.output"]) == (3, 15)


def test_off_peak_hours_are_read_with_their_windows() -> None:
    pro = _offering(litellm.parse(BODY, AT), "deepseek", "deepseek-v4-pro")
    assert pro["price.off_peak"] == {
        "cache_read": 0.022, "input": 0.66, "output": 1.98,
        "windows": [{"hours_utc": ["00:00-01:00", "04:00-06:00", "10:00-00:00"], "weekdays": [1, 2, 3, 4, 5]},
                    {"hours_utc": ["00:00-00:00"], "weekdays": [6, 7]}],
    }


def test_a_malformed_off_peak_block_skips_that_entry_and_names_it() -> None:
    entry = {"litellm_provider": "deepseek", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
             "off_peak_pricing": {"input_cost_per_token": 5e-07, "windows": [{"weekdays": [1]}]}}
    snapshot = litellm.parse(json.dumps({"deepseek/x": entry}).encode(), AT)
    (skipped,) = snapshot.skipped
    assert skipped.record == "deepseek/x" and "off_peak_pricing.windows: a window without hours_utc" in skipped.reason


def test_image_output_is_a_price_of_its_own() -> None:
    entry = {"litellm_provider": "gemini", "input_cost_per_token": 3e-07, "output_cost_per_token": 2.5e-06,
             "output_cost_per_image_token": 3e-05}
    (obs,) = litellm.parse(json.dumps({"gemini/gemini-2.5-flash-image": entry}).encode(), AT).offerings
    assert (obs.facts["price.output"], obs.facts["price.image_output"]) == (2.5, 30)


def test_modality_prices_each_have_their_own_fact() -> None:
    entry = {"litellm_provider": "gemini", "input_cost_per_token": 3e-07, "output_cost_per_token": 2.5e-06,
             "input_cost_per_audio_token": 1e-06, "cache_read_input_audio_token_cost": 1e-07,
             "input_cost_per_image_token": 5e-07}
    (obs,) = litellm.parse(json.dumps({"gemini/gemini-2.5-flash": entry}).encode(), AT).offerings
    assert {k: obs.facts[f"price.{k}"] for k in ("input_audio", "cache_read_audio", "input_image")} == \
        {"input_audio": 1, "cache_read_audio": 0.1, "input_image": 0.5}


@pytest.mark.parametrize(("extra", "field"), [
    ({"input_cost_per_token_flex": 0.006}, "price.flex.input"),  # $6,000 per 1M: a per-minute rate
    ({"off_peak_pricing": {"input_cost_per_token": 0.006, "windows": [{"hours_utc": "16:30-00:30"}]}},
     "price.off_peak.input"),
])
def test_an_implausible_price_in_any_part_skips_the_entry_and_names_the_field(extra: dict, field: str) -> None:
    """The unit guard covers service tiers and off-peak prices as it covers the base price:
    one bad entry is skipped, not a refresh that no longer validates."""
    entry = {"litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, **extra}
    snapshot = litellm.parse(json.dumps({"gpt-x": entry}).encode(), AT)
    (skipped,) = snapshot.skipped
    assert snapshot.offerings == [] and skipped.reason.startswith(f"{field}: 6000.0 USD per 1M tokens is implausibly")


def test_bedrocks_openai_compatible_endpoint_is_bedrock() -> None:
    """LiteLLM 2026-11-20 prices OpenAI's models on Bedrock's OpenAI-compatible endpoint as
    ``bedrock_mantle/openai.gpt-5.6-sol`` (and per region): they were unmapped (issue 31)."""
    body = json.dumps({
        "bedrock_mantle/openai.gpt-5.6-sol": {"litellm_provider": "bedrock_mantle", "mode": "chat",
                                              "input_cost_per_token": 4.4e-06, "output_cost_per_token": 2.2e-05},
        "bedrock_mantle/us-gov-west-1/openai.gpt-5.6-sol": {"litellm_provider": "bedrock_mantle", "mode": "chat",
                                                            "input_cost_per_token": 5.28e-06,
                                                            "output_cost_per_token": 2.64e-05},
    }).encode()
    sol = _offering(litellm.parse(body, AT), "amazon-bedrock", "openai.gpt-5.6-sol")
    assert (sol["price.input"], sol["price.output"]) == (4.4, 22)
    assert sol["price.regions"]["us-gov-west-1"]["input"] == 5.28
