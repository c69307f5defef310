"""Observations as evidence (``faimeta observe --record``): a bill that agrees with a price
confirms the price facts it exercised; one that differs is recorded as a disagreement.

The source is ``observed-usage`` (the weakest type, ``metadata/sources.json``): an observation
never changes a published value, never creates an offering, and one observation never overrides
a price on its own. What it writes:

* **agrees** — for each price fact the usage exercised (``price.input``; ``price.output``;
  ``price.cache_read`` … when those tokens were used), an agreement of ``observed-usage`` (since
  its first agreeing bill), and in the ledger the offering's last agreeing bill
  (``sources.observed-usage.observed``): ``faimeta build`` makes it a confirmation, so a price a
  gateway paid yesterday is fresh today;
* **differs** — a disagreement of ``observed-usage`` on ``price.input`` whose value is the bill:
  ``{"billed_usd", "quoted_usd", "tokens"}`` of the latest differing response (dated from the
  first bill that said the same, as every disagreement is). The change report
  lists it as a new disagreement (risky).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gate_consumer.instants import format_instant, utc_now
from refresher.review.observe import Observation
from refresher.run.evidence_book import add_agreement, note_disagreement
from refresher.run.refresh import write_if_valid
from refresher.tree.store import load_tree
from refresher.tree.transaction import TreeLock, recover

__all__ = ["SOURCE", "record_observations"]

SOURCE = "observed-usage"
#: token count → the price fact it exercises
_EXERCISES = {"input_tokens": "price.input", "output_tokens": "price.output", "cache_read_tokens": "price.cache_read",
              "cache_write_tokens": "price.cache_write", "cache_write_1h_tokens": "price.cache_write_1h",
              "reasoning_tokens": "price.reasoning"}


def record_observations(root: Path, observations: Iterable[Observation], *, say=print) -> dict[str, int]:
    """Write the agreeing and differing observations into the tree at ``root`` (one transaction,
    validated first); return how many of each were recorded, and how many had no offering there."""
    counts = {"confirmed": 0, "disagreed": 0, "not in the catalog": 0}
    with TreeLock(root, say=say):
        for line in recover(root):
            say(line)
        tree = load_tree(root)
        if SOURCE not in tree.sources.get("sources", {}):
            raise ValueError(f"{SOURCE} is not a source in {root}/sources.json")
        ledger = tree.ledger.setdefault("sources", {}).setdefault(SOURCE, {"checked_at": format_instant(utc_now())})
        ledger["checked_at"] = format_instant(utc_now())
        for o in observations:
            if o.verdict not in ("agrees", "differs") or not o.offering or not o.at:
                continue
            provider, _, upstream_id = o.offering.partition("/")
            record = tree.providers.get(provider, {}).get("offerings", {}).get(upstream_id)
            if record is None or not record.get("price"):
                counts["not in the catalog"] += 1
                continue
            if o.verdict == "agrees":
                _confirm(record, ledger, provider, upstream_id, o)
                counts["confirmed"] += 1
            else:
                _disagree(record, o)
                counts["disagreed"] += 1
        _, written = write_if_valid(tree, root, say=say)
    counts["files written"] = len(written)
    return counts


def _confirm(record: dict[str, Any], ledger: dict[str, Any], provider: str, upstream_id: str, o: Observation) -> None:
    agreements = record.setdefault("agreements", {})
    for count, path in _EXERCISES.items():
        if (o.tokens or {}).get(count) and path.removeprefix("price.") in record["price"]:
            add_agreement(agreements, path, SOURCE, o.at)
    seen = ledger.setdefault("observed", {}).setdefault(provider, {})
    seen[upstream_id] = max(seen.get(upstream_id, ""), o.at or "")


def _disagree(record: dict[str, Any], o: Observation) -> None:
    value = {"billed_usd": _rounded(o.billed_usd), "quoted_usd": _rounded(o.quote_usd), "tokens": o.tokens}
    note_disagreement(record.setdefault("disagreements", {}), "price.input", SOURCE, value, o.at)


def _rounded(usd: float | None) -> float | None:
    """Dollars to 10 significant digits: a sum of products, without its float noise."""
    return None if usd is None else float(f"{usd:.10g}")
