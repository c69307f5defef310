from hypothesis import given
from hypothesis import strategies as st

from gate_consumer.provenance import FactProvenance, decode_provenance, encode_provenance

paths = st.sampled_from(["name", "status", "price.input", "price.output", "price.tiers", "limits.context"])
provenances = st.builds(
    FactProvenance,
    source=st.sampled_from(["modelsdev", "openrouter", "manual"]),
    as_of=st.sampled_from(["2026-07-01T16:40:28Z", "2026-07-17T18:02:00Z"]),
    ref=st.none() | st.just("https://example.test/models"),
    expires=st.none() | st.just("2026-12-01T00:00:00Z"),
    by=st.none() | st.just("") | st.just("Rita Reviewer <rita@example.test>"),
)
fact_maps = st.dictionaries(paths, provenances, min_size=1)


@given(fact_maps)
def test_encode_decode_round_trip(facts: dict[str, FactProvenance]) -> None:
    encoded = encode_provenance(facts)
    assert decode_provenance(encoded, facts) == facts


@given(fact_maps)
def test_encoding_is_canonical(facts: dict[str, FactProvenance]) -> None:
    encoded = encode_provenance(facts)
    assert encode_provenance(decode_provenance(encoded, facts)) == encoded
    assert encode_provenance(dict(reversed(list(facts.items())))) == encoded


def test_default_is_the_most_common_and_exceptions_are_few() -> None:
    a = FactProvenance("modelsdev", "2026-07-01T16:40:28Z")
    b = FactProvenance("openrouter", "2026-07-17T18:02:00Z")
    encoded = encode_provenance({"name": a, "price.input": b, "price.output": b})
    assert encoded == {
        "source": "openrouter",
        "as_of": "2026-07-17T18:02:00Z",
        "fields": {"name": {"source": "modelsdev", "as_of": "2026-07-01T16:40:28Z"}},
    }


def test_provenance_for_an_absent_fact_is_an_error() -> None:
    encoded = {"source": "modelsdev", "as_of": "2026-07-01T16:40:28Z", "fields": {"price.input": {"source": "x", "as_of": "2026-07-01T16:40:28Z"}}}
    try:
        decode_provenance(encoded, ["name"])
    except KeyError as exc:
        assert "price.input" in str(exc)
    else:
        raise AssertionError("a dangling exception was accepted")
