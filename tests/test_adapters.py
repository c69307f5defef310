import json

import pytest

from refresher.sources import modelsdev, openrouter
from refresher.sources.base import SourceError
from tests.conftest import UPSTREAM

AT = "2026-07-17T18:02:00Z"


def _openrouter(*models: dict) -> bytes:
    return json.dumps({"data": list(models)}).encode()


def _or_model(**overrides) -> dict:
    model = {"id": "acme/model-1", "name": "Acme: Model 1", "context_length": 1000,
             "pricing": {"prompt": "0.000003", "completion": "0.000015"}}
    model.update(overrides)
    return model


def test_modelsdev_recording_parses_completely() -> None:
    snap = modelsdev.parse((UPSTREAM / "modelsdev/api.json").read_bytes(), "2026-07-01T16:40:28Z")
    assert not snap.skipped
    assert [p.provider for p in snap.providers] == ["amazon-bedrock", "anthropic", "lmstudio", "openrouter", "wafer-ai"]
    sonnet = next(o for o in snap.offerings if (o.provider, o.upstream_id) == ("anthropic", "claude-sonnet-4-5-20250929"))
    assert sonnet.facts["price.input"] == 3
    assert sonnet.facts["price.cache_write"] == 3.75
    assert sonnet.model_facts["release_date"] == "2025-09-29"


def test_modelsdev_context_over_200k_becomes_a_tier() -> None:
    body = {"p": {"id": "p", "name": "P", "models": {"m": {
        "id": "m", "name": "M", "cost": {"input": 3, "output": 15, "context_over_200k": {"input": 6, "output": 22.5}}}}}}
    snap = modelsdev.parse(json.dumps(body).encode(), AT)
    assert snap.offerings[0].facts["price.tiers"] == [{"above_input_tokens": 200000, "input": 6, "output": 22.5}]


def test_openrouter_per_token_strings_become_exact_per_million() -> None:
    snap = openrouter.parse(_openrouter(_or_model()), AT)
    facts = snap.offerings[0].facts
    assert facts["price.input"] == 3.0 and facts["price.output"] == 15.0  # not 2.9999999999999996


def test_openrouter_minus_one_is_unknown_not_zero() -> None:
    snap = openrouter.parse(_openrouter(_or_model(pricing={"prompt": "-1", "completion": "-1"})), AT)
    assert "price.input" not in snap.offerings[0].facts
    free = openrouter.parse(_openrouter(_or_model(pricing={"prompt": "0", "completion": "0"})), AT)
    assert free.offerings[0].facts["price.input"] == 0


def test_openrouter_overrides_become_context_tiers() -> None:
    pricing = {"prompt": "0.000001", "completion": "0.000006",
               "overrides": [{"min_prompt_tokens": 272000, "prompt": "0.000002", "completion": "0.000009"}]}
    snap = openrouter.parse(_openrouter(_or_model(pricing=pricing)), AT)
    assert snap.offerings[0].facts["price.tiers"] == [{"above_input_tokens": 272000, "input": 2.0, "output": 9.0}]


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"pricing": {"prompt": "-0.5", "completion": "0"}}, "pricing.prompt"),
        ({"pricing": {"prompt": "abc", "completion": "0"}}, "pricing.prompt"),
        ({"context_length": "128k"}, "context_length"),
        ({"id": "bad\x00id"}, "control"),
        ({"id": "x" * 10_000}, "characters long"),
    ],
)
def test_one_bad_record_is_skipped_with_a_reason(bad: dict, reason: str) -> None:
    snap = openrouter.parse(_openrouter(_or_model(id="acme/good"), _or_model(**bad)), AT)
    assert [o.upstream_id for o in snap.offerings] == ["acme/good"]
    assert len(snap.skipped) == 1 and reason in snap.skipped[0].reason


@pytest.mark.parametrize("body", [b"<html>rate limited</html>", b'{"data": [', b'{"models": []}', b"[]"])
def test_unusable_responses_fail_the_source(body: bytes) -> None:
    with pytest.raises(SourceError, match="openrouter"):
        openrouter.parse(body, AT)


@pytest.mark.parametrize(("provider", "upstream_id", "prices", "free"), [
    ("openrouter", "meta-llama/llama-3.3-70b-instruct:free", (0, 0), "free-tier"),
    ("github-models", "meta/llama-3.3-70b-instruct", (0, 0), "quota"),
    ("zai-coding-plan", "glm-4.6", (0, 0), "subscription"),
    ("zai-coding-plan", "glm-4.6", (0.6, 2.2), None),  # a plan that states a price: not free
    ("deepseek", "deepseek-chat", (0, 0), None),  # 0 alone says only "0 per token"
    ("github-models", "meta/llama-3.3-70b-instruct", (None, None), None),  # unknown is not free
])
def test_free_is_a_fact_of_its_own(provider: str, upstream_id: str, prices: tuple, free: str | None) -> None:
    from refresher.sources.base import free_kind

    assert free_kind(provider, upstream_id, *prices) == free
