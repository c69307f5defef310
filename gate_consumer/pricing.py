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
from dataclasses import dataclass
from typing import Any

from gate_consumer.errors import UnpricedError

__all__ = ["PriceTable", "Quote", "Usage"]

_PER_MILLION = 1_000_000.0


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one request (see the module docstring for what includes what)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    reasoning_tokens: int = 0
    requests: int = 1


@dataclass(frozen=True, slots=True)
class Quote:
    """The price of one request on one offering.

    ``breakdown`` is ``((component, tokens, usd), ...)`` for each component used; ``tier`` the
    ``above_input_tokens`` threshold of the tier applied (None for the base price);
    ``price_as_of`` when the applied price was first observed, ``price_source`` by which source.
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
        prompt = usage.input_tokens
        # Index of the first threshold >= prompt = number of thresholds strictly below it.
        n = bisect_left(self._thresholds, prompt)
        prices, tier = (self._tiers[n - 1], self._thresholds[n - 1]) if n else (self._base, None)
        p_in, p_out, p_cr, p_cw, p_cw1h, p_reason = prices
        cached = usage.cache_read_tokens + usage.cache_write_tokens + usage.cache_write_1h_tokens
        if cached > prompt or usage.reasoning_tokens > usage.output_tokens or min(
            prompt, usage.output_tokens, usage.cache_read_tokens, usage.cache_write_tokens,
            usage.cache_write_1h_tokens, usage.reasoning_tokens,
        ) < 0:
            raise ValueError(
                "token counts must be >= 0, cache tokens part of input_tokens, reasoning part of output_tokens"
            )
        reasoning = usage.reasoning_tokens if p_reason is not None else 0
        parts = (
            ("input", prompt - cached, p_in),
            ("cache_read", usage.cache_read_tokens, p_cr),
            ("cache_write", usage.cache_write_tokens, p_cw),
            ("cache_write_1h", usage.cache_write_1h_tokens, p_cw1h),
            ("output", usage.output_tokens - reasoning, p_out),
            ("reasoning", reasoning, p_reason),
        )
        breakdown = []
        total = 0.0
        for component, tokens, per_million in parts:
            if tokens:
                if per_million is None:
                    raise UnpricedError(name, f"no {component} price, and the request has {tokens:,} {component} tokens")
                usd = tokens * per_million / _PER_MILLION
                total += usd
                breakdown.append((component, tokens, usd))
        if self.request and usage.requests:
            usd = self.request * usage.requests
            total += usd
            breakdown.append(("request", usage.requests, usd))
        return Quote(name, total, tuple(breakdown), tier, self.source, self.as_of, historical, catalog_version)
