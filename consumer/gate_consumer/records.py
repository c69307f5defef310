"""The records of a loaded catalog: models, offerings and the files they are read from.

:class:`Model` and :class:`Offering` are plain read objects over the published records, with no
reference to the catalog that made them; :class:`Records` reads ``index.json`` at once, and
``models.json`` and each provider's file the first time they are needed (thread-safe: two
threads may both parse a file, only one result is kept).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from gate_consumer.errors import UnknownModelError, UnpricedError
from gate_consumer.facts import OFFERING_FACTS, get_fact
from gate_consumer.instants import parse_instant
from gate_consumer.names import close_matches
from gate_consumer.pricing import PriceTable
from gate_consumer.provenance import FactProvenance, fact_entry, record_provenance

__all__ = ["Model", "ModelLink", "Offering", "Records", "cheapest_first", "confirmed_at", "price_confirmations", "price_paths"]


class Model:
    """A canonical model (``vendor/slug``) and the keys of the offerings that serve it.

    ``record`` (name, dates, limits, modalities…) comes from ``models.json``, read the first
    time any model's facts are asked for; ids, aliases and offerings come from ``index.json``.
    """

    __slots__ = ("_details", "_entry", "id", "offering_keys")

    def __init__(self, model_id: str, entry: Mapping[str, Any],
                 details: Callable[[], Mapping[str, Mapping[str, Any]]]):
        """``entry``: the model's entry in ``index.json``; ``details``: every model's record
        (``models.json``), asked for the first time a fact is."""
        self.id = model_id
        self._entry = entry
        self._details = details
        self.offering_keys: tuple[str, ...] = tuple(entry.get("offerings", ()))

    @property
    def record(self) -> Mapping[str, Any]:
        return self._details().get(self.id, self._entry)

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


class ModelLink(NamedTuple):
    """A model a moving alias (``mistral-medium-latest``) stood for from ``since`` until
    ``until`` (None: it still does). ``by``: ``linked`` (when the offering was made),
    ``statement`` (its provider or vendor said so) or ``price`` (priced as that model), as
    ``source`` said."""

    model_id: str
    since: str
    until: str | None
    source: str
    by: str


class Offering:
    """One provider's way to call a model, with its facts as the catalog publishes them."""

    __slots__ = ("_provenance", "_tables", "key", "provider", "record", "upstream_id")

    def __init__(self, provider: str, upstream_id: str, record: Mapping[str, Any]):
        self.provider = provider
        self.upstream_id = upstream_id
        #: ``provider/upstream-id``: made once, as every quote names it (the request path)
        self.key = f"{provider}/{upstream_id}"
        self.record = record
        self._tables: dict[tuple[str, ...], PriceTable] = {}  # by the input modalities asked for
        self._provenance: dict[str, FactProvenance] | None = None

    @property
    def model_id(self) -> str:
        return self.record["model"]

    @property
    def model_history(self) -> tuple[ModelLink, ...]:
        """The models a moving alias stood for, oldest first, the last the one it stands for
        now; empty for an offering whose model never moved."""
        return tuple(ModelLink(e["model"], e["as_of"], e.get("until"), e["source"], e["by"])
                     for e in self.record.get("model_history", ()))

    def model_at(self, at: datetime) -> str:
        """The model the offering stood for at ``at``: its link of then (the first before it
        began; its model for one that never moved)."""
        history = self.model_history
        for link in reversed(history):
            if parse_instant(link.since) <= at:
                return link.model_id
        return history[0].model_id if history else self.model_id

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
        return confirmed_at(self.record, path)

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
                                                                input_modalities, self.record.get("retired_at"))
        return table

    def __repr__(self) -> str:
        return f"Offering({self.key!r})"


def cheapest_first(offerings: Iterable[Offering]) -> list[Offering]:
    """Offerings by their standard input + output price per 1M: the priced first, the unpriced
    after them, the retired last (ties by key) — the order every listing of offerings uses."""
    def key(offering: Offering) -> tuple[Any, ...]:
        price = offering.price or {}
        priced = price.get("input") is not None and price.get("output") is not None
        return (offering.status == "retired", not priced, (price.get("input") or 0) + (price.get("output") or 0),
                offering.key)

    return sorted(offerings, key=key)


def price_paths(record: Mapping[str, Any]) -> list[str]:
    """The paths of a record's price facts, in path order (those :func:`~gate_consumer.facts.iter_facts` yields
    under ``price.``, without walking the other sections)."""
    return [f"price.{name}" for name, value in sorted((record.get("price") or {}).items()) if value is not None]


def confirmed_at(record: Mapping[str, Any], path: str) -> str:
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
    dates = [confirmed_at(record, path) for record in records if record.get("status") != "retired"
             for path in price_paths(record)]
    return (min(dates), max(dates)) if dates else None


class Records:
    """The files of one catalog, read when first needed: ``document(path)`` gives a file of
    ``v1/`` parsed (``index.json``, ``models.json``, ``providers/<slug>.json``)."""

    def __init__(self, document: Callable[[str], Any]):
        self.document = document
        self.index: Mapping[str, Any] = document("index.json")
        self._models: dict[str, Model] = {}
        self._details: Mapping[str, Mapping[str, Any]] | None = None
        self._providers: dict[str, dict[str, Offering]] = {}
        self._lock = threading.Lock()

    @property
    def model_ids(self) -> list[str]:
        return sorted(self.index["models"])

    @property
    def provider_ids(self) -> list[str]:
        return sorted(self.index["providers"])

    def source_info(self, source: str) -> Mapping[str, Any]:
        return self.index.get("sources", {}).get(source, {})

    def provider_info(self, provider: str) -> Mapping[str, Any]:
        try:
            return self.index["providers"][provider]
        except KeyError:
            raise UnknownModelError(provider, tuple(close_matches(provider, self.provider_ids))) from None

    def first_party_providers(self, vendor: str) -> tuple[str, ...]:
        return tuple(self.index.get("first_party", {}).get(vendor, ()))

    def model(self, model_id: str) -> Model | None:
        """The model listed under exactly ``model_id``; None if there is none."""
        model = self._models.get(model_id)
        if model is None:
            entry = self.index["models"].get(model_id)
            if entry is None:
                return None
            model = self._models.setdefault(model_id, Model(model_id, entry, self.model_details))
        return model

    def model_details(self) -> Mapping[str, Mapping[str, Any]]:
        """Every model's facts (``models.json``), read on first use."""
        if self._details is None:
            loaded = self.document("models.json")["models"]
            with self._lock:
                self._details = self._details or loaded
        return self._details

    def provider_offerings(self, provider: str) -> dict[str, Offering]:
        """A provider's offerings by upstream id (reads its file the first time)."""
        offerings = self._providers.get(provider)
        if offerings is None:
            if provider not in self.index["providers"]:
                self.provider_info(provider)  # raises with suggestions
            data = self.document(f"providers/{provider}.json")
            loaded = {uid: Offering(provider, uid, rec) for uid, rec in data["offerings"].items()}
            with self._lock:  # two threads may both parse; only one result is kept
                offerings = self._providers.setdefault(provider, loaded)
        return offerings

    def offering(self, provider: str, upstream_id: str) -> Offering:
        offerings = self.provider_offerings(provider)
        try:
            return offerings[upstream_id]
        except KeyError:
            close = close_matches(upstream_id, list(offerings), n=5)
            raise UnknownModelError(f"{provider}/{upstream_id}", tuple(f"{provider}/{c}" for c in close)) from None

    def offering_by_key(self, key: str) -> Offering:
        provider, _, upstream_id = key.partition("/")
        return self.offering(provider, upstream_id)

    def iter_offerings(self) -> Iterator[Offering]:
        for provider in self.provider_ids:
            yield from self.provider_offerings(provider).values()
