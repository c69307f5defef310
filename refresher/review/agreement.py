"""``faimeta agreement``: how far the price sources agree with what the catalog publishes.

Per source: on how many price facts it could be compared with the published value (it states
the fact, and is not the source the value is published from), how many times it agreed and
disagreed; and how many published price facts come from it (``publishes``: the newest catalog
publishes most of what it states, so it is rarely compared). For the catalog: how many offerings have their token prices (input and output)
each stated by two or more independent sources, overall and for first-party offerings (the
vendor's own API: Anthropic's for Claude). And the largest disagreements, with both values,
sources and dates.
"""

from __future__ import annotations

from typing import Any

from gate_consumer.catalog import Offering
from gate_consumer.facts import OFFERING_FACTS, get_fact
from gate_consumer.provenance import record_provenance
from refresher.run.canonical import VendorRules
from refresher.tree.store import Tree

__all__ = ["agreement_report"]

def agreement_report(tree: Tree, providers: list[str] | None = None, top: int = 20) -> dict[str, Any]:
    """The report (see the module docstring); the JSON ``faimeta agreement --json`` prints."""
    rules = VendorRules(tree.vendor_rules["vendors"])
    sources: dict[str, dict[str, int]] = {}
    published = dict.fromkeys(("priced", "confirmed_by_2_or_more", "first_party_priced",
                               "first_party_confirmed_by_2_or_more"), 0)
    largest: list[dict[str, Any]] = []
    for slug in sorted(providers or tree.providers):
        for upstream_id, offering in sorted(tree.providers[slug]["offerings"].items()):
            if offering.get("status") == "retired" or not offering.get("price"):
                continue
            facts = record_provenance(offering, OFFERING_FACTS)
            agreements, disagreements = offering.get("agreements", {}), offering.get("disagreements", {})
            for path in (p for p in facts if p.startswith("price.")):
                _count(sources, facts[path].source, "publishes")
                for entry in agreements.get(path, ()):
                    _count(sources, entry["source"], "agree")
                for entry in disagreements.get(path, ()):
                    _count(sources, entry["source"], "disagree")
                    ratio = _ratio(get_fact(offering, path), entry["value"])
                    if ratio is not None:
                        largest.append({
                            "offering": f"{slug}/{upstream_id}", "fact": path, "ratio": round(ratio, 3),
                            "published": get_fact(offering, path), "published_source": facts[path].source,
                            "published_as_of": facts[path].as_of,
                            "other": entry["value"], "other_source": entry["source"], "other_as_of": entry["as_of"],
                        })
            confirmed = Offering(slug, upstream_id, offering).price_sources >= 2
            first_party = rules.is_first_party(slug, offering["model"].split("/", 1)[0])
            published["priced"] += 1
            published["confirmed_by_2_or_more"] += confirmed
            published["first_party_priced"] += first_party
            published["first_party_confirmed_by_2_or_more"] += first_party and confirmed
    largest.sort(key=lambda d: (-d["ratio"], d["offering"], d["fact"], d["other_source"]))
    return {"sources": dict(sorted(sources.items())), "published": published, "largest_disagreements": largest[:top]}


def _count(sources: dict[str, dict[str, int]], source: str, outcome: str) -> None:
    counts = sources.setdefault(source, {"compared": 0, "agree": 0, "disagree": 0, "publishes": 0})
    counts["compared"] += outcome != "publishes"
    counts[outcome] += 1


def _ratio(a: Any, b: Any) -> float | None:
    """How far apart two prices are (≥ 1), or None when either is not a positive number."""
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return None
    if a <= 0 or b <= 0:
        return None
    return max(a / b, b / a)
