"""Reading the tree as facts with freshness: ``faimeta status`` and ``faimeta show``.

Both look at the working tree through gate_consumer (:func:`refresher.publish.build.catalog_of`), so
they resolve ids and judge freshness exactly as Gate does with the published catalog: per
fact, its source's type for that provider, when the source last confirmed it (the ledger,
folded into the catalog), the policy for that type, and whether another source disagrees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gate_consumer.catalog import Catalog
from gate_consumer.errors import AmbiguousModelError, UnknownModelError
from gate_consumer.facts import MODEL_FACTS, OFFERING_FACTS, fact_paths
from gate_consumer.freshness import Freshness
from gate_consumer.instants import format_instant, parse_instant
from gate_consumer.provenance import record_provenance
from refresher.publish.build import catalog_of
from refresher.tree.store import Tree

__all__ = ["FactView", "NotFound", "find", "provider_status", "record_facts", "source_ages"]


@dataclass(frozen=True)
class FactView:
    path: str
    value: Any
    source: str
    source_type: str
    reference: str
    as_of: str
    confirmed_at: str
    freshness: Freshness
    disagreements: tuple[dict[str, Any], ...]
    agreements: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        out = {
            "value": self.value,
            "source": self.source,
            "source_type": self.source_type,
            "reference": self.reference,
            "as_of": self.as_of,
            "confirmed_at": self.confirmed_at,
            "freshness": self.freshness.value,
        }
        if self.agreements:
            out["agreements"] = list(self.agreements)
        if self.disagreements:
            out["disagreements"] = list(self.disagreements)
        return out


def provider_status(catalog: Catalog, now: datetime, providers: list[str] | None = None) -> list[dict[str, Any]]:
    """The "cost truth" view: per provider, offerings, priced, price freshness counts, oldest age.

    It is gate_consumer's report over the catalog read (the working tree's, made in memory by
    :func:`refresher.publish.build.catalog_of`, or a published one), so it says what Gate's
    report says."""
    rows = []
    for entry in catalog.freshness_report(now, sorted(providers or catalog.provider_ids)):
        oldest = entry.oldest_price_confirmed
        rows.append(
            {
                "provider": entry.provider,
                "offerings": entry.tracked + entry.unpriced,
                "priced": entry.tracked,
                "unpriced": entry.unpriced,
                **{s.value: getattr(entry, s.value) for s in Freshness},
                "oldest_price_confirmed": oldest,
                "oldest_price_age_days": (now - parse_instant(oldest)).days if oldest else None,
            }
        )
    return rows


class NotFound(LookupError):
    """No record has that id; ``suggestions`` lists close ones."""

    def __init__(self, query: str, suggestions: list[str]):
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no model, offering or alias is called {query!r}.{hint}")
        self.suggestions = suggestions


def find(tree: Tree, query: str, catalog: Catalog | None = None) -> list[tuple[str, str, str | None]]:
    """Records named by ``query``: ``("model", vendor, slug)`` or ``("offering", provider, upstream_id)``.

    Resolved exactly as gate_consumer resolves ids (:meth:`gate_consumer.Catalog.resolve`): an
    id that names a model (its id, its name, an alias) is the model; any other id is the offering
    ``faimeta price`` prices it on (:meth:`gate_consumer.Catalog.pick_offering`). Several hits
    are ambiguous. Raises :class:`NotFound` with suggestions. ``catalog``: the tree's, if already
    made (:func:`refresher.publish.build.catalog_of`).
    """
    catalog = catalog or catalog_of(tree, "metadata")
    try:
        resolution = catalog.resolve(query)
    except UnknownModelError as exc:
        raise NotFound(query, list(exc.suggestions)) from None
    except AmbiguousModelError as exc:
        return [("model", *model_id.split("/", 1)) for model_id in exc.candidates]  # type: ignore[misc]
    if resolution.offering_key is not None:
        return [("offering", *resolution.offering_key.split("/", 1))]  # type: ignore[list-item]
    if resolution.matched_by.startswith(("model", "alias")):
        return [("model", *resolution.model.id.split("/", 1))]  # type: ignore[list-item]
    try:
        return [("offering", *catalog.pick_offering(query).key.split("/", 1))]  # type: ignore[list-item]
    except AmbiguousModelError as exc:
        return [("offering", *key.split("/", 1)) for key in exc.candidates]  # type: ignore[misc]


def offering_named(catalog: Catalog, key: str) -> tuple[str, str, str | None]:
    """The offering ``provider/upstream-id`` exactly (``show --offering``), as :func:`find`
    names a hit; :class:`NotFound` with the provider's closest ids."""
    provider, _, upstream_id = key.partition("/")
    try:
        catalog.offering(provider, upstream_id)
    except UnknownModelError as exc:
        raise NotFound(key, list(exc.suggestions)) from None
    return ("offering", provider, upstream_id)


def record_facts(tree: Tree, hit: tuple[str, str, str | None], now: datetime,
                 catalog: Catalog | None = None) -> dict[str, Any]:
    """A record with every fact's value, source, dates and freshness, for ``show``."""
    catalog = catalog or catalog_of(tree, "metadata")
    kind, owner, key = hit
    if kind == "model":
        target = catalog.model(f"{owner}/{key}")
        record = target.record
        spec = MODEL_FACTS
        head = {"kind": "model", "id": target.id, "aliases": list(target.aliases),
                "offerings": sorted(target.offering_keys)}
    else:
        target = catalog.offering(owner, key or "")
        record = target.record
        spec = OFFERING_FACTS
        head = {"kind": "offering", "provider": owner, "upstream_id": key, "model": record["model"],
                "route_type": tree.providers[owner]["route_type"]}
        if record.get("price_history"):
            head["price_history"] = record["price_history"]
    facts = {}
    for path in fact_paths(record, spec):
        fact = catalog.freshness(target, path, now)
        view = FactView(path, fact.value, fact.source, fact.source_type,
                        fact.ref or catalog.source_info(fact.source).get("url", ""), fact.as_of, fact.confirmed_at,
                        fact.freshness, tuple(record.get("disagreements", {}).get(path, ())),
                        tuple(record.get("agreements", {}).get(path, ())))
        facts[path] = view.to_json()
    return {**head, "evaluated_at": format_instant(now), "facts": facts}


def source_ages(tree: Tree, now: datetime, providers: list[str] | None = None) -> list[dict[str, Any]]:
    """Per registered source: its type, when it was last checked and last listed completely.
    ``providers``: only the sources that state a fact of theirs (published, agreeing or not)."""
    ledger = tree.ledger.get("sources", {})
    speaking = None if providers is None else sources_of(tree, providers)
    out = []
    for name, info in sorted(tree.sources.get("sources", {}).items()):
        if info["type"] == "manual-review" or (speaking is not None and name not in speaking):
            continue  # reviews are not fetched; `status` lists the expiring ones
        entry = ledger.get(name, {})
        succeeded = entry.get("succeeded_at")
        out.append({"source": name, "type": info["type"], "checked_at": entry.get("checked_at"),
                    "succeeded_at": succeeded,
                    "age_days": (now - parse_instant(succeeded)).days if succeeded else None})
    return out


def sources_of(tree: Tree, providers: list[str]) -> set[str]:
    """The sources that state a fact of these providers' offerings: published, agreeing or not."""
    named: set[str] = set()
    for slug in providers:
        for offering in tree.providers[slug]["offerings"].values():
            named.update(fact.source for fact in record_provenance(offering, OFFERING_FACTS).values())
            for kind in ("agreements", "disagreements"):
                for entries in offering.get(kind, {}).values():
                    named.update(entry["source"] for entry in entries)
    return named


def unit_of(path: str) -> str:
    """The unit a fact's value is in, for people (docs/data-model.md)."""
    if path in ("price.image", "price.request"):
        return f" USD per {path.removeprefix('price.')}"
    if path == "price.web_search":
        return " USD per search"
    if path.startswith("price.") and "." not in path[6:] and path[6:] not in ("tiers", "regions", "off_peak"):
        return " USD/1M" if path[6:] not in ("batch", "flex", "priority") else " USD/1M tokens"
    if path.startswith("limits."):
        return " tokens"
    return ""


def priced_offerings(tree, keys: list[str]) -> list[str]:
    """Each offering's standard price, cheapest first, from the index (no provider file read)."""
    from gate_consumer.records import Offering, cheapest_first
    from refresher.tree.index import offering_record, provider_extracts

    extracts = provider_extracts(tree)
    offerings = []
    for key in keys:
        provider, _, upstream_id = key.partition("/")
        offerings.append(Offering(provider, upstream_id, offering_record(extracts[provider]["offerings"][upstream_id])))
    rows = []
    for offering in cheapest_first(offerings):
        price = offering.price or {}
        cost = (f"{price['input']:g} / {price['output']:g}" if price.get("input") is not None
                and price.get("output") is not None else "unpriced")
        rows.append(f"{offering.key:<60} {cost}{' (retired)' if offering.status == 'retired' else ''}")
    return rows
