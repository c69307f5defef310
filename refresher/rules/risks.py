"""What a reviewer must look at in a refresh: the kinds of risk, as codes.

Whoever finds a risk names its kind where it finds it — an adapter refusing a record, the
ledger declining to retire, the change report comparing two trees — and the report lists risks
by kind, most severe first (the order below). A message can be reworded freely: nothing reads it
to decide what it is.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["RiskKind", "RiskyRecord", "risk_of"]


class RiskKind(str, Enum):
    """A kind of risk, most severe first."""

    SOURCE_FAILED = "source-failed"  # a source could not be read
    HELD_BACK = "held-back"  # a record the run would have made invalid, kept as it was (or left out)
    HOST_CLAIM = "host-claim"  # a provider's base_url names a host another provider owns: not published
    PROVIDER_IDENTITY = "provider-identity"  # a provider's API, key variable, style, route type or billing moved
    UNIT_GUARD = "unit-guard"  # a price refused as a unit mix-up (per token as per million…)
    PRICE_JUMP = "price-jump"  # a price moved beyond guards.max_price_ratio
    IMAGE_RATE = "image-rate"  # an image-output rate published as the text output price
    REMOVED = "removed"  # an offering deleted from the metadata (the refresher never deletes)
    MASS_REMOVAL = "mass-removal"  # a source stopped listing a large share at once
    RETIREMENT_BLOCKED = "retirement-blocked"  # a guard kept the ledger from counting or retiring
    NEW_CONFLICT = "new-conflict"  # a source newly disagrees with a published value
    RETIRED = "retired"  # an offering retired
    REFUSED_ID = "refused-id"  # a model id the id policy refused
    DUPLICATE_ID = "duplicate-id"  # a record listed twice with different values

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {kind: i for i, kind in enumerate(RiskKind)}


class RiskyRecord(ValueError):
    """A record refused for a reason a reviewer must see; ``kind`` says which."""

    def __init__(self, kind: RiskKind, message: str):
        super().__init__(message)
        self.kind = kind


def risk_of(error: Exception) -> RiskKind | None:
    """The kind of risk a refused record's error is, if any: a :class:`RiskyRecord`'s own, a model
    id the id policy refused (:class:`gate_consumer.ids.InvalidIdError`), else none."""
    from gate_consumer.ids import InvalidIdError

    if isinstance(error, RiskyRecord):
        return error.kind
    if isinstance(error, InvalidIdError):
        return RiskKind.REFUSED_ID
    return None
