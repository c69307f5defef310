"""Day-one pricing (issue 31, point 3): ``claude-opus-5`` on Anthropic and ``gpt-5.6-sol`` on
OpenAI were unpriced although LiteLLM 2026-11-20 and genai-prices both price them — catalogs only
confirm, and the providers' own listings we hold are older. Now a first-party offering that two
sources price alike is created **provisional**; one catalog alone still creates nothing; the
provider's own listing confirms or retires it; which catalog came first changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate_consumer import Freshness, Usage
from refresher.run.payloads import Payload, replay_payloads
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "upstream"
LITELLM_AT, GENAI_AT = "2026-11-20T04:05:34Z", "2026-07-30T12:45:06Z"


def _catalog(name: str, at: str, entries: dict) -> Payload:
    return Payload(name, (json.dumps(entries).encode(),), at, f"{name} (day one)")


def _litellm(*, input_cost: float = 5e-06) -> Payload:
    return _catalog("litellm", LITELLM_AT, {"claude-opus-5": {
        "litellm_provider": "anthropic", "mode": "chat", "input_cost_per_token": input_cost,
        "output_cost_per_token": 2.5e-05, "max_input_tokens": 200000}})


def _genai() -> Payload:
    """genai-prices' own feed, trimmed to Anthropic: it prices claude-opus-5 by a rule."""
    body = [p for p in json.loads((SHARED / "genai-prices/data.json").read_bytes()) if p.get("id") == "anthropic"]
    return Payload("genai-prices", (json.dumps(body).encode(),), GENAI_AT, "genai-prices (anthropic)")


@pytest.fixture
def tree(seeded_tree: Path) -> Path:
    payloads, errors = replay_payloads(UPSTREAM, ["anthropic"])
    assert not errors and run_refresh(seeded_tree, payloads, say=lambda _: None).ok
    assert "claude-opus-5" not in load_tree(seeded_tree).providers["anthropic"]["offerings"]
    return seeded_tree


def _opus(root: Path) -> dict | None:
    return load_tree(root).providers["anthropic"]["offerings"].get("claude-opus-5")


def test_one_catalog_alone_creates_nothing_but_remembers(tree: Path) -> None:
    result = run_refresh(tree, [_litellm()], say=lambda _: None)
    assert result.ok and _opus(tree) is None
    pending = load_tree(tree).ledger["sources"]["litellm"]["pending"]["anthropic"]["claude-opus-5"]
    assert pending["facts"]["price.input"] == 5 and pending["as_of"] == LITELLM_AT


@pytest.mark.parametrize("order", ["litellm-first", "genai-first", "one-run"])
def test_two_catalogs_agreeing_create_it_provisional_in_any_order(tree: Path, tmp_path: Path, order: str) -> None:
    runs = {"litellm-first": [[_litellm()], [_genai()]], "genai-first": [[_genai()], [_litellm()], [_genai()]],
            "one-run": [[_litellm(), _genai()]]}[order]
    for payloads in runs:
        assert run_refresh(tree, payloads, say=lambda _: None).ok
    opus = _opus(tree)
    assert opus is not None and opus["provisional"] is True and opus["model"] == "anthropic/claude-opus-5"
    assert (opus["price"]["input"], opus["price"]["output"]) == (5, 25)
    agreeing = {a["source"] for a in opus.get("agreements", {}).get("price.input", [])}
    holder = opus["provenance"].get("fields", {}).get("price.input", opus["provenance"])["source"]
    assert {holder, *agreeing} == {"litellm", "genai-prices"}
    assert "pending" not in load_tree(tree).ledger["sources"].get("litellm", {})


def test_two_catalogs_disagreeing_create_nothing(tree: Path) -> None:
    assert run_refresh(tree, [_litellm(input_cost=9e-06), _genai()], say=lambda _: None).ok
    assert _opus(tree) is None


def test_the_quote_and_freshness_say_provisional_and_the_own_listing_settles_it(tree: Path, build_catalog) -> None:
    assert run_refresh(tree, [_litellm(), _genai()], say=lambda _: None).ok
    catalog = build_catalog(tree)
    quote = catalog.price("claude-opus-5", Usage(1_000_000, 0))
    assert quote.offering == "anthropic/claude-opus-5" and quote.total_usd == 5
    assert catalog.price_freshness(catalog.pick_offering("claude-opus-5")) is Freshness.PROVISIONAL
    body = json.loads((UPSTREAM / "anthropic/models-2026-04.json").read_bytes())
    body["data"].append({**body["data"][0], "id": "claude-opus-5", "display_name": "Claude Opus 5"})
    later = Payload("anthropic", (json.dumps(body).encode(),), "2026-11-25T00:00:00Z", "anthropic with opus 5")
    assert run_refresh(tree, [later], say=lambda _: None).ok
    assert "provisional" not in _opus(tree)  # confirmed


def test_a_complete_own_listing_without_it_retires_it(tree: Path) -> None:
    assert run_refresh(tree, [_litellm(), _genai()], say=lambda _: None).ok
    body = (UPSTREAM / "anthropic/models-2026-04.json").read_bytes()
    later = Payload("anthropic", (body,), "2026-11-25T00:00:00Z", "anthropic without opus 5")
    assert run_refresh(tree, [later], say=lambda _: None).ok
    opus = _opus(tree)
    assert (opus["status"], opus["retired_at"]) == ("retired", "2026-11-25T00:00:00Z") and "provisional" not in opus


def test_a_reseller_is_never_created_from_catalogs(tree: Path) -> None:
    """Only the vendor's own provider (or a cloud) gets a day-one offering: a reseller's listing
    is its own to make."""
    entries = {"openrouter/anthropic/claude-opus-5": {"litellm_provider": "openrouter", "mode": "chat",
                                                      "input_cost_per_token": 5e-06, "output_cost_per_token": 2.5e-05}}
    assert run_refresh(tree, [_catalog("litellm", LITELLM_AT, entries)], say=lambda _: None).ok
    assert "pending" not in load_tree(tree).ledger["sources"]["litellm"]


def test_every_freshness_has_a_value_gate_knows() -> None:
    """A provisional offering priced through Gate's plugin must map to one of Gate's four values."""
    from gate_consumer.gate_entries import GATE_FRESHNESS

    assert set(GATE_FRESHNESS) == set(Freshness) and set(GATE_FRESHNESS.values()) <= {"fresh", "aging", "stale", "unknown"}
