"""Routing helpers: which offerings can serve a request, ranked by what it would cost, and why.

A :class:`Requirement` says what a route must have (tools, vision, reasoning, context and
output room, lifecycle, allowed providers and route types, how fresh its price must be).
:func:`candidates` checks every offering against it — naming *every* requirement an offering
fails, not just the first — and ranks the accepted ones by the estimated cost of the request
(then price freshness, then id, so the order is stable). Intents (``eco``, ``auto``,
``premium`` and ``coding-*``) are data in ``intents.json``: a pool of model patterns plus a
requirement; :func:`intent_for_model` maps a requested model to one (``claude-haiku-*`` → eco).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from gate_consumer.catalog import Catalog, Offering
from gate_consumer.errors import CatalogError, UnpricedError
from gate_consumer.facts import get_fact
from gate_consumer.freshness import WORST_FIRST, Freshness
from gate_consumer.names import close_matches
from gate_consumer.pricing import Usage

__all__ = ["Candidate", "Requirement", "candidates", "intent_for_model", "intents", "route"]

_FRESHNESS_RANK = {status: rank for rank, status in enumerate(reversed(WORST_FIRST))}
#: free offerings that run dry (rate limits, quotas): ranked after the paid ones unless asked
_CAPPED = ("free-tier", "quota")


@dataclass(frozen=True)
class Requirement:
    """What a route must offer. Defaults accept any active, priced offering."""

    tools: bool = False
    vision: bool = False
    reasoning: bool = False
    min_context: int = 0
    min_output: int = 0
    statuses: frozenset[str] = frozenset({"active"})
    providers: frozenset[str] | None = None
    route_types: frozenset[str] | None = None
    freshness: frozenset[Freshness] | None = None  # allowed price freshness; None: any
    min_sources: int = 1  # independent sources that must state each token price (input, output)
    #: rank free-tier and free-quota offerings by cost like the others; by default they come after
    #: every paid one (they are rate-limited or capped: a route that runs dry is no cheaper)
    free_first: bool = False
    models: tuple[str, ...] = ()  # fnmatch patterns on the canonical model id; empty: any

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Requirement:
        sets = {"statuses", "providers", "route_types"}
        kwargs: dict[str, Any] = {k: (frozenset(v) if k in sets else v) for k, v in data.items()}
        if "freshness" in kwargs:
            kwargs["freshness"] = frozenset(Freshness(v) for v in kwargs["freshness"])
        if "models" in kwargs:
            kwargs["models"] = tuple(kwargs["models"])
        return cls(**kwargs)


@dataclass(frozen=True)
class Candidate:
    """One offering judged against a requirement: accepted with its estimated cost, or rejected
    with every reason."""

    offering: Offering
    accepted: bool
    cost_usd: float | None
    price_freshness: Freshness | None
    reasons: tuple[str, ...] = field(default=())

    def explain(self) -> str:
        cost = f"${self.cost_usd:.6f}" if self.cost_usd is not None else "unpriced"
        verdict = "chosen" if self.accepted else "rejected"
        return f"{self.offering.key}: {verdict} ({cost}): {'; '.join(self.reasons)}"


def _fact(catalog: Catalog, offering: Offering, section: str, name: str) -> Any:
    """The offering's value, else its model's (limits and modalities are often stated there)."""
    value = get_fact(offering.record, f"{section}.{name}")
    if value is None:
        value = get_fact(catalog.model(offering.model_id).record, f"{section}.{name}")
    return value


def _judge(catalog: Catalog, offering: Offering, req: Requirement, usage: Usage, now: datetime | None) -> Candidate:
    met: list[str] = []
    failed: list[str] = []

    def check(ok: bool, yes: str, no: str) -> None:
        (met if ok else failed).append(yes if ok else no)

    info = catalog.provider_info(offering.provider)
    if req.providers is not None:
        check(offering.provider in req.providers, f"provider {offering.provider} allowed",
              f"provider {offering.provider} not allowed")
    if req.route_types is not None:
        kind = info.get("route_type", "direct")
        check(kind in req.route_types, f"route type {kind}", f"route type {kind} not allowed")
    check(offering.status in req.statuses, f"status {offering.status}", f"status {offering.status}")
    if req.tools:
        check(bool(_fact(catalog, offering, "capabilities", "tools")), "calls tools", "no tool calling")
    if req.reasoning:
        check(bool(_fact(catalog, offering, "capabilities", "reasoning")), "reasons", "no reasoning")
    if req.vision:
        check("image" in (_fact(catalog, offering, "modalities", "input") or ()), "takes images", "no image input")
    for limit, minimum, unknown in (("context", req.min_context, "context unknown"),
                                    ("output", req.min_output, "output limit unknown")):
        if minimum:
            value = _fact(catalog, offering, "limits", limit)
            check(bool(value and value >= minimum), f"{limit} {value:,}" if value else "",
                  f"{limit} {value:,} < {minimum:,}" if value else unknown)
    cost: float | None = None
    freshness: Freshness | None = None
    try:
        cost = catalog.price(offering, usage).total_usd
        freshness = catalog.price_freshness(offering, now)
    except UnpricedError as exc:
        failed.append(exc.reason)
    else:
        allowed = req.freshness is None or freshness is None or freshness in req.freshness
        check(allowed, f"price {freshness.value if freshness else 'unknown'}",
              f"price is {freshness.value if freshness else 'unknown'}")
        if req.min_sources > 1:
            least = offering.price_sources
            check(least >= req.min_sources, f"price stated by {least} sources",
                  f"price stated by {least} source{'s' if least != 1 else ''}, fewer than {req.min_sources}")
    if offering.free:
        met.append(f"free ({offering.free})")
    if failed:
        return Candidate(offering, False, cost, freshness, tuple(failed))
    return Candidate(offering, True, cost, freshness, tuple(m for m in met if m))


def candidates(
    catalog: Catalog,
    requirement: Requirement,
    usage: Usage,
    *,
    now: datetime | None = None,
    include_rejected: bool = False,
) -> list[Candidate]:
    """Offerings that meet ``requirement``, cheapest first for ``usage`` (with the rejected ones
    after them if ``include_rejected``: the explanation of why not). A provider the catalog
    does not know in ``requirement.providers`` is a ``ValueError`` (never silently no route)."""
    unknown = sorted(set(requirement.providers or ()) - set(catalog.provider_ids))
    if unknown:
        hints = [f"{u} (did you mean {', '.join(c)}?)" if (c := close_matches(u, catalog.provider_ids)) else u
                 for u in unknown]
        raise ValueError(f"Requirement.providers names providers the catalog does not know: {'; '.join(hints)}")
    judged = []
    for model_id in catalog.model_ids:
        if requirement.models and not any(fnmatchcase(model_id, p) for p in requirement.models):
            continue
        for key in catalog.model(model_id).offering_keys:
            provider, upstream_id = key.split("/", 1)
            if requirement.providers is not None and provider not in requirement.providers and not include_rejected:
                continue
            judged.append(_judge(catalog, catalog.offering(provider, upstream_id), requirement, usage, now))
    capped = () if requirement.free_first else _CAPPED
    accepted = sorted(
        (c for c in judged if c.accepted),
        key=lambda c: (c.offering.free in capped, c.cost_usd, _FRESHNESS_RANK.get(c.price_freshness, 9), c.offering.key),
    )
    if not include_rejected:
        return accepted
    return accepted + sorted((c for c in judged if not c.accepted), key=lambda c: c.offering.key)


@lru_cache(maxsize=1)
def intents() -> dict[str, Any]:
    """The intents data (``intents.json``)."""
    with open(os.path.join(os.path.dirname(__file__), "intents.json"), "rb") as handle:
        return json.loads(handle.read())


def intent_requirement(intent: str) -> Requirement:
    data = intents()["intents"]
    if intent not in data:
        raise CatalogError(f"unknown intent {intent!r}; known: {', '.join(sorted(data))}")
    spec = data[intent]
    base = data[spec["base"]] if "base" in spec else spec
    merged = {**base.get("requirement", {}), **spec.get("requirement", {}), "models": base["models"]}
    return Requirement.from_json(merged)


def route(catalog: Catalog, intent: str, usage: Usage, *, now: datetime | None = None, **overrides: Any) -> list[Candidate]:
    """Candidates for an intent, cheapest first; keyword ``overrides`` tighten the requirement
    (``providers=frozenset({"anthropic"})``, ``vision=True``…)."""
    requirement = replace(intent_requirement(intent), **overrides)
    return candidates(catalog, requirement, usage, now=now)


def intent_for_model(name: str, default: str | None = "auto") -> str | None:
    """The intent a requested model maps to (``claude-sonnet-4-5`` → ``auto``, ``gpt-5-mini`` →
    ``eco``, ``o3`` → ``premium``), first rule of ``intents.json`` that matches; ``default``
    (the balanced ``auto``) when none does — pass ``default=None`` to know that."""
    bare = name.strip().lower().rsplit("/", 1)[-1]
    for rule in intents()["model_intents"]:
        if fnmatchcase(bare, rule["pattern"]):
            return rule["intent"]
    return default
