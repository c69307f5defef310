"""The change report: Models.dev 2026-06-02 → 2026-07-01 as a reviewer reads it, and its edges."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from refresher.cli import app
from refresher.review.report import MARKDOWN_LIMIT, compare, load_state
from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import REPO
from tests.test_refresh_states import NEW, NEW_AT, OLD, OLD_AT, _entries, _payload


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("month") / "metadata"
    root.mkdir()
    for name in ("sources.json", "vendors.json"):
        shutil.copy(REPO / "metadata" / name, root / name)
    assert run_refresh(root, [_payload(OLD, OLD_AT)], say=lambda _: None).ok
    before = load_tree(root)
    shutil.copytree(root, root.parent / "before")
    result = run_refresh(root, [_payload(NEW, NEW_AT)], say=lambda _: None)
    assert result.ok
    return before, load_tree(root), result, root.parent


def test_counts_match_the_refreshers_summary(month) -> None:
    before, after, result, _ = month
    report = compare(before, after, run=result.to_json())
    summary = result.summaries[0]
    counts = report.counts()
    assert (counts["added"], counts["changed"], counts["retired"]) == (summary.added, summary.changed, summary.retired)
    assert counts["models_added"] == summary.models_added
    assert counts["missing"] == len(_entries(OLD).keys() - _entries(NEW).keys()) == 421
    assert "modelsdev stopped listing 29 of its 39 chutes offerings (74%)" in " ".join(
        r.message for r in report.risks if r.kind == "mass-removal")
    price_jumps = [r for r in report.risks if r.kind == "price-jump"]
    assert len(price_jumps) == len([f for f in summary.flagged if "price changed" in f])
    assert report.sources == [{"source": "modelsdev", "status": "ok", "fetched": 5276, "parsed": 5276, "added": 714,
                               "changed": 608, "unchanged": 3954, "retired": 0, "skipped": 0,
                               "flagged": len(summary.flagged), "unmapped": 65}]
    assert report.unmapped == {"modelsdev": {"price 0 / 0 and not said free: left unpriced": 65}}


def test_the_pr_body_is_readable_under_the_limit_and_risky_first(month) -> None:
    before, after, result, _ = month
    body = compare(before, after, run=result.to_json()).markdown("Models.dev 2026-06-02 → 2026-07-01")
    assert len(body) < MARKDOWN_LIMIT
    lines = body.splitlines()
    assert lines[0] == "## Models.dev 2026-06-02 → 2026-07-01"
    assert "item(s) need a careful look" in lines[2]
    assert body.index("### Risky") < body.index("<summary>Price changes")  # risky items first
    assert body.index("<summary>Price changes") < body.index("<summary>Added offerings")
    assert "| llmgateway/glm-5.1 | input | 6 → 0.931 | -84.5% | modelsdev |" in body
    assert "… and " in body and "more (see the JSON report)" in body  # long sections are cut, not dropped silently


def test_a_body_that_would_be_too_long_is_cut_to_fit(month) -> None:
    before, after, _, _ = month
    body = compare(before, after).markdown("x", limit=8_000)
    assert len(body) <= 8_000 and "### Risky" in body


def test_json_has_everything(month) -> None:
    before, after, _, _ = month
    data = compare(before, after).to_json()
    assert len(data["price_changes"]) == data["counts"]["price_changes"] > 250
    change = next(c for c in data["price_changes"] if c["offering"] == "llmgateway/glm-5.1" and c["path"] == "price.input")
    assert change == {"offering": "llmgateway/glm-5.1", "path": "price.input", "old": 6, "new": 0.931,
                      "source": "modelsdev", "pct": -84.5, "why": "modelsdev changed to it 2026-07-01; 1 source(s) say it"}
    json.dumps(data)  # serializable as is


def test_retirements_removals_conflicts_and_guards_are_risky(seeded_tree: Path, tmp_path: Path) -> None:
    before = load_tree(seeded_tree)
    after = load_tree(seeded_tree)
    anthropic = after.providers["anthropic"]["offerings"]
    anthropic["claude-3-haiku-20240307"]["status"] = "retired"
    del anthropic["claude-3-opus-20240229"]
    anthropic["claude-sonnet-4-5"]["disagreements"] = {
        "price.input": [{"source": "openrouter", "value": 30, "as_of": "2026-07-17T18:02:00Z"}]}
    run = {"sources": [
        {"source": "openrouter", "status": "failed", "error": "openrouter: the response is HTML, not JSON"},
        {"source": "modelsdev", "status": "ok", "skipped": [
            {"record": "anthropic/x", "reason": "price.input: 3000000.0 USD per 1M tokens is implausibly large",
             "risk": "unit-guard"}],
         "warnings": ["modelsdev no longer lists 900 of the 1000 offerings it listed: more than 20% fewer, so "
                      "nothing is retired this run"],
         "risks": [{"kind": "retirement-blocked", "message": "modelsdev no longer lists 900 of the 1000 offerings it "
                                                             "listed: more than 20% fewer, so nothing is retired this run"}]}]}
    report = compare(before, after, run=run)
    kinds = [r.kind for r in report.risks]
    assert kinds == ["source-failed", "unit-guard", "removed", "retirement-blocked", "new-conflict", "retired"]
    assert report.retired == ["anthropic/claude-3-haiku-20240307"]
    assert report.removed == ["anthropic/claude-3-opus-20240229"]


def test_an_output_price_that_looks_like_an_image_rate_is_risky(seeded_tree: Path) -> None:
    """Models.dev's Gemini image models once had one output price, the image rate (30 per 1M)."""
    before = load_tree(seeded_tree)
    after = load_tree(seeded_tree)
    offering = after.providers["anthropic"]["offerings"]["claude-sonnet-4-5"]
    offering["modalities"] = {"input": ["text", "image"], "output": ["text", "image"]}  # as if it made images
    offering["price"] = {"input": 0.3, "output": 30}  # no image_output: the text output price is the image rate
    (risk,) = [r for r in compare(before, after).risks if r.kind == "image-rate"]
    assert risk.subject == "anthropic/claude-sonnet-4-5"
    assert "output 30 is 100× the input on a model that makes images" in risk.message
    offering["price"] = {"input": 0.3, "output": 2.5, "image_output": 30}  # split: nothing to flag
    assert "image-rate" not in [r.kind for r in compare(before, after).risks]


def test_nothing_changed_is_an_empty_report(seeded_tree: Path) -> None:
    report = compare(load_tree(seeded_tree), load_tree(seeded_tree))
    assert report.empty and report.risks == []
    assert "Nothing risky" in report.markdown()


def test_diff_command_between_folders_and_git_revisions(month, tmp_path: Path) -> None:
    root = month[3]
    runner = CliRunner()
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["diff", str(root / "before"), str(root / "metadata"), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("## Metadata changes")
    assert json.loads(out.read_text())["counts"]["added"] == 714
    bad = runner.invoke(app, ["diff", "no-such-rev", str(root / "metadata"), "--repo", str(REPO)])
    assert bad.exit_code == 2 and "neither a metadata folder nor a git revision" in bad.output
    assert load_state("HEAD", REPO).providers  # a git revision of this repository


def test_refused_and_duplicate_ids_are_risky_and_printed_escaped(seeded_tree: Path) -> None:
    tree = load_tree(seeded_tree)
    hostile = "openrouter/evil\\u202eid<script>"
    run = {"sources": [{"source": "openrouter", "status": "ok", "skipped": [
        {"record": hostile, "reason": "model id 'evil\\u202eid' contains the control or format character U+202E",
         "risk": "refused-id"},
        {"record": "openrouter/x", "reason": "listed 2 times with different values (price.input: 3 ≠ 30); "
                                             "every entry rejected, the tree keeps its value", "risk": "duplicate-id"}]}]}
    report = compare(tree, tree, run=run)
    assert [r.kind for r in report.risks] == ["refused-id", "duplicate-id"]
    body = report.markdown()
    assert "Nothing risky" not in body
    assert "\u202e" not in body
    html = MarkdownIt("commonmark").enable("table").render(body)  # upstream text is code, never a tag
    assert "<script" not in html and "<code>openrouter/evil\\u202eid&lt;script&gt;</code>" in html


def test_raw_control_characters_never_reach_the_body(seeded_tree: Path) -> None:
    tree = load_tree(seeded_tree)
    run = {"sources": [{"source": "openrouter\u202e\x1b[2J", "status": "failed", "error": "boom\u200b"}]}
    body = compare(tree, tree, run=run).markdown()
    assert "\u202e" not in body and "\x1b" not in body and "\u200b" not in body
    assert "openrouter\\u202e\\u001b[2J" in body


def test_a_catalogs_coverage_is_in_the_body_and_the_summary(seeded_tree: Path) -> None:
    """Every entry of a catalog that maps to nothing is counted by reason, where a reviewer reads."""
    from tests.test_litellm import payload

    before = load_tree(seeded_tree)
    result = run_refresh(seeded_tree, [payload()], say=lambda _: None)
    report = compare(before, load_tree(seeded_tree), run=result.to_json())
    unmapped = result.summaries[0].unmapped
    assert report.unmapped == {"litellm": dict(sorted(unmapped.items(), key=lambda kv: (-kv[1], kv[0])))}
    (row,) = report.sources
    assert row["unmapped"] == sum(unmapped.values())
    body = report.markdown()
    assert f"<summary>Catalog entries that map to nothing ({sum(unmapped.values()):,})</summary>" in body
    assert "| litellm | provider fal_ai not mapped | 2 |" in body
    printed = CliRunner().invoke(app, ["refresh", "--root", str(seeded_tree), "--replay", str(REPO / "tests/fixtures/upstream"),
                                       "--source", "litellm", "--dry-run"])
    (line,) = [line for line in printed.output.splitlines() if line.startswith("  unmapped ")]
    assert "provider fal_ai not mapped: 2" in line


def test_a_refresh_names_each_risk_by_its_kind_and_the_report_lists_it_whatever_its_words(
        seeded_tree: Path, tmp_path: Path) -> None:
    """A real refresh of an OpenRouter listing with a per-token price a million times too large, a
    hostile id and an id listed twice with two prices: each refusal reaches the PR body by its
    kind (refresher.rules.risks), not by the words of its message."""
    data = json.loads((REPO / "tests/fixtures/upstream/openrouter/models.json").read_text())
    models = data["data"]
    models[0]["pricing"] = {**models[0]["pricing"], "prompt": "3"}  # 3 USD per token: 3,000,000 per 1M
    models.append({**models[1], "id": "evil\u202eid"})
    models.append({**models[2], "pricing": {**models[2]["pricing"], "prompt": "0.00003"}})  # the same id, 10× the price
    before = load_tree(seeded_tree)
    result = run_refresh(seeded_tree, [Payload("openrouter", (json.dumps(data).encode(),), "2026-08-01T00:00:00Z",
                                               "test")], say=lambda _: None)
    run = result.to_json()
    report = compare(before, load_tree(seeded_tree), run=run)
    kinds = {r.kind.value: r.subject for r in report.risks}
    assert {"unit-guard", "refused-id", "duplicate-id"} <= set(kinds)
    for source in run["sources"]:  # reworded messages: the same risks
        for skipped in source.get("skipped", []):
            skipped["reason"] = "reworded"
    assert [r.kind for r in compare(before, load_tree(seeded_tree), run=run).risks] == [r.kind for r in report.risks]


def test_each_price_change_says_why_who_moved_and_the_vote(seeded_tree: Path) -> None:
    """The PR body says why a price is what it is: the source that changed to it and when, the
    one it replaced, and how the other sources vote."""
    before = load_tree(seeded_tree)
    after = load_tree(seeded_tree)
    offering = after.providers["anthropic"]["offerings"]["claude-sonnet-4-5"]
    offering["price"]["input"] = 2.5
    fields = offering["provenance"].setdefault("fields", {})
    fields["price.input"] = {"source": "openrouter", "as_of": "2026-08-01T00:00:00Z"}
    offering["agreements"] = {"price.input": [{"source": "portkey", "as_of": "2026-08-02T00:00:00Z"}]}
    offering["disagreements"] = {"price.input": [{"source": "modelsdev", "value": 3, "as_of": "2026-07-01T16:40:28Z"}]}
    (change,) = [c for c in compare(before, after).price_changes if c.offering == "anthropic/claude-sonnet-4-5"]
    assert change.why == ("openrouter changed to it 2026-08-01, over modelsdev; 2 source(s) say it (portkey too); "
                          "against: modelsdev 3")
    assert change.why in compare(before, after).markdown()


def test_provider_level_changes_are_in_the_report_identity_risky_first(seeded_tree: Path, tmp_path: Path) -> None:
    """A hostile replay once moved Anthropic's base_url to ``javascript:alert(2)`` and the report
    said nothing: a provider's name, URLs and key variable were not compared at all. Now every
    provider-level change is a row, a new or deleted provider is listed (a new one at a host
    another provider owns is refused: ``tests/test_host_ownership.py``), and where a provider's
    API is, which key it takes and how it bills are risky — listed first."""
    path = seeded_tree / "providers" / "anthropic.json"
    anthropic = json.loads(path.read_text())
    path.write_text(json.dumps({**anthropic, "base_url": "https://api.anthropic.com/v1"}))
    before = seeded_tree.parent / "before"
    shutil.copytree(seeded_tree, before)
    anthropic.update(name="Anthropic (relay)", base_url="https://relay.example/v1", api_key_env=["RELAY_KEY"],
                     docs_url="https://relay.example/docs", billing_mode="local")
    path.write_text(json.dumps(anthropic))
    newcomer = {**anthropic, "id": "aaa-claude", "name": "Cheap Claude", "offerings": {}}
    (seeded_tree / "providers" / "aaa-claude.json").write_text(json.dumps(newcomer))
    (seeded_tree / "providers" / "wafer-ai.json").unlink()

    report = compare(load_tree(before), load_tree(seeded_tree))
    changes = {(c.offering, c.path): (c.old, c.new) for c in report.provider_changes}
    assert changes[("anthropic", "name")] == ("Anthropic", "Anthropic (relay)")
    assert changes[("anthropic", "docs_url")][1] == "https://relay.example/docs"
    assert changes[("anthropic", "base_url")] == ("https://api.anthropic.com/v1", "https://relay.example/v1")
    assert changes[("anthropic", "api_key_env")] == (["ANTHROPIC_API_KEY"], ["RELAY_KEY"])
    assert changes[("anthropic", "billing_mode")] == ("metered", "local")
    assert [p["provider"] for p in report.providers_added] == ["aaa-claude"]
    assert report.providers_removed == ["wafer-ai"]
    risky = [(r.kind.value, r.subject) for r in report.risks]
    assert risky[:4] == [("provider-identity", "anthropic")] * 3 + [("removed", "wafer-ai")]
    assert report.risks[1].message == ("base_url moves to another host: api.anthropic.com → relay.example "
                                       "(Gate sends this provider's keys there)")
    assert not report.empty

    result = CliRunner().invoke(app, ["diff", str(before), str(seeded_tree)])
    assert result.exit_code == 0, result.output
    body = result.output
    assert body.index("### Risky") < body.index("Provider changes (5)") < body.index("Added providers (1)")
    assert "relay.example/v1" in body and "Anthropic (relay)" in body and "wafer-ai" in body
    assert "`https://relay.example/v1`" in body  # a code span: GitHub links nothing in it
    assert "<a " not in MarkdownIt("commonmark").enable("table").render(body)


def test_diff_of_a_folder_that_is_not_a_whole_tree_names_what_is_missing(seeded_tree: Path, tmp_path: Path) -> None:
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(seeded_tree / "sources.json", half / "sources.json")
    result = CliRunner().invoke(app, ["diff", str(half), str(seeded_tree)])
    assert result.exit_code == 2 and "vendors.json: missing" in result.output, result.output
