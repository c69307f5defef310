"""Issue 30, point 2: every read command reads one catalog — the working tree inside a checkout,
else the bundled snapshot, or ``--catalog DIR|URL`` — and says which only where it matters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refresher.cli import app

runner = CliRunner()
SONNET = "claude-sonnet-4-5-20250929"

READ_COMMANDS = [
    ["status", "--provider", "anthropic"],
    ["show", "anthropic/claude-sonnet-4.5"],
    ["agreement", "--top", "3"],
    ["price", "claude-sonnet-4-5", "--input", "1000", "--output", "100"],
    ["resolve", "claude-sonnet-4-5"],
    ["models", "sonnet", "--limit", "3"],
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_outside_a_checkout_every_read_command_reads_the_bundled_snapshot(command, tmp_path: Path,
                                                                       monkeypatch) -> None:
    """They exited with "no metadata folder here", or "v1/sources.json: missing" when pointed
    at the snapshot; only price, resolve and models worked."""
    monkeypatch.chdir(tmp_path)  # no metadata/ here
    monkeypatch.delenv("FAIMETA_ROOT", raising=False)
    result = runner.invoke(app, command)
    assert result.exit_code == 0, result.output
    assert "note:" not in result.output  # nothing to say: there is one catalog here


def test_status_says_once_which_catalog_it_read(tmp_path: Path, monkeypatch) -> None:
    import gate_consumer

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAIMETA_ROOT", raising=False)
    text = runner.invoke(app, ["status", "-p", "anthropic", "--at", "2026-12-06"]).output
    assert text.count(f"read from the bundled snapshot {gate_consumer.CATALOG_VERSION}") == 1
    data = json.loads(runner.invoke(app, ["status", "-p", "anthropic", "--json"]).output)
    assert data["read"] == f"the bundled snapshot {gate_consumer.CATALOG_VERSION}"




def test_inside_a_checkout_price_quotes_what_show_shows_after_a_review(repo_tree: Path) -> None:
    """`show` said "manual" while `price` still quoted the old source until `faimeta build`."""
    root = str(repo_tree)
    reviewed = runner.invoke(app, ["review", "anthropic", SONNET, "price.input", "--value", "2.75",
                                   "--source-url", "https://www.anthropic.com/pricing", "--root", root])
    assert reviewed.exit_code == 0, reviewed.output
    shown = json.loads(runner.invoke(app, ["show", f"anthropic/{SONNET}", "--root", root, "--json"]).output)
    assert shown["facts"]["price.input"]["source"] == "manual"
    quote = json.loads(runner.invoke(app, ["price", f"anthropic/{SONNET}", "--input", "1000000",
                                           "--root", root, "--json"]).output)
    assert quote["total_usd"] == 2.75 and quote["price_source"] == "manual"
    assert quote["catalog_version"] == "working-tree"


def test_catalog_points_every_read_command_at_a_built_catalog(dist: Path) -> None:
    out = dist.parent
    for command in READ_COMMANDS[:-1]:
        result = runner.invoke(app, [*command, "--catalog", str(out)])
        assert result.exit_code == 0, (command, result.output)
    status = json.loads(runner.invoke(app, ["status", "--catalog", str(out / "v1"), "--json"]).output)
    assert status["read"].startswith("the catalog ") and str(out / "v1") in status["read"]
    # the built catalog has only what the seeded tree has: the two seeded sources' providers
    assert {row["provider"] for row in status["providers"]} == set(
        json.loads((out / "v1" / "index.json").read_text())["providers"])


def test_status_of_a_provider_lists_the_sources_that_speak_for_it(seeded_tree: Path) -> None:
    """`-p` did not filter the sources block."""
    data = json.loads(runner.invoke(app, ["status", "--root", str(seeded_tree), "-p", "anthropic", "--json"]).output)
    everything = json.loads(runner.invoke(app, ["status", "--root", str(seeded_tree), "--json"]).output)
    named = {s["source"] for s in data["sources"]}
    assert named and named < {s["source"] for s in everything["sources"]}


def test_an_explicit_root_without_a_tree_is_an_error_not_the_snapshot(tmp_path: Path) -> None:
    result = runner.invoke(app, ["price", "claude-sonnet-4-5", "--input", "10", "--root", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no metadata folder here" in result.output


def test_build_writes_the_bundled_snapshot_only_when_asked(seeded_tree: Path) -> None:
    """`faimeta build --out X` rewrote four tracked files under consumer/."""
    import shutil

    repo = seeded_tree.parent
    shutil.copytree(Path(__file__).resolve().parent.parent / "schema", repo / "schema")
    shutil.copy(Path(__file__).resolve().parent.parent / "metadata" / "gate_routes.json", seeded_tree)
    bundle = repo / "consumer" / "gate_consumer" / "_data" / "v1"
    bundle.mkdir(parents=True)
    committed = (Path(__file__).resolve().parent.parent / "consumer/gate_consumer/_data/v1/manifest.json").read_text()
    (bundle / "manifest.json").write_text(committed)
    plain = runner.invoke(app, ["build", "--root", str(seeded_tree), "--out", str(repo / "dist")])
    assert plain.exit_code == 0, plain.output
    assert (bundle / "manifest.json").read_text() == committed and "_data/v1" not in plain.output
    asked = runner.invoke(app, ["build", "--root", str(seeded_tree), "--out", str(repo / "dist"), "--bundle"])
    assert asked.exit_code == 0, asked.output
    assert (bundle / "manifest.json").read_text() != committed and "_data/v1" in asked.output


def test_inside_a_checkout_nothing_is_said_about_which_catalog(monkeypatch) -> None:
    """Every call printed "note: prices from the bundled snapshot…", even when the two agreed:
    inside a checkout the working tree answers, and there is nothing to say."""
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    result = runner.invoke(app, ["price", "claude-sonnet-4-5", "--input", "1000"])
    assert result.exit_code == 0 and "note:" not in result.output
    assert "catalog working-tree" in result.output
