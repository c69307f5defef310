"""Resolving the ids a gateway meets, against the bundled snapshot of the committed catalog."""

from __future__ import annotations

import pytest

import gate_consumer
from gate_consumer import AmbiguousModelError, UnknownModelError


@pytest.fixture(scope="module")
def catalog() -> gate_consumer.Catalog:
    return gate_consumer.Catalog.load()


@pytest.mark.parametrize(
    ("name", "model", "matched_by", "offering"),
    [
        # the canonical id, and the model's own name without the vendor
        ("anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4.5", "model", None),
        ("claude-sonnet-4.5", "anthropic/claude-sonnet-4.5", "model", None),
        # dots vs dashes, and case
        ("claude-sonnet-4-5", "anthropic/claude-sonnet-4.5", "upstream-id", None),
        ("Claude-Sonnet-4.5", "anthropic/claude-sonnet-4.5", "model", None),
        ("CLAUDE_SONNET_4_5", "anthropic/claude-sonnet-4.5", "model+normalized", None),
        # a dated snapshot, folded into the model released that day
        ("claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4.5", "upstream-id", None),
        ("anthropic/claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4.5", "offering",
         "anthropic/claude-sonnet-4-5-20250929"),
        # provider prefixes
        ("openai/gpt-4o", "openai/gpt-4o", "model", None),
        ("openrouter/anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4.5", "offering",
         "openrouter/anthropic/claude-sonnet-4.5"),
        # cloud ids
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic/claude-sonnet-4.5", "upstream-id",
         "amazon-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("claude-sonnet-4-5@20250929", "anthropic/claude-sonnet-4.5", "upstream-id", None),
    ],
)
def test_every_id_form_resolves_to_one_model(catalog, name: str, model: str, matched_by: str, offering) -> None:
    resolution = catalog.resolve(name)
    assert resolution.model.id == model
    assert resolution.matched_by == matched_by
    assert (resolution.offering.key if resolution.offering else None) == offering
    assert any(o.provider == "anthropic" or o.provider == "openai" for o in resolution.offerings)


@pytest.mark.parametrize(
    ("name", "offering"),
    [
        ("claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"),
        ("anthropic/claude-sonnet-4.5", "anthropic/claude-sonnet-4-5"),
        ("claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4-5-20250929"),
        ("gpt-4o", "openai/gpt-4o"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "amazon-bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ],
)
def test_an_id_prices_on_the_offering_it_names_or_the_vendors_own(catalog, name: str, offering: str) -> None:
    assert catalog.pick_offering(name).key == offering


def test_a_provider_picks_that_providers_offering(catalog) -> None:
    assert catalog.pick_offering("claude-sonnet-4.5", provider="openrouter").key == "openrouter/anthropic/claude-sonnet-4.5"
    assert catalog.pick_offering("mistral-large-latest", provider="mistral").key == "mistral/mistral-large-latest"
    with pytest.raises(UnknownModelError, match="no-such-provider"):
        catalog.pick_offering("claude-sonnet-4.5", provider="no-such-provider")


@pytest.mark.parametrize(("name", "suggested"), [
    ("claude-sonet-4.5", "anthropic/claude-sonnet-4.5"),
    ("openruter/anthropic/claude-sonet-4.5", "anthropic/claude-sonnet-4.5"),  # a misspelt route prefix too
    ("openrouter/anthropic/claude-sonet-4.5", "anthropic/claude-sonnet-4.5"),
    ("openai/gpt-5-mimi", "openai/gpt-5-mini"),
])
def test_a_misspelt_id_suggests_the_model_meant(catalog, name: str, suggested: str) -> None:
    with pytest.raises(UnknownModelError) as err:
        catalog.resolve(name)
    assert suggested in err.value.suggestions[:3]


def test_an_unknown_id_raises_with_close_suggestions(catalog) -> None:
    with pytest.raises(UnknownModelError) as err:
        catalog.resolve("claude-sonet-4.5")
    assert "anthropic/claude-sonnet-4.5" in err.value.suggestions
    assert "did you mean" in str(err.value)
    with pytest.raises(UnknownModelError):
        catalog.resolve("")
    with pytest.raises(UnknownModelError) as err:
        catalog.resolve("zzzz-not-a-model-qqqq")
    assert err.value.suggestions == ()


def test_an_ambiguous_id_raises_listing_the_candidates(catalog) -> None:
    """Two models whose offerings share the upstream id, neither the vendor's own API."""
    with pytest.raises(AmbiguousModelError) as err:
        catalog.resolve("trinity-mini")
    assert err.value.candidates == ("arcee-ai/trinity-mini", "clarifai/trinity-mini")


def test_resolving_again_is_cached_and_hostile_names_do_not_grow_it_unbounded(catalog) -> None:
    first = catalog.resolve("claude-sonnet-4-5")
    assert catalog.resolve("claude-sonnet-4-5") is first
    with pytest.raises(UnknownModelError):
        catalog.resolve("x" * 10_000)


def test_pricing_a_model_only_resellers_offer_at_different_prices_needs_a_provider(catalog) -> None:
    with pytest.raises(AmbiguousModelError) as err:
        catalog.pick_offering("alibaba/qwen-2.5-coder-32b-instruct")
    assert err.value.candidates == ("kilo/qwen/qwen-2.5-coder-32b-instruct", "openrouter/qwen/qwen-2.5-coder-32b-instruct")
    assert catalog.pick_offering("alibaba/qwen-2.5-coder-32b-instruct", provider="openrouter").provider == "openrouter"


def test_resellers_at_the_very_same_price_are_no_guess(catalog) -> None:
    """Kilo resells OpenRouter's Jamba at OpenRouter's price: either prices the same."""
    picked = catalog.pick_offering("ai21/jamba-large-1.7")
    assert picked.key == "kilo/ai21/jamba-large-1.7"  # the first by key
    assert picked.price == catalog.offering("openrouter", "ai21/jamba-large-1.7").price


def test_a_repeated_unknown_id_gives_the_same_answer_from_memory(catalog) -> None:
    with pytest.raises(UnknownModelError) as first:
        catalog.resolve("gpt-4o-minii")
    assert catalog._resolver._unknown["gpt-4o-minii"]() == first.value.suggestions  # remembered, bounded
    with pytest.raises(UnknownModelError) as again:
        catalog.resolve("gpt-4o-minii")
    assert again.value.suggestions == first.value.suggestions and "openai/gpt-4o-mini" in first.value.suggestions


def test_deciding_an_id_is_unknown_does_not_search_for_suggestions_until_they_are_read() -> None:
    """Issue 28: the did-you-mean search (~480 µs) was paid by every new unknown id, though a
    gateway that catches the error never reads it; now the message or ``suggestions`` pays."""
    fresh = gate_consumer.Catalog.load(warm=False)  # a load's background warm-up would build it
    with pytest.raises(UnknownModelError) as unknown:
        fresh.resolve("gpt-4o-minii")
    assert fresh._resolver._words is None  # the word index suggestions need: not built
    assert "openai/gpt-4o-mini" in unknown.value.suggestions and "did you mean" in str(unknown.value)
    assert fresh._resolver._words is not None


def test_an_overlong_id_is_unknown_without_searching(catalog) -> None:
    with pytest.raises(UnknownModelError) as err:
        catalog.resolve("claude-" * 100)
    assert err.value.suggestions == () and len(err.value.name) == 80
    assert "claude-" * 100 not in catalog._resolver._unknown


def test_offering_keys_that_differ_only_in_case_are_both_found() -> None:
    from gate_consumer.names import NameIndex

    names = NameIndex({"v/a": {"offerings": ["p/Model", "q/other"]}, "v/b": {"offerings": ["p/model"], "aliases": ["x"]}})
    assert sorted(names.get("p/model")) == [("v/a", "p/Model"), ("v/b", "p/model")]
    assert sorted(names.get("model")) == [("v/a", "p/Model"), ("v/b", "p/model")]  # the upstream id of both
    assert names.get("other") == [("v/a", "q/other")] and names.get("x") == [("v/b", None)]
    assert names.get("nothing") is None
    assert dict(names.items())["v/a"] == [("v/a", None)]


def test_a_load_builds_the_resolving_indexes_off_the_request_thread() -> None:
    """Issue 28: the first id needing the loose index (case, dashes, a route prefix, a snapshot,
    an unknown id) built it on the request thread: 14–29 ms, and 39–102 ms for the first unknown
    id. A load now warms them in a background thread; a request meanwhile waits for them."""
    import threading

    loaded = gate_consumer.Catalog.load()
    warming = [t for t in threading.enumerate() if t.name == "gate-consumer-warm"]
    for thread in warming:
        thread.join(30)
    resolver = loaded._resolver
    assert resolver._exact is not None and resolver._loose is not None and resolver._words is not None
    assert loaded.resolve("CLAUDE_SONNET_4.5").model.id == "anthropic/claude-sonnet-4.5"  # the loose index


@pytest.mark.parametrize("form", ["claude-sonnet-4-5", "CLAUDE_SONNET_4_5", "claude_sonnet_4.5-20250929",
                                  "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20991231",
                                  "OpenRouter/Anthropic/Claude-Sonnet-4.5"])
def test_a_request_at_the_instant_of_load_builds_and_waits_for_no_index(form) -> None:
    """Issue 28: a request arriving as the load returned waited 56–68 ms for the index its form
    needed, which the load's background thread was building. The load now builds the names
    itself, and an id that differs only by case, dots or dashes is found through them (its
    respellings), so no request builds or waits for the suggestion indexes."""
    import threading

    fresh = gate_consumer.Catalog.load()
    assert fresh._resolver._exact is not None  # the load built the names before it returned
    building = [t for t in threading.enumerate() if t.name == "gate-consumer-warm"]
    answered: dict[str, object] = {}
    fresh._resolver._building["_loose"].acquire()  # the suggestion indexes cannot be built meanwhile
    try:
        request = threading.Thread(target=lambda: answered.update(resolution=fresh.resolve(form)))
        request.start()
        request.join(10)
        assert not request.is_alive(), "the request waited for an index the load had not built"
    finally:
        fresh._resolver._building["_loose"].release()
    for thread in building:
        thread.join(30)
    resolution = answered["resolution"]
    assert resolution.model.id == "anthropic/claude-sonnet-4.5"  # type: ignore[attr-defined]


def test_the_respellings_find_what_the_loose_index_finds(catalog) -> None:
    """The request path's loose lookup (:meth:`NameIndex.loose`) is the loose index, name by name."""
    from gate_consumer.names import NameIndex, loose_names

    names = NameIndex(catalog._records.index["models"])
    loose = loose_names(names)
    for normal, entries in loose.items():
        assert sorted(names.loose(normal), key=repr) == sorted(entries, key=repr), normal
    assert names.loose("no-such-model") is None


@pytest.mark.parametrize(("typed", "meant"), [
    ("gpt4o", "openai/gpt-4o"),
    ("gpt4omini", "openai/gpt-4o-mini"),
    ("claudesonnet45", "anthropic/claude-sonnet-4.5"),
    ("gemini25pro", "google/gemini-2.5-pro"),
    ("openai/gpt4o", "openai/gpt-4o"),
])
def test_an_id_typed_without_its_separators_suggests_the_model_first(catalog, typed, meant) -> None:
    """Issue 30: ``gpt4o`` suggested nothing — it shares no word with ``gpt-4o``."""
    with pytest.raises(UnknownModelError) as unknown:
        catalog.resolve(typed)
    assert unknown.value.suggestions[0] == meant
