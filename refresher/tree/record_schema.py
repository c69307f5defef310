"""The metadata's file formats as pydantic models: the single definition behind validation and
the committed JSON Schema (``schema/``).

These are the edge of the system: files are checked against them when read and written.
The consumer's hot path never sees them (``gate_consumer`` uses plain data).

Units: token prices are USD per 1M tokens; ``image`` is USD per input image, ``request`` USD
per request, ``web_search`` USD per search. A missing price is absent, never 0; 0 means free.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from gate_consumer.freshness import SOURCE_TYPES
from gate_consumer.instants import TIME_RANGE, parse_date, parse_instant
from refresher.rules.text import (
    MAX_NAME,
    MAX_URL,
    NAME_PATTERN,
    URL_PATTERN,
    name_problem,
    url_problem,
)

SCHEMA_BASE = "https://fusionaize.github.io/metadata/v1/schema/"


@functools.lru_cache(maxsize=8192)
def _checked(problem: Callable[[Any], str | None]) -> Callable[[str], str]:
    def check(value: str) -> str:
        why = problem(value)
        if why is not None:
            raise ValueError(why)
        return value

    return check


def _check_instant(value: str) -> str:
    """``value`` if it is a real instant (the pattern admits 2026-02-30). Remembered: a catalog
    says the same few thousand instants ~200,000 times (each source's observation times)."""
    parse_instant(value)
    return value


def _check_date(value: str) -> str:
    parse_date(value)
    return value


def _check_partial_date(value: str) -> str:
    parse_date(value if len(value) == 10 else value + "-01")
    return value


Instant = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"),
    AfterValidator(_check_instant),
    Field(description="UTC instant, YYYY-MM-DDTHH:MM:SSZ"),
]
IsoDate = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"),
    AfterValidator(_check_date),
    Field(description="calendar date, YYYY-MM-DD"),
]
PartialDate = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-\d{2}(-\d{2})?$"),
    AfterValidator(_check_partial_date),
    Field(description="YYYY-MM or YYYY-MM-DD"),
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
ModelSlug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._+-]*$", max_length=200)]
ModelId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9._+-]*$", max_length=265),
    Field(description="canonical model id, <vendor>/<model>"),
]
FactPath = Annotated[str, StringConstraints(pattern=r"^[a-z_]+(\.[a-z0-9_]+)?$")]
#: a provider's URL: https (http only to a loopback host), parsing (refresher/rules/text.py)
WebUrl = Annotated[str, AfterValidator(_checked(url_problem)),
                   Field(json_schema_extra={"pattern": URL_PATTERN, "maxLength": MAX_URL})]
#: a name shown to people: ≤ 200 characters, no control or bidirectional characters
DisplayName = Annotated[str, AfterValidator(_checked(name_problem)),
                        Field(json_schema_extra={"pattern": NAME_PATTERN, "minLength": 1, "maxLength": MAX_NAME})]
Usd = Annotated[float, Field(ge=0, allow_inf_nan=False)]
TokenCount = Annotated[int, Field(ge=1)]
SourceType = Literal[
    "manual-review", "provider-api", "provider-pricing", "provider-docs", "community-catalog", "aggregator-offer", "observed-usage"
]
assert set(SourceType.__args__) == set(SOURCE_TYPES)  # type: ignore[attr-defined]
Lifecycle = Literal["active", "preview", "deprecated", "retired"]
Modality = Literal["text", "image", "audio", "video", "pdf", "file", "embeddings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provenance(_Strict):
    """Where a fact came from. ``as_of``: first observed with this value from this source."""

    source: Slug
    as_of: Instant
    ref: str | None = Field(None, description="URL or endpoint more specific than the source's")
    expires: Instant | None = Field(None, description="manual reviews only: pinned until then")
    by: str | None = Field(None, max_length=200, description="manual reviews only: the reviewer (git identity)")


class RecordProvenance(Provenance):
    """The default provenance of a record's facts, with exceptions per fact path."""

    fields: dict[FactPath, Provenance] = Field(default_factory=dict)


class TokenPrices(_Strict):
    """Per-token components, USD per 1M tokens. ``cache_write`` is the 5-minute cache."""

    input: Usd | None = None
    output: Usd | None = None
    cache_read: Usd | None = None
    cache_write: Usd | None = None
    cache_write_1h: Usd | None = None
    reasoning: Usd | None = None
    input_audio: Usd | None = Field(None, description="audio prompt tokens; absent: billed as text if the offering "
                                                     "lists audio input")
    input_image: Usd | None = Field(None, description="image prompt tokens; absent: billed as text if the offering "
                                                     "lists image input")
    cache_read_audio: Usd | None = Field(None, description="audio read from the cache")
    output_audio: Usd | None = Field(None, description="generated audio tokens")
    image_output: Usd | None = Field(None, description="generated image tokens (``output`` is text output)")


class PriceTier(TokenPrices):
    """Prices that replace the base ones when the whole prompt is larger than the threshold."""

    above_input_tokens: Annotated[int, Field(ge=0, description="exclusive: applies when prompt > this")]


RegionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
TimeRange = Annotated[
    str,
    StringConstraints(pattern=f"^{TIME_RANGE.pattern}$"),
    Field(description="HH:MM-HH:MM in UTC; ends at or before its start: runs past midnight"),
]


def _check_time_zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone") from None
    return value


class RegionPrice(TokenPrices):
    """The price in one region or cross-region profile: a ``multiplier`` of every token price
    that applies (AWS's 10 % regional uplift: 1.1), or token prices of its own that replace the
    base ones (and then combine with nothing else). One or the other."""

    multiplier: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _one_way(self) -> RegionPrice:
        own = [name for name in TokenPrices.model_fields if getattr(self, name) is not None]
        if (self.multiplier is None) == (not own):
            raise ValueError("a region has a multiplier or token prices of its own, exactly one of the two")
        return self


class TimeWindow(_Strict):
    """When a time-of-day price holds: the UTC hour ranges, on these ISO weekdays (1 = Monday)."""

    hours_utc: Annotated[list[TimeRange], Field(min_length=1)]
    weekdays: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1)] = [1, 2, 3, 4, 5, 6, 7]


class OffPeak(TokenPrices):
    """Token prices that replace the base ones inside the windows (DeepSeek's off-peak hours)."""

    windows: Annotated[list[TimeWindow], Field(min_length=1)]
    weekday_time_zone: Annotated[str, AfterValidator(_check_time_zone)] | None = Field(
        None, description="the zone whose calendar says the weekday (hours stay UTC); default UTC")


class Price(TokenPrices):
    """The standard price (the default region, any time of day) and the dimensions that change
    it; how they stack is written in docs/data-model.md, "Prices"."""

    image: Usd | None = Field(None, description="USD per input image")
    request: Usd | None = Field(None, description="USD per request")
    web_search: Usd | None = Field(None, description="USD per web search")
    tiers: list[PriceTier] | None = None
    batch: TokenPrices | None = Field(None, description="service tier 'batch': the batch API's prices")
    flex: TokenPrices | None = Field(None, description="service tier 'flex': slower, cheaper")
    priority: TokenPrices | None = Field(None, description="service tier 'priority': faster, dearer")
    regions: dict[RegionId, RegionPrice] | None = Field(
        None, description="region or cross-region profile → its price; a region the provider lists")
    off_peak: OffPeak | None = Field(None, description="cheaper token prices at certain hours")


class PriceChange(_Strict):
    """A price that held from ``as_of`` until ``until``, kept when it was replaced."""

    price: Price
    source: Slug
    as_of: Instant
    until: Instant


class ModelLink(_Strict):
    """A model a moving alias stood for (``until`` set) or stands for (the last, ``until`` absent)."""

    model: ModelId
    source: Slug
    as_of: Instant
    until: Instant | None = None
    by: Literal["linked", "statement", "price"] = Field(
        description="linked: by the linking rule when the offering was made; statement: its provider or its "
                    "vendor said what it stands for; price: priced as that model of its family, nothing said")


class Limits(_Strict):
    context: TokenCount | None = None
    input: TokenCount | None = None
    output: TokenCount | None = None


class Capabilities(_Strict):
    tools: bool | None = None
    reasoning: bool | None = None
    structured_output: bool | None = None
    attachments: bool | None = None
    temperature: bool | None = None


class Modalities(_Strict):
    input: list[Modality] | None = None
    output: list[Modality] | None = None


class Disagreement(_Strict):
    """Another source's different value for a fact: recorded, never hidden."""

    source: Slug
    value: Any
    as_of: Instant


class Agreement(_Strict):
    """Another source stating the published value of a fact, since ``as_of``."""

    source: Slug
    as_of: Instant
    value: Any = Field(None, description="what the source states, when it is only part of the published value "
                                         "(the same wherever both state something): a batch price without its "
                                         "cache prices")


class OfferingRecord(_Strict):
    """One provider serving one model, keyed in its provider file by the provider's own id."""

    model_config = ConfigDict(title="Offering")

    model: ModelId
    name: DisplayName | None = None
    status: Lifecycle = "active"
    retired_at: Instant | None = None
    provisional: bool | None = Field(
        None, description="created from two catalogs pricing it alike before the provider's own listing has it "
                          "(day-one pricing); the provider's listing confirms or retires it")
    free: Literal["free-tier", "quota", "subscription"] | None = Field(
        None, description="free-tier: a rate-limited free variant (OpenRouter's :free); quota: free up to a quota; "
                          "subscription: paid by a plan, not per token. Absent: paid per token, or unknown")
    price: Price | None = None
    limits: Limits | None = None
    capabilities: Capabilities | None = None
    modalities: Modalities | None = None
    provenance: RecordProvenance
    price_history: list[PriceChange] = Field(default_factory=list)
    model_history: list[ModelLink] = Field(
        default_factory=list,
        description="a moving alias (mistral-medium-latest): the models it stood for, oldest first, the last the "
                    "one it stands for now (refresher/run/moving_aliases.py)")
    disagreements: dict[FactPath, list[Disagreement]] = Field(default_factory=dict)
    agreements: dict[FactPath, list[Agreement]] = Field(
        default_factory=dict,
        description="fact → the other sources whose latest observation is the published value",
    )


class ProviderFile(_Strict):
    """``metadata/providers/<id>.json``: a provider and all its offerings."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"$id": SCHEMA_BASE + "provider.schema.json"}
    )

    id: Slug
    name: DisplayName
    route_type: Literal["direct", "aggregator", "cloud", "local", "subscription"]
    api_style: Literal[
        "openai-chat", "openai-responses", "anthropic-messages", "gemini", "bedrock", "other"
    ]
    base_url: WebUrl | None = None
    api_key_env: list[str] | None = None
    docs_url: WebUrl | None = None
    pricing_url: WebUrl | None = None
    regions: list[RegionId] | None = Field(None, description="the regions and cross-region profiles it serves from")
    billing_mode: Literal["metered", "subscription", "free", "prepaid", "local"]
    quota_group: str | None = None
    provenance: RecordProvenance
    disagreements: dict[FactPath, list[Disagreement]] = Field(default_factory=dict)
    agreements: dict[FactPath, list[Agreement]] = Field(
        default_factory=dict,
        description="fact → the other sources whose latest observation is the published value",
    )
    offerings: dict[Annotated[str, StringConstraints(min_length=1, max_length=256)], OfferingRecord]


class ModelRecord(_Strict):
    """A canonical model, whoever serves it."""

    model_config = ConfigDict(title="Model")

    name: DisplayName
    family: str | None = None
    release_date: IsoDate | None = None
    knowledge_cutoff: PartialDate | None = None
    open_weights: bool | None = None
    status: Lifecycle = "active"
    limits: Limits | None = None
    modalities: Modalities | None = None
    aliases: list[str] = Field(default_factory=list, description="other names; each names one model only")
    provenance: RecordProvenance


class VendorFile(_Strict):
    """``metadata/models/<vendor>.json``: the canonical models of one vendor, keyed by slug."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"$id": SCHEMA_BASE + "models.schema.json"}
    )

    vendor: Slug
    models: dict[ModelSlug, ModelRecord]


class FreshnessPolicyModel(_Strict):
    """Ages in days; a source type without a policy is ``untracked``."""

    fresh_days: Annotated[int, Field(ge=0)]
    stale_days: Annotated[int, Field(ge=0)]


class Source(_Strict):
    name: str
    type: SourceType = Field(description="the type for the offerings of `provider`; others' are aggregator-offer")
    provider: Slug | None = Field(None, description="set when the source is that provider's own API")
    url: str
    docs_url: str | None = None
    api_key_env: str | None = None


class Guards(_Strict):
    """Limits on what one refresh may do before a human looks."""

    retire_after_absences: Annotated[int, Field(ge=1)] = Field(
        3, description="consecutive successful refreshes an offering must be missing before it is retired"
    )
    retire_after_days: Annotated[int, Field(ge=1)] = Field(
        30, description="an offering missing from a complete listing made this many days or more after the "
                        "source's previous one is retired at once (no flaky listing lasts that long), and the "
                        "shrink guard does not compare listings so far apart"
    )
    max_shrink_share: Annotated[float, Field(ge=0, le=1)] = Field(
        0.2, description="a source listing more than this share fewer offerings than before retires nothing"
    )
    max_price_ratio: Annotated[float, Field(gt=1)] = Field(
        5.0, description="a price moving by this factor or more (up or down) is flagged for review"
    )


def guards_of(sources: Mapping[str, Any]) -> Guards:
    """The guards a ``sources.json`` document sets, each default filled in from :class:`Guards`
    (the one place they are written). Unchecked: validation reports a wrong value."""
    return Guards.model_construct(**sources.get("guards", {}))


class Acknowledgement(_Strict):
    """A validation warning a reviewer looked at and kept: ``faimeta validate`` counts it as
    acknowledged (``--strict`` passes it) until ``until``, when it is a warning again. Never an
    error: an error is fixed, not acknowledged."""

    file: str = Field(description="the file, as validate names it (metadata/providers/amazon-bedrock.json)")
    record: str = Field("*", description="the record, as validate names it (offering 'x'); shell-style wildcards")
    field: str = Field(description="the field, as validate names it (price.regions.us-gov-west-1); wildcards")
    why: Annotated[str, StringConstraints(min_length=20)] = Field(description="what the reviewer found")
    until: Instant = Field(description="when the acknowledgement lapses and the warning counts again")


class SourcesFile(_Strict):
    """``metadata/sources.json``: the source registry and the freshness policy per source type."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"$id": SCHEMA_BASE + "sources.schema.json"}
    )

    freshness_policy: dict[SourceType, FreshnessPolicyModel]
    guards: Guards = Guards()
    sources: dict[Slug, Source]
    acknowledged: list[Acknowledgement] = Field(
        default_factory=list, description="validation warnings a reviewer looked at and kept, each until it lapses")


class PendingStatement(_Strict):
    as_of: Instant
    facts: dict[str, Any]


class LedgerEntry(_Strict):
    checked_at: Instant = Field(description="the last run that fetched this source")
    succeeded_at: Instant | None = Field(
        None, description="the last complete listing: it confirms every fact of the offerings it listed"
    )
    confirmed_at: dict[Slug, Instant] = Field(
        default_factory=dict, description="provider → last listing limited to it (a --provider run)"
    )
    listed: dict[Slug, list[str]] = Field(default_factory=dict, description="provider → upstream ids seen")
    absences: dict[Slug, dict[str, int]] = Field(
        default_factory=dict, description="provider → upstream id → consecutive successful checks without it"
    )
    observed: dict[Slug, dict[str, Instant]] = Field(
        default_factory=dict, description="observed usage only: provider → upstream id → its last agreeing bill")
    pending: dict[Slug, dict[str, PendingStatement]] = Field(
        default_factory=dict, description="a catalog's prices of first-party offerings the tree lacks: provider → "
                                          "upstream id → what it says (created provisional once another source agrees)")


class LedgerFile(_Strict):
    """``metadata/ledger.json``: when each source was last checked and what it listed."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"$id": SCHEMA_BASE + "ledger.schema.json"}
    )

    sources: dict[Slug, LedgerEntry]


#: Each file kind, its schema file name, and where it lives under ``metadata/``.
FILE_KINDS: dict[str, type[BaseModel]] = {
    "provider": ProviderFile,
    "models": VendorFile,
    "sources": SourcesFile,
    "ledger": LedgerFile,
}
