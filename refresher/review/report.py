"""The change report between two states of ``metadata/``: what a reviewer reads in a refresh PR.

Compared per offering, fact by fact (the tracked fact paths of :mod:`gate_consumer.facts`):

* offerings added, retired (status turned ``retired``), revived, and removed outright (a file
  edit, never the refresher: always risky);
* offerings their source stopped listing (counted toward retirement), and providers that lost
  more than ``guards.max_shrink_share`` of their listing at once (an early warning);
* price changes, old → new with the % change and the source of the new value;
* other fact changes (limits, capabilities, modalities, lifecycle, names);
* records whose only change is provenance or confirmation (one summary line);
* provider-level changes (name, URLs, key variable, regions, route type, billing), providers
  added and removed;
* risky items, listed first: a provider's API, key or billing moving, price moves beyond
  ``guards.max_price_ratio``, removals, new conflicts between sources, and — when the report is
  made for a refresh run — records the unit guard rejected and removals the shrink guard blocked.

Rendered as JSON (everything) and as Markdown for a PR body (:mod:`refresher.review.markdown`):
risky items first, long sections collapsed, rows cut so the body stays under GitHub's
65,536-character limit (the JSON has all).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from deepdiff import DeepDiff

from gate_consumer.checks import url_host
from gate_consumer.facts import OFFERING_FACTS, PROVIDER_FACTS, iter_facts
from gate_consumer.provenance import record_provenance
from refresher.review.markdown import plain, render
from refresher.rules.risks import RiskKind
from refresher.rules.sanity import image_rate_problem, moves_beyond, same_value
from refresher.run.verdict import IDENTITY
from refresher.tree.bulk import gc_paused
from refresher.tree.record_schema import guards_of
from refresher.tree.store import Tree, load_tree

__all__ = ["MARKDOWN_LIMIT", "ChangeReport", "compare", "load_state"]

MARKDOWN_LIMIT = 65_536
_BODY_BUDGET = 60_000  # room left for a title line and GitHub's own additions


@dataclass
class Change:
    offering: str
    path: str
    old: Any
    new: Any
    source: str | None = None
    pct: float | None = None  # for prices
    why: str | None = None  # for prices: who moved, and how the sources vote


@dataclass
class Risk:
    kind: RiskKind
    subject: str
    message: str


@dataclass
class ChangeReport:
    added: list[dict[str, Any]] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    revived: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    models_added: list[str] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)  # absent from their source, not yet retired
    price_changes: list[Change] = field(default_factory=list)
    fact_changes: list[Change] = field(default_factory=list)
    new_conflicts: list[Change] = field(default_factory=list)
    other_changes: list[Change] = field(default_factory=list)
    #: a provider's tracked facts and curated fields (``offering`` names the provider)
    provider_changes: list[Change] = field(default_factory=list)
    providers_added: list[dict[str, Any]] = field(default_factory=list)
    providers_removed: list[str] = field(default_factory=list)
    provenance_only: int = 0
    risks: list[Risk] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)  # per-source summary of a run
    #: per catalog of a run, its entries that map to no provider or offering, by reason
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def changed_offerings(self) -> int:
        keys = {c.offering for c in (*self.price_changes, *self.fact_changes, *self.other_changes)}
        return len(keys)

    @property
    def empty(self) -> bool:
        return not (self.added or self.retired or self.revived or self.removed or self.models_added or self.missing
                    or self.price_changes or self.fact_changes or self.new_conflicts or self.other_changes
                    or self.provider_changes or self.providers_added or self.providers_removed
                    or self.provenance_only)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts()
        return data

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "retired": len(self.retired),
            "revived": len(self.revived),
            "removed": len(self.removed),
            "models_added": len(self.models_added),
            "missing": len(self.missing),
            "changed": self.changed_offerings,
            "price_changes": len(self.price_changes),
            "fact_changes": len(self.fact_changes),
            "new_conflicts": len(self.new_conflicts),
            "provider_changes": len(self.provider_changes) + len(self.providers_added) + len(self.providers_removed),
            "provenance_only": self.provenance_only,
            "risky": len(self.risks),
        }

    def markdown(self, title: str = "Metadata refresh", limit: int = _BODY_BUDGET) -> str:
        """The PR body: under ``limit`` characters, cutting long tables first."""
        rows = 200
        while True:
            text = render(self, title, rows)
            if len(text) <= limit or rows <= 5:
                return text if len(text) <= limit else text[: limit - 80] + "\n\n… (cut; see the JSON report)\n"
            rows //= 2


# -- loading a state -------------------------------------------------------------------------


def load_state(spec: str, repo: Path | None = None) -> Tree:
    """A folder (``metadata/`` or a folder containing it), or a git revision of ``repo``'s
    ``metadata/`` (``HEAD~1``, ``main``, a commit)."""
    path = Path(spec)
    for candidate in (path, path / "metadata"):
        if (candidate / "sources.json").is_file():
            return load_tree(candidate)
    repo = repo or Path.cwd()
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", spec, "metadata"], cwd=repo, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        why = exc.stderr.decode(errors="replace").strip() if isinstance(exc, subprocess.CalledProcessError) else exc
        raise ValueError(f"{spec!r} is neither a metadata folder nor a git revision of {repo} ({why})") from None
    with tempfile.TemporaryDirectory(prefix="faimeta-state-") as scratch:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "data_filter"):  # Python ≥ 3.10.12
                tar.extractall(scratch, filter="data")
            else:  # git archive of our own repository: plain files under metadata/ only
                members = [m for m in tar.getmembers()
                           if m.isfile() and m.name.startswith("metadata/") and ".." not in m.name.split("/")]
                tar.extractall(scratch, members=members)
        return load_tree(Path(scratch) / "metadata")


# -- comparing -------------------------------------------------------------------------------


def _facts(record: Mapping[str, Any]) -> dict[str, Any]:
    return dict(iter_facts(record, OFFERING_FACTS))


def _pct(old: Any, new: Any) -> float | None:
    if isinstance(old, (int, float)) and isinstance(new, (int, float)) and old:
        return round((new - old) / old * 100, 1)
    return None


_REST = ("model", "aliases", "retired_at")  # non-fact fields a reviewer should still see


@gc_paused()
def compare(old: Tree, new: Tree, *, run: Mapping[str, Any] | None = None) -> ChangeReport:
    """The changes from ``old`` to ``new``; ``run`` is a refresh's ``RefreshResult.to_json()``,
    whose guard hits and failures become risky items."""
    report = ChangeReport()
    ratio = guards_of(new.sources).max_price_ratio
    old_models = {f"{v}/{m}" for v, f in old.vendors.items() for m in f["models"]}
    report.models_added = sorted({f"{v}/{m}" for v, f in new.vendors.items() for m in f["models"]} - old_models)
    for provider in sorted(set(old.providers) | set(new.providers)):
        _compare_provider(report, provider, old.providers.get(provider), new.providers.get(provider))
        before = old.providers.get(provider, {}).get("offerings", {})
        after = new.providers.get(provider, {}).get("offerings", {})
        for upstream_id in sorted(set(before) - set(after)):
            key = f"{provider}/{upstream_id}"
            report.removed.append(key)
            report.risks.append(Risk(RiskKind.REMOVED, key, "deleted from the metadata (the refresher never deletes)"))
        for upstream_id in sorted(after):
            key = f"{provider}/{upstream_id}"
            record = after[upstream_id]
            if upstream_id not in before or record.get("price") != before[upstream_id].get("price"):
                problem = image_rate_problem(record)
                if problem:
                    report.risks.append(Risk(RiskKind.IMAGE_RATE, key, problem))
            if upstream_id not in before:
                price = record.get("price", {})
                report.added.append({"offering": key, "model": record["model"],
                                     **{k: price[k] for k in ("input", "output") if k in price}})
                continue
            _compare_offering(report, key, before[upstream_id], record, ratio)
    _missing(report, old, new)
    _ledger_risks(report, new)
    if run is not None:
        _run_risks(report, run)
    report.risks.sort(key=lambda r: (r.kind.rank, r.subject))
    report.price_changes.sort(key=lambda c: (-abs(c.pct or 0), c.offering, c.path))
    return report


#: where a provider's API is, which key it takes, how it is called and billed: a change moves
#: every route of the provider (and its keys and costs), so a reviewer looks at each one
_CURATED = ("route_type", "api_style", "billing_mode")  # not tracked facts: no source states them
_IDENTITY = IDENTITY | frozenset(_CURATED)


def _compare_provider(report: ChangeReport, slug: str, old: Mapping[str, Any] | None,
                      new: Mapping[str, Any] | None) -> None:
    """A provider's own changes: added, removed (a file edit: the refresher never deletes), and
    each fact and curated field that moved, the identity ones risky."""
    if new is None:
        report.providers_removed.append(slug)
        report.risks.append(Risk(RiskKind.REMOVED, slug, "provider deleted from the metadata, with its offerings"))
        return
    if old is None:
        report.providers_added.append({"provider": slug, **{k: new.get(k) for k in ("name", "base_url", "route_type",
                                                                                   "billing_mode")}})
        return
    was = {**dict(iter_facts(old, PROVIDER_FACTS)), **{k: old.get(k) for k in _CURATED}}
    now = {**dict(iter_facts(new, PROVIDER_FACTS)), **{k: new.get(k) for k in _CURATED}}
    holders = record_provenance(new, PROVIDER_FACTS)
    for path in sorted(set(was) | set(now)):
        if same_value(was.get(path), now.get(path)):
            continue
        holder = holders.get(path)
        report.provider_changes.append(Change(slug, path, was.get(path), now.get(path), holder.source if holder else None))
        if path in _IDENTITY:
            report.risks.append(Risk(RiskKind.PROVIDER_IDENTITY, slug, _identity_move(path, was.get(path), now.get(path))))


def _identity_move(path: str, old: Any, new: Any) -> str:
    """What moving a provider's identity fact does, in a reviewer's words."""
    if path == "base_url" and isinstance(old, str) and isinstance(new, str) and url_host(old) != url_host(new):
        return f"base_url moves to another host: {url_host(old)} → {url_host(new)} (Gate sends this provider's keys there)"
    return f"{path} {plain(old)} → {plain(new)}"


def _why(path: str, record: Mapping[str, Any], holder: Any, was: Any) -> str:
    """Why a price is what the new record publishes: the source that changed to it and when, the
    sources that say the same (the vote for it) and those that say otherwise."""
    agreeing = [a["source"] for a in record.get("agreements", {}).get(path, ())]
    against = [f"{d['source']} {plain(d['value'])}" for d in record.get("disagreements", {}).get(path, ())]
    if holder is None:
        return "no source states it any more" + (f"; {', '.join(against)} held for review" if against else "")
    why = f"{holder.source} changed to it {holder.as_of[:10]}"
    if was is not None and was.source != holder.source:
        why += f", over {was.source}"
    why += f"; {1 + len(agreeing)} source(s) say it" + (f" ({', '.join(sorted(agreeing))} too)" if agreeing else "")
    return why + (f"; against: {', '.join(against)}" if against else "")


def _compare_offering(report: ChangeReport, key: str, old: Mapping[str, Any], new: Mapping[str, Any],
                      ratio: float) -> None:
    was, now = _facts(old), _facts(new)
    sources_was, sources_now = record_provenance(old, OFFERING_FACTS), record_provenance(new, OFFERING_FACTS)
    changed = False
    for path in sorted(set(was) | set(now)):
        if same_value(was.get(path), now.get(path)):  # 0.05 → 0.05000000000000001 is no change
            continue
        changed = True
        prov = sources_now.get(path) or sources_was.get(path)
        change = Change(key, path, was.get(path), now.get(path), prov.source if prov else None)
        if path == "status" and now.get(path) == "retired":
            report.retired.append(key)
            report.risks.append(Risk(RiskKind.RETIRED, key, f"retired (was {was.get(path, 'active')})"))
        elif path == "status" and was.get(path) == "retired":
            report.revived.append(key)
        elif path.startswith("price.") and path != "price.tiers":
            change.pct = _pct(change.old, change.new)
            change.why = _why(path, new, sources_now.get(path), sources_was.get(path))
            report.price_changes.append(change)
            if moves_beyond(change.old, change.new, ratio):
                report.risks.append(Risk(RiskKind.PRICE_JUMP, key, f"{path} {change.old} → {change.new} "
                                                            f"({change.pct:+.0f}%, ×{ratio:g} or more)"))
        else:
            report.fact_changes.append(change)
    old_conflicts, new_conflicts = old.get("disagreements", {}), new.get("disagreements", {})
    for path, entries in sorted(new_conflicts.items()):
        for entry in entries:
            if entry not in old_conflicts.get(path, []):
                changed = True
                conflict = Change(key, path, now.get(path), entry["value"], entry["source"])
                report.new_conflicts.append(conflict)
                if path.startswith("price."):
                    report.risks.append(Risk(RiskKind.NEW_CONFLICT, key, f"{path}: {entry['source']} says {entry['value']}, "
                                                                  f"the catalog keeps {conflict.old}"))
    rest_old = {k: old.get(k) for k in _REST}
    rest_new = {k: new.get(k) for k in _REST}
    if rest_old != rest_new:
        changed = True
        diff = DeepDiff(rest_old, rest_new, ignore_order=True, verbose_level=2)
        for kind, items in diff.to_dict().items():
            for where, value in (items.items() if isinstance(items, dict) else ((str(i), None) for i in items)):
                report.other_changes.append(Change(key, where.replace("root", "", 1), kind, _deepdiff_value(value)))
    if not changed and (old.get("provenance") != new.get("provenance") or old.get("price_history") != new.get("price_history")):
        report.provenance_only += 1


def _deepdiff_value(value: Any) -> Any:
    """A DeepDiff item as JSON: ``old → new`` for a changed value."""
    if isinstance(value, dict) and set(value) == {"old_value", "new_value"}:
        return f"{value['old_value']!r} → {value['new_value']!r}"
    return value if isinstance(value, (str, int, float, bool, type(None), list, dict)) else str(value)


def _missing(report: ChangeReport, old: Tree, new: Tree) -> None:
    """Offerings a source stopped listing since ``old`` (counted toward retirement), and — as an
    early warning — a provider whose listing lost more than ``max_shrink_share`` at once."""
    guards = guards_of(new.sources)
    retire_after, share = guards.retire_after_absences, guards.max_shrink_share
    before = old.ledger.get("sources", {})
    for source, entry in sorted(new.ledger.get("sources", {}).items()):
        was = before.get(source, {})
        for provider, ids in sorted(entry.get("absences", {}).items()):
            known = was.get("absences", {}).get(provider, {})
            fresh = sorted(i for i, n in ids.items() if n > known.get(i, 0))
            for upstream_id in fresh:
                report.missing.append({"offering": f"{provider}/{upstream_id}", "source": source,
                                       "absences": ids[upstream_id], "retire_after": retire_after})
            listed = len(was.get("listed", {}).get(provider, ()))
            newly = sum(1 for i in fresh if ids[i] == 1)
            if listed >= 5 and newly / listed > share:
                report.risks.append(Risk(RiskKind.MASS_REMOVAL, f"{provider} ({source})",
                                         f"{source} stopped listing {newly} of its {listed} {provider} offerings "
                                         f"({newly / listed:.0%}); they retire after {retire_after} refreshes "
                                         "unless listed again"))


def _ledger_risks(report: ChangeReport, new: Tree) -> None:
    """Offerings absent long enough to retire that a guard kept (shrink guard, or another source)."""
    retire_after = guards_of(new.sources).retire_after_absences
    for source, entry in sorted(new.ledger.get("sources", {}).items()):
        for provider, ids in sorted(entry.get("absences", {}).items()):
            offerings = new.providers.get(provider, {}).get("offerings", {})
            blocked = [i for i, n in sorted(ids.items()) if n >= retire_after and offerings.get(i, {}).get("status") != "retired"]
            for upstream_id in blocked:
                report.risks.append(Risk(RiskKind.RETIREMENT_BLOCKED, f"{provider}/{upstream_id}",
                                         f"missing from {source} for {ids[upstream_id]} refreshes, not retired "
                                         "(a guard or another source keeps it)"))


def _run_risks(report: ChangeReport, run: Mapping[str, Any]) -> None:
    for held in run.get("held_back", []):
        report.risks.append(Risk(RiskKind.HELD_BACK, held["record"], f"{held['kept']}: {held['reason']}"))
    for source in run.get("sources", []):
        name = source["source"]
        summary = {k: source.get(k) for k in ("status", "fetched", "parsed", "added", "changed", "unchanged",
                                               "retired", "error", "reason")}
        summary["skipped"] = source.get("skipped_total", len(source.get("skipped", [])))
        summary["flagged"] = len(source.get("flagged", []))
        if source.get("unmapped"):
            summary["unmapped"] = sum(source["unmapped"].values())
            report.unmapped[name] = dict(sorted(source["unmapped"].items(), key=lambda kv: (-kv[1], kv[0])))
        report.sources.append({"source": name, **{k: v for k, v in summary.items() if v is not None}})
        if source.get("status") == "failed":
            report.risks.append(Risk(RiskKind.SOURCE_FAILED, name, source.get("error", "failed")))
        for skipped in source.get("skipped", []):
            if skipped.get("risk"):  # the kind its finder named (refresher.rules.risks)
                report.risks.append(Risk(RiskKind(skipped["risk"]), skipped["record"], skipped["reason"]))
        for risk in source.get("risks", []):
            report.risks.append(Risk(RiskKind(risk["kind"]), name, risk["message"]))
