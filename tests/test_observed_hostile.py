"""The consumer's documented exceptions are the only ones (issue 27, point 5): a response body
of any shape gives a usage or a ``ValueError`` naming the rule — never an OverflowError,
RecursionError or AttributeError, never a bill that is not a finite, non-negative number — and
``Catalog.check_billed`` answers a verdict for anything, ``no-bill`` when there is no bill."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate_consumer import Catalog
from gate_consumer.observed import APIS, usage_from_response
from gate_consumer.pricing import Usage

CATALOG = Catalog.load()


@pytest.mark.parametrize(("body", "rule"), [
    ('{"usage": {"prompt_tokens": Infinity, "completion_tokens": 1}}', "finite"),
    ('{"usage": {"prompt_tokens": 1e999, "completion_tokens": 1}}', "finite"),
    ('{"usage": {"prompt_tokens": 1e300, "completion_tokens": 1}}', "more tokens"),
    ("[" * 100_000 + "]" * 100_000, "nests"),
    ('{"a":' * 100_000 + "1" + "}" * 100_000, "nests"),
    (None, "not a JSON object"),
    ([{"usage": {}}], "not a JSON object"),
    (7, "not a JSON object"),
    (b"\xff\xfe", "UTF-8"),
], ids=["Infinity", "1e999", "1e300", "deep list", "deep object", "None", "a list", "an int", "not UTF-8"])
def test_a_hostile_body_is_a_value_error_naming_the_rule(body: object, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        usage_from_response(body, "openai-chat")  # type: ignore[arg-type]


@pytest.mark.parametrize("cost", ["NaN", "Infinity", "-Infinity", "-5", "1e999"])
def test_a_bill_that_is_not_a_price_is_no_bill(cost: str) -> None:
    body = f'{{"usage": {{"prompt_tokens": 10, "completion_tokens": 5, "cost": {cost}}}}}'
    found = usage_from_response(body, "openrouter")
    assert found.billed_usd is None and "usage.cost" in found.unrecognized


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["usage", "usageMetadata", "prompt_tokens", "completion_tokens", "cost", "is_byok",
                         "cost_details", "prompt_tokens_details", "cached_tokens", "input_tokens", "output_tokens",
                         "promptTokenCount", "candidatesTokenCount", "cache_read_input_tokens", "model"]),
        inner, max_size=5),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(body=JSON, api=st.sampled_from(APIS), as_text=st.booleans())
def test_any_body_gives_a_usage_or_a_value_error(body: object, api: str, as_text: bool) -> None:
    try:
        found = usage_from_response(json.dumps(body) if as_text else body, api)  # type: ignore[arg-type]
    except ValueError:
        return
    assert found.billed_usd is None or (math.isfinite(found.billed_usd) and found.billed_usd >= 0)
    assert all(isinstance(n, int) and n >= 0 for n in found.usage)


def test_no_bill_is_a_verdict() -> None:
    check = CATALOG.check_billed("deepseek-chat", Usage(1000, 100), None, provider="deepseek")  # type: ignore[arg-type]
    assert check.verdict == "no-bill" and check.quote is not None and check.difference_usd is None


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(-(10**400), 10**400) | st.floats(), min_size=2, max_size=4),
       billed=st.none() | st.floats() | st.integers(-(10**400), 10**400))
def test_check_billed_never_raises(counts: list, billed: object) -> None:
    usage = Usage(*counts)
    check = CATALOG.check_billed("deepseek-chat", usage, billed, provider="deepseek")  # type: ignore[arg-type]
    assert check.verdict in ("agrees", "differs", "unpriced", "unknown-model", "invalid-usage", "no-bill")
