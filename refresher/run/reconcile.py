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
from typing import Any, NamedTuple

from gate_consumer.facts import (
    MODEL_FACTS,
    OFFERING_FACTS,
    PROVIDER_FACTS,
    FactSpec,
    fact_count,
    get_fact,
    set_fact,
)
from gate_consumer.freshness import SOURCE_RANK, SOURCE_TYPES, relative_source_type
from gate_consumer.instants import parse_instant
from gate_consumer.provenance import FactProvenance, record_provenance
from refresher.rules.classify import classify
from refresher.rules.sanity import (
    TOKEN_PRICE_FIELDS,
    consistent,
    covers,
    far_apart,
    moves_beyond,
    same_value,
)
from refresher.run.evidence_book import (
    add_agreement,
    drop_entry,
    note_disagreement,
    store_entries,
    store_provenance,
    value_replaced,
)
from refresher.run.ledger import keep_ledger
from refresher.run.linking import Linker, RunLinks, run_links
from refresher.run.precedence import Standing, is_fresh, takes_over
from refresher.run.summary import Summary
from refresher.sources.base import MatchRule, OfferingObservation, Skipped, Snapshot
from refresher.tree.record_schema import guards_of
from refresher.tree.store import Tree

__all__ = ["expand_rules", "reconcile", "run_listings", "source_type"]

_MODEL_SECTIONS = ("limits.", "modalities.")


def source_type(tree: Tree, source: str, provider: str) -> str:
    """A source's type for one provider's offerings: a provider's own API is ``provider-api`` for
    that provider only; what it says of other sellers is ``aggregator-offer`` evidence."""
    info = tree.sources["sources"].get(source) or {}
    return relative_source_type(info.get("type"), info.get("provider"), provider)


def _rank(kind: str, p: FactProvenance, now: str) -> int:
    """How strong ``p`` is, a source of type ``kind`` (0 strongest)."""
    if kind == "manual-review" and p.expires is not None and p.expires <= now:
        return len(SOURCE_TYPES)  # an expired review no longer pins anything
    return SOURCE_RANK[kind]


def _clone(value: Any) -> Any:
    """A copy of a JSON value (dicts, lists, scalars): ``copy.deepcopy`` at a fifth of the cost."""
    if type(value) is dict:
        return {k: _clone(v) for k, v in value.items()}
    if type(value) is list:
        return [_clone(v) for v in value]
    return value


def _is_token_price(path: str) -> bool:
    """Whether a fact path is a token price (``price.input``…), the prices the guards watch."""
    return path.startswith("price.") and path[6:] in TOKEN_PRICE_FIELDS


def _delete(record: dict[str, Any], path: str) -> None:
    section, _, name = path.partition(".")
    if not name:
        record.pop(section, None)
        return
    part = record.get(section) or {}
    part.pop(name, None)
    if not part:
        record.pop(section, None)


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
        self.run_listings = run_listings or {}
        self.tree = tree
        # a catalog's match rules name offerings only against the tree as it is now
        matched, unmatched = expand_rules(tree, snapshot.rules)
        self.offerings = [*snapshot.offerings, *matched]
        self.allow_shrink = allow_shrink
        self.partial = partial
        self.snap = snapshot
        self.now = snapshot.observed_at
        self._listed: dict[tuple[str, str], set[str]] = {}
        self._kinds: dict[tuple[str, str], str] = {}  # (source, provider) → source_type
        self._strengths: dict[tuple[FactProvenance, str], tuple[int, int]] = {}
        self._model_facts: dict[str, dict[str, FactProvenance]] = {}  # model id → its facts' provenance
        self.rules = links.rules
        self.guards = guards_of(tree.sources)
        self.max_ratio = self.guards.max_price_ratio
        self.summary = Summary(
            snapshot.source, snapshot.observed_at, fetched=snapshot.records, parsed=len(self.offerings)
        )
        self.summary.skipped = list(snapshot.skipped)
        self.summary.unmapped = snapshot.unmapped + unmatched
        self.linker = Linker(tree, self.rules, links, self._model_record, self.summary.warn)

    # -- providers ---------------------------------------------------------------------------

    def provider(self, slug: str, facts: dict[str, Any], api_package: str | None) -> None:
        record = self.tree.providers.get(slug)
        if record is None and self.snap.confirms_only:
            self.summary.unmapped[f"no provider {slug} in the catalog"] += 1
            return
        if record is None:
            record = {"id": slug, **classify(slug, api_package), "offerings": {}}
            self.tree.providers[slug] = record
        self._merge_facts(record, PROVIDER_FACTS, facts, slug, slug)

    # -- facts -------------------------------------------------------------------------------

    def _kind(self, source: str, provider: str) -> str:
        """:func:`source_type`, asked once per pair: the registry does not change during a reconcile."""
        key = (source, provider)
        kind = self._kinds.get(key)
        if kind is None:
            kind = self._kinds[key] = source_type(self.tree, source, provider)
        return kind

    def _standing(self, prov: FactProvenance, provider: str, upstream_id: str | None) -> Standing:
        """``prov`` as the precedence rule sees it (:mod:`refresher.run.precedence`)."""
        kind = self._kind(prov.source, provider)
        policy = self.tree.sources.get("freshness_policy", {}).get(kind) or {}
        pinned = (prov.expires or "9999-12-31T00:00:00Z") if kind == "manual-review" else None
        return Standing(_rank(kind, prov, self.now), self._last_said(prov, provider, upstream_id),
                        policy.get("fresh_days"), pinned)

    def _last_said(self, prov: FactProvenance, provider: str, upstream_id: str | None) -> str:
        """When ``prov``'s source last still said its value: its last listing that included the
        offering (the ledger), else when it first said it."""
        if prov.source == self.snap.source:
            return prov.as_of  # this source's ledger is updated after its facts
        said = prov.as_of
        in_run = self.run_listings.get(prov.source)
        if in_run is not None and (upstream_id is None or (provider, upstream_id) in in_run.offerings):
            said = max(said, in_run.observed_at)  # it says so again in this run
        entry = self.tree.ledger.get("sources", {}).get(prov.source)
        if not entry:
            return said
        key = (prov.source, provider)
        listed = self._listed.get(key)
        if listed is None:
            absent = entry.get("absences", {}).get(provider, {})
            listed = self._listed[key] = {i for i in entry.get("listed", {}).get(provider, ()) if i not in absent}
        if upstream_id is not None and upstream_id not in listed:
            return said
        return max(said, entry.get("succeeded_at") or "", entry.get("confirmed_at", {}).get(provider) or "")

    def _heir(self, entries: Iterable[dict[str, Any]], provider: str, upstream_id: str | None) -> FactProvenance | None:
        """Of the sources agreeing with a value its holder no longer states, the one the
        precedence rule would publish."""
        best: tuple[FactProvenance, Standing] | None = None
        for entry in entries:
            prov = FactProvenance(entry["source"], entry["as_of"])
            standing = self._standing(prov, provider, upstream_id)
            if best is None or takes_over(standing, best[1]):
                best = (prov, standing)
        return best[0] if best else None

    def _merge_facts(
        self, record: dict[str, Any], spec: FactSpec, observed: dict[str, Any], provider: str, label: str,
        upstream_id: str | None = None,
    ) -> bool:
        """Apply one source's facts to a record (the offering ``upstream_id`` of ``provider``,
        or the provider itself); return whether the record changed."""
        if self._says_again(record, spec, observed):
            return False
        source, now = self.snap.source, self.now
        facts = record_provenance(record, spec)
        old_facts, old_price = dict(facts), _clone(record.get("price"))
        # Only the source that set a price can change it over time; another source taking over
        # is a disagreement between sources, not history.
        owns_price = any(p.source == source for k, p in facts.items() if k.startswith("price."))
        mine = FactProvenance(source, now)
        new_standing = self._standing(mine, provider, upstream_id)
        disagreements: dict[str, list[dict[str, Any]]] = record.get("disagreements", {})
        agreements: dict[str, list[dict[str, Any]]] = record.get("agreements", {})
        changed = price_moved = False
        for path, value in observed.items():
            current, current_prov = get_fact(record, path), facts.get(path)
            tracked = path.startswith("price.")  # agreement is kept for price facts
            # Another source stating part of a structured value (a batch price without its cache
            # prices) or more of it, the same where both state it, agrees with it.
            agrees = current_prov is not None and (same_value(current, value) or (
                current_prov.source != source and consistent(current, value)))
            if agrees and current_prov.source == source:  # the common case: a source says again what it said
                changed |= bool(disagreements) and drop_entry(disagreements, path, source)
                continue
            current_standing = self._standing(current_prov, provider, upstream_id) if current_prov else None
            if agrees:
                changed |= drop_entry(disagreements, path, source)
                if covers(value, current) and takes_over(new_standing, current_standing) and \
                        (new_standing.rank < current_standing.rank or
                         not is_fresh(current_standing, max(now, current_standing.latest))):
                    # a stronger or fresher source now vouches for the same value (or states more
                    # of it), since it first said so
                    since = next((a["as_of"] for a in agreements.get(path, ()) if a["source"] == source), now)
                    if not same_value(current, value):
                        set_fact(record, path, value)
                    facts[path] = FactProvenance(source, since)
                    changed = True
                    if tracked:
                        drop_entry(agreements, path, source)
                        add_agreement(agreements, path, current_prov.source, current_prov.as_of)
                elif tracked:
                    changed |= add_agreement(agreements, path, source, now)
                continue
            takeover = current_standing is None or takes_over(new_standing, current_standing)
            if takeover and self._held(path, current, value, current_prov, new_standing, current_standing,
                                       agreements.get(path, ()), disagreements.get(path, ())):
                changed |= drop_entry(agreements, path, source)
                if note_disagreement(disagreements, path, source, value, now):
                    changed = True  # flagged once, when it first disagrees so
                    self._flag_conflict(label, path, current, current_prov, value,
                                        "held for review: it is no stronger than the published source")
            elif takeover:
                # a source that already said this value (as a disagreement) said it since then
                since = next((d["as_of"] for d in disagreements.get(path, ())
                              if d["source"] == source and same_value(d["value"], value)), now)
                set_fact(record, path, value)
                facts[path] = FactProvenance(source, since)
                changed = True
                value_replaced(agreements, disagreements, path, source, current, value, tracked=tracked)
                if current_prov is not None and current_prov.expires is not None and current_prov.expires <= now:
                    # An expired manual review: its value held until now, so it is history.
                    price_moved |= path.startswith("price.")
                elif current_prov is not None and current_prov.source != source:
                    # Another source took over: its value is a disagreement, not a price change
                    # over time.
                    note_disagreement(disagreements, path, current_prov.source, current, current_prov.as_of)
                    self._flag_jump(label, path, current, value, f"{source} takes over from {current_prov.source}")
                elif path.startswith("price.") and (current_prov is not None or owns_price):
                    price_moved = True
            else:
                changed |= drop_entry(agreements, path, source)
                if note_disagreement(disagreements, path, source, value, now):
                    changed = True  # a new or different disagreement: flag it once, not every run
                    self._flag_conflict(label, path, current, current_prov, value, "the published value stays")
        for path in [p for p, entries in agreements.items() if p not in observed]:
            changed |= drop_entry(agreements, path, source)  # it no longer states that fact
        for path, prov in list(facts.items()):
            if prov.source == source and path not in observed:
                heir = self._heir(agreements.get(path, ()), provider, upstream_id)
                if heir is not None:  # another source still states the value: it holds it now
                    facts[path] = heir
                    drop_entry(agreements, path, heir.source)
                else:
                    _delete(record, path)  # the source that stated it no longer does: unknown again
                    del facts[path]
                    price_moved |= path.startswith("price.")
                changed = True
        store_entries(record, agreements, disagreements)
        if old_price and price_moved:
            self._remember_price(record, label, old_price, old_facts)
        if facts != old_facts:
            store_provenance(record, facts)
        return changed

    def _says_again(self, record: dict[str, Any], spec: FactSpec, observed: dict[str, Any]) -> bool:
        """Whether ``observed`` is exactly what ``record`` holds from this source — every fact the
        same value and held by it, every fact it holds still stated, none of its agreements or
        disagreements to drop — so that merging would change nothing. The common case of a
        run, answered from the encoded provenance without decoding it (issue 17)."""
        provenance = record.get("provenance")
        if not provenance:
            return False
        source, fields, default = self.snap.source, provenance.get("fields", {}), provenance["source"]
        for path, value in observed.items():
            if (fields[path]["source"] if path in fields else default) != source:
                return False
            section, _, name = path.partition(".")  # get_fact, inline: this runs for every fact of a run
            if not same_value((record.get(section) or {}).get(name) if name else record.get(section), value):
                return False
        held = sum(1 for entry in fields.values() if entry["source"] == source)
        if default == source:
            held += fact_count(record, spec) - len(fields)
        if held != len(observed):
            return False  # it no longer states a fact it holds
        for name in ("disagreements", "agreements"):
            for path, entries in record.get(name, {}).items():
                if (name == "disagreements" or path not in observed) and any(e["source"] == source for e in entries):
                    return False
        return True

    def _held(self, path: str, current: Any, value: Any, current_prov: FactProvenance | None, new: Standing,
              held_by: Standing | None, agreeing: Iterable[dict[str, Any]], disagreeing: Iterable[dict[str, Any]]) -> bool:
        """Whether a takeover waits for a review: another source, no stronger than the one
        published, would move a token price by more than ``guards.max_price_ratio`` (or to 0),
        and no more sources say the new value than the published one. Such a gap is more often a
        unit or row mix-up in one catalog (Portkey's MiniMax in dollars where cents are meant)
        than a price change, so age alone does not publish it; a majority of independent sources
        does. An expired review ranks below every source (``_rank``), so it is never held."""
        if current_prov is None or held_by is None or current_prov.source == self.snap.source or new.rank < held_by.rank:
            return False
        if not (_is_token_price(path) and far_apart(current, value, self.max_ratio)):
            return False
        if current == 0:
            return False  # a price where 0 was published is the safer error: a request is not billed at $0
        backing_new = 1 + sum(1 for d in disagreeing if d["source"] != self.snap.source and same_value(d["value"], value))
        backing_published = 1 + sum(1 for a in agreeing if a["source"] != self.snap.source)
        return backing_new <= backing_published

    def _flag_jump(self, label: str, path: str, old: Any, new: Any, why: str) -> None:
        """Flag a token price that moves by more than ``guards.max_price_ratio`` either way."""
        if _is_token_price(path) and moves_beyond(old, new, self.max_ratio):
            self.summary.flagged.append(f"{label}: {path} {old} → {new} ({why}, more than ×{self.max_ratio:g})")

    def _flag_conflict(self, label: str, path: str, published: Any, holder: FactProvenance | None, said: Any,
                       outcome: str) -> None:
        """Flag a source stating a token price more than ``guards.max_price_ratio`` away from the
        published one, which it does not replace."""
        if _is_token_price(path) and far_apart(published, said, self.max_ratio):
            gap = ": one says 0" if (published == 0) != (said == 0) else f" by more than ×{self.max_ratio:g}"
            self.summary.flagged.append(
                f"{label}: {path} {published} ({holder.source if holder else 'published'}); {self.snap.source} says "
                f"{said} (sources disagree{gap}; {outcome})")

    def _remember_price(
        self, record: dict[str, Any], label: str, old_price: dict[str, Any], old_facts: dict[str, FactProvenance]
    ) -> None:
        """Keep the replaced price, valid from its first observation until now."""
        anchor = old_facts.get("price.input") or min(p for k, p in old_facts.items() if k.startswith("price."))
        record.setdefault("price_history", []).append(
            {"price": old_price, "source": anchor.source, "as_of": anchor.as_of, "until": self.now}
        )
        record["price_history"].sort(key=lambda h: (h["as_of"], h["until"]))
        for name in TOKEN_PRICE_FIELDS:
            self._flag_jump(label, f"price.{name}", old_price.get(name), get_fact(record, f"price.{name}"), "price changed")

    # -- offerings and models ----------------------------------------------------------------

    def offering(self, obs: OfferingObservation) -> None:
        provider = self.tree.providers.get(obs.provider)
        if provider is None and self.snap.confirms_only:
            self.summary.unmapped[f"no provider {obs.provider} in the catalog"] += 1
            return
        if provider is None:
            self.summary.skipped.append(Skipped(f"{obs.provider}/{obs.upstream_id}", "provider not described by the source"))
            return
        offerings = provider["offerings"]
        record = offerings.get(obs.upstream_id)
        if record is None and self.snap.confirms_only:
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
            target = self.linker.link(obs)  # a moving -latest follows what its provider says it is now
            relinked, record["model"] = target != record["model"], target
        was_retired = record.get("status") == "retired"
        label = f"{obs.provider}/{obs.upstream_id}"
        obs = self._listed_regions_only(obs, provider.get("regions"))
        changed_now = self._merge_facts(record, OFFERING_FACTS, obs.facts, obs.provider, label, obs.upstream_id)
        if record.get("status") != "retired":
            record.pop("retired_at", None)
        if changed is not None:
            if was_retired and record.get("status") != "retired":
                self.summary.revived += 1
            elif changed_now or relinked:
                self.summary.changed += 1
            else:
                self.summary.unchanged += 1
        if not self.snap.confirms_only:  # a catalog that only confirms leaves the models alone
            if self.rules.canonical_model_id(obs.provider, obs.upstream_id) != record["model"]:
                # another name of the model (a snapshot, an alias): the model's own facts — its
                # name, release date — are not this name's
                obs = dataclasses.replace(obs, model_facts={})
            self.model(record["model"], obs)

    def _listed_regions_only(self, obs: OfferingObservation, listed: list[str] | None) -> OfferingObservation:
        """``obs`` without the regional prices of regions its provider does not list (counted):
        one source's region must not make the tree invalid for every other."""
        regions = obs.facts.get("price.regions")
        if not regions or listed is None:
            return obs
        kept = {name: spec for name, spec in regions.items() if name in listed}
        for name in sorted(set(regions) - set(kept)):
            self.summary.unmapped[f"region {name[:40]} not listed by {obs.provider}"] += 1
        facts = {k: v for k, v in obs.facts.items() if k != "price.regions"} | ({"price.regions": kept} if kept else {})
        return dataclasses.replace(obs, facts=facts)

    def _model_record(self, model_id: str) -> dict[str, Any]:
        """The canonical model's record, created (and counted) if it is new."""
        vendor, slug = model_id.split("/", 1)
        models = self.tree.vendors.setdefault(vendor, {"vendor": vendor, "models": {}})["models"]
        if slug not in models:
            models[slug] = {}
            self.summary.models_added += 1
        return models[slug]

    def model(self, model_id: str, obs: OfferingObservation) -> None:
        vendor, slug = model_id.split("/", 1)
        record = self._model_record(model_id)
        observed = dict(obs.model_facts)
        if "name" not in record:
            # A listing of bare ids still names the model: by the id the source listed.
            observed.setdefault("name", obs.facts.get("name") or slug)
        observed.update({p: v for p, v in obs.facts.items() if p.startswith(_MODEL_SECTIONS)})
        ref = f"{obs.provider}/{obs.upstream_id}"
        facts = self._model_facts.get(model_id)
        if facts is None:  # a model has many offerings: its provenance is read once per source
            facts = self._model_facts[model_id] = record_provenance(record, MODEL_FACTS)
        mine = FactProvenance(self.snap.source, self.now, ref)
        strength = self._model_strength(mine, vendor)
        changed = False
        for path, value in observed.items():
            current, current_prov = get_fact(record, path), facts.get(path)
            if current == value:
                if current_prov is not None and strength < self._model_strength(current_prov, vendor):
                    facts[path] = mine  # the stronger offering vouches for the same value
                    changed = True
                continue
            if current_prov is None and "." in path:
                # Limits and modalities come as a set: a weaker offering (a reseller's cap) does
                # not fill a gap beside the stronger source's values.
                section = path.split(".", 1)[0] + "."
                current_prov = min(
                    (p for k, p in facts.items() if k.startswith(section)),
                    key=lambda p: self._model_strength(p, vendor),
                    default=None,
                )
            if (
                current_prov is None
                or strength < self._model_strength(current_prov, vendor)
                or (current_prov.source, current_prov.ref) == (mine.source, mine.ref)
            ):
                set_fact(record, path, value)
                facts[path] = mine
                changed = True
        if changed:
            store_provenance(record, facts)
        for alias in obs.aliases:
            self.linker.add_alias(record, model_id, alias)

    def _model_strength(self, p: FactProvenance, vendor: str) -> tuple[int, int]:
        """How strongly ``p`` backs a model fact of ``vendor`` (lower is stronger): the vendor's
        own API first, then by source type; remembered per (provenance, vendor)."""
        key = (p, vendor)
        strength = self._strengths.get(key)
        if strength is None:
            provider = (p.ref or "").split("/", 1)[0]
            strength = self._strengths[key] = (0 if self.rules.is_first_party(provider, vendor) else 1,
                                               _rank(self._kind(p.source, provider), p, self.now))
        return strength

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


class RunListing(NamedTuple):
    """What one source of a run lists, and when it was observed."""

    observed_at: str
    offerings: frozenset[tuple[str, str]]


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
    return work.summary
