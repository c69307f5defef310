"""A refresh between two real states of Models.dev (2026-06-02 → 2026-07-01), checked against
counts computed here straight from the raw files, plus retirement, its guards and partial runs."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gate_consumer.instants import format_instant, parse_instant
from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.tree.jsonio import dumps
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

OLD_AT, NEW_AT = "2026-06-02T04:24:00Z", "2026-07-01T16:40:28Z"
# The offering facts Models.dev states, by its field names (model-level fields excluded).
TRACKED = ("name", "status", "cost", "limit", "tool_call", "reasoning", "structured_output", "attachment",
           "temperature", "modalities")


def _raw(name: str) -> bytes:
    return gzip.decompress((UPSTREAM / "modelsdev" / name).read_bytes())


OLD, NEW = _raw("api-2026-06-02.json.gz"), _raw("api-2026-07-01.json.gz")


def _entries(body: bytes) -> dict[tuple[str, str], dict[str, Any]]:
    """(provider slug, model id) → record, for the ids any API could accept. Two things are
    not information and are normalized: the order of modalities, and float noise
    (0.39999999999999997 is the price 0.4)."""
    return {
        (provider_id.replace(".", "-").lower(), model_id): _normal(model)
        for provider_id, provider in json.loads(body).items()
        for model_id, model in provider["models"].items()
        if model_id.strip() and not any(ch.isspace() or ord(ch) < 32 for ch in model_id)
    }


def _normal(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _normal(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        return sorted(items) if key in ("input", "output") and all(isinstance(i, str) for i in items) else items
    if isinstance(value, float):
        return float(format(value, ".7g"))
    return value


def _payload(body: bytes, at: str) -> Payload:
    return Payload("modelsdev", (body,), at, f"modelsdev@{at}")


def _later(days: int) -> str:
    return format_instant(parse_instant(NEW_AT) + timedelta(days=days))


def _refresh(root: Path, body: bytes, at: str):
    result = run_refresh(root, [_payload(body, at)], say=lambda _: None)
    assert result.ok, result.to_json()
    return result.summaries[0]


@pytest.fixture(scope="module")
def two_states(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Any]:
    """A tree refreshed from the 2026-06-02 state, then from the 2026-07-01 state."""
    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("states") / "metadata"
    root.mkdir()
    for name in ("sources.json", "vendors.json"):
        (root / name).write_bytes((REPO / "metadata" / name).read_bytes())
    first = _refresh(root, OLD, OLD_AT)
    old_tree = load_tree(root)
    second = _refresh(root, NEW, NEW_AT)
    return root, (first, old_tree), second


def test_added_and_changed_match_an_independent_count(two_states) -> None:
    _, (first, _), second = two_states
    old, new = _entries(OLD), _entries(NEW)
    assert first.added == len(old)
    assert second.added == len(new.keys() - old.keys())
    changed = {k for k in old.keys() & new.keys() if any(old[k].get(f) != new[k].get(f) for f in TRACKED)}
    assert second.changed == len(changed)
    assert second.unchanged == len(old.keys() & new.keys()) - len(changed)
    assert second.retired == 0  # absent once is not retired


def test_every_changed_price_keeps_its_old_value_in_history(two_states) -> None:
    root, _, _ = two_states
    old, new = _entries(OLD), _entries(NEW)
    tree = load_tree(root)
    said = [k for k in old.keys() & new.keys() if old[k].get("cost") and old[k].get("cost") != new[k].get("cost")]
    # 0 / 0 with nothing saying free was no price (issue 31): there was nothing to keep
    repriced = [k for k in said if (old[k]["cost"].get("input"), old[k]["cost"].get("output")) != (0, 0)]
    assert len(repriced) > 250  # the real catalog moved a lot in a month
    for provider, model_id in repriced:
        offering = tree.providers[provider]["offerings"][model_id]
        history = offering["price_history"]
        previous = history[-1]
        assert (previous["source"], previous["as_of"], previous["until"]) == ("modelsdev", OLD_AT, NEW_AT)
        for component in ("input", "output", "cache_read", "cache_write"):
            if component in old[provider, model_id]["cost"]:
                assert previous["price"][component] == old[provider, model_id]["cost"][component], (provider, model_id)


def test_absences_are_counted_and_retirement_follows_after_three(two_states, tmp_path: Path) -> None:
    root, _, _ = two_states
    work = tmp_path / "metadata"
    _copy(root, work)
    old, new = _entries(OLD), _entries(NEW)
    gone = old.keys() - new.keys()
    ledger = load_tree(work).ledger["sources"]["modelsdev"]
    assert sum(len(v) for v in ledger["absences"].values()) == len(gone)
    local = {p for p, record in load_tree(work).providers.items() if record.get("route_type") == "local"}
    assert _refresh(work, NEW, _later(1)).retired == 0
    third = _refresh(work, NEW, _later(2))
    expected = {f"{p}/{m}" for p, m in gone if p not in local}
    assert set(third.retired_ids) == expected and third.retired == len(expected)
    tree = load_tree(work)
    for provider, model_id in gone:
        offering = tree.providers[provider]["offerings"][model_id]  # retired, never deleted
        assert offering.get("status") == ("retired" if provider not in local else offering.get("status"))
    # Listed again: revived.
    back = _refresh(work, OLD, _later(3))
    assert back.revived == len(expected)


def test_a_source_that_drops_too_much_retires_nothing(two_states, tmp_path: Path) -> None:
    root, (_, old_tree), _ = two_states
    work = tmp_path / "metadata"
    _copy_state(old_tree, root, work)
    sources = json.loads((work / "sources.json").read_text())
    sources["guards"]["max_shrink_share"] = 0.05  # the real drop is about 9 %
    (work / "sources.json").write_text(dumps(sources))
    for day in range(3):  # retire_after_absences runs: without the guard, these would retire
        summary = _refresh(work, NEW, _later(day))
        assert summary.retired == 0
        assert any("more than 5% fewer, so no absence is counted and nothing is retired this run" in w for w in summary.warnings)


def test_a_provider_run_confirms_only_that_provider(seeded_tree: Path) -> None:
    body = (UPSTREAM / "modelsdev/api.json").read_bytes()
    later = "2026-08-01T00:00:00Z"
    result = run_refresh(seeded_tree, [_payload(body, later)], providers={"anthropic"}, say=lambda _: None)
    assert result.ok
    entry = load_tree(seeded_tree).ledger["sources"]["modelsdev"]
    assert entry["succeeded_at"] == "2026-07-01T16:40:28Z"
    assert entry["confirmed_at"] == {"anthropic": later}
    assert entry["checked_at"] == later


def _copy(src: Path, dst: Path) -> None:
    import shutil

    shutil.copytree(src, dst)


def _copy_state(tree, registries: Path, dst: Path) -> None:
    """Write the tree as it was after the first refresh (the one way files are written: a
    transaction)."""
    from refresher.tree.store import render_tree
    from refresher.tree.transaction import commit_tree

    dst.mkdir(parents=True)
    for name in ("sources.json", "vendors.json"):
        (dst / name).write_bytes((registries / name).read_bytes())
    commit_tree(dst, render_tree(tree), say=lambda _: None)


def test_allow_shrink_retires_past_the_guard_and_says_so(two_states, tmp_path: Path) -> None:
    root, (_, old_tree), _ = two_states
    work = tmp_path / "metadata"
    _copy_state(old_tree, root, work)
    sources = json.loads((work / "sources.json").read_text())
    sources["guards"].update(max_shrink_share=0.05, retire_after_absences=1)
    (work / "sources.json").write_text(dumps(sources))
    result = run_refresh(work, [_payload(NEW, NEW_AT)], allow_shrink=True, say=lambda _: None)
    summary = result.summaries[0]
    assert summary.retired > 400
    assert any("retiring anyway (--allow-shrink)" in w for w in summary.warnings)
