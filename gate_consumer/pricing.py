"""Pricing a request: components, context tiers, price history.

Token counts follow the convention of OpenAI's and genai-prices' usage objects:

* ``input_tokens`` is **every** prompt token, cached or not; ``cache_read_tokens``,
  ``cache_write_tokens`` (5-minute) and ``cache_write_1h_tokens`` are the parts of it read from
  or written to the cache. The rest is charged at the input price.
* ``output_tokens`` is every generated token; ``reasoning_tokens`` is the part spent on
  reasoning. They are charged at the reasoning price when the offering has one, else as output.

A context tier applies when the prompt (``input_tokens``) is **above** its
``above_input_tokens`` threshold: 200,000 is the base price, 200,001 the tier's. A component
the request uses but the offering has no price for raises :class:`UnpricedError`; a free
component is an explicit 0 in the data. Amounts are USD floats (per 1M prices × tokens / 1M).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from typing import Any, NamedTuple

from gate_consumer.errors import UnpricedError

__all__ = ["PriceTable", "Quote", "Usage"]

_PER_MILLION = 1_000_000.0


class Usage(NamedTuple):
    """Token counts of one request (see the module docstring for what includes what)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    reasoning_tokens: int = 0
    requests: int = 1


class Quote(NamedTuple):
    """The price of one request on one offering.

    ``breakdown`` is ``((component, tokens, usd), ...)`` for each component used; ``tier`` the
    ``above_input_tokens`` threshold of the tier applied (None for the base price);
    ``price_source`` the source the price is published from, ``price_as_of`` since when it has
    held (the first observation of it by that source or any source agreeing with it).
    """

    offering: str
    total_usd: float
    breakdown: tuple[tuple[str, int, float], ...]
    tier: int | None
    price_source: str
    price_as_of: str
    historical: bool
    catalog_version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "offering": self.offering,
            "total_usd": self.total_usd,
            "breakdown": [{"component": c, "tokens": t, "usd": u} for c, t, u in self.breakdown],
            "tier_above_input_tokens": self.tier,
            "price_source": self.price_source,
            "price_as_of": self.price_as_of,
            "historical": self.historical,
            "catalog_version": self.catalog_version,
        }


_TOKEN_COMPONENTS = ("input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning")


class PriceTable:
    """One price (base + tiers), compiled for fast repeated quoting."""

    __slots__ = ("_base", "_thresholds", "_tiers", "as_of", "request", "source")

    def __init__(self, price: Mapping[str, Any], source: str, as_of: str):
        self._base = tuple(price.get(c) for c in _TOKEN_COMPONENTS)
        tiers = sorted(price.get("tiers") or (), key=lambda t: t["above_input_tokens"])
        self._thresholds = tuple(t["above_input_tokens"] for t in tiers)
        # A tier states the components it changes; the others keep the base price.
        self._tiers = tuple(
            tuple(t.get(c, b) for c, b in zip(_TOKEN_COMPONENTS, self._base, strict=True)) for t in tiers
        )
        self.request = price.get("request")
        self.source = source
        self.as_of = as_of

    def quote(self, name: str, usage: Usage, catalog_version: str, historical: bool = False) -> Quote:
        # Written out component by component: this is the hot path (budget: 3 µs per request).
        prompt, output, cache_read, cache_write, cache_write_1h, reasoning, requests = usage
        cached = cache_read + cache_write + cache_write_1h
        if cached > prompt or reasoning > output or min(usage) < 0:
            raise ValueError(
                "token counts must be >= 0, cache tokens part of input_tokens, reasoning part of output_tokens"
            )
        thresholds = self._thresholds
        if thresholds and prompt > thresholds[0]:
            # Index of the first threshold >= prompt = number of thresholds strictly below it.
            n = bisect_left(thresholds, prompt)
            p_in, p_out, p_cr, p_cw, p_cw1h, p_reason = self._tiers[n - 1]
            tier: int | None = thresholds[n - 1]
        else:
            p_in, p_out, p_cr, p_cw, p_cw1h, p_reason = self._base
            tier = None
        if p_reason is None:
            reasoning = 0  # reasoning tokens are output tokens at the output price
        breakdown = []
        total = 0.0
        uncached = prompt - cached
        if uncached:
            if p_in is None:
                raise _unpriced(name, "input", uncached)
            usd = uncached * p_in / _PER_MILLION
            total += usd
            breakdown.append(("input", uncached, usd))
        if cached:
            for component, tokens, per_million in (
                ("cache_read", cache_read, p_cr), ("cache_write", cache_write, p_cw),
                ("cache_write_1h", cache_write_1h, p_cw1h),
            ):
                if tokens:
                    if per_million is None:
                        raise _unpriced(name, component, tokens)
                    usd = tokens * per_million / _PER_MILLION
                    total += usd
                    breakdown.append((component, tokens, usd))
        generated = output - reasoning
        if generated:
            if p_out is None:
                raise _unpriced(name, "output", generated)
            usd = generated * p_out / _PER_MILLION
            total += usd
            breakdown.append(("output", generated, usd))
        if reasoning:
            usd = reasoning * p_reason / _PER_MILLION
            total += usd
            breakdown.append(("reasoning", reasoning, usd))
        if self.request and requests:
            usd = self.request * requests
            total += usd
            breakdown.append(("request", requests, usd))
        return Quote(name, total, tuple(breakdown), tier, self.source, self.as_of, historical, catalog_version)


def _unpriced(name: str, component: str, tokens: int) -> UnpricedError:
    return UnpricedError(name, f"no {component} price, and the request has {tokens:,} {component} tokens")
