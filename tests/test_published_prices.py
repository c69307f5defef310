"""Prices the committed catalog once published wrong (issue 26), each corrected by a rule and
held here on the catalog the recordings seed (``metadata/``, and the bundled snapshot built from
it): a regression names the rule that broke."""

from __future__ import annotations

import pytest

import gate_consumer
from refresher.rules.sanity import dearer_than_standard
from refresher.tree.store import load_tree
from tests.conftest import REPO


@pytest.fixture(scope="module")
def tree():
    return load_tree(REPO / "metadata")


def _offering(tree, key: str) -> dict:
    provider, _, upstream_id = key.partition("/")
    return tree.providers[provider]["offerings"][upstream_id]


def test_deepseek_chat_is_priced_as_litellm_now_counts_it(tree) -> None:
    """LiteLLM lists it twice (``deepseek-chat`` and ``deepseek/deepseek-chat``), one with a
    cache-write price of 0.0 for "not known": one statement now, where both were rejected and
    genai-prices' 0.27 / 1.10 of a price that ended in September 2025 stayed published."""
    price = _offering(tree, "deepseek/deepseek-chat")["price"]
    assert (price["input"], price["output"]) == (0.28, 0.42)
    quote = gate_consumer.Catalog.load().price("deepseek-chat", provider="deepseek", input_tokens=1_000_000,
                                               output_tokens=1_000_000, at="2026-12-07T12:00:00Z")
    assert quote.total_usd == pytest.approx(0.70)


@pytest.mark.parametrize("key", ["deepseek/deepseek-chat", "deepseek/deepseek-reasoner"])
def test_an_off_peak_price_above_the_standard_is_held_not_published(tree, key: str) -> None:
    """The off-peak output of 0.55 (the ended discount) is above today's standard output: a
    request at night would have cost more than by day. It stays visible as the disagreement of
    the source that states it."""
    offering = _offering(tree, key)
    assert "off_peak" not in offering["price"]
    (held,) = offering["disagreements"]["price.off_peak"]
    assert held["source"] == "genai-prices" and held["value"]["output"] == 0.55


@pytest.mark.parametrize(("price", "dimension", "why"), [
    ({"input": 0.28, "output": 0.42, "off_peak": {"input": 0.135, "output": 0.55}}, "off_peak",
     "off-peak output 0.55 is above the standard 0.42"),
    ({"input": 0.28, "output": 0.42, "off_peak": {"input": 0.14, "output": 0.42}}, "off_peak", None),  # equal: no discount, no harm
    ({"input": 1, "output": 4, "batch": {"input": 1.01, "output": 2}}, "batch", "batch input 1.01 is above the standard 1"),
    ({"input": 1, "output": 4, "flex": {"input": 0.5}}, "flex", None),
    ({"output": 4, "flex": {"input": 0.5}}, "flex", None),  # no standard input to compare with
    ({"input": 1, "output": 4, "cache_read": 0.01, "off_peak": {"input": 0.5, "cache_read": 0.1}}, "off_peak", None),
    ({"input": 1, "output": 4}, "batch", None),
])
def test_a_discount_dearer_than_the_standard_price(price: dict, dimension: str, why: str | None) -> None:
    assert dearer_than_standard(price, dimension) == why


def test_an_audio_price_thousands_of_times_the_text_price_is_held_not_published(tree) -> None:
    """gpt-4o-mini-transcribe's audio input at 3,000 per 1M from Portkey (the public price is 3):
    2,400× its text input, so held for review, kept as Portkey's disagreement (another source's
    value is published: LiteLLM's 1.25, the only fresh statement and still not the public 3, which
    only genai-prices states, four months earlier).
    gpt-4o-mini-realtime-preview's audio input of 100 gives way to genai-prices' 10, the public
    price."""
    offering = _offering(tree, "openai/gpt-4o-mini-transcribe")
    assert offering["price"].get("input_audio") != 3000
    assert {"source": "portkey", "value": 3000, "as_of": "2026-07-01T18:46:05Z"} in \
        offering["disagreements"]["price.input_audio"]
    assert _offering(tree, "openai/gpt-4o-mini-realtime-preview")["price"]["input_audio"] == 10


@pytest.mark.parametrize(("price", "name", "held"), [
    ({"input": 1.25, "input_audio": 3000}, "input_audio", True),
    ({"input": 2.5, "input_audio": 40}, "input_audio", False),  # gpt-4o audio: 16×
    ({"input": 1, "input_audio": 100}, "input_audio", False),  # ×100 exactly: the bound
    ({"input": 1, "input_audio": 100.01}, "input_audio", True),
    ({"output": 0.0023, "output_audio": 2.3}, "output_audio", True),  # a whisper model "generating audio"
    ({"output": 2.5, "image_output": 30}, "image_output", False),  # Gemini image output: 12×
    ({"input_audio": 3000}, "input_audio", False),  # no text price to hold it against
    ({"input": 0, "input_audio": 3}, "input_audio", False),  # free text: nothing to compare with
])
def test_a_media_price_against_the_text_price_of_its_direction(price: dict, name: str, held: bool) -> None:
    from refresher.rules.sanity import media_price_problem

    assert (media_price_problem(price, name) is not None) is held


@pytest.mark.parametrize("key", ["deepseek/deepseek-chat", "deepseek/deepseek-reasoner"])
def test_deepseeks_cache_read_moves_with_its_input_and_output(tree, key: str) -> None:
    """LiteLLM (2026-11-20) states 0.28 / 0.42 with a cache read of 0.028 — DeepSeek's public
    price; Models.dev and Portkey (2026-07-01) state an older row, 0.14 / 0.28 with 0.0028. Their
    input and output lost; their cache read, ×10 away, held LiteLLM's back under the old jump
    guard. A source whose standard prices are published is held only by more sources whose
    own standard prices agree: here none (verdict rule 5)."""
    offering = _offering(tree, key)
    assert (offering["price"]["input"], offering["price"]["output"], offering["price"]["cache_read"]) == \
        (0.28, 0.42, 0.028)
    disagreeing = {d["source"]: d["value"] for d in offering["disagreements"]["price.cache_read"]}
    assert disagreeing["modelsdev"] == disagreeing["portkey"] == 0.0028


def test_a_cache_read_several_credible_catalogs_agree_on_is_not_moved_by_one(tree) -> None:
    """The other side of the same rule: a cache read two catalogs state, whose input and output
    agree with the published ones, stays with them — one catalog alone, ×5 or more away, is held
    for review, though it is the only fresh one."""
    from gate_consumer.provenance import FactProvenance
    from refresher.run.precedence import Standing
    from refresher.run.verdict import Credit, Statement, verdict

    def said(source: str, value: float, at: str) -> Statement:
        return Statement(value, FactProvenance(source, at), Standing(4, at, 14))

    # the two older catalogs went stale: LiteLLM's is the only fresh statement
    statements = [said("modelsdev", 0.0036, "2026-07-01T00:00:00Z"), said("portkey", 0.0036, "2026-07-01T00:00:00Z"),
                  said("litellm", 0.044, "2026-11-20T00:00:00Z")]
    trusting_litellm = Credit(trusted="litellm")
    held = verdict("price.cache_read", statements, "2026-11-20T00:00:00Z", guarded=True, max_ratio=5,
                   credit=trusting_litellm)
    assert held.winner.value == 0.0036 and [s.source for s in held.held] == ["litellm"]
    discredited = Credit(trusted="litellm", discredited=frozenset({"modelsdev", "portkey"}))
    moved = verdict("price.cache_read", statements, "2026-11-20T00:00:00Z", guarded=True, max_ratio=5,
                    credit=discredited)
    assert moved.winner.source == "litellm"


@pytest.mark.parametrize("key", ["openai/davinci-002", "openai/babbage-002"])
def test_openais_completion_models_are_priced_as_openai_prices_them(tree, key: str) -> None:
    """davinci-002 was published at 6 / 2 (Langfuse's input, Portkey's output): LiteLLM lists
    OpenAI's completion models under ``text-completion-openai``, which mapped to nothing; now it
    states them, and with Portkey outvotes Langfuse (2 / 2 for davinci-002, 0.4 / 0.4 babbage)."""
    price = _offering(tree, key)["price"]
    expected = 2 if key.endswith("davinci-002") else 0.4
    assert (price["input"], price["output"]) == (expected, expected)
