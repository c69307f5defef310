"""One bad record never costs a run: the records a refreshed tree's validation names are held
back — kept as they were before the run, or left out if the run added them — and the rest is
written.

A refresh reconciles every source into the tree in memory and validates the whole result. When
that finds errors in some offerings or models (a regional price of a region the provider's list
does not name, a price history whose dates cross…), :func:`hold_back` restores exactly those
records from the tree on disk and the run validates again; each is reported as a risk
(``held-back``) with the first error that named it. An error in a provider's own facts keeps them
as they were (a provider the run added is left out); an error outside any record (a file) still
fails the run: there is no previous state of one record to return to.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from refresher.tree.store import Tree
from refresher.tree.validate import Problem

__all__ = ["HeldBack", "hold_back"]

_PROVIDERS, _MODELS = "metadata/providers/", "metadata/models/"


@dataclass(frozen=True)
class HeldBack:
    """A record the run did not change: ``record`` is an offering's ``provider/upstream-id``,
    ``model vendor/slug`` or ``provider id`` (its own facts)."""

    record: str
    reason: str
    new: bool  # the run added it: left out

    def to_json(self) -> dict[str, str]:
        return {"record": self.record, "reason": self.reason,
                "kept": "left out (new in this run)" if self.new else "kept as it was"}


def hold_back(work: Tree, before: Tree, problems: list[Problem]) -> list[HeldBack]:
    """Restore in ``work`` every offering and model an error of ``problems`` names to its state in
    ``before`` (or remove it, if ``before`` has none). Returns what was held back; empty when an
    error names no such record (the run cannot be saved by holding records back)."""
    named: dict[tuple[str, str, str], Problem] = {}
    labels: dict[str, dict[str, str]] = {}
    for problem in problems:
        if problem.severity != "error":
            continue
        target = _target(work, problem, labels)
        if target is None:
            return []
        named.setdefault(target, problem)
    held = []
    for (kind, owner, key), problem in sorted(named.items()):
        if kind == "provider":
            held.append(_hold_provider(work, before, owner, problem))
            continue
        if kind == "offering":
            now, then = work.providers[owner]["offerings"], before.providers.get(owner, {}).get("offerings", {})
        else:
            now, then = work.vendors[owner]["models"], before.vendors.get(owner, {}).get("models", {})
        if key in then:
            now[key] = copy.deepcopy(then[key])
        else:
            del now[key]
        reason = ": ".join(part for part in (problem.field, problem.message) if part)
        label = f"{owner}/{key}" if kind == "offering" else f"model {owner}/{key}"
        held.append(HeldBack(label, reason, key not in then))
    return held


def _target(work: Tree, problem: Problem, labels: dict[str, dict[str, str]]) -> tuple[str, str, str] | None:
    """The record ``problem`` is about: ("offering", provider, upstream id) or ("model", vendor,
    slug), found by the label validation gives it; None for any other problem. ``labels``: each
    file's labels → keys, made when first needed."""
    if problem.file.startswith(_PROVIDERS):
        provider = problem.file.removeprefix(_PROVIDERS).removesuffix(".json")
        if not problem.record and provider in work.providers:
            return "provider", provider, ""  # the provider's own facts
        records, kind, owner = work.providers.get(provider, {}).get("offerings", {}), "offering", provider
    elif problem.file.startswith(_MODELS):
        vendor = problem.file.removeprefix(_MODELS).removesuffix(".json")
        records, kind, owner = work.vendors.get(vendor, {}).get("models", {}), "model", vendor
    else:
        return None
    if problem.file not in labels:  # validate labels a record by its key's repr: compared, never parsed
        labels[problem.file] = {f"{kind} {key!r}": key for key in records}
    key = labels[problem.file].get(problem.record)
    return None if key is None else (kind, owner, key)


def _hold_provider(work: Tree, before: Tree, provider: str, problem: Problem) -> HeldBack:
    """Keep a provider's own facts as they were (its offerings as the run made them), or leave
    the provider out if the run added it."""
    reason = ": ".join(part for part in (problem.field, problem.message) if part)
    then = before.providers.get(provider)
    if then is None:
        del work.providers[provider]
        for entry in work.ledger.get("sources", {}).values():  # what sources listed of it goes with it
            for part in ("listed", "absences", "confirmed_at"):
                entry.get(part, {}).pop(provider, None)
        return HeldBack(f"provider {provider}", reason, True)
    offerings = work.providers[provider]["offerings"]
    work.providers[provider] = {**copy.deepcopy({k: v for k, v in then.items() if k != "offerings"}),
                                "offerings": offerings}
    return HeldBack(f"provider {provider}", reason, False)

