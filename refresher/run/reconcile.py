"""Reconcile a source's observations with the metadata tree.

The rules (DESIGN.md, "Facts, provenance and freshness"):

* A new offering is added with every observed fact attributed to the source and its
  observation time; its canonical model is linked by :mod:`refresher.run.linking` and created
  if missing.
* A fact the source states differently replaces the current value only if the source is at
  least as strong as the one that set it (manual-review until it expires > provider-api >
  provider-docs > community-catalog > aggregator-offer > observed-usage). A weaker source's
  different value is recorded as a disagreement, never hidden and never applied.
* A replaced price moves, whole, into ``price_history`` (valid from its ``as_of`` until now).
* An unchanged fact changes nothing in the record: its confirmation lives in the ledger.
* An offering a source stopped listing is retired (never deleted) after
  ``guards.retire_after_absences`` consecutive successful checks, if no other source lists
  it, unless the source shrank suspiciously; local providers are never retired.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from gate_consumer.facts import (
    MODEL_FACTS,
    OFFERING_FACTS,
    PROVIDER_FACTS,
    delete_fact,
    get_fact,
    set_fact,
)
from gate_consumer.instants import parse_instant
from gate_consumer.names import normalized
from gate_consumer.provenance import FactProvenance, record_provenance
from refresher.rules.classify import classify
from refresher.rules.text import name_problem
from refresher.run.evidence_book import note_disagreement, store_provenance
from refresher.run.ledger import keep_ledger
from refresher.run.linking import Linker, RunLinks, run_links
from refresher.run.merge import FactMerger, RunListing, rank
from refresher.run.moving_aliases import relink
from refresher.run.provisional import is_first_party_offering, remember, settle_by_own_listing
from refresher.run.summary import Summary
from refresher.sources.base import MatchRule, OfferingObservation, Skipped, Snapshot
from refresher.tree.record_schema import guards_of
from refresher.tree.store import Tree

__all__ = ["create_provisional", "expand_rules", "reconcile", "run_listings"]

_MODEL_SECTIONS = ("limits.", "modalities.")
#: where a name that is only the model's id stands: after the vendor's own offering (0) and any other (1)
_ONLY_THE_ID = 2


class _Reconciler:
    def __init__(
        self,
        tree: Tree,
        snapshot: Snapshot,
        partial: set[str] | None,
        links: RunLinks,
        allow_shrink: bool,
        run_listings: Mapping[str, RunListing] | None = None,
    ):
        self.tree = tree
        # a catalog's match rules name offerings only against the tree as it is now
        matched, unmatched = expand_rules(tree, snapshot.rules)
        self.offerings = [*snapshot.offerings, *matched]
        self.allow_shrink = allow_shrink
        self.partial = partial
        self.snap = snapshot
        self.now = snapshot.observed_at
        self._orders: dict[tuple[FactProvenance, str], tuple[int, int, str, str]] = {}
        self._model_facts: dict[str, dict[str, FactProvenance]] = {}  # model id → its facts' provenance
        self.rules = links.rules
        self.guards = guards_of(tree.sources)
        self.summary = Summary(
            snapshot.source, snapshot.observed_at, fetched=snapshot.records, parsed=len(self.offerings)
        )
        self.summary.skipped = list(snapshot.skipped)
        self.summary.unmapped = snapshot.unmapped + unmatched
        self.linker = Linker(tree, self.rules, links, self._model_record, self.summary.warn, self._absorbed)
        self.merger = FactMerger(tree, snapshot, self.summary, self.guards.max_price_ratio, run_listings or {})
        self.pending: list[OfferingObservation] = []  # a catalog's first-party offerings the tree lacks

    # -- providers ---------------------------------------------------------------------------

    def provider(self, slug: str, facts: dict[str, Any], api_package: str | None) -> None:
        record = self.tree.providers.get(slug)
        if record is None and self.snap.confirms_only:
            self.summary.unmapped[f"no provider {slug} in the catalog"] += 1
            return
        if record is None:
            record = {"id": slug, **classify(slug, api_package), "offerings": {}}
            self.tree.providers[slug] = record
        self.merger.merge(record, PROVIDER_FACTS, facts, slug, slug)

    # -- offerings and models ----------------------------------------------------------------

    def offering(self, obs: OfferingObservation) -> None:
        provider = self.tree.providers.get(obs.provider)
        if provider is None and self.snap.confirms_only:
            self.summary.unmapped[f"no provider {obs.provider} in the catalog"] += 1
            return
        if provider is None:
            self.summary.skipped.append(Skipped(f"{obs.provider}/{obs.upstream_id}", "provider not described by the source"))
            return
        if provider.get("billing_mode") == "metered" and _zero_unsaid(obs.facts):
            # 0 per token where nothing says free is an unknown price written as 0: not a price
            obs = dataclasses.replace(obs, facts={k: v for k, v in obs.facts.items() if not k.startswith("price.")})
            self.summary.unmapped["price 0 / 0 and not said free: left unpriced"] += 1
        offerings = provider["offerings"]
        record = offerings.get(obs.upstream_id)
        if record is None and self.snap.confirms_only:
            if is_first_party_offering(self.tree, self.rules, obs.provider, obs.upstream_id):
                self.pending.append(obs)  # day-one pricing: created once another catalog agrees
                self.summary.unmapped[f"new {obs.provider} offering, priced by this catalog alone: pending"] += 1
            else:
                self.summary.unmapped[f"no such {obs.provider} offering in the catalog"] += 1
            return
        if record is None:
            record = {"model": self.linker.link(obs)}
            offerings[obs.upstream_id] = record
            self.summary.added += 1
            changed = None
        else:
            changed = False
        relinked = False
        if obs.alias_of and not self.snap.confirms_only and changed is not None:
            # a moving -latest follows what its provider says it is now
            relinked = relink(record, self.linker.link(obs), self.snap.source, self.now)
        elif changed is not None and not self.snap.confirms_only and \
                (renamed := self.rules.renamed(record["model"])) != record["model"]:
            # a model made before its vendor's rename is one with the new name, as one run makes it
            self.linker.add_alias(self._model_record(renamed), renamed, record["model"])
            relinked = True
        was_retired = record.get("status") == "retired"
        label = f"{obs.provider}/{obs.upstream_id}"
        changed_now = self.merger.merge(record, OFFERING_FACTS, obs.facts, obs.provider, label, obs.upstream_id)
        if record.get("status") != "retired":
            record.pop("retired_at", None)
        if changed is not None:
            if was_retired and record.get("status") != "retired":
                self.summary.revived += 1
            elif changed_now or relinked:
                self.summary.changed += 1
            else:
                self.summary.unchanged += 1
        if self.snap.confirms_only and record.get("provisional"):
            # what day-one pricing created, every catalog pricing it names, as at its creation
            self.model(record["model"], dataclasses.replace(obs, model_facts={}, aliases=()))
        if not self.snap.confirms_only:  # a catalog that only confirms leaves the models alone
            if self.rules.canonical_model_id(obs.provider, obs.upstream_id) != record["model"]:
                # another name of the model (a snapshot, an alias): the model's own facts — its
                # name, release date — are not this name's
                obs = dataclasses.replace(obs, model_facts={})
            self.model(record["model"], obs)

    def _model_record(self, model_id: str) -> dict[str, Any]:
        """The canonical model's record, created (and counted) if it is new."""
        vendor, slug = model_id.split("/", 1)
        models = self.tree.vendors.setdefault(vendor, {"vendor": vendor, "models": {}})["models"]
        if slug not in models:
            models[slug] = {}
            self.summary.models_added += 1
            self.linker.model_created(model_id)
        return models[slug]

    def model(self, model_id: str, obs: OfferingObservation, said: tuple[str, str] | None = None) -> None:
        """What ``obs`` says of its model, as ``said`` (source, when; default: this snapshot's)."""
        slug = model_id.split("/", 1)[1]
        record = self._model_record(model_id)
        observed = dict(obs.model_facts)
        # A listing of bare ids still names the model: by the offering's name, else by its id —
        # the weakest of statements, so any real name wins whichever came first.
        observed.setdefault("name", obs.facts.get("name") or slug)
        observed.update({p: v for p, v in obs.facts.items() if p.startswith(_MODEL_SECTIONS)})
        source, when = said or (self.snap.source, self.now)
        self._state_model_facts(model_id, observed, FactProvenance(source, when, f"{obs.provider}/{obs.upstream_id}"))
        for alias in obs.aliases:
            self.linker.add_alias(record, model_id, alias)

    def _state_model_facts(self, model_id: str, observed: Mapping[str, Any], mine: FactProvenance) -> None:
        """Apply what one offering (``mine``: its source, ``ref``) says of its model: of the
        statements of a fact, the first in :meth:`_model_order` holds it, whichever came first."""
        vendor, slug = model_id.split("/", 1)
        record = self._model_record(model_id)
        facts = self._model_facts.get(model_id)
        if facts is None:  # a model has many offerings: its provenance is read once per source
            facts = self._model_facts[model_id] = record_provenance(record, MODEL_FACTS)

        def rank_of(path: str, value: Any, prov: FactProvenance) -> tuple[int, int, str, str]:
            # a name that is only an id — the model's, or the offering's that said it (a model
            # made of another name, then absorbed) — is the weakest of names
            if path == "name" and isinstance(value, str) and normalized(value) in (
                    normalized(slug), normalized((prov.ref or "").rsplit("/", 1)[-1])):
                return (_ONLY_THE_ID, *self._model_order(prov, vendor)[1:])
            return self._model_order(prov, vendor)

        def said_by_me(prov: FactProvenance | None) -> bool:  # the same offering of the same source
            return prov is not None and (prov.source, prov.ref) == (mine.source, mine.ref)

        changed = False
        for path, value in observed.items():
            if path == "name" and name_problem(value) is not None:
                continue  # a name no one can read safely names nothing
            current, current_prov = get_fact(record, path), facts.get(path)
            strength = rank_of(path, value, mine)
            if current == value:
                if current_prov is not None and not said_by_me(current_prov) and \
                        strength < rank_of(path, current, current_prov):
                    facts[path] = mine  # the stronger offering vouches for the same value
                    changed = True
                continue
            if current_prov is None and "." in path:
                # Limits and modalities come as a set: a weaker offering (a reseller's cap) does
                # not fill a gap beside the stronger source's values.
                section = path.split(".", 1)[0] + "."
                current_prov = min(
                    (p for k, p in facts.items() if k.startswith(section)),
                    key=lambda p: self._model_order(p, vendor),
                    default=None,
                )
            if current_prov is None or said_by_me(current_prov) or strength < rank_of(path, current, current_prov):
                set_fact(record, path, value)
                facts[path] = mine
                changed = True
        changed |= self._drop_weaker_in_sections(record, facts, observed, self._model_order(mine, vendor), vendor)
        if changed:
            store_provenance(record, facts)

    def _absorbed(self, duplicate: str, record: dict[str, Any], into: str) -> None:
        """The model ``duplicate`` became one with ``into`` (:meth:`Linker.absorb`): what its
        offerings said of it as another name of ``into`` — a name, limits, modalities — is said
        of ``into``, as if they had been linked to it from the first."""
        self._model_facts.pop(duplicate, None)
        by_statement: dict[FactProvenance, dict[str, Any]] = {}
        for path, prov in record_provenance(record, MODEL_FACTS).items():
            if path == "name" or path.startswith(_MODEL_SECTIONS):
                by_statement.setdefault(prov, {})[path] = get_fact(record, path)
        for prov, observed in sorted(by_statement.items()):
            self._state_model_facts(into, observed, prov)

    def _model_order(self, p: FactProvenance, vendor: str) -> tuple[int, int, str, str]:
        """Where ``p`` stands among the statements of a model fact of ``vendor`` (lower wins): the
        vendor's own API first, then by source type, then by source and offering name — a total
        order, so the fact a model ends with does not depend on which offering spoke first;
        remembered per (provenance, vendor)."""
        key = (p, vendor)
        order = self._orders.get(key)
        if order is None:
            provider = (p.ref or "").split("/", 1)[0]
            order = self._orders[key] = (0 if self.rules.is_first_party(provider, vendor) else 1,
                                            rank(self.merger.kind(p.source, provider), p, self.now), p.source, p.ref or "")
        return order

    def _drop_weaker_in_sections(self, record: dict[str, Any], facts: dict[str, FactProvenance],
                                 observed: Mapping[str, Any], strength: tuple[int, int, str, str], vendor: str) -> bool:
        """A stronger offering stating limits or modalities states the whole set: what a weaker
        one filled in beside them goes (the same set whichever spoke first)."""
        stated = {path.split(".", 1)[0] + "." for path in observed if path.startswith(_MODEL_SECTIONS)}
        dropped = [path for path, p in facts.items() if path not in observed and path.startswith(tuple(stated))
                   and strength < self._model_order(p, vendor)]
        for path in dropped:
            delete_fact(record, path)
            del facts[path]
        return bool(dropped)

    # -- ledger and retirement ----------------------------------------------------------------

def expand_rules(tree: Tree, rules: Iterable[MatchRule]) -> tuple[list[OfferingObservation], Counter[str]]:
    """A catalog's match rules as observations of the offerings they match in ``tree`` (for each
    offering of a rule's providers, the first rule in the catalog's order that matches its id),
    and the rules that match nothing, counted by reason."""
    rules = list(rules)
    by_provider: dict[str, list[MatchRule]] = {}
    for rule in rules:
        for provider in rule.providers:
            by_provider.setdefault(provider, []).append(rule)
    observations: list[OfferingObservation] = []
    used: set[int] = set()
    for provider, provider_rules in sorted(by_provider.items()):
        record = tree.providers.get(provider)
        for upstream_id in sorted(record["offerings"]) if record is not None else ():
            key = upstream_id.lower()
            rule = next((r for r in provider_rules if r.matches(key)), None)
            if rule is not None:
                observations.append(OfferingObservation(provider, upstream_id, dict(rule.facts)))
                used.add(id(rule))
    unmatched: Counter[str] = Counter()
    for rule in rules:
        if id(rule) not in used:
            names = ", ".join(rule.providers)
            known = any(p in tree.providers for p in rule.providers)
            unmatched[f"matches no {names} offering in the catalog" if known else f"no provider {names} in the catalog"] += 1
    return observations, unmatched


def run_listings(snapshots: Iterable[Snapshot]) -> dict[str, RunListing]:
    """Per source of a run: the (provider, upstream id) pairs it lists and when."""
    return {s.source: RunListing(s.observed_at, frozenset((o.provider, o.upstream_id) for o in s.offerings))
            for s in snapshots}


def reconcile(
    tree: Tree,
    snapshot: Snapshot,
    *,
    only_providers: set[str] | None = None,
    links: RunLinks | None = None,
    allow_shrink: bool = False,
    run_listings: Mapping[str, RunListing] | None = None,
) -> Summary:
    """Apply one source's snapshot to ``tree`` in place; return what it did.

    ``only_providers``: the snapshot was cut down to these providers (``--provider``); the
    ledger then keeps what it knew of the others. ``links``: what the whole run says about linking
    (:func:`refresher.run.linking.run_links`; default: this snapshot alone).
    ``allow_shrink``: a human checked the removals; retire even past the shrink guard.
    ``run_listings``: what the other sources of the same run list (:func:`run_listings`): a
    source applied later in the run still says its values now, so it is not judged stale.
    """
    parse_instant(snapshot.observed_at)  # refuse a malformed observation time before touching anything
    links = links if links is not None else run_links(tree, [snapshot])
    work = _Reconciler(tree, snapshot, only_providers, links, allow_shrink, run_listings or {})
    for obs in snapshot.providers:
        work.provider(obs.provider, obs.facts, obs.api_package)
    rules = work.rules

    def first_party_first(o: OfferingObservation) -> tuple[bool, str, str]:
        vendor = rules.canonical_model_id(o.provider, o.upstream_id).split("/", 1)[0]
        return (not rules.is_first_party(o.provider, vendor), o.provider, o.upstream_id)

    ordered = sorted(work.offerings, key=first_party_first)
    for obs in ordered:
        work.offering(obs)
    keep_ledger(tree, snapshot, work.offerings, work.summary, partial=only_providers, allow_shrink=allow_shrink,
                guards=work.guards)
    if snapshot.confirms_only and not only_providers:
        remember(tree, snapshot, work.pending)
    retired = settle_by_own_listing(tree, snapshot, work.merger.kind)
    work.summary.retired += len(retired)
    work.summary.retired_ids += retired
    return work.summary


def create_provisional(tree: Tree, links: RunLinks, provider: str, upstream_id: str,
                       statements: Mapping[str, tuple[str, dict[str, Any]]], agreed: Iterable[str],
                       run_listings: Mapping[str, RunListing] | None = None) -> Summary:
    """Create the offering ``upstream_id`` of ``provider`` that the sources ``agreed`` (two or
    more pricing it alike, :mod:`refresher.run.provisional`) price: ``provisional``, each of its
    facts decided from every source's statement of it (``statements``, those that disagree too)
    — the newest agreeing one speaks, the others' statements are on the record before it does,
    so which came first changes nothing."""
    speaker, (as_of, facts) = max(((s, statements[s]) for s in agreed), key=lambda kv: (kv[1][0], kv[0]))
    work = _Reconciler(tree, Snapshot(speaker, as_of, confirms_only=True), None, links, False, run_listings or {})
    obs = OfferingObservation(provider, upstream_id, facts)
    record: dict[str, Any] = {"model": work.linker.link(obs), "provisional": True}
    others: dict[str, list[dict[str, Any]]] = {}
    for source, (when, said) in sorted(statements.items()):
        if source != speaker:
            for path, value in said.items():
                note_disagreement(others, path, source, value, when)
    if others:
        record["disagreements"] = others
    tree.providers[provider]["offerings"][upstream_id] = record
    work.merger.merge(record, OFFERING_FACTS, facts, provider, f"{provider}/{upstream_id}", upstream_id)
    for source, (when, said) in sorted(statements.items()):  # each names the model, as when it confirms it
        work.model(record["model"], OfferingObservation(provider, upstream_id, said), (source, when))
    work.summary.added += 1
    return work.summary


def _zero_unsaid(facts: Mapping[str, Any]) -> bool:
    """Whether an observation prices input and output at 0 and says nothing of being free: 67
    offerings of metered providers were listed so (Models.dev), and priced at $0, cheapest of all."""
    return facts.get("price.input") == 0 and facts.get("price.output") == 0 and not facts.get("free")
