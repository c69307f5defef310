"""What every source adapter produces: observations, normalized to the metadata's units.

An adapter turns one upstream response into a :class:`Snapshot`. It never touches the metadata
tree; :mod:`refresher.reconcile` decides what the observations change. One bad record is
skipped with a reason (``Snapshot.skipped``); only an unusable envelope fails the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = [
    "Adapter",
    "OfferingObservation",
    "ProviderObservation",
    "Skipped",
    "Snapshot",
    "SourceError",
    "Upstream",
    "parse_records",
    "per_million",
]

MODALITIES = frozenset({"text", "image", "audio", "video", "pdf", "file", "embeddings"})


class SourceError(Exception):
    """The whole response of a source is unusable (not JSON, wrong envelope). Names the source."""


class Upstream(BaseModel):
    """Base for upstream shapes: unknown fields are tolerated, wrong types are not."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


@dataclass(frozen=True)
class Skipped:
    record: str
    reason: str


@dataclass(frozen=True)
class ProviderObservation:
    provider: str
    facts: dict[str, Any]
    api_package: str | None = None  # e.g. models.dev's npm package, a hint for the API style


@dataclass(frozen=True)
class OfferingObservation:
    """One offering as a source lists it. ``facts`` use offering fact paths (``price.input``…);
    ``model_facts`` the canonical model's (``release_date``…); ``aliases`` other names of the model."""

    provider: str
    upstream_id: str
    facts: dict[str, Any]
    model_facts: dict[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()


@dataclass
class Snapshot:
    source: str
    observed_at: str
    providers: list[ProviderObservation] = field(default_factory=list)
    offerings: list[OfferingObservation] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class Adapter(Protocol):
    source_id: str

    def parse(self, payload: bytes, observed_at: str) -> Snapshot: ...


M = TypeVar("M", bound=Upstream)


def describe_validation_error(exc: ValidationError) -> str:
    """``field.path: message`` for each problem, e.g. ``cost.input: Input should be a valid number``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(record)'}: {err['msg']}" for err in exc.errors()
    )


def parse_records(
    records: Iterable[tuple[str, Any]],
    model: type[M],
    skipped: list[Skipped],
    convert: Callable[[M], Any],
) -> list[Any]:
    """Validate and convert each ``(label, raw)`` record; a failing one is skipped with its reason."""
    out = []
    for label, raw in records:
        try:
            out.append(convert(model.model_validate(raw)))
        except ValidationError as exc:
            skipped.append(Skipped(label, describe_validation_error(exc)))
        except ValueError as exc:
            skipped.append(Skipped(label, str(exc)))
    return out


def per_million(value: str | float | int | None, *, per_token: bool, field_name: str) -> float | None:
    """A price in USD per 1M tokens from an upstream value; ``None`` when unknown.

    ``per_token=True`` scales USD per token by 10^6 exactly (decimal arithmetic, so
    ``"0.000003"`` is 3, not 2.9999999999999996). ``"-1"`` and ``None`` mean unknown.
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
    return float(number * 1_000_000 if per_token else number)


def clean_modalities(values: Iterable[str] | None) -> list[str] | None:
    """Known modalities, sorted and unique; ``None`` when nothing known remains."""
    if values is None:
        return None
    known = sorted({v.lower() for v in values} & MODALITIES)
    return known or None


def drop_none(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if v is not None}
