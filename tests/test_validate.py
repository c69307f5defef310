"""``faimeta validate``: each kind of bad input gets an error naming file, record and field."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refresher.cli import app
from refresher.tree.validate import validate_tree
from tests.conftest import REPO

runner = CliRunner()
SONNET = "claude-sonnet-4-5-20250929"


def test_the_committed_catalog_validates() -> None:
    problems = validate_tree(REPO / "metadata")
    assert [p for p in problems if p.severity == "error"] == []


def test_the_seeded_tree_validates(seeded_tree: Path) -> None:
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def _edit(root: Path, rel: str, change: Callable[[dict], None]) -> None:
    path = root / rel
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def _offering(data: dict) -> dict:
    return data["offerings"][SONNET]


CASES: list[tuple[str, str, Callable[[dict], None], str]] = [
    ("negative price", "providers/anthropic.json",
     lambda d: _offering(d)["price"].update(input=-3), "price.input"),
    ("per-token price stored as per-million", "providers/anthropic.json",
     lambda d: _offering(d)["price"].update(input=0.000003), "per-token price stored as per-million"),
    ("per-1K price far too large", "providers/anthropic.json",
     lambda d: _offering(d)["price"].update(output=15000), "implausibly large"),
    ("date that does not exist", "providers/anthropic.json",
     lambda d: _offering(d)["provenance"].update(as_of="2026-02-30T00:00:00Z"), "provenance.as_of"),
    ("string price", "providers/anthropic.json",
     lambda d: _offering(d)["price"].update(input="3.0"), "'3.0' is not of type 'number'"),
    ("null instead of absent", "providers/anthropic.json",
     lambda d: _offering(d)["price"].update(cache_read=None), "None is not of type 'number'"),
    ("offering of a model that does not exist", "providers/anthropic.json",
     lambda d: _offering(d).update(model="anthropic/claude-nonexistent"), "is not in metadata/models/"),
    ("file name and id disagree", "providers/anthropic.json",
     lambda d: d.update(id="anthropic-two"), "file is named 'anthropic'"),
    ("unregistered source", "providers/anthropic.json",
     lambda d: _offering(d)["provenance"].update(source="somewhere"), "not in metadata/sources.json"),
    ("provenance for a fact that is not there", "providers/anthropic.json",
     lambda d: _offering(d)["provenance"].setdefault("fields", {}).update(
         {"price.reasoning": {"source": "modelsdev", "as_of": "2026-07-01T16:40:28Z"}}), "price.reasoning"),
    ("ambiguous alias", "models/anthropic.json",
     lambda d: d["models"]["claude-3-haiku"].setdefault("aliases", []).append(
         d["models"]["claude-sonnet-4.5"]["aliases"][0]), "ambiguous"),
    ("alias that is another model's id", "models/anthropic.json",
     lambda d: d["models"]["claude-3-haiku"].setdefault("aliases", []).append("anthropic/claude-sonnet-4.5"),
     "is the id of model"),
]


# Shape faults the published JSON Schema and the fast path (strict pydantic) must judge alike
SHAPE_FAULTS: list[tuple[str, Callable[[dict], None]]] = [
    ("a number as text", lambda d: _offering(d)["price"].update(input="3")),
    ("a bool as a number", lambda d: _offering(d)["price"].update(input=True)),
    ("an int as text in limits", lambda d: _offering(d).setdefault("limits", {}).update(context="200000")),
    ("an unknown field", lambda d: _offering(d).update(colour="blue")),
    ("an unknown price component", lambda d: _offering(d)["price"].update(input_smell=3)),
    ("a list where an object goes", lambda d: _offering(d).update(price=[3, 15])),
    ("an empty model id", lambda d: _offering(d).update(model="")),
    ("a status it does not know", lambda d: _offering(d).update(status="sleeping")),
    ("a negative context", lambda d: _offering(d).setdefault("limits", {}).update(context=-1)),
    ("a tier without its threshold", lambda d: _offering(d)["price"].update(tiers=[{"input": 6}])),
    ("a region with neither a multiplier nor prices", lambda d: _offering(d)["price"].update(regions={"eu": {}})),
    ("a date in another format", lambda d: _offering(d)["provenance"].update(as_of="20260701")),
    ("a free kind it does not know", lambda d: _offering(d).update(free="gratis")),
    ("a null inside a list", lambda d: _offering(d).setdefault("modalities", {}).update(input=["text", None])),
]


def test_a_file_that_says_null_only_in_its_text_is_valid(seeded_tree: Path) -> None:
    # the fast path skips the walk for null only in a file whose text never says "null"
    _edit(seeded_tree, "providers/anthropic.json", lambda d: _offering(d).update(name="nullable null"))
    assert not [p for p in validate_tree(seeded_tree) if p.severity == "error"]
    _edit(seeded_tree, "providers/anthropic.json", lambda d: _offering(d).update(name=None))
    assert any("name" in str(p) for p in validate_tree(seeded_tree) if p.severity == "error")


@pytest.mark.parametrize(("case", "change"), [*SHAPE_FAULTS, *((c, f) for c, _, f, _ in CASES)],
                         ids=[c for c, _ in SHAPE_FAULTS] + [c[0] for c in CASES])
def test_the_fast_path_and_the_published_schema_agree_on_every_fault(
        seeded_tree: Path, case: str, change: Callable[[dict], None]) -> None:
    rel = next((r for c, r, _, _ in CASES if c == case), "providers/anthropic.json")
    _edit(seeded_tree, rel, change)
    fast = [p for p in validate_tree(seeded_tree) if p.severity == "error"]
    full = [p for p in validate_tree(seeded_tree, schema=True) if p.severity == "error"]
    assert fast and fast == full


def test_the_fast_path_and_the_published_schema_agree_on_the_committed_catalog() -> None:
    assert validate_tree(REPO / "metadata") == validate_tree(REPO / "metadata", schema=True)


@pytest.mark.parametrize(("case", "rel", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_an_error_naming_file_record_and_field(
    seeded_tree: Path, case: str, rel: str, change: Callable[[dict], None], expected: str
) -> None:
    _edit(seeded_tree, rel, change)
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 1, result.output
    assert f"metadata/{rel}" in result.output
    assert expected in result.output
    if rel.startswith("providers/") and case not in ("file name and id disagree",):
        assert f"offering {SONNET!r}" in result.output


def test_duplicate_keys_are_an_error(seeded_tree: Path) -> None:
    path = seeded_tree / "providers/anthropic.json"
    text = path.read_text().replace('"model": "anthropic/claude-sonnet-4.5"',
                                    '"model": "anthropic/claude-sonnet-4.5", "model": "anthropic/claude-3.5-haiku"', 1)
    path.write_text(text)
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 1
    assert "metadata/providers/anthropic.json: duplicate key 'model'" in result.output


def test_truncated_file_is_an_error(seeded_tree: Path) -> None:
    path = seeded_tree / "models/anthropic.json"
    path.write_text(path.read_text()[:500])
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 1
    assert "metadata/models/anthropic.json: invalid JSON" in result.output


def test_output_cheaper_than_input_is_a_warning_not_an_error(seeded_tree: Path) -> None:
    _edit(seeded_tree, "providers/anthropic.json", lambda d: _offering(d)["price"].update(output=1))
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 0
    assert "warning: metadata/providers/anthropic.json: offering" in result.output
    strict = runner.invoke(app, ["validate", "--root", str(seeded_tree), "--strict"])
    assert strict.exit_code == 1


def test_a_symlinked_file_is_refused(seeded_tree: Path, tmp_path: Path) -> None:
    target = seeded_tree / "providers/anthropic.json"
    outside = tmp_path / "outside.json"
    outside.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(outside)
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 1
    assert "metadata/providers/anthropic.json: is a symlink: refused" in result.output


def test_json_nested_deep_is_an_error_not_a_crash(seeded_tree: Path) -> None:
    (seeded_tree / "providers/anthropic.json").write_text("[" * 100_000 + "]" * 100_000)
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 1
    assert "metadata/providers/anthropic.json: invalid JSON: nested too deep to read" in result.output


def test_a_huge_file_is_refused_before_it_is_read(seeded_tree: Path) -> None:
    from refresher.tree.store import MAX_FILE_BYTES

    with (seeded_tree / "providers/anthropic.json").open("ab") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk, the size is what counts
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 1
    assert f"more than the {MAX_FILE_BYTES:,} a metadata file may have" in result.output


def test_a_file_name_is_printed_escaped(seeded_tree: Path) -> None:
    (seeded_tree / "providers/evil\x1b[2J.json").write_text("{")
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "evil\\x1b[2J.json" in result.output


@pytest.mark.parametrize(("output", "image_output", "makes_images", "warned"), [
    (30, None, True, True),  # 100× the input on an image model: the image rate as the text price
    (2.9, None, True, False),  # under 10× the input
    (30, 30, True, False),  # the image rate has its own price
    (30, None, False, False),  # a text model may just be dear
])
def test_an_image_rate_as_the_only_output_price_is_a_warning(seeded_tree: Path, output: float,
                                                              image_output: float | None, makes_images: bool,
                                                              warned: bool) -> None:
    def edit(document: dict) -> None:
        offering = _offering(document)
        offering["price"] = {"input": 0.3, "output": output, **({"image_output": image_output} if image_output else {})}
        offering["modalities"] = {"input": ["text"], "output": ["text", "image"] if makes_images else ["text"]}
    _edit(seeded_tree, "providers/anthropic.json", edit)
    result = runner.invoke(app, ["validate", "--root", str(seeded_tree)])
    assert result.exit_code == 0, result.output
    assert ("an image-output rate as the text price?" in result.output) is warned
