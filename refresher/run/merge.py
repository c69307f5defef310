"""The rule that turns what sources say into one published fact, applied one source at a time.

:class:`FactMerger` applies one source's statements to a record (an offering, or a provider):
which statement is published (:mod:`refresher.run.precedence`: the strongest fresh source, a
manual review until it expires), what becomes an agreement or a disagreement (only through
:mod:`refresher.run.evidence_book`), when a replaced price moves into ``price_history``, and
which moves are flagged for a reviewer (beyond ``guards.max_price_ratio``, or to 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from gate_consumer.facts import OFFERING_FACTS, FactSpec, fact_count, get_fact, set_fact
from gate_consumer.freshness import SOURCE_RANK, SOURCE_TYPES, relative_source_type
from gate_consumer.provenance import FactProvenance, record_provenance
from refresher.rules.sanity import (
    DISCOUNTS,
    MEDIA_TEXT,
    TOKEN_PRICE_FIELDS,
    consistent,
    covers,
    dearer_than_standard,
    far_apart,
    media_price_problem,
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
from refresher.run.precedence import Standing, is_fresh, takes_over
from refresher.run.summary import Summary
from refresher.sources.base import Snapshot
from refresher.tree.store import Tree

__all__ = ["FactMerger", "RunListing", "rank", "source_type"]


class RunListing(NamedTuple):
    """What one source of a run lists, and when it was observed."""

    observed_at: str
    offerings: frozenset[tuple[str, str]]


def source_type(tree: Tree, source: str, provider: str) -> str:
    """A source's type for one provider's offerings: a provider's own API is ``provider-api`` for
    that provider only; what it says of other sellers is ``aggregator-offer`` evidence."""
    info = tree.sources["sources"].get(source) or {}
    return relative_source_type(info.get("type"), info.get("provider"), provider)


def rank(kind: str, p: FactProvenance, now: str) -> int:
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


class FactMerger:
    """Applies the statements of one source (``snapshot``) to records of ``tree``; flags go to
    ``summary``. ``run_listings``: what the other sources of the same run list."""

    def __init__(self, tree: Tree, snapshot: Snapshot, summary: Summary, max_ratio: float,
                 run_listings: Mapping[str, RunListing]):
        self.tree = tree
        self.snap = snapshot
        self.now = snapshot.observed_at
        self.summary = summary
        self.max_ratio = max_ratio
        self.run_listings = run_listings
        self._listed: dict[tuple[str, str], set[str]] = {}
        self._kinds: dict[tuple[str, str], str] = {}  # (source, provider) → source_type

    def kind(self, source: str, provider: str) -> str:
        """:func:`source_type`, asked once per pair: the registry does not change during a reconcile."""
        key = (source, provider)
        kind = self._kinds.get(key)
        if kind is None:
            kind = self._kinds[key] = source_type(self.tree, source, provider)
        return kind

    def _standing(self, prov: FactProvenance, provider: str, upstream_id: str | None) -> Standing:
        """``prov`` as the precedence rule sees it (:mod:`refresher.run.precedence`)."""
        kind = self.kind(prov.source, provider)
        policy = self.tree.sources.get("freshness_policy", {}).get(kind) or {}
        pinned = (prov.expires or "9999-12-31T00:00:00Z") if kind == "manual-review" else None
        return Standing(rank(kind, prov, self.now), self._last_said(prov, provider, upstream_id),
                        policy.get("fresh_days"), pinned, prov.as_of)

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

    def merge(
        self, record: dict[str, Any], spec: FactSpec, observed: dict[str, Any], provider: str, label: str,
        upstream_id: str | None = None,
    ) -> bool:
        """Apply one source's facts to a record (the offering ``upstream_id`` of ``provider``,
        or the provider itself); return whether the record changed."""
        if self._says_again(record, spec, observed) and \
                not self._off_peak_ended(record, lambda: record_provenance(record, spec), provider, upstream_id):
            return False  # nothing new, and no time-bound price of another source has ended
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
        stated = observed  # what the source says, withheld or not: its silence is only about the rest
        if spec is OFFERING_FACTS:
            observed, changed = self._withhold_implausible(record, observed, disagreements, label)
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
            # the newcomer changed to this value when it first said it (a disagreement it kept
            # saying), not now: a source repeating an old value does not take a price back
            since = next((d["as_of"] for d in disagreements.get(path, ())
                          if d["source"] == source and same_value(d["value"], value)), now)
            stating = new_standing if since == now else new_standing._replace(changed=since)
            takeover = current_standing is None or takes_over(stating, current_standing)
            if takeover and self._held(path, current, value, current_prov, stating, current_standing,
                                       agreements.get(path, ()), disagreements.get(path, ())):
                changed |= drop_entry(agreements, path, source)
                if note_disagreement(disagreements, path, source, value, now):
                    changed = True  # flagged once, when it first disagrees so
                    self._flag_conflict(label, path, current, current_prov, value,
                                        "held for review: it is no stronger than the published source")
            elif takeover:
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
        for path in [p for p, entries in agreements.items() if p not in stated]:
            changed |= drop_entry(agreements, path, source)  # it no longer states that fact
        for path, prov in list(facts.items()):
            if prov.source == source and path not in stated:
                heir = self._heir(agreements.get(path, ()), provider, upstream_id)
                if heir is not None:  # another source still states the value: it holds it now
                    facts[path] = heir
                    drop_entry(agreements, path, heir.source)
                    changed = True
                    continue
                if self.snap.confirms_only:
                    continue  # a catalog that only confirms what it prices says nothing by silence
                _delete(record, path)  # the source that stated it no longer does: unknown again
                del facts[path]
                price_moved |= path.startswith("price.")
                changed = True
        if self._off_peak_ended(record, lambda: facts, provider, upstream_id):
            # a time-bound price no fresh source states any more has ended: it is history, and
            # what its source last said of it stays that source's statement (a disagreement)
            _withdraw(record, facts, disagreements, "off_peak")
            price_moved = changed = True
        if record.get("price"):
            changed |= self._hold_implausible_prices(record, facts, disagreements, label)
        store_entries(record, agreements, disagreements)
        if old_price and price_moved and record.get("price") != old_price:  # not a price held back again
            self._remember_price(record, label, old_price, old_facts)
        if facts != old_facts:
            store_provenance(record, facts)
        return changed

    def _off_peak_ended(self, record: dict[str, Any], facts: Callable[[], dict[str, FactProvenance]], provider: str,
                        upstream_id: str | None) -> bool:
        """Whether the record publishes off-peak hours whose source, another than this one, no
        longer states them freshly: a discount or promotion ends, and a stale statement of it
        is not evidence it still holds (DeepSeek's off-peak discount, ended in September 2025,
        was published months later from a catalog's old statement). ``facts``: the record's
        provenance, asked only when it has off-peak hours."""
        if (record.get("price") or {}).get("off_peak") is None:
            return False
        holder = facts().get("price.off_peak")
        if holder is None or holder.source == self.snap.source:
            return False
        return not is_fresh(self._standing(holder, provider, upstream_id), self.now)

    def _withhold_implausible(self, record: dict[str, Any], observed: dict[str, Any],
                              disagreements: dict[str, list[dict[str, Any]]], label: str) -> tuple[dict[str, Any], bool]:
        """``observed`` without the prices that would be implausible beside the rest of the
        offering's price as this source would leave it (:meth:`_hold_implausible_prices` says
        which): each stays this source's disagreement, flagged once, and is not applied — so a
        source repeating such a price changes nothing. Returns the rest and whether the record
        changed."""
        prospective = dict(record.get("price") or {})
        prospective.update((path[6:], value) for path, value in observed.items() if path.startswith("price."))
        changed, withheld = False, {}
        for name, why in _implausible(prospective):
            path = f"price.{name}"
            if path in observed:
                withheld[path] = observed[path]
                if note_disagreement(disagreements, path, self.snap.source, observed[path], self.now):
                    changed = True
                    self.summary.flagged.append(f"{label}: {path} held for review: {why}")
        if withheld:  # a new dict: the observation is the source's, and stays as it said it
            observed = {path: value for path, value in observed.items() if path not in withheld}
        return observed, changed

    def _hold_implausible_prices(self, record: dict[str, Any], facts: dict[str, FactProvenance],
                                 disagreements: dict[str, list[dict[str, Any]]], label: str) -> bool:
        """Hold for review a price the rest of the offering's price contradicts: an off-peak,
        batch or flex price that charges more than the standard one (DeepSeek's off-peak output
        0.55 beside a standard 0.42, after the discount ended), or an audio or image token price
        more than ×100 the text price (gpt-4o-mini-transcribe's audio input at 3,000). It is not
        published, it stays its source's disagreement, and it is flagged once. Returns whether
        the record changed."""
        implausible = _implausible(record["price"])
        for name, why in implausible:
            if _withdraw(record, facts, disagreements, name):
                self.summary.flagged.append(f"{label}: price.{name} held for review: {why}")
        return bool(implausible)

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
        published, would move a token price by ``guards.max_price_ratio`` or more (or to 0),
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
        """Flag a token price that moves by ``guards.max_price_ratio`` or more either way."""
        if _is_token_price(path) and moves_beyond(old, new, self.max_ratio):
            self.summary.flagged.append(f"{label}: {path} {old} → {new} ({why}, ×{self.max_ratio:g} or more)")

    def _flag_conflict(self, label: str, path: str, published: Any, holder: FactProvenance | None, said: Any,
                       outcome: str) -> None:
        """Flag a source stating a token price ``guards.max_price_ratio`` or more away from the
        published one, which it does not replace."""
        if _is_token_price(path) and far_apart(published, said, self.max_ratio):
            gap = ": one says 0" if (published == 0) != (said == 0) else f" by ×{self.max_ratio:g} or more"
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


def _implausible(price: dict[str, Any]) -> list[tuple[str, str]]:
    """The price's components the rest of it contradicts, each with why: a discount dearer than
    the standard price, a media token price over ×100 the text one."""
    found = [(dimension, dearer_than_standard(price, dimension)) for dimension in DISCOUNTS]
    found += [(name, media_price_problem(price, name)) for name in MEDIA_TEXT]
    return [(name, why) for name, why in found if why is not None]


def _withdraw(record: dict[str, Any], facts: dict[str, FactProvenance], disagreements: dict[str, list[dict[str, Any]]],
              name: str) -> bool:
    """Take the price component ``name`` out of what ``record`` publishes and keep it as its
    holder's disagreement (dated from when the holder first said it); return whether that
    disagreement is new."""
    path = f"price.{name}"
    holder, value = facts.pop(path, None), record["price"][name]
    _delete(record, path)
    return holder is not None and note_disagreement(disagreements, path, holder.source, value, holder.as_of)
