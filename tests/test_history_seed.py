"""A catalog seeded from every recording, not the newest only (issue 31, point 1): usage recorded
months ago names models a provider has since delisted, and a tree seeded from the newest
listing never had them. Replaying each source's recordings in date order carries every offering
a source ever listed, its prices over time and its retirement; a retired offering prices usage
at its time and is never routed to."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate_consumer import Usage
from refresher.run.payloads import replay_payloads
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

GROQ_TIMES = ["2025-03-12T00:00:00Z", "2025-10-05T15:45:56Z", "2026-08-17T16:40:46Z"]


def test_every_recording_of_a_source_is_replayed_oldest_first() -> None:
    newest, errors = replay_payloads(UPSTREAM, ["groq"])
    assert not errors and [p.observed_at for p in newest] == GROQ_TIMES[-1:]
    every, errors = replay_payloads(UPSTREAM, ["groq", "anthropic"], every=True)
    assert not errors
    assert [(p.source, p.observed_at) for p in every] == [
        ("groq", GROQ_TIMES[0]), ("groq", GROQ_TIMES[1]), ("groq", GROQ_TIMES[2]),
        ("anthropic", "2025-05-23T00:00:00Z"), ("anthropic", "2026-04-17T21:40:24Z")]


@pytest.fixture
def groq_history(empty_tree: Path) -> Path:
    payloads, errors = replay_payloads(UPSTREAM, ["groq"], every=True)
    assert not errors
    result = run_refresh(empty_tree, payloads, say=lambda _: None)
    assert result.ok, result.to_json()
    return empty_tree


def test_what_a_source_stopped_listing_months_ago_is_retired_then(groq_history: Path) -> None:
    """Groq listed llama3-70b-8192 in March 2025 and not in October 2025: seven months without
    it is no flaky listing (three refreshes a day apart retire an offering; one listing
    ``retire_after_days`` after the last that had it does too, and the shrink guard, which
    watches for a listing that suddenly lost a share, does not apply across such a gap)."""
    groq = load_tree(groq_history).providers["groq"]["offerings"]
    assert groq["llama3-70b-8192"]["status"] == "retired"
    assert groq["llama3-70b-8192"]["retired_at"] == GROQ_TIMES[1]
    assert groq["qwen/qwen3-32b"]["retired_at"] == GROQ_TIMES[2]  # listed in October 2025, gone in 2026
    listed_now = {o for o, r in groq.items() if r.get("status") != "retired"}
    assert "openai/gpt-oss-120b" in listed_now


def test_a_replay_that_learns_nothing_writes_nothing(groq_history: Path) -> None:
    payloads, _ = replay_payloads(UPSTREAM, ["groq"], every=True)
    result = run_refresh(groq_history, payloads, say=lambda _: None)
    assert result.ok and result.written == []


def test_one_run_of_the_history_is_the_runs_one_at_a_time(groq_history: Path, tmp_path: Path) -> None:
    import shutil

    stepwise = tmp_path / "stepwise" / "metadata"
    stepwise.mkdir(parents=True)
    for name in ("sources.json", "vendors.json"):
        shutil.copy(groq_history / name, stepwise / name)
    payloads, _ = replay_payloads(UPSTREAM, ["groq"], every=True)
    for payload in payloads:
        assert run_refresh(stepwise, [payload], say=lambda _: None).ok
    for path in sorted(groq_history.rglob("*.json")):
        assert path.read_bytes() == (stepwise / path.relative_to(groq_history)).read_bytes(), path.name


def test_a_retired_offering_prices_usage_at_its_time_and_is_never_routed(groq_history: Path, build_catalog) -> None:
    """Groq's 2026 listing prices gpt-oss-120b; a listing four months later without it retires
    it. Usage from before — or after, billed late — is priced at the price it had, and the quote
    says it is retired; routing never picks it."""
    import json

    from gate_consumer import Requirement, candidates
    from refresher.run.payloads import Payload

    body = json.loads((UPSTREAM / "groq/models-2026-08.json").read_bytes())
    body["data"] = [m for m in body["data"] if m["id"] != "openai/gpt-oss-120b"]
    later = Payload("groq", (json.dumps(body).encode(),), "2026-12-20T00:00:00Z", "groq without gpt-oss-120b")
    assert run_refresh(groq_history, [later], say=lambda _: None).ok
    offering = load_tree(groq_history).providers["groq"]["offerings"]["openai/gpt-oss-120b"]
    assert (offering["status"], offering["retired_at"]) == ("retired", "2026-12-20T00:00:00Z")
    catalog = build_catalog(groq_history)
    for at in ("2026-10-01", "2027-01-15"):
        quote = catalog.price("groq/openai/gpt-oss-120b", Usage(1_000_000, 0), at=at)
        assert quote.retired_at == "2026-12-20T00:00:00Z" and quote.total_usd == offering["price"]["input"]
    judged = candidates(catalog, Requirement(providers=frozenset({"groq"})), Usage(1000, 100), include_rejected=True)
    assert "groq/openai/gpt-oss-120b" not in [c.offering.key for c in judged if c.accepted]
