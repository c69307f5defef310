"""An incremental build is a clean build, made faster (issue 28, point 3): every build was a full
build — 2.5 s to write one file, the site ~80 % of it. A build into a folder it built before takes
from its memory (:mod:`refresher.publish.memory`) what depends only on inputs that did not change.

Each case changes the tree (or the output) one way, builds into the old folder with the memory,
and holds the result byte for byte against a clean build of the same tree in a new folder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from refresher.publish.build import build
from refresher.tree.store import load_tree
from tests.conftest import REPO

#: a small catalog: these vendors' models and the providers serving only them
_VENDORS = ("anthropic", "deepseek", "mistral")
_BUILT_AT = "2026-12-01T00:00:00Z"


@pytest.fixture
def metadata(tmp_path: Path) -> Path:
    root = tmp_path / "metadata"
    root.mkdir()
    for name in ("sources.json", "vendors.json", "ledger.json"):
        shutil.copy(REPO / "metadata" / name, root / name)
    (root / "models").mkdir()
    for vendor in _VENDORS:
        shutil.copy(REPO / "metadata" / "models" / f"{vendor}.json", root / "models" / f"{vendor}.json")
    (root / "providers").mkdir()
    for path in sorted((REPO / "metadata" / "providers").glob("*.json")):
        offerings = json.loads(path.read_text())["offerings"].values()
        if offerings and all(o["model"].partition("/")[0] in _VENDORS for o in offerings):
            shutil.copy(path, root / "providers" / path.name)
    return root


def _build(metadata: Path, out: Path, memory: Path | None):
    return build(load_tree(metadata), out, schema_dir=REPO / "schema", built_at=_BUILT_AT, repo=REPO, memory=memory)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _edit(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def _new_price(root: Path) -> str:
    """One offering's input price moves; returns the model it serves."""
    served = []

    def change(provider: dict) -> None:
        offering = next(o for o in provider["offerings"].values() if (o.get("price") or {}).get("input"))
        offering["price"]["input"] = round(offering["price"]["input"] * 1.25, 6)
        served.append(offering["model"])
    _edit(root / "providers" / "anthropic.json", change)
    return served[0]


def _provider_gone(root: Path) -> None:
    (root / "providers" / "deepseek.json").unlink()


def _confirmed_again(root: Path) -> None:
    """One provider's slice of the ledger moves (a source no longer lists one offering), nothing else."""
    def change(ledger: dict) -> None:
        entry = next(e for e in ledger["sources"].values() if e.get("listed", {}).get("anthropic"))
        entry["listed"]["anthropic"] = entry["listed"]["anthropic"][1:]  # no longer confirms one offering
    _edit(root / "ledger.json", change)


def _checked_later(root: Path) -> None:
    """The newest source check moves: every page judges freshness at another instant."""
    def change(ledger: dict) -> None:
        next(iter(ledger["sources"].values()))["checked_at"] = "2026-12-05T00:00:00Z"
    _edit(root / "ledger.json", change)


def _model_renamed(root: Path) -> None:
    def change(vendor: dict) -> None:
        vendor["models"][sorted(vendor["models"])[0]]["name"] = "Renamed Model"
    _edit(root / "models" / "mistral.json", change)


CHANGES = {"a price": _new_price, "a provider removed": _provider_gone, "a ledger slice": _confirmed_again,
           "the judging instant": _checked_later, "a model's name": _model_renamed}


@pytest.mark.slow
@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_an_incremental_build_is_the_clean_build_of_the_same_tree(change, metadata: Path, tmp_path: Path) -> None:
    memory = tmp_path / "memory.json"
    _build(metadata, tmp_path / "out", memory)
    change(metadata)
    _build(metadata, tmp_path / "out", memory)
    _build(metadata, tmp_path / "clean", None)
    incremental, clean = _files(tmp_path / "out"), _files(tmp_path / "clean")
    assert sorted(incremental) == sorted(clean)
    assert [rel for rel in clean if incremental[rel] != clean[rel]] == []


@pytest.mark.slow
def test_an_unchanged_rebuild_writes_nothing_and_a_price_rewrites_only_what_shows_it(metadata: Path,
                                                                                     tmp_path: Path) -> None:
    memory = tmp_path / "memory.json"
    first = _build(metadata, tmp_path / "out", memory)
    assert len(first.written) > 100 and first.kept == []
    again = _build(metadata, tmp_path / "out", memory)
    assert again.written == [] and set(again.kept) == set(_files(tmp_path / "out")) - {"v1/manifest.json"}
    model = _new_price(metadata)
    priced = _build(metadata, tmp_path / "out", memory)
    assert "v1/providers/anthropic.json" in priced.written and "v1/changes/anthropic.atom" in priced.written
    made_again = {rel for rel in _files(tmp_path / "out") if rel.startswith(("models/", "providers/", "v1/providers/",
                                                                              "v1/changes/"))} - set(priced.kept)
    # the provider's own outputs, and the one page showing the offering: not the provider's other models
    assert made_again == {"v1/providers/anthropic.json", "v1/changes/anthropic.json", "v1/changes/anthropic.atom",
                          "providers/anthropic.html", f"models/{model}.html"}


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["deleted", "edited"])
def test_an_output_changed_by_hand_is_made_again(damage: str, metadata: Path, tmp_path: Path) -> None:
    memory = tmp_path / "memory.json"
    _build(metadata, tmp_path / "out", memory)
    clean = _files(tmp_path / "out")
    for rel in ("v1/providers/anthropic.json", "models/anthropic/claude-sonnet-4.5.html", "providers/mistral.html"):
        if damage == "deleted":
            (tmp_path / "out" / rel).unlink()
        else:
            (tmp_path / "out" / rel).write_text("edited by hand, a different length\n")
    written = _build(metadata, tmp_path / "out", memory).written
    assert {"v1/providers/anthropic.json", "models/anthropic/claude-sonnet-4.5.html", "providers/mistral.html"} <= set(written)
    assert _files(tmp_path / "out") == clean


@pytest.mark.slow
@pytest.mark.parametrize("memory_text", ["", "{not json", '{"format": 1, "code": "other code"}', '{"format": 99}'])
def test_a_memory_that_cannot_be_used_gives_a_clean_build(memory_text: str, metadata: Path, tmp_path: Path) -> None:
    memory = tmp_path / "memory.json"
    _build(metadata, tmp_path / "out", memory)
    _new_price(metadata)
    memory.write_text(memory_text)
    _build(metadata, tmp_path / "out", memory)
    _build(metadata, tmp_path / "clean", None)
    assert _files(tmp_path / "out") == _files(tmp_path / "clean")
    again = json.loads(memory.read_text())  # written again, whole, by this code
    assert again["format"] != 99 and again["code"] != "other code" and again["providers"] and again["models"]


@pytest.mark.slow
def test_the_site_made_from_the_tree_is_the_site_made_from_the_files_written(metadata: Path, tmp_path: Path) -> None:
    """The site is rendered from the tree in memory (catalog_of), not from v1/ parsed again:
    both are the consumer's view of the same records, and must give the same pages."""
    from gate_consumer.loading import load_directory
    from refresher.publish.build import catalog_of, last_checked
    from refresher.publish.feeds import changes
    from refresher.publish.site import site_files

    tree = load_tree(metadata)
    _build(metadata, tmp_path / "out", None)
    every, judged_at = changes(tree), last_checked(tree)
    from_files = site_files(load_directory(tmp_path / "out" / "v1", warm=False), every, judged_at)
    assert site_files(catalog_of(tree, "memory"), every, judged_at) == from_files
    assert {rel: text.encode() for rel, text in from_files.items()} == \
        {rel: data for rel, data in _files(tmp_path / "out").items() if rel in from_files}
