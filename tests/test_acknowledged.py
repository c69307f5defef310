"""Issue 30: `faimeta validate --strict` failed on the committed catalog. A warning a reviewer
looked at and kept is acknowledged in metadata/sources.json, with why and until when; strict
fails on every other warning, and on an acknowledgement that lapsed or matches nothing."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refresher.cli import app
from refresher.tree.validate import Problem, acknowledge

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 6, 12, tzinfo=timezone.utc)
runner = CliRunner()

REGION = Problem("metadata/providers/amazon-bedrock.json", "offering 'a.b-v1:0'", "price.regions.us-gov-west-1",
                 "region 'us-gov-west-1' is not one the provider lists", "warning")
INVERTED = Problem("metadata/providers/openrouter.json", "offering 'x/y'", "price.output",
                   "output 0.4 is cheaper than input 0.8", "warning")


def _ack(field: str = "price.regions.*", until: str = "2027-01-01T00:00:00Z", **more: str) -> dict[str, str]:
    return {"file": "metadata/providers/amazon-bedrock.json", "field": field, "until": until,
            "why": "the recorded region index is trimmed to four regions", **more}


def test_a_matching_warning_is_acknowledged_and_others_stay_warnings() -> None:
    out = acknowledge([REGION, INVERTED], [_ack()], NOW)
    assert {(p.field, p.severity) for p in out} == {("price.regions.us-gov-west-1", "acknowledged"),
                                                    ("price.output", "warning")}


@pytest.mark.parametrize(("ack", "expected"), [
    (_ack(record="offering 'a.b-v1:0'"), "acknowledged"),
    (_ack(record="offering 'other'"), "warning"),  # another record
    (_ack(field="price.regions.eu-*"), "warning"),  # another region
    (_ack(until="2026-12-06T12:00:00Z"), "warning"),  # lapsed at this very instant
    (_ack(until="2026-12-06T12:00:01Z"), "acknowledged"),
])
def test_file_record_field_and_time_must_all_match(ack, expected) -> None:
    (problem, *_) = [p for p in acknowledge([REGION], [ack], NOW) if p.field.startswith("price.regions")]
    assert problem.severity == expected


def test_a_lapsed_or_unused_acknowledgement_is_a_warning_of_its_own() -> None:
    out = acknowledge([REGION], [_ack(until="2026-01-01T00:00:00Z"), _ack(field="price.output")], NOW)
    messages = [p.message for p in out if p.file == "metadata/sources.json"]
    assert any(m.startswith("lapsed on 2026-01-01T00:00:00Z") for m in messages)
    assert "matches no warning: remove it" in messages


def test_an_error_is_never_acknowledged() -> None:
    error = Problem(REGION.file, REGION.record, REGION.field, "not a number", "error")
    assert acknowledge([error], [_ack()], NOW)[0].severity == "error"


def test_the_committed_catalog_validates_strictly() -> None:
    result = runner.invoke(app, ["validate", "--root", str(REPO / "metadata"), "--strict"])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output and "acknowledged" in result.output


def test_strict_fails_again_when_an_acknowledgement_lapses(seeded_tree: Path) -> None:
    sources = json.loads((seeded_tree / "sources.json").read_text())
    sources["acknowledged"] = [_ack(until="2026-01-01T00:00:00Z")]
    (seeded_tree / "sources.json").write_text(json.dumps(sources))
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree), "--strict"])
    assert result.exit_code == 1 and "lapsed on 2026-01-01T00:00:00Z" in result.output


def test_an_acknowledgement_without_a_reason_is_refused_by_the_schema(seeded_tree: Path) -> None:
    sources = json.loads((seeded_tree / "sources.json").read_text())
    sources["acknowledged"] = [{**_ack(), "why": "ok"}]
    (seeded_tree / "sources.json").write_text(json.dumps(sources))
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 1 and "acknowledged" in result.output and "why" in result.output


def test_a_repeated_acknowledgement_is_one_too_many() -> None:
    out = acknowledge([REGION], [_ack(), _ack()], NOW)
    assert [p.message for p in out if p.file == "metadata/sources.json"] == ["matches no warning: remove it"]
