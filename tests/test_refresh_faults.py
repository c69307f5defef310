"""One bad body or one stale recording costs only its own source: the others apply, the run
reports why, and nothing half-applied is written."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from refresher.refresh import Payload, run_refresh
from refresher.store import load_tree
from tests.conftest import UPSTREAM


def snapshot_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def test_a_recording_older_than_the_tree_is_skipped_with_one_line(seeded_tree: Path) -> None:
    before = snapshot_of(seeded_tree)
    body = gzip.decompress((UPSTREAM / "modelsdev/api-2026-06-02.json.gz").read_bytes())
    lines: list[str] = []
    result = run_refresh(seeded_tree, [Payload("modelsdev", (body,), "2026-06-02T00:00:00Z", "api-2026-06-02.json")],
                         say=lines.append)
    assert result.not_run == {"modelsdev": "older than the tree (observed 2026-06-02T00:00:00Z, "
                                           "checked 2026-07-01T16:40:28Z)"}
    assert [line for line in lines if line.startswith("modelsdev: skipped")] == [
        "modelsdev: skipped: api-2026-06-02.json was observed at 2026-06-02T00:00:00Z, before the tree's last "
        "check of this source (2026-07-01T16:40:28Z)"]
    assert result.written == [] and snapshot_of(seeded_tree) == before
    assert result.to_json()["sources"] == [{"source": "modelsdev", "status": "skipped", "reason": result.not_run["modelsdev"]}]


def test_json_nested_too_deep_fails_that_source_and_the_others_apply(empty_tree: Path) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    good = (UPSTREAM / "openrouter/models.json").read_bytes()
    result = run_refresh(empty_tree, [Payload("modelsdev", (deep,), "2026-07-01T16:40:28Z", "deep.json"),
                                      Payload("openrouter", (good,), "2026-07-17T18:02:00Z", "models.json")],
                         say=lambda _: None)
    assert result.errors == {"modelsdev": "modelsdev: the response is JSON nested too deep to read"}
    assert [s.source for s in result.summaries] == ["openrouter"]
    assert "providers/openrouter.json" in result.written
    report = json.dumps(result.to_json())
    assert "nested too deep" in report and '"status": "ok"' in report
    assert set(load_tree(empty_tree).ledger["sources"]) == {"openrouter"}
