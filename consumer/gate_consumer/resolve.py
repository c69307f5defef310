"""Resolving any id a gateway meets to one model, and picking the offering it prices on.

A :class:`Resolver` owns what it has learnt: the name index (every request reads it, an id
ignoring case, dots or dashes too; a load builds it before it returns, else the first resolve),
the indexes suggestions search (built by :meth:`Resolver.warm`, else when a message is first
read), the ids it resolved or picked, and the unknown ids with their suggestions — each
bounded, so hostile ids cannot grow them forever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from gate_consumer.errors import AmbiguousModelError, UnknownModelError
from gate_consumer.id_forms import Reading, readings
from gate_consumer.ids import MAX_UPSTREAM_ID_LENGTH
from gate_consumer.names import (
    Entry,
    NameIndex,
    compact_index,
    loose_names,
    normalized,
    suggest,
    undated,
    word_index,
)
from gate_consumer.records import Model, Offering, Records

__all__ = ["Resolution", "Resolver"]

_Index = TypeVar("_Index")


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

    __slots__ = ("_records", "matched_by", "model", "name", "named_keys", "offering_key", "offering_keys", "read")

    def __init__(self, records: Records, name: str, model: Model, matched_by: str, named_keys: tuple[str, ...],
                 offering_key: str | None, read: str = ""):
        self._records = records
        self.name = name
        self.model = model
        self.matched_by = matched_by
        self.offering_keys = model.offering_keys
        self.named_keys = named_keys
        self.offering_key = offering_key
        self.read = read  # what the id's form was read as ("the route prefix gemini/"); empty if none

    @property
    def offerings(self) -> tuple[Offering, ...]:
        return tuple(self._records.offering_by_key(k) for k in self.offering_keys)

    def standing_for(self, model: Model) -> Resolution:
        """The same match, naming ``model``: what a moving alias stood for at another time."""
        return Resolution(self._records, self.name, model, self.matched_by, self.named_keys, self.offering_key,
                          self.read)

    @property
    def named(self) -> tuple[Offering, ...]:
        return tuple(self._records.offering_by_key(k) for k in self.named_keys)

    @property
    def offering(self) -> Offering | None:
        return None if self.offering_key is None else self._records.offering_by_key(self.offering_key)

    def __repr__(self) -> str:
        return f"Resolution({self.name!r} → {self.model.id}, {self.matched_by})"


class _Suggestions:
    """The suggestions for one unknown id, found the first time they are asked for, then kept."""

    __slots__ = ("_find", "_found", "_key")

    def __init__(self, find: Callable[[str], tuple[str, ...]], key: str):
        self._find, self._key = find, key
        self._found: tuple[str, ...] | None = None

    def __call__(self) -> tuple[str, ...]:
        if self._found is None:
            self._found = self._find(self._key)
        return self._found


class Resolver:
    """Resolves ids against one catalog's :class:`~gate_consumer.records.Records`."""

    def __init__(self, records: Records):
        self._records = records
        #: refuse a dated id the catalog does not list instead of resolving it to its undated model
        self.strict_snapshots = False
        # the names every request reads: a load builds them before it returns (index_names), so
        # no request waits for an index (issue 28: one arriving with the load waited 56–68 ms);
        # a catalog made without warming builds them on its first resolve
        self._exact: NameIndex | None = None
        self._loose: dict[str, list[Entry]] | None = None
        self._words: dict[str, list[str]] | None = None
        self._compacts: dict[str, list[str]] | None = None
        # one builder per index, whichever thread asks first (the background warm-up, or an
        # error message read before it is done)
        self._building = {name: threading.Lock() for name in ("_exact", "_loose", "_words", "_compacts")}
        #: what each id resolved to and which offering each (id, provider) picked: read directly
        #: on the request path (``resolved.get(name) or resolve(name)``); filled only here
        self.resolved: dict[str, Resolution] = {}
        self.picked: dict[tuple[str, str | None], Offering] = {}
        self._unknown: dict[str, _Suggestions] = {}

    def warm(self, pause: float = 0.0) -> None:
        """Build every index: the names (:meth:`index_names`, which resolving reads), then the
        indexes suggestions search — the names ignoring case, dots and dashes, their words and
        their compact forms — so reading an unknown id's message does not build them. A load
        builds the names before it returns and the rest in a background thread; a message read
        meanwhile waits for them rather than building them twice. ``pause``: seconds between
        the names and the rest, so that a request arriving with the load has the interpreter to
        itself (two threads share it: measured, the first price of a cold start took 85 ms
        beside the build, 65 ms after a pause)."""
        self.index_names()
        if pause:
            time.sleep(pause)
        self._word_index()
        self._compact_index()

    def index_names(self) -> NameIndex:
        """The name index every resolve reads, built now if it is not yet."""
        return self._exact or self._once("_exact", lambda: NameIndex(self._records.index["models"]))

    def _loose_names(self) -> dict[str, list[Entry]]:
        return self._once("_loose", lambda: loose_names(self.index_names()))

    def _word_index(self) -> dict[str, list[str]]:
        return self._once("_words", lambda: word_index(self._loose_names()))

    def _compact_index(self) -> dict[str, list[str]]:
        return self._once("_compacts", lambda: compact_index(self._loose_names()))

    def _once(self, attribute: str, build: Callable[[], _Index]) -> _Index:
        """The index kept in ``attribute``, built by whichever thread asks first — under a lock
        of its own, so a request waiting for one is not kept waiting while another is built."""
        built = getattr(self, attribute)
        if built is None:
            with self._building[attribute]:
                built = getattr(self, attribute)
                if built is None:
                    built = build()
                    setattr(self, attribute, built)
        return built

    def _suggest(self, key: str) -> tuple[str, ...]:
        return suggest(key, self._loose_names(), self._word_index(), self._compact_index())

    def _model(self, model_id: str) -> Model:
        return self._records.model(model_id)  # type: ignore[return-value]  # an id from the index

    def forget(self, name: str) -> None:
        """Forget what ``name`` resolved to (a benchmark's first resolve, again)."""
        self.resolved.pop(name, None)

    def resolve(self, name: str) -> Resolution:
        """:meth:`gate_consumer.catalog.Catalog.resolve` (its docstring states the precedence),
        remembering each answer: the ids resolved, and the unknown ones with their suggestions."""
        cached = self.resolved.get(name)
        if cached is not None:
            return cached
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_UPSTREAM_ID_LENGTH:
            raise UnknownModelError(str(name)[:80])
        unknown = self._unknown.get(name)
        if unknown is not None:  # a client repeating a bad id pays neither the search nor suggestions again
            raise UnknownModelError(name, unknown)
        resolution = self._find(name, name.strip().lower(), 0)
        if resolution is None:
            suggestions = _Suggestions(self._suggest, name.strip().lower())  # found only when read
            if len(self._unknown) < 10_000:  # a bound, so hostile ids cannot grow it forever
                self._unknown[name] = suggestions
            raise UnknownModelError(name, suggestions)
        if len(self.resolved) < 100_000:
            self.resolved[name] = resolution
        return resolution

    def _find(self, name: str, key: str, depth: int) -> Resolution | None:
        """Steps 1–4 of :meth:`resolve` for ``key``; None when nothing matches."""
        entries = self.index_names().get(key)
        if entries is not None:
            return self._decide(name, key, entries, "")
        entries = self.index_names().loose(normalized(key))
        if entries is not None:
            return self._decide(name, key, entries, "+normalized")
        if not self.strict_snapshots and (base_key := undated(key)) is not None:
            base = self._find(name, base_key, depth + 1)
            if base is not None:  # a snapshot newer than the catalog: priced as its undated model, and said so
                return Resolution(self._records, name, base.model, "undated-snapshot", base.named_keys, base.offering_key,
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
        names = self.index_names()
        for provider in reading.providers:  # the provider's own id for it, exactly
            wanted = f"{provider}/{reading.id}"
            for model_id, key in names.get(wanted, ()):
                if key is not None and key.lower() == wanted:
                    return Resolution(self._records, name, self._model(model_id), f"offering+{reading.form}", (key,), key,
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
            return Resolution(self._records, name, inner.model, how, inner.named_keys, inner.offering_key, detail)
        there = [k for k in inner.model.offering_keys if k.partition("/")[0] in reading.providers]
        named = [k for k in inner.named_keys if k in there]
        pool = named or there
        if not pool:
            return None  # the model, but not where the form sends it: never another provider's price
        return Resolution(self._records, name, inner.model, how, tuple(pool), pool[0] if len(pool) == 1 else None, detail)

    def _decide(self, name: str, key: str, entries: list[Entry], how: str) -> Resolution:
        """The resolution among the entries one spelling matched (``resolve``'s precedence)."""
        same = (lambda a, b: a == b) if not how else (lambda a, b: normalized(a) == normalized(b))
        models_named = {m for m, k in entries if k is None}
        canonical = {m for m in models_named if same(key, m.lower())}
        if len(canonical) == 1:  # "vendor/model": the model, though a provider's offering is keyed the same
            return Resolution(self._records, name, self._model(canonical.pop()), "model" + how, (), None)
        offerings = [(m, k) for m, k in entries if k is not None]
        whole = [(m, k) for m, k in offerings if same(key, k.lower())]  # type: ignore[union-attr]
        if len(whole) == 1:  # "provider/upstream-id": that offering, whoever else uses the text
            model_id, offering_key = whole[0]
            return Resolution(self._records, name, self._model(model_id), "offering" + how, (offering_key,), offering_key)
        own = {m for m in models_named if same(key, m.partition("/")[2].lower())}
        if len(own) == 1:  # the model's own name: the model, though a reseller uses the text as its id
            return Resolution(self._records, name, self._model(own.pop()), "model" + how, (), None)
        if offerings:
            models = {m for m, _ in offerings}
            if len(models) > 1:
                models = self._narrow_models(name, key, models, offerings, entries)
            (model_id,) = models
            named = tuple(sorted(k for m, k in offerings if m == model_id))  # type: ignore[misc]
            return Resolution(self._records, name, self._model(model_id), "upstream-id" + how, named,
                              named[0] if len(named) == 1 else None)
        if len(models_named) > 1:
            raise AmbiguousModelError(name, tuple(sorted(models_named)))
        return Resolution(self._records, name, self._model(models_named.pop()), "alias" + how, (), None)

    def _narrow_models(self, name: str, key: str, models: set[str], offerings: list[Entry],
                       entries: list[Entry]) -> set[str]:
        """One model among several whose offerings share an upstream id: the one its vendor's own
        API serves under it, else the one whose own id it is; else ambiguous."""
        first_party = {m for m, k in offerings if self._first_party(k.partition("/")[0], m)}  # type: ignore[union-attr]
        if len(first_party) == 1:
            return first_party
        own = {m for m, k in entries if k is None and m in models
               and normalized(key) in (normalized(m), normalized(m.partition("/")[2]))}
        if len(own) == 1:
            return own
        raise AmbiguousModelError(name, tuple(sorted(models)))

    def _first_party(self, provider: str, model_id: str) -> bool:
        """Whether ``provider`` is the vendor's own API for ``model_id``."""
        return provider in self._records.first_party_providers(model_id.partition("/")[0])

    def pick_offering(self, name: str, provider: str | None = None) -> Offering:
        """:meth:`gate_consumer.catalog.Catalog.pick_offering` (its docstring says which offering),
        remembering each answer."""
        picked = self._pick(name, provider)
        if len(self.picked) < 100_000:
            self.picked[name, provider] = picked
        return picked

    def _pick(self, name: str, provider: str | None) -> Offering:
        if provider is not None:
            exact = self._records.provider_offerings(provider).get(name)
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
            return self._records.offering_by_key(resolution.offering_key)
        by_model = resolution.matched_by.startswith(("model", "alias", "undated-snapshot"))
        pool = resolution.offering_keys if by_model or not resolution.named_keys else resolution.named_keys
        return self._one(name, self._preferred(pool, resolution.model.id), resolution.model)

    def _one(self, name: str, keys: list[str], model: Model) -> Offering:
        """The single offering of ``keys``, else the one named like the model, else — among
        offerings with the very same price — the first by key (the price is not a guess);
        otherwise :class:`AmbiguousModelError`."""
        if len(keys) == 1:
            return self._records.offering_by_key(keys[0])
        slug = normalized(model.id.split("/", 1)[1])
        same = [k for k in keys if slug in (normalized(k.partition("/")[2]), normalized(k.rpartition("/")[2]))]
        if len(same) == 1:
            return self._records.offering_by_key(same[0])
        offerings = [self._records.offering_by_key(k) for k in sorted(keys)]
        prices = [o.price for o in offerings]
        if prices[0] is None or any(p != prices[0] for p in prices[1:]):
            raise AmbiguousModelError(name, tuple(keys))
        return offerings[0]

    def _preferred(self, keys: tuple[str, ...] | list[str], model_id: str) -> list[str]:
        """The vendor's own offerings among ``keys`` (on its primary API, the first it lists, if
        there); else those of hosts (not aggregators); else all."""
        for api in self._records.first_party_providers(model_id.partition("/")[0]):
            own = [k for k in keys if k.partition("/")[0] == api]
            if own:
                return own
        providers = self._records.index["providers"]
        hosts = [k for k in keys if providers.get(k.partition("/")[0], {}).get("route_type") != "aggregator"]
        return hosts or list(keys)
