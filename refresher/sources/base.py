"""What every source adapter produces: observations, normalized to the metadata's units.

An adapter turns one upstream response into a :class:`Snapshot`. It never touches the metadata
tree; :mod:`refresher.run.reconcile` decides what the observations change. One bad record is
skipped with a reason (``Snapshot.skipped``); only an unusable envelope fails the source.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from gate_consumer.ids import check_upstream_id, shown
from refresher.rules.classify import FREE_QUOTA, classify
from refresher.rules.risks import RiskKind, RiskyRecord, risk_of
from refresher.rules.sanity import price_problems

__all__ = [
    "MatchRule",
    "OfferingObservation",
    "ProviderObservation",
    "Skipped",
    "Snapshot",
    "SourceError",
    "Upstream",
    "bearer",
    "check_values",
    "clean_modalities",
    "drop_none",
    "free_kind",
    "list_of_records",
    "load_json",
    "observe_entry",
    "parse_listing",
    "parse_records",
    "per_million",
    "per_token_prices",
    "raw_id",
    "record_label",
]

MODALITIES = frozenset({"text", "image", "audio", "video", "pdf", "file", "embeddings"})


class SourceError(Exception):
    """The whole response of a source is unusable (not JSON, wrong envelope). Names the source."""


class Upstream(BaseModel):
    """Base for upstream shapes: unknown fields are tolerated, wrong types are not."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


@dataclass(frozen=True)
class Skipped:
    """A record the source listed but that could not be used. ``provider`` and ``upstream_id``
    (the raw id, when it was a string) mark it *present and invalid*: never counted absent."""

    record: str
    reason: str
    provider: str | None = None
    upstream_id: str | None = None
    #: the kind of risk the refusal is, for the reviewer (a unit mix-up, a refused id…); None: none
    risk: RiskKind | None = None


@dataclass(frozen=True)
class ProviderObservation:
    provider: str
    facts: dict[str, Any]
    api_package: str | None = None  # the API style, as models.dev names it (its npm package): a new provider is classified by it


@dataclass(frozen=True)
class OfferingObservation:
    """One offering as a source lists it. ``facts`` use offering fact paths (``price.input``…);
    ``model_facts`` the canonical model's (``release_date``…); ``aliases`` other names of the model;
    ``alias_of`` the provider's own id of the model this one stands for (a moving ``-latest``)."""

    provider: str
    upstream_id: str
    facts: dict[str, Any]
    model_facts: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    #: another upstream id of the same provider whose model this one serves, as the provider
    #: says it today (OpenRouter's ``alias_target`` of ``~anthropic/claude-sonnet-latest``)
    alias_of: str | None = None


@dataclass(frozen=True)
class MatchRule:
    """A catalog's price for whichever offering of ``providers`` its rule matches (``matches``
    takes a lower-cased upstream id), expanded against the tree when the source is reconciled
    (:func:`refresher.run.reconcile.expand_rules`)."""

    providers: tuple[str, ...]
    name: str
    matches: Callable[[str], bool]
    facts: dict[str, Any]


@dataclass
class Snapshot:
    """One source's observations. ``records`` counts the entries the response listed (valid or
    not); ``complete`` is False when the listing is known to be partial (a page missing), in
    which case an absent offering proves nothing."""

    source: str
    observed_at: str
    providers: list[ProviderObservation] = field(default_factory=list)
    offerings: list[OfferingObservation] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    records: int = 0
    complete: bool = True
    #: a catalog that only confirms or contests offerings the tree knows: it never creates
    #: providers, offerings or models, and its silence never counts as an absence
    confirms_only: bool = False
    #: entries that map to no provider or offering, by reason (coverage, for the reviewer)
    unmapped: Counter[str] = field(default_factory=Counter)
    #: prices matched to offerings by a rule, not an id (genai-prices, Langfuse)
    rules: list[MatchRule] = field(default_factory=list)

    def extend(self, page: Snapshot) -> None:
        """Add the next page of the same listing."""
        known = {p.provider for p in self.providers}
        self.providers.extend(p for p in page.providers if p.provider not in known)
        self.offerings.extend(page.offerings)
        self.skipped.extend(page.skipped)
        self.records += page.records
        self.complete = self.complete and page.complete
        self.rules.extend(page.rules)
        self.unmapped.update(page.unmapped)


def bearer(key: str) -> dict[str, str]:
    """The usual way to send an API key; adapters with another scheme define ``auth_headers``."""
    return {"Authorization": f"Bearer {key}"}


def load_json(payload: bytes, source: str) -> Any:
    """Decode a response body, or raise :class:`SourceError` saying what came instead: an empty
    body, an HTML page (a proxy's or a login page), JSON cut off in the middle, or other bytes."""
    if not payload.strip():
        raise SourceError(f"{source}: the response body is empty")
    try:
        return json.loads(payload)
    except RecursionError:
        raise SourceError(f"{source}: the response is JSON nested too deep to read") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{source}: the response is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        head = payload.lstrip()[:40]
        if head[:1] == b"<":
            raise SourceError(f"{source}: the response is HTML, not JSON (it starts {head[:20]!r})") from None
        if exc.pos >= len(exc.doc.rstrip()):
            raise SourceError(
                f"{source}: the response is truncated: JSON ends early after {len(payload):,} bytes ({exc.msg})"
            ) from None
        raise SourceError(f"{source}: the response is not valid JSON: {exc.msg} at character {exc.pos:,}") from None


def list_of_records(data: Any, source: str, key: str | None = "data") -> list[Any]:
    """The record list of a listing envelope (``{"data": [...]}``; ``key=None`` for a bare array)."""
    items = data if key is None else (data.get(key) if isinstance(data, dict) else None)
    if not isinstance(items, list):
        expected = "a JSON array" if key is None else f'{{"{key}": [...]}}'
        raise SourceError(f"{source}: expected {expected}, got {_shape(data)}")
    return items


def _shape(data: Any) -> str:
    if isinstance(data, dict):
        keys = ", ".join(sorted(data)[:5])
        return f"an object with keys {keys}" if keys else "an empty object"
    return f"a JSON {type(data).__name__}"


def record_label(provider: str, raw: Any, index: int, id_key: str = "id") -> str:
    """How messages name a record: ``provider/id``, the id escaped and cut to a readable length
    (a hostile id can be 10 kB of control characters), or ``provider/#index`` without one."""
    upstream_id = raw.get(id_key) if isinstance(raw, Mapping) else None
    if not isinstance(upstream_id, str):
        return f"{provider}/#{index}"
    label = shown(upstream_id)
    if len(label) > 80:
        label = f"{label[:60]}…({len(upstream_id):,} characters)"
    return f"{provider}/{label}"


M = TypeVar("M", bound=Upstream)


def describe_validation_error(exc: ValidationError) -> str:
    """``field.path: message`` for each problem, e.g. ``cost.input: Input should be a valid number``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(record)'}: {err['msg']}" for err in exc.errors()
    )


def raw_id(raw: Any, id_key: str = "id") -> str | None:
    """A record's id as the upstream wrote it, if it is a string (valid or not)."""
    value = raw.get(id_key) if isinstance(raw, Mapping) else None
    return value if isinstance(value, str) else None


def parse_records(
    records: Iterable[tuple[str, Any]],
    model: type[M],
    skipped: list[Skipped],
    convert: Callable[[M], Any],
    provider: str | None = None,
) -> list[Any]:
    """Validate and convert each ``(label, raw)`` record of ``provider``; a failing one is
    skipped with its reason (and its raw id, so it counts as present)."""
    out = []
    for label, raw in records:
        try:
            converted = convert(model.model_validate(raw))
            if isinstance(converted, OfferingObservation):
                check_values(converted.facts)
            out.append(converted)
            continue
        except ValidationError as exc:
            reason = describe_validation_error(exc)
            risk = None
        except ValueError as exc:
            reason, risk = str(exc), risk_of(exc)
        except Exception as exc:  # any other failure on one record costs that record only
            reason, risk = f"{type(exc).__name__}: {str(exc)[:200]}", None
        skipped.append(Skipped(label, reason, provider, raw_id(raw), risk))
    return out


def check_values(facts: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the field when a token price is implausible (the unit guard,
    the same :func:`~refresher.rules.sanity.token_price_problems` ``faimeta validate`` applies: tiers,
    service tiers, off-peak and regional prices too) or a token limit is not a positive whole
    number."""
    for path, value in facts.items():
        if path.startswith("limits.") and (type(value) is not int or value < 1):
            raise ValueError(f"{path}: {value!r} is not a positive number of tokens")
    price = {path[6:]: value for path, value in facts.items() if path.startswith("price.")}
    for problem in price_problems(price):
        message = f"{problem.path}: {problem.message}"
        raise RiskyRecord(RiskKind.UNIT_GUARD, message) if problem.unit_mixup else ValueError(message)


def free_kind(provider: str, upstream_id: str, input_price: Any, output_price: Any) -> str | None:
    """Whether an offering is free and how (the offering fact ``free``): OpenRouter-style
    ``:free`` variants, and ids named free at 0 per token (``openrouter/free``,
    ``claude-haiku-4-5-free``), are a rate-limited free tier; 0 per token at a service known for free
    quotas (:data:`refresher.rules.classify.FREE_QUOTA`) is a quota; a subscription plan's offerings at
    0 per token are paid by the plan. None otherwise (a price of 0 alone says only "0 per token")."""
    if upstream_id.endswith(":free"):
        return "free-tier"
    if input_price != 0 or output_price != 0:
        return None
    last = upstream_id.rsplit("/", 1)[-1].lower()
    if last == "free" or last.endswith("-free"):  # OpenRouter's openrouter/free router, llmgateway's …-free
        return "free-tier"
    if provider in FREE_QUOTA:
        return "quota"
    return "subscription" if classify(provider, None)["billing_mode"] == "subscription" else None


def observe_entry(
    snapshot: Snapshot, provider: str, upstream_id: str, prices: Callable[[], dict[str, Any]]
) -> None:
    """Add a catalog's entry for the offering ``upstream_id`` of ``provider`` to ``snapshot``:
    its price facts (``prices()``), checked like every source's (:func:`check_values`). An
    entry without a token price is counted as unmapped; an invalid id or an implausible or
    malformed price is skipped with its reason, the record named."""
    try:
        check_upstream_id(upstream_id)
        facts = prices()
        check_values(facts)
    except (ValueError, TypeError) as exc:
        label = record_label(provider, {"id": upstream_id}, 0)
        snapshot.skipped.append(Skipped(label, str(exc)[:200], provider, upstream_id, risk_of(exc)))
        return
    if facts:
        snapshot.offerings.append(OfferingObservation(provider, upstream_id, facts))
    else:
        snapshot.unmapped["no token price"] += 1


def parse_listing(
    payload: bytes,
    observed_at: str,
    *,
    source: str,
    provider: ProviderObservation,
    model: type[M],
    convert: Callable[[M], OfferingObservation],
    key: str | None = "data",
) -> Snapshot:
    """The common case: a list of model records (under ``key``) of one provider."""
    items = list_of_records(load_json(payload, source), source, key)
    snapshot = Snapshot(source, observed_at, providers=[provider], records=len(items))
    records = ((record_label(provider.provider, raw, i), raw) for i, raw in enumerate(items))
    snapshot.offerings = parse_records(records, model, snapshot.skipped, convert, provider.provider)
    return snapshot


class ListedId(Upstream):
    """An entry of a listing that says only which model is served (``{id, object, owned_by}``)."""

    id: str


def parse_ids(payload: bytes, observed_at: str, *, source: str, provider: ProviderObservation) -> Snapshot:
    """An OpenAI-style ``/v1/models`` listing of ids only (Cerebras, Nebius, xAI): each entry an
    active offering of ``provider`` — what it serves, and by absence what it stopped serving."""

    def served(m: ListedId) -> OfferingObservation:
        return OfferingObservation(provider.provider, check_upstream_id(m.id), {"status": "active"})

    return parse_listing(payload, observed_at, source=source, provider=provider, model=ListedId, convert=served)


def per_million(
    value: str | float | int | None, *, per_token: bool, field_name: str, cents: bool = False,
    tokens_per_unit: int = 1,
) -> float | None:
    """A price in USD per 1M tokens from an upstream value; ``None`` when unknown.

    ``per_token=True`` scales USD per token by 10^6 exactly (decimal arithmetic, so
    ``"0.000003"`` is 3, not 2.9999999999999996) — or USD per ``tokens_per_unit`` tokens (1,000
    for an official list's "1K tokens"); ``cents=True`` reads US cents instead of dollars
    (Portkey). ``"-1"`` and ``None`` mean unknown.
    Raises ``ValueError`` naming the field for a negative, non-finite or non-numeric value.
    """
    if value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{field_name}: {value!r} is not a number") from None
    if number == -1:
        return None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{field_name}: {value!r} is not a valid price")
    # 7 significant digits (what a float32 holds): upstream float noise — 2.5999999999999996, or float32's
    # 0.0299999997 — is the price 2.6 or 0.03. No real price has more than 6.
    if cents:
        number /= 100
    return float(format(number * 1_000_000 / tokens_per_unit if per_token else number, ".7g"))


def per_token_prices(
    raw: Mapping[str, Any], per_token: Mapping[str, str], per_unit: Mapping[str, str], where: str = "pricing"
) -> dict[str, float | None]:
    """Price facts from an OpenRouter-style pricing object: USD per token (strings) for the
    ``per_token`` keys, scaled to per 1M; USD per unit (image, request…) for ``per_unit``,
    where 0 means "no such fee" and is left out. Keys map upstream name → our component."""
    facts: dict[str, float | None] = {}
    for keys, scaled in ((per_token, True), (per_unit, False)):
        for key, ours in keys.items():
            value = raw.get(key)
            if value is not None and not isinstance(value, (str, int, float)):
                raise ValueError(f"{where}.{key}: {value!r} is not a price")
            price = per_million(value, per_token=scaled, field_name=f"{where}.{key}")
            facts[f"price.{ours}"] = price if scaled else (price or None)
    return facts


def clean_modalities(values: Iterable[str] | None) -> list[str] | None:
    """Known modalities, sorted and unique; ``None`` when nothing known remains."""
    if values is None:
        return None
    known = sorted({v.lower() for v in values} & MODALITIES)
    return known or None


def drop_none(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if v is not None}
