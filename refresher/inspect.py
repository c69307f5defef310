"""Reading the tree as facts with freshness: ``faimeta status`` and ``faimeta show``.

Freshness needs, per fact: its source's type for that provider, the time the source last
confirmed it (the ledger: a source that still lists the offering confirms the facts it owns
at its last successful check), the policy for that type, and whether another source disagrees.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gate_consumer._time import format_instant, parse_instant
from gate_consumer.errors import AmbiguousModelError, UnknownModelError
from gate_consumer.facts import MODEL_FACTS, OFFERING_FACTS, FactSpec, iter_facts
from gate_consumer.freshness import Freshness, FreshnessPolicy, compute_freshness, worst
from gate_consumer.provenance import FactProvenance, decode_provenance
from refresher.build import catalog_of, confirmations
from refresher.reconcile import source_type
from refresher.store import Tree

__all__ = ["FactView", "NotFound", "find", "provider_status", "record_facts"]


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
        if self.disagreements:
            out["disagreements"] = list(self.disagreements)
        return out


class Facts:
    """Freshness of facts in one tree, evaluated at ``now``."""

    def __init__(self, tree: Tree, now: datetime):
        self.tree = tree
        self.now = now
        self.policies = {
            kind: FreshnessPolicy(p["fresh_days"], p["stale_days"])
            for kind, p in tree.sources.get("freshness_policy", {}).items()
        }
        self.ledger = tree.ledger.get("sources", {})
        self._confirmed = confirmations(tree)  # the same rule the published catalog carries

    def confirmed_at(self, prov: FactProvenance, provider: str, upstream_id: str | None) -> str:
        """When the fact's source last still said so: its last listing of the offering (a model's
        facts: the source's last complete listing), never before the fact was first seen."""
        if upstream_id is None:
            seen = self.ledger.get(prov.source, {}).get("succeeded_at") or ""
        else:
            seen = self._confirmed.get((provider, upstream_id), {}).get(prov.source, "")
        return max(prov.as_of, seen)

    def of(self, record: dict[str, Any], spec: FactSpec, provider: str, upstream_id: str | None) -> list[FactView]:
        paths = [(path, value) for path, value in iter_facts(record, spec)]
        if not paths:
            return []
        provenance = decode_provenance(record["provenance"], [p for p, _ in paths])
        disagreements = record.get("disagreements", {})
        views = []
        for path, value in paths:
            prov = provenance[path]
            kind = source_type(self.tree, prov.source, provider)
            confirmed = self.confirmed_at(prov, provider, upstream_id)
            freshness = compute_freshness(
                source_type=kind,
                confirmed_at=parse_instant(confirmed),
                now=self.now,
                policy=self.policies.get(kind),
                expires=parse_instant(prov.expires) if prov.expires else None,
                conflict=bool(disagreements.get(path)),
            )
            source_info = self.tree.sources.get("sources", {}).get(prov.source, {})
            views.append(
                FactView(path, value, prov.source, kind, prov.ref or source_info.get("url", ""), prov.as_of,
                         confirmed, freshness, tuple(disagreements.get(path, ())))
            )
        return views


def price_freshness(views: list[FactView]) -> Freshness | None:
    """One status for an offering's price: the worst of its price facts; None if unpriced."""
    statuses = {v.freshness for v in views if v.path.startswith("price.")}
    return worst(statuses)


def provider_status(tree: Tree, now: datetime, providers: list[str] | None = None) -> list[dict[str, Any]]:
    """The "cost truth" view: per provider, offerings, priced, price freshness counts, oldest age."""
    facts = Facts(tree, now)
    rows = []
    for slug in sorted(providers or tree.providers):
        record = tree.providers[slug]
        counts: Counter[str] = Counter()
        offerings = priced = 0
        oldest: str | None = None
        for upstream_id, offering in sorted(record["offerings"].items()):
            if offering.get("status") == "retired":
                continue
            offerings += 1
            views = facts.of(offering, OFFERING_FACTS, slug, upstream_id)
            status = price_freshness(views)
            if status is None:
                continue
            priced += 1
            counts[status.value] += 1
            confirmed = min(v.confirmed_at for v in views if v.path.startswith("price."))
            oldest = confirmed if oldest is None or confirmed < oldest else oldest
        rows.append(
            {
                "provider": slug,
                "offerings": offerings,
                "priced": priced,
                "unpriced": offerings - priced,
                **{s.value: counts.get(s.value, 0) for s in Freshness},
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


def find(tree: Tree, query: str) -> list[tuple[str, str, str | None]]:
    """Records named by ``query``: ``("model", vendor, slug)`` or ``("offering", provider, upstream_id)``.

    Resolved exactly as gate_consumer resolves ids (:meth:`gate_consumer.Catalog.resolve`): a
    model id or alias, ``provider/upstream_id`` or an upstream id, then the same ignoring case,
    dots and dashes. Several hits are ambiguous. Raises :class:`NotFound` with suggestions.
    """
    catalog = catalog_of(tree, "metadata")
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
    return [("offering", *key.split("/", 1)) for key in resolution.named_keys]  # type: ignore[misc]


def record_facts(tree: Tree, hit: tuple[str, str, str | None], now: datetime) -> dict[str, Any]:
    """A record with every fact's value, source, dates and freshness, for ``show``."""
    facts = Facts(tree, now)
    kind, owner, key = hit
    if kind == "model":
        record = tree.vendors[owner]["models"][key]
        views = facts.of(record, MODEL_FACTS, "", None)
        offerings = sorted(
            f"{p}/{uid}"
            for p, data in tree.providers.items()
            for uid, o in data["offerings"].items()
            if o["model"] == f"{owner}/{key}"
        )
        head = {"kind": "model", "id": f"{owner}/{key}", "aliases": record.get("aliases", []), "offerings": offerings}
    else:
        provider = tree.providers[owner]
        record = provider["offerings"][key]
        views = facts.of(record, OFFERING_FACTS, owner, key)
        head = {"kind": "offering", "provider": owner, "upstream_id": key, "model": record["model"],
                "route_type": provider["route_type"]}
        if record.get("price_history"):
            head["price_history"] = record["price_history"]
    return {**head, "evaluated_at": format_instant(now), "facts": {v.path: v.to_json() for v in views}}

