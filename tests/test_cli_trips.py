"""Issue 30, point 4: the small things a new user trips on, each as it was observed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refresher.cli import app

REPO = Path(__file__).resolve().parent.parent
METADATA = str(REPO / "metadata")
runner = CliRunner()


def test_show_offering_shows_the_offering_a_model_shares_its_id_with() -> None:
    """`show openai/gpt-4o` showed the model, and its own hint (`show <provider>/<id>`) could not
    reach the offering: `openai/openai/gpt-4o` was needed."""
    model = runner.invoke(app, ["show", "openai/gpt-4o", "--root", METADATA, "--json"])
    assert json.loads(model.output)["kind"] == "model"
    offering = runner.invoke(app, ["show", "--offering", "openai/gpt-4o", "--root", METADATA, "--json"])
    data = json.loads(offering.output)
    assert (data["kind"], data["provider"], data["upstream_id"]) == ("offering", "openai", "gpt-4o")
    text = runner.invoke(app, ["show", "openai/gpt-4o", "--root", METADATA]).output
    assert "`faimeta show --offering <provider>/<id>` shows one" in text


def test_show_offering_of_an_unknown_offering_suggests_the_providers_ids() -> None:
    result = runner.invoke(app, ["show", "--offering", "openai/gpt-4oo", "--root", METADATA])
    assert result.exit_code == 2 and "Did you mean: openai/gpt-4o" in result.output


@pytest.mark.parametrize(("typed", "meant"), [
    ("list", "models"), ("search", "models"), ("compare", "price"), ("stauts", "status"), ("provider", "providers"),
])
def test_an_unknown_command_names_the_one_meant(typed: str, meant: str) -> None:
    """"No such command 'list'" suggested nothing."""
    result = runner.invoke(app, [typed])
    assert result.exit_code == 2 and f"Did you mean {meant!r}?" in result.output


def test_an_unknown_command_with_nothing_near_says_so_plainly() -> None:
    result = runner.invoke(app, ["zzz"])
    assert result.exit_code == 2 and "No such command 'zzz'." in result.output and "Did you mean" not in result.output


def test_resolve_suggests_the_model_an_id_without_dashes_means() -> None:
    result = runner.invoke(app, ["resolve", "gpt4o", "--root", METADATA])
    assert result.exit_code == 2 and "did you mean openai/gpt-4o" in result.output


def test_providers_lists_them_and_filters() -> None:
    everything = json.loads(runner.invoke(app, ["providers", "--root", METADATA, "--json"]).output)
    assert everything["matches"] == 148
    anthropic = next(p for p in everything["providers"] if p["provider"] == "anthropic")
    assert anthropic["route_type"] == "direct" and anthropic["base_url"] == "https://api.anthropic.com/v1"
    aggregators = json.loads(runner.invoke(app, ["providers", "--route-type", "aggregator", "--root", METADATA,
                                                 "--json"]).output)
    assert aggregators["matches"] and all(p["route_type"] == "aggregator" for p in aggregators["providers"])
    text = runner.invoke(app, ["providers", "openrouter", "--root", METADATA]).output
    assert "OpenRouter" in text and text.rstrip().endswith("1 provider")
    missing = runner.invoke(app, ["providers", "--route-type", "bogus", "--root", METADATA])
    assert missing.exit_code == 2 and "kinds: aggregator" in missing.output


def test_counts_are_written_as_people_write_them() -> None:
    """`models` printed "1 offerings"; `status` "1 offerings" too."""
    text = runner.invoke(app, ["models", "claude-3.5-sonnet-latest", "--root", METADATA]).output
    assert " 1 offering " in text and "1 offerings" not in text
    status = runner.invoke(app, ["status", "-p", "anthropic", "--root", METADATA]).output
    assert status.splitlines()[0].endswith("in conflict") and "of 1 provider," in status.splitlines()[0]


def test_status_columns_line_up_under_long_source_names() -> None:
    lines = runner.invoke(app, ["status", "--root", METADATA]).output.split("sources (last complete listing):")[1]
    rows = [line for line in lines.splitlines() if line.startswith("  ")]
    assert len({line.index(" provider-", 0) if " provider-" in line else line.index(" community-")
                for line in rows if "provider-" in line or "community-" in line}) == 1
