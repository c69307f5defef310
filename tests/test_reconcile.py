"""Reconcile rules that need a hand-made situation: manual pins, the validation safety net."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.sources import registry
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import OfferingObservation, ProviderObservation, Snapshot
from refresher.tree.jsonio import dumps
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

SONNET = ("anthropic", "claude-sonnet-4-5-20250929")


def _modelsdev_with_input_price(price: float, at: str) -> Payload:
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_text())
    data[SONNET[0]]["models"][SONNET[1]]["cost"]["input"] = price
    return Payload("modelsdev", (json.dumps(data).encode(),), at, "modelsdev (edited)")


def _pin(root: Path, value: float, expires: str) -> None:
    """What ``faimeta review`` will write: a manual-review fact with an expiry."""
    sources = json.loads((root / "sources.json").read_text())
    sources["sources"]["manual"] = {"name": "Manual review", "type": "manual-review", "url": "https://example.test/review"}
    (root / "sources.json").write_text(dumps(sources))
    path = root / "providers/anthropic.json"
    provider = json.loads(path.read_text())
    offering = provider["offerings"][SONNET[1]]
    offering["price"]["input"] = value
    offering["provenance"].setdefault("fields", {})["price.input"] = {
        "source": "manual", "as_of": "2026-07-05T00:00:00Z", "expires": expires,
        "ref": "https://www.anthropic.com/pricing"}
    path.write_text(dumps(provider))


def test_a_manual_review_is_pinned_until_it_expires(seeded_tree: Path) -> None:
    _pin(seeded_tree, 2.75, expires="2026-10-01T00:00:00Z")
    result = run_refresh(seeded_tree, [_modelsdev_with_input_price(3.5, "2026-08-01T00:00:00Z")], say=lambda _: None)
    assert result.ok, result.to_json()
    offering = load_tree(seeded_tree).providers[SONNET[0]]["offerings"][SONNET[1]]
    assert offering["price"]["input"] == 2.75  # pinned
    assert offering["disagreements"]["price.input"] == [
        {"source": "modelsdev", "value": 3.5, "as_of": "2026-08-01T00:00:00Z"}]
    # After the review expired, the automated source applies again.
    result = run_refresh(seeded_tree, [_modelsdev_with_input_price(3.5, "2026-10-02T00:00:00Z")], say=lambda _: None)
    assert result.ok, result.to_json()
    offering = load_tree(seeded_tree).providers[SONNET[0]]["offerings"][SONNET[1]]
    assert offering["price"]["input"] == 3.5
    assert offering["provenance"]["fields"]["price.input"]["source"] == "modelsdev"
    assert "price.input" not in offering.get("disagreements", {})
    assert offering["price_history"][-1]["price"]["input"] == 2.75  # the reviewed price held until then
    assert offering["price_history"][-1]["until"] == "2026-10-02T00:00:00Z"


@pytest.fixture
def broken_adapter():
    """A source whose adapter emits a value the schema rejects, as a bug in an adapter would."""
    def parse(payload: bytes, observed_at: str) -> Snapshot:
        return Snapshot("broken", observed_at, providers=[ProviderObservation("broken", {"name": "Broken"})],
                        offerings=[OfferingObservation("broken", "m-1", {"limits.context": "lots"})], records=1)

    adapter = SourceAdapter("broken", "https://broken.test/models", parse)
    registry.ADAPTERS["broken"] = adapter
    yield adapter
    del registry.ADAPTERS["broken"]


def test_a_record_that_would_not_validate_is_held_back_and_the_rest_is_written(seeded_tree: Path,
                                                                             broken_adapter) -> None:
    """One bad record never costs a run: the broken source's new offering is left out, named as
    a risk, and Models.dev's changes of the same run are written."""
    sources = json.loads((seeded_tree / "sources.json").read_text())
    sources["sources"]["broken"] = {"name": "Broken", "type": "provider-api", "provider": "broken",
                                    "url": "https://broken.test/models"}
    (seeded_tree / "sources.json").write_text(dumps(sources))
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_text())
    data[SONNET[0]]["models"][SONNET[1]]["cost"]["input"] = 2.5
    good = Payload("modelsdev", (json.dumps(data).encode(),), "2026-09-01T00:00:00Z", "md")
    result = run_refresh(seeded_tree, [good, Payload("broken", (b"{}",), "2026-09-01T00:00:00Z", "x")],
                         say=lambda _: None)
    assert result.ok and not result.invalid and result.written, result.to_json()
    assert [(h.record, h.new) for h in result.held_back] == [("model broken/m-1", True), ("broken/m-1", True)]
    assert all("limits.context: 'lots' is not of type 'integer'" in h.reason for h in result.held_back)
    tree = load_tree(seeded_tree)
    assert "m-1" not in tree.providers["broken"]["offerings"] and "m-1" not in tree.vendors["broken"]["models"]
    assert tree.providers[SONNET[0]]["offerings"][SONNET[1]]["price"]["input"] == 2.5
    from refresher.review.report import compare

    risks = compare(load_tree(seeded_tree), tree, run=result.to_json()).risks
    assert [(r.kind.value, r.subject) for r in risks] == [("held-back", "broken/m-1"), ("held-back", "model broken/m-1")]


def test_a_record_a_run_would_break_keeps_its_previous_state(seeded_tree: Path) -> None:
    """An existing offering the run would make invalid (here: a price history entry ending before
    it starts, as a replay once left on a Bedrock record) keeps what it had."""
    from refresher.run.hold_back import hold_back
    from refresher.tree.validate import tree_problems

    before = load_tree(seeded_tree)
    work = load_tree(seeded_tree)
    offering = work.providers[SONNET[0]]["offerings"][SONNET[1]]
    offering["price_history"] = [{"price": {"input": 1, "output": 2}, "source": "modelsdev",
                                  "as_of": "2026-07-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"}]
    problems = tree_problems(work)
    assert any(p.severity == "error" for p in problems)
    (held,) = hold_back(work, before, problems)
    assert held.record == f"{SONNET[0]}/{SONNET[1]}" and not held.new and "until" in held.reason
    assert work.providers[SONNET[0]]["offerings"][SONNET[1]] == before.providers[SONNET[0]]["offerings"][SONNET[1]]
    assert not [p for p in tree_problems(work) if p.severity == "error"]


def test_local_providers_are_never_retired_and_other_sources_keep_an_offering_alive(seeded_tree: Path) -> None:
    sources = json.loads((seeded_tree / "sources.json").read_text())
    sources["guards"].update(retire_after_absences=1, max_shrink_share=1)
    (seeded_tree / "sources.json").write_text(dumps(sources))
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_text())
    local_ids = list(data["lmstudio"]["models"])
    data["lmstudio"]["models"] = {}
    del data[SONNET[0]]["models"][SONNET[1]]
    openrouter_listed = next(iter(data["openrouter"]["models"]))
    del data["openrouter"]["models"][openrouter_listed]  # OpenRouter's own API still lists it
    payload = Payload("modelsdev", (json.dumps(data).encode(),), "2026-08-01T00:00:00Z", "modelsdev (edited)")
    result = run_refresh(seeded_tree, [payload], say=lambda _: None)
    assert result.ok, result.to_json()
    assert result.summaries[0].retired_ids == [f"{SONNET[0]}/{SONNET[1]}"]
    tree = load_tree(seeded_tree)
    assert tree.providers[SONNET[0]]["offerings"][SONNET[1]]["status"] == "retired"
    assert tree.providers[SONNET[0]]["offerings"][SONNET[1]]["retired_at"] == "2026-08-01T00:00:00Z"
    assert all(tree.providers["lmstudio"]["offerings"][i].get("status") != "retired" for i in local_ids)
    assert tree.providers["openrouter"]["offerings"][openrouter_listed].get("status") != "retired"


def test_a_regional_price_the_provider_does_not_list_yet_is_kept_with_a_warning(empty_tree: Path) -> None:
    """A catalog priced Bedrock regions before the provider's own list named them (a seed from
    LiteLLM's July listing, then the AWS Price List of September): the prices are kept, each with
    a warning, and the run is written — it once failed on 35 such prices and wrote nothing."""
    import dataclasses

    from refresher.run.payloads import replay_payloads

    payloads, errors = replay_payloads(UPSTREAM, ["modelsdev", "litellm", "aws-pricing"])
    assert not errors
    payloads = [dataclasses.replace(p, observed_at="2026-07-01T00:00:00Z") if p.source == "litellm" else p
                for p in payloads]
    result = run_refresh(empty_tree, payloads, say=lambda _: None)
    assert result.ok and result.written, result.to_json()
    unlisted = [p for p in result.problems if "is not one the provider lists" in p.message]
    assert unlisted and {p.severity for p in unlisted} == {"warning"}
    bedrock = load_tree(empty_tree).providers["amazon-bedrock"]
    assert any(set((o.get("price") or {}).get("regions") or ()) - set(bedrock["regions"])
               for o in bedrock["offerings"].values())
