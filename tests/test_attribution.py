"""Issue 30, point 3: each priced component of a quote names its own source and dates.

``faimeta price gpt-4o`` said "price from litellm … as of 2026-06-02": LiteLLM's name with the
date Models.dev first said the price; a quote whose tiers, service tier or region came from
another source named the input price's source for all of it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import gate_consumer
from refresher.cli import app


@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    """The bundled snapshot: the committed catalog, as Gate reads it."""
    return gate_consumer.Catalog.load(warm=False)


@pytest.mark.parametrize(
    ("model", "provider", "options", "expected"),
    [
        # the base price: every component its own fact; the date the source said it, and the
        # earlier one a source agreeing with it did
        ("gpt-4o", "openai", {"cache_read_tokens": 200},
         [("input", "price.input", "litellm", "2026-07-01", "2026-06-02"),
          ("cache_read", "price.cache_read", "litellm", "2026-07-01", "2026-06-02"),
          ("output", "price.output", "litellm", "2026-07-01", "2026-06-02")]),
        # above 200,000 tokens the context tier prices both, and another source states the tiers
        ("gemini-2.5-pro", "google", {"input_tokens": 300_000},
         [("input", "price.tiers", "langfuse", "2026-07-01", "2026-06-02"),
          ("output", "price.tiers", "langfuse", "2026-07-01", "2026-06-02")]),
        ("gpt-5", "openai", {"service_tier": "flex"},
         [("input", "price.flex", "litellm", "2026-07-01", "2026-07-01"),
          ("output", "price.flex", "litellm", "2026-07-01", "2026-07-01")]),
        ("gpt-4.1", "azure", {"region": "data-zone"},
         [("input", "price.regions", "azure-retail-prices", "2025-08-16", "2025-08-16"),
          ("output", "price.regions", "azure-retail-prices", "2025-08-16", "2025-08-16")]),
        ("deepseek-v4-pro", "deepseek", {"at": "2026-12-01T17:00:00Z"},
         [("input", "price.off_peak", "litellm", "2026-11-20", "2026-11-20"),
          ("output", "price.off_peak", "litellm", "2026-11-20", "2026-11-20")]),
        # audio at its own price: its own fact, which no other source confirms
        ("gpt-4o-mini-transcribe", "openai", {"input_audio_tokens": 800},
         [("input", "price.input", "litellm", "2026-07-01", "2026-07-01"),
          ("output", "price.output", "litellm", "2026-07-01", "2026-07-01"),
          ("input_audio", "price.input_audio", "litellm", "2026-07-01", "2026-07-01")]),
    ],
)
def test_each_component_names_its_own_fact_source_and_dates(catalog, model, provider, options, expected) -> None:
    counts = {"input_tokens": 1000, "output_tokens": 10, **options}
    quote = catalog.price(model, provider=provider, **counts)
    said = catalog.attribution(quote)
    assert [(s.component, s.fact, s.source, s.said_at[:10], s.held_since[:10]) for s in said] == expected
    assert [s.component for s in said] == [c for c, _, _ in quote.breakdown]


def test_a_price_that_held_then_names_the_history_entry(catalog) -> None:
    historical = []
    for offering in sorted(catalog._records.iter_offerings(), key=lambda o: o.key):
        for entry in offering.record.get("price_history", ()):
            if entry["price"].get("input") is not None and offering.price_anchor is not None:
                quote = catalog.price(offering, input_tokens=1000, at=entry["as_of"])
                if quote.historical:
                    historical.append((quote, entry))
    assert len(historical) > 100  # 466 offerings carry a history
    for quote, entry in historical:
        (said,) = catalog.attribution(quote)
        assert (said.fact, said.source, said.said_at) == ("price_history", entry["source"], entry["as_of"])


def test_a_snapshot_priced_via_another_offering_names_that_ones_sources(catalog) -> None:
    snapshot = catalog.offering_by_key("cloudflare-ai-gateway/deepseek/deepseek-chat:free")
    quote = catalog.price(snapshot, input_tokens=10)
    assert quote.priced_via == "cloudflare-ai-gateway/deepseek/deepseek-chat"
    (said,) = catalog.attribution(quote)
    assert said.source == catalog.offering_by_key(quote.priced_via).provenance("price.input").source


def test_faimeta_price_prints_each_components_source(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # the bundled snapshot
    runner = CliRunner()
    result = runner.invoke(app, ["price", "gpt-4o", "--provider", "openai", "--input", "1000", "--output", "10"])
    assert result.exit_code == 0, result.output
    assert "litellm, 2026-07-01; held since 2026-06-02; 4 agree" in result.output
    assert "as of 2026-06-02" not in result.output  # a date in another source's name
    data = json.loads(runner.invoke(app, ["price", "gpt-4o", "--provider", "openai", "--input", "1000",
                                          "--json"]).output)
    assert data["components"][0] == {"component": "input", "fact": "price.input", "source": "litellm",
                                     "said_at": "2026-07-01T02:29:00Z", "held_since": "2026-06-02T04:24:00Z",
                                     "agreeing": ["genai-prices", "langfuse", "modelsdev", "portkey"]}


def test_an_offering_that_lost_its_price_is_priced_at_the_price_it_had(catalog) -> None:
    """Noticed this session: ten offerings whose price a source stopped stating keep a history,
    but a request of that time could not be priced — the current table, which they lack, was
    asked for before the history."""
    lost = [o for o in catalog._records.iter_offerings() if o.price_anchor is None and o.record.get("price_history")]
    assert len(lost) >= 5
    for offering in lost:
        entry = offering.record["price_history"][-1]
        if entry["price"].get("input") is None:
            continue
        quote = catalog.price(offering, input_tokens=1000, at=entry["as_of"])
        assert quote.historical and quote.price_source == entry["source"]
        assert quote.total_usd == pytest.approx(entry["price"]["input"] * 1000 / 1e6)
        with pytest.raises(gate_consumer.UnpricedError, match="no token price"):
            catalog.price(offering, input_tokens=1000)  # now: still none
