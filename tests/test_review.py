"""faimeta review: a manual fact, pinned against automated sources until it expires."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refresher.cli import app
from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import REPO, UPSTREAM

runner = CliRunner()
SONNET = "claude-sonnet-4-5-20250929"




def _review(root: Path, *args: str):
    return runner.invoke(app, ["review", *args, "--root", str(root)])


def test_a_review_pins_the_value_with_reviewer_source_and_expiry(repo_tree: Path) -> None:
    result = _review(repo_tree, "anthropic", SONNET, "price.input", "--value", "2.75",
                     "--source-url", "https://www.anthropic.com/pricing", "--expires", "2027-01-01")
    assert result.exit_code == 0, result.output
    assert "price.input: 2.75 (was 3 from modelsdev), pinned until 2027-01-01T00:00:00Z by Rita Reviewer" in result.output
    offering = load_tree(repo_tree).providers["anthropic"]["offerings"][SONNET]
    assert offering["price"]["input"] == 2.75
    assert offering["provenance"]["fields"]["price.input"] == {
        "source": "manual", "as_of": offering["provenance"]["fields"]["price.input"]["as_of"],
        "ref": "https://www.anthropic.com/pricing", "expires": "2027-01-01T00:00:00Z",
        "by": "Rita Reviewer <rita@example.test>"}
    assert offering["disagreements"]["price.input"] == [
        {"source": "modelsdev", "value": 3, "as_of": "2026-07-01T16:40:28Z"}]
    # A refresh from the automated source does not override it while the review holds.
    data = (UPSTREAM / "modelsdev/api.json").read_bytes()
    assert run_refresh(repo_tree, [Payload("modelsdev", (data,), "2026-12-01T00:00:00Z", "md")], say=print).ok
    assert load_tree(repo_tree).providers["anthropic"]["offerings"][SONNET]["price"]["input"] == 2.75


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["anthropic", SONNET, "price.inputs", "--value", "1"], "'price.inputs' is not a tracked fact"),
        (["anthropic", SONNET, "price.input", "--value", "cheap"], "price.input: 'cheap' is not a number"),
        (["anthropic", SONNET, "capabilities.tools", "--value", "maybe"], "is not true or false"),
        (["anthropic", "claude-9", "price.input", "--value", "1"], "anthropic has no offering 'claude-9'"),
        (["nobody", SONNET, "price.input", "--value", "1"], "no provider 'nobody'"),
        (["anthropic", SONNET, "price.input", "--value", "1", "--expires", "yesterday"], "use a duration like 90d"),
        (["anthropic", SONNET, "price.input", "--value", "1", "--expires", "2020-01-01"], "is not in the future"),
        (["anthropic", SONNET, "price.input", "--value", "-1"], "the review would make the metadata invalid"),
    ],
)
def test_a_bad_review_is_refused_and_writes_nothing(repo_tree: Path, args: list[str], message: str) -> None:
    before = {p: p.read_bytes() for p in repo_tree.rglob("*.json")}
    result = _review(repo_tree, *args, "--source-url", "https://example.test/pricing")
    assert result.exit_code in (1, 2) and message in result.output
    assert {p: p.read_bytes() for p in repo_tree.rglob("*.json")} == before


def test_a_review_needs_a_reviewer(seeded_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no global git identity either
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    result = _review(seeded_tree, "anthropic", SONNET, "price.input", "--value", "2.75",
                     "--source-url", "https://www.anthropic.com/pricing")
    assert result.exit_code == 2 and "set your git identity first" in result.output


def test_status_lists_reviews_that_expire_soon(repo_tree: Path) -> None:
    assert _review(repo_tree, "anthropic", SONNET, "limits.context", "--value", "1000000",
                   "--source-url", "https://docs.anthropic.com/models", "--expires", "10d").exit_code == 0
    result = runner.invoke(app, ["status", "--root", str(repo_tree), "--provider", "anthropic"])
    assert f"anthropic/{SONNET} limits.context: expires" in result.output
    assert "reviewed by Rita Reviewer <rita@example.test>" in result.output
    later = runner.invoke(app, ["status", "--root", str(repo_tree), "--json", "--at", "2099-01-01"])
    reviews = json.loads(later.output)["reviews_expiring"]
    assert reviews[0]["expired"] is True and reviews[0]["fact"] == "limits.context"


def test_reviewing_a_price_leaves_no_source_agreeing_with_a_value_it_never_stated(tmp_path: Path) -> None:
    """The committed catalog, where four catalogs agree with Sonnet's input price of 3: after a
    review to 2.75 they disagree with it, each with the value it said and since when."""
    root = tmp_path / "metadata"
    shutil.copytree(REPO / "metadata", root)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "config", "user.name", "Rita Reviewer"], cwd=tmp_path, check=True)
    subprocess.run(["git", "config", "user.email", "rita@example.test"], cwd=tmp_path, check=True)
    agreed = load_tree(root).providers["anthropic"]["offerings"][SONNET]["agreements"]["price.input"]
    assert len(agreed) >= 2
    result = _review(root, "anthropic", SONNET, "price.input", "--value", "2.75",
                     "--source-url", "https://www.anthropic.com/pricing", "--expires", "90d")
    assert result.exit_code == 0, result.output
    offering = load_tree(root).providers["anthropic"]["offerings"][SONNET]
    assert "price.input" not in offering.get("agreements", {})
    said = {d["source"]: (d["value"], d["as_of"]) for d in offering["disagreements"]["price.input"]}
    assert {a["source"]: (3, a["as_of"]) for a in agreed}.items() <= said.items()


def test_a_provider_fact_is_pinned_by_review_against_every_source_until_it_expires(repo_tree: Path) -> None:
    """Issue 27, point 1: a community catalog never changes a provider's API host that a manual
    review states — Wafer's ``base_url`` is reviewed, Models.dev then lists another host, and the
    review stands (Models.dev's value a disagreement) until it expires."""
    before = load_tree(repo_tree).providers["wafer-ai"]["base_url"]
    result = _review(repo_tree, "wafer-ai", "base_url", "--value", "https://api.wafer.ai/v2",
                     "--source-url", "https://docs.wafer.ai/api", "--expires", "2027-01-01")
    assert result.exit_code == 0, result.output
    assert f"wafer-ai base_url: 'https://api.wafer.ai/v2' (was {before!r} from modelsdev)" in result.output
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_bytes())
    data["wafer.ai"]["api"] = "https://relay.example/v1"
    assert run_refresh(repo_tree, [Payload("modelsdev", (json.dumps(data).encode(),), "2026-12-01T00:00:00Z", "md")],
                       say=lambda _: None).ok
    wafer = load_tree(repo_tree).providers["wafer-ai"]
    assert wafer["base_url"] == "https://api.wafer.ai/v2"
    assert wafer["provenance"]["fields"]["base_url"]["expires"] == "2027-01-01T00:00:00Z"
    assert {"source": "modelsdev", "value": "https://relay.example/v1", "as_of": "2026-12-01T00:00:00Z"} in \
        wafer["disagreements"]["base_url"]
    status = runner.invoke(app, ["status", "--root", str(repo_tree), "--at", "2026-12-20"])
    assert "wafer-ai" in status.output and "base_url" in status.output  # it expires within 30 days
    assert run_refresh(repo_tree, [Payload("modelsdev", (json.dumps(data).encode(),), "2027-01-02T00:00:00Z", "md")],
                       say=lambda _: None).ok
    assert load_tree(repo_tree).providers["wafer-ai"]["base_url"] == "https://relay.example/v1"  # expired


@pytest.mark.parametrize(("args", "message"), [
    (["wafer-ai", "base_url", "--value", "javascript:alert(1)"], "base_url: "),
    (["wafer-ai", "name", "--value", "Wa\u202efer"], "name: "),
    (["wafer-ai", "api_style", "--value", "openai-chat"], "'api_style' is not a tracked provider fact"),
    (["wafer-ai", "claude", "price.input"], "--value"),
])
def test_a_bad_provider_review_is_refused_and_writes_nothing(repo_tree: Path, args: list[str], message: str) -> None:
    before = (repo_tree / "providers" / "wafer-ai.json").read_bytes()
    result = _review(repo_tree, *args, "--source-url", "https://docs.wafer.ai/api")
    assert result.exit_code == 2 and message in result.output, result.output
    assert (repo_tree / "providers" / "wafer-ai.json").read_bytes() == before
