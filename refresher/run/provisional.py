"""Day-one pricing: a vendor's new model is priced before the vendor's own listing has it.

A catalog that only confirms never creates an offering alone (a typo or a rumour in one map
must not become a price). But users' first complaint about every catalog is "new models priced
from day one", and the catalogs are faster than the providers' listings we hold. So:

1. A catalog's price for an offering the tree lacks, of a **first-party** provider (the vendor's
   own API: Anthropic's ``claude-opus-5``; or a cloud's: Bedrock, Azure, Vertex), is remembered
   as that catalog's **pending** statement (``ledger.json``, the catalog's entry; its next
   listing replaces it). A catalog that prices by rules (genai-prices, Langfuse) states its price
   for the pending ids its rules match, in the run it takes part in.
2. After each run, an offering that **two or more sources** price alike (the same input and
   output) is created **provisional** (``"provisional": true``): its facts decided from every
   pending statement of it, as any fact is (:mod:`refresher.run.verdict`), whichever came first.
3. A listing that creates offerings (the vendor's own, or one like Models.dev's) **confirms** it
   (``provisional`` goes: it would have created it, had it come first — so ``provisional`` means
   exactly "only catalogs state it"); the vendor's own complete listing, newer than every
   statement of it and without it, **retires** it — whether that listing came before the
   catalogs' agreement or after (a retired offering still prices usage of its time).

Freshness reads ``provisional`` for every fact of such an offering (``gate_consumer``), so Gate
and a reader see that no provider has stated it yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gate_consumer.facts import OFFERING_FACTS
from gate_consumer.provenance import record_provenance
from refresher.rules.sanity import same_value
from refresher.run.canonical import VendorRules
from refresher.run.ledger import retire_offering
from refresher.sources.base import OfferingObservation, Snapshot
from refresher.tree.store import Tree

__all__ = ["OWN_WORD", "Pending", "agreeing_statements", "forget", "is_first_party_offering", "listed_by", "own_listing",
           "pending_of", "remember", "said_last", "settle_by_own_listing"]

#: the source types that speak for the provider itself: its listing confirms or retires
OWN_WORD = frozenset({"provider-api", "provider-pricing", "provider-docs"})

#: (provider, upstream id) → source → (as_of, facts): what each source says of an offering the tree lacks
Pending = dict[tuple[str, str], dict[str, tuple[str, dict[str, Any]]]]


def is_first_party_offering(tree: Tree, rules: VendorRules, provider: str, upstream_id: str) -> bool:
    """Whether ``provider`` is the vendor's own API for the model ``upstream_id`` names, or a cloud."""
    record = tree.providers.get(provider)
    if record is None:
        return False
    vendor = rules.canonical_model_id(provider, upstream_id).split("/", 1)[0]
    return rules.is_first_party(provider, vendor) or record.get("route_type") == "cloud"


def remember(tree: Tree, snapshot: Snapshot, observations: Iterable[OfferingObservation]) -> None:
    """Keep ``snapshot``'s statements of the offerings the tree lacks as its pending ones (its
    previous ones go: a listing says what the catalog says now)."""
    pending: dict[str, dict[str, Any]] = {}
    for obs in observations:
        facts = {k: v for k, v in obs.facts.items() if v is not None}
        if "price.input" in facts and "price.output" in facts:
            pending.setdefault(obs.provider, {})[obs.upstream_id] = {"as_of": snapshot.observed_at, "facts": facts}
    _keep_pending(tree, snapshot.source, pending)


def _keep_pending(tree: Tree, source: str, pending: Mapping[str, Mapping[str, Any]]) -> None:
    """``pending`` (provider → upstream id → statement) as ``source``'s pending statements, in order."""
    entry = tree.ledger.setdefault("sources", {}).setdefault(source, {})
    if pending:
        entry["pending"] = {p: dict(sorted(ids.items())) for p, ids in sorted(pending.items())}
    else:
        entry.pop("pending", None)


def pending_of(tree: Tree, rule_snapshots: Iterable[Snapshot] = ()) -> Pending:
    """Every source's pending statements (the ledger's), and those the rules of ``rule_snapshots``
    (catalogs of this run that price by rules) make of the pending ids they match — which
    replace what those catalogs said in an earlier run, and are kept as their pending statements
    (so a pending id two rule-based catalogs price alike is created whichever ran first)."""
    rule_snapshots = list(rule_snapshots)
    now = {s.source for s in rule_snapshots}
    found: Pending = {}
    for source, entry in sorted(tree.ledger.get("sources", {}).items()):
        if source in now:
            continue
        for provider, ids in entry.get("pending", {}).items():
            for upstream_id, statement in ids.items():
                found.setdefault((provider, upstream_id), {})[source] = (statement["as_of"], statement["facts"])
    for snapshot in rule_snapshots:
        said: dict[str, dict[str, Any]] = {}
        for (provider, upstream_id), by_source in found.items():
            rule = next((r for r in snapshot.rules if provider in r.providers and r.matches(upstream_id.lower())), None)
            facts = {k: v for k, v in (rule.facts if rule is not None else {}).items() if v is not None}
            if "price.input" in facts and "price.output" in facts:
                by_source[snapshot.source] = (snapshot.observed_at, facts)
                said.setdefault(provider, {})[upstream_id] = {"as_of": snapshot.observed_at, "facts": facts}
        _keep_pending(tree, snapshot.source, said)
    return found


def listed_by(tree: Tree, provider: str, upstream_id: str, sources: Iterable[str]) -> None:
    """The sources whose statements created an offering list it (their ledger entries say so, as
    their next listing would)."""
    for source in sources:
        listed = tree.ledger["sources"].get(source, {}).setdefault("listed", {})
        if upstream_id not in listed.get(provider, ()):
            listed[provider] = sorted([*listed.get(provider, ()), upstream_id])


def forget(tree: Tree, provider: str, upstream_id: str) -> None:
    """Drop every source's pending statement of an offering the tree now has (catalogs confirm it)."""
    for entry in tree.ledger.get("sources", {}).values():
        ids = entry.get("pending", {}).get(provider)
        if ids and ids.pop(upstream_id, None) is not None:
            if not ids:
                del entry["pending"][provider]
            if not entry["pending"]:
                del entry["pending"]


def agreeing_statements(statements: Mapping[str, tuple[str, dict[str, Any]]]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The statements of one pending offering that price it alike with at least one other source
    (the same input and output); empty when none do. Of several such groups, the largest, then
    the one first said."""
    groups: list[dict[str, tuple[str, dict[str, Any]]]] = []
    for source, (as_of, facts) in sorted(statements.items()):
        if "price.input" not in facts or "price.output" not in facts:
            continue  # a statement without a standard price agrees with nothing
        for group in groups:
            other = next(iter(group.values()))[1]
            if same_value(facts["price.input"], other["price.input"]) and \
                    same_value(facts["price.output"], other["price.output"]):
                group[source] = (as_of, facts)
                break
        else:
            groups.append({source: (as_of, facts)})
    agreed = [g for g in groups if len(g) >= 2]
    if not agreed:
        return {}
    return min(agreed, key=lambda g: (-len(g), min(a for a, _ in g.values()), sorted(g)))


def said_last(offering: Mapping[str, Any]) -> str:
    """When a source last stated the offering's standard input price: a listing older than that
    cannot refute it."""
    facts = record_provenance(offering, OFFERING_FACTS)
    holder = facts.get("price.input")
    times = [holder.as_of] if holder is not None else []
    times += [a["as_of"] for a in offering.get("agreements", {}).get("price.input", ())]
    return max(times, default="")


def own_listing(tree: Tree, provider: str, kind: Callable[[str, str], str]) -> tuple[str, str] | None:
    """The provider's newest complete own listing in the ledger: (source, when), or None."""
    found = [(entry["succeeded_at"], source) for source, entry in tree.ledger.get("sources", {}).items()
             if entry.get("succeeded_at") and kind(source, provider) in OWN_WORD and provider in entry.get("listed", {})]
    if not found:
        return None
    when, source = max(found)
    return source, when


def settle_by_own_listing(tree: Tree, snapshot: Snapshot, kind: Callable[[str, str], str]) -> list[str]:
    """A listing that creates offerings settles the provisional ones: any such listing of it
    confirms it (it would have created it, had it come first: ``provisional`` means that only
    catalogs state it); the provider's own complete listing without it, newer than every
    statement of it, retires it. Returns the keys it retired."""
    if snapshot.confirms_only:
        return []
    listed: dict[str, set[str]] = {}
    for obs in snapshot.offerings:
        listed.setdefault(obs.provider, set()).add(obs.upstream_id)
    retired = []
    for provider, record in tree.providers.items():
        own = kind(snapshot.source, provider) in OWN_WORD
        if not own and provider not in listed:
            continue
        for upstream_id, offering in record["offerings"].items():
            if not offering.get("provisional"):
                continue
            if upstream_id in listed.get(provider, ()):
                offering.pop("provisional")
            elif own and snapshot.complete and snapshot.observed_at > said_last(offering):
                retire_offering(offering, snapshot.source, snapshot.observed_at)
                retired.append(f"{provider}/{upstream_id}")
    return retired
