"""Linking offerings to models (refresher/run/linking.py): one rule for every source — a provider's
moving -latest, the vendor's own aliases, every dated snapshot with its model, decorations
removed — on small real-shaped payloads through a real refresh."""

from __future__ import annotations

import json
from pathlib import Path

from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree


def _openrouter(at: str, *models: dict) -> Payload:
    data = {"data": [{"name": m["id"], "context_length": 1000, "pricing": {"prompt": "0.000003", "completion":
                      "0.000015"}, **m} for m in models]}
    return Payload("openrouter", (json.dumps(data).encode(),), at, f"openrouter@{at}")


def _models(root: Path) -> dict[str, str]:
    tree = load_tree(root)
    return {uid: o["model"] for uid, o in tree.providers["openrouter"]["offerings"].items()}


def test_a_moving_latest_follows_its_alias_target(empty_tree: Path) -> None:
    sonnet_45 = {"id": "anthropic/claude-sonnet-4.5"}
    sonnet_46 = {"id": "anthropic/claude-sonnet-4.6"}
    latest = {"id": "~anthropic/claude-sonnet-latest", "alias_target": "anthropic/claude-sonnet-4.5"}
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", sonnet_45, sonnet_46, latest)], say=lambda _: None)
    assert _models(empty_tree)["~anthropic/claude-sonnet-latest"] == "anthropic/claude-sonnet-4.5"
    moved = {**latest, "alias_target": "anthropic/claude-sonnet-4.6"}
    result = run_refresh(empty_tree, [_openrouter("2026-07-08T00:00:00Z", sonnet_45, sonnet_46, moved)],
                         say=lambda _: None)
    assert _models(empty_tree)["~anthropic/claude-sonnet-latest"] == "anthropic/claude-sonnet-4.6"
    assert result.to_json()["sources"][0]["changed"] == 1
    tree = load_tree(empty_tree)
    assert "claude-sonnet-latest" not in tree.vendors["anthropic"]["models"]  # never a model of its own


def test_without_an_alias_target_a_latest_id_is_linked_by_its_name(empty_tree: Path) -> None:
    """What the recorded listing (before alias_target) does: a model named for the alias."""
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", {"id": "~anthropic/claude-sonnet-latest"})],
                say=lambda _: None)
    assert _models(empty_tree)["~anthropic/claude-sonnet-latest"] == "anthropic/claude-sonnet-latest"


def test_every_dated_snapshot_joins_its_model_whatever_the_release_date(empty_tree: Path) -> None:
    """Before, only a snapshot dated the model's release day joined it (Sonnet 4.5's did, Haiku
    4.5's and Opus 4.5's did not); each still keeps its own offering and price."""
    models = [{"id": "anthropic/claude-haiku-4.5"},
              {"id": "anthropic/claude-haiku-4-5-20251001", "pricing": {"prompt": "0.000002", "completion": "0.00001"}},
              {"id": "openai/gpt-4o"}, {"id": "openai/gpt-4o-2024-08-06"}]
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", *models)], say=lambda _: None)
    linked = _models(empty_tree)
    assert linked["anthropic/claude-haiku-4-5-20251001"] == "anthropic/claude-haiku-4.5"
    assert linked["openai/gpt-4o-2024-08-06"] == "openai/gpt-4o"
    tree = load_tree(empty_tree)
    assert "anthropic/claude-haiku-4.5-20251001" in tree.vendors["anthropic"]["models"]["claude-haiku-4.5"]["aliases"]
    snapshot = tree.providers["openrouter"]["offerings"]["anthropic/claude-haiku-4-5-20251001"]
    assert snapshot["price"]["input"] == 2.0  # its own price, on its own offering


def test_decorations_never_become_models(empty_tree: Path) -> None:
    models = [{"id": "anthropic/claude-opus-4.6"}, {"id": "anthropic/claude-opus-4-6@default"},
              {"id": "anthropic/claude-opus-4.6[1m]"}, {"id": "anthropic/claude-opus-4.6:free",
                                                        "pricing": {"prompt": "0", "completion": "0"}}]
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", *models)], say=lambda _: None)
    assert set(_models(empty_tree).values()) == {"anthropic/claude-opus-4.6"}
