"""How far each fact of a catalog can be trusted at a moment: :class:`FactFreshness` of one fact,
:class:`ProviderFreshness` of a provider's prices (Gate's cost-truth panel).

:mod:`gate_consumer.freshness` holds the rule (a policy per source type, applied to dates);
this module applies it to a catalog's records: which source states a fact, that source's type
for the provider, when it last confirmed the fact, and whether another source disagrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from gate_consumer.facts import MODEL_FACTS, get_fact
from gate_consumer.freshness import (
    Freshness,
    FreshnessPolicy,
    compute_freshness,
    relative_source_type,
    worst,
)
from gate_consumer.instants import as_instant, parse_instant, utc_now
from gate_consumer.provenance import record_provenance
from gate_consumer.records import Model, Offering, Records, price_paths

__all__ = ["FactFreshness", "FreshnessJudge", "ProviderFreshness"]


class FactFreshness(NamedTuple):
    """One fact of an offering or a model, judged at a moment: ``subject`` is the offering key
    or the model id; ``ref`` the provenance's reference (a URL, or the offering a model fact
    came from)."""

    subject: str
    path: str
    value: Any
    source: str
    source_type: str
    as_of: str
    confirmed_at: str
    freshness: Freshness
    ref: str | None = None
    agreeing: tuple[str, ...] = ()  # the other sources stating the same value (price facts)


class ProviderFreshness(NamedTuple):
    """The "cost truth" counts of one provider's price facts (one per priced offering)."""

    provider: str
    tracked: int
    fresh: int
    aging: int
    stale: int
    untracked: int
    conflict: int
    manual: int
    unpriced: int
    oldest_price_confirmed: str | None = None  # the least recently confirmed price fact
    provisional: int = 0  # created from two catalogs agreeing; no provider has stated them yet


class FreshnessJudge:
    """Judges the facts of one catalog's records by the policies of its ``index.json``."""

    def __init__(self, records: Records):
        self._records = records
        sources: Mapping[str, Mapping[str, Any]] = records.index.get("sources", {})
        self._source_types = {name: info.get("type", "observed-usage") for name, info in sources.items()}
        self._source_owner = {name: info.get("provider") for name, info in sources.items()}
        self._policies = {
            kind: FreshnessPolicy(p.get("fresh_days"), p.get("stale_days"))
            for kind, p in records.index.get("freshness_policy", {}).items()
        }

    def source_type(self, source: str, provider: str) -> str:
        """A source's type for one provider: its own API is provider-api only for itself."""
        return relative_source_type(self._source_types.get(source), self._source_owner.get(source), provider)

    def freshness(self, target: Offering | Model, path: str = "price.input",
                  now: datetime | str | None = None) -> FactFreshness:
        """:meth:`gate_consumer.catalog.Catalog.freshness`: one fact judged at ``now``."""
        now = as_instant(now)
        agreeing: tuple[str, ...] = ()
        if isinstance(target, Offering):
            record, prov, provider = target.record, target.provenance(path), target.provider
            confirmed = target.confirmed_at(path)
            agreeing = tuple(a.source for a in target.agreeing(path))
            subject = target.key
        else:
            record = target.record
            prov = record_provenance(record, MODEL_FACTS).get(path)
            if prov is None:
                hint = (f"; prices belong to offerings: freshness(catalog.pick_offering({target.id!r}))"
                        if path.startswith("price.") else "")
                raise KeyError(f"{target.id} has no fact {path!r}{hint}")
            provider = (prov.ref or "").partition("/")[0]
            confirmed = max(prov.as_of, self._records.source_info(prov.source).get("succeeded_at", ""))
            subject = target.id
        kind = self.source_type(prov.source, provider)
        status = compute_freshness(
            source_type=kind,
            confirmed_at=parse_instant(confirmed),
            now=now or utc_now(),
            policy=self._policies.get(kind),
            expires=parse_instant(prov.expires) if prov.expires else None,
            conflict=bool(record.get("disagreements", {}).get(path)),
        )
        if record.get("provisional") and isinstance(target, Offering):
            status = Freshness.PROVISIONAL  # two catalogs agree; no provider has stated it yet
        return FactFreshness(subject, path, get_fact(record, path), prov.source, kind, prov.as_of, confirmed, status,
                             prov.ref, agreeing)

    def price_facts(self, offering: Offering, now: datetime | str | None = None) -> list[FactFreshness]:
        """Every price fact of an offering (tiers included), judged at ``now``."""
        now = as_instant(now)
        return [self.freshness(offering, path, now) for path in price_paths(offering.record)]

    def price_freshness(self, offering: Offering, now: datetime | str | None = None) -> Freshness | None:
        """The worst freshness of an offering's price facts; None if unpriced."""
        return worst(f.freshness for f in self.price_facts(offering, now))

    def freshness_report(self, now: datetime | str | None = None,
                         providers: list[str] | None = None) -> list[ProviderFreshness]:
        """Per provider: how many offerings' prices are fresh, aging, stale… (Gate's cost-truth panel)."""
        now = as_instant(now) or utc_now()
        report = []
        for provider in providers or self._records.provider_ids:
            counts = dict.fromkeys(("fresh", "aging", "stale", "untracked", "conflict", "manual", "provisional",
                                    "unpriced"), 0)
            oldest: str | None = None
            for offering in self._records.provider_offerings(provider).values():
                if offering.status == "retired":
                    continue
                facts = self.price_facts(offering, now)
                if not facts:
                    counts["unpriced"] += 1
                    continue
                counts[worst(f.freshness for f in facts).value] += 1  # type: ignore[union-attr]
                confirmed = min(f.confirmed_at for f in facts)
                oldest = confirmed if oldest is None or confirmed < oldest else oldest
            tracked = sum(v for k, v in counts.items() if k != "unpriced")
            report.append(ProviderFreshness(provider, tracked, **counts, oldest_price_confirmed=oldest))
        return report
