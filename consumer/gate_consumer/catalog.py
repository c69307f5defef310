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

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from gate_consumer.attribution import ComponentSource, attribute
from gate_consumer.errors import AmbiguousModelError, UnknownModelError, UnpricedError
from gate_consumer.fact_freshness import FactFreshness, FreshnessJudge, ProviderFreshness
from gate_consumer.freshness import Freshness
from gate_consumer.headline import Headline, headline
from gate_consumer.instants import as_instant, parse_instant, utc_now
from gate_consumer.observed import BilledCheck, agrees, is_amount
from gate_consumer.pricing import Quote, Usage, from_fields
from gate_consumer.quotes import QuoteTables
from gate_consumer.records import Model, Offering, Records, price_confirmations
from gate_consumer.resolve import Resolution, Resolver

__all__ = ["Catalog", "FactFreshness", "Model", "Offering", "ProviderFreshness", "Resolution"]

Reader = Callable[[str], bytes]




class Catalog:
    """A loaded catalog. Thread-safe for readers; see :mod:`gate_consumer.loading` for swaps.

    A façade over four parts, each with its own caches: the records
    (:class:`~gate_consumer.records.Records`), resolving ids
    (:class:`~gate_consumer.resolve.Resolver`), the tables prices are quoted from
    (:class:`~gate_consumer.quotes.QuoteTables`) and judging freshness
    (:class:`~gate_consumer.fact_freshness.FreshnessJudge`)."""

    def __init__(self, reader: Reader | None, manifest: Mapping[str, Any], *, origin: str, location: str,
                 documents: Callable[[str], Any] | None = None):
        """``reader``: the bytes of a catalog file by its path in ``v1/`` (``index.json``,
        ``providers/<slug>.json``…), read when first needed. ``documents``: instead, the file
        already parsed — for a catalog made in memory (``faimeta show``), with no JSON round trip."""
        if documents is None and reader is None:
            raise TypeError("a Catalog reads its files with a reader or is given them as documents")
        self.manifest = manifest
        self.origin = origin  # "bundled", "cache", "url" or "directory"
        self.location = location
        self.fallback_reason: str | None = None  # why a URL load fell back to this one
        self.cache_problem: str | None = None  # why a URL load could not use its cache directory
        self._records = Records(documents or (lambda rel: json.loads(reader(rel))))  # type: ignore[misc]
        self._index = self._records.index
        self._version: str = manifest["catalog_version"]
        self._resolver = Resolver(self._records)
        self._quotes = QuoteTables(self._records)
        # the two caches every price reads, held here: one attribute lookup less per request
        self._picked = self._resolver.picked
        self._quoting = self._quotes.quoting
        self._judge = FreshnessJudge(self._records)

    @classmethod
    def load(cls, url: str | None = None, *, strict_snapshots: bool = False, **options: Any) -> Catalog:
        """The bundled snapshot, or the catalog published at ``url`` with a cache and fallbacks;
        see :func:`gate_consumer.loading.load` for ``options`` (``cache_dir``, ``timeout``,
        ``warm``).
        ``strict_snapshots``: refuse a dated id the catalog does not list (see :class:`Resolution`)."""
        from gate_consumer.loading import load

        catalog = load(url, **options)
        catalog.strict_snapshots = strict_snapshots
        return catalog

    def document(self, path: str) -> Any:
        """A file of the catalog's ``v1/``, parsed, as published: ``index.json``, ``models.json``
        or ``providers/<slug>.json`` — for a tool that reads the records whole (``faimeta show``
        outside a checkout). Read on every call; a catalog reads its own copy once."""
        return self._records.document(path)

    def warm(self, pause: float = 0.0) -> None:
        """Build every index resolving and its suggestions read, now, in this thread: the names
        (:meth:`index_names`), then what an unknown id's did-you-mean searches. A load builds the
        names before it returns and starts the rest in a background thread;
        :class:`~gate_consumer.loading.LiveCatalog` warms a new catalog before it swaps it in.
        ``pause``: see :meth:`~gate_consumer.resolve.Resolver.warm`."""
        self._resolver.warm(pause)

    def index_names(self) -> None:
        """Build the name index every resolve reads, now (a load does, before it returns, so no
        request waits for it; made with ``warm=False``, the first resolve does)."""
        self._resolver.index_names()

    @property
    def strict_snapshots(self) -> bool:
        """Refuse a dated id the catalog does not list instead of resolving it to its undated model."""
        return self._resolver.strict_snapshots

    @strict_snapshots.setter
    def strict_snapshots(self, value: bool) -> None:
        self._resolver.strict_snapshots = value

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
        return self._records.model_ids

    @property
    def provider_ids(self) -> list[str]:
        return self._records.provider_ids

    @property
    def source_names(self) -> list[str]:
        """The registered sources, by name."""
        return sorted(self._index.get("sources", {}))

    def source_info(self, source: str) -> Mapping[str, Any]:
        """A source's registry entry (``name``, ``type``, ``provider``, ``url``); empty if unknown."""
        return self._records.source_info(source)

    def provider_info(self, provider: str) -> Mapping[str, Any]:
        return self._records.provider_info(provider)

    def model(self, model_id: str) -> Model:
        """The model listed as ``model_id``, else the one the id resolves to."""
        return self._records.model(model_id) or self.resolve(model_id).model

    def offering(self, provider: str, upstream_id: str) -> Offering:
        return self._records.offering(provider, upstream_id)

    def offering_by_key(self, key: str) -> Offering:
        """An offering by ``provider/upstream-id`` exactly as the catalog lists it."""
        return self._records.offering_by_key(key)

    def offerings_of(self, model: Model) -> tuple[Offering, ...]:
        return tuple(self._records.offering_by_key(key) for key in model.offering_keys)

    def provider_offerings(self, provider: str) -> tuple[Offering, ...]:
        """Every offering of one provider (reads that provider's file)."""
        return tuple(self._records.provider_offerings(provider).values())

    def iter_offerings(self) -> Iterator[Offering]:
        """Every offering of every provider (loads every provider file)."""
        return self._records.iter_offerings()

    def headline(self, model: Model) -> Headline | None:
        """The offering whose price a listing shows for ``model`` — what a user would pay the
        vendor, never an unconfirmed reseller's price or a free quota (:mod:`gate_consumer.headline`);
        None when no offering qualifies."""
        vendor = model.id.partition("/")[0]
        return headline(self.offerings_of(model), vendor, self.first_party_providers(vendor),
                        lambda provider: self.provider_info(provider).get("route_type"),
                        open_weights=bool(model.record.get("open_weights")))

    def first_party_providers(self, vendor: str) -> tuple[str, ...]:
        """The vendor's own APIs (``anthropic`` for Anthropic; ``alibaba`` then ``alibaba-cn``),
        its primary first; empty when only others serve its models."""
        return self._records.first_party_providers(vendor)

    # -- resolving ids -----------------------------------------------------------------------

    def resolve(self, name: str, *, at: datetime | str | None = None) -> Resolution:
        """Resolve any id a gateway meets to one model and its offerings (see :class:`Resolution`).
        ``at``: as the id resolved then — a moving alias (``mistral-medium-latest``) to the model
        it stood for at that instant (its :attr:`Offering.model_history`); None: now.

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
        resolution = self._resolver.resolved.get(name) or self._resolver.resolve(name)
        if at is None:
            return resolution
        key = resolution.offering_key or (resolution.named_keys[0] if len(resolution.named_keys) == 1 else None)
        model_then = self._records.offering_by_key(key).model_at(as_instant(at)) if key else resolution.model.id
        return resolution if model_then == resolution.model.id else resolution.standing_for(self._records.model(model_then))

    def pick_offering(self, name: str, provider: str | None = None) -> Offering:
        """The offering ``name`` prices on. With ``provider``: that provider's offering with this
        upstream id, else its offering of the model ``name`` resolves to. Without: the offering
        the name is (``provider/upstream-id``), else — among the offerings whose upstream id the
        name is, or else all of the model's — the vendor's own (Anthropic's for a Claude model;
        its primary API first), else those of providers that host it rather than resell another's
        (aggregators last), preferring the one whose id is the model's name. Never a guess between
        two prices: raises :class:`AmbiguousModelError` listing the offerings when that leaves
        more than one with different prices."""
        return self._resolver.pick_offering(name, provider)

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
        input_tokens: int = 0,
        output_tokens: int = 0,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        cache_write_1h_tokens: int = 0,
        reasoning_tokens: int = 0,
        requests: int = 1,
        input_audio_tokens: int = 0,
        input_image_tokens: int = 0,
        cache_read_audio_tokens: int = 0,
        output_audio_tokens: int = 0,
        output_image_tokens: int = 0,
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
        # the counts as keywords: each a parameter, so Python binds them (no **dict per request,
        # ~0.2 µs) and refuses a misspelt one by its name ("unexpected keyword argument 'inputs'")
        if usage is None:
            # in field order; the quote refuses a count that is no whole number (PriceTable.quote)
            usage = from_fields(Usage, (input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                                        cache_write_1h_tokens, reasoning_tokens, requests, input_audio_tokens,
                                        input_image_tokens, cache_read_audio_tokens, output_audio_tokens,
                                        output_image_tokens))
        if type(target) is Offering:
            offering = target
        else:
            offering = self._picked.get((target, provider))  # type: ignore[assignment]
            if offering is None:
                try:
                    offering = self.pick_offering(target, provider)  # type: ignore[arg-type]
                except AmbiguousModelError as ambiguity:
                    return self._agreeing_quote(ambiguity, usage, at, service_tier, region)
        if at is None:
            table = self._quoting.get(offering) or self._quotes.table(offering)
            if service_tier == "standard" and region is None:
                return table.quote(offering.key, usage, self._version)
            return table.quote(offering.key, usage, self._version, service_tier=service_tier, region=region)
        return self._quotes.quote_at(offering, usage, as_instant(at), service_tier, region, self._version)

    def attribution(self, quote: Quote) -> tuple[ComponentSource, ...]:
        """Each priced component of ``quote`` with its own fact, source and dates — where a
        quote's ``price_source`` names the price's anchor only (:mod:`gate_consumer.attribution`).
        Off the request path: it reads the offering's provenance."""
        return attribute(quote, self._records.offering_by_key(quote.priced_via or quote.offering))

    def _agreeing_quote(self, ambiguity: AmbiguousModelError, usage: Usage, at: datetime | str | None,
                        service_tier: str, region: str | None) -> Quote:
        """An id several offerings share, priced when every one of them prices ``usage`` the same
        — on the first by key, as the quote says: one price is no guess, whichever resells it.
        Where they differ, or one cannot price it, the ambiguity stands."""
        try:
            offerings = [self._records.offering_by_key(key) for key in sorted(ambiguity.candidates)]
            quotes = [self.price(o, usage, region=region, service_tier=service_tier, at=at) for o in offerings]
        except (KeyError, UnpricedError):  # models, not offerings; or one has no price for it
            raise ambiguity from None
        if any(q.total_usd != quotes[0].total_usd for q in quotes[1:]):
            raise ambiguity
        return quotes[0]

    def check_billed(
        self,
        target: str | Offering,
        usage: Usage,
        billed_usd: float | None,
        at: datetime | str | None = None,
        *,
        provider: str | None = None,
        region: str | None = None,
        service_tier: str = "standard",
    ) -> BilledCheck:
        """The catalog's quote for ``usage`` against the cost a provider billed for it: the
        quote, the difference (quote − billed) and a verdict — ``agrees`` within the tolerance
        of :mod:`gate_consumer.observed` (2 % or $0.000002), ``differs``, ``unpriced`` or
        ``unknown-model`` or ``invalid-usage``, or ``no-bill`` when ``billed_usd`` is None or
        no amount (most APIs bill nothing in the response: the quote is still given). Never an
        exception: it runs on every response."""
        try:
            quote = self.price(target, usage, provider=provider, region=region, service_tier=service_tier, at=at)
        except (UnknownModelError, AmbiguousModelError) as exc:
            return BilledCheck("unknown-model", billed_usd, reason=str(exc))
        except UnpricedError as exc:
            return BilledCheck("unpriced", billed_usd, reason=exc.reason)
        except (ValueError, TypeError, ArithmeticError) as exc:  # counts that contradict each other, or are none
            return BilledCheck("invalid-usage", billed_usd, reason=f"{type(exc).__name__}: {exc}"[:300])
        if not is_amount(billed_usd) or not is_amount(quote.total_usd):
            return BilledCheck("no-bill", billed_usd, quote, reason="the response states no bill")
        verdict = "agrees" if agrees(quote.total_usd, billed_usd) else "differs"
        # every field in order, without NamedTuple's binding: this runs on every response
        return from_fields(BilledCheck, (verdict, billed_usd, quote, quote.total_usd - billed_usd, ""))

    # -- freshness ---------------------------------------------------------------------------

    def source_type(self, source: str, provider: str) -> str:
        """A source's type for one provider: its own API is provider-api only for itself."""
        return self._judge.source_type(source, provider)

    def freshness(self, target: Offering | Model, path: str = "price.input",
                  now: datetime | str | None = None) -> FactFreshness:
        """How far the fact at ``path`` of an offering or a model can be trusted at ``now`` (an
        aware datetime, a naive one read as UTC, or ISO-8601 text; default: the current time). An
        offering's fact is confirmed when its source last listed the offering; a model's when its
        source last listed completely. Prices belong to offerings: ask a model for ``name``,
        ``limits.context``…"""
        return self._judge.freshness(target, path, now)

    def price_facts(self, offering: Offering, now: datetime | str | None = None) -> list[FactFreshness]:
        """Every price fact of an offering (tiers included), judged at ``now``."""
        return self._judge.price_facts(offering, now)

    def price_freshness(self, offering: Offering, now: datetime | str | None = None) -> Freshness | None:
        """The worst freshness of an offering's price facts; None if unpriced."""
        return self._judge.price_freshness(offering, now)

    def freshness_report(self, now: datetime | str | None = None,
                         providers: list[str] | None = None) -> list[ProviderFreshness]:
        """Per provider: how many offerings' prices are fresh, aging, stale… (Gate's cost-truth panel)."""
        return self._judge.freshness_report(now, providers)
