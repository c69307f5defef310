"""How the rule that publishes a value (:mod:`refresher.run.verdict`) sees one statement: its
strength, when its source first and last said it, and whether it is fresh.

A statement is fresh while the time since its source *last still said it* is inside the
freshness window of the source's type (``freshness_policy.<type>.fresh_days`` of
``metadata/sources.json``); a manual review is fresh until it expires, and a type without a
window is never fresh.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from gate_consumer.instants import parse_instant

__all__ = ["Standing", "is_fresh"]


class Standing(NamedTuple):
    """One observation as the rule sees it: its strength (a rank, lower is stronger), when its
    source last still said it, how long that source type stays fresh (None: never fresh;
    ``pinned_until``: a manual review, fresh until then), and when its source first said this
    value (``changed``; None: when it last said it)."""

    rank: int
    latest: str
    fresh_days: int | None
    pinned_until: str | None = None
    changed: str | None = None

    @property
    def changed_at(self) -> str:
        return self.changed or self.latest


def is_fresh(standing: Standing, at: str) -> bool:
    """Whether ``standing`` is inside its freshness window at the instant ``at``."""
    if standing.pinned_until is not None:
        return standing.pinned_until > at
    if standing.fresh_days is None:
        return False
    return parse_instant(at) - parse_instant(standing.latest) <= timedelta(days=standing.fresh_days)
