"""``faimeta refresh``: reconcile what the sources said (:mod:`refresher.run.payloads`) with the
tree, validate, write — all or nothing per run.

The run works on a copy of the tree;
the files are written only if the result validates, so a failing run leaves the tree intact,
and as one transaction under a lock (:mod:`refresher.tree.transaction`), so a killed run or a
concurrent one cannot leave a half-written tree or lose another run's work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refresher.rules.risks import RiskKind
from refresher.run.hold_back import HeldBack, hold_back
from refresher.run.hosts import one_provider_per_host
from refresher.run.ledger import retire_offering
from refresher.run.linking import RunLinks, run_links
from refresher.run.merge import RunListing, source_type
from refresher.run.moving_aliases import follow_moving_aliases
from refresher.run.payloads import Payload, parse_payload
from refresher.run.provisional import (
    agreeing_statements,
    forget,
    listed_by,
    own_listing,
    pending_of,
    said_last,
)
from refresher.run.reconcile import create_provisional, reconcile, run_listings
from refresher.run.summary import Summary
from refresher.sources.base import Snapshot, SourceError
from refresher.tree.bulk import gc_paused
from refresher.tree.store import Tree, load_tree, render_changed
from refresher.tree.transaction import TreeLock, commit_tree, recover
from refresher.tree.validate import Problem, tree_problems

__all__ = ["RefreshResult", "run_refresh", "write_if_valid"]


@dataclass
class RefreshResult:
    summaries: list[Summary] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # source → why it failed
    not_run: dict[str, str] = field(default_factory=dict)  # source → why it was skipped (no key…)
    problems: list[Problem] = field(default_factory=list)  # validation of the result
    written: list[str] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)  # records kept as they were (invalid otherwise)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.invalid

    @property
    def invalid(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        by_source = {s.source: {"status": "ok", **s.to_json()} for s in self.summaries}
        by_source |= {name: {"source": name, "status": "failed", "error": why} for name, why in self.errors.items()}
        by_source |= {name: {"source": name, "status": "skipped", "reason": why} for name, why in self.not_run.items()}
        return {
            "ok": self.ok,
            "sources": [by_source[name] for name in sorted(by_source)],
            "validation": [str(p) for p in self.problems if p.severity == "error"],
            "written": self.written,
            **({"held_back": [h.to_json() for h in self.held_back]} if self.held_back else {}),
        }


@gc_paused()
def run_refresh(
    root: Path,
    payloads: list[Payload],
    *,
    errors: Mapping[str, str] | None = None,
    not_run: Mapping[str, str] | None = None,
    providers: set[str] | None = None,
    dry_run: bool = False,
    allow_shrink: bool = False,
    lock_wait: float = 0.0,
    say: Callable[[str], None] = print,
) -> RefreshResult:
    """Reconcile ``payloads`` into the tree at ``root``; write only a result that validates.

    ``errors`` and ``not_run`` carry what happened while fetching into the result. Sources are
    applied oldest observation first, so a newer observation wins over an older one. The tree
    is locked from reading to writing (another run: wait up to ``lock_wait`` seconds, then
    :class:`~refresher.tree.transaction.LockBusy`); the write is one transaction.
    """
    result = RefreshResult(errors=dict(errors or {}), not_run=dict(not_run or {}))
    with TreeLock(root, wait=lock_wait, say=say):  # from reading the tree to writing it: one run at a time
        for line in recover(root):
            say(line)
        _reconcile_and_write(root, payloads, result, providers=providers, dry_run=dry_run,
                             allow_shrink=allow_shrink, say=say)
    return result


#: how many times a run holds back the records its validation names before it gives up
_HOLD_BACK_ROUNDS = 3


def _reconcile_and_write(root: Path, payloads: list[Payload], result: RefreshResult, *, providers: set[str] | None,
                         dry_run: bool, allow_shrink: bool, say: Callable[[str], None]) -> None:
    work = load_tree(root)  # loaded for this run only: reconciled in place, written only if valid
    snapshots = []
    too_old: dict[str, str] = {}
    for payload in sorted(payloads, key=lambda p: (p.observed_at, p.source)):
        checked = work.ledger.get("sources", {}).get(payload.source, {}).get("checked_at")
        if checked and payload.observed_at < checked:
            say(f"{payload.source}: skipped: {payload.origin} was observed at {payload.observed_at}, "
                f"before the tree's last check of this source ({checked})")
            too_old[payload.source] = f"older than the tree (observed {payload.observed_at}, checked {checked})"
            continue
        say(f"{payload.source}: parsing {payload.origin}")
        try:
            snapshot = parse_payload(payload)
        except SourceError as exc:
            result.errors[payload.source] = str(exc)
            continue
        except Exception as exc:  # an adapter's bug or a body it cannot survive fails that source only
            result.errors[payload.source] = f"{payload.source}: cannot parse {payload.origin}: {type(exc).__name__}: {exc}"
            continue
        if providers:
            snapshot.providers = [p for p in snapshot.providers if p.provider in providers]
            snapshot.offerings = [o for o in snapshot.offerings if o.provider in providers]
        snapshots.append(snapshot)
    ran = {s.source for s in snapshots} | set(result.errors)
    result.not_run |= {source: why for source, why in too_old.items() if source not in ran}  # a history's older recordings
    # The sources that create offerings come before the catalogs that only confirm them, which
    # would otherwise miss what a later source of the same run adds (and find it only on the next
    # run); within each group, oldest first. The published value does not depend on this order
    # (docs/provenance.md): freshness is judged at the later of two observations.
    snapshots.sort(key=lambda s: (s.confirms_only, s.observed_at, s.source))
    work = _reconcile_each(root, work, snapshots, result, providers=providers, allow_shrink=allow_shrink, say=say)
    for message in one_provider_per_host(work):
        say(message)
        if result.summaries:  # the change report reads risks from the sources' summaries
            result.summaries[-1].warn(message, RiskKind.HOST_CLAIM)
    result.problems, result.written = write_if_valid(work, root, dry_run=dry_run, say=say)
    before: Tree | None = None  # the tree on disk, read only when a record must be held back
    for _ in range(_HOLD_BACK_ROUNDS):  # a held-back record can make another one invalid (a model, its offering)
        if not result.invalid:
            break
        before = before or load_tree(root)
        held = hold_back(work, before, result.problems)
        if not held:
            break
        for record in held:
            say(f"held back {record.record}: {record.reason}")
        result.held_back.extend(held)
        result.problems, result.written = write_if_valid(work, root, dry_run=dry_run, say=say)
    if result.invalid:
        say("the refreshed tree does not validate; nothing was written")


def _reconcile_each(root: Path, work: Tree, snapshots: list[Snapshot], result: RefreshResult, *,
                    providers: set[str] | None, allow_shrink: bool, say: Callable[[str], None]) -> Tree:
    """Reconcile every snapshot into ``work``; a source whose reconcile fails is reported and
    left out, and the others are applied to a fresh copy of the tree (a failure half-way
    through one source must not leave half of its changes)."""
    while True:
        links = run_links(work, snapshots)
        listings = run_listings(snapshots)
        summaries = []
        for snapshot in snapshots:
            try:
                summary = reconcile(
                    work, snapshot, only_providers=providers or None, links=links, allow_shrink=allow_shrink,
                    run_listings={k: v for k, v in listings.items() if k != snapshot.source},
                )
            except Exception as exc:
                result.errors[snapshot.source] = f"{snapshot.source}: cannot reconcile: {type(exc).__name__}: {exc}"
                say(f"{snapshot.source}: failed ({type(exc).__name__}); applying the other sources without it")
                snapshots = [s for s in snapshots if s is not snapshot]
                work = load_tree(root)
                break
            summaries.append(summary)
            say(f"{snapshot.source}: reconciled")  # the summary itself is printed once, at the end
        else:
            listed = {o.provider for s in snapshots for o in s.offerings} | \
                {p for s in snapshots for rule in s.rules for p in rule.providers}
            began = min((s.observed_at for s in snapshots), default="")
            for line in [*_day_one(work, snapshots, links, listings),
                         *follow_moving_aliases(work, links.rules, listed, began)]:
                say(line)
                if summaries:
                    summaries[-1].warn(line)
            result.summaries.extend(summaries)
            return work


def _day_one(work: Tree, snapshots: list[Snapshot], links: RunLinks, listings: Mapping[str, RunListing]) -> list[str]:
    """Create, provisional, the first-party offerings two sources price alike
    (:mod:`refresher.run.provisional`); the ones the tree has now are no longer pending. One
    line per offering created."""
    lines = []
    for (provider, upstream_id), statements in sorted(pending_of(work, [s for s in snapshots if s.rules]).items()):
        if upstream_id not in work.providers.get(provider, {}).get("offerings", {}):
            agreed = agreeing_statements(statements)
            if not agreed:
                continue
            create_provisional(work, links, provider, upstream_id, statements, agreed, listings)
            listed_by(work, provider, upstream_id, statements)
            offering = work.providers[provider]["offerings"][upstream_id]
            own = own_listing(work, provider, lambda source, p: source_type(work, source, p))
            if own is not None and own[1] > said_last(offering):  # the provider's newer listing lacks it
                retire_offering(offering, *own)
                lines.append(f"{provider}/{upstream_id}: priced alike by {', '.join(sorted(agreed))}, and not in "
                             f"{own[0]}'s newer listing: created retired")
            else:
                lines.append(f"{provider}/{upstream_id}: created provisional, priced alike by "
                             f"{', '.join(sorted(agreed))} (the provider's own listing will confirm or retire it)")
        forget(work, provider, upstream_id)
    return lines


def write_if_valid(tree: Tree, root: Path, *, dry_run: bool = False, lock_wait: float = 0.0,
                   say: Callable[[str], None] = print) -> tuple[list[Problem], list[str]]:
    """Validate ``tree`` (in memory, whole); write the files that changed to ``root`` only if it
    has no error, as one transaction (:mod:`refresher.tree.transaction`). Returns the problems and
    the files written (none on error or ``dry_run``). A tree in which nothing changed is not
    validated again: it writes nothing (``faimeta validate``, in CI, checks the tree as it is)."""
    changed = render_changed(tree)  # rendered first: a record that cannot be written fails here
    if not changed:
        return [], []
    problems = tree_problems(tree, texts={**tree.texts, **changed})  # the unchanged ones hold what they held
    if dry_run or any(p.severity == "error" for p in problems):
        return problems, []
    with TreeLock(root, wait=lock_wait, say=say):
        return problems, commit_tree(root, changed, say=say)
