"""Portkey's pricing files as a source that confirms or contests what the catalog knows: one file
per provider (replayed together, fetched one by one), US cents per token, zero meaning "not set",
implausible rates skipped and named, and nothing created on its account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from refresher.run.fetch import Fetcher, FetchPolicy
from refresher.run.payloads import fetch_payloads, parse_payload, replay_payloads
from refresher.run.refresh import run_refresh
from refresher.sources import portkey
from refresher.sources.base import SourceError
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

AT = "2026-07-01T18:46:05Z"
RECORDED_PARTS = ("anthropic", "bedrock", "jina", "openai", "openrouter")


def _file(part: str) -> bytes:
    return (UPSTREAM / f"portkey/{part}.json").read_bytes()


def _parse(part: str) -> portkey.Snapshot:
    return portkey.parse(_file(part), AT, part=part)


def _by_id(snapshot) -> dict:
    return {(o.provider, o.upstream_id): o.facts for o in snapshot.offerings}


def test_cents_per_token_become_dollars_per_million_with_batch_and_one_hour_writes() -> None:
    facts = _by_id(_parse("anthropic"))[("anthropic", "claude-sonnet-4-5-20250929")]
    assert facts == {
        "price.input": 3, "price.output": 15, "price.cache_read": 0.3, "price.cache_write": 3.75,
        "price.cache_write_1h": 6, "price.batch": {"input": 1.5, "output": 7.5},
    }


@pytest.mark.parametrize(("upstream_id", "expected"), [
    # OpenAI charges nothing for cache writes: Portkey's 0 means "not set", not a price of 0
    ("gpt-4o", {"price.input": 2.5, "price.output": 10, "price.cache_read": 1.25,
                "price.batch": {"input": 1.25, "output": 5}}),
])
def test_a_zero_rate_is_left_out(upstream_id: str, expected: dict) -> None:
    assert _by_id(_parse("openai"))[("openai", upstream_id)] == expected


def test_zero_input_and_output_is_free_only_for_a_free_id() -> None:
    offerings = _by_id(_parse("openrouter"))
    assert offerings[("openrouter", "amazon/nova-2-lite-v1:free")] == {"price.input": 0, "price.output": 0}
    template = portkey.parse(json.dumps({"some/model": {"pricing_config": {"pay_as_you_go": {
        "request_token": {"price": 0}, "response_token": {"price": 0}}}}}).encode(), AT, part="openrouter")
    assert template.offerings == [] and template.unmapped == {"no token price": 1}


def test_a_per_minute_rate_written_as_per_token_is_skipped_and_named() -> None:
    snapshot = _parse("openai")
    (skipped,) = snapshot.skipped
    assert skipped.record == "openai/whisper-1" and skipped.upstream_id == "whisper-1"
    assert skipped.reason.startswith("price.input: 6000.0 USD per 1M tokens is implausibly large")


def test_every_entry_of_a_file_that_maps_to_no_provider_is_counted() -> None:
    snapshot = _parse("jina")
    entries = len(json.loads(_file("jina"))) - 1  # its "default" template is not a model
    assert snapshot.records == entries and snapshot.unmapped == {"provider file jina not mapped": entries}


@pytest.mark.parametrize(("body", "message"), [
    (b"[1, 2]", "portkey: bedrock.json: expected an object of models, got list"),
    (b"", "portkey bedrock.json: the response body is empty"),
])
def test_a_file_that_is_not_a_pricing_file_fails_the_source_naming_it(body: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        portkey.parse(body, AT, part="bedrock")


def test_a_file_is_read_with_its_name() -> None:
    with pytest.raises(SourceError, match="with its name"):
        portkey.parse(_file("anthropic"), AT)


def test_a_replay_reads_every_file_recorded_at_the_same_time() -> None:
    (payload,), errors = replay_payloads(UPSTREAM, ["portkey"])
    assert errors == {} and payload.parts == RECORDED_PARTS and payload.observed_at == AT
    assert payload.origin.endswith("portkey (5 files)")
    snapshot = parse_payload(payload)
    assert snapshot.confirms_only and snapshot.observed_at == AT
    parsed = [_parse(p) for p in RECORDED_PARTS]
    assert snapshot.records == sum(s.records for s in parsed)
    assert len(snapshot.offerings) == sum(len(s.offerings) for s in parsed)


def test_a_live_refresh_fetches_one_file_per_provider_of_the_run(httpserver: HTTPServer, seeded_tree: Path) -> None:
    for part in ("anthropic", "bedrock", "openrouter"):
        httpserver.expect_request(f"/pricing/{part}.json").respond_with_data(_file(part))
    env = {"FAIMETA_PORTKEY_URL": httpserver.url_for("/pricing/")}
    lines: list[str] = []
    with Fetcher(policy=FetchPolicy(attempts=1), say=lines.append) as fetcher:
        payloads, errors, not_run = fetch_payloads(load_tree(seeded_tree), ["portkey"], fetcher=fetcher, environ=env,
                                                   say=lines.append, providers={"anthropic", "amazon-bedrock", "openrouter"})
    assert (errors, not_run) == ({}, {})
    assert [r.path for r, _ in httpserver.log] == ["/pricing/anthropic.json", "/pricing/bedrock.json",
                                                   "/pricing/openrouter.json"]
    (payload,) = payloads
    assert payload.parts == ("anthropic", "bedrock", "openrouter")
    assert len(parse_payload(payload).offerings) > 0


def test_a_missing_file_fails_the_source_and_says_which(httpserver: HTTPServer, seeded_tree: Path) -> None:
    httpserver.expect_request("/pricing/anthropic.json").respond_with_data(_file("anthropic"))
    env = {"FAIMETA_PORTKEY_URL": httpserver.url_for("/pricing/")}
    with Fetcher(policy=FetchPolicy(attempts=1), say=lambda _: None) as fetcher:
        payloads, errors, _ = fetch_payloads(load_tree(seeded_tree), ["portkey"], fetcher=fetcher, environ=env,
                                             say=lambda _: None, providers={"anthropic", "openrouter"})
    assert payloads == []
    assert "/pricing/openrouter.json" in errors["portkey"] and "HTTP 500" in errors["portkey"]


def test_a_run_for_providers_it_has_no_file_for_does_not_fetch(seeded_tree: Path) -> None:
    payloads, errors, not_run = fetch_payloads(load_tree(seeded_tree), ["portkey"], environ={}, say=lambda _: None,
                                               providers={"lmstudio"})
    assert (payloads, errors) == ([], {}) and not_run == {"portkey": "publishes no file for lmstudio"}


def test_it_confirms_and_contests_but_never_creates(seeded_tree: Path) -> None:
    before = load_tree(seeded_tree)
    payloads, _ = replay_payloads(UPSTREAM, ["portkey"])
    result = run_refresh(seeded_tree, payloads, say=lambda _: None)
    assert result.ok, result.to_json()
    (summary,) = result.summaries
    after = load_tree(seeded_tree)
    assert {p: set(r["offerings"]) for p, r in after.providers.items()} == \
        {p: set(r["offerings"]) for p, r in before.providers.items()}
    assert after.vendors == before.vendors and summary.added == 0
    assert summary.unmapped["no provider openai in the catalog"] == 1  # gpt-4o; whisper-1 was skipped
    sonnet = after.providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]
    # Models.dev of 2026-07-01 16:40 said the same input price; Portkey of 18:46 agrees with it
    agreeing = {a["source"] for a in sonnet.get("agreements", {}).get("price.input", [])}
    holder = sonnet["provenance"].get("fields", {}).get("price.input", sonnet["provenance"])["source"]
    assert {"modelsdev", "portkey"} == agreeing | {holder}
    assert sonnet["price"]["batch"] == {"input": 1.5, "output": 7.5}
    again = run_refresh(seeded_tree, payloads, say=lambda _: None)
    assert again.ok and again.written == []  # the same recordings twice: nothing changes
