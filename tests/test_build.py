"""faimeta build: the static tree, its manifest, the bundled snapshot and the Gate files."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refresher.cli import app
from refresher.publish.build import build
from refresher.publish.bundle import BUNDLE_DIR
from refresher.tree.jsonio import dumps
from refresher.tree.store import load_tree
from tests.conftest import REPO

runner = CliRunner()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_build_is_deterministic_apart_from_the_build_time(tmp_path: Path) -> None:
    tree = load_tree(REPO / "metadata")
    a = build(tree, tmp_path / "a", schema_dir=REPO / "schema", built_at="2026-01-01T00:00:00Z", repo=REPO)
    b = build(tree, tmp_path / "b", schema_dir=REPO / "schema", built_at="2026-02-02T00:00:00Z", repo=REPO)
    files_a, files_b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert files_a.keys() == files_b.keys()
    assert [k for k in files_a if files_a[k] != files_b[k]] == ["v1/manifest.json"]
    assert a.manifest["files"] == b.manifest["files"] and a.manifest["catalog_version"] == b.manifest["catalog_version"]


def test_the_manifest_lists_every_file_with_its_hash_and_size(tmp_path: Path) -> None:
    result = build(load_tree(REPO / "metadata"), tmp_path, schema_dir=REPO / "schema", built_at="2026-01-01T00:00:00Z",
                   repo=REPO)
    manifest = json.loads((tmp_path / "v1/manifest.json").read_text())
    assert manifest == result.manifest
    assert manifest["schema_version"] == "1.0" and manifest["built_at"] == "2026-01-01T00:00:00Z"
    on_disk = {k: v for k, v in _files(tmp_path / "v1").items() if k != "manifest.json"}
    assert set(manifest["files"]) == set(on_disk)
    for rel, data in on_disk.items():
        assert manifest["files"][rel] == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert {"index.json", "catalog.json", "providers/anthropic.json", "schema/provider.schema.json"} <= set(on_disk)
    catalog = json.loads(on_disk["catalog.json"])
    assert set(catalog["providers"]) == set(json.loads(on_disk["index.json"])["providers"])


def test_the_bundled_snapshot_is_a_fresh_build_of_metadata(tmp_path: Path) -> None:
    """Fails when metadata/ changed and `faimeta build` was not run (or the bundle was edited)."""
    result = build(load_tree(REPO / "metadata"), tmp_path, schema_dir=REPO / "schema", repo=REPO)
    bundled = json.loads((BUNDLE_DIR / "manifest.json").read_text())
    assert bundled["catalog_version"] == result.manifest["catalog_version"], "run `faimeta build` and commit"
    fresh = _files(tmp_path / "v1")
    for rel, data in _files(BUNDLE_DIR).items():
        if rel != "manifest.json":
            assert data == fresh[rel], f"consumer/gate_consumer/_data/v1/{rel} differs from a fresh build"
    assert {r for r in fresh if r.startswith("providers/")} == {r for r in _files(BUNDLE_DIR) if r.startswith("providers/")}


def test_the_published_json_is_canonical_without_a_second_pass(tmp_path: Path) -> None:
    # the build writes the tree's values in one pass of the C encoder (dumps_canonical):
    # what it writes must be what the canonical writer would write
    build(load_tree(REPO / "metadata"), tmp_path, schema_dir=REPO / "schema", repo=REPO, site=False)
    published = [p for p in (tmp_path / "v1").rglob("*.json") if "changes" not in p.parts and p.name != "changes.json"
                 and "schema" not in p.parts and p.name != "manifest.json"]
    assert len(published) > 100
    for path in published:
        text = path.read_text()
        assert dumps(json.loads(text), compact=True) == text, path


def test_offerings_carry_their_confirmation_from_the_ledger(tmp_path: Path) -> None:
    build(load_tree(REPO / "metadata"), tmp_path, schema_dir=REPO / "schema", repo=REPO)
    anthropic = json.loads((tmp_path / "v1/providers/anthropic.json").read_text())
    assert anthropic["offerings"]["claude-sonnet-4-5"]["confirmed"]["modelsdev"] == "2026-07-01T16:40:28Z"


# -- the Gate compatibility files ------------------------------------------------------------


@pytest.fixture(scope="module")
def gate_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    routes = out / "routes.json"
    routes.write_text(json.dumps({"routes": {
        "my-sonnet": {"provider": "anthropic", "model": "claude-sonnet-4-5-20250929"},
        "cheap-router": {"provider": "openrouter", "model": "claude-haiku-4.5"},
        "no-such": {"provider": "anthropic", "model": "claude-9000"},
        "local": {"provider": "lmstudio", "model": next(iter(json.loads(
            (REPO / "metadata/providers/lmstudio.json").read_text())["offerings"]))},
    }}))
    result = runner.invoke(app, ["build", "--root", str(REPO / "metadata"), "--out", str(out), "--no-bundle",
                                 "--gate-routes", str(routes)])
    assert result.exit_code == 0, result.output
    assert "route no-such: not exported" in result.output
    return out / "compat" / "gate"


def _walk(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]")
    else:
        yield path, value


def test_gate_reads_every_entry_the_way_it_does(gate_dir: Path) -> None:
    """What GATE_COMPAT.md says Gate does with each entry, done here to every entry."""
    document = json.loads((gate_dir / "providers/catalog.v1.json").read_text())
    assert document["schema_version"] == "fusionaize-provider-catalog/v1.4"
    entries = document["providers"]
    assert {"anthropic-sonnet", "openai-gpt-5", "my-sonnet", "cheap-router", "local"} <= set(entries)
    assert "no-such" not in entries
    for key, entry in entries.items():
        assert isinstance(entry["recommended_model"], str) and entry["recommended_model"], key
        assert date.fromisoformat(entry["last_reviewed"]).isoformat() == entry["last_reviewed"], key
        assert all(value is not None for _, value in _walk(entry)), key  # absent, never null
        # always both: else Gate keeps its own 262,144-token cap on a 200,000-token window
        assert type(entry["context_window"]) is int and entry["context_window"] >= 1, key
        assert 1 <= entry["limits"]["max_input_tokens"] <= entry["context_window"], key
        pricing = entry.get("pricing")
        if pricing is not None:
            for name in ("input_cost_per_1m", "output_cost_per_1m", "cache_read_cost_per_1m"):
                if name in pricing:
                    assert type(pricing[name]) in (int, float), (key, name)
            assert pricing["freshness_status"] in ("fresh", "aging", "stale", "unknown")  # what Gate counts
            date.fromisoformat(pricing["refreshed_at"])
        assert entry["provider_type"] in ("direct", "aggregator", "oauth", "local", "wallet-router")
        assert entry["tier_status"] in ("active", "deprecated", "expired", "preview")
        assert ("vendor" in entry) == ("model" in entry)
    sonnet = entries["my-sonnet"]
    assert sonnet["recommended_model"] == "claude-sonnet-4-5-20250929"
    assert sonnet["pricing"]["input_cost_per_1m"] == 3 and sonnet["pricing"]["source_type"] == "community-catalog"
    assert (sonnet["vendor"], sonnet["model"]) == ("anthropic", "claude-sonnet-4.5")
    assert entries["local"]["provider_type"] == "local" and entries["local"]["auth_modes"] == ["none"]


def test_gate_finds_offerings_by_model_and_provider(gate_dir: Path) -> None:
    providers = json.loads((gate_dir / "providers/catalog.v1.json").read_text())["providers"]
    offerings = json.loads((gate_dir / "offerings/catalog.v1.json").read_text())
    assert offerings["schema_version"] == "fusionaize-offering-catalog/v1"
    by_pair = {(o["model_id"], o["provider_id"]): o for o in offerings["offerings"].values()}
    for key, entry in providers.items():
        offering = by_pair[entry["recommended_model"], key]
        assert offering.get("pricing") == entry.get("pricing")
    # Gate's router looks a price up by the route's lane model (lane_registry): one entry each
    routes = json.loads((REPO / "metadata/gate_routes.json").read_text())["routes"]
    for key, route in routes.items():
        if "lane" in route:
            assert by_pair[route["lane"], key]["pricing"] == providers[key]["pricing"], key
    assert by_pair["anthropic/sonnet-4.6", "anthropic-sonnet"]["pricing"]["input_cost_per_1m"] == 3


@pytest.mark.parametrize(("ours", "gates"), [
    ("fresh", "fresh"), ("manual", "fresh"), ("aging", "aging"), ("stale", "stale"),
    ("conflict", "stale"),  # sources disagree: check before trusting
    ("untracked", "unknown"),
])
def test_every_freshness_maps_to_a_value_gate_knows(ours: str, gates: str) -> None:
    from gate_consumer import Freshness
    from gate_consumer.gate_entries import GATE_FRESHNESS

    assert GATE_FRESHNESS[Freshness(ours)] == gates
    assert set(GATE_FRESHNESS) == set(Freshness)


def test_strict_fails_on_a_route_it_cannot_export(tmp_path: Path) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({"routes": {"ghost": {"provider": "anthropic", "model": "claude-9000"}}}))
    result = runner.invoke(app, ["build", "--root", str(REPO / "metadata"), "--out", str(tmp_path / "dist"),
                                 "--no-bundle", "--gate-routes", str(routes), "--strict"])
    assert result.exit_code == 1
    assert "route ghost: not exported: unknown model" in result.output


def test_a_malformed_route_mapping_is_refused_clearly(tmp_path: Path) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({"routes": {"x": {"provider": "anthropic"}}}))
    result = runner.invoke(app, ["build", "--root", str(REPO / "metadata"), "--out", str(tmp_path / "dist"),
                                 "--no-bundle", "--gate-routes", str(routes)])
    assert result.exit_code == 1
    assert "expected {\"routes\"" in result.output


def test_a_clean_build_is_readable_by_all_and_a_rebuild_changes_nothing(tmp_path: Path) -> None:
    tree = load_tree(REPO / "metadata")
    first = build(tree, tmp_path / "dist", schema_dir=REPO / "schema", built_at="2026-01-01T00:00:00Z", repo=REPO)
    files = {p for p in (tmp_path / "dist").rglob("*")}
    assert not [p for p in files if p.name.endswith(".tmp")]  # no staging folder left behind
    assert {oct(p.stat().st_mode & 0o777) for p in files if p.is_file()} == {"0o644"}
    assert {oct(p.stat().st_mode & 0o777) for p in files if p.is_dir()} == {"0o755"}
    assert len(first.written) > 300 and "v1/providers/anthropic.json" in first.written
    again = build(tree, tmp_path / "dist", schema_dir=REPO / "schema", built_at="2026-01-01T00:00:00Z", repo=REPO)
    assert again.written == [] and again.manifest == first.manifest
    assert {p for p in (tmp_path / "dist").rglob("*")} == files
