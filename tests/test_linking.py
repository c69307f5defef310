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
    assert tree.providers["openrouter"]["offerings"]["~anthropic/claude-sonnet-latest"]["model_history"] == [
        {"model": "anthropic/claude-sonnet-4.5", "source": "openrouter", "as_of": "2026-07-01T00:00:00Z",
         "until": "2026-07-08T00:00:00Z", "by": "linked"},
        {"model": "anthropic/claude-sonnet-4.6", "source": "openrouter", "as_of": "2026-07-08T00:00:00Z",
         "by": "statement"}]  # what it stood for, dated (issue 31, point 2)


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


# -- the same models whichever source spoke first (issue 26) --------------------------------


def test_a_dated_model_made_before_its_base_joins_the_base_when_it_appears(empty_tree: Path) -> None:
    """A listing of only the dated id makes a model of it (no base is known); when a later run
    lists the base, the dated model joins it — what one run listing both gives."""
    dated = {"id": "anthropic/claude-haiku-4-5-20251001"}
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", dated)], say=lambda _: None)
    assert _models(empty_tree)["anthropic/claude-haiku-4-5-20251001"] == "anthropic/claude-haiku-4.5-20251001"
    run_refresh(empty_tree, [_openrouter("2026-07-02T00:00:00Z", dated, {"id": "anthropic/claude-haiku-4.5"})],
                say=lambda _: None)
    assert _models(empty_tree)["anthropic/claude-haiku-4-5-20251001"] == "anthropic/claude-haiku-4.5"
    models = load_tree(empty_tree).vendors["anthropic"]["models"]
    assert set(models) == {"claude-haiku-4.5"}
    assert models["claude-haiku-4.5"]["aliases"] == ["anthropic/claude-haiku-4.5-20251001"]


def test_a_model_a_source_later_names_an_alias_of_another_joins_it(empty_tree: Path) -> None:
    """``moonshotai/kimi-k2-instruct`` listed first is a model of its own; a listing that names
    it another name of ``moonshotai/kimi-k2`` (OpenRouter's hugging_face_id) makes them one, with
    the name spelled as that source wrote it — as if the alias had been known first."""
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", {"id": "moonshotai/kimi-k2-instruct"})],
                say=lambda _: None)
    assert "kimi-k2-instruct" in load_tree(empty_tree).vendors["moonshotai"]["models"]
    k2 = {"id": "moonshotai/kimi-k2", "hugging_face_id": "moonshotai/Kimi-K2-Instruct"}
    run_refresh(empty_tree, [_openrouter("2026-07-02T00:00:00Z", {"id": "moonshotai/kimi-k2-instruct"}, k2)],
                say=lambda _: None)
    assert _models(empty_tree) == {"moonshotai/kimi-k2-instruct": "moonshotai/kimi-k2", "moonshotai/kimi-k2": "moonshotai/kimi-k2"}
    models = load_tree(empty_tree).vendors["moonshotai"]["models"]
    assert set(models) == {"kimi-k2"} and models["kimi-k2"]["aliases"] == ["moonshotai/Kimi-K2-Instruct"]


def test_a_name_that_is_only_the_id_never_beats_a_real_name(empty_tree: Path) -> None:
    bare = {"id": "qwen/qwen3-30b-a3b:free", "name": "qwen3-30b-a3b"}  # as a listing of bare ids names it
    named = {"id": "qwen/qwen3-30b-a3b", "name": "Qwen3 30B A3B"}
    for first, second in ((bare, named), (named, bare)):
        root = empty_tree / first["name"].replace(" ", "_") / "metadata"
        root.mkdir(parents=True)
        for registry in ("sources.json", "vendors.json"):
            (root / registry).write_bytes((empty_tree / registry).read_bytes())
        run_refresh(root, [_openrouter("2026-07-01T00:00:00Z", first)], say=lambda _: None)
        run_refresh(root, [_openrouter("2026-07-02T00:00:00Z", first, second)], say=lambda _: None)
        tree = load_tree(root)
        vendor, _, slug = tree.providers["openrouter"]["offerings"]["qwen/qwen3-30b-a3b:free"]["model"].partition("/")
        assert tree.vendors[vendor]["models"][slug]["name"] == "Qwen3 30B A3B"


# -- a vendor's renames (issue 31, point 7) ----------------------------------------------------


def test_a_vendors_rename_makes_one_model_and_keeps_the_old_id_as_an_alias(empty_tree: Path) -> None:
    """Resellers write Claude 4+ with the version first (``claude-4.5-sonnet``, ``claude-4-5-sonnet``,
    ``claude-4.0-opus``), as Claude 3 was named; Anthropic names them family first. They were
    separate models (9 in the catalog). vendors.json's ``renames`` says they are one; the old id
    stays an alias, and Claude 3's own order is left as it is."""
    listed = [{"id": "anthropic/claude-sonnet-4.5"}, {"id": "anthropic/claude-opus-4"},
              {"id": "qiniu/claude-4.5-sonnet"}, {"id": "cortecs/claude-4-5-sonnet"}, {"id": "x/claude-4.0-opus"},
              {"id": "x/claude-4.5-sonnet-20250929"}, {"id": "anthropic/claude-3.5-sonnet"}]
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", *listed)], say=lambda _: None)
    linked = _models(empty_tree)
    assert linked["qiniu/claude-4.5-sonnet"] == linked["cortecs/claude-4-5-sonnet"] == "anthropic/claude-sonnet-4.5"
    assert linked["x/claude-4.5-sonnet-20250929"] == "anthropic/claude-sonnet-4.5"
    assert linked["x/claude-4.0-opus"] == "anthropic/claude-opus-4"
    assert linked["anthropic/claude-3.5-sonnet"] == "anthropic/claude-3.5-sonnet"
    models = load_tree(empty_tree).vendors["anthropic"]["models"]
    assert set(models) == {"claude-sonnet-4.5", "claude-opus-4", "claude-3.5-sonnet"}
    assert "anthropic/claude-4.5-sonnet" in models["claude-sonnet-4.5"]["aliases"]
    assert "anthropic/claude-4.0-opus" in models["claude-opus-4"]["aliases"]


def test_a_model_made_before_the_rename_joins_its_new_name(empty_tree: Path) -> None:
    """A tree written before the rule has ``anthropic/claude-4.5-sonnet`` as a model of its own:
    the next listing of it makes it one with ``claude-sonnet-4.5``, as one run would have."""
    vendors = json.loads((empty_tree / "vendors.json").read_text())
    kept = json.loads(json.dumps(vendors))
    vendors["vendors"]["anthropic"].pop("renames")
    (empty_tree / "vendors.json").write_text(json.dumps(vendors))
    listed = [{"id": "anthropic/claude-sonnet-4.5"}, {"id": "qiniu/claude-4.5-sonnet"}]
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", *listed)], say=lambda _: None)
    assert "claude-4.5-sonnet" in load_tree(empty_tree).vendors["anthropic"]["models"]
    (empty_tree / "vendors.json").write_text(json.dumps(kept))
    run_refresh(empty_tree, [_openrouter("2026-07-02T00:00:00Z", *listed)], say=lambda _: None)
    assert _models(empty_tree)["qiniu/claude-4.5-sonnet"] == "anthropic/claude-sonnet-4.5"
    assert "claude-4.5-sonnet" not in load_tree(empty_tree).vendors["anthropic"]["models"]


def test_azures_listings_name_models_of_their_vendors(empty_tree: Path) -> None:
    """Azure lists other vendors' models under names of its own making — the vendor's name
    before the model's (``cohere-command-a``, ``meta-llama-3.1-8b-instruct``) or a name no rule
    knew (``mai-ds-r1``, ``computer-use-preview``) — and they were 14 models of a vendor
    "azure" (issue 31, point 4). vendors.json says whose they are; the Azure spelling stays an
    alias, so both listings of Azure and the vendor's own listing are one model."""
    from refresher.run.canonical import VendorRules

    rules = VendorRules(json.loads((empty_tree / "vendors.json").read_text())["vendors"])
    for provider in ("azure", "azure-cognitive-services"):
        assert [rules.canonical_model_id(provider, i) for i in (
            "cohere-command-a", "cohere-command-r-plus-08-2024", "meta-llama-3.1-8b-instruct", "mai-ds-r1",
            "computer-use-preview")] == ["cohere/command-a", "cohere/command-r-plus-08-2024",
                                         "meta/llama-3.1-8b-instruct", "microsoft/mai-ds-r1",
                                         "openai/computer-use-preview"]
    assert rules.canonical_model_id("together", "meta-llama/Meta-Llama-3.1-8B-Instruct") == "meta/llama-3.1-8b-instruct"
    assert rules.canonical_model_id("cohere", "command-a") == "cohere/command-a"
    listed = [{"id": "cohere/command-a"}, {"id": "x/cohere-command-a"}, {"id": "meta-llama/llama-3.1-8b-instruct"},
              {"id": "x/meta-llama-3.1-8b-instruct"}]
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", *listed)], say=lambda _: None)
    linked = _models(empty_tree)
    assert linked["x/cohere-command-a"] == linked["cohere/command-a"] == "cohere/command-a"
    assert linked["x/meta-llama-3.1-8b-instruct"] == "meta/llama-3.1-8b-instruct"
    tree = load_tree(empty_tree)
    assert "cohere/cohere-command-a" in tree.vendors["cohere"]["models"]["command-a"]["aliases"]
    assert set(tree.vendors["meta"]["models"]) == {"llama-3.1-8b-instruct"}
