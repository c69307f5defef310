"""Which value is published (refresher/run/precedence.py): strength among the fresh observations,
else the newest — each branch, then DeepInfra's own stale listing against a newer Models.dev."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from refresher.run.payloads import Payload
from refresher.run.precedence import Standing, is_fresh, takes_over
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

API, COMMUNITY = 1, 4  # ranks: provider-api is stronger than community-catalog
DAY = "2026-07-{:02d}T00:00:00Z"


def at(day: int) -> str:
    return DAY.format(day)


@pytest.mark.parametrize(("case", "new", "current", "published"), [
    ("both fresh: the stronger wins", Standing(COMMUNITY, at(10), 14), Standing(API, at(8), 7), "current"),
    ("both fresh: a stronger newcomer wins", Standing(API, at(10), 7), Standing(COMMUNITY, at(8), 14), "new"),
    ("both fresh and equal: the newer wins", Standing(API, at(10), 7), Standing(API, at(8), 7), "new"),
    ("equal at the same instant: the published value stays", Standing(COMMUNITY, at(10), 14),
     Standing(COMMUNITY, at(10), 14), "current"),
    ("the stronger went stale: the fresh newer value wins", Standing(COMMUNITY, at(30), 14),
     Standing(API, at(1), 7), "new"),
    ("a stale newcomer does not displace a fresh value", Standing(API, at(1), 7), Standing(COMMUNITY, at(30), 14),
     "current"),
    ("neither fresh (a type never fresh): the newest wins", Standing(5, at(20), None), Standing(6, at(10), None),
     "new"),
    ("neither fresh: an older one does not win", Standing(5, at(10), None), Standing(6, at(20), None), "current"),
    ("a review pins until it expires", Standing(API, at(30), 7), Standing(0, at(1), 90, at(31)), "current"),
    ("an expired review yields", Standing(API, at(30), 7), Standing(0, at(1), 90, at(20)), "new"),
    ("the window's last day is still fresh", Standing(COMMUNITY, at(15), 14), Standing(API, at(8), 7), "current"),
    ("one day past it is not", Standing(COMMUNITY, at(16), 14), Standing(API, at(8), 7), "new"),
])
def test_which_value_is_published(case: str, new: Standing, current: Standing, published: str) -> None:
    assert takes_over(new, current) is (published == "new")


def test_freshness_is_judged_at_the_later_observation_whatever_the_order() -> None:
    old_strong, new_weak = Standing(API, at(1), 7), Standing(COMMUNITY, at(30), 14)
    assert takes_over(new_weak, old_strong) and not takes_over(old_strong, new_weak)
    assert is_fresh(old_strong, at(8)) and not is_fresh(old_strong, at(9))


def test_a_stale_provider_listing_does_not_pin_an_older_price(empty_tree: Path) -> None:
    """DeepInfra's own listing of 2026-04-17 said 0.54/3.4 for Qwen3.5-397B; Models.dev of
    2026-07-01 says 0.45/3. Static precedence kept the April price; the newer one is published,
    and DeepInfra's stays visible as a disagreement."""
    deepinfra = (UPSTREAM / "deepinfra/models.json").read_bytes()
    modelsdev = gzip.decompress((UPSTREAM / "modelsdev/api-2026-07-01.json.gz").read_bytes())
    result = run_refresh(empty_tree, [Payload("deepinfra", (deepinfra,), "2026-04-17T00:00:00Z", "deepinfra"),
                                      Payload("modelsdev", (modelsdev,), "2026-07-01T16:40:28Z", "modelsdev")],
                         say=lambda _: None)
    assert result.ok, result.to_json()
    offering = load_tree(empty_tree).providers["deepinfra"]["offerings"]["Qwen/Qwen3.5-397B-A17B"]
    assert (offering["price"]["input"], offering["price"]["output"]) == (0.45, 3)
    assert offering["disagreements"]["price.input"] == [
        {"as_of": "2026-04-17T00:00:00Z", "source": "deepinfra", "value": 0.54}]
    assert "price_history" not in offering  # a source taking over is not a price change over time


def test_a_fresh_provider_listing_wins_over_the_catalog(empty_tree: Path) -> None:
    deepinfra = (UPSTREAM / "deepinfra/models.json").read_bytes()
    modelsdev = gzip.decompress((UPSTREAM / "modelsdev/api-2026-07-01.json.gz").read_bytes())
    run_refresh(empty_tree, [Payload("modelsdev", (modelsdev,), "2026-07-01T16:40:28Z", "modelsdev"),
                             Payload("deepinfra", (deepinfra,), "2026-07-03T00:00:00Z", "deepinfra")],
                say=lambda _: None)
    offering = load_tree(empty_tree).providers["deepinfra"]["offerings"]["Qwen/Qwen3.5-397B-A17B"]
    assert (offering["price"]["input"], offering["price"]["output"]) == (0.54, 3.4)
    assert offering["provenance"].get("fields", {}).get("price.input", offering["provenance"])["source"] == "deepinfra"


# -- the rule's properties, over any two statements ------------------------------------------

from datetime import datetime, timedelta, timezone  # noqa: E402

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_DAY0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _instant(days: int) -> str:
    return (_DAY0 + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def standings(draw) -> Standing:
    """A statement: its rank, when its source first said the value and when it last said it."""
    changed = draw(st.integers(0, 200))
    latest = changed + draw(st.integers(0, 200))
    return Standing(draw(st.integers(0, 5)), _instant(latest), draw(st.sampled_from([None, 7, 14, 30])),
                    changed=_instant(changed))


@given(standings(), standings())
def test_two_statements_never_both_win(a: Standing, b: Standing) -> None:
    assert not (takes_over(a, b) and takes_over(b, a))


@given(standings(), standings(), st.integers(0, 100))
def test_a_source_repeating_its_value_later_never_takes_it_back(a: Standing, b: Standing, later: int) -> None:
    """A, then B took over while A was still fresh, then A says the same value again (later,
    same first-said date): the outcome is B's, as it was (no oscillation from repetition). Had A
    been stale when B took over, A fresh again may win back: its value is the more recent change."""
    if not takes_over(b, a) or not is_fresh(a, b.latest):
        return
    repeated = a._replace(latest=_instant((datetime.fromisoformat(b.latest[:-1] + "+00:00") - _DAY0).days + later))
    if a.rank == b.rank and is_fresh(repeated, repeated.latest) and is_fresh(b, repeated.latest):
        assert not takes_over(repeated, b)
