"""Freshness: how far a fact can be trusted today, computed from dates, never stored.

A fact's status is derived from its source type's policy (``metadata/sources.json``), the
time its source last confirmed it, and "now". Recomputing it at read time is the point: a
stored "fresh" that nobody recomputes is a lie.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import Enum
from typing import NamedTuple

__all__ = ["SOURCE_RANK", "SOURCE_TYPES", "WORST_FIRST", "Freshness", "FreshnessPolicy", "compute_freshness", "relative_source_type", "worst"]

#: Source types in precedence order, strongest first (DESIGN.md, "Facts, provenance and freshness").
#: ``aggregator-offer`` and ``observed-usage`` are evidence only: they never override a list price.
SOURCE_TYPES: tuple[str, ...] = (
    "manual-review",
    "provider-api",
    "provider-pricing",
    "provider-docs",
    "community-catalog",
    "aggregator-offer",
    "observed-usage",
)


#: A type's strength for precedence (lower is stronger): an official price list
#: (``provider-pricing``) ranks with the provider's own API.
SOURCE_RANK: dict[str, int] = {kind: i for i, kind in enumerate(SOURCE_TYPES)} | {
    "provider-pricing": SOURCE_TYPES.index("provider-api")}


class Freshness(str, Enum):
    """How far a fact can be trusted today, from its age and its source's policy: ``fresh``,
    ``aging``, ``stale``; ``untracked`` (its source type has no policy), ``conflict`` (sources
    disagree and none outranks the others), ``manual`` (a review pins it), ``provisional``. A
    ``str``: ``Freshness.STALE == "stale"``, and ``.value`` prints as the CLI and the site say it."""

    FRESH = "fresh"
    AGING = "aging"
    STALE = "stale"
    UNTRACKED = "untracked"
    CONFLICT = "conflict"
    MANUAL = "manual"
    #: an offering created from two catalogs agreeing, before the provider's own listing has it
    PROVISIONAL = "provisional"

    def __str__(self) -> str:
        return self.value


#: How the statuses of several facts (an offering's prices) combine into one: the worst, in
#: this order. Not knowing (untracked) is worse than aging; a human's review is the best; an
#: offering no provider has stated yet is worse than a stale one.
WORST_FIRST: tuple[Freshness, ...] = (
    Freshness.CONFLICT, Freshness.PROVISIONAL, Freshness.STALE, Freshness.UNTRACKED, Freshness.AGING, Freshness.FRESH,
    Freshness.MANUAL,
)


def worst(statuses: Iterable[Freshness]) -> Freshness | None:
    """The worst of ``statuses`` (see :data:`WORST_FIRST`); None if there are none."""
    present = set(statuses)
    return next((s for s in WORST_FIRST if s in present), None)


def relative_source_type(kind: str | None, owner: str | None, provider: str) -> str:
    """A source's type for one provider's offerings. A provider's own API (``owner``) is
    ``provider-api`` for that provider only; what it says of other sellers is
    ``aggregator-offer`` evidence. An unregistered source (``kind`` None) is the weakest."""
    if kind is None:
        return "observed-usage"
    return kind if owner is None or owner == provider else "aggregator-offer"


class _Policy(NamedTuple):
    fresh_days: int | None
    stale_days: int | None


class FreshnessPolicy(_Policy):
    """Maximum ages for one source type. ``fresh_days=None`` means the type is not tracked."""

    __slots__ = ()

    def __new__(cls, fresh_days: int | None, stale_days: int | None) -> FreshnessPolicy:
        if (fresh_days is None) != (stale_days is None):
            raise ValueError("fresh_days and stale_days are both set or both None")
        if fresh_days is not None and not 0 <= fresh_days <= stale_days:  # type: ignore[operator]
            raise ValueError(f"need 0 <= fresh_days <= stale_days, got {fresh_days}, {stale_days}")
        return super().__new__(cls, fresh_days, stale_days)


def compute_freshness(
    *,
    source_type: str,
    confirmed_at: datetime,
    now: datetime,
    policy: FreshnessPolicy | None,
    expires: datetime | None = None,
    conflict: bool = False,
) -> Freshness:
    """The freshness of one fact at ``now``.

    Order of rules: an unexpired manual review is ``manual`` (a human decided, disagreement
    included); a recorded disagreement is ``conflict``; a source type without a policy is
    ``untracked``; otherwise the age since ``confirmed_at`` gives ``fresh`` (≤ fresh_days),
    ``aging`` (≤ stale_days) or ``stale``. An expired manual review ages like any other fact.
    """
    if source_type == "manual-review" and expires is not None and now < expires:
        return Freshness.MANUAL
    if conflict:
        return Freshness.CONFLICT
    if policy is None or policy.fresh_days is None or policy.stale_days is None:
        return Freshness.UNTRACKED
    age = now - confirmed_at
    if age <= timedelta(days=policy.fresh_days):
        return Freshness.FRESH
    if age <= timedelta(days=policy.stale_days):
        return Freshness.AGING
    return Freshness.STALE
