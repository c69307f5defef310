"""The catalog a gateway reads: models, offerings, prices, freshness.

A :class:`Catalog` wraps one published ``v1`` tree (see ``refresher/publish/build.py``): the small
``index.json`` is read when the catalog is created; each provider's file is read the first
time one of its offerings is asked for. Loading from a URL, a cache or the bundled snapshot is
:mod:`gate_consumer.loading`'s job; this module only reads the files it is given.

Contract: an id resolves to exactly one model, or raises (:class:`UnknownModelError` with
suggestions, :class:`AmbiguousModelError` with the candidates). A price is computed from data
or raises :class:`UnpricedError`; it is never 0 by default.
"""

from __future__ import annotations

import heapq
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from gate_consumer._time import parse_instant, utc_now
from gate_consumer.errors import AmbiguousModelError, UnknownModelError, UnpricedError
from gate_consumer.facts import MODEL_FACTS, OFFERING_FACTS, get_fact
from gate_consumer.freshness import (
    Freshness,
    FreshnessPolicy,
    compute_freshness,
    relative_source_type,
    worst,
)
from gate_consumer.id_forms import Reading, readings
from gate_consumer.ids import MAX_UPSTREAM_ID_LENGTH
from gate_consumer.observed import BilledCheck, agrees
from gate_consumer.pricing import PriceTable, Quote, Usage
from gate_consumer.provenance import FactProvenance, fact_entry, record_provenance

__all__ = ["Catalog", "FactFreshness", "Model", "Offering", "ProviderFreshness", "Resolution"]

Reader = Callable[[str], bytes]


class Model:
    """A canonical model (``vendor/slug``) and the keys of the offerings that serve it.

    ``record`` (name, dates, limits, modalities…) comes from ``models.json``, read the first
    time any model's facts are asked for; ids, aliases and offerings come from ``index.json``.
    """

    __slots__ = ("_catalog", "_entry", "id", "offering_keys")

    def __init__(self, model_id: str, entry: Mapping[str, Any], catalog: Catalog):
        self.id = model_id
        self._entry = entry
        self._catalog = catalog
        self.offering_keys: tuple[str, ...] = tuple(entry.get("offerings", ()))

    @property
    def record(self) -> Mapping[str, Any]:
        return self._catalog._model_details().get(self.id, self._entry)

    @property
    def name(self) -> str:
        return self.record.get("name", self.id)

    @property
    def vendor(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(self._entry.get("aliases", ()))

    def modalities(self, direction: str) -> tuple[str, ...]:
        return tuple((self.record.get("modalities") or {}).get(direction, ()))

    def __repr__(self) -> str:
        return f"Model({self.id!r})"


class Offering:
    """One provider's way to call a model, with its facts as the catalog publishes them."""

    __slots__ = ("_provenance", "_tables", "provider", "record", "upstream_id")

    def __init__(self, provider: str, upstream_id: str, record: Mapping[str, Any]):
        self.provider = provider
        self.upstream_id = upstream_id
        self.record = record
        self._tables: dict[tuple[str, ...], PriceTable] = {}  # by the input modalities asked for
        self._provenance: dict[str, FactProvenance] | None = None

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.upstream_id}"

    @property
    def model_id(self) -> str:
        return self.record["model"]

    @property
    def status(self) -> str:
        return self.record.get("status", "active")

    @property
    def price(self) -> Mapping[str, Any] | None:
        return self.record.get("price")

    @property
    def free(self) -> str | None:
        """``free-tier`` (a rate-limited free variant), ``quota`` (free up to a quota),
        ``subscription`` (paid by a plan, not per token), or None: paid per token or unknown.
        Distinct from a price of 0, which says only what a token costs."""
        return self.record.get("free")

    def limit(self, name: str) -> int | None:
        return get_fact(self.record, f"limits.{name}")

    def capability(self, name: str) -> bool | None:
        return get_fact(self.record, f"capabilities.{name}")

    def modalities(self, direction: str) -> tuple[str, ...]:
        return tuple((self.record.get("modalities") or {}).get(direction, ()))

    def provenance(self, path: str) -> FactProvenance:
        """Where the fact at ``path`` (``price.input``, ``limits.context``…) came from."""
        if self._provenance is None:
            self._provenance = record_provenance(self.record, OFFERING_FACTS)
        try:
            return self._provenance[path]
        except KeyError:
            raise KeyError(f"{self.key} has no fact {path!r}") from None

    def agreeing(self, path: str) -> tuple[FactProvenance, ...]:
        """The other sources whose latest observation of the fact at ``path`` is its published
        value (each with when it first said so); empty when only its own source states it."""
        return tuple(FactProvenance(e["source"], e["as_of"]) for e in self.record.get("agreements", {}).get(path, ()))

    def confirmed_at(self, path: str) -> str:
        """When the fact at ``path`` was last confirmed: the later of when its source said it
        and when that source last listed the offering (``confirmed``), and the same for each
        source agreeing with it — a fact is as recent as its newest agreeing observation."""
        return _confirmed_at(self.record, path)

    def sources(self, path: str) -> int:
        """How many independent sources state the published value of ``path`` (0 if absent)."""
        if get_fact(self.record, path) is None:
            return 0
        return 1 + len(self.record.get("agreements", {}).get(path, ()))

    @property
    def price_sources(self) -> int:
        """The fewest sources stating any of its token prices (input, output); 0 if unpriced."""
        return min((n for n in map(self.sources, ("price.input", "price.output")) if n), default=0)

    @property
    def price_anchor(self) -> str | None:
        """The fact a quote's source and date come from: ``price.input``, else ``price.output``;
        None when the offering has no token price."""
        price = self.price or {}
        return "price.input" if "input" in price else "price.output" if "output" in price else None

    def table(self, input_modalities: tuple[str, ...] = ()) -> PriceTable:
        """The current price, compiled; raises :class:`UnpricedError` if there is none.
        ``input_modalities``: the ones it takes (its own, else its model's): those without a
        price of their own are billed as text."""
        table = self._tables.get(input_modalities)
        if table is None:
            anchor_path = self.price_anchor
            if anchor_path is None:
                raise UnpricedError(self.key, "no token price is known for this offering")
            anchor = self.provenance(anchor_path)
            # The price has held since the first of the sources stating it said so (a fresher
            # source taking over the same value does not make it newer).
            since = min([anchor.as_of, *(a.as_of for a in self.agreeing(anchor_path))])
            table = self._tables[input_modalities] = PriceTable(self.price, anchor.source, since,  # type: ignore[arg-type]
                                                                input_modalities)
        return table

    def __repr__(self) -> str:
        return f"Offering({self.key!r})"


#: A dated snapshot id: ``gpt-5.4-2026-03-05``, ``claude-opus-4-5-20251101``
_UNDATED = re.compile(r"^(?P<base>.+?)-(?:\d{4}-\d{2}-\d{2}|20\d{6})$")
#: what separates the words of a name, for suggestions
_WORDS = re.compile(r"[-/:@\[\] ]+")


class _Names:
    """What each lower-cased name matches: ``[(model id, offering key it names, or None for the
    model itself)]`` — a model's id, its slug and its aliases; an offering's
    ``provider/upstream-id``; an upstream id, which many offerings share. A resolve at start-up
    builds it all, so it holds strings, not entries: offering key → model (by comprehension:
    the keys are unique), upstream id → offering keys; an entry is made when a name is asked
    for. At 10× today's catalog (55,000 offerings) that is a third of the time of one loop of
    entries (issue 17)."""

    __slots__ = ("_records", "clashes", "models", "offerings", "upstream")

    def __init__(self, models: Mapping[str, Any]):
        self.models: dict[str, list[tuple[str, str | None]]] = {}
        for model_id, record in models.items():
            entry = (model_id, None)
            keys = [model_id, model_id.partition("/")[2]]
            for alias in record.get("aliases", ()):
                keys.append(alias)
                if "/" in alias:
                    keys.append(alias.partition("/")[2])
            for key in keys:
                self.models.setdefault(key.lower(), []).append(entry)
        self._records = models
        #: offering key (lower case) → its model (which lists the key as it is spelt)
        self.offerings: dict[str, str] = {
            key.lower(): model_id for model_id, record in models.items() for key in record.get("offerings", ())}
        #: two keys that differ only in case (rare): every entry of each
        self.clashes: dict[str, list[tuple[str, str | None]]] = {}
        if len(self.offerings) < sum(len(record.get("offerings", ())) for record in models.values()):
            for model_id, record in models.items():
                for key in record.get("offerings", ()):
                    self.clashes.setdefault(key.lower(), []).append((model_id, key))
            self.clashes = {k: v for k, v in self.clashes.items() if len(v) > 1}
        #: upstream id (lower case) → the offering keys (lower case) that list it
        self.upstream: dict[str, list[str]] = {}
        get = self.upstream.get
        for lowered in self.offerings:
            upstream = lowered[lowered.find("/") + 1:]
            found = get(upstream)
            if found is None:
                self.upstream[upstream] = [lowered]
            else:
                found.append(lowered)

    def _offering(self, lowered: str) -> list[tuple[str, str | None]]:
        """The entries of the offering key ``lowered`` (two where keys differ only in case)."""
        clash = self.clashes.get(lowered)
        if clash is not None:
            return clash
        model_id = self.offerings[lowered]
        listed = self._records[model_id]["offerings"]
        return [(model_id, lowered if lowered in listed else next(k for k in listed if k.lower() == lowered))]

    def get(self, key: str, default: Any = None) -> list[tuple[str, str | None]] | Any:
        """Everything ``key`` (lower case) names, or ``default``."""
        found = list(self.models.get(key, ()))
        if key in self.offerings:
            found += self._offering(key)
        for lowered in self.upstream.get(key, ()):
            found += self._offering(lowered)
        return found or default

    def items(self) -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
        for key in {**dict.fromkeys(self.models), **dict.fromkeys(self.offerings), **dict.fromkeys(self.upstream)}:
            yield key, self.get(key)


class Resolution:
    """What an id named: the model, its offerings, and how the id matched.

    ``offering`` is set when the id named one offering (``provider/upstream-id``, or an upstream
    id only one provider uses); ``named`` are the offerings whose upstream id the name is.
    ``matched_by`` says how, exactly: ``model``, ``offering``, ``upstream-id`` or ``alias``;
    ``+normalized`` when only case, dots, underscores or dashes differed; ``+<form>`` for each
    client form read first (:data:`gate_consumer.id_forms.FORMS`: ``route-prefix``,
    ``bedrock-arn``, ``suffix``…, described in ``read``); or ``undated-snapshot``: a dated id the
    catalog does not list, whose undated id it does (``gpt-5.4-2026-03-05`` → ``gpt-5.4``;
    refused with ``Catalog.strict_snapshots``). Offerings are read from their provider's file
    only when asked for.
    """

    __slots__ = ("_catalog", "matched_by", "model", "name", "named_keys", "offering_key", "offering_keys", "read")

    def __init__(self, catalog: Catalog, name: str, model: Model, matched_by: str, named_keys: tuple[str, ...],
                 offering_key: str | None, read: str = ""):
        self._catalog = catalog
        self.name = name
        self.model = model
        self.matched_by = matched_by
        self.offering_keys = model.offering_keys
        self.named_keys = named_keys
        self.offering_key = offering_key
        self.read = read  # what the id's form was read as ("the route prefix gemini/"); empty if none

    @property
    def offerings(self) -> tuple[Offering, ...]:
        return tuple(self._catalog.offering_by_key(k) for k in self.offering_keys)

    @property
    def named(self) -> tuple[Offering, ...]:
        return tuple(self._catalog.offering_by_key(k) for k in self.named_keys)

    @property
    def offering(self) -> Offering | None:
        return None if self.offering_key is None else self._catalog.offering_by_key(self.offering_key)

    def __repr__(self) -> str:
        return f"Resolution({self.name!r} → {self.model.id}, {self.matched_by})"


class FactFreshness(NamedTuple):
    """One fact of an offering or a model, judged at a moment: ``subject`` is the offering key
    or the model id; ``ref`` the provenance's reference (a URL, or the offering a model fact
    came from)."""

    subject: str
    path: str
    value: Any
    source: str
    source_type: str
    as_of: str
    confirmed_at: str
    freshness: Freshness
    ref: str | None = None
    agreeing: tuple[str, ...] = ()  # the other sources stating the same value (price facts)


class ProviderFreshness(NamedTuple):
    """The "cost truth" counts of one provider's price facts (one per priced offering)."""

    provider: str
    tracked: int
    fresh: int
    aging: int
    stale: int
    untracked: int
    conflict: int
    manual: int
    unpriced: int
    oldest_price_confirmed: str | None = None  # the least recently confirmed price fact



def cheapest_first(offerings: Iterable[Offering]) -> list[Offering]:
    """Offerings by their standard input + output price per 1M: the priced first, the unpriced
    after them, the retired last (ties by key) — the order every listing of offerings uses."""
    def key(offering: Offering) -> tuple[Any, ...]:
        price = offering.price or {}
        priced = price.get("input") is not None and price.get("output") is not None
        return (offering.status == "retired", not priced, (price.get("input") or 0) + (price.get("output") or 0),
                offering.key)

    return sorted(offerings, key=key)


def _instant(value: datetime | str | None) -> datetime | None:
    """``value`` as an aware instant: ISO-8601 text parsed, a naive datetime read as UTC."""
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    if isinstance(value, str):
        return parse_instant(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc)
    raise TypeError(f"expected a datetime or ISO-8601 text, got {type(value).__name__}")


def _usage(tokens: Mapping[str, Any]) -> Usage:
    """A :class:`Usage` from keyword counts, each a whole number of tokens (not a bool, a float
    or text: ``input_tokens=10.5`` is a caller's mistake, said so)."""
    unknown = sorted(set(tokens) - set(Usage._fields))
    if unknown:
        raise TypeError(f"unknown token count(s) {', '.join(unknown)}; known: {', '.join(Usage._fields)}")
    for name, value in tokens.items():
        if type(value) is not int:
            raise TypeError(f"{name} must be a whole number of tokens (int), not {type(value).__name__} {value!r}")
    return Usage(**tokens)


def _close(word: str, candidates: list[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    import difflib  # only on the error path: not worth its import time at start-up

    return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)


def _normalized(key: str) -> str:
    """The form in which ids that differ only by case, dots, underscores or dashes are equal."""
    return key.lower().replace(".", "-").replace("_", "-")


def _price_paths(record: Mapping[str, Any]) -> list[str]:
    """The paths of a record's price facts, in path order (those :func:`~gate_consumer.facts.iter_facts` yields
    under ``price.``, without walking the other sections)."""
    return [f"price.{name}" for name, value in sorted((record.get("price") or {}).items()) if value is not None]


def _confirmed_at(record: Mapping[str, Any], path: str) -> str:
    """:meth:`Offering.confirmed_at` of an offering's record, read in place (a build asks it of
    every price of the catalog: no provenance object is made)."""
    said = fact_entry(record, path)
    if said is None:
        raise KeyError(f"no fact {path!r}")
    seen = record.get("confirmed", {})
    confirmed = max(said["as_of"], seen.get(said["source"], ""))
    for other in record.get("agreements", {}).get(path, ()):
        confirmed = max(confirmed, other["as_of"], seen.get(other["source"], ""))
    return confirmed


def price_confirmations(records: Iterable[Mapping[str, Any]]) -> tuple[str, str] | None:
    """When the least and the most recently confirmed price facts of the offerings (their
    records) that are not retired were last confirmed (:meth:`Offering.confirmed_at`); None
    without prices."""
    dates = [_confirmed_at(record, path) for record in records if record.get("status") != "retired"
             for path in _price_paths(record)]
    return (min(dates), max(dates)) if dates else None


class Catalog:
    """A loaded catalog. Thread-safe for readers; see :mod:`gate_consumer.loading` for swaps."""

    def __init__(self, reader: Reader | None, manifest: Mapping[str, Any], *, origin: str, location: str,
                 documents: Callable[[str], Any] | None = None):
        """``reader``: the bytes of a catalog file by its path in ``v1/`` (``index.json``,
        ``providers/<slug>.json``…), read when first needed. ``documents``: instead, the file
        already parsed — for a catalog made in memory (``faimeta show``), with no JSON round trip."""
        if documents is None and reader is None:
            raise TypeError("a Catalog reads its files with a reader or is given them as documents")
        self._document = documents or (lambda rel: json.loads(reader(rel)))  # type: ignore[misc]
        self.manifest = manifest
        self.origin = origin  # "bundled", "cache", "url" or "directory"
        self.location = location
        self.fallback_reason: str | None = None  # why a URL load fell back to this one
        self.cache_problem: str | None = None  # why a URL load could not use its cache directory
        self._index = self._document("index.json")
        self._version: str = manifest["catalog_version"]
        self._models: dict[str, Model] = {}
        self._details: Mapping[str, Mapping[str, Any]] | None = None
        self._providers: dict[str, dict[str, Offering]] = {}
        self._lock = threading.Lock()
        self._exact: _Names | None = None
        self._loose: dict[str, list[tuple[str, str | None]]] | None = None
        self._resolved: dict[str, Resolution] = {}
        self._picked: dict[tuple[str, str | None], Offering] = {}
        self._quoting: dict[Offering, PriceTable] = {}  # what each offering is quoted from (see _table)
        self._unknown: dict[str, tuple[str, ...]] = {}
        self._words: dict[str, list[str]] | None = None
        #: refuse a dated id the catalog does not list instead of resolving it to its undated model
        self.strict_snapshots = False
        sources = self._index.get("sources", {})
        self._source_types = {name: info.get("type", "observed-usage") for name, info in sources.items()}
        self._source_owner = {name: info.get("provider") for name, info in sources.items()}
        self._policies = {
            kind: FreshnessPolicy(p.get("fresh_days"), p.get("stale_days"))
            for kind, p in self._index.get("freshness_policy", {}).items()
        }

    @classmethod
    def load(cls, url: str | None = None, *, strict_snapshots: bool = False, **options: Any) -> Catalog:
        """The bundled snapshot, or the catalog published at ``url`` with a cache and fallbacks;
        see :func:`gate_consumer.loading.load` for ``options`` (``cache_dir``, ``timeout``).
        ``strict_snapshots``: refuse a dated id the catalog does not list (see :class:`Resolution`)."""
        from gate_consumer.loading import load

        catalog = load(url, **options)
        catalog.strict_snapshots = strict_snapshots
        return catalog

    # -- identity ----------------------------------------------------------------------------

    @property
    def version(self) -> str:
        return self.manifest["catalog_version"]

    @property
    def schema_version(self) -> str:
        return self.manifest["schema_version"]

    @property
    def built_at(self) -> str:
        return self.manifest["built_at"]

    def age(self, now: datetime | None = None) -> timedelta:
        """How long ago the catalog was built."""
        return (now or utc_now()) - parse_instant(self.built_at)

    def describe(self, now: datetime | None = None) -> str:
        """One line for logs: which catalog is served, from where, how old the build is and how
        old its prices are (their oldest and newest confirmation by a source)."""
        now = now or utc_now()
        days = self.age(now).total_seconds() / 86400
        line = f"catalog {self.version} ({self.origin}: {self.location}), built {self.built_at}, {days:.1f} days ago"
        confirmed = self.price_confirmations()
        if confirmed is not None:
            oldest, newest = ((now - parse_instant(at)).total_seconds() / 86400 for at in confirmed)
            line += (f"; prices confirmed {confirmed[0][:10]} to {confirmed[1][:10]} "
                     f"({newest:.0f} to {oldest:.0f} days ago)")
        if self.fallback_reason:
            line += f"; fell back because {self.fallback_reason}"
        return line + (f"; not cached: {self.cache_problem}" if self.cache_problem else "")

    def price_confirmations(self) -> tuple[str, str] | None:
        """When the least and the most recently confirmed price facts of the current offerings
        were last confirmed by their source: how old the data is, not the build. None without
        prices. Published catalogs carry it in ``index.json``; otherwise it is computed (which
        reads every provider file)."""
        stored = self._index.get("prices_confirmed")
        if stored:
            return stored["oldest"], stored["newest"]
        return price_confirmations(offering.record for offering in self.iter_offerings())

    # -- records -----------------------------------------------------------------------------

    @property
    def model_ids(self) -> list[str]:
        return sorted(self._index["models"])

    @property
    def provider_ids(self) -> list[str]:
        return sorted(self._index["providers"])

    @property
    def source_names(self) -> list[str]:
        """The registered sources, by name."""
        return sorted(self._index.get("sources", {}))

    def source_info(self, source: str) -> Mapping[str, Any]:
        """A source's registry entry (``name``, ``type``, ``provider``, ``url``); empty if unknown."""
        return self._index.get("sources", {}).get(source, {})

    def provider_info(self, provider: str) -> Mapping[str, Any]:
        try:
            return self._index["providers"][provider]
        except KeyError:
            raise UnknownModelError(provider, tuple(_close(provider, self.provider_ids))) from None

    def model(self, model_id: str) -> Model:
        model = self._models.get(model_id)
        if model is None:
            record = self._index["models"].get(model_id)
            if record is None:
                return self.resolve(model_id).model
            model = self._models.setdefault(model_id, Model(model_id, record, self))
        return model

    def _model_details(self) -> Mapping[str, Mapping[str, Any]]:
        """Every model's facts (``models.json``), read on first use."""
        if self._details is None:
            loaded = self._document("models.json")["models"]
            with self._lock:
                self._details = self._details or loaded
        return self._details

    def _provider_offerings(self, provider: str) -> dict[str, Offering]:
        offerings = self._providers.get(provider)
        if offerings is None:
            if provider not in self._index["providers"]:
                self.provider_info(provider)  # raises with suggestions
            data = self._document(f"providers/{provider}.json")
            loaded = {uid: Offering(provider, uid, rec) for uid, rec in data["offerings"].items()}
            with self._lock:  # two threads may both parse; only one result is kept
                offerings = self._providers.setdefault(provider, loaded)
        return offerings

    def offering(self, provider: str, upstream_id: str) -> Offering:
        offerings = self._provider_offerings(provider)
        try:
            return offerings[upstream_id]
        except KeyError:
            close = _close(upstream_id, list(offerings), n=5)
            raise UnknownModelError(f"{provider}/{upstream_id}", tuple(f"{provider}/{c}" for c in close)) from None

    def offering_by_key(self, key: str) -> Offering:
        """An offering by ``provider/upstream-id`` exactly as the catalog lists it."""
        provider, _, upstream_id = key.partition("/")
        return self.offering(provider, upstream_id)

    def offerings_of(self, model: Model) -> tuple[Offering, ...]:
        return tuple(self.offering_by_key(key) for key in model.offering_keys)

    def provider_offerings(self, provider: str) -> tuple[Offering, ...]:
        """Every offering of one provider (reads that provider's file)."""
        return tuple(self._provider_offerings(provider).values())

    def iter_offerings(self) -> Iterator[Offering]:
        """Every offering of every provider (loads every provider file)."""
        for provider in self.provider_ids:
            yield from self._provider_offerings(provider).values()

    # -- resolving ids -----------------------------------------------------------------------

    def _names(self) -> _Names:
        """Every name an id can match (built on the first resolve)."""
        if self._exact is None:
            self._exact = _Names(self._index["models"])
        return self._exact

    def _loose_names(self) -> dict[str, list[tuple[str, str | None]]]:
        if self._loose is None:
            loose: dict[str, list[tuple[str, str | None]]] = {}
            for key, entries in self._names().items():
                loose.setdefault(_normalized(key), []).extend(entries)
            self._loose = loose
        return self._loose

    def resolve(self, name: str) -> Resolution:
        """Resolve any id a gateway meets to one model and its offerings (see :class:`Resolution`).

        The precedence, first match wins (``docs/consumer.md``, "Resolving ids"):

        1. the id as given (case-insensitive): a canonical model id (``vendor/model``); an
           offering's ``provider/upstream-id``; the model's own name; an upstream id — which beats
           an alias spelled the same, so a snapshot a provider lists as an offering of its own
           prices there; an alias;
        2. the same ignoring dots, dashes and underscores (``+normalized``);
        3. a dated snapshot the catalog does not list, as its undated model (``undated-snapshot``;
           refused with ``strict_snapshots``);
        4. the id read in one of the forms clients send (:mod:`gate_consumer.id_forms`: route
           prefixes, Gemini, Vertex and Fireworks paths, Bedrock ARNs, ``[1m]``, ``:thinking``,
           ``@version``), limited to the providers the form names.

        Where an upstream id is several models' offerings, the vendor's own API decides, then the
        model whose own name it is; else :class:`AmbiguousModelError`. Raises
        :class:`UnknownModelError` with suggestions.
        """
        cached = self._resolved.get(name)
        if cached is not None:
            return cached
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_UPSTREAM_ID_LENGTH:
            raise UnknownModelError(str(name)[:80])
        unknown = self._unknown.get(name)
        if unknown is not None:  # a client repeating a bad id does not pay for suggestions again
            raise UnknownModelError(name, unknown)
        resolution = self._find(name, name.strip().lower(), 0)
        if resolution is None:
            suggestions = self._suggest(name.strip().lower())
            if len(self._unknown) < 10_000:  # a bound, so hostile ids cannot grow it forever
                self._unknown[name] = suggestions
            raise UnknownModelError(name, suggestions)
        if len(self._resolved) < 100_000:
            self._resolved[name] = resolution
        return resolution

    def _find(self, name: str, key: str, depth: int) -> Resolution | None:
        """Steps 1–4 of :meth:`resolve` for ``key``; None when nothing matches."""
        entries = self._names().get(key)
        if entries is not None:
            return self._decide(name, key, entries, "")
        entries = self._loose_names().get(_normalized(key))
        if entries is not None:
            return self._decide(name, key, entries, "+normalized")
        if not self.strict_snapshots and (undated := _UNDATED.match(key)) is not None:
            base = self._find(name, undated["base"], depth + 1)
            if base is not None:  # a snapshot newer than the catalog: priced as its undated model, and said so
                return Resolution(self, name, base.model, "undated-snapshot", base.named_keys, base.offering_key,
                                  base.read)
        if depth < 4:  # nested forms (a route prefix, then a version) are a few layers at most
            found = None
            for reading in readings(key):
                resolution = self._reading(name, reading, depth)
                if resolution is not None and resolution.offering_key is not None:
                    return resolution  # the reading that names one offering is the most specific
                found = found or resolution
            return found
        return None

    def _reading(self, name: str, reading: Reading, depth: int) -> Resolution | None:
        """The resolution of one reading of ``name``, limited to the providers it names."""
        names = self._names()
        for provider in reading.providers:  # the provider's own id for it, exactly
            wanted = f"{provider}/{reading.id}"
            for model_id, key in names.get(wanted, ()):
                if key is not None and key.lower() == wanted:
                    return Resolution(self, name, self.model(model_id), f"offering+{reading.form}", (key,), key,
                                      reading.detail)
        try:
            inner = self._find(name, reading.id, depth + 1)
        except AmbiguousModelError:
            if not reading.providers:
                raise
            inner = None
        if inner is None:
            return None
        how = f"{inner.matched_by}+{reading.form}"
        detail = "; ".join(d for d in (reading.detail, inner.read) if d)
        if not reading.providers:
            return Resolution(self, name, inner.model, how, inner.named_keys, inner.offering_key, detail)
        there = [k for k in inner.model.offering_keys if k.partition("/")[0] in reading.providers]
        named = [k for k in inner.named_keys if k in there]
        pool = named or there
        if not pool:
            return None  # the model, but not where the form sends it: never another provider's price
        return Resolution(self, name, inner.model, how, tuple(pool), pool[0] if len(pool) == 1 else None, detail)

    def _decide(self, name: str, key: str, entries: list[tuple[str, str | None]], how: str) -> Resolution:
        """The resolution among the entries one spelling matched (``resolve``'s precedence)."""
        same = (lambda a, b: a == b) if not how else (lambda a, b: _normalized(a) == _normalized(b))
        models_named = {m for m, k in entries if k is None}
        canonical = {m for m in models_named if same(key, m.lower())}
        if len(canonical) == 1:  # "vendor/model": the model, though a provider's offering is keyed the same
            return Resolution(self, name, self.model(canonical.pop()), "model" + how, (), None)
        offerings = [(m, k) for m, k in entries if k is not None]
        whole = [(m, k) for m, k in offerings if same(key, k.lower())]  # type: ignore[union-attr]
        if len(whole) == 1:  # "provider/upstream-id": that offering, whoever else uses the text
            model_id, offering_key = whole[0]
            return Resolution(self, name, self.model(model_id), "offering" + how, (offering_key,), offering_key)
        own = {m for m in models_named if same(key, m.partition("/")[2].lower())}
        if len(own) == 1:  # the model's own name: the model, though a reseller uses the text as its id
            return Resolution(self, name, self.model(own.pop()), "model" + how, (), None)
        if offerings:
            models = {m for m, _ in offerings}
            if len(models) > 1:
                models = self._narrow_models(name, key, models, offerings, entries)
            (model_id,) = models
            named = tuple(sorted(k for m, k in offerings if m == model_id))  # type: ignore[misc]
            return Resolution(self, name, self.model(model_id), "upstream-id" + how, named,
                              named[0] if len(named) == 1 else None)
        if len(models_named) > 1:
            raise AmbiguousModelError(name, tuple(sorted(models_named)))
        return Resolution(self, name, self.model(models_named.pop()), "alias" + how, (), None)

    def _narrow_models(self, name: str, key: str, models: set[str], offerings: list[tuple[str, str | None]],
                       entries: list[tuple[str, str | None]]) -> set[str]:
        """One model among several whose offerings share an upstream id: the one its vendor's own
        API serves under it, else the one whose own id it is; else ambiguous."""
        first_party = {m for m, k in offerings if self._first_party(k.partition("/")[0], m)}  # type: ignore[union-attr]
        if len(first_party) == 1:
            return first_party
        own = {m for m, k in entries if k is None and m in models
               and _normalized(key) in (_normalized(m), _normalized(m.partition("/")[2]))}
        if len(own) == 1:
            return own
        raise AmbiguousModelError(name, tuple(sorted(models)))

    def first_party_providers(self, vendor: str) -> tuple[str, ...]:
        """The vendor's own APIs (``anthropic`` for Anthropic; ``alibaba`` then ``alibaba-cn``),
        its primary first; empty when only others serve its models."""
        return tuple(self._index.get("first_party", {}).get(vendor, ()))

    def _first_party(self, provider: str, model_id: str) -> bool:
        """Whether ``provider`` is the vendor's own API for ``model_id``."""
        return provider in self.first_party_providers(model_id.partition("/")[0])

    def _suggest(self, key: str) -> tuple[str, ...]:
        """Up to five model ids close to an unknown ``key``: compared only with the names that
        share a word with it (an index), so an unknown id costs under a millisecond."""
        normalized = _normalized(key)
        index = self._word_index()
        close: list[str] = []
        # the id, and without its first segment (a misspelt provider or route prefix)
        for probe in dict.fromkeys(p for p in (normalized, normalized.partition("/")[2]) if p):
            shared: dict[str, int] = {}
            for word in {w for w in _WORDS.split(probe) if len(w) > 1}:
                for candidate in index.get(word, ()):
                    shared[candidate] = shared.get(candidate, 0) + 1
            # the names sharing the most words, nearest in length first (a bounded pool for difflib)
            size = len(probe)
            pool = heapq.nsmallest(60, shared, key=lambda c: (-shared[c], abs(len(c) - size), c))
            close += _close(probe, pool, n=5, cutoff=0.75)
        loose = self._loose_names()
        return tuple(dict.fromkeys(m for c in close for m in sorted({m for m, _ in loose[c]})))[:5]

    def _word_index(self) -> dict[str, list[str]]:
        """word → the normalized names containing it (built once, on the first unknown id).
        An offering's ``provider/upstream-id`` is left out — its upstream id is in on its own
        and is as close to a misspelling of either — so a model resold by many providers does
        not make every unknown id that shares a word with it slower (issue 17)."""
        if self._words is None:
            index: dict[str, list[str]] = {}
            for loose, entries in self._loose_names().items():
                if all(key is not None and _normalized(key) == loose for _, key in entries):
                    continue
                for word in set(_WORDS.split(loose)):
                    if len(word) > 1:
                        index.setdefault(word, []).append(loose)
            self._words = index
        return self._words

    def pick_offering(self, name: str, provider: str | None = None) -> Offering:
        """The offering ``name`` prices on. With ``provider``: that provider's offering with this
        upstream id, else its offering of the model ``name`` resolves to. Without: the offering
        the name is (``provider/upstream-id``), else — among the offerings whose upstream id the
        name is, or else all of the model's — the vendor's own (Anthropic's for a Claude model;
        its primary API first), else those of providers that host it rather than resell another's
        (aggregators last), preferring the one whose id is the model's name. Never a guess between
        two prices: raises :class:`AmbiguousModelError` listing the offerings when that leaves
        more than one with different prices."""
        picked = self._pick(name, provider)
        if len(self._picked) < 100_000:
            self._picked[name, provider] = picked
        return picked

    def _pick(self, name: str, provider: str | None) -> Offering:
        if provider is not None:
            exact = self._provider_offerings(provider).get(name)
            if exact is not None:
                return exact
            resolution = self.resolve(name)
            mine = [k for k in resolution.offering_keys if k.partition("/")[0] == provider]
            if not mine:  # suggest where the model is served: the vendor's own first
                raise UnknownModelError(f"{provider}/{name}",
                                        tuple(self._preferred(resolution.offering_keys, resolution.model.id)[:5]))
            named = [k for k in resolution.named_keys if k in mine]
            return self._one(name, named if len(named) == 1 else mine, resolution.model)
        resolution = self.resolve(name)
        if resolution.offering_key is not None:
            return self.offering_by_key(resolution.offering_key)
        by_model = resolution.matched_by.startswith(("model", "alias", "undated-snapshot"))
        pool = resolution.offering_keys if by_model or not resolution.named_keys else resolution.named_keys
        return self._one(name, self._preferred(pool, resolution.model.id), resolution.model)

    def _one(self, name: str, keys: list[str], model: Model) -> Offering:
        """The single offering of ``keys``, else the one named like the model, else — among
        offerings with the very same price — the first by key (the price is not a guess);
        otherwise :class:`AmbiguousModelError`."""
        if len(keys) == 1:
            return self.offering_by_key(keys[0])
        slug = _normalized(model.id.split("/", 1)[1])
        same = [k for k in keys if slug in (_normalized(k.partition("/")[2]), _normalized(k.rpartition("/")[2]))]
        if len(same) == 1:
            return self.offering_by_key(same[0])
        offerings = [self.offering_by_key(k) for k in sorted(keys)]
        prices = [o.price for o in offerings]
        if prices[0] is None or any(p != prices[0] for p in prices[1:]):
            raise AmbiguousModelError(name, tuple(keys))
        return offerings[0]

    def _preferred(self, keys: tuple[str, ...] | list[str], model_id: str) -> list[str]:
        """The vendor's own offerings among ``keys`` (on its primary API, the first it lists, if
        there); else those of hosts (not aggregators); else all."""
        for api in self.first_party_providers(model_id.partition("/")[0]):
            own = [k for k in keys if k.partition("/")[0] == api]
            if own:
                return own
        providers = self._index["providers"]
        hosts = [k for k in keys if providers.get(k.partition("/")[0], {}).get("route_type") != "aggregator"]
        return hosts or list(keys)


    # -- pricing -----------------------------------------------------------------------------

    def price(
        self,
        target: str | Offering,
        usage: Usage | None = None,
        *,
        provider: str | None = None,
        region: str | None = None,
        service_tier: str = "standard",
        at: datetime | str | None = None,
        **tokens: int,
    ) -> Quote:
        """Price one request. ``target`` is an :class:`Offering` or any id :meth:`resolve`
        accepts (see :meth:`pick_offering` for which offering an id prices on; an id that names
        a cross-region profile, ``us.…`` or ``global.…``, is that profile's offering). Pass a
        :class:`Usage` or its fields as keywords (``input_tokens=…``).

        ``region``: a region or profile the offering lists prices for (None: its default price).
        ``service_tier``: ``standard``, ``batch``, ``flex`` or ``priority``. ``at``: when the
        request is made — the price that held then (from the price history) and, for an offering
        with off-peak hours, whether it falls inside them (None: now). An unknown or unavailable
        region or tier raises :class:`UnpricedError` listing what exists; the :class:`Quote`
        says which dimensions applied (``pricing`` module docstring: how they stack)."""
        if type(target) is Offering:
            offering = target
        else:
            offering = self._picked.get((target, provider)) or self.pick_offering(target, provider)  # type: ignore[arg-type]
        if usage is None:
            usage = _usage(tokens)
        if at is None:
            table = self._quoting.get(offering) or self._table(offering)
            if service_tier == "standard" and region is None:
                return table.quote(offering.key, usage, self._version)
            return table.quote(offering.key, usage, self._version, service_tier=service_tier, region=region)
        when = _instant(at)
        return self._price_at(offering, usage, when, service_tier, region)

    def check_billed(
        self,
        target: str | Offering,
        usage: Usage,
        billed_usd: float,
        at: datetime | str | None = None,
        *,
        provider: str | None = None,
        region: str | None = None,
        service_tier: str = "standard",
    ) -> BilledCheck:
        """The catalog's quote for ``usage`` against the cost a provider billed for it: the
        quote, the difference (quote − billed) and a verdict — ``agrees`` within the tolerance
        of :mod:`gate_consumer.observed` (2 % or $0.000002), ``differs``, ``unpriced`` or
        ``unknown-model`` or ``invalid-usage`` (never an exception for those: it runs on every
        response)."""
        try:
            quote = self.price(target, usage, provider=provider, region=region, service_tier=service_tier, at=at)
        except (UnknownModelError, AmbiguousModelError) as exc:
            return BilledCheck("unknown-model", billed_usd, reason=str(exc))
        except UnpricedError as exc:
            return BilledCheck("unpriced", billed_usd, reason=exc.reason)
        except ValueError as exc:  # token counts that contradict each other
            return BilledCheck("invalid-usage", billed_usd, reason=str(exc))
        verdict = "agrees" if agrees(quote.total_usd, billed_usd) else "differs"
        return BilledCheck(verdict, billed_usd, quote, quote.total_usd - billed_usd)

    def _table(self, offering: Offering) -> PriceTable:
        """The offering's price; for a snapshot with none of its own (OpenAI lists
        ``gpt-4.1-2025-04-14`` beside ``gpt-4.1``), the price its provider states for the same
        model under another id — the one whose id is the model's name, or the one price all of
        them state — quoted with ``priced_via`` saying so. Never a guess between two prices."""
        if offering.price_anchor is not None or offering.status == "retired":
            table = self._quoting[offering] = offering.table(self._input_modalities(offering))
            return table
        siblings = [self.offering_by_key(k) for k in self.model(offering.model_id).offering_keys
                    if k.partition("/")[0] == offering.provider and k != offering.key]
        priced = [o for o in siblings if o.price_anchor is not None and o.status != "retired"]
        named = [o for o in priced if _normalized(o.upstream_id) == _normalized(offering.model_id.partition("/")[2])]
        distinct = {((o.price or {}).get("input"), (o.price or {}).get("output")) for o in priced}
        chosen = named[0] if named else priced[0] if len(distinct) == 1 else None
        if chosen is None:
            return offering.table()  # raises: no price, and none to borrow without guessing
        table = self._quoting[offering] = chosen.table(self._input_modalities(chosen)).via(chosen.key)
        return table

    def _input_modalities(self, offering: Offering) -> tuple[str, ...]:
        """The offering's input modalities, else its model's (read only when it states none)."""
        return offering.modalities("input") or self.model(offering.model_id).modalities("input")

    def _price_at(self, offering: Offering, usage: Usage, at: datetime, service_tier: str, region: str | None) -> Quote:
        table = self._quoting.get(offering) or self._table(offering)
        if at >= table.since:
            return table.quote(offering.key, usage, self.version, service_tier=service_tier, region=region, at=at)
        for entry in reversed(offering.record.get("price_history", ())):
            if parse_instant(entry["as_of"]) <= at < parse_instant(entry["until"]):
                old = PriceTable(entry["price"], entry["source"], entry["as_of"], table.input_modalities)
                return old.quote(offering.key, usage, self.version, historical=True, service_tier=service_tier,
                                 region=region, at=at)
        raise UnpricedError(offering.key, f"no price is known for {at:%Y-%m-%dT%H:%M:%SZ} (the earliest is "
                                          f"{min([table.as_of, *(e['as_of'] for e in offering.record.get('price_history', ()))])})")

    # -- freshness ---------------------------------------------------------------------------

    def source_type(self, source: str, provider: str) -> str:
        """A source's type for one provider: its own API is provider-api only for itself."""
        return relative_source_type(self._source_types.get(source), self._source_owner.get(source), provider)

    def freshness(self, target: Offering | Model, path: str = "price.input",
                  now: datetime | str | None = None) -> FactFreshness:
        """How far the fact at ``path`` of an offering or a model can be trusted at ``now`` (an
        aware datetime, a naive one read as UTC, or ISO-8601 text; default: the current time). An
        offering's fact is confirmed when its source last listed the offering; a model's when its
        source last listed completely. Prices belong to offerings: ask a model for ``name``,
        ``limits.context``…"""
        now = _instant(now)
        agreeing: tuple[str, ...] = ()
        if isinstance(target, Offering):
            record, prov, provider = target.record, target.provenance(path), target.provider
            confirmed = target.confirmed_at(path)
            agreeing = tuple(a.source for a in target.agreeing(path))
            subject = target.key
        else:
            record = target.record
            prov = record_provenance(record, MODEL_FACTS).get(path)
            if prov is None:
                hint = (f"; prices belong to offerings: freshness(catalog.pick_offering({target.id!r}))"
                        if path.startswith("price.") else "")
                raise KeyError(f"{target.id} has no fact {path!r}{hint}")
            provider = (prov.ref or "").partition("/")[0]
            confirmed = max(prov.as_of, self.source_info(prov.source).get("succeeded_at", ""))
            subject = target.id
        kind = self.source_type(prov.source, provider)
        status = compute_freshness(
            source_type=kind,
            confirmed_at=parse_instant(confirmed),
            now=now or utc_now(),
            policy=self._policies.get(kind),
            expires=parse_instant(prov.expires) if prov.expires else None,
            conflict=bool(record.get("disagreements", {}).get(path)),
        )
        return FactFreshness(subject, path, get_fact(record, path), prov.source, kind, prov.as_of, confirmed, status,
                             prov.ref, agreeing)

    def price_facts(self, offering: Offering, now: datetime | str | None = None) -> list[FactFreshness]:
        """Every price fact of an offering (tiers included), judged at ``now``."""
        now = _instant(now)
        return [self.freshness(offering, path, now) for path in _price_paths(offering.record)]

    def price_freshness(self, offering: Offering, now: datetime | str | None = None) -> Freshness | None:
        """The worst freshness of an offering's price facts; None if unpriced."""
        return worst(f.freshness for f in self.price_facts(offering, now))

    def freshness_report(self, now: datetime | str | None = None,
                         providers: list[str] | None = None) -> list[ProviderFreshness]:
        """Per provider: how many offerings' prices are fresh, aging, stale… (Gate's cost-truth panel)."""
        now = _instant(now) or utc_now()
        report = []
        for provider in providers or self.provider_ids:
            counts = dict.fromkeys(("fresh", "aging", "stale", "untracked", "conflict", "manual", "unpriced"), 0)
            oldest: str | None = None
            for offering in self._provider_offerings(provider).values():
                if offering.status == "retired":
                    continue
                facts = self.price_facts(offering, now)
                if not facts:
                    counts["unpriced"] += 1
                    continue
                counts[worst(f.freshness for f in facts).value] += 1  # type: ignore[union-attr]
                confirmed = min(f.confirmed_at for f in facts)
                oldest = confirmed if oldest is None or confirmed < oldest else oldest
            tracked = sum(v for k, v in counts.items() if k != "unpriced")
            report.append(ProviderFreshness(provider, tracked, **counts, oldest_price_confirmed=oldest))
        return report
