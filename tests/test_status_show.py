import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refresher.cli import app
from tests.conftest import REPO

runner = CliRunner()


def _status(root: Path, *args: str) -> dict:
    result = runner.invoke(app, ["status", "--root", str(root), "--json", *args])
    assert result.exit_code == 0, result.output
    return {row["provider"]: row for row in json.loads(result.output)["providers"]}


def test_july_prices_are_stale_today(seeded_tree: Path) -> None:
    rows = _status(seeded_tree, "--at", "2026-11-23")
    assert rows["anthropic"]["priced"] == rows["anthropic"]["stale"] == 24
    assert rows["anthropic"]["fresh"] == rows["anthropic"]["aging"] == 0
    assert rows["anthropic"]["oldest_price_age_days"] == 144


def test_the_same_prices_are_fresh_inside_the_policy_window(seeded_tree: Path) -> None:
    # Models.dev is a community catalog: fresh for 14 days after its 2026-07-01 recording.
    assert _status(seeded_tree, "--at", "2026-07-10", "--provider", "anthropic")["anthropic"]["fresh"] == 24
    assert _status(seeded_tree, "--at", "2026-07-20", "--provider", "anthropic")["anthropic"]["aging"] == 24
    # OpenRouter's own API (provider-api, 7 days) confirmed its prices on 2026-07-17.
    row = _status(seeded_tree, "--at", "2026-07-20", "--provider", "openrouter")["openrouter"]
    assert row["fresh"] > 0 and row["stale"] == 0


def test_status_table_for_people(seeded_tree: Path) -> None:
    result = runner.invoke(app, ["status", "--root", str(seeded_tree), "--provider", "anthropic", "--at", "2026-11-23"])
    assert result.exit_code == 0
    assert "anthropic" in result.output and "144 days" in result.output


def test_status_unknown_provider(seeded_tree: Path) -> None:
    result = runner.invoke(app, ["status", "--root", str(seeded_tree), "--provider", "nope"])
    assert result.exit_code == 2 and "unknown provider(s) in " in result.output and "nope" in result.output


def test_show_a_model_by_alias_with_every_fact(seeded_tree: Path) -> None:
    result = runner.invoke(app, ["show", "anthropic/claude-sonnet-4.5-20250929", "--root", str(seeded_tree), "--json", "--at", "2026-11-23"])
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert view["id"] == "anthropic/claude-sonnet-4.5"
    assert "anthropic/claude-sonnet-4-5-20250929" in view["offerings"]
    assert view["facts"]["release_date"]["value"] == "2025-09-29"


def test_show_an_offering_with_source_dates_and_freshness(seeded_tree: Path) -> None:
    result = runner.invoke(app, ["show", "openrouter/anthropic/claude-sonnet-4.5", "--root", str(seeded_tree), "--json", "--at", "2026-07-20"])
    fact = json.loads(result.output)["facts"]["price.input"]
    assert fact == {
        "value": 3, "source": "openrouter", "source_type": "provider-api",
        "reference": "https://openrouter.ai/api/v1/models", "as_of": "2026-07-17T18:02:00Z",
        "confirmed_at": "2026-07-17T18:02:00Z", "freshness": "fresh",
        "agreements": [{"as_of": "2026-07-01T16:40:28Z", "source": "modelsdev"}],  # Models.dev says the same
    }


@pytest.mark.parametrize(
    ("query", "kind", "model"),
    [
        ("Anthropic/Claude-Sonnet-4.5", "model", "anthropic/claude-sonnet-4.5"),
        ("claude_sonnet_4.5", "model", "anthropic/claude-sonnet-4.5"),
        # the same text is also Anthropic's own offering id: shown as that offering, of the same model
        ("anthropic/claude-sonnet-4-5", "offering", "anthropic/claude-sonnet-4.5"),
    ],
)
def test_show_dots_dashes_and_case(seeded_tree: Path, query: str, kind: str, model: str) -> None:
    """show finds records exactly as gate_consumer resolves ids."""
    result = runner.invoke(app, ["show", query, "--root", str(seeded_tree), "--json"])
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert view["kind"] == kind
    assert (view["id"] if kind == "model" else view["model"]) == model


def test_show_unknown_id_suggests(seeded_tree: Path) -> None:
    result = runner.invoke(app, ["show", "anthropic/claude-sonet-4.5", "--root", str(seeded_tree)])
    assert result.exit_code == 2  # the caller named something that does not exist
    assert "Did you mean: anthropic/claude-sonnet-4.5" in result.output


def test_show_picks_the_offering_price_prices_on_and_lists_candidates_when_it_cannot(seeded_tree: Path) -> None:
    # Two providers serving the same upstream id: the vendor's own one, as `faimeta price` picks
    path = seeded_tree / "providers/amazon-bedrock.json"
    data = json.loads(path.read_text())
    anthropic = json.loads((seeded_tree / "providers/anthropic.json").read_text())["offerings"]
    data["offerings"]["claude-sonnet-4-5-20250929"] = anthropic["claude-sonnet-4-5-20250929"]
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["show", "claude-sonnet-4-5-20250929", "--root", str(seeded_tree)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("offering anthropic/claude-sonnet-4-5-20250929 → anthropic/claude-sonnet-4.5")
    # two providers, neither the vendor's own, at different prices: which one is the caller's to say
    other = json.loads((seeded_tree / "providers/lmstudio.json").read_text())
    copy = {**anthropic["claude-sonnet-4-5-20250929"], "price": {"input": 4.0, "output": 16.0}}
    data["offerings"]["claude-test-twin"] = anthropic["claude-sonnet-4-5-20250929"]
    other["offerings"]["claude-test-twin"] = copy
    path.write_text(json.dumps(data))
    (seeded_tree / "providers/lmstudio.json").write_text(json.dumps(other))
    result = runner.invoke(app, ["show", "claude-test-twin", "--root", str(seeded_tree)])
    assert result.exit_code == 2
    assert "offering amazon-bedrock/claude-test-twin" in result.output
    assert "offering lmstudio/claude-test-twin" in result.output


@pytest.mark.parametrize("at", ["2026-07-10", "2026-07-20", "2026-11-23"])
def test_status_and_the_consumers_report_agree(at: str) -> None:
    """`faimeta status` (the repository) and Gate's cost-truth report (gate_consumer over the
    bundled snapshot) count the same prices the same way."""
    import gate_consumer
    from gate_consumer.instants import parse_instant

    result = CliRunner().invoke(app, ["status", "--root", str(REPO / "metadata"), "--json", "--at", at])
    rows = {r["provider"]: r for r in json.loads(result.output)["providers"]}
    report = gate_consumer.Catalog.load().freshness_report(parse_instant(at))
    assert len(report) == len(rows)
    for entry in report:
        row = rows[entry.provider]
        for name in ("fresh", "aging", "stale", "untracked", "conflict", "manual", "unpriced"):
            assert getattr(entry, name) == row[name], (entry.provider, name)


def test_status_shows_each_sources_last_complete_listing(seeded_tree: Path) -> None:
    result = runner.invoke(app, ["status", "--root", str(seeded_tree), "--json", "--at", "2026-07-27"])
    sources = {s["source"]: s for s in json.loads(result.output)["sources"]}
    assert sources["openrouter"] == {"source": "openrouter", "type": "provider-api", "checked_at": "2026-07-17T18:02:00Z",
                                     "succeeded_at": "2026-07-17T18:02:00Z", "age_days": 9}
    assert sources["openai"]["succeeded_at"] is None and "manual" not in sources
    text = runner.invoke(app, ["status", "--root", str(seeded_tree), "--at", "2026-07-27"]).output
    assert "sources (last complete listing):" in text
