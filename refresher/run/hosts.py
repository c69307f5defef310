"""One metered provider per API host, after every refresh.

Gate finds the provider a route calls by its ``base_url``'s host, so a host named by two metered
providers would send one provider's costs to the other — a community listing adding a provider
of its own at api.anthropic.com priced Claude at $0.0001/M for every Anthropic route. After the
sources of a run are reconciled, each host keeps the ``base_url`` of the provider it belongs to
(:func:`refresher.rules.text.host_owners`); every other metered provider naming it publishes no
``base_url``, its sources' statements stay disagreements, and the change report lists it as a
risk. Decided from the whole tree, so the outcome does not depend on which source came first.
"""

from __future__ import annotations

from gate_consumer.checks import UNMETERED_ROUTES, url_host
from gate_consumer.facts import PROVIDER_FACTS
from gate_consumer.provenance import record_provenance
from refresher.rules.text import host_owners
from refresher.run.evidence_book import note_disagreement, store_entries, store_provenance
from refresher.tree.store import Tree

__all__ = ["one_provider_per_host"]


def one_provider_per_host(tree: Tree) -> list[str]:
    """Withdraw, in ``tree``, the ``base_url`` of each metered provider whose host another
    provider owns; return one message per withdrawn URL, for the change report."""
    owners = host_owners(tree.providers, tree.sources.get("sources", {}))
    withdrawn = []
    for provider_id, record in sorted(tree.providers.items()):
        host = url_host(record.get("base_url"))
        owner = owners.get(host) if host else None
        if owner is None or owner == provider_id or record.get("route_type") in UNMETERED_ROUTES:
            continue
        facts = record_provenance(record, PROVIDER_FACTS)
        url, holder = record.pop("base_url"), facts.pop("base_url")
        agreements, disagreements = record.get("agreements", {}), record.get("disagreements", {})
        for entry in [{"source": holder.source, "as_of": holder.as_of}, *agreements.pop("base_url", [])]:
            note_disagreement(disagreements, "base_url", entry["source"], entry.get("value", url), entry["as_of"])
        store_entries(record, agreements, disagreements)
        store_provenance(record, facts)
        withdrawn.append(f"{provider_id}: base_url {url} not published: the host {host} is {owner}'s "
                         "(one metered provider per host: Gate would send its routes' costs here)")
    return withdrawn
