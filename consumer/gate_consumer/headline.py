"""The price a listing shows for a model: what a user would pay the vendor.

The cheapest offering of any kind is not that price: a reseller's listing that no other source
confirms (Claude Sonnet 4.5 "at $0.43 / $2.14" where Anthropic asks 3 / 15) or a free quota
(GitHub Models' $0) would be the headline of every popular model. So, in order:

1. ``vendor`` — the vendor's own API (its primary first: ``alibaba`` before ``alibaba-cn``), or
   the provider the vendor is (a model an aggregator makes, ``abacus/route-llm`` on Abacus);
2. ``cloud`` — a cloud's (Bedrock, Vertex, Azure): a price list of its own;
3. ``host`` — a host serving it (``direct``): of an open-weights model, any (hosts run the
   weights, and compete on price); of another, only one whose price two or more sources state
   alike — a host cannot run closed weights, it resells them;
4. ``aggregator`` — an aggregator (OpenRouter, Poe…) whose price two or more sources state alike.

Within a step the cheapest (:func:`~gate_consumer.records.cheapest_first`). Only offerings that
are priced (input and output), not retired and not free (a free tier or a quota is not the price
of use) count; a model with none has no headline — its page still lists every offering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from gate_consumer.records import Offering, cheapest_first

__all__ = ["HEADLINE_KINDS", "Headline", "headline"]

#: the steps, in the order they are tried
HEADLINE_KINDS = ("vendor", "cloud", "host", "aggregator")


class Headline(NamedTuple):
    """The offering whose price a listing shows, and why it is that one (``kind``: one of
    :data:`HEADLINE_KINDS`)."""

    offering: Offering
    kind: str


def headline(offerings: Iterable[Offering], vendor: str, first_party: tuple[str, ...],
             route_type: Callable[[str], str | None], *, open_weights: bool = False) -> Headline | None:
    """The headline of a model of ``vendor`` served by ``offerings`` (module docstring);
    ``first_party``: the vendor's own APIs, primary first; ``route_type``: a provider's route
    type; ``open_weights``: whether anyone may run the model."""
    usable = [o for o in offerings if _payable(o)]
    for api in (*first_party, vendor):
        own = [o for o in usable if o.provider == api]
        if own:
            return Headline(cheapest_first(own)[0], "vendor")
    clouds = [o for o in usable if route_type(o.provider) == "cloud"]
    if clouds:
        return Headline(cheapest_first(clouds)[0], "cloud")
    confirmed = [o for o in usable if o.price_sources >= 2]
    hosts = [o for o in (usable if open_weights else confirmed) if route_type(o.provider) == "direct"]
    if hosts:
        return Headline(cheapest_first(hosts)[0], "host")
    aggregators = [o for o in confirmed if route_type(o.provider) == "aggregator"]
    if aggregators:
        return Headline(cheapest_first(aggregators)[0], "aggregator")
    return None


def _payable(offering: Offering) -> bool:
    price = offering.price or {}
    return (offering.status != "retired" and not offering.free
            and price.get("input") is not None and price.get("output") is not None)
