from datetime import datetime, timedelta, timezone

import pytest

from gate_consumer.freshness import Freshness, FreshnessPolicy, compute_freshness

CONFIRMED = datetime(2026, 7, 17, 18, 2, tzinfo=timezone.utc)
POLICY = FreshnessPolicy(fresh_days=7, stale_days=30)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(0), Freshness.FRESH),
        (timedelta(days=7), Freshness.FRESH),
        (timedelta(days=7, seconds=1), Freshness.AGING),
        (timedelta(days=30), Freshness.AGING),
        (timedelta(days=30, seconds=1), Freshness.STALE),
        (timedelta(days=129), Freshness.STALE),
    ],
)
def test_age_boundaries(age: timedelta, expected: Freshness) -> None:
    got = compute_freshness(source_type="provider-api", confirmed_at=CONFIRMED, now=CONFIRMED + age, policy=POLICY)
    assert got is expected


def test_conflict_outranks_age_and_manual_outranks_conflict() -> None:
    now = CONFIRMED + timedelta(days=1)
    assert compute_freshness(source_type="provider-api", confirmed_at=CONFIRMED, now=now, policy=POLICY, conflict=True) is Freshness.CONFLICT
    expires = now + timedelta(days=1)
    assert compute_freshness(source_type="manual-review", confirmed_at=CONFIRMED, now=now, policy=POLICY, expires=expires, conflict=True) is Freshness.MANUAL


def test_an_expired_review_ages_like_any_fact() -> None:
    now = CONFIRMED + timedelta(days=40)
    got = compute_freshness(source_type="manual-review", confirmed_at=CONFIRMED, now=now, policy=POLICY, expires=now - timedelta(days=1))
    assert got is Freshness.STALE


def test_no_policy_is_untracked() -> None:
    assert compute_freshness(source_type="observed-usage", confirmed_at=CONFIRMED, now=CONFIRMED, policy=None) is Freshness.UNTRACKED


def test_policy_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        FreshnessPolicy(fresh_days=30, stale_days=7)
