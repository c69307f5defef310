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


def test_a_price_has_one_freshness_on_every_surface() -> None:
    """`faimeta price` said "aging" (the input price alone) where the site's badge said "stale"
    (the worst of the offering's prices) and Gate's export another: one function judges a price
    at an instant — :meth:`Catalog.price_freshness` — and every surface asks it."""
    import json

    from typer.testing import CliRunner

    from gate_consumer import Catalog
    from gate_consumer.gate_entries import GATE_FRESHNESS, gate_pricing
    from gate_consumer.instants import parse_instant
    from refresher.cli import app

    catalog = Catalog.load(warm=False)
    offering = catalog.offering_by_key("aihubmix/gemini-3.1-pro-preview")
    now = "2026-12-06T12:00:00Z"
    assert catalog.freshness(offering, "price.input", now).freshness.value == "aging"  # the input price alone
    judged = catalog.price_freshness(offering, now)
    assert judged is not None and judged.value == "stale"  # a price it quotes is older
    said = CliRunner().invoke(app, ["price", offering.upstream_id, "--provider", "aihubmix", "--input", "1000",
                                    "--at", now, "--json"])
    assert said.exit_code == 0, said.output
    assert json.loads(said.output[said.output.index("{"):])["freshness"] == judged.value
    assert gate_pricing(catalog, offering, parse_instant(now))["freshness_status"] == GATE_FRESHNESS[judged]
