"""Routing: candidates for a requirement, ranked by cost, each with its explanation."""

from __future__ import annotations

from dataclasses import replace

import pytest

import gate_consumer
from gate_consumer import Freshness, Requirement, Usage, candidates, intent_for_model, route
from gate_consumer.errors import CatalogError

USAGE = Usage(input_tokens=20_000, output_tokens=2_000)


@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


def test_candidates_are_ranked_by_estimated_cost(catalog) -> None:
    found = candidates(catalog, Requirement(providers=frozenset({"anthropic"})), USAGE)
    costs = [c.cost_usd for c in found]
    assert costs == sorted(costs) and len(found) > 5
    assert all(c.accepted and c.offering.provider == "anthropic" for c in found)
    cheapest = found[0]
    assert cheapest.cost_usd == catalog.price(cheapest.offering, USAGE).total_usd


def test_every_failed_requirement_is_named(catalog) -> None:
    requirement = Requirement(tools=True, vision=True, reasoning=True, min_context=1_500_000, min_output=100_000,
                              models=("anthropic/claude-3-haiku",))
    judged = candidates(catalog, requirement, USAGE, include_rejected=True)
    anthropic = next(c for c in judged if c.offering.key == "anthropic/claude-3-haiku-20240307")
    assert not anthropic.accepted
    assert "context 200,000 < 1,500,000" in anthropic.reasons
    assert "output 4,096 < 100,000" in anthropic.reasons
    assert "no reasoning" in anthropic.reasons
    assert anthropic.explain().startswith("anthropic/claude-3-haiku-20240307: rejected ($")


def test_an_unpriced_offering_is_never_a_free_candidate(catalog) -> None:
    none = next(o for o in catalog.provider_offerings("openai") if not o.price and o.status == "active")
    judged = candidates(catalog, Requirement(providers=frozenset({"openai"}), models=(none.model_id,)),
                        USAGE, include_rejected=True)
    unpriced = [c for c in judged if c.cost_usd is None]
    assert unpriced and all(not c.accepted and "no token price is known" in " ".join(c.reasons) for c in unpriced)


def test_freshness_policy_filters_on_price_age(catalog) -> None:
    from datetime import datetime, timezone

    strict = Requirement(providers=frozenset({"anthropic"}), freshness=frozenset({Freshness.FRESH}))
    assert candidates(catalog, strict, USAGE, now=datetime(2027, 3, 1, tzinfo=timezone.utc)) == []
    fresh = candidates(catalog, strict, USAGE, now=datetime(2026, 12, 1, tzinfo=timezone.utc))  # LiteLLM, 11 days
    assert fresh and all(c.price_freshness is Freshness.FRESH for c in fresh)


def test_lifecycle_and_route_types(catalog) -> None:
    deprecated = Requirement(statuses=frozenset({"deprecated"}))
    assert all(c.offering.status == "deprecated" for c in candidates(catalog, deprecated, USAGE))
    local = candidates(catalog, Requirement(route_types=frozenset({"local"})), USAGE)
    assert {c.offering.provider for c in local} <= {"lmstudio"}


@pytest.mark.parametrize("intent", ["eco", "auto", "premium", "coding-eco", "coding-auto", "coding-premium"])
def test_every_intent_routes_to_metered_capable_models(catalog, intent: str) -> None:
    found = route(catalog, intent, USAGE)
    assert found
    for candidate in found[:20]:
        assert catalog.provider_info(candidate.offering.provider)["route_type"] in ("direct", "aggregator", "cloud")
        if intent.startswith("coding-"):
            assert "calls tools" in candidate.reasons


def test_intents_can_be_tightened(catalog) -> None:
    found = route(catalog, "auto", USAGE, providers=frozenset({"anthropic"}))
    assert {c.offering.model_id.split("/")[1].rsplit(".", 1)[0] for c in found} >= {"claude-sonnet-4"}
    with pytest.raises(CatalogError, match="unknown intent 'cheap'"):
        route(catalog, "cheap", USAGE)


@pytest.mark.parametrize(
    ("model", "intent"),
    [("claude-haiku-4-5", "eco"), ("claude-3-5-haiku-20241022", "eco"), ("claude-sonnet-4-5-20250929", "auto"),
     ("anthropic/claude-opus-4-1", "premium"), ("CLAUDE-SONNET-4", "auto"), ("gpt-5", "auto"), ("my-finetune", "auto")],
)
def test_the_model_to_intent_mapping_gate_uses(model: str, intent) -> None:
    assert intent_for_model(model) == intent
    assert intent_for_model("my-finetune", default=None) is None  # no rule names it (the Gate hook's case)


def test_a_free_quota_is_not_ranked_first_unless_asked(catalog) -> None:
    """GitHub Models, NVIDIA and Meta's Llama API serve Llama 3.3 70B at 0 per token within a
    free quota: by default every paid offering comes first; free_first ranks them by cost."""
    req = Requirement(models=("meta/llama-3.3-70b*",))
    ranked = candidates(catalog, req, USAGE)
    capped = [c for c in ranked if c.offering.free in ("free-tier", "quota")]
    assert capped and ranked[0].offering.free is None and ranked[0].cost_usd > 0
    assert ranked.index(capped[0]) == len(ranked) - len(capped)  # all of them after the paid ones
    assert "free (quota)" in capped[0].reasons
    eager = candidates(catalog, replace(req, free_first=True), USAGE)
    assert eager[0].offering.free == "quota" and eager[0].cost_usd == 0
