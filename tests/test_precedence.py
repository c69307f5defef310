"""Which value is published (refresher/run/verdict.py, freshness from refresher/run/precedence.py):
strength among the fresh statements, the vote, the most recent change — each branch, then
DeepInfra's own stale listing against a newer Models.dev, then the rule's properties over any
statements (hypothesis): the order they arrive in never matters, a repeated old value never
takes a price back."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from gate_consumer.provenance import FactProvenance
from refresher.run.payloads import Payload
from refresher.run.precedence import Standing, is_fresh
from refresher.run.refresh import run_refresh
from refresher.run.verdict import Statement, verdict
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

API, COMMUNITY = 1, 4  # ranks: provider-api is stronger than community-catalog
DAY = "2026-07-{:02d}T00:00:00Z"


def at(day: int) -> str:
    return DAY.format(day)


def _statement(source: str, value: object, standing: Standing) -> Statement:
    return Statement(value, FactProvenance(source, standing.changed_at), standing)


def _published(*statements: Statement, guarded: bool = False) -> object:
    instant = max(s.standing.latest for s in statements)
    winner = verdict("price.input", statements, instant, guarded=guarded, max_ratio=5).winner
    return winner.value if winner else None


@pytest.mark.parametrize(("case", "new", "current", "published"), [
    ("both fresh: the stronger wins", Standing(COMMUNITY, at(10), 14), Standing(API, at(8), 7), "current"),
    ("both fresh: a stronger newcomer wins", Standing(API, at(10), 7), Standing(COMMUNITY, at(8), 14), "new"),
    ("both fresh and equal: the newer wins", Standing(API, at(10), 7), Standing(API, at(8), 7), "new"),
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
    assert _published(_statement("a", "new", new), _statement("b", "current", current)) == published
    assert _published(_statement("b", "current", current), _statement("a", "new", new)) == published


def test_freshness_is_judged_at_the_latest_observation() -> None:
    old_strong, new_weak = Standing(API, at(1), 7), Standing(COMMUNITY, at(30), 14)
    assert _published(_statement("a", "old", old_strong), _statement("b", "new", new_weak)) == "new"
    assert is_fresh(old_strong, at(8)) and not is_fresh(old_strong, at(9))


@pytest.mark.parametrize(("said", "published"), [
    ({"a": 1, "b": 1, "c": 2}, 1),  # the value the most sources state, though c changed to its own last
    ({"a": 1, "b": 2}, 2),  # a tie: the most recent change
    ({"a": 1, "b": 5}, 1),  # a tie ×5 apart: held for review, the earlier value stays
    ({"a": 1, "b": 5, "c": 5}, 5),  # more sources say the new value: published
    ({"a": 0, "b": 5}, 5),  # replacing 0 is never held
])
def test_among_equals_the_vote_then_the_most_recent_change(said: dict, published: float) -> None:
    statements = [_statement(source, value, Standing(COMMUNITY, at(20), 14, changed=at(1 + i)))
                  for i, (source, value) in enumerate(said.items())]
    assert _published(*statements, guarded=True) == published


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


_VALUES = st.sampled_from([0, 0.5, 1, 1.2, 5, 6, 30])


@st.composite
def statements(draw) -> list[Statement]:
    """One to five sources, each with a value and a standing."""
    count = draw(st.integers(1, 5))
    return [_statement(f"s{i}", draw(_VALUES), draw(standings())) for i in range(count)]


@given(statements(), st.randoms(use_true_random=False), st.booleans())
def test_the_order_statements_arrive_in_never_matters(said: list[Statement], rng, guarded: bool) -> None:
    instant = max(s.standing.latest for s in said)
    shuffled = list(said)
    rng.shuffle(shuffled)
    one, other = (verdict("price.input", x, instant, guarded=guarded, max_ratio=5).winner for x in (said, shuffled))
    assert one == other


@given(standings(), standings(), st.integers(0, 100))
def test_a_source_repeating_an_older_value_never_takes_the_price_back(a: Standing, b: Standing, later: int) -> None:
    """Two sources of one strength, both fresh: B changed to its value after A changed to its
    own; A saying its old value again, any time later while B is still fresh, changes nothing."""
    a, b = a._replace(rank=COMMUNITY, fresh_days=14), b._replace(rank=COMMUNITY, fresh_days=14)
    if not a.changed_at < b.changed_at:
        return
    repeated = a._replace(latest=max(a.latest, b.latest, _instant(later)))
    if is_fresh(repeated, repeated.latest) and is_fresh(b, repeated.latest):
        assert _published(_statement("a", 1, repeated), _statement("b", 2, b)) == 2
