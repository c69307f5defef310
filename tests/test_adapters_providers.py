"""The provider-API adapters on their real recordings: units, shapes and quirks, by example."""

from __future__ import annotations

import json

import pytest

from refresher.sources.base import SourceError
from refresher.sources.registry import ADAPTERS
from tests.conftest import UPSTREAM

AT = "2026-01-01T00:00:00Z"


def _parse(source: str, name: str):
    return ADAPTERS[source].parse((UPSTREAM / name).read_bytes(), AT)


def _by_id(snapshot) -> dict:
    return {o.upstream_id: o for o in snapshot.offerings}


def test_openai_lists_availability_and_skips_a_keys_own_fine_tunes() -> None:
    snap = _parse("openai", "openai/models.json")
    assert (snap.records, len(snap.offerings)) == (82, 76)
    assert {s.reason for s in snap.skipped} == {"a fine-tune private to the key's account, not a public model"}
    assert _by_id(snap)["gpt-4o"].facts == {"status": "active"}


@pytest.mark.parametrize(("source", "name", "style"), [
    ("anthropic", "anthropic/models-2026-04.json", "anthropic-messages"),
    ("openai", "openai/models.json", "openai-responses"),
    ("google", "google/models.json", "gemini"),
])
def test_a_providers_own_api_says_which_api_it_speaks(source: str, name: str, style: str) -> None:
    """A provider is classified once, by whichever source creates it: its own API must say as
    much as Models.dev's npm package does, or the tree would depend on which came first."""
    from refresher.rules.classify import classify

    (provider,) = _parse(source, name).providers
    assert classify(provider.provider, provider.api_package)["api_style"] == style


def test_anthropic_2026_shape_gives_limits_capabilities_and_release_dates() -> None:
    opus = _by_id(_parse("anthropic", "anthropic/models-2026-04.json"))["claude-opus-4-7"]
    assert opus.facts == {
        "name": "Claude Opus 4.7", "status": "active", "limits.context": 1_000_000, "limits.output": 128_000,
        "capabilities.reasoning": True, "capabilities.structured_output": True,
        "modalities.input": ["image", "pdf", "text"],
    }
    assert opus.model_facts == {"name": "Claude Opus 4.7", "release_date": "2026-04-14"}


def test_anthropic_2025_shape_and_a_zero_placeholder_limit() -> None:
    snap = _parse("anthropic", "anthropic/models.json")
    assert _by_id(snap)["claude-3-haiku-20240307"].facts == {"name": "Claude Haiku 3", "status": "active"}
    body = {"data": [{"type": "model", "id": "claude-x", "display_name": "X", "created_at": "2026-02-30T00:00:00Z",
                      "max_input_tokens": 0}], "has_more": False}
    snap = ADAPTERS["anthropic"].parse(json.dumps(body).encode(), AT)
    assert snap.skipped[0].reason == "created_at: '2026-02-30T00:00:00Z' is not a date"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"has_more": True, "last_id": "claude-2.0"}, {"limit": "1000", "after_id": "claude-2.0"}),
        ({"has_more": False, "last_id": "claude-2.0"}, None),
        ({"has_more": True, "last_id": None}, None),
    ],
)
def test_anthropic_next_page(data: dict, expected) -> None:
    assert ADAPTERS["anthropic"].next_page(data) == expected


def test_gemini_strips_the_models_prefix_and_marks_embedding_models() -> None:
    offerings = _by_id(_parse("google", "google/models.json"))
    assert offerings["gemini-2.5-flash"].facts == {
        "name": "Gemini 2.5 Flash", "status": "active", "limits.context": 1_048_576, "limits.output": 65_536,
        "capabilities.reasoning": True}
    assert offerings["gemini-embedding-001"].facts["modalities.output"] == ["embeddings"]
    body = json.dumps({"models": [{"name": "gemini-3-pro"}]}).encode()
    assert ADAPTERS["google"].parse(body, AT).skipped[0].reason == "name: 'gemini-3-pro' does not start with 'models/'"


def test_groq_2026_prices_are_per_token_strings_and_speech_is_audio() -> None:
    offerings = _by_id(_parse("groq", "groq/models-2026-08.json"))
    gpt_oss = offerings["openai/gpt-oss-120b"].facts
    assert (gpt_oss["price.input"], gpt_oss["price.output"], gpt_oss["price.cache_read"]) == (0.15, 0.6, 0.075)
    assert gpt_oss["capabilities.tools"] and gpt_oss["capabilities.reasoning"]
    assert offerings["canopylabs/orpheus-v1-english"].facts["modalities.output"] == ["audio"]
    assert "price.request" not in offerings["canopylabs/orpheus-v1-english"].facts  # "0" per request: not charged


def test_groq_2025_shape_gives_limits_only() -> None:
    offerings = _by_id(_parse("groq", "groq/models-2025-10.json"))
    assert offerings["moonshotai/kimi-k2-instruct-0905"].facts == {
        "status": "active", "limits.context": 262_144, "limits.output": 16_384}


def test_together_is_a_bare_array_priced_per_million() -> None:
    snap = _parse("together", "together/models.json")
    assert snap.offerings[0].facts == {
        "name": "Chronos Hermes (13B)", "status": "active", "limits.context": 2048, "modalities.output": ["text"],
        "price.input": 0.3, "price.output": 0.3}
    dedicated = [{"id": "acme/big", "type": "chat", "pricing": {"hourly": 5.2, "input": 0, "output": 0}}]
    assert "price.input" not in ADAPTERS["together"].parse(json.dumps(dedicated).encode(), AT).offerings[0].facts
    with pytest.raises(SourceError, match="expected a JSON array"):
        ADAPTERS["together"].parse(b'{"data": []}', AT)


def test_deepinfra_prices_live_in_metadata_and_float_noise_is_removed() -> None:
    offerings = _by_id(_parse("deepinfra", "deepinfra/models.json"))
    qwen = offerings["Qwen/Qwen3.5-27B"].facts
    assert (qwen["price.input"], qwen["price.output"]) == (0.26, 2.6)  # upstream says 2.5999999999999996
    assert qwen["modalities.input"] == ["image", "text"] and qwen["capabilities.reasoning"] is True
    assert offerings["intfloat/multilingual-e5-large-instruct"].facts == {"status": "active"}  # metadata: null


def test_mistral_groups_aliases_into_one_offering_per_model() -> None:
    snap = _parse("mistral", "mistral/models.json")
    offerings = _by_id(snap)
    assert (snap.records, len(snap.offerings)) == (56, 28)
    assert offerings["mistral-medium-2508"].aliases == ("mistral-medium", "mistral-medium-latest",
                                                       "mistral-vibe-cli-with-tools")
    assert "mistral-medium-latest" not in offerings
    assert offerings["mistral-ocr-2503"].facts["status"] == "deprecated"
    # "voxtral-mini-latest" is listed for two different models: an alias of neither
    assert [(s.record, s.reason) for s in snap.skipped] == [
        ("mistral/voxtral-mini-latest", "listed as an alias of 2 models (voxtral-mini-2507, voxtral-mini-2602)")]
    assert offerings["voxtral-mini-2602"].aliases == ()


def test_fireworks_keeps_full_resource_ids_and_skips_a_blank_one() -> None:
    snap = _parse("fireworks", "fireworks/models.json")
    offerings = _by_id(snap)
    assert offerings["accounts/fireworks/models/kimi-k2p6"].facts == {
        "status": "active", "limits.context": 262_144, "capabilities.tools": True, "modalities.input": ["image", "text"]}
    assert offerings["accounts/fireworks/models/qwen3-embedding-8b"].facts["modalities.output"] == ["embeddings"]
    assert offerings["accounts/fireworks/models/bare"].facts == {"status": "active"}
    assert [s.record for s in snap.skipped] == ["fireworks-ai/  "]


# the catalogs and price lists are not listings of records: test_litellm, test_genai_prices,
# test_portkey, test_langfuse, test_aws_pricing, test_azure_retail
NOT_LISTINGS = {"modelsdev", "together", "litellm", "genai-prices", "portkey", "langfuse", "aws-pricing",
                "azure-retail-prices"}


@pytest.mark.parametrize("source", sorted(set(ADAPTERS) - NOT_LISTINGS))
def test_a_record_of_the_wrong_type_is_skipped_not_the_source(source: str) -> None:
    key = "models" if source in ("google", "xai-language-models") else "data"
    good = {"google": {"name": "models/m-1"}}.get(source, {"id": "m-1", "display_name": "M", "name": "M",
                                                           "pricing": {"prompt": "0.000001", "completion": "0.000002"}})
    body = json.dumps({key: [{"id": ["not", "a", "string"], "name": 5}, good]}).encode()
    snap = ADAPTERS[source].parse(body, AT)
    assert len(snap.skipped) == 1 and len(snap.offerings) == 1


# -- the hosts added for issue 31 (point 4): every host we hold a recording of ------------------


def test_cerebras_nebius_and_xai_list_what_they_serve_without_prices() -> None:
    cerebras = _by_id(_parse("cerebras", "cerebras/models.json"))
    assert len(cerebras) == 9 and cerebras["llama-4-scout-17b-16e-instruct"].facts == {"status": "active"}
    nebius = _by_id(_parse("nebius", "nebius/models.json"))
    assert len(nebius) == 46 and "meta-llama/Meta-Llama-3.1-8B-Instruct-fast" in nebius  # its -fast variants too
    assert len(_parse("xai", "xai/models.json").offerings) == 14


def test_novita_prices_are_ten_thousandths_of_a_dollar_per_million() -> None:
    llama = _by_id(_parse("novita", "novita/models.json"))["meta-llama/llama-3-8b-instruct"]
    assert llama.facts["price.input"] == 0.063 and llama.facts["price.output"] == 0.063  # 630 units
    assert llama.facts["limits.context"] == 8192


def test_xai_language_models_are_priced_in_cents_per_hundred_million_with_their_aliases() -> None:
    grok = _by_id(_parse("xai-language-models", "xai/language-models.json"))["grok-3"]
    assert {k: v for k, v in grok.facts.items() if k.startswith("price.")} == {
        "price.input": 3.0, "price.cache_read": 0.75, "price.output": 15.0}  # 30000, 7500, 150000; image 0: unset
    assert grok.aliases == ("grok-3-latest", "grok-3-beta")


def test_vercel_prices_per_token_strings_with_a_long_context_tier() -> None:
    gemini = _by_id(_parse("vercel", "vercel/models.json"))["google/gemini-3.1-pro-preview"]
    assert gemini.facts["price.input"] == 2 and gemini.facts["price.output"] == 12
    assert gemini.facts["price.tiers"] == [{"above_input_tokens": 200_000, "input": 4, "output": 18, "cache_read": 0.4,
                                            "cache_write": 4}]  # "min": 200001 is our "above 200,000"


def test_the_hugging_face_router_prices_a_chosen_provider_and_the_routed_model_only_when_they_agree() -> None:
    snap = _parse("huggingface", "huggingface/models.json")
    offerings = _by_id(snap)
    glm = offerings["zai-org/GLM-4.7"]
    assert (glm.facts["price.input"], glm.facts["price.output"]) == (0.6, 2.2)  # one priced provider
    assert offerings["zai-org/GLM-4.7:novita"].facts["capabilities.tools"] is True
    assert "zai-org/GLM-4.7:zai-org" in offerings and "price.input" not in offerings["zai-org/GLM-4.7:zai-org"].facts
    body = {"data": [{"id": "x/m", "providers": [
        {"provider": "a", "status": "live", "pricing": {"input": 1, "output": 2}},
        {"provider": "b", "status": "live", "pricing": {"input": 1.5, "output": 2}},
        {"provider": "c", "status": "staging", "pricing": {"input": 9, "output": 9}}]}]}
    routed = _by_id(ADAPTERS["huggingface"].parse(json.dumps(body).encode(), AT))
    assert "price.input" not in routed["x/m"].facts  # two prices: which one the router picks is not ours to guess
    assert set(routed) == {"x/m", "x/m:a", "x/m:b"}  # a provider not live is no offering


def test_cloudflare_ai_gateway_prices_per_token_and_refuses_per_image_rates() -> None:
    snap = _parse("cloudflare-ai-gateway", "cloudflare-ai-gateway/models.json")
    assert all(o.upstream_id.split("/")[0] in ("openai", "anthropic", "workers-ai") for o in snap.offerings)
    assert {s.risk.value for s in snap.skipped} == {"unit-guard"}  # ideogram's per-image prices
    priced = [o for o in snap.offerings if "price.input" in o.facts]
    assert priced and all(0 <= o.facts["price.input"] < 100 for o in priced)  # 0 / 0 for audio: left unpriced at reconcile
