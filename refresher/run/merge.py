"""One source's statements applied to a record, and every fact of it decided again.

:class:`FactMerger` reads what each source currently says of a record (an offering, or a
provider): the holder of each fact, the sources agreeing and those disagreeing, each with the
date it first said its value. The speaking source's statements replace its own; every fact is
then decided from all of them by :mod:`refresher.run.verdict` and written back — agreements,
disagreements, a price that changed over time into ``price_history`` — and what a reviewer must
see is flagged (a price held for review or left out as implausible, a move of
``guards.max_price_ratio`` or more).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from gate_consumer.facts import (
    OFFERING_FACTS,
    FactSpec,
    delete_fact,
    fact_count,
    get_fact,
    set_fact,
)
from gate_consumer.freshness import SOURCE_RANK, SOURCE_TYPES, relative_source_type
from gate_consumer.provenance import FactProvenance, record_provenance
from refresher.rules.sanity import (
    DISCOUNTS,
    MEDIA_TEXT,
    TOKEN_PRICE_FIELDS,
    consistent,
    dearer_than_standard,
    far_apart,
    media_price_problem,
    moves_beyond,
    same_value,
)
from refresher.rules.text import (
    name_problem,
    url_problem,
)
from refresher.run.evidence_book import store_entries, store_provenance
from refresher.run.precedence import Standing
from refresher.run.summary import Summary
from refresher.run.verdict import Credit, Statement, Verdict, verdict
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

    def merge(
        self, record: dict[str, Any], spec: FactSpec, observed: dict[str, Any], provider: str, label: str,
        upstream_id: str | None = None,
    ) -> bool:
        """Apply one source's facts to a record (the offering ``upstream_id`` of ``provider``,
        or the provider itself): its statements replace what it said before, and every fact is
        decided again from all the statements (:mod:`refresher.run.verdict`). Return whether the
        record changed."""
        if self._says_again(record, spec, observed):
            return False  # the common case: nothing new
        source, now = self.snap.source, self.now
        before = _clone(record)
        facts = record_provenance(record, spec)
        old_facts, old_price = dict(facts), _clone(record.get("price"))
        statements = self._statements(record, facts, provider, upstream_id)
        previous = {path: by_source.get(source) for path, by_source in statements.items()}
        for path, value in observed.items():
            said = previous.get(path)
            since = said.provenance.as_of if said is not None and same_value(said.value, value) else now
            mine = FactProvenance(source, since)
            statements.setdefault(path, {})[source] = Statement(
                value, mine, self._standing(mine, provider, upstream_id)._replace(latest=now))
        if not self.snap.confirms_only:  # a catalog that only confirms says nothing by silence
            for path, by_source in statements.items():
                if path not in observed:
                    by_source.pop(source, None)
        at = max([now, *(s.standing.latest for by_source in statements.values() for s in by_source.values())])
        verdicts = {path: self._verdict(spec, path, statements[path].values(), at)
                    for path in ("price.input", "price.output") if path in statements}
        credit = _credit(verdicts, statements)
        for path, by_source in statements.items():
            if path not in verdicts:
                verdicts[path] = self._verdict(spec, path, by_source.values(), at, credit)
        excluded = self._exclude_unpublishable(verdicts, statements, at, credit, record, old_facts)
        if spec is OFFERING_FACTS:
            excluded |= self._exclude_implausible(verdicts, statements, at, record, credit)
        self._publish(record, facts, statements, verdicts, excluded)
        self._flag(label, observed, previous, old_facts, old_price, record, verdicts, excluded)
        if old_price and record.get("price") != old_price and self._price_ended(old_facts, old_price, statements, facts):
            self._remember_price(record, old_price, old_facts)
        if facts != old_facts:
            store_provenance(record, facts)
        return record != before

    def _statements(self, record: dict[str, Any], facts: dict[str, FactProvenance], provider: str,
                    upstream_id: str | None) -> dict[str, dict[str, Statement]]:
        """What each source currently says of each fact of ``record``, by path and source: the
        holder, the agreeing sources (the published value) and the disagreeing ones."""
        statements: dict[str, dict[str, Statement]] = {}

        def add(path: str, value: Any, prov: FactProvenance) -> None:
            statements.setdefault(path, {})[prov.source] = Statement(value, prov, self._standing(prov, provider, upstream_id))

        for path, entries in record.get("disagreements", {}).items():
            for entry in entries:
                add(path, entry["value"], FactProvenance(entry["source"], entry["as_of"]))
        for path, entries in record.get("agreements", {}).items():
            value = get_fact(record, path)
            for entry in entries:
                add(path, entry.get("value", value), FactProvenance(entry["source"], entry["as_of"]))
        for path, prov in facts.items():
            add(path, get_fact(record, path), prov)
        return statements

    def _verdict(self, spec: FactSpec, path: str, statements: Iterable[Statement], at: str,
                 credit: Credit | None = None) -> Verdict:
        guarded = spec is OFFERING_FACTS and _is_token_price(path)
        return verdict(path, list(statements), at, guarded=guarded, max_ratio=self.max_ratio, credit=credit)

    def _exclude_unpublishable(self, verdicts: dict[str, Verdict], statements: dict[str, dict[str, Statement]],
                               at: str, credit: Credit, record: dict[str, Any],
                               facts: dict[str, FactProvenance]) -> dict[tuple[str, str], str]:
        """Leave out of the verdicts a name or URL that cannot be published
        (:mod:`refresher.rules.text`: a ``base_url`` of ``http://[evil`` or ``javascript:``, a
        name with a bidirectional override), deciding such a fact again without it — and where
        no other source states it, the value published until now stays (a hostile value neither
        publishes nor erases: a provider keeps its name). Returns them, by (path, source), with
        why."""
        excluded: dict[tuple[str, str], str] = {}
        for path, check in _TEXT_CHECKS.items():
            if path not in statements:
                continue
            bad = {s.source: why for s in statements[path].values() if (why := check(s.value)) is not None}
            if not bad:
                continue
            excluded |= {(path, source): why for source, why in bad.items()}
            left = [s for s in statements[path].values() if s.source not in bad]
            verdicts[path] = self._verdict(OFFERING_FACTS, path, left, at, credit)
            current, holder = get_fact(record, path), facts.get(path)
            if verdicts[path].winner is None and holder is not None and check(current) is None:
                verdicts[path] = Verdict(Statement(current, holder, Standing(0, holder.as_of, None)))
        return excluded

    def _exclude_implausible(self, verdicts: dict[str, Verdict], statements: dict[str, dict[str, Statement]], at: str,
                             record: dict[str, Any], credit: Credit) -> dict[tuple[str, str], str]:
        """Leave out of the verdicts the price statements the rest of the published price would
        contradict (:func:`_implausible`: a discount dearer than the standard price, a media token
        price over ×100 the text one), deciding such a fact again without them; return them, by
        (path, source), with why."""
        excluded: dict[tuple[str, str], str] = {}
        for _ in range(len(TOKEN_PRICE_FIELDS)):
            price = {k: v for k, v in (record.get("price") or {}).items() if f"price.{k}" not in verdicts}
            price |= {path[6:]: v.winner.value for path, v in verdicts.items()
                      if path.startswith("price.") and v.winner is not None}
            found = [(f"price.{name}", why) for name, why in _implausible(price)]
            if not found:
                break
            for path, why in found:
                excluded[(path, verdicts[path].winner.source)] = why
                left = [s for s in statements[path].values() if (path, s.source) not in excluded]
                verdicts[path] = self._verdict(OFFERING_FACTS, path, left, at, credit)
        return excluded

    def _publish(self, record: dict[str, Any], facts: dict[str, FactProvenance],
                 statements: dict[str, dict[str, Statement]], verdicts: dict[str, Verdict],
                 excluded: Mapping[tuple[str, str], str]) -> None:
        """Write the verdicts into ``record``: each published value and its holder, the other
        statements as agreements or disagreements (an expired review is neither)."""
        agreements: dict[str, list[dict[str, Any]]] = {}
        disagreements: dict[str, list[dict[str, Any]]] = {}
        for path, by_source in statements.items():
            winner, current = verdicts[path].winner, get_fact(record, path)
            if winner is None:
                if current is not None:
                    delete_fact(record, path)
                facts.pop(path, None)
                value = None
            else:
                value = current if current is not None and same_value(current, winner.value) else winner.value
                if value is not current:
                    set_fact(record, path, value)
                facts[path] = winner.provenance
            for statement in sorted(by_source.values(), key=lambda s: s.source):
                prov = statement.provenance
                if statement is winner or (prov.expires is not None and prov.expires <= self.now):
                    continue
                entry = {"source": prov.source, "as_of": prov.as_of}
                if value is not None and (path, prov.source) not in excluded and consistent(value, statement.value):
                    if not same_value(value, statement.value):
                        entry["value"] = statement.value  # part of the published value: kept as said
                    agreements.setdefault(path, []).append(entry)
                else:
                    disagreements.setdefault(path, []).append({"source": prov.source, "value": statement.value,
                                                               "as_of": prov.as_of})
        store_entries(record, agreements, disagreements)

    def _price_ended(self, old_facts: dict[str, FactProvenance], old_price: dict[str, Any],
                     statements: dict[str, dict[str, Statement]], facts: dict[str, FactProvenance]) -> bool:
        """Whether the published price changed over time — a component's holder no longer says
        it (it moved, or fell silent), a review pinning it expired, or a source that priced the
        offering added a component — rather than another source winning over one that still
        says its value (a disagreement, not history)."""
        pricing = {p.source for path, p in old_facts.items() if path.startswith("price.")}
        if any(path.startswith("price.") and path not in old_facts and p.source in pricing for path, p in facts.items()):
            return True
        for path, holder in old_facts.items():
            if not path.startswith("price.") or path[6:] not in old_price:
                continue
            said = statements.get(path, {}).get(holder.source)
            if said is None or not same_value(said.value, old_price[path[6:]]) or \
                    (holder.expires is not None and holder.expires <= self.now):
                return True
        return False

    def _flag(self, label: str, observed: Mapping[str, Any], previous: Mapping[str, Statement | None],
              old_facts: dict[str, FactProvenance], old_price: dict[str, Any] | None, record: dict[str, Any],
              verdicts: dict[str, Verdict], excluded: Mapping[tuple[str, str], str]) -> None:
        """Flag for a reviewer, once: a token price of this source far from the published one
        (held for review, or simply outvoted), a price left out as implausible, a published token
        price that moved by ``guards.max_price_ratio`` or more."""
        source = self.snap.source
        for (path, holder), why in sorted(excluded.items()):
            said = previous.get(path)
            new = holder == source and (said is None or not same_value(said.value, observed.get(path)))
            if new or (old_facts.get(path) is not None and old_facts[path].source == holder):
                self.summary.flagged.append(f"{label}: {path} held for review: {why}")
        for path, value in observed.items():
            said = previous.get(path)
            if (said is not None and same_value(said.value, value)) or (path, source) in excluded:
                continue  # flagged when it first said so
            winner = verdicts[path].winner
            if winner is None or winner.source == source or consistent(get_fact(record, path), value):
                continue
            held = any(s.source == source for s in verdicts[path].held)
            self._flag_conflict(label, path, get_fact(record, path), winner.provenance, value,
                                "held for review: it is no stronger than the published source" if held
                                else "the published value stays")
        for path, holder in old_facts.items():
            if _is_token_price(path):
                winner = verdicts[path].winner if path in verdicts else None
                why = "price changed" if winner is None or winner.source == holder.source else \
                    f"{winner.source} takes over from {holder.source}"
                self._flag_jump(label, path, (old_price or {}).get(path[6:]), get_fact(record, path), why)

    def _says_again(self, record: dict[str, Any], spec: FactSpec, observed: dict[str, Any]) -> bool:
        """Whether this source states exactly what it stated before — each observed fact its
        current statement (held, agreeing or disagreeing) with the same value, and no other
        statement of it that its silence would drop — so that the verdicts, decided from the same
        statements, would not change. The common case of a run, answered from the record as
        written, without decoding its provenance (issue 17)."""
        provenance = record.get("provenance")
        if not provenance:
            return False
        source, fields, default = self.snap.source, provenance.get("fields", {}), provenance["source"]
        if "off_peak" in (record.get("price") or {}) or \
                any(entry.get("expires") is not None and entry["expires"] <= self.now for entry in fields.values()):
            return False  # off-peak hours may have ended, a review may have expired: verdicts that change with time
        agreements, disagreements = record.get("agreements", {}), record.get("disagreements", {})
        for path, value in observed.items():
            section, _, name = path.partition(".")  # get_fact, inline: this runs for every fact of a run
            current = (record.get(section) or {}).get(name) if name else record.get(section)
            holder = fields[path]["source"] if path in fields else (default if current is not None else None)
            if holder == source:
                said = current
            else:
                entry = next((e for e in agreements.get(path, ()) if e["source"] == source), None)
                if entry is not None:
                    said = entry.get("value", current)
                else:
                    entry = next((e for e in disagreements.get(path, ()) if e["source"] == source), None)
                    if entry is None:
                        return False  # a new statement
                    said = entry["value"]
            if not same_value(said, value):
                return False
        if self.snap.confirms_only:
            return True  # its silence drops nothing
        stated = sum(1 for entry in fields.values() if entry["source"] == source)
        if default == source:
            stated += fact_count(record, spec) - len(fields)
        stated += sum(1 for book in (agreements, disagreements) for entries in book.values()
                      if any(e["source"] == source for e in entries))
        return stated == len(observed)  # else it no longer states something it stated

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

    def _remember_price(self, record: dict[str, Any], old_price: dict[str, Any],
                        old_facts: dict[str, FactProvenance]) -> None:
        """Keep the replaced price, valid from its first observation until now."""
        anchor = old_facts.get("price.input") or min(p for k, p in old_facts.items() if k.startswith("price."))
        record.setdefault("price_history", []).append(
            {"price": old_price, "source": anchor.source, "as_of": anchor.as_of, "until": self.now}
        )
        record["price_history"].sort(key=lambda h: (h["as_of"], h["until"]))


#: the facts whose text is checked before it is published, with the check
_TEXT_CHECKS = {"name": name_problem, "base_url": url_problem, "docs_url": url_problem, "pricing_url": url_problem}


def _implausible(price: dict[str, Any]) -> list[tuple[str, str]]:
    """The price's components the rest of it contradicts, each with why: a discount dearer than
    the standard price, a media token price over ×100 the text one."""
    found = [(dimension, dearer_than_standard(price, dimension)) for dimension in DISCOUNTS]
    found += [(name, media_price_problem(price, name)) for name in MEDIA_TEXT]
    return [(name, why) for name, why in found if why is not None]


def _credit(standard: Mapping[str, Verdict], statements: Mapping[str, Mapping[str, Statement]]) -> Credit:
    """What the verdicts on ``price.input`` and ``price.output`` say of the sources (:class:`Credit`)."""
    winners = [standard[path].winner for path in ("price.input", "price.output") if path in standard]
    if len(winners) != 2 or None in winners:
        return Credit()
    trusted = winners[0].source if winners[0].source == winners[1].source else None
    discredited = frozenset(
        s.source for path, winner in zip(("price.input", "price.output"), winners, strict=True)
        for s in statements[path].values() if not consistent(winner.value, s.value))
    return Credit(trusted, discredited)

