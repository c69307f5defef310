"""Pricing a request: components, context tiers, price history.

Token counts follow the convention of OpenAI's and genai-prices' usage objects:

* ``input_tokens`` is **every** prompt token, cached or not; ``cache_read_tokens``,
  ``cache_write_tokens`` (5-minute) and ``cache_write_1h_tokens`` are the parts of it read from
  or written to the cache. The rest is charged at the input price.
* ``output_tokens`` is every generated token; ``reasoning_tokens`` is the part spent on
  reasoning. They are charged at the reasoning price when the offering has one, else as output.
* By modality, also parts of those totals: ``input_audio_tokens`` and ``input_image_tokens`` are
  the prompt's audio and image tokens **not read from the cache**; ``cache_read_audio_tokens``
  the audio among ``cache_read_tokens``; ``output_audio_tokens`` and ``output_image_tokens`` the
  generated audio and images (the rest of the output, less reasoning, is text).

Each modality is charged at its own price (``input_audio``, ``input_image``,
``cache_read_audio``, ``output_audio``, ``image_output``). An input modality the offering has
no price of its own for is billed as text — at the input (or cache-read) price — only where the
offering lists it among its input modalities (every token-priced API we know bills image input,
and audio where it has no audio price, as prompt tokens), and the quote names it in
``billed_as_text``. Generated audio and images never fall back to the text output price. A
modality with tokens and no price is an :class:`UnpricedError` that names it.

A context tier applies when the prompt (``input_tokens``) is **above** its
``above_input_tokens`` threshold: 200,000 is the base price, 200,001 the tier's. A component
the request uses but the offering has no price for raises :class:`UnpricedError`; a free
component is an explicit 0 in the data. Amounts are USD floats (per 1M prices × tokens / 1M); the
total is rounded to a trillionth of a dollar (``round(total * 1e12) / 1e12``), so it prints as
people write it.

The dimensions stack in this order (``docs/data-model.md``, "Prices"):

1. **Service tier** — ``standard`` is the base price with its context tiers; ``batch``, ``flex``
   and ``priority`` are the tier's own prices, for the components it states. A service tier
   does not combine with a context tier: a larger prompt at a non-standard tier is unpriced.
2. **Time of day** — inside an ``off_peak`` window, its prices replace the components they
   state, at the standard tier only, and not together with a context tier.
3. **Region** — a ``multiplier`` multiplies every token price chosen above; a region's own
   prices replace the base ones and combine with nothing else.

An unknown service tier or region, or one the offering has no price for, is an
:class:`UnpricedError` that lists what exists: never a silent fallback to another price.
"""

from __future__ import annotations

import copy
from bisect import bisect_left
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple

from gate_consumer.errors import UnpricedError
from gate_consumer.instants import parse_instant, utc_now

__all__ = ["SERVICE_TIERS", "PriceTable", "Quote", "Usage"]

_PER_MILLION = 1_000_000.0
_ANY_SIZE = 1 << 62  # a prompt no request reaches: the bound of a price with no context tier


class Usage(NamedTuple):
    """Token counts of one request (see the module docstring for what includes what)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    reasoning_tokens: int = 0
    requests: int = 1
    input_audio_tokens: int = 0
    input_image_tokens: int = 0
    cache_read_audio_tokens: int = 0
    output_audio_tokens: int = 0
    output_image_tokens: int = 0


class Quote(NamedTuple):
    """The price of one request on one offering.

    ``breakdown`` is ``((component, tokens, usd), ...)`` for each component used; ``tier`` the
    ``above_input_tokens`` threshold of the context tier applied (None for the base price);
    ``price_source`` the source the price is published from, ``price_as_of`` since when it has
    held (the first observation of it by that source or any source agreeing with it);
    ``service_tier``, ``region`` (None: the default) and ``window`` (``off_peak`` or None) the
    other dimensions that applied; ``billed_as_text`` the input modalities charged at the text
    price because the offering has no price of their own (module docstring); ``retired_at`` when
    the offering was retired (None: it is not) — usage of a retired model is priced at the price
    it had, and said so.
    """

    offering: str
    total_usd: float
    breakdown: tuple[tuple[str, int, float], ...]
    tier: int | None
    price_source: str
    price_as_of: str
    historical: bool
    catalog_version: str
    service_tier: str = "standard"
    region: str | None = None
    window: str | None = None
    priced_via: str | None = None  # another offering's price, when this one has none (a snapshot)
    billed_as_text: tuple[str, ...] = ()
    retired_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "offering": self.offering,
            "total_usd": self.total_usd,
            "breakdown": [{"component": c, "tokens": t, "usd": u} for c, t, u in self.breakdown],
            "tier_above_input_tokens": self.tier,
            "service_tier": self.service_tier,
            "region": self.region,
            "window": self.window,
            "priced_via": self.priced_via,
            "billed_as_text": list(self.billed_as_text),
            "retired_at": self.retired_at,
            "price_source": self.price_source,
            "price_as_of": self.price_as_of,
            "historical": self.historical,
            "catalog_version": self.catalog_version,
        }


#: A NamedTuple made of every field in order, without NamedTuple's keyword binding (~0.3 µs
#: less): for what the request path makes per request (a Quote, a Usage from keywords, a verdict).
from_fields = tuple.__new__

_TOKEN_COMPONENTS = ("input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning",
                     "input_audio", "input_image", "cache_read_audio", "output_audio", "image_output")
#: The input modalities that can be billed as text (at the input price) when listed.
_TEXT_BILLABLE = frozenset(("audio", "image"))
SERVICE_TIERS = ("standard", "batch", "flex", "priority")
_Rates = tuple  # one price per _TOKEN_COMPONENTS entry, None where unknown


def _rates(prices: Mapping[str, Any], fallback: _Rates | None = None) -> _Rates:
    if fallback is None:
        return tuple(prices.get(c) for c in _TOKEN_COMPONENTS)
    return tuple(prices.get(c, f) for c, f in zip(_TOKEN_COMPONENTS, fallback, strict=True))


class _Window:
    """The off-peak windows of one price, compiled to minutes of the UTC day per ISO weekday."""

    __slots__ = ("by_weekday", "zone")

    def __init__(self, off_peak: Mapping[str, Any]):
        by_weekday: dict[int, list[tuple[int, int]]] = {day: [] for day in range(1, 8)}
        for window in off_peak["windows"]:
            for span in window["hours_utc"]:
                start, end = (int(t[:2]) * 60 + int(t[3:]) for t in span.split("-"))
                for day in window.get("weekdays") or range(1, 8):
                    by_weekday[day].append((start, end))
        self.by_weekday = {day: tuple(spans) for day, spans in by_weekday.items()}
        zone = off_peak.get("weekday_time_zone")
        if zone:
            from zoneinfo import ZoneInfo

            self.zone: Any = ZoneInfo(zone)
        else:
            self.zone = None  # the weekday is UTC's

    def holds(self, at: datetime) -> bool:
        """Whether the instant ``at`` (aware) is inside a window."""
        utc = at if at.tzinfo is timezone.utc else at.astimezone(timezone.utc)
        minute = utc.hour * 60 + utc.minute
        weekday = utc.isoweekday() if self.zone is None else at.astimezone(self.zone).isoweekday()
        for start, end in self.by_weekday[weekday]:
            if (start <= minute < end) if start < end else (minute >= start or minute < end):
                return True
        return False


class PriceTable:
    """One price (base + context tiers + its dimensions), compiled for fast repeated quoting."""

    __slots__ = ("_base", "_base_upto", "_off_peak", "_regions", "_scaled", "_service", "_since", "_thresholds",
                 "_tiers", "_window", "as_of", "input_modalities", "priced_via", "request", "retired_at", "source")

    def __init__(self, price: Mapping[str, Any], source: str, as_of: str, input_modalities: Any = (),
                 retired_at: str | None = None):
        self._base = _rates(price)
        tiers = sorted(price.get("tiers") or (), key=lambda t: t["above_input_tokens"])
        self._thresholds = tuple(t["above_input_tokens"] for t in tiers)
        # A tier states the components it changes; the others keep the base price.
        self._tiers = tuple(_rates(t, self._base) for t in tiers)
        # A service tier's prices are the ones it states (a component it lacks is unpriced there).
        self._service = {name: _rates(price[name]) for name in SERVICE_TIERS[1:] if price.get(name)}
        self._regions = {name: (spec.get("multiplier"), None if spec.get("multiplier") else _rates(spec))
                         for name, spec in (price.get("regions") or {}).items()}
        self._window = _Window(price["off_peak"]) if price.get("off_peak") else None
        # (region, the rates it multiplies) → the multiplied rates, computed once each
        self._scaled: dict[tuple[str, int], _Rates] = {}
        # off-peak prices replace the base components they state (never a context tier's)
        self._off_peak = _rates(price["off_peak"], self._base) if self._window is not None else self._base
        # the largest prompt a standard request in the default region pays the base price for,
        # known without a clock: one comparison decides most requests (-1: never, off-peak hours)
        self._base_upto = -1 if self._window is not None else self._thresholds[0] if self._thresholds else _ANY_SIZE
        self.request = price.get("request")
        # the input modalities the offering lists: billed as text where they have no price of their own
        self.input_modalities = _TEXT_BILLABLE.intersection(input_modalities)
        self.source = source
        self.as_of = as_of
        self._since: datetime | None = None
        self.priced_via: str | None = None
        self.retired_at = retired_at  # the offering's: its quotes say so

    def via(self, key: str) -> PriceTable:
        """This price, quoted for another offering that has none of its own (``priced_via``)."""
        other = copy.copy(self)
        other.priced_via = key
        return other

    @property
    def since(self) -> datetime:
        """``as_of`` as an instant (parsed once)."""
        if self._since is None:
            self._since = parse_instant(self.as_of)
        return self._since

    def quote(
        self, name: str, usage: Usage, catalog_version: str, historical: bool = False, *,
        service_tier: str = "standard", region: str | None = None, at: datetime | None = None,
    ) -> Quote:
        # Written out component by component: this is the hot path (budget: 3 µs per request).
        (prompt, output, cache_read, cache_write, cache_write_1h, reasoning, requests,
         audio_in, image_in, cache_read_audio, audio_out, image_out) = usage
        try:  # free unless raised: a count that is no whole number fails the arithmetic here
            # the OR of ints is negative exactly when one of them is (cheaper than min() here),
            # and the OR of anything but ints (a float, a text, None) is a TypeError
            if (prompt | output | cache_read | cache_write | cache_write_1h | reasoning | requests
                    | audio_in | image_in | cache_read_audio | audio_out | image_out) < 0:
                raise ValueError(_inconsistency(usage))
            cached = cache_read + cache_write + cache_write_1h
            media_in = audio_in + image_in
            media_out = audio_out + image_out
        except TypeError:
            raise TypeError(_not_whole(usage)) from None
        if cached + media_in > prompt or reasoning + media_out > output or cache_read_audio > cache_read:
            raise ValueError(_inconsistency(usage))
        window = None
        where = ""
        if prompt <= self._base_upto and service_tier == "standard" and region is None:  # most requests
            rates, tier = self._base, None
        elif service_tier != "standard" or region is not None:
            rates, tier, window, where = self._dimensions(name, prompt, service_tier, region, at)
        elif self._window is not None:
            rates, tier, window, where = self._standard(name, prompt, at)
        else:
            rates, tier = self._context(prompt)
        p_in, p_out, p_cr, p_cw, p_cw1h, p_reason, _, _, _, _, _ = rates
        if p_reason is None:
            reasoning = 0  # reasoning tokens are output tokens at the output price
        breakdown = []
        total = 0.0
        cache_read -= cache_read_audio  # charged at its own price, with the other modalities
        uncached = prompt - cached - media_in
        if uncached:
            if p_in is None:
                raise _unpriced(name, "input", uncached, where)
            usd = uncached * p_in / _PER_MILLION
            total += usd
            breakdown.append(("input", uncached, usd))
        if cache_read:
            if p_cr is None:
                raise _unpriced(name, "cache_read", cache_read, where)
            usd = cache_read * p_cr / _PER_MILLION
            total += usd
            breakdown.append(("cache_read", cache_read, usd))
        if cache_write:
            if p_cw is None:
                raise _unpriced(name, "cache_write", cache_write, where)
            usd = cache_write * p_cw / _PER_MILLION
            total += usd
            breakdown.append(("cache_write", cache_write, usd))
        if cache_write_1h:
            if p_cw1h is None:
                raise _unpriced(name, "cache_write_1h", cache_write_1h, where)
            usd = cache_write_1h * p_cw1h / _PER_MILLION
            total += usd
            breakdown.append(("cache_write_1h", cache_write_1h, usd))
        generated = output - reasoning - media_out
        if generated:
            if p_out is None:
                raise _unpriced(name, "output", generated, where)
            usd = generated * p_out / _PER_MILLION
            total += usd
            breakdown.append(("output", generated, usd))
        if reasoning:
            usd = reasoning * p_reason / _PER_MILLION
            total += usd
            breakdown.append(("reasoning", reasoning, usd))
        as_text: tuple[str, ...] = ()
        if media_in or media_out or cache_read_audio:
            usd, as_text = self._media(name, rates, usage, where, breakdown)
            total += usd
        if self.request and requests:
            usd = self.request * requests
            total += usd
            breakdown.append(("request", requests, usd))
        # to a trillionth of a dollar: the sum of float products says 0.0045000000000000005 for
        # 0.0045, and no bill is finer
        return from_fields(Quote, (name, round(total * 1e12) / 1e12, tuple(breakdown), tier, self.source, self.as_of,
                                   historical, catalog_version, service_tier, region, window, self.priced_via, as_text,
                                   self.retired_at))

    def _media(self, name: str, rates: _Rates, usage: Usage, where: str,
               breakdown: list[tuple[str, int, float]]) -> tuple[float, tuple[str, ...]]:
        """The audio and image components of a request (off the text-only hot path): appended
        to ``breakdown``; returns their total and the input modalities billed as text."""
        p_in, _, p_cr, _, _, _, p_audio, p_image, p_cr_audio, p_audio_out, p_image_out = rates
        audio_as_text = p_audio is None and "audio" in self.input_modalities
        image_as_text = p_image is None and "image" in self.input_modalities
        total = 0.0
        for component, tokens, per_million in (
            ("input_audio", usage.input_audio_tokens, p_in if audio_as_text else p_audio),
            ("input_image", usage.input_image_tokens, p_in if image_as_text else p_image),
            ("cache_read_audio", usage.cache_read_audio_tokens, p_cr if audio_as_text else p_cr_audio),
            ("output_audio", usage.output_audio_tokens, p_audio_out),
            ("image_output", usage.output_image_tokens, p_image_out),
        ):
            if tokens:
                if per_million is None:
                    modality = "image" if component == "input_image" else "audio"
                    unlisted = component not in ("output_audio", "image_output") and modality not in self.input_modalities
                    raise _unpriced(name, component, tokens, where,
                                    f" (it lists no {modality} input to bill as text)" if unlisted else "")
                usd = tokens * per_million / _PER_MILLION
                total += usd
                breakdown.append((component, tokens, usd))
        as_text = tuple(m for m, used, text in (
            ("audio", usage.input_audio_tokens or usage.cache_read_audio_tokens, audio_as_text),
            ("image", usage.input_image_tokens, image_as_text)) if used and text)
        return total, as_text

    def _context(self, prompt: int) -> tuple[_Rates, int | None]:
        """The standard prices for a prompt of this size: a context tier's above its threshold."""
        thresholds = self._thresholds
        if thresholds and prompt > thresholds[0]:
            # Index of the first threshold >= prompt = number of thresholds strictly below it.
            n = bisect_left(thresholds, prompt)
            return self._tiers[n - 1], thresholds[n - 1]
        return self._base, None

    def _standard(self, name: str, prompt: int, at: datetime | None) -> tuple[_Rates, int | None, str | None, str]:
        """The standard tier in the default region: its context tier, and its off-peak prices
        inside a window (on the hot path of every request to an offering with off-peak hours)."""
        rates, tier = self._context(prompt)
        if self._window is None or not self._window.holds(at if at is not None else utc_now()):
            return rates, tier, None, ""
        if tier is not None:
            raise UnpricedError(name, f"no off-peak price for prompts above {tier:,} tokens "
                                      "(a context tier does not combine with off-peak prices)")
        return self._off_peak, None, "off_peak", " off-peak"

    def _dimensions(
        self, name: str, prompt: int, service_tier: str, region: str | None, at: datetime | None
    ) -> tuple[_Rates, int | None, str | None, str]:
        """The token prices for a service tier, a time and a region, stacked as the module
        docstring says; also the context tier and window that applied, and where (for messages)."""
        if service_tier == "standard":
            rates, tier, window, where = self._standard(name, prompt, at)
        else:
            if service_tier not in SERVICE_TIERS:
                raise UnpricedError(name, f"{service_tier!r} is not a service tier ({', '.join(SERVICE_TIERS)})")
            if service_tier not in self._service:
                offered = ", ".join(["standard", *self._service])
                raise UnpricedError(name, f"no {service_tier} prices; its service tiers: {offered}")
            if self._thresholds and prompt > self._thresholds[0]:
                raise UnpricedError(name, f"no {service_tier} price for prompts above {self._thresholds[0]:,} tokens "
                                          "(a context tier does not combine with a service tier)")
            rates, tier, window, where = self._service[service_tier], None, None, f" at the {service_tier} tier"
        if region is not None:
            if region not in self._regions:
                listed = ", ".join(sorted(self._regions)) or "none (only its default price)"
                raise UnpricedError(name, f"no price in region {region!r}; its regions: {listed}")
            multiplier, own = self._regions[region]
            if own is not None:
                if service_tier != "standard" or tier is not None or window is not None:
                    raise UnpricedError(name, f"region {region!r} has prices of its own, which do not combine "
                                              "with a service tier, a context tier or off-peak hours")
                rates = own
            else:
                # the rates are this table's own tuples (base, tiers, service tiers, off-peak), so
                # their identity keys the multiplied copy
                scaled = self._scaled.get((region, id(rates)))
                if scaled is None:
                    scaled = self._scaled[region, id(rates)] = tuple(
                        r * multiplier if r is not None else None for r in rates)
                rates = scaled
            where += f" in region {region}"
        return rates, tier, window, where


def _not_whole(usage: Usage) -> str:
    """The first count of ``usage`` that is no whole number of tokens, named (``input_tokens=10.5``
    is a caller's mistake: said so, never priced). A bool is an int, as Python has it."""
    for name, value in zip(Usage._fields, usage, strict=True):
        if not isinstance(value, int):
            return f"{name} must be a whole number of tokens (int), not {type(value).__name__} {value!r}"
    return f"token counts must be whole numbers: {usage!r}"


def _inconsistency(usage: Usage) -> str:
    """Which rule of the module docstring's token convention ``usage`` breaks, with its numbers."""
    negative = [f"{name}={value}" for name, value in zip(Usage._fields, usage, strict=True) if value < 0]
    if negative:
        return f"token counts must be >= 0: {', '.join(negative)}"
    u = usage
    parts_in = {"cache_read_tokens": u.cache_read_tokens, "cache_write_tokens": u.cache_write_tokens,
                "cache_write_1h_tokens": u.cache_write_1h_tokens, "input_audio_tokens": u.input_audio_tokens,
                "input_image_tokens": u.input_image_tokens}
    if sum(parts_in.values()) > u.input_tokens:
        return _parts_exceed(parts_in, "input_tokens", u.input_tokens)
    if u.cache_read_audio_tokens > u.cache_read_tokens:
        return _parts_exceed({"cache_read_audio_tokens": u.cache_read_audio_tokens}, "cache_read_tokens",
                             u.cache_read_tokens)
    return _parts_exceed({"reasoning_tokens": u.reasoning_tokens, "output_audio_tokens": u.output_audio_tokens,
                          "output_image_tokens": u.output_image_tokens}, "output_tokens", u.output_tokens)


def _parts_exceed(parts: dict[str, int], total_name: str, total: int) -> str:
    used = [f"{name} {value:,}" for name, value in parts.items() if value]
    return f"{' + '.join(used)} = {sum(parts.values()):,} exceeds {total_name} {total:,}, of which they are parts"


def _unpriced(name: str, component: str, tokens: int, where: str = "", hint: str = "") -> UnpricedError:
    return UnpricedError(name, f"no {component} price{where}, and the request has {tokens:,} {component} tokens{hint}")
