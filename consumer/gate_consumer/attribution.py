"""Whose word each part of a quote rests on: every priced component with its own fact, source
and dates (issue 30: ``faimeta price gpt-4o`` said "price from litellm … as of 2026-06-02", a
date Models.dev gave, and one source for a quote whose audio price another source stated).

Off the request path: a :class:`~gate_consumer.pricing.Quote` carries one ``price_source`` and
``price_as_of`` (the price's anchor, as cheap as a quote must be); :func:`attribute` reads the
offering's provenance when someone asks whose numbers they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from gate_consumer.pricing import Quote
from gate_consumer.records import Offering

__all__ = ["ComponentSource", "attribute"]

#: the input components of a modality that may be billed as text
_MODALITY = {"input_audio": "audio", "cache_read_audio": "audio", "input_image": "image"}


class ComponentSource(NamedTuple):
    """Where one component of a quote (``input``, ``cache_read``, ``input_audio``…) got its price.

    ``fact``: the fact priced from — ``price.<component>``, or the dimension that replaced it
    (``price.tiers``, ``price.batch``, ``price.regions``, ``price.off_peak``; ``price.input``
    for a modality billed as text; ``price_history`` for a price that held at a past instant).
    ``source`` stated it first-hand, ``said_at`` is when that source first said it;
    ``held_since`` the first time any source stated this value (``agreeing`` are the others that
    state it now) — the date a price "has held since", which may be another source's."""

    component: str
    fact: str
    source: str
    said_at: str
    held_since: str
    agreeing: tuple[str, ...]


def attribute(quote: Quote, offering: Offering) -> tuple[ComponentSource, ...]:
    """Each component of ``quote.breakdown`` with its own source and dates. ``offering``: the
    one whose price was quoted — for a quote ``priced_via`` another offering, that one."""
    out = []
    for component, _, _ in quote.breakdown:
        fact = _fact(quote, component, offering.price or {})
        if fact == "price_history":
            out.append(ComponentSource(component, fact, quote.price_source, quote.price_as_of, quote.price_as_of, ()))
            continue
        try:
            said = offering.provenance(fact)
        except KeyError:  # a fact the record holds without provenance of its own: the price's anchor
            fact = offering.price_anchor or fact
            said = offering.provenance(fact)
        agreeing = offering.agreeing(fact)
        held_since = min([said.as_of, *(a.as_of for a in agreeing)])
        out.append(ComponentSource(component, fact, said.source, said.as_of, held_since,
                                   tuple(a.source for a in agreeing)))
    return tuple(out)


def _fact(quote: Quote, component: str, price: Mapping[str, Any]) -> str:
    """The fact a component of ``quote`` was priced from (the pricing module's precedence: a
    service tier or a region prices every component; off-peak hours and a context tier only
    those they state, the others keep the base price)."""
    if quote.historical:
        return "price_history"
    if component == "request":
        return "price.request"
    modality = _MODALITY.get(component)
    if modality in quote.billed_as_text:
        return "price.cache_read" if component == "cache_read_audio" else "price.input"
    if quote.service_tier != "standard":
        return f"price.{quote.service_tier}"
    if quote.region is not None:
        return "price.regions"
    if quote.window is not None and component in (price.get("off_peak") or {}):
        return "price.off_peak"
    tier = next((t for t in price.get("tiers") or () if t.get("above_input_tokens") == quote.tier), None)
    if quote.tier is not None and tier is not None and component in tier:
        return "price.tiers"
    return f"price.{component}"
