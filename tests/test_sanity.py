"""The plausibility bounds: the quick answer and the worded one always agree."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refresher.rules.sanity import (
    MAX_TOKEN_PRICE,
    MIN_TOKEN_PRICE,
    all_plausible,
    token_price_problems,
)

prices = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0, MIN_TOKEN_PRICE, MIN_TOKEN_PRICE * 0.99, MAX_TOKEN_PRICE, MAX_TOKEN_PRICE * 1.01, -1, 3, 15])
components = st.dictionaries(st.sampled_from(["input", "output", "cache_read", "reasoning", "image_output"]), prices,
                             max_size=3)
price_specs = st.builds(
    lambda own, tiers, batch, regions: {**own, **({"tiers": tiers} if tiers else {}),
                                       **({"batch": batch} if batch is not None else {}),
                                       **({"regions": regions} if regions else {})},
    components, st.lists(components.map(lambda c: {"above_input_tokens": 200_000, **c}), max_size=2),
    st.none() | components, st.dictionaries(st.sampled_from(["eu", "us"]), components.map(
        lambda c: {"multiplier": 1.1, **c}), max_size=2))


@given(price_specs)
def test_the_quick_check_and_the_problems_agree(price: dict) -> None:
    assert all_plausible(price) == (list(token_price_problems(price)) == [])


@pytest.mark.parametrize(("value", "plausible"), [
    (0, True), (MIN_TOKEN_PRICE, True), (MIN_TOKEN_PRICE * 0.99, False), (MAX_TOKEN_PRICE, True),
    (MAX_TOKEN_PRICE * 1.01, False), (-0.5, False), (math.nan, False), (math.inf, False),
])
def test_the_bounds(value: float, plausible: bool) -> None:
    assert all_plausible({"input": value}) is plausible
    assert all_plausible({"input": 3, "tiers": [{"above_input_tokens": 200_000, "input": value}]}) is plausible


# The jump guard holds at ×5 and beyond (Claude 3 Opus's 1-hour cache write went 30 → 6, exactly
# ×5, and was published when the guard was "more than ×5")
@pytest.mark.parametrize(("old", "new", "moved"), [
    (30, 6.0001, False),
    (30, 6, True),
    (6, 30, True),
    (30, 5.9, True),
    (1, 4.999, False),
    (0, 6, False),  # appearing from 0 is not a move
])
def test_the_jump_guard_holds_at_the_ratio_and_beyond(old: float, new: float, moved: bool) -> None:
    from refresher.rules.sanity import far_apart, moves_beyond

    assert moves_beyond(old, new, 5.0) is moved
    assert far_apart(old, new, 5.0) is (moved or (old == 0) != (new == 0))
