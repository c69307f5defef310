"""Tokens by modality: audio and image input, cached audio, audio and image output — each at its
own price, billed as text only where the offering lists the modality and has no price of its own,
and an UnpricedError naming the modality otherwise (gate_consumer.pricing's docstring). Boundary
tables on small prices, then the issue's cases on the committed catalog."""

from __future__ import annotations

import json

import pytest

import gate_consumer
from gate_consumer import UnpricedError, Usage
from gate_consumer.pricing import PriceTable

# Gemini 2.5 Flash's shape: text 0.3 in / 2.5 out, audio 1.0 in, cache 0.03 text / 0.1 audio
FLASH = {"input": 0.3, "output": 2.5, "cache_read": 0.03, "input_audio": 1.0, "cache_read_audio": 0.1}
TEXT_AND_MEDIA = ("text", "image", "audio", "video")


def _quote(price: dict, usage: Usage, modalities: tuple[str, ...] = TEXT_AND_MEDIA, **kw):
    return PriceTable(price, "test", "2026-01-01T00:00:00Z", modalities).quote("acme/m", usage, "v", **kw)


def _components(quote) -> dict[str, tuple[int, float]]:
    return {component: (tokens, round(usd, 9)) for component, tokens, usd in quote.breakdown}


# -- input -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("usage", "components"), [
    # 1,000 prompt tokens of which 400 audio: 600 text at 0.3, 400 audio at 1.0
    (Usage(1000, input_audio_tokens=400),
     {"input": (600, 0.00018), "input_audio": (400, 0.0004)}),
    # every prompt token audio: no text input at all
    (Usage(1000, input_audio_tokens=1000), {"input_audio": (1000, 0.001)}),
    # 500 cached, 200 of them audio: 300 text reads at 0.03, 200 audio reads at 0.1
    (Usage(1000, cache_read_tokens=500, cache_read_audio_tokens=200, input_audio_tokens=100),
     {"input": (400, 0.00012), "cache_read": (300, 0.000009), "input_audio": (100, 0.0001),
      "cache_read_audio": (200, 0.00002)}),
])
def test_audio_input_is_charged_at_its_own_price(usage: Usage, components: dict) -> None:
    quote = _quote(FLASH, usage)
    assert _components(quote) == components
    assert quote.total_usd == pytest.approx(sum(usd for _, usd in components.values()))
    assert quote.billed_as_text == ()


def test_text_only_usage_is_priced_as_before() -> None:
    assert _components(_quote(FLASH, Usage(1000, 100))) == {"input": (1000, 0.0003), "output": (100, 0.00025)}


@pytest.mark.parametrize(("price", "modalities", "usage", "billed_as_text", "usd"), [
    # image input, no image price, image listed: the input price (every vision API bills it so)
    ({"input": 2.0, "output": 8.0}, ("text", "image"), Usage(1000, input_image_tokens=800), ("image",), 0.002),
    # its own image price wins over the text rate
    ({"input": 2.0, "output": 8.0, "input_image": 5.0}, ("text", "image"), Usage(1000, input_image_tokens=800),
     (), 0.0004 + 0.004),
    # audio listed without an audio price (Gemini 2.5 Pro: one price for every input), cached audio too
    ({"input": 1.25, "output": 10.0, "cache_read": 0.125}, ("text", "audio"),
     Usage(1000, cache_read_tokens=400, cache_read_audio_tokens=400, input_audio_tokens=600), ("audio",),
     600 * 1.25 / 1e6 + 400 * 0.125 / 1e6),
])
def test_a_listed_input_modality_without_its_own_price_is_billed_as_text_and_says_so(
        price: dict, modalities: tuple, usage: Usage, billed_as_text: tuple, usd: float) -> None:
    quote = _quote(price, usage, modalities)
    assert quote.billed_as_text == billed_as_text
    assert quote.total_usd == pytest.approx(usd)
    assert quote.as_dict()["billed_as_text"] == list(billed_as_text)


@pytest.mark.parametrize(("modalities", "usage", "message"), [
    (("text",), Usage(100, input_image_tokens=10), "no input_image price, and the request has 10 input_image tokens"),
    ((), Usage(100, input_audio_tokens=10), "no input_audio price, and the request has 10 input_audio tokens"),
    (("text",), Usage(100, cache_read_tokens=10, cache_read_audio_tokens=10), "no cache_read_audio price"),
])
def test_an_unlisted_input_modality_without_a_price_is_unpriced_never_a_silent_text_rate(
        modalities: tuple, usage: Usage, message: str) -> None:
    with pytest.raises(UnpricedError, match=message):
        _quote({"input": 2.0, "output": 8.0, "cache_read": 0.2}, usage, modalities)


def test_cached_audio_has_no_text_fallback_when_audio_has_a_price_of_its_own() -> None:
    """An audio price says audio is not text: its cache reads are not text reads either."""
    with pytest.raises(UnpricedError, match="no cache_read_audio price"):
        _quote({"input": 0.3, "output": 2.5, "cache_read": 0.03, "input_audio": 1.0},
               Usage(100, cache_read_tokens=50, cache_read_audio_tokens=50))


# -- output ----------------------------------------------------------------------------------------

# Gemini 2.5 Flash Image: text output 2.5, image output 30
FLASH_IMAGE = {"input": 0.3, "output": 2.5, "image_output": 30.0}


@pytest.mark.parametrize(("usage", "components"), [
    # one 1,290-token image and 100 tokens of text: each at its rate
    (Usage(10, 1390, output_image_tokens=1290),
     {"input": (10, 0.000003), "output": (100, 0.00025), "image_output": (1290, 0.0387)}),
    # text only: never the image rate
    (Usage(10, 100), {"input": (10, 0.000003), "output": (100, 0.00025)}),
    # reasoning without a reasoning price is output; images apart
    (Usage(10, 1490, reasoning_tokens=100, output_image_tokens=1290),
     {"input": (10, 0.000003), "output": (200, 0.0005), "image_output": (1290, 0.0387)}),
])
def test_text_and_image_output_are_separate_prices(usage: Usage, components: dict) -> None:
    assert _components(_quote(FLASH_IMAGE, usage)) == components


@pytest.mark.parametrize(("usage", "component"), [
    (Usage(10, 100, output_image_tokens=50), "image_output"),
    (Usage(10, 100, output_audio_tokens=50), "output_audio"),
])
def test_generated_media_never_falls_back_to_the_text_output_price(usage: Usage, component: str) -> None:
    with pytest.raises(UnpricedError, match=f"no {component} price, and the request has 50 {component} tokens"):
        _quote({"input": 0.3, "output": 2.5}, usage, ("text", "image", "audio"))


def test_output_audio_at_its_price() -> None:
    quote = _quote({"input": 2.5, "output": 10.0, "input_audio": 40.0, "output_audio": 80.0},
                   Usage(1000, 500, input_audio_tokens=1000, output_audio_tokens=400))
    assert _components(quote) == {"input_audio": (1000, 0.04), "output": (100, 0.001), "output_audio": (400, 0.032)}


# -- the dimensions still stack ------------------------------------------------------------------

def test_a_context_tier_applies_to_the_modalities_it_states_and_keeps_the_others() -> None:
    price = {**FLASH, "tiers": [{"above_input_tokens": 200_000, "input": 0.6, "input_audio": 2.0}]}
    quote = _quote(price, Usage(300_000, input_audio_tokens=100_000))
    assert quote.tier == 200_000
    assert _components(quote) == {"input": (200_000, 0.12), "input_audio": (100_000, 0.2)}


def test_a_region_multiplier_multiplies_modality_prices_too() -> None:
    price = {**FLASH, "regions": {"eu": {"multiplier": 1.1}}}
    quote = _quote(price, Usage(1000, input_audio_tokens=1000), region="eu")
    assert quote.total_usd == pytest.approx(0.0011)


# -- on the committed catalog --------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


def test_gemini_flash_audio_is_not_priced_at_the_text_rate(catalog) -> None:
    """The issue's largest class: audio input priced as text (0.3 instead of 1.0 per 1M)."""
    usage = Usage(input_tokens=20_000, output_tokens=500, input_audio_tokens=18_000)
    quote = catalog.price("google/gemini-2.5-flash", usage, provider="google")
    assert dict((c, t) for c, t, _ in quote.breakdown) == {"input": 2_000, "input_audio": 18_000, "output": 500}
    assert quote.total_usd == pytest.approx((2_000 * 0.3 + 18_000 * 1.0 + 500 * 2.5) / 1e6)


def test_gemini_image_model_charges_text_output_at_the_text_rate(catalog) -> None:
    quote = catalog.price("google/gemini-2.5-flash-image", Usage(100, 1390, output_image_tokens=1290),
                          provider="google")
    assert dict((c, t) for c, t, _ in quote.breakdown)["output"] == 100
    assert quote.total_usd == pytest.approx((100 * 0.3 + 100 * 2.5 + 1290 * 30) / 1e6)


def test_an_image_in_a_claude_prompt_is_billed_as_text_because_claude_lists_image_input(catalog) -> None:
    quote = catalog.price("anthropic/claude-sonnet-4-5", Usage(2000, 10, input_image_tokens=1500),
                          provider="anthropic")
    assert quote.billed_as_text == ("image",)
    assert quote.total_usd == pytest.approx((2000 * 3 + 10 * 15) / 1e6)


def test_asking_an_offering_for_its_price_table_first_changes_no_quote() -> None:
    """``Offering.table()`` is public; the table it compiles (without the modalities the catalog
    knows) must not become the one the catalog quotes from (a fresh catalog: nothing cached)."""
    catalog = gate_consumer.Catalog.load()
    sonnet = catalog.pick_offering("anthropic/claude-sonnet-4-5", "anthropic")
    sonnet.table()
    quote = catalog.price(sonnet, input_tokens=2000, output_tokens=10, input_image_tokens=1500)
    assert quote.billed_as_text == ("image",)
    assert quote.total_usd == pytest.approx((2000 * 3 + 10 * 15) / 1e6)


def test_faimeta_price_takes_modality_counts_and_says_what_was_billed_as_text() -> None:
    from typer.testing import CliRunner

    from refresher.cli import app

    runner = CliRunner()
    audio = runner.invoke(app, ["price", "google/gemini-2.5-flash", "--provider", "google", "--input", "20000",
                                "--input-audio", "18000", "--output", "500", "--json"])
    assert audio.exit_code == 0, audio.output
    assert {c["component"]: c["tokens"] for c in json.loads(audio.output)["breakdown"]} == {
        "input": 2000, "output": 500, "input_audio": 18000}
    image = runner.invoke(app, ["price", "claude-sonnet-4-5", "--input", "2000", "--input-image", "1500"])
    assert image.exit_code == 0 and "image billed as text" in image.output


# DeepSeek V4 Pro's off-peak hours on a weekday are 00:00-01:00, 04:00-06:00 and 10:00-24:00 UTC
# (2026-12-07 is a Monday): the refusal names the price it looked for
@pytest.mark.parametrize(("at", "which"), [
    ("2026-12-07T05:59:59Z", "no input_audio price off-peak,"),
    ("2026-12-07T06:00:00Z", "no input_audio price,"),
    ("2026-12-07T09:59:59Z", "no input_audio price,"),
    ("2026-12-07T10:00:00Z", "no input_audio price off-peak,"),
])
def test_faimeta_price_refuses_audio_for_a_model_without_audio_input_at_any_hour(at: str, which: str) -> None:
    from typer.testing import CliRunner

    from refresher.cli import app

    refused = CliRunner().invoke(app, ["price", "deepseek-v4-pro", "--provider", "deepseek", "--input", "100",
                                       "--input-audio", "10", "--at", at])
    assert refused.exit_code == 2, refused.output
    assert f"{which} and the request has 10 input_audio tokens (it lists no audio input" in refused.output
