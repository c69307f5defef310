"""Seeding and refreshing through the same code: ``faimeta refresh --replay``."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from gate_consumer.instants import format_instant, parse_instant
from refresher.cli import app
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

runner = CliRunner()


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.json"))}


def test_seed_covers_every_record_with_honest_provenance(seeded_tree: Path) -> None:
    modelsdev = json.loads((UPSTREAM / "modelsdev/api.json").read_text())
    openrouter = json.loads((UPSTREAM / "openrouter/models.json").read_text())["data"]
    tree = load_tree(seeded_tree)
    assert set(tree.providers) == {"amazon-bedrock", "anthropic", "lmstudio", "openrouter", "wafer-ai"}
    for provider_id, provider in modelsdev.items():
        slug = provider_id.replace(".", "-")
        assert set(provider["models"]) <= set(tree.providers[slug]["offerings"])
    assert {m["id"] for m in openrouter} <= set(tree.providers["openrouter"]["offerings"])
    # every offering links to an existing model
    models = {f"{v}/{s}" for v, f in tree.vendors.items() for s in f["models"]}
    assert all(o["model"] in models for p in tree.providers.values() for o in p["offerings"].values())
    # as_of is the recording time, never the day the test ran
    as_ofs = set()
    for provider in tree.providers.values():
        for offering in provider["offerings"].values():
            prov = offering["provenance"]
            as_ofs |= {prov["as_of"], *(f["as_of"] for f in prov.get("fields", {}).values())}
    assert as_ofs == {"2026-07-01T16:40:28Z", "2026-07-17T18:02:00Z"}


def test_dated_snapshot_links_to_the_model_released_that_day(seeded_tree: Path) -> None:
    tree = load_tree(seeded_tree)
    assert tree.providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]["model"] == "anthropic/claude-sonnet-4.5"
    bedrock = tree.providers["amazon-bedrock"]["offerings"]
    assert bedrock["us.anthropic.claude-sonnet-4-5-20250929-v1:0"]["model"] == "anthropic/claude-sonnet-4.5"
    assert "anthropic/claude-sonnet-4.5-20250929" in tree.vendors["anthropic"]["models"]["claude-sonnet-4.5"]["aliases"]


def test_the_stronger_source_wins_and_the_other_is_recorded(seeded_tree: Path) -> None:
    offering = load_tree(seeded_tree).providers["openrouter"]["offerings"]["anthropic/claude-sonnet-4.5"]
    assert offering["provenance"]["source"] == "openrouter"  # provider-api for its own offerings
    assert offering["price"]["input"] == 3
    # Models.dev's tier lacks the 1-hour cache write OpenRouter states; the rest is the same: it agrees
    assert [a["source"] for a in offering["agreements"]["price.tiers"]] == ["modelsdev"]
    assert "price.tiers" not in offering.get("disagreements", {})
    assert "price_history" not in offering  # two sources disagreeing is not a price change


def test_a_refresh_that_learns_nothing_changes_nothing(seeded_tree: Path, tmp_path: Path) -> None:
    args = ["refresh", "--root", str(seeded_tree), "--replay", str(UPSTREAM)]
    first = runner.invoke(app, args)  # every source, so the provider APIs come in too
    assert first.exit_code == 0, first.output
    before = _hashes(seeded_tree)
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "changed 0 file(s)" in again.output
    assert _hashes(seeded_tree) == before
    # The same responses observed 120 days later: only their confirmation advances, in the ledger —
    # and the one price change a feed scheduled in between (genai-prices: Claude Sonnet 5's input
    # from 2 to 3 on 2026-09-01), now in effect: what genai-prices says of Sonnet 5 is 3 (published
    # where it holds the price and is the freshest, a disagreement where a newer source says 2).
    later = tmp_path / "later"
    shutil.copytree(UPSTREAM, later)
    index = json.loads((later / "recordings.json").read_text())
    last = {}
    for meta in index.values():
        last[meta["source"]] = max(last.get(meta["source"], ""), meta["recorded_at"])
    # the last responses again, not the whole history once more (which would say each older value again)
    index = {name: meta for name, meta in index.items() if meta["recorded_at"] == last[meta["source"]]}
    for meta in index.values():
        meta["recorded_at"] = format_instant(parse_instant(meta["recorded_at"]) + timedelta(days=120))
    (later / "recordings.json").write_text(json.dumps(index))
    result = runner.invoke(app, ["refresh", "--root", str(seeded_tree), "--replay", str(later)])
    assert result.exit_code == 0, result.output
    after = _hashes(seeded_tree)
    assert sorted(k for k in after if after[k] != before[k]) == ["ledger.json", "providers/anthropic.json",
                                                                  "providers/openrouter.json"]
    tree = load_tree(seeded_tree)
    for provider, upstream_id in (("anthropic", "claude-sonnet-5"), ("openrouter", "anthropic/claude-sonnet-5")):
        offering = tree.providers[provider]["offerings"][upstream_id]
        holder = offering["provenance"]["fields"]["price.input"]["source"]
        said = offering["price"]["input"] if holder == "genai-prices" else next(
            d["value"] for d in offering["disagreements"]["price.input"] if d["source"] == "genai-prices")
        assert said == 3


def test_a_newer_recording_changes_only_what_changed(seeded_tree: Path, tmp_path: Path) -> None:
    replay = tmp_path / "replay"
    shutil.copytree(UPSTREAM, replay)
    data = json.loads((replay / "modelsdev/api.json").read_text())
    data["anthropic"]["models"]["claude-sonnet-4-5-20250929"]["cost"]["input"] = 2.5
    (replay / "modelsdev/api.json").write_text(json.dumps(data))
    index = json.loads((replay / "recordings.json").read_text())
    # within a week of the seeded OpenRouter listing (2026-07-17): its own prices are still
    # fresh, so Models.dev's view of OpenRouter changes nothing there (tests/test_precedence.py
    # shows the stale case)
    index["modelsdev/api.json"]["recorded_at"] = "2026-07-20T00:00:00Z"
    (replay / "recordings.json").write_text(json.dumps(index))
    before = _hashes(seeded_tree)

    result = runner.invoke(app, ["refresh", "--root", str(seeded_tree), "--replay", str(replay), "--source", "modelsdev"])

    assert result.exit_code == 0, result.output
    after = _hashes(seeded_tree)
    assert sorted(k for k in after if after[k] != before[k]) == ["ledger.json", "providers/anthropic.json"]
    offering = load_tree(seeded_tree).providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]
    assert offering["price"]["input"] == 2.5
    assert offering["provenance"]["fields"]["price.input"]["as_of"] == "2026-07-20T00:00:00Z"
    assert offering["price_history"] == [{
        "price": {"cache_read": 0.3, "cache_write": 3.75, "input": 3, "output": 15},
        "source": "modelsdev", "as_of": "2026-07-01T16:40:28Z", "until": "2026-07-20T00:00:00Z",
    }]


def test_a_malformed_recording_fails_that_source_only_and_writes_nothing_for_it(seeded_tree: Path, tmp_path: Path) -> None:
    replay = tmp_path / "replay"
    shutil.copytree(UPSTREAM, replay)
    (replay / "openrouter/models.json").write_text("<html>502 Bad Gateway</html>")
    before = _hashes(seeded_tree)
    result = runner.invoke(
        app, ["refresh", "--root", str(seeded_tree), "--replay", str(replay), "-s", "modelsdev", "-s", "openrouter"]
    )
    assert result.exit_code == 1
    assert "openrouter: FAILED: the response is HTML, not JSON" in result.output
    assert _hashes(seeded_tree) == before  # modelsdev learned nothing new; openrouter failed


def test_dry_run_writes_nothing(empty_tree: Path) -> None:
    before = _hashes(empty_tree)
    result = runner.invoke(app, ["refresh", "--root", str(empty_tree), "--replay", str(UPSTREAM), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert _hashes(empty_tree) == before
