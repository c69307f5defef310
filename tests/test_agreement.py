"""Agreement: which sources state a published price, kept through changes of value and holder,
exposed by gate_consumer, required by routing, printed by `faimeta show`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gate_consumer import Requirement, Usage, candidates
from refresher.cli import app
from refresher.rules.sanity import same_value
from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

SONNET_OR = "anthropic/claude-sonnet-4.5"  # OpenRouter's id


def openrouter(at: str, change=None) -> Payload:
    data = json.loads((UPSTREAM / "openrouter/models.json").read_bytes())
    if change:
        change(next(e for e in data["data"] if e["id"] == SONNET_OR))
    return Payload("openrouter", (json.dumps(data).encode(),), at, f"openrouter@{at}")


def modelsdev(at: str, change=None) -> Payload:
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_bytes())
    if change:
        change(data["openrouter"]["models"][SONNET_OR])
    return Payload("modelsdev", (json.dumps(data).encode(),), at, f"modelsdev@{at}")


def sonnet(root: Path) -> dict:
    return load_tree(root).providers["openrouter"]["offerings"][SONNET_OR]


@pytest.mark.parametrize(("a", "b", "same"), [
    (0.03, 0.0299999997, True), (3, 3.0, True), (0.1 + 0.2, 0.3, True), (3, 3.0001, False),
    (0, 0.0, True), (True, 1, False), ([1, 2.0], [1.0, 2], True), ({"a": 0.03}, {"a": 0.0299999997}, True),
    ({"a": 1}, {"b": 1}, False), ("3", 3, False),
])
def test_which_values_are_the_same(a: object, b: object, same: bool) -> None:
    assert same_value(a, b) is same


def test_a_second_source_stating_the_same_price_is_recorded_as_agreeing(empty_tree: Path) -> None:
    run_refresh(empty_tree, [modelsdev("2026-07-01T16:40:28Z"), openrouter("2026-07-17T18:02:00Z")],
                say=lambda _: None)
    offering = sonnet(empty_tree)
    assert offering["agreements"]["price.input"] == [{"as_of": "2026-07-01T16:40:28Z", "source": "modelsdev"}]
    assert "price.input" not in offering.get("disagreements", {})


def test_float_noise_is_agreement_not_disagreement(empty_tree: Path) -> None:
    def noisy(entry: dict) -> None:
        entry["cost"]["input"] = 2.9999999997
    run_refresh(empty_tree, [modelsdev("2026-07-01T16:40:28Z", noisy), openrouter("2026-07-17T18:02:00Z")],
                say=lambda _: None)
    offering = sonnet(empty_tree)
    assert [a["source"] for a in offering["agreements"]["price.input"]] == ["modelsdev"]


def test_a_new_value_turns_its_agreeing_sources_into_disagreements(empty_tree: Path) -> None:
    run_refresh(empty_tree, [modelsdev("2026-07-01T16:40:28Z"), openrouter("2026-07-17T18:02:00Z")],
                say=lambda _: None)

    def cheaper(entry: dict) -> None:
        entry["pricing"]["prompt"] = "0.0000025"
    run_refresh(empty_tree, [openrouter("2026-07-18T18:02:00Z", cheaper)], say=lambda _: None)
    offering = sonnet(empty_tree)
    assert offering["price"]["input"] == 2.5
    assert "price.input" not in offering.get("agreements", {})
    assert offering["disagreements"]["price.input"] == [
        {"as_of": "2026-07-01T16:40:28Z", "source": "modelsdev", "value": 3}]


def test_a_source_that_changes_its_mind_no_longer_agrees(empty_tree: Path) -> None:
    run_refresh(empty_tree, [modelsdev("2026-07-01T16:40:28Z"), openrouter("2026-07-17T18:02:00Z")],
                say=lambda _: None)

    def dearer(entry: dict) -> None:
        entry["cost"]["input"] = 4
    run_refresh(empty_tree, [modelsdev("2026-07-18T00:00:00Z", dearer)], say=lambda _: None)
    offering = sonnet(empty_tree)
    assert offering["price"]["input"] == 3  # OpenRouter's own, still fresh
    assert "price.input" not in offering.get("agreements", {})
    assert offering["disagreements"]["price.input"][0]["value"] == 4


def test_the_consumer_exposes_agreement_and_counts_it_as_confirmation(empty_tree: Path, build_catalog) -> None:
    run_refresh(empty_tree, [openrouter("2026-07-17T18:02:00Z"), modelsdev("2026-07-20T00:00:00Z")],
                say=lambda _: None)
    catalog = build_catalog(empty_tree)
    offering = catalog.offering("openrouter", SONNET_OR)
    assert [a.source for a in offering.agreeing("price.input")] == ["modelsdev"]
    assert offering.sources("price.input") == 2 and offering.sources("price.reasoning") == 0
    fact = catalog.freshness(offering, "price.input")
    assert fact.source == "openrouter" and fact.agreeing == ("modelsdev",)
    assert fact.confirmed_at == "2026-07-20T00:00:00Z"  # Models.dev said the same three days later


def test_routing_can_require_two_sources(empty_tree: Path, build_catalog) -> None:
    run_refresh(empty_tree, [modelsdev("2026-07-01T16:40:28Z"), openrouter("2026-07-17T18:02:00Z")],
                say=lambda _: None)
    catalog = build_catalog(empty_tree)
    usage = Usage(input_tokens=1000, output_tokens=100)
    judged = candidates(catalog, Requirement(providers=frozenset({"openrouter"}), min_sources=2), usage,
                        include_rejected=True)
    by_key = {c.offering.key: c for c in judged}
    assert by_key[f"openrouter/{SONNET_OR}"].accepted
    assert "price stated by 2 sources" in by_key[f"openrouter/{SONNET_OR}"].reasons
    single = [c for c in judged if not c.accepted]
    assert single and all(any("fewer than 2" in r for r in c.reasons) for c in single)
    assert all(c.offering.sources("price.input") >= 2 for c in judged if c.accepted)


def test_show_prints_who_agrees(empty_tree: Path) -> None:
    run_refresh(empty_tree, [modelsdev("2026-07-01T16:40:28Z"), openrouter("2026-07-17T18:02:00Z")],
                say=lambda _: None)
    result = CliRunner().invoke(app, ["show", f"openrouter/{SONNET_OR}", "--root", str(empty_tree)])
    assert result.exit_code == 0, result.output
    assert "= modelsdev says the same, since 2026-07-01" in result.output
    as_json = CliRunner().invoke(app, ["show", f"openrouter/{SONNET_OR}", "--root", str(empty_tree), "--json"])
    facts = json.loads(as_json.output)["facts"]
    assert facts["price.input"]["agreements"] == [{"as_of": "2026-07-01T16:40:28Z", "source": "modelsdev"}]


def test_the_agreement_report_counts_what_the_records_hold(empty_tree: Path) -> None:
    def dearer(entry: dict) -> None:
        entry["cost"]["input"] = 4.5  # ×1.5 of OpenRouter's 3
    run_refresh(empty_tree, [modelsdev("2026-07-01T16:40:28Z", dearer), openrouter("2026-07-17T18:02:00Z")],
                say=lambda _: None)
    result = CliRunner().invoke(app, ["agreement", "--root", str(empty_tree), "--json", "--provider", "openrouter"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    tree = load_tree(empty_tree)
    agree = disagree = confirmed = priced = 0
    publishes: dict[str, int] = {}
    for offering in tree.providers["openrouter"]["offerings"].values():
        if not offering.get("price") or offering.get("status") == "retired":
            continue
        priced += 1
        for name in offering["price"]:
            holder = offering["provenance"].get("fields", {}).get(f"price.{name}", offering["provenance"])["source"]
            publishes[holder] = publishes.get(holder, 0) + 1
        agree += sum(len(v) for p, v in offering.get("agreements", {}).items() if p.startswith("price."))
        disagree += sum(len(v) for p, v in offering.get("disagreements", {}).items() if p.startswith("price."))
        stated = [1 + len(offering.get("agreements", {}).get(p, ())) for p in ("price.input", "price.output")
                  if p[6:] in offering["price"]]
        confirmed += min(stated) >= 2
    assert report["sources"] == {
        "modelsdev": {"compared": agree + disagree, "agree": agree, "disagree": disagree,
                      "publishes": publishes["modelsdev"]},
        "openrouter": {"compared": 0, "agree": 0, "disagree": 0, "publishes": publishes["openrouter"]},
    }
    assert report["published"]["priced"] == priced and report["published"]["confirmed_by_2_or_more"] == confirmed
    assert set(report["published"]) == {"priced", "confirmed_by_2_or_more", "first_party_priced",
                                        "first_party_confirmed_by_2_or_more"}
    sonnet_input = next(d for d in report["largest_disagreements"]
                        if d["offering"] == f"openrouter/{SONNET_OR}" and d["fact"] == "price.input")
    assert sonnet_input == {"offering": f"openrouter/{SONNET_OR}", "fact": "price.input", "ratio": 1.5,
                            "published": 3, "published_source": "openrouter", "published_as_of": "2026-07-17T18:02:00Z",
                            "other": 4.5, "other_source": "modelsdev", "other_as_of": "2026-07-01T16:40:28Z"}


def test_agreement_refuses_an_unknown_provider(empty_tree: Path) -> None:
    result = CliRunner().invoke(app, ["agreement", "--root", str(empty_tree), "--provider", "nobody"])
    assert result.exit_code == 2 and "nobody" in result.output and "unknown provider(s)" in result.output


def test_a_source_that_said_the_new_value_before_agrees_with_it(seeded_tree: Path) -> None:
    """Models.dev says 3, genai-prices later 3.6 (published: newer), LiteLLM later still 3: the
    3 is published again and Models.dev agrees with it instead of disagreeing."""
    genai = json.dumps([{"id": "anthropic", "models": [
        {"id": "s", "match": {"equals": "claude-sonnet-4-5-20250929"}, "prices": {"input_mtok": 3.6}}]}]).encode()
    lite = json.dumps({"claude-sonnet-4-5-20250929": {"litellm_provider": "anthropic",
                                                      "input_cost_per_token": 3e-06}}).encode()
    run_refresh(seeded_tree, [Payload("genai-prices", (genai,), "2026-07-30T00:00:00Z", "g")], say=lambda _: None)
    mid = load_tree(seeded_tree).providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]
    assert mid["price"]["input"] == 3.6 and mid["disagreements"]["price.input"][0]["source"] == "modelsdev"
    run_refresh(seeded_tree, [Payload("litellm", (lite,), "2026-11-20T00:00:00Z", "l")], say=lambda _: None)
    after = load_tree(seeded_tree).providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]
    assert after["price"]["input"] == 3
    assert [a["source"] for a in after["agreements"]["price.input"]] == ["modelsdev"]
    assert [d["source"] for d in after["disagreements"]["price.input"]] == ["genai-prices"]


def _genai(price: float) -> bytes:
    return json.dumps([{"id": "anthropic", "models": [
        {"id": "s", "match": {"equals": "claude-sonnet-4-5-20250929"}, "prices": {"input_mtok": price}}]}]).encode()


def _litellm(price: float) -> bytes:
    return json.dumps({"claude-sonnet-4-5-20250929": {"litellm_provider": "anthropic",
                                                      "input_cost_per_token": price / 1e6}}).encode()


def _sonnet(root: Path) -> dict:
    return load_tree(root).providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]


@pytest.mark.parametrize(("newer", "held"), [
    (14.99, False),  # under ×5 of the published 3: inside guards.max_price_ratio, the newer catalog is published
    (15, True),  # ×5 exactly: the guard holds at the ratio and beyond
    (0.61, False),
    (0.6, True),  # ×5 down
    (0, True),  # LiteLLM writes 0 for "not known" in some entries: a price of 0 is as far as it gets
])
def test_a_newer_catalog_far_from_the_published_price_is_held_for_review(seeded_tree: Path, newer: float,
                                                                          held: bool) -> None:
    result = run_refresh(seeded_tree, [Payload("genai-prices", (_genai(newer),), "2026-07-30T00:00:00Z", "g")],
                         say=lambda _: None)
    sonnet = _sonnet(seeded_tree)
    if held:
        assert sonnet["price"]["input"] == 3
        assert sonnet["disagreements"]["price.input"] == [{"source": "genai-prices", "value": newer,
                                                           "as_of": "2026-07-30T00:00:00Z"}]
        (flag,) = result.summaries[0].flagged
        gap = ": one says 0" if newer == 0 else " by ×5 or more"
        assert flag == (f"anthropic/claude-sonnet-4-5-20250929: price.input 3 (modelsdev); genai-prices says {float(newer)} "
                        f"(sources disagree{gap}; held for review: it is no stronger than the published source)")
    else:
        assert sonnet["price"]["input"] == newer


def test_a_price_where_0_was_published_is_not_held(empty_tree: Path) -> None:
    """The safer error: a request is billed at a price some source states, not at $0."""
    def free(entry: dict) -> None:
        entry["cost"]["input"] = 0
    run_refresh(empty_tree, [modelsdev("2026-07-01T16:40:28Z", free)], say=lambda _: None)
    assert sonnet(empty_tree)["price"]["input"] == 0
    genai = json.dumps([{"id": "openrouter", "models": [
        {"id": "s", "match": {"equals": SONNET_OR}, "prices": {"input_mtok": 3}}]}]).encode()
    result = run_refresh(empty_tree, [Payload("genai-prices", (genai,), "2026-07-30T00:00:00Z", "g")], say=lambda _: None)
    assert result.ok, result.to_json()
    assert sonnet(empty_tree)["price"]["input"] == 3


def test_a_held_value_is_published_once_more_sources_say_it_than_the_published_one(seeded_tree: Path) -> None:
    run_refresh(seeded_tree, [Payload("genai-prices", (_genai(30),), "2026-07-30T00:00:00Z", "g")], say=lambda _: None)
    assert _sonnet(seeded_tree)["price"]["input"] == 3
    result = run_refresh(seeded_tree, [Payload("litellm", (_litellm(30),), "2026-11-20T00:00:00Z", "l")],
                         say=lambda _: None)
    sonnet = _sonnet(seeded_tree)
    assert sonnet["price"]["input"] == 30  # two independent catalogs against one
    assert [a["source"] for a in sonnet["agreements"]["price.input"]] == ["genai-prices"]
    assert [d["source"] for d in sonnet["disagreements"]["price.input"]] == ["modelsdev"]
    assert any("litellm takes over from modelsdev" in f for f in result.summaries[0].flagged)


def test_a_stronger_source_is_published_however_far_it_moves_the_price(seeded_tree: Path) -> None:
    """Anthropic's own listing carries no price, so the provider's own API here is OpenRouter's,
    for its own offering (provider-api beats community-catalog)."""
    body = json.loads((UPSTREAM / "openrouter/models.json").read_text())
    (entry,) = [m for m in body["data"] if m["id"] == "anthropic/claude-sonnet-4.5"]
    before = load_tree(seeded_tree).providers["openrouter"]["offerings"]["anthropic/claude-sonnet-4.5"]["price"]["input"]
    entry["pricing"]["prompt"] = str(before * 10 / 1e6)
    body["data"] = [entry]
    payload = Payload("openrouter", (json.dumps(body).encode(),), "2026-07-20T00:00:00Z", "o", complete=False)
    result = run_refresh(seeded_tree, [payload], say=lambda _: None)
    assert result.ok, result.to_json()
    offering = load_tree(seeded_tree).providers["openrouter"]["offerings"]["anthropic/claude-sonnet-4.5"]
    assert offering["price"]["input"] == before * 10


@pytest.mark.parametrize(("a", "b", "agree"), [
    ({"input": 1.5, "output": 7.5}, {"input": 1.5, "output": 7.5, "cache_read": 0.15}, True),  # a part of it
    ({"input": 1.5, "reasoning": 15}, {"input": 1.5, "cache_write": 3}, True),  # the same where both state it
    ({"input": 1.5}, {"input": 1.6, "cache_read": 0.15}, False),
    ({"us-east-1": {"input": 1}}, {"eu-west-1": {"input": 1}}, False),  # nothing in common: no agreement
    ([{"above_input_tokens": 200_000, "input": 6}], [{"above_input_tokens": 200_000, "input": 6, "output": 22.5}], True),
    ([{"above_input_tokens": 200_000, "input": 6}], [{"above_input_tokens": 128_000, "input": 6}], False),
    ([{"above_input_tokens": 200_000}], [], False),
])
def test_which_structured_values_agree(a: object, b: object, agree: bool) -> None:
    from refresher.rules.sanity import consistent

    assert consistent(a, b) is agree and consistent(b, a) is agree


@pytest.mark.parametrize(("first", "second"), [("genai-prices", "litellm"), ("litellm", "genai-prices")])
def test_a_catalog_repeating_itself_never_takes_a_price_back(seeded_tree: Path, first: str, second: str) -> None:
    """A, then B, then A again, each a day later, two catalogs that disagree (3.3 and 2.9 beside
    Models.dev's 3): the second catalog changed to its value more recently than the first did,
    so the first saying its old value again changes nothing (it took the price back before: every
    daily run flipped it)."""
    said = {"genai-prices": (_genai, 3.3), "litellm": (_litellm, 2.9)}

    def refresh(source: str, day: str) -> dict:
        make, price = said[source]
        result = run_refresh(seeded_tree, [Payload(source, (make(price),), day, source)], say=lambda _: None)
        assert result.ok, result.to_json()
        return _sonnet(seeded_tree)

    refresh(first, "2026-08-01T00:00:00Z")
    after_second = refresh(second, "2026-08-02T00:00:00Z")
    assert after_second["price"]["input"] == said[second][1]  # it changed to its value last
    assert refresh(first, "2026-08-03T00:00:00Z") == after_second
    # and a catalog that really moves is followed
    said[first] = (said[first][0], 3.1)
    assert refresh(first, "2026-08-04T00:00:00Z")["price"]["input"] == 3.1


def test_a_confirm_only_catalogs_silence_removes_nothing(seeded_tree: Path) -> None:
    """LiteLLM states Sonnet's 1-hour cache write, then a listing without it: a catalog that only
    confirms what it prices says nothing by leaving a price out (a context tier of Vertex's
    Sonnet 4.5 was removed that way), so the price stays, held by its last statement."""
    def litellm(day: str, **extra: float) -> None:
        entry = {"litellm_provider": "anthropic", "input_cost_per_token": 3e-6, **extra}
        body = json.dumps({"claude-sonnet-4-5-20250929": entry}).encode()
        assert run_refresh(seeded_tree, [Payload("litellm", (body,), day, "l")], say=lambda _: None).ok

    litellm("2026-08-01T00:00:00Z", cache_creation_input_token_cost_above_1hr=6e-6)
    assert _sonnet(seeded_tree)["price"]["cache_write_1h"] == 6
    litellm("2026-08-02T00:00:00Z")
    sonnet = _sonnet(seeded_tree)
    assert sonnet["price"]["cache_write_1h"] == 6
    assert sonnet["provenance"]["fields"]["price.cache_write_1h"] == {"source": "litellm", "as_of": "2026-08-01T00:00:00Z"}


def test_an_off_peak_price_no_fresh_source_states_has_ended(seeded_tree: Path) -> None:
    """A catalog stated off-peak hours for Sonnet on 2026-08-01 and has not said them since; a
    month later, Models.dev listing Sonnet again (the same values) ends them, and the catalog's
    last word stays its statement. No price history is written: when the hours ended is not
    known (only that no fresh source states them), and a history made of when a refresh
    happened to notice would depend on the order of runs (one run of every source together
    never publishes them)."""
    from refresher.tree.store import render_tree
    from refresher.tree.transaction import commit_tree

    tree = load_tree(seeded_tree)
    sonnet = tree.providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]
    off_peak = {"input": 1.5, "output": 7.5, "windows": [{"hours_utc": ["16:30-00:30"]}]}
    sonnet["price"]["off_peak"] = off_peak
    sonnet["provenance"].setdefault("fields", {})["price.off_peak"] = {"source": "genai-prices",
                                                                       "as_of": "2026-08-01T00:00:00Z"}
    commit_tree(seeded_tree, render_tree(tree), say=lambda _: None)
    data = (UPSTREAM / "modelsdev/api.json").read_bytes()
    assert run_refresh(seeded_tree, [Payload("modelsdev", (data,), "2026-09-01T00:00:00Z", "md")], say=lambda _: None).ok
    after = _sonnet(seeded_tree)
    assert "off_peak" not in after["price"]
    assert "price_history" not in after
    assert after["disagreements"]["price.off_peak"] == [
        {"source": "genai-prices", "value": off_peak, "as_of": "2026-08-01T00:00:00Z"}]
