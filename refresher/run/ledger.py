"""The ledger: what each source last listed, and retirement of what it stopped listing.

An offering a source stopped listing is retired (never deleted) after
``guards.retire_after_absences`` consecutive successful checks, if no other source lists it,
unless the source shrank suspiciously (more than ``guards.max_shrink_share`` at once) or only
confirms what it prices (its silence is not evidence); local providers are never retired.

A complete listing made ``guards.retire_after_days`` or more after the source's previous one
(a history replayed from recordings months apart) retires what it no longer lists at once: a
flaky listing does not last a month, and churn over months is no sudden shrink, so the shrink
guard does not compare such listings.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gate_consumer.facts import OFFERING_FACTS
from gate_consumer.instants import parse_instant
from gate_consumer.provenance import FactProvenance, record_provenance
from refresher.rules.risks import RiskKind
from refresher.run.evidence_book import store_provenance
from refresher.run.summary import Summary
from refresher.sources.base import OfferingObservation, Snapshot
from refresher.tree.record_schema import Guards
from refresher.tree.store import Tree

__all__ = ["keep_ledger", "retire_offering"]


def keep_ledger(tree: Tree, snapshot: Snapshot, offerings: list[OfferingObservation], summary: Summary, *,
            partial: set[str] | None, allow_shrink: bool, guards: Guards) -> None:
    """Record what the source listed, count absences, retire what stayed absent.

    The ledger keeps, per source, the offerings it lists (``listed``), how many successful
    checks in a row each tracked offering was missing (``absences``), when a whole listing
    last succeeded (``succeeded_at``) and, for ``--provider`` runs, when each provider was
    last confirmed (``confirmed_at``). An absent offering stays tracked until it is retired.
    """
    source, now = snapshot.source, snapshot.observed_at
    before = tree.ledger.setdefault("sources", {}).get(source, {})
    listed: dict[str, set[str]] = {}
    for obs in offerings:
        if not snapshot.confirms_only or obs.upstream_id in tree.providers.get(obs.provider, {}).get(
                "offerings", {}):
            listed.setdefault(obs.provider, set()).add(obs.upstream_id)
    # Listed but rejected (a negative price, a duplicate…): present and invalid, never absent.
    present = {p: set(ids) for p, ids in listed.items()}
    for skipped in snapshot.skipped:
        if skipped.provider and skipped.upstream_id:
            present.setdefault(skipped.provider, set()).add(skipped.upstream_id)
    tracked = {p: set(ids) for p, ids in before.get("listed", {}).items()}
    absences = {p: dict(v) for p, v in before.get("absences", {}).items()}
    in_scope = (lambda p: p in partial) if partial else (lambda p: True)
    # The previous listing: what the source tracks minus what it already missed. Additions
    # do not offset removals, and what was missed before is not counted as dropped again.
    previous = {p: {i for i in ids if i not in absences.get(p, {})} for p, ids in tracked.items() if in_scope(p)}
    count_before = sum(len(ids) for ids in previous.values())
    count_now = sum(len(ids) for ids in listed.values())
    entry: dict[str, Any] = {"checked_at": now}
    if count_now == 0 and count_before:
        summary.warn(f"{source} listed nothing ({count_before} before): nothing is confirmed or retired",
                     RiskKind.RETIREMENT_BLOCKED)
        tree.ledger["sources"][source] = {**before, **entry}
        return
    dropped = sum(len(ids - present.get(p, set())) for p, ids in previous.items())
    long_after = _long_after(before.get("succeeded_at"), now, guards.retire_after_days)
    shrunk = not snapshot.confirms_only and snapshot.complete and count_before and not long_after and \
        dropped / count_before > guards.max_shrink_share
    if shrunk:
        outcome = "retiring anyway (--allow-shrink)" if allow_shrink else \
            "so no absence is counted and nothing is retired this run"
        summary.warn(
            f"{source} no longer lists {dropped} of the {count_before} offerings it listed: more than "
            f"{guards.max_shrink_share:.0%} fewer, {outcome}",
            None if allow_shrink else RiskKind.RETIREMENT_BLOCKED,
        )
        shrunk = not allow_shrink
    if snapshot.confirms_only:
        shrunk = True  # its silence is not evidence: it lists only what it prices
    elif not snapshot.complete:
        summary.warn(f"{source}'s listing is incomplete: absences are not counted and nothing is retired",
                     RiskKind.RETIREMENT_BLOCKED)
    elif not shrunk:
        for provider, ids in tracked.items():
            counted = max(before.get("succeeded_at") or "", before.get("confirmed_at", {}).get(provider) or "")
            if in_scope(provider) and now > counted:  # one count per listing, however often it is replayed
                conclusive = _long_after(counted, now, guards.retire_after_days)
                for upstream_id in ids - present.get(provider, set()):
                    counts = absences.setdefault(provider, {})
                    counts[upstream_id] = counts.get(upstream_id, 0) + 1
                    if conclusive:
                        counts[upstream_id] = max(counts[upstream_id], guards.retire_after_absences)
    for provider, ids in present.items():
        tracked.setdefault(provider, set()).update(listed.get(provider, set()))
        for upstream_id in ids:
            absences.get(provider, {}).pop(upstream_id, None)
    succeeded_at, confirmed_at = before.get("succeeded_at"), dict(before.get("confirmed_at", {}))
    if snapshot.complete and not partial:
        succeeded_at, confirmed_at = now, {}
    elif snapshot.complete:
        confirmed_at |= {p: now for p in listed}
    entry |= {
        "succeeded_at": succeeded_at,
        "confirmed_at": dict(sorted(confirmed_at.items())),
        "listed": {p: sorted(ids) for p, ids in sorted(tracked.items()) if ids},
        "absences": {p: dict(sorted(v.items())) for p, v in sorted(absences.items()) if v},
    }
    tree.ledger["sources"][source] = {k: v for k, v in entry.items() if v}
    if snapshot.complete and not shrunk:
        _retire(tree, source, now, absences, summary, guards.retire_after_absences)

def retire_offering(offering: dict[str, Any], source: str, at: str) -> None:
    """Mark ``offering`` retired at ``at`` on ``source``'s word (never deleted; no longer
    provisional: its fate is settled)."""
    offering.pop("provisional", None)
    facts = record_provenance(offering, OFFERING_FACTS)
    offering["status"], offering["retired_at"] = "retired", at
    facts["status"] = FactProvenance(source, at)
    store_provenance(offering, facts)


def _long_after(previous: str | None, now: str, days: int) -> bool:
    """Whether ``now`` is ``days`` or more after the previous listing ``previous`` (None: none)."""
    return bool(previous) and parse_instant(now) - parse_instant(previous) >= timedelta(days=days)  # type: ignore[arg-type]


def _retire(tree: Tree, source: str, now: str, absences: dict[str, dict[str, int]], summary: Summary,
        retire_after: int) -> None:
    entries = tree.ledger["sources"]
    for provider, ids in sorted(absences.items()):
        record_provider = tree.providers.get(provider)
        if record_provider is None or record_provider.get("route_type") == "local":
            continue
        for upstream_id, count in sorted(ids.items()):
            offering = record_provider["offerings"].get(upstream_id)
            if offering is None or count < retire_after or offering.get("status") == "retired":
                continue
            if any(
                upstream_id in entry.get("listed", {}).get(provider, ())
                and upstream_id not in entry.get("absences", {}).get(provider, {})
                for other, entry in entries.items()
                if other != source
            ):
                continue  # another source still lists it
            retire_offering(offering, source, now)
            summary.retired += 1
            summary.retired_ids.append(f"{provider}/{upstream_id}")
