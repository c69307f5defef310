"""Resolution that never guesses wrong: the precedence of an exact offering id, every id form a
gateway meets (docs/consumer.md, "Resolving ids"), and the real-id corpus — every offering id
the recordings list, every first-party id, every route-prefixed LiteLLM key — on the bundled
catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gate_consumer
from gate_consumer import AmbiguousModelError, UnknownModelError
from gate_consumer.id_forms import CLIENT_PREFIXES, readings, undecorated
from refresher.cli import app
from refresher.sources import litellm
from tests.conftest import REPO

LITELLM = Path(__file__).parent / "fixtures" / "upstream" / "litellm" / "model_prices_and_context_window.json"


@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


# -- 1. precedence -------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "provider", "offering", "matched_by"), [
    # a dated snapshot OpenAI lists as an offering of its own prices there, not on gpt-4.1 (its alias)
    ("gpt-4.1-2025-04-14", None, "openai/gpt-4.1-2025-04-14", "upstream-id"),
    ("gpt-4o-mini-2024-07-18", None, "openai/gpt-4o-mini-2024-07-18", "upstream-id"),
    # the "ambiguous" ids, each now one offering
    ("pixtral-large-latest", None, "mistral/pixtral-large-latest", "upstream-id"),
    ("magistral-medium-latest", None, "mistral/magistral-medium-latest", "upstream-id"),
    ("ministral-8b-latest", None, "mistral/ministral-8b-latest", "upstream-id"),
    ("claude-3-7-sonnet-20250219", None, "anthropic/claude-3-7-sonnet-20250219", "upstream-id"),
    ("gpt-4o-mini", "openrouter", "openrouter/openai/gpt-4o-mini", None),
    ("llama-3.1-8b-instant", None, "groq/llama-3.1-8b-instant", "model"),  # the host before the aggregator
    # a canonical model id or its own name: the vendor's own offering
    ("anthropic/claude-sonnet-4.5", None, "anthropic/claude-sonnet-4-5", "model"),
    ("claude-sonnet-4.5", None, "anthropic/claude-sonnet-4-5", "model"),
    ("qwen-max", None, "alibaba/qwen-max", "model"),  # the vendor's primary API before alibaba-cn
])
def test_an_exact_offering_id_beats_every_alias_and_the_vendor_decides(
        catalog, name: str, provider: str | None, offering: str, matched_by: str | None) -> None:
    assert catalog.pick_offering(name, provider).key == offering
    if matched_by is not None:
        assert catalog.resolve(name).matched_by == matched_by


def test_a_latest_alias_names_the_model_the_vendors_api_names() -> None:
    """Mistral's API lists mistral-large-latest as an alias of mistral-large-2512: one model."""
    catalog = gate_consumer.Catalog.load()
    assert catalog.resolve("mistral-large-latest").model.id == "mistral/mistral-large-2512"
    assert catalog.resolve("pixtral-large-latest").model.id == "mistral/pixtral-large-2411"


def test_an_id_two_listings_price_differently_is_still_ambiguous(catalog) -> None:
    """Vertex lists Claude twice (google-vertex, google-vertex-anthropic) with different batch
    prices: no silent pick; the same price would have been no guess."""
    with pytest.raises(AmbiguousModelError) as err:
        catalog.pick_offering("claude-sonnet-4-5@20250929")
    assert err.value.candidates == ("google-vertex-anthropic/claude-sonnet-4-5@20250929",
                                    "google-vertex/claude-sonnet-4-5@20250929")


# -- 2. id forms -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "offering", "matched_by"), [
    # client-library route prefixes (LiteLLM's)
    ("gemini/gemini-2.5-flash", "google/gemini-2.5-flash", "offering+route-prefix"),
    ("vertex_ai/gemini-2.5-flash", "google-vertex/gemini-2.5-flash", "offering+route-prefix"),
    ("vertex_ai/claude-sonnet-4-5@20250929", "google-vertex-anthropic/claude-sonnet-4-5@20250929",
     "offering+route-prefix"),
    ("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
     "amazon-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", "offering+route-prefix"),
    ("bedrock/us-east-1/anthropic.claude-sonnet-4-5-20250929-v1:0",
     "amazon-bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0", "offering+region-path"),
    ("groq/llama-3.1-8b-instant", "groq/llama-3.1-8b-instant", "offering"),  # also groq's own id
    ("openrouter/anthropic/claude-sonnet-4.5", "openrouter/anthropic/claude-sonnet-4.5", "offering"),
    # the Gemini API
    ("models/gemini-2.5-flash", "google/gemini-2.5-flash", "offering+gemini-path"),
    # Vertex AI publisher paths, short and full, and @ versions
    ("publishers/google/models/gemini-2.5-flash", "google-vertex/gemini-2.5-flash", "offering+vertex-path"),
    ("projects/my-project/locations/us-central1/publishers/google/models/gemini-2.5-flash",
     "google-vertex/gemini-2.5-flash", "offering+vertex-path"),
    ("projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4-5@20250929",
     "google-vertex-anthropic/claude-sonnet-4-5@20250929", "offering+vertex-path"),
    ("gemini-2.5-flash@default", "google-vertex/gemini-2.5-flash", "offering+at-version"),
    # Bedrock ARNs: a foundation model and an inference profile
    ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
     "amazon-bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0", "offering+bedrock-arn"),
    ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
     "amazon-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", "offering+bedrock-arn"),
    # Fireworks account paths, and its p for a dot (both ways)
    ("accounts/fireworks/models/glm-5p1", "fireworks-ai/accounts/fireworks/models/glm-5p1", "upstream-id"),
    ("accounts/fireworks/models/glm-5.1", "fireworks-ai/accounts/fireworks/models/glm-5p1", "offering+p-for-dot"),
    ("accounts/my-team/models/glm-5p1", "fireworks-ai/accounts/fireworks/models/glm-5p1", "offering+account-path"),
    ("fireworks_ai/accounts/fireworks/models/glm-5p1", "fireworks-ai/accounts/fireworks/models/glm-5p1",
     "offering+normalized"),  # LiteLLM's prefix spells the provider's id with an underscore
    # suffixes: Claude Code's [1m], OpenRouter's :thinking / :beta
    ("claude-sonnet-4-5[1m]", "anthropic/claude-sonnet-4-5", "upstream-id+suffix"),
    ("openrouter/anthropic/claude-sonnet-4.5:beta", "openrouter/anthropic/claude-sonnet-4.5",
     "offering+variant+route-prefix"),
    # a dated id newer than the catalog
    ("openai/gpt-5.2-2027-01-11", "openai/gpt-5.2", "undated-snapshot"),
])
def test_every_id_form_resolves_to_its_offering_and_says_how(catalog, name: str, offering: str,
                                                             matched_by: str) -> None:
    assert catalog.pick_offering(name).key == offering
    resolution = catalog.resolve(name)
    assert resolution.matched_by == matched_by
    assert ("+" not in matched_by or matched_by.endswith("normalized")) or resolution.read


@pytest.mark.parametrize(("name", "why"), [
    # :free is price 0: an unlisted one is never read as the paid model
    ("openrouter/minimax/minimax-m2:free", "unknown model"),
    # a form that names a provider never prices at another provider
    ("groq/claude-sonnet-4-5", "unknown model"),
    ("arn:aws:bedrock:us-east-1::foundation-model/acme.nothing-v1:0", "unknown model"),
    # an application inference profile ARN names no model
    ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123", "unknown model"),
])
def test_a_form_that_would_price_the_wrong_offering_is_refused(catalog, name: str, why: str) -> None:
    with pytest.raises(UnknownModelError, match=why):
        catalog.pick_offering(name)


@pytest.mark.parametrize(("name", "expected"), [
    ("claude-opus-4-6@default", "claude-opus-4-6"),
    ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5-20250929"),
    ("claude-sonnet-4-5[1m]", "claude-sonnet-4-5"),
    ("minimax-m2:free", "minimax-m2"),
    ("glm-5p1", "glm-5p1"),  # p for a dot only on Fireworks
])
def test_linking_removes_the_same_decorations(name: str, expected: str) -> None:
    assert undecorated(name) == expected
    assert undecorated("glm-5p1", fireworks=True) == "glm-5.1"


def test_the_route_prefixes_are_the_litellm_adapters() -> None:
    """One table of client route prefixes: the LiteLLM adapter's key prefixes are in it."""
    for ours, prefixes in litellm.PROVIDERS.values():
        for prefix in prefixes:
            assert ours in CLIENT_PREFIXES[prefix.split("/", 1)[0]], prefix


def test_a_reading_never_reads_back_to_what_it_read(catalog) -> None:
    """No cycle between forms; the resolver's depth bounds nesting besides."""
    for name in ("vertex_ai/claude-sonnet-4-5@20250929", "accounts/x/models/glm-5.1", "models/a:thinking[1m]",
                 "accounts/fireworks/models/glm-5p1"):
        assert all(name not in {r2.id for r2 in readings(r.id)} for r in readings(name))
    nested = "bedrock/" * 30 + "x"
    with pytest.raises(UnknownModelError):
        catalog.resolve(nested)


# -- 3. linking: no decoration becomes a model ------------------------------------------------

def test_no_model_is_a_decorated_id(catalog) -> None:
    """Vertex's @default and Fireworks' 5p1 once became models of their own."""
    assert [m for m in catalog.model_ids if m.endswith("-default") or "@" in m] == []
    assert {"zhipuai/glm-5p1", "moonshotai/kimi-k2p6", "alibaba/qwen3p7-plus"}.isdisjoint(catalog.model_ids)
    assert catalog.offering_by_key("fireworks-ai/accounts/fireworks/models/glm-5p1").model_id == "zhipuai/glm-5.1"


def test_snapshots_are_grouped_with_their_model_the_same_way_for_every_vendor(catalog) -> None:
    for snapshot, model in [("anthropic/claude-haiku-4-5-20251001", "anthropic/claude-haiku-4.5"),
                            ("anthropic/claude-opus-4-5-20251101", "anthropic/claude-opus-4.5"),
                            ("anthropic/claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4.5"),
                            ("openai/gpt-4o-2024-08-06", "openai/gpt-4o")]:
        assert catalog.offering_by_key(snapshot).model_id == model
        assert catalog.pick_offering(snapshot).key == snapshot  # and each still prices on its own offering


# -- 6. the real-id corpus --------------------------------------------------------------------

def test_every_offering_id_resolves_with_its_provider_to_that_very_offering(catalog) -> None:
    wrong = [(o.key, catalog.pick_offering(o.upstream_id, o.provider).key) for o in catalog.iter_offerings()
             if catalog.pick_offering(o.upstream_id, o.provider).key != o.key]
    assert wrong == []


def test_every_first_party_id_resolves_without_a_provider_to_the_vendors_own_offering(catalog) -> None:
    checked, wrong = 0, []
    for offering in catalog.iter_offerings():
        vendor = offering.model_id.partition("/")[0]
        if offering.provider not in catalog.first_party_providers(vendor) or offering.status == "retired":
            continue
        checked += 1
        got = catalog.pick_offering(offering.upstream_id)
        # the vendor's own offering: this one, or the same id on its primary API (alibaba for alibaba-cn)
        if got.key != offering.key and not (got.provider in catalog.first_party_providers(vendor)
                                            and got.upstream_id.lower() == offering.upstream_id.lower()):
            wrong.append((offering.key, got.key))
    assert checked > 400 and wrong == []


def test_every_route_prefixed_litellm_key_resolves_to_the_offering_it_names(catalog) -> None:
    data = json.loads(LITELLM.read_text())
    checked, wrong = 0, []
    for key, entry in data.items():
        provider = litellm.PROVIDERS.get(entry.get("litellm_provider", "")) if isinstance(entry, dict) else None
        if provider is None:
            continue
        ours, prefixes = provider
        prefix = next((p for p in prefixes if key.startswith(p)), None)
        if prefix is None:
            continue  # an unprefixed key is the vendor's own id, not a route
        target = f"{ours}/{key[len(prefix):]}"
        try:
            catalog.offering_by_key(target)
        except UnknownModelError:
            continue
        checked += 1
        if catalog.pick_offering(key).key != target:
            wrong.append((key, catalog.pick_offering(key).key))
    assert checked >= 10 and wrong == []


# -- 4. faimeta resolve, and agreement with price and show --------------------------------------

def test_faimeta_resolve_explains_the_match_and_lists_offerings_cheapest_first() -> None:
    result = CliRunner().invoke(app, ["resolve", "gemini/gemini-2.5-flash", "--json"])
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert (view["model"], view["matched_by"], view["prices_on"]) == (
        "google/gemini-2.5-flash", "offering+route-prefix", "google/gemini-2.5-flash")
    assert view["read"] == "the route prefix gemini/"
    priced = [r["input"] + r["output"] for r in view["offerings"] if r["input"] is not None and r["output"] is not None
              and r["status"] != "retired"]
    assert priced == sorted(priced) and len(priced) > 5
    text = CliRunner().invoke(app, ["resolve", "claude-sonnet-4-5"])
    assert "matched by  upstream-id" in text.output and "prices on   anthropic/claude-sonnet-4-5" in text.output
    unknown = CliRunner().invoke(app, ["resolve", "claude-sonet-9"])
    assert unknown.exit_code == 2 and "did you mean" in unknown.output


@pytest.mark.parametrize("name", ["claude-sonnet-4-5", "gpt-4.1-2025-04-14", "gemini/gemini-2.5-flash",
                                  "mistral-large-latest", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"])
def test_price_show_and_resolve_agree_on_the_offering(catalog, name: str) -> None:
    picked = catalog.pick_offering(name).key
    price = CliRunner().invoke(app, ["price", name, "--input", "10", "--json"])
    assert json.loads(price.output)["offering"] == picked
    resolved = CliRunner().invoke(app, ["resolve", name, "--json"])
    assert json.loads(resolved.output)["prices_on"] == picked
    shown = CliRunner().invoke(app, ["show", name, "--root", str(REPO / "metadata"), "--json"])
    view = json.loads(shown.output)
    assert f"{view['provider']}/{view['upstream_id']}" == picked


# -- 5. unknown ids are cheap ---------------------------------------------------------------------

def test_distinct_unknown_ids_do_not_search_every_name(catalog) -> None:
    """Not a timing test (bench/bench_consumer.py measures it): the suggestions compare an
    unknown id with a bounded pool of names sharing a word with it, and the memory stays bounded."""
    catalog.resolve("claude-sonnet-4-5")
    with pytest.raises(UnknownModelError) as err:
        catalog.resolve("claude-sonet-4.5")
    assert "anthropic/claude-sonnet-4.5" in err.value.suggestions
    index = catalog._resolver._words
    assert len(index["claude"]) > 60  # more names than the pool difflib is given
    for i in range(50):
        with pytest.raises(UnknownModelError):
            catalog.resolve(f"zz-unknown-{i}-model")
    assert len(catalog._resolver._unknown) <= 10_000
