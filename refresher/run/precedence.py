"""Which of two observations of one fact is published: strength among the fresh, else recency.

The rule (``docs/provenance.md``, "Which value is published"):

* Among the observations inside their freshness window (``freshness_policy.<type>.fresh_days``
  of ``metadata/sources.json``, measured from when the source *last still said it*), the
  strongest source type wins; between equals the value a source *changed to* most recently
  wins (a source moving is evidence of a price change; a source repeating itself is not), and at
  the same instant the value already published stays (so a run that learns nothing changes
  nothing).
* When only one of them is fresh, it wins: a stronger source that went stale does not pin an
  old value.
* When neither is fresh, the most recent change wins.
* A manual review is fresh until it expires (it pins the value until then); an expired one is
  the weakest of all.

Freshness is judged at the later of the two observations, so the outcome does not depend on the
order in which sources are applied.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from gate_consumer.instants import parse_instant

__all__ = ["Standing", "is_fresh", "takes_over"]


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


def takes_over(new: Standing, current: Standing) -> bool:
    """Whether ``new`` is published instead of ``current`` (see the module docstring)."""
    at = max(new.latest, current.latest)
    new_fresh, current_fresh = is_fresh(new, at), is_fresh(current, at)
    if new_fresh and current_fresh:
        return new.rank < current.rank or (new.rank == current.rank and new.changed_at > current.changed_at)
    if new_fresh != current_fresh:
        return new_fresh
    return new.changed_at > current.changed_at
