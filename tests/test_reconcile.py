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


def test_a_result_that_would_not_validate_writes_nothing(seeded_tree: Path, broken_adapter) -> None:
    sources = json.loads((seeded_tree / "sources.json").read_text())
    sources["sources"]["broken"] = {"name": "Broken", "type": "provider-api", "provider": "broken",
                                    "url": "https://broken.test/models"}
    (seeded_tree / "sources.json").write_text(dumps(sources))
    before = {p: p.read_bytes() for p in seeded_tree.rglob("*.json")}
    good = Payload("modelsdev", ((UPSTREAM / "modelsdev/api.json").read_bytes(),), "2026-09-01T00:00:00Z", "md")
    result = run_refresh(seeded_tree, [good, Payload("broken", (b"{}",), "2026-09-01T00:00:00Z", "x")],
                         say=lambda _: None)
    assert not result.ok and result.invalid and not result.written
    assert any("providers/broken.json" in str(p) and "limits" in str(p) for p in result.problems)
    assert {p: p.read_bytes() for p in seeded_tree.rglob("*.json")} == before


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
