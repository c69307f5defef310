"""Reading and writing only what a command needs (issue 17): ``status`` and ``show`` answer from
the tree's index and the providers they are about; a write renders, validates and stages
only the files that changed; the index follows every change of a provider file."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refresher.cli import app
from refresher.cli.inspect import find, priced_offerings, provider_status, record_facts
from refresher.publish.build import catalog_of, index_documents
from refresher.review.manual import expiring_reviews
from refresher.run.refresh import write_if_valid
from refresher.tree.index import INDEX_NAME, provider_extract, provider_extracts
from refresher.tree.jsonio import dumps
from refresher.tree.store import LazyProviders, TreeProblem, load_tree, render_changed

runner = CliRunner()
NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def _loaded(tree) -> set[str]:
    return set(tree.providers._loaded)


def test_status_of_one_provider_reads_that_provider_only(seeded_tree: Path) -> None:
    provider_extracts(load_tree(seeded_tree, lazy=True))  # the index, as the first command leaves it
    tree = load_tree(seeded_tree, lazy=True)
    assert isinstance(tree.providers, LazyProviders) and len(tree.providers) > 2
    (row,) = provider_status(catalog_of(tree, "metadata"), NOW, ["anthropic"])
    expiring_reviews(tree, NOW, providers=["anthropic"])
    assert row["provider"] == "anthropic" and row["priced"] == 24
    assert _loaded(tree) == {"anthropic"}


def test_show_of_a_model_reads_no_provider_and_of_an_offering_its_own(seeded_tree: Path) -> None:
    provider_extracts(load_tree(seeded_tree, lazy=True))
    tree = load_tree(seeded_tree, lazy=True)
    catalog = catalog_of(tree, "metadata")
    (hit,) = find(tree, "anthropic/claude-sonnet-4.5", catalog)
    view = record_facts(tree, hit, NOW, catalog)
    rows = priced_offerings(tree, view["offerings"])
    assert len(rows) == len(view["offerings"]) > 2 and _loaded(tree) == set()
    (hit,) = find(tree, "openrouter/anthropic/claude-sonnet-4.5", catalog)
    assert record_facts(tree, hit, NOW, catalog)["facts"]["price.input"]["value"] == 3
    assert _loaded(tree) == {"openrouter"}


def test_the_index_gives_what_the_records_give(seeded_tree: Path) -> None:
    eager, lazy = load_tree(seeded_tree), load_tree(seeded_tree, lazy=True)
    assert index_documents(lazy) == index_documents(eager)
    assert json.loads((seeded_tree / INDEX_NAME).read_text())["providers"]["anthropic"]["offerings"][
        "claude-sonnet-4-5"] == ["anthropic/claude-sonnet-4.5", 3, 15, "active"]
    again = load_tree(seeded_tree, lazy=True)
    assert provider_extracts(again) == provider_extracts(lazy) and _loaded(again) == set()  # all from the index


def test_a_changed_provider_file_is_read_again_and_only_it(seeded_tree: Path) -> None:
    provider_extracts(load_tree(seeded_tree, lazy=True))
    path = seeded_tree / "providers" / "anthropic.json"
    record = json.loads(path.read_text())
    record["offerings"]["claude-sonnet-4-5"]["price"]["input"] = 4
    path.write_text(dumps(record))  # same size and, on a coarse clock, the same mtime: the inode tells
    tree = load_tree(seeded_tree, lazy=True)
    assert provider_extracts(tree)["anthropic"]["offerings"]["claude-sonnet-4-5"][1] == 4
    assert _loaded(tree) == {"anthropic"}


def test_a_provider_added_or_removed_is_in_the_index_or_gone(seeded_tree: Path) -> None:
    provider_extracts(load_tree(seeded_tree, lazy=True))
    shutil.copy(seeded_tree / "providers" / "anthropic.json", seeded_tree / "providers" / "anthropic-copy.json")
    (seeded_tree / "providers" / "openrouter.json").unlink()
    extracts = provider_extracts(load_tree(seeded_tree, lazy=True))
    assert "anthropic-copy" in extracts and "openrouter" not in extracts
    assert set(json.loads((seeded_tree / INDEX_NAME).read_text())["providers"]) == set(extracts)


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"[]", b'{"format": 2, "providers": []}',
                                     b'{"format": 99, "providers": {}}', b'{"format": 2, "providers": {"anthropic": 1}}',
                                     b'{"format": 2, "providers": {"anthropic": {"offerings": {"x": [1]}}}}'])
def test_an_unreadable_index_is_rebuilt(seeded_tree: Path, garbage: bytes) -> None:
    (seeded_tree / INDEX_NAME).write_bytes(garbage)
    extracts = provider_extracts(load_tree(seeded_tree, lazy=True))
    assert extracts["anthropic"] == {**provider_extract(load_tree(seeded_tree).providers["anthropic"]),
                                     "stamp": extracts["anthropic"]["stamp"]}
    assert json.loads((seeded_tree / INDEX_NAME).read_text())["format"] == 2


def test_a_read_only_tree_is_indexed_in_memory(seeded_tree: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes through permissions: make the index path unwritable another way
        (seeded_tree / INDEX_NAME).mkdir()
    else:
        seeded_tree.chmod(0o555)
    try:
        result = runner.invoke(app, ["status", "--root", str(seeded_tree), "--provider", "anthropic", "--json"])
    finally:
        seeded_tree.chmod(0o755)
    assert result.exit_code == 0, result.output


def test_a_broken_provider_file_is_named_when_a_command_reads_it(seeded_tree: Path) -> None:
    (seeded_tree / "providers" / "anthropic.json").write_text('{"id": "anthropic", "id": "twice"}')
    result = runner.invoke(app, ["status", "--root", str(seeded_tree), "--provider", "anthropic"])
    assert result.exit_code == 1
    assert "cannot read the metadata" in result.output and "anthropic.json: duplicate key 'id'" in result.output
    with pytest.raises(TreeProblem):
        load_tree(seeded_tree, lazy=True).providers["anthropic"]


def test_the_index_stays_out_of_git_and_out_of_the_tree(seeded_tree: Path) -> None:
    provider_extracts(load_tree(seeded_tree, lazy=True))
    assert (seeded_tree / INDEX_NAME).exists()
    assert INDEX_NAME in (Path(__file__).resolve().parent.parent / ".gitignore").read_text().split()
    assert "providers/.faimeta-index.json" not in load_tree(seeded_tree).files


# -- a write renders only what changed ----------------------------------------------------------


def test_a_tree_that_learned_nothing_renders_nothing(seeded_tree: Path) -> None:
    assert render_changed(load_tree(seeded_tree)) == {}


def test_a_changed_record_is_rendered_alone(seeded_tree: Path) -> None:
    tree = load_tree(seeded_tree)
    tree.providers["anthropic"]["offerings"]["claude-sonnet-4-5"]["price"]["input"] = 4
    tree.vendors["anthropic"]["models"]["claude-sonnet-4.5"]["name"] = "Renamed"
    tree.providers["newcomer"] = {"id": "newcomer", "offerings": {}}
    changed = render_changed(tree)
    assert sorted(changed) == ["models/anthropic.json", "providers/anthropic.json", "providers/newcomer.json"]
    assert changed["providers/anthropic.json"] == dumps(tree.providers["anthropic"])


def test_the_same_data_in_other_formatting_is_left_as_it_is(seeded_tree: Path) -> None:
    path = seeded_tree / "providers" / "anthropic.json"
    text = json.dumps(json.loads(path.read_text()), indent=4).replace('"input": 3,', '"input": 3.0,', 1)
    assert '"input": 3.0,' in text
    path.write_text(text)
    before = path.read_bytes()
    problems, written = write_if_valid(load_tree(seeded_tree), seeded_tree)
    assert not [p for p in problems if p.severity == "error"] and written == []
    assert path.read_bytes() == before


def test_an_invalid_change_writes_nothing_and_a_valid_one_only_its_file(seeded_tree: Path) -> None:
    before = {p: p.read_bytes() for p in seeded_tree.rglob("*.json")}
    tree = load_tree(seeded_tree)
    tree.providers["anthropic"]["offerings"]["claude-sonnet-4-5"]["price"]["input"] = -1
    problems, written = write_if_valid(tree, seeded_tree)
    assert written == [] and any("price.input" in str(p) for p in problems)
    assert {p: p.read_bytes() for p in seeded_tree.rglob("*.json")} == before
    tree.providers["anthropic"]["offerings"]["claude-sonnet-4-5"]["price"]["input"] = 4
    problems, written = write_if_valid(tree, seeded_tree)
    assert written == ["providers/anthropic.json"]
    assert json.loads((seeded_tree / written[0]).read_text())["offerings"]["claude-sonnet-4-5"]["price"]["input"] == 4
