"""The CLI and the API as a newcomer meets them (issue 16): one exit code per situation, errors
that name what to fix, and no silent surprises."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gate_consumer
from refresher.cli import app
from refresher.review.report import compare
from refresher.tree.store import load_tree
from tests.conftest import REPO, UPSTREAM

runner = CliRunner()
METADATA = str(REPO / "metadata")


def test_bare_faimeta_prints_help_and_succeeds_and_version_says_what_is_installed() -> None:
    bare = runner.invoke(app, [])
    assert bare.exit_code == 0 and "Commands" in bare.output and "price" in bare.output
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0
    assert version.output.startswith("faimeta ") and f"fusionaize-gate-consumer {gate_consumer.__version__}" in version.output


@pytest.mark.parametrize("args", [
    ["price", "claude-sonet-9", "--input", "1"],
    ["show", "claude-sonet-9", "--root", METADATA],
    ["resolve", "claude-sonet-9"],
])
def test_an_unknown_id_is_exit_2_everywhere_with_suggestions(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "did you mean" in result.output.lower()


@pytest.mark.parametrize(("args", "message"), [
    (["status", "--root", METADATA, "--provider", "anthropc"], "unknown provider(s) in "),
    (["agreement", "--root", METADATA, "--provider", "opnai"], "did you mean openai?"),
    (["price", "claude-sonnet-4-5", "--provider", "nosuch", "--input", "1"], "unknown provider(s): nosuch"),
])
def test_an_unknown_provider_is_exit_2_and_named_with_the_closest(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and message in result.output


def test_providers_may_be_listed_with_commas_in_any_case() -> None:
    result = runner.invoke(app, ["status", "--root", METADATA, "--provider", "Anthropic,OPENAI", "--json"])
    assert result.exit_code == 0, result.output
    assert {row["provider"] for row in json.loads(result.output)["providers"]} == {"anthropic", "openai"}


def test_a_provider_that_does_not_serve_the_model_suggests_the_vendors_own() -> None:
    result = runner.invoke(app, ["price", "claude-sonnet-4-5", "--provider", "groq", "--input", "1"])
    assert result.exit_code == 2 and "did you mean anthropic/claude-sonnet-4-5" in result.output


def test_refreshing_a_provider_no_source_lists_is_not_a_success(empty_tree: Path) -> None:
    result = runner.invoke(app, ["refresh", "--root", str(empty_tree), "--replay", str(UPSTREAM), "--source",
                                 "openrouter", "--provider", "nosuch"])
    assert result.exit_code == 2 and "unknown provider(s)" in result.output


@pytest.mark.parametrize(("where", "ok"), [("no/such/dir", False), ("dist", True), ("dist/v1", True)])
def test_catalog_is_a_build_folder_or_its_v1_and_anything_else_is_named(tmp_path: Path, where: str, ok: bool) -> None:
    built = runner.invoke(app, ["build", "--root", METADATA, "--out", str(tmp_path / "dist"), "--no-bundle"])
    assert built.exit_code == 0, built.output
    result = runner.invoke(app, ["price", "claude-sonnet-4-5", "--input", "1", "--catalog", str(tmp_path / where)])
    if ok:
        assert result.exit_code == 0 and "anthropic/claude-sonnet-4-5" in result.output
    else:
        assert result.exit_code == 2 and "no catalog there" in result.output and "Traceback" not in result.output


def test_absurd_token_counts_are_refused_and_reasoning_is_visible() -> None:
    huge = runner.invoke(app, ["price", "claude-sonnet-4-5", "--input", "99999999999999999999999"])
    assert huge.exit_code == 2 and "less than or equal to 1000000000" in huge.output
    reasoning = runner.invoke(app, ["price", "claude-sonnet-4-5", "--input", "10", "--output", "50",
                                    "--reasoning", "20"])
    assert "includes 20 reasoning tokens, at the output price" in reasoning.output


def test_float_noise_is_no_price_change(seeded_tree: Path) -> None:
    before = load_tree(seeded_tree)
    after = load_tree(seeded_tree)
    offering = after.providers["anthropic"]["offerings"]["claude-sonnet-4-5"]
    offering["price"]["cache_read"] = offering["price"]["cache_read"] + 1e-17  # 0.3 → 0.30000000000000004
    assert [c for c in compare(before, after).price_changes if c.offering == "anthropic/claude-sonnet-4-5"] == []


# -- the API ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


def test_times_are_accepted_as_text_aware_or_naive_datetimes_everywhere(catalog) -> None:
    offering = catalog.pick_offering("claude-sonnet-4-5")
    as_text = catalog.freshness(offering, now="2026-07-02")
    naive = catalog.freshness(offering, now=datetime(2026, 7, 2))
    assert as_text == naive
    assert catalog.price(offering, input_tokens=10, at="2026-11-30").total_usd == \
        catalog.price(offering, input_tokens=10, at=datetime(2026, 11, 30)).total_usd


def test_a_models_freshness_of_a_price_points_to_its_offerings(catalog) -> None:
    with pytest.raises(KeyError, match="prices belong to offerings"):
        catalog.freshness(catalog.model("anthropic/claude-sonnet-4.5"))


@pytest.mark.parametrize(("tokens", "message"), [
    ({"input_tokens": 10.5}, "input_tokens must be a whole number of tokens \\(int\\), not float 10.5"),
    ({"output_tokens": 10.5}, "output_tokens must be a whole number of tokens \\(int\\), not float 10.5"),
    ({"input_tokens": "10"}, "not str '10'"),
    ({"cache_read_tokens": None}, "cache_read_tokens must be a whole number of tokens \\(int\\), not NoneType"),
    ({"input_tokens": 10, "cache_read_tokens": 20.0}, "cache_read_tokens .* not float 20.0"),  # not "exceeds"
    ({"inputs": 10}, "unexpected keyword argument 'inputs'"),
])
def test_token_counts_are_whole_numbers(catalog, tokens: dict, message: str) -> None:
    """By keyword or in a Usage: the quote's own arithmetic refuses what is no int, and names it."""
    with pytest.raises(TypeError, match=message):
        catalog.price("claude-sonnet-4-5", **tokens)
    if "inputs" not in tokens:
        with pytest.raises(TypeError, match=message):
            catalog.price("claude-sonnet-4-5", gate_consumer.Usage(**tokens))


def test_a_bool_count_is_an_int_as_python_has_it(catalog) -> None:
    assert catalog.price("claude-sonnet-4-5", input_tokens=True).breakdown == (("input", 1, 3e-06),)


def test_the_keyword_counts_of_price_are_the_fields_of_usage(catalog) -> None:
    """``price(id, input_tokens=…)`` binds each count as a parameter (no dict on the request
    path) and builds the Usage from them in field order: a field added to Usage and not here
    would be priced as 0."""
    import inspect

    from gate_consumer import Catalog, Usage

    parameters = inspect.signature(Catalog.price).parameters
    counts = [p for p in parameters.values() if p.kind is p.KEYWORD_ONLY and p.name.endswith(("_tokens", "requests"))]
    assert [(p.name, p.default) for p in counts] == list(Usage()._asdict().items())
    counts = {"input_tokens": 300_000, "output_tokens": 2_000, "cache_read_tokens": 1_000, "requests": 2}
    assert catalog.price("claude-sonnet-4-5", **counts) == catalog.price("claude-sonnet-4-5", Usage(**counts))


@pytest.mark.parametrize(("model", "intent"), [
    ("claude-haiku-4-5", "eco"), ("claude-sonnet-4-5", "auto"), ("claude-opus-4-1", "premium"),
    ("gpt-5-mini", "eco"), ("gpt-5", "auto"), ("o3", "premium"), ("gemini-2.5-flash", "eco"),
    ("gemini-2.5-pro", "premium"), ("deepseek-chat", "eco"), ("llama-3.1-8b-instant", "auto"),  # the default
])
def test_every_model_has_an_intent_so_the_documented_route_works(catalog, model: str, intent: str) -> None:
    from gate_consumer import Usage, intent_for_model, route

    assert intent_for_model(model) == intent
    assert route(catalog, intent_for_model(model), Usage(20_000, 2_000))  # candidates, cheapest first


def test_an_unknown_provider_in_a_requirement_is_an_error_not_an_empty_route(catalog) -> None:
    from gate_consumer import Requirement, Usage, candidates

    with pytest.raises(ValueError, match="nosuch"):
        candidates(catalog, Requirement(providers=frozenset({"nosuch", "anthropic"})), Usage(10, 10))
    with pytest.raises(ValueError, match="did you mean anthropic"):
        candidates(catalog, Requirement(providers=frozenset({"anthropc"})), Usage(10, 10))


def test_a_host_name_that_does_not_resolve_fails_at_once_without_retries() -> None:
    """Offline, each source used to wait ~15 s retrying a DNS failure. (.invalid never resolves: RFC 6761.)"""
    from refresher.run.fetch import Fetcher
    from refresher.sources.base import SourceError

    said: list[str] = []
    slept: list[float] = []
    fetcher = Fetcher(say=said.append, sleep=slept.append)
    with pytest.raises(SourceError, match=r"the host name does not resolve .*offline\?"):
        fetcher.get("test", "https://no-such-host.invalid/models", {}, {})
    assert slept == [] and said == []


def test_a_sources_summary_adds_up_and_is_printed_once(empty_tree: Path) -> None:
    result = runner.invoke(app, ["refresh", "--root", str(empty_tree), "--replay", str(UPSTREAM), "--source",
                                 "mistral"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("mistral: ") and "records" in line]
    assert len(lines) == 1  # progress says "reconciled"; the summary comes once
    assert "folded into others" in lines[0] or "skipped" in lines[0]


def test_status_at_a_time_before_any_check_is_refused() -> None:
    result = runner.invoke(app, ["status", "--root", METADATA, "--at", "2020-01-01"])
    assert result.exit_code == 2 and "before any source was checked" in result.output


def test_show_a_model_lists_every_offering_with_its_price_and_facts_have_units() -> None:
    model = runner.invoke(app, ["show", "openai/gpt-4o", "--root", METADATA])
    assert model.exit_code == 0, model.output
    assert "cheapest first (USD per 1M input / output" in model.output and "…" not in model.output
    assert "openai/gpt-4o " in model.output and "2.5 / 10" in model.output
    offering = runner.invoke(app, ["show", "anthropic/claude-sonnet-4-5", "--root", METADATA])
    assert "200000 tokens" in offering.output and "3 USD/1M" in offering.output
    tiers = [line for line in offering.output.splitlines() if '"above_input_tokens"' in line]
    assert tiers and tiers[0].rstrip().endswith("]")  # a long value whole, never cut mid-JSON


def test_models_lists_and_searches_by_name_or_any_id() -> None:
    found = runner.invoke(app, ["models", "sonnet", "--json"])
    assert found.exit_code == 0, found.output
    ids = [row["model"] for row in json.loads(found.output)["models"]]
    assert "anthropic/claude-sonnet-4.5" in ids and all("sonnet" in i for i in ids)
    bedrock = json.loads(runner.invoke(app, ["models", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "--json"]).output)
    assert bedrock["models"][0]["model"] == "anthropic/claude-sonnet-4.5"
    assert bedrock["models"][0]["offering"] == "anthropic/claude-sonnet-4-5"  # the vendor's own price
    groq = json.loads(runner.invoke(app, ["models", "--provider", "groq", "--json", "--limit", "500"]).output)
    assert groq["models"] and groq["matches"] == len(groq["models"])
    none = runner.invoke(app, ["models", "zzzz-no-such-thing"])
    assert none.exit_code == 2 and "no model matches" in none.output


def test_price_compares_several_ids_cheapest_first_and_names_what_it_cannot_price() -> None:
    result = runner.invoke(app, ["price", "claude-sonnet-4-5", "gpt-4o-mini", "claude-sonet-9", "--input", "12000",
                                 "--output", "800", "--json"])
    assert result.exit_code == 2  # one id is unknown: said, and not a success
    rows = json.loads(result.output[result.output.index("["):])
    assert [r["id"] for r in rows] == ["gpt-4o-mini", "claude-sonnet-4-5", "claude-sonet-9"]
    assert rows[1]["total_usd"] == pytest.approx(12_000 * 3 / 1e6 + 800 * 15 / 1e6)
    assert "unknown model" in rows[2]["error"]


def test_every_command_and_every_public_name_is_in_the_reference() -> None:
    from typer.main import get_command

    reference = (REPO / "docs" / "reference.md").read_text()
    for name in get_command(app).commands:
        assert f"### `faimeta {name}`" in reference, name
    for name in gate_consumer.__all__:
        assert f"| `{name}` |" in reference, name


def test_outside_a_checkout_the_error_says_how_to_point_at_the_metadata(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--root", str(tmp_path / "metadata")])
    assert result.exit_code == 2 and "pass --root DIR or set FAIMETA_ROOT" in result.output


def test_the_documented_routing_example_puts_no_free_tier_first(catalog) -> None:
    """docs/consumer.md, "Routing": $0 free tiers (openrouter/free, …-free) are not the cheapest route."""
    from gate_consumer import Requirement, Usage, candidates, intent_for_model, route

    usage = Usage(input_tokens=20_000, output_tokens=2_000)
    need = Requirement(tools=True, vision=True, min_context=200_000, providers=frozenset({"anthropic", "openrouter"}))
    judged = candidates(catalog, need, usage, include_rejected=True)
    assert judged[0].accepted and judged[0].cost_usd > 0 and judged[0].offering.free is None
    assert any(not c.accepted for c in judged)
    assert all(c.offering.free != "free-tier" for c in route(catalog, intent_for_model("claude-haiku-4-5"), usage)[:5])


def test_a_total_prints_as_people_write_it(catalog) -> None:
    """0.001 × 3 + 0.0001 × 15 is 0.0045000000000000005 in floats; the quote says 0.0045."""
    quote = catalog.price("claude-sonnet-4-5", input_tokens=1000, output_tokens=100)
    assert repr(quote.total_usd) == "0.0045" and quote.as_dict()["total_usd"] == 0.0045


@pytest.mark.parametrize("args", [
    ["price", "claude-sonnet-4-5", "--input", "1000", "--at", "2026-12-06T12:00:00Z"],
    ["resolve", "claude-sonnet-4-5"],
    ["models", "sonnet"],
    ["show", "anthropic/claude-sonnet-4.5"],
])
def test_python_dash_m_refresher_cli_has_every_command(args: list[str]) -> None:
    """``python -m refresher.cli`` is the faimeta script: the same commands, the same answers."""
    done = subprocess.run([sys.executable, "-m", "refresher.cli", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
