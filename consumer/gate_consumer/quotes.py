"""Which price table quotes an offering, and the price that held at a past instant.

:class:`QuoteTables` keeps, per offering, the table a catalog quotes it from: its own price
compiled with the input modalities it (or its model) takes, or — for a snapshot with no price of
its own — the price its provider states for the same model under another id. It is the
catalog's cache, never the offering's: an offering's :meth:`~gate_consumer.records.Offering.table`
answers what it was asked, with the modalities it was given.
"""

from __future__ import annotations

from datetime import datetime

from gate_consumer.errors import UnpricedError
from gate_consumer.instants import parse_instant
from gate_consumer.names import normalized
from gate_consumer.pricing import PriceTable, Quote, Usage
from gate_consumer.records import Offering, Records

__all__ = ["QuoteTables"]


class QuoteTables:
    """The table each offering of one catalog is quoted from (:meth:`table`), by offering."""

    def __init__(self, records: Records):
        self._records = records
        #: offering → its table; read directly on the hot path (``quoting.get(o) or table(o)``)
        self.quoting: dict[Offering, PriceTable] = {}

    def table(self, offering: Offering) -> PriceTable:
        """The offering's price; for a snapshot with none of its own (OpenAI lists
        ``gpt-4.1-2025-04-14`` beside ``gpt-4.1``), the price its provider states for the same
        model under another id — the one whose id is the model's name, or the one price all of
        them state — quoted with ``priced_via`` saying so. Never a guess between two prices."""
        if offering.price_anchor is not None or offering.status == "retired":
            table = self.quoting[offering] = offering.table(self.input_modalities(offering))
            return table
        siblings = [self._records.offering_by_key(k) for k in self._records.model(offering.model_id).offering_keys
                    if k.partition("/")[0] == offering.provider and k != offering.key]
        priced = [o for o in siblings if o.price_anchor is not None and o.status != "retired"]
        named = [o for o in priced if normalized(o.upstream_id) == normalized(offering.model_id.partition("/")[2])]
        distinct = {((o.price or {}).get("input"), (o.price or {}).get("output")) for o in priced}
        chosen = named[0] if named else priced[0] if len(distinct) == 1 else None
        if chosen is None:
            return offering.table()  # raises: no price, and none to borrow without guessing
        table = self.quoting[offering] = chosen.table(self.input_modalities(chosen)).via(chosen.key)
        return table

    def input_modalities(self, offering: Offering) -> tuple[str, ...]:
        """The offering's input modalities, else its model's (read only when it states none)."""
        return offering.modalities("input") or self._records.model(offering.model_id).modalities("input")

    def quote_at(self, offering: Offering, usage: Usage, at: datetime, service_tier: str, region: str | None,
                 version: str) -> Quote:
        """The price that held at ``at``: the current one from when it holds, else the history's
        entry for that instant — also for an offering whose price no source states any more (it
        has no current table, but the request of its time had a price)."""
        history = offering.record.get("price_history", ())
        try:
            table: PriceTable | None = self.quoting.get(offering) or self.table(offering)
        except UnpricedError:
            if not history:
                raise
            table = None
        if table is not None and at >= table.since:
            return table.quote(offering.key, usage, version, service_tier=service_tier, region=region, at=at)
        for entry in reversed(history):
            if parse_instant(entry["as_of"]) <= at < parse_instant(entry["until"]):
                modalities = table.input_modalities if table is not None else self.input_modalities(offering)
                old = PriceTable(entry["price"], entry["source"], entry["as_of"], modalities,
                                 offering.record.get("retired_at"))
                return old.quote(offering.key, usage, version, historical=True, service_tier=service_tier,
                                 region=region, at=at)
        earliest = min([*([table.as_of] if table is not None else []), *(e["as_of"] for e in history)])
        raise UnpricedError(offering.key, f"no price is known for {at:%Y-%m-%dT%H:%M:%SZ} (the earliest is {earliest})")
