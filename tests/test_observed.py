"""Observed cost: usage read from the responses of every API, a quote checked against a bill, and
`faimeta observe` on recorded OpenRouter exchanges (real cassettes, tests/fixtures/billed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gate_consumer
from gate_consumer import Usage, usage_from_response
from gate_consumer.observed import TOLERANCE_SHARE
from refresher.cli import app

BILLED = Path(__file__).parent / "fixtures" / "billed"


# -- usage from a response, per API --------------------------------------------------------------

@pytest.mark.parametrize(("api", "body", "usage"), [
    # gpt-4o-audio-preview: audio in and out are parts of the totals
    ("openai-chat", {"usage": {
        "prompt_tokens": 1500, "completion_tokens": 900,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 1200, "text_tokens": 300},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 800, "text_tokens": 100}}},
     Usage(1500, 900, input_audio_tokens=1200, output_audio_tokens=800)),
    # the realtime shape: the cached audio is apart from the uncached audio
    ("openai-chat", {"usage": {
        "prompt_tokens": 2000, "completion_tokens": 10, "prompt_tokens_details": {
            "cached_tokens": 1000, "audio_tokens": 1500, "cached_tokens_details": {"audio_tokens": 900, "text_tokens": 100}}}},
     Usage(2000, 10, cache_read_tokens=1000, input_audio_tokens=600, cache_read_audio_tokens=900)),
    # the Images API (gpt-image-1): image prompt tokens, image output tokens
    ("openai-responses", {"usage": {
        "input_tokens": 300, "output_tokens": 4160, "input_tokens_details": {"text_tokens": 50, "image_tokens": 250},
        "output_tokens_details": {"image_tokens": 4160, "text_tokens": 0}}},
     Usage(300, 4160, input_image_tokens=250, output_image_tokens=4160)),
    # OpenRouter with an image-generating model: the images are part of the completion tokens
    ("openrouter", {"model": "google/gemini-2.5-flash-image", "usage": {
        "prompt_tokens": 12, "completion_tokens": 1300, "completion_tokens_details": {"image_tokens": 1290}}},
     Usage(12, 1300, output_image_tokens=1290)),
    # Gemini by modality: cached audio apart, video billed as text, an image generated
    ("gemini", {"usageMetadata": {
        "promptTokenCount": 5000, "cachedContentTokenCount": 2000, "candidatesTokenCount": 1400,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 500}, {"modality": "AUDIO", "tokenCount": 3000},
                                {"modality": "IMAGE", "tokenCount": 258}, {"modality": "VIDEO", "tokenCount": 1242}],
        "cacheTokensDetails": [{"modality": "AUDIO", "tokenCount": 2000}],
        "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 110}, {"modality": "IMAGE", "tokenCount": 1290}]}},
     Usage(5000, 1400, cache_read_tokens=2000, input_audio_tokens=1000, input_image_tokens=258,
           cache_read_audio_tokens=2000, output_image_tokens=1290)),
])
def test_usage_by_modality_is_read_from_each_apis_response(api: str, body: dict, usage: Usage) -> None:
    seen = usage_from_response(body, api)
    assert seen.usage == usage and seen.unrecognized == ()


@pytest.mark.parametrize(("api", "body", "usage"), [
    ("openai-chat", {"model": "gpt-4o", "usage": {
        "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
        "prompt_tokens_details": {"cached_tokens": 1000}, "completion_tokens_details": {"reasoning_tokens": 100}}},
     Usage(1200, 300, cache_read_tokens=1000, reasoning_tokens=100)),
    ("openai-responses", {"model": "gpt-5", "usage": {
        "input_tokens": 4020, "output_tokens": 5, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 4012},
        "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 4025}},
     Usage(4020, 5, cache_write_tokens=4012)),
    # Anthropic's input_tokens is the uncached part; the cache split says which writes last an hour
    ("anthropic", {"model": "claude-sonnet-4-5", "usage": {
        "input_tokens": 50, "cache_read_input_tokens": 2000, "cache_creation_input_tokens": 700,
        "cache_creation": {"ephemeral_5m_input_tokens": 200, "ephemeral_1h_input_tokens": 500},
        "output_tokens": 80, "service_tier": "standard"}},
     Usage(2750, 80, cache_read_tokens=2000, cache_write_tokens=200, cache_write_1h_tokens=500)),
    ("anthropic", {"usage": {"input_tokens": 50, "cache_creation_input_tokens": 700, "output_tokens": 8}},
     Usage(750, 8, cache_write_tokens=700)),  # no split: every write is a 5-minute one
    # Gemini counts thoughts apart from the candidates: both are output, the thoughts reasoning
    ("gemini", {"modelVersion": "gemini-2.5-pro", "usageMetadata": {
        "promptTokenCount": 900, "candidatesTokenCount": 100, "thoughtsTokenCount": 400,
        "cachedContentTokenCount": 600, "totalTokenCount": 1400}},
     Usage(900, 500, cache_read_tokens=600, reasoning_tokens=400)),
])
def test_usage_is_read_from_each_apis_response(api: str, body: dict, usage: Usage) -> None:
    seen = usage_from_response(body, api)
    assert seen.usage == usage and seen.unrecognized == ()


def test_a_field_it_cannot_price_is_reported_not_dropped() -> None:
    body = {"usage": {"prompt_tokens": 100, "completion_tokens": 20, "prompt_tokens_details": {"audio_tokens": 40},
                      "completion_tokens_details": {"accepted_prediction_tokens": 5, "reasoning_tokens": 0},
                      "mystery_tokens": 3, "total_tokens": 120}}
    seen = usage_from_response(body, "openai-chat")
    assert seen.unrecognized == ("usage.completion_tokens_details.accepted_prediction_tokens", "usage.mystery_tokens")
    assert seen.usage.input_audio_tokens == 40


def test_openrouter_carries_the_bill_the_upstream_and_a_stream_its_usage_last() -> None:
    stream = "\n".join([
        'data: {"id": "gen-1", "model": "anthropic/claude-sonnet-4.6", "choices": [{"delta": {"content": "Hi"}}]}',
        ": OPENROUTER PROCESSING",
        'data: {"id": "gen-1", "model": "anthropic/claude-sonnet-4.6", "provider": "Anthropic", "choices": [],'
        ' "usage": {"prompt_tokens": 260, "completion_tokens": 10, "cost": 0.00093, "is_byok": false}}',
        "data: [DONE]",
    ])
    seen = usage_from_response(stream, "openrouter")
    assert (seen.usage, seen.billed_usd, seen.upstream, seen.model) == (
        Usage(260, 10), 0.00093, "Anthropic", "anthropic/claude-sonnet-4.6")
    # with the caller's own key, what the upstream charged is the bill to check
    byok = {"usage": {"prompt_tokens": 10, "completion_tokens": 1, "cost": 0, "is_byok": True,
                      "cost_details": {"upstream_inference_cost": 0.0004}}}
    assert usage_from_response(byok, "openrouter").billed_usd == 0.0004


@pytest.mark.parametrize(("body", "message"), [
    ({"choices": []}, "the openrouter response has no usage"),
    ("data: {}\ndata: [DONE]", "the stream has no event with usage"),
])
def test_a_response_without_usage_is_an_error(body: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        usage_from_response(body, "openrouter")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown api 'grpc'"):
        usage_from_response({}, "grpc")


# -- a quote against a bill ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


SONNET = "openrouter/anthropic/claude-sonnet-4.6"


@pytest.mark.parametrize(("quote_over_bill", "verdict"), [
    (0.0, "agrees"),
    (TOLERANCE_SHARE * 0.99, "agrees"),  # the quote 1.98 % above the bill: inside the tolerance
    (TOLERANCE_SHARE * 1.01, "differs"),  # 2.02 %: outside
    (-TOLERANCE_SHARE * 0.99, "agrees"),
    (-TOLERANCE_SHARE * 1.01, "differs"),
])
def test_check_billed_verdicts_at_the_tolerance(catalog, quote_over_bill: float, verdict: str) -> None:
    usage = Usage(input_tokens=100_000, output_tokens=1_000)
    quoted = catalog.price(SONNET, usage).total_usd
    billed = quoted / (1 + quote_over_bill)
    check = catalog.check_billed(SONNET, usage, billed)
    assert check.verdict == verdict
    assert check.difference_usd == pytest.approx(quoted - billed)


@pytest.mark.parametrize(("target", "usage", "verdict", "reason"), [
    ("openrouter/no/such-model", Usage(10, 1), "unknown-model", "unknown model"),
    ("google/gemini-2.5-flash", Usage(10, 1, cache_write_tokens=5), "unpriced", "no cache_write price"),
    (SONNET, Usage(10, 1, cache_read_tokens=11), "invalid-usage", "cache_read_tokens 11 = 11 exceeds input_tokens 10"),
])
def test_check_billed_never_raises_for_what_a_response_can_bring(catalog, target: str, usage: Usage, verdict: str,
                                                                  reason: str) -> None:
    check = catalog.check_billed(target, usage, 0.001)
    assert (check.verdict, check.quote) == (verdict, None) and reason in check.reason


# -- faimeta observe -----------------------------------------------------------------------------

def _observe(*args: str) -> dict:
    result = CliRunner().invoke(app, ["observe", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# Every recorded response of the real-usage corpus (tests/fixtures/billed: 56 OpenRouter exchanges
# with the cost OpenRouter billed) that the catalog's quote does not reproduce within 1 %, and why.
# Each cause was checked against the response's own cost_details. Any other response must agree.
CORPUS_EXCEPTIONS = {
    # OpenRouter routed to an upstream that charges other than the list price
    "cassettes-test_ref_sibling_wire_contract-test_ref_sibling_wire_contract_qwen-nested-model.yaml#0":
        ("differs", "served by WandB"),
    "models-cassettes-test_openrouter-test_openrouter_thinking_false_profile_gated_model.yaml#0":
        ("differs", "served by AtlasCloud, whose price can differ from openrouter/z-ai/glm-4.6's list price; "
                    "the bill: prompt $9.6e-06 for 16 tokens (0.6 per 1M)"),
    # November 2025, at 0.05 / 0.20 per 1M (cost_details); the catalog's list price is newer and lower
    "models-cassettes-test_openai_responses-test_openai_responses_raw_cot_stream_openrouter.yaml#0":
        ("differs", "the bill: prompt $3.9e-06 for 78 tokens (0.05 per 1M), completion $7.4e-06 for 37 tokens (0.2 per 1M)"),
    # web search and the advisor tool are billed beside the tokens
    "models-cassettes-test_openrouter-test_openrouter_advisor_tool.yaml#0": ("differs", "web search"),
    "models-cassettes-test_openrouter-test_openrouter_advisor_tool_stream.yaml#0": ("differs", "web search"),
    "models-cassettes-test_openrouter-test_openrouter_web_search_annotations.yaml#0": ("differs", "web search"),
    "models-cassettes-test_openrouter-test_openrouter_web_search_annotations_stream.yaml#0": ("differs", "web search"),
    "models-cassettes-test_openrouter-test_openrouter_web_search_tool_usage.yaml#0": ("differs", "$0.01 beside the tokens"),
    "models-cassettes-test_openrouter-test_openrouter_web_search_tool_usage_stream.yaml#0": ("differs", "web search"),
    # a PDF parsed by OpenRouter's file parser: $0.002 beside the tokens, whose cost
    # (7.75e-06 + 0.00016 in cost_details) the quote reproduces
    "models-cassettes-test_openrouter-test_openrouter_file_annotation.yaml#0": ("differs", "$0.002 beside the tokens"),
    # Gemini's explicit cache: the same 2,161 tokens reported written and read, billed at the read
    # price plus five minutes of storage ($1 per 1M per hour) — no per-token price says that
    "models-openrouter-cassettes-test_cache-test_openrouter_cache_instructions_gemini_real_api.yaml#0":
        ("invalid-usage", "cache_read_tokens 2,161 + cache_write_tokens 2,161 = 4,322 exceeds input_tokens 2,168"),
    # the catalog publishes genai-prices' cache read 0.075 (newer than OpenRouter's own 0.03, which
    # went stale first: docs/provenance.md rule 2); the bill is at 0.03
    "models-openrouter-cassettes-test_cache-test_openrouter_cache_instructions_gemini_real_api.yaml#1":
        ("differs", "the bill: prompt $6.663e-05 for 2,167 tokens"),
    # models the catalog does not know: :free variants (issue 14) and one OpenRouter no longer lists
    "models-cassettes-test_openrouter-test_openrouter_stream_error.yaml#0":
        ("unknown-model", "unknown model 'openrouter/minimax/minimax-m2:free'"),
    "models-cassettes-test_openrouter-test_openrouter_stream_with_native_options.yaml#0":
        ("unknown-model", "unknown model 'openrouter/x-ai/grok-4'"),
    "models-cassettes-test_openrouter-test_openrouter_web_search_tool_full_params.yaml#0":
        ("unknown-model", "unknown model 'openrouter/google/gemini-3.6-flash'"),
    "models-cassettes-test_openrouter-test_openrouter_usage.yaml#0":
        ("no-cost", "neither the response nor the record carries a billed cost"),
}


def test_the_real_usage_corpus_is_priced_within_one_percent_or_explained() -> None:
    report = _observe(str(BILLED))
    observations = report["observations"]
    assert report["summary"]["responses"] == len(observations) == 56
    for o in observations:
        verdict, reason = CORPUS_EXCEPTIONS.get(o["where"], ("agrees", None))
        assert o["verdict"] == verdict, o
        if verdict == "agrees":  # within 1 %, or the bill's own rounding (OpenRouter's 1.13e-05)
            assert abs(o["difference_usd"]) <= max(0.01 * o["billed_usd"], 0.000002), o
        else:
            assert reason in o["reason"], o
    assert report["summary"]["verdicts"] == {"agrees": 40, "differs": 11, "invalid-usage": 1, "no-cost": 1,
                                             "unknown-model": 3}
    by_where = {o["where"]: o for o in observations}
    search = by_where["models-cassettes-test_openrouter-test_openrouter_web_search_tool_usage.yaml#0"]
    assert search["unrecognized"] == ["usage.server_tool_use_details"]
    assert search["difference_usd"] == pytest.approx(-0.01)  # ten searches at $0.001


def test_observe_reads_jsonl_lines_a_gateway_exports(tmp_path: Path) -> None:
    lines = tmp_path / "gate.jsonl"
    response = {"model": "claude-sonnet-4-5-20250929", "usage": {"input_tokens": 1000, "output_tokens": 100}}
    lines.write_text(json.dumps({"provider": "anthropic", "at": "2026-11-01T10:00:00Z", "response": response,
                                 "billed_usd": 0.0045}) + "\n")
    report = _observe(str(lines))
    (o,) = report["observations"]
    assert (o["offering"], o["tokens"], o["verdict"], o["at"]) == (
        "anthropic/claude-sonnet-4-5-20250929", {"input_tokens": 1000, "output_tokens": 100}, "agrees",
        "2026-11-01T10:00:00Z")  # 1,000 × $3 + 100 × $15 per 1M = $0.0045, the bill of the line


@pytest.mark.parametrize(("content", "message"), [
    ("not json\n", "gate.jsonl:1: not a JSON object"),
    ('{"response": {}}\n', "gate.jsonl:1: a line needs provider and response"),
])
def test_observe_names_the_line_it_cannot_read(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "gate.jsonl").write_text(content)
    result = CliRunner().invoke(app, ["observe", str(tmp_path / "gate.jsonl")])
    assert result.exit_code == 2 and message in result.output


# -- --record: observations as evidence ----------------------------------------------------------

def _line(at: str, billed: float) -> str:
    response = {"model": "claude-sonnet-4-5-20250929", "usage": {"input_tokens": 1000, "output_tokens": 100}}
    return json.dumps({"provider": "anthropic", "at": at, "response": response, "billed_usd": billed}) + "\n"


def _fact(root: Path, path: str, at: str = "2026-12-01") -> dict:
    result = CliRunner().invoke(app, ["show", "anthropic/claude-sonnet-4-5-20250929", "--root", str(root), "--at", at,
                                      "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["facts"][path]


def _status(root: Path, at: str = "2026-12-01") -> dict:
    result = CliRunner().invoke(app, ["status", "--root", str(root), "--provider", "anthropic", "--at", at, "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["providers"]
    return row


def test_a_recorded_bill_confirms_the_price_it_paid_and_status_shows_it_fresh(seeded_tree: Path, tmp_path: Path) -> None:
    assert (_fact(seeded_tree, "price.input")["freshness"], _fact(seeded_tree, "price.cache_read")["freshness"]) == \
        ("stale", "stale")  # Models.dev of July, five months on
    before = _status(seeded_tree)
    lines = tmp_path / "gate.jsonl"
    lines.write_text(_line("2026-11-30T10:00:00Z", 0.0045))  # yesterday, at the list price
    result = CliRunner().invoke(app, ["observe", str(lines), "--record", "--root", str(seeded_tree), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["summary"]["recorded"]["confirmed"] == 1
    from refresher.tree.store import load_tree

    sonnet = load_tree(seeded_tree).providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]
    for path in ("price.input", "price.output"):  # the facts the bill exercised
        assert {"source": "observed-usage", "as_of": "2026-11-30T10:00:00Z"} in sonnet["agreements"][path]
        fact = _fact(seeded_tree, path)
        assert (fact["freshness"], fact["confirmed_at"]) == ("fresh", "2026-11-30T10:00:00Z")
    assert _fact(seeded_tree, "price.cache_read")["freshness"] == "stale"  # not exercised: nothing learned
    assert sonnet["price"]["input"] == 3  # evidence never changes a value
    # status counts an offering fresh when every price fact is: its cache prices still are not
    assert _status(seeded_tree)["stale"] == before["stale"]
    again = CliRunner().invoke(app, ["observe", str(lines), "--record", "--root", str(seeded_tree)])
    assert again.exit_code == 0, again.output
    assert load_tree(seeded_tree).providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"] == sonnet


def test_a_bill_that_differs_is_a_disagreement_in_the_change_report(seeded_tree: Path, tmp_path: Path) -> None:
    from refresher.review.report import compare
    from refresher.tree.store import load_tree

    before = load_tree(seeded_tree)
    lines = tmp_path / "gate.jsonl"
    lines.write_text(_line("2026-11-30T10:00:00Z", 0.009))  # twice the list price
    result = CliRunner().invoke(app, ["observe", str(lines), "--record", "--root", str(seeded_tree), "--json"])
    assert result.exit_code == 0, result.output
    after = load_tree(seeded_tree)
    sonnet = after.providers["anthropic"]["offerings"]["claude-sonnet-4-5-20250929"]
    (observed,) = [d for d in sonnet["disagreements"]["price.input"] if d["source"] == "observed-usage"]
    assert observed["value"] == {"billed_usd": 0.009, "quoted_usd": 0.0045, "tokens": {"input_tokens": 1000,
                                                                                       "output_tokens": 100}}
    assert sonnet["price"]["input"] == 3
    report = compare(before, after)
    assert any(r.kind == "new-conflict" and "claude-sonnet-4-5-20250929" in r.subject for r in report.risks) or \
        any("claude-sonnet-4-5-20250929" in c.offering for c in report.new_conflicts)


def test_status_counts_an_offering_fresh_once_a_bill_confirmed_all_its_prices(seeded_tree: Path, tmp_path: Path) -> None:
    """OpenRouter's GPT-5.4 Pro has an input and an output price only: one agreeing bill confirms both."""
    before = CliRunner().invoke(app, ["status", "--root", str(seeded_tree), "--provider", "openrouter", "--at",
                                      "2026-12-01", "--json"])
    (row_before,) = json.loads(before.output)["providers"]
    response = {"model": "openai/gpt-5.4-pro", "usage": {"prompt_tokens": 1000, "completion_tokens": 100,
                                                         "cost": 0.048, "is_byok": False}}
    lines = tmp_path / "gate.jsonl"
    lines.write_text(json.dumps({"provider": "openrouter", "at": "2026-11-30T10:00:00Z", "response": response}) + "\n")
    result = CliRunner().invoke(app, ["observe", str(lines), "--record", "--root", str(seeded_tree)])
    assert result.exit_code == 0 and "1 confirmed" in result.output, result.output
    after = CliRunner().invoke(app, ["status", "--root", str(seeded_tree), "--provider", "openrouter", "--at",
                                     "2026-12-01", "--json"])
    (row_after,) = json.loads(after.output)["providers"]
    assert (row_after["fresh"], row_after["stale"]) == (row_before["fresh"] + 1, row_before["stale"] - 1)
