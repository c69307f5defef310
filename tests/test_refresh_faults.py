"""One bad body or one stale recording costs only its own source: the others apply, the run
reports why, and nothing half-applied is written."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
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


def _payload(source: str, body: bytes, at: str) -> Payload:
    return Payload(source, (body,), at, f"{source}@{at}")


def _days_later(days: int) -> str:
    return f"2026-07-{17 + days:02d}T18:02:00Z"


def test_the_same_recording_replayed_again_counts_no_absence_and_changes_nothing(empty_tree: Path) -> None:
    from refresher.run.payloads import replay_payloads

    payloads, errors = replay_payloads(UPSTREAM, ["modelsdev", "openrouter", "openai", "anthropic", "groq"])
    assert not errors
    first = run_refresh(empty_tree, payloads, say=lambda _: None)
    assert first.ok and first.written
    ledger = (empty_tree / "ledger.json").read_bytes()
    for _ in range(3):
        again = run_refresh(empty_tree, payloads, say=lambda _: None)
        assert again.ok and again.written == []  # not even the ledger: nothing new was observed
        assert sum(s.retired for s in again.summaries) == 0
    assert (empty_tree / "ledger.json").read_bytes() == ledger


def test_a_record_listed_but_rejected_is_never_retired_for_it(empty_tree: Path) -> None:
    good = json.loads((UPSTREAM / "openrouter/models.json").read_bytes())
    victim = good["data"][0]["id"]
    assert run_refresh(empty_tree, [_payload("openrouter", json.dumps(good).encode(), _days_later(0))],
                       say=lambda _: None).ok
    bad = json.loads(json.dumps(good))
    bad["data"][0]["pricing"]["prompt"] = "-0.000003"
    for day in range(1, 6):  # past retire_after_absences (3)
        result = run_refresh(empty_tree, [_payload("openrouter", json.dumps(bad).encode(), _days_later(day))],
                             say=lambda _: None)
        (summary,) = result.summaries
        assert [s.record for s in summary.skipped] == [f"openrouter/{victim}"]  # reported every run
        assert "is not a valid price" in summary.skipped[0].reason and summary.retired == 0
    offering = load_tree(empty_tree).providers["openrouter"]["offerings"][victim]
    assert offering["status"] != "retired"
    assert victim not in load_tree(empty_tree).ledger["sources"]["openrouter"].get("absences", {}).get("openrouter", {})


def test_a_source_that_stays_shrunk_keeps_warning_and_retires_nothing(empty_tree: Path) -> None:
    good = json.loads((UPSTREAM / "openrouter/models.json").read_bytes())
    run_refresh(empty_tree, [_payload("openrouter", json.dumps(good).encode(), _days_later(0))], say=lambda _: None)
    half = {**good, "data": good["data"][: len(good["data"]) // 2]}
    for day in range(1, 6):
        result = run_refresh(empty_tree, [_payload("openrouter", json.dumps(half).encode(), _days_later(day))],
                             say=lambda _: None)
        (summary,) = result.summaries
        assert summary.retired == 0
        assert any("no longer lists 14 of the 28 offerings it listed" in w for w in summary.warnings), summary.warnings
    assert "absences" not in load_tree(empty_tree).ledger["sources"]["openrouter"]


@pytest.mark.parametrize("same", [True, False])
def test_an_id_listed_twice(same: bool, seeded_tree: Path) -> None:
    data = json.loads((UPSTREAM / "openrouter/models.json").read_bytes())
    entry = next(e for e in data["data"] if e["id"] == "anthropic/claude-sonnet-4.5")
    twin = json.loads(json.dumps(entry))
    if not same:
        twin["pricing"]["prompt"] = "0.00003"  # ten times the price
    data["data"].append(twin)
    before = load_tree(seeded_tree).providers["openrouter"]["offerings"]["anthropic/claude-sonnet-4.5"]
    result = run_refresh(seeded_tree, [_payload("openrouter", json.dumps(data).encode(), _days_later(1))],
                         say=lambda _: None)
    (summary,) = result.summaries
    after = load_tree(seeded_tree).providers["openrouter"]["offerings"]["anthropic/claude-sonnet-4.5"]
    if same:
        assert summary.skipped == []
    else:
        (skipped,) = summary.skipped
        assert skipped.record == "openrouter/anthropic/claude-sonnet-4.5"
        assert skipped.reason == ("listed 2 times with different values (price.input: 3.0 ≠ 30.0); "
                                  "every entry rejected, the tree keeps its value")
        assert after["price"] == before["price"] and "price_history" not in after
        assert after.get("status") != "retired"


def test_a_listing_replayed_counts_its_absences_once(empty_tree: Path) -> None:
    good = json.loads((UPSTREAM / "openrouter/models.json").read_bytes())
    run_refresh(empty_tree, [_payload("openrouter", json.dumps(good).encode(), _days_later(0))], say=lambda _: None)
    gone = good["data"][0]["id"]
    without = {**good, "data": good["data"][1:]}
    for _ in range(4):  # the same observation, four times: one absence, no retirement
        result = run_refresh(empty_tree, [_payload("openrouter", json.dumps(without).encode(), _days_later(1))],
                             say=lambda _: None)
        assert result.summaries[0].retired == 0
    ledger = load_tree(empty_tree).ledger["sources"]["openrouter"]
    assert ledger["absences"] == {"openrouter": {gone: 1}}
    for day in (2, 3):  # two newer listings without it: the third absence retires it
        result = run_refresh(empty_tree, [_payload("openrouter", json.dumps(without).encode(), _days_later(day))],
                             say=lambda _: None)
    assert result.summaries[0].retired_ids == [f"openrouter/{gone}"]


def test_a_listing_past_the_bounds_is_refused_before_parsing(empty_tree: Path) -> None:
    from refresher.run.payloads import MAX_OBJECTS

    tiny = b'{"data": [' + b",".join([b"{}"] * (MAX_OBJECTS + 1)) + b"]}"
    good = (UPSTREAM / "openrouter/models.json").read_bytes()
    result = run_refresh(empty_tree, [_payload("modelsdev", tiny, "2026-07-01T16:40:28Z"),
                                      _payload("openrouter", good, _days_later(0))], say=lambda _: None)
    assert f"more than the {MAX_OBJECTS:,} a listing may have" in result.errors["modelsdev"]
    assert [s.source for s in result.summaries] == ["openrouter"]


def test_the_report_lists_a_bounded_number_of_skipped_records(empty_tree: Path) -> None:
    from refresher.run.summary import MAX_REPORTED_SKIPS

    data = json.loads((UPSTREAM / "openrouter/models.json").read_bytes())
    data["data"] += [{"id": f"bad-{i}", "pricing": {"prompt": "-1e-6"}} for i in range(MAX_REPORTED_SKIPS + 100)]
    result = run_refresh(empty_tree, [_payload("openrouter", json.dumps(data).encode(), _days_later(0))],
                         say=lambda _: None)
    (source,) = result.to_json()["sources"]
    assert len(source["skipped"]) == MAX_REPORTED_SKIPS and source["skipped_total"] == MAX_REPORTED_SKIPS + 100


def test_a_hostile_alias_is_dropped_and_its_record_kept(empty_tree: Path) -> None:
    data = json.loads((UPSTREAM / "openrouter/models.json").read_bytes())
    entry = data["data"][0]
    entry["canonical_slug"] = "evil\u202eid"
    entry["hugging_face_id"] = "../../etc/passwd"
    result = run_refresh(empty_tree, [_payload("openrouter", json.dumps(data).encode(), _days_later(0))],
                         say=lambda _: None)
    assert result.ok and result.summaries[0].skipped == []
    text = "".join(p.read_text() for p in empty_tree.rglob("*.json"))
    assert "\u202e" not in text and "\\u202e" not in text and "etc/passwd" not in text
    assert entry["id"] in load_tree(empty_tree).providers["openrouter"]["offerings"]


def test_a_provider_key_too_long_for_a_file_name_is_skipped(empty_tree: Path) -> None:
    api = json.loads((UPSTREAM / "modelsdev/api.json").read_bytes())
    key = next(iter(api))
    api["p" * 254] = {**api[key], "id": "p" * 254}
    result = run_refresh(empty_tree, [_payload("modelsdev", json.dumps(api).encode(), "2026-07-01T16:40:28Z")],
                         say=lambda _: None)
    assert result.ok
    assert any(s.record.startswith("provider 'ppp") and "max 64" in s.reason for s in result.summaries[0].skipped)


def test_a_live_refresh_that_learns_nothing_changes_only_the_ledger(empty_tree: Path) -> None:
    """Every source fetched at one instant, then the same bodies again an hour later: the second
    run moves no value, no provenance, no disagreement between sources of equal strength."""
    bodies = {"modelsdev": (UPSTREAM / "modelsdev/api.json").read_bytes(),
              "openrouter": (UPSTREAM / "openrouter/models.json").read_bytes(),
              "groq": (UPSTREAM / "groq/models-2026-08.json").read_bytes(),
              "litellm": (UPSTREAM / "litellm/model_prices_and_context_window.json").read_bytes()}
    for at, expected in (("2026-12-01T10:00:00Z", None), ("2026-12-01T11:00:00Z", ["ledger.json"])):
        result = run_refresh(empty_tree, [_payload(s, b, at) for s, b in bodies.items()], say=lambda _: None)
        assert result.ok, result.to_json()
        if expected is not None:
            assert result.written == expected
