"""Plausibility bounds for values, shared by ``validate`` and the refresher's guards."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from gate_consumer.checks import MAX_PRICE

#: A real per-1M-token price is 0 (free) or between these. Below, it is almost certainly a
#: per-token price stored as per-million ($3/M is 0.000003 per token); above, per-1K or worse.
#: The cheapest real price in the seeded catalog is $0.001/M and the dearest $600/M.
MIN_TOKEN_PRICE = 1e-4
MAX_TOKEN_PRICE = MAX_PRICE  # the bound a consumer checks a downloaded catalog against, too

TOKEN_PRICE_FIELDS = (
    "input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning",
    "input_audio", "input_image", "cache_read_audio", "output_audio", "image_output",
)


#: the price dimensions that exist to be cheaper than the standard price
DISCOUNTS = ("off_peak", "batch", "flex")

#: a token of another modality costs at most this many times a text token of the same direction
#: (audio input runs 4–16× text in real price lists; 3,000 against 0.15 is a unit slip)
MEDIA_RATIO = 100
#: each media token price, and the text price of its direction
MEDIA_TEXT = {"input_audio": "input", "input_image": "input", "cache_read_audio": "input",
              "output_audio": "output", "image_output": "output"}

#: text output costs a few times the input; an image-output rate is tens of times it
IMAGE_RATE_RATIO = 10


def image_rate_problem(offering: Mapping[str, Any]) -> str | None:
    """Why an offering's output price looks like an image rate, or None: it generates images,
    has no image-output price, and its output price is many times its input price (Models.dev's
    Gemini image models) — which would charge text output many times over."""
    price = offering.get("price") or {}
    makes_images = "image" in ((offering.get("modalities") or {}).get("output") or ())
    text_in, text_out = price.get("input"), price.get("output")
    if makes_images and "image_output" not in price and text_in and text_out and text_out >= IMAGE_RATE_RATIO * text_in:
        return (f"output {text_out} is {text_out / text_in:.0f}× the input on a model that makes images: "
                "an image-output rate as the text price? (image_output is a price of its own)")
    return None


class PriceProblem(NamedTuple):
    """An implausible token price: where, why, and whether it looks like a unit mix-up (the unit
    guard: too small or too large by orders of magnitude) rather than an invalid number."""

    path: str
    message: str
    unit_mixup: bool


def _price_problem(value: float) -> tuple[str, bool] | None:
    """Why a USD-per-1M-token price is implausible, and whether as a unit mix-up; or None."""
    if value != value or value < 0:  # NaN or negative
        return f"{value!r} is not a valid price", False
    if 0 < value < MIN_TOKEN_PRICE:
        return f"{value!r} USD per 1M tokens is implausibly small: a per-token price stored as per-million?", True
    if value > MAX_TOKEN_PRICE:
        return f"{value!r} USD per 1M tokens is implausibly large: a per-1K or per-token unit mix-up?", True
    return None


def price_problems(price: Mapping[str, Any], where: str = "price") -> Iterator[PriceProblem]:
    """Every implausible token price of a price: its own components, its context tiers, its
    service tiers, its off-peak prices and its regions'."""
    if all_plausible(price):
        return  # the common case, answered without making a path for each component
    for name in TOKEN_PRICE_FIELDS:
        value = price.get(name)
        if value is not None and (problem := _price_problem(value)):
            yield PriceProblem(f"{where}.{name}", *problem)
    for i, tier in enumerate(price.get("tiers") or ()):
        yield from price_problems(tier, f"{where}.tiers[{i}]")
    for part in ("batch", "flex", "priority", "off_peak"):
        if price.get(part):
            yield from price_problems(price[part], f"{where}.{part}")
    for region, spec in (price.get("regions") or {}).items():
        yield from price_problems(spec, f"{where}.regions.{region}")


def token_price_problems(price: Mapping[str, Any], where: str = "price") -> Iterator[tuple[str, str]]:
    """``(field path, problem)`` for every implausible token price of a price (:func:`price_problems`)."""
    for problem in price_problems(price, where):
        yield problem.path, problem.message


_NUMBERS = (int, float)


_TOKEN_FIELDS = frozenset(TOKEN_PRICE_FIELDS)
_PARTS = ("batch", "flex", "priority", "off_peak")


def all_plausible(price: Mapping[str, Any]) -> bool:
    """Whether :func:`token_price_problems` would find nothing (each token price 0 or within
    the bounds, here and in the parts it walks): a validate at 10× the catalog asks ~60,000 times."""
    for name, value in price.items():
        if name in _TOKEN_FIELDS:
            if not (value == 0 or MIN_TOKEN_PRICE <= value <= MAX_TOKEN_PRICE):
                return False
        elif name == "tiers":
            if not all(all_plausible(tier) for tier in value or ()):
                return False
        elif name in _PARTS:
            if value and not all_plausible(value):
                return False
        elif name == "regions" and not all(all_plausible(spec) for spec in (value or {}).values()):
            return False
    return True


def same_value(a: object, b: object) -> bool:
    """Whether two sources state the same value: numbers equal after rounding to 10 significant
    digits or within float noise (``0.0299999997`` is ``0.03``), lists and objects equal item by
    item; anything else exactly."""
    kind_a, kind_b = type(a), type(b)  # JSON values: exact types, tested the cheapest way (a refresh asks ~10⁶ times)
    if kind_a is str or kind_b is str:
        return a == b
    if kind_a is bool or kind_b is bool:
        return a is b
    if kind_a in _NUMBERS and kind_b in _NUMBERS:
        return a == b or f"{a:.10g}" == f"{b:.10g}" or math.isclose(a, b, rel_tol=1e-7)  # type: ignore[arg-type]
    if kind_a is list and kind_b is list:
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    if kind_a is dict and kind_b is dict:
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)  # type: ignore[attr-defined,index]
    return a == b


def covers(a: object, b: object) -> bool:
    """Whether the structured value ``a`` states everything ``b`` states, the same
    (:func:`same_value`), and maybe more: a batch price with cache prices covers one with input
    and output only; a tier table covers another with the same thresholds whose tiers it covers."""
    if isinstance(a, dict) and isinstance(b, dict):
        return b.keys() <= a.keys() and all(covers(a[k], b[k]) for k in b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(covers(x, y) for x, y in zip(a, b, strict=True))
    return same_value(a, b)


def consistent(a: object, b: object) -> bool:
    """Whether two structured values agree wherever both state something, and share something:
    a batch price with cache prices and one without them; a context tier with a reasoning price
    and one with a cache-write price (lists: item by item)."""
    if isinstance(a, dict) and isinstance(b, dict):
        shared = a.keys() & b.keys()
        return bool(shared) and all(consistent(a[k], b[k]) for k in shared)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(consistent(x, y) for x, y in zip(a, b, strict=True))
    return same_value(a, b)


def moves_beyond(old: object, new: object, ratio: float) -> bool:
    """Whether a price moved by ``ratio`` or more either way (``guards.max_price_ratio``: a move
    of exactly ×5 is one, as 30 → 6 was). A price appearing, disappearing or involving 0 is not
    a move."""
    if not isinstance(old, (int, float)) or not isinstance(new, (int, float)) or not old or not new:
        return False
    return max(new / old, old / new) >= ratio


def far_apart(a: object, b: object, ratio: float) -> bool:
    """Whether two sources' prices differ by ``ratio`` or more either way, or one is 0 (free)
    and the other is not — as far apart as prices get (LiteLLM writes 0 for "not known")."""
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return False
    return (a == 0) != (b == 0) or moves_beyond(a, b, ratio)


def dearer_than_standard(price: Mapping[str, Any], dimension: str) -> str | None:
    """Why ``price[dimension]`` (``off_peak``, ``batch``, ``flex``: a discount) charges more than
    the standard price for input or output tokens, or None. Only those two: every source states
    them, where a cache price is often missing or wrong on one side (DeepSeek V4 Pro's standard
    cache read of 0.003625 beside an off-peak one of 0.022 would hold back a real discount)."""
    discount = price.get(dimension)
    if not isinstance(discount, Mapping):
        return None
    for name in ("input", "output"):
        cut, standard = discount.get(name), price.get(name)
        if isinstance(cut, (int, float)) and isinstance(standard, (int, float)) and cut > standard:
            return f"{dimension.replace('_', '-')} {name} {cut:g} is above the standard {standard:g}"
    return None


def media_price_problem(price: Mapping[str, Any], name: str) -> str | None:
    """Why the media token price ``price[name]`` (audio, image) is implausible beside the text
    price of its direction — more than :data:`MEDIA_RATIO` times it — or None."""
    media, text = price.get(name), price.get(MEDIA_TEXT[name])
    if isinstance(media, (int, float)) and isinstance(text, (int, float)) and text > 0 and media > MEDIA_RATIO * text:
        return f"{name} {media:g} is {media / text:,.0f}× the text {MEDIA_TEXT[name]} {text:g} (more than ×{MEDIA_RATIO})"
    return None
