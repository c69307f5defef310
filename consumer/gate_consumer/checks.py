"""Check a downloaded catalog before trusting it: the shapes the consumer reads, and values that
cannot mislead a price (finite, non-negative, below the magnitude bound ``faimeta validate``
uses), before a cache switches to it.

A published file set is checked as a whole (:func:`check_files`): JSON that parses within a
bounded depth, an index, models and provider files of the expected shapes, prices and limits
that are numbers a quote can use, dates that parse, offerings that point at models the index
knows. The first problem raises :class:`CatalogLoadError` naming the file, the record and the
field. What this accepts, :class:`~gate_consumer.catalog.Catalog` can serve without raising
anything but its documented lookup errors.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from gate_consumer.errors import CatalogLoadError
from gate_consumer.facts import MODEL_FACTS, OFFERING_FACTS, fact_paths
from gate_consumer.instants import TIME_RANGE, parse_instant
from gate_consumer.provenance import dangling_problem

__all__ = ["CHECKS_VERSION", "MAX_DEPTH", "MAX_PRICE", "UNMETERED_ROUTES", "check_files", "parse_json", "url_host"]

#: Bumped when these checks grow, so a cache checked by an older version is checked again.
CHECKS_VERSION = 4
#: The deepest nesting a published file has is 6 (a tier inside a price history entry); the
#: bound leaves room to grow and keeps hostile nesting far from Python's recursion limit.
MAX_DEPTH = 32
#: No price (USD per 1M tokens, per request, per 1K searches…) is above this: the same bound
#: ``faimeta validate`` applies to token prices (``refresher.rules.sanity`` reads it from here).
MAX_PRICE = 5_000.0
#: route types that do not meter requests: a subscription plan or a local app may share its
#: company's API host, and a host never names one (the refresher and Gate's plugin both read it)
UNMETERED_ROUTES = frozenset({"subscription", "local"})


def url_host(url: Any) -> str | None:
    """The lower-case host of a URL, or None: not text, does not parse (``http://[evil``), no host."""
    if not isinstance(url, str):
        return None
    try:
        return (urlsplit(url).hostname or "").lower() or None
    except ValueError:
        return None


def parse_json(data: bytes, where: str) -> Any:
    """``data`` as JSON, nested at most :data:`MAX_DEPTH` deep; else :class:`CatalogLoadError`."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise CatalogLoadError(f"{where} is not valid JSON ({str(exc)[:200]})") from None
    level, depth = [value], 0
    while level:  # breadth first: no recursion, and one pass over the containers
        depth += 1
        if depth > MAX_DEPTH:
            raise CatalogLoadError(f"{where}: JSON nested deeper than {MAX_DEPTH} levels")
        level = [child for item in level for child in (item.values() if type(item) is dict else item)
                 if type(child) is dict or type(child) is list]
    return value


class _Problem(Exception):
    """A check failed at ``path`` (inside one file)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{_escaped(path, 200)}: {message}")


_NAMES = {dict: "an object", list: "a list", str: "a string", int: "an integer", float: "a number",
          bool: "true or false"}


def _expect(value: Any, kind: type | tuple[type, ...], path: str) -> Any:
    kinds = kind if type(kind) is tuple else (kind,)
    if type(value) in kinds:  # the common case, first
        return value
    # bool is an int to Python, never a number or a count to a price list
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        expected = " or ".join(_NAMES[k] for k in kinds)
        raise _Problem(path, f"expected {expected}, found {_show(value)}")
    return value


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return _NAMES[type(value)]
    return "nothing" if value is None else _escaped(json.dumps(value))


def _escaped(text: str, limit: int = 60) -> str:
    """``text`` shortened, with control, bidi and other non-ASCII characters escaped: it comes
    from the network and ends up in logs."""
    return json.dumps(text[:limit])[1:-1]


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    return _expect(value, dict, path)


def _optional_mapping(record: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    # absent is fine; null is not: the consumer reads ``record.get(key, {})``
    return _mapping(record[key], f"{path}.{key}") if key in record else {}


def _string(value: Any, path: str) -> str:
    return _expect(value, str, path)


def _instant(value: Any, path: str) -> None:
    if type(value) is str and value in _INSTANTS_SEEN:  # a catalog says the same few hundred instants ten thousand times
        return
    try:
        parse_instant(_string(value, path))
    except (ValueError, OverflowError):
        raise _Problem(path, f"\"{_escaped(value)}\" is not a date") from None
    if len(_INSTANTS_SEEN) < 100_000:
        _INSTANTS_SEEN.add(value)


_INSTANTS_SEEN: set[str] = set()  # instants parse_instant accepted (strings only: a hashable non-string is not one)


def _price(value: Any, path: str) -> None:
    number = _expect(value, (int, float), path)
    if not math.isfinite(number) or number < 0 or number > MAX_PRICE:
        raise _Problem(path, f"{number!r} is not a price (a finite number from 0 to {MAX_PRICE:g})")


def _positive_int(value: Any, path: str) -> None:
    if _expect(value, int, path) <= 0:
        raise _Problem(path, f"{value} is not a positive integer")




def _prices_of(value: Any, path: str, also: frozenset[str] = frozenset()) -> Mapping[str, Any]:
    """An object of token prices (and the keys ``also`` names, checked by the caller)."""
    prices = _mapping(value, path)
    for name, amount in prices.items():
        if name not in also:
            _price(amount, f"{path}.{name}")
    return prices


def _check_regions(value: Any, path: str) -> None:
    for region, spec in _mapping(value, path).items():
        where = f"{path}.{_escaped(region)}"
        prices = _prices_of(spec, where, frozenset({"multiplier"}))
        if "multiplier" in prices:
            multiplier = _expect(prices["multiplier"], (int, float), f"{where}.multiplier")
            if not math.isfinite(multiplier) or not 0 < multiplier <= 10 or len(prices) > 1:
                raise _Problem(where, "a multiplier above 0 and at most 10, and no prices beside it")
        elif not prices:
            raise _Problem(where, "a region needs a multiplier or prices")


def _check_off_peak(value: Any, path: str) -> None:
    prices = _prices_of(value, path, frozenset({"windows", "weekday_time_zone"}))
    windows = _expect(prices.get("windows"), list, f"{path}.windows")
    if not windows:
        raise _Problem(f"{path}.windows", "no window")
    for i, window in enumerate(windows):
        where = f"{path}.windows[{i}]"
        spans = _expect(_mapping(window, where).get("hours_utc"), list, f"{where}.hours_utc")
        for span in spans:
            if not (isinstance(span, str) and TIME_RANGE.fullmatch(span)):
                raise _Problem(f"{where}.hours_utc", f"{_show(span)} is not HH:MM-HH:MM")
        for day in _expect(window.get("weekdays", [1]), list, f"{where}.weekdays"):
            if type(day) is not int or not 1 <= day <= 7:
                raise _Problem(f"{where}.weekdays", f"{_show(day)} is not an ISO weekday (1 to 7)")
    zone = prices.get("weekday_time_zone")
    if zone is not None:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(_string(zone, f"{path}.weekday_time_zone"))
        except (ValueError, LookupError):  # ZoneInfoNotFoundError is a KeyError
            raise _Problem(f"{path}.weekday_time_zone", f"{_show(zone)} is not a time zone") from None


def _check_price(price: Any, path: str) -> None:
    for component, value in _mapping(price, path).items():
        if component in ("batch", "flex", "priority"):  # a service tier's token prices
            _prices_of(value, f"{path}.{component}")
        elif component == "regions":
            _check_regions(value, f"{path}.regions")
        elif component == "off_peak":
            _check_off_peak(value, f"{path}.off_peak")
        elif component == "tiers":
            for i, tier in enumerate(_expect(value, list, f"{path}.tiers")):
                where = f"{path}.tiers[{i}]"
                for key, amount in _mapping(tier, where).items():
                    if key == "above_input_tokens":
                        _positive_int(amount, f"{where}.{key}")
                    else:
                        _price(amount, f"{where}.{key}")
                if "above_input_tokens" not in tier:
                    raise _Problem(where, "a tier needs above_input_tokens")
        else:
            _price(value, f"{path}.{component}")


def _check_provenance(record: Mapping[str, Any], spec: Any, path: str) -> None:
    encoded = _optional_mapping(record, "provenance", path)
    if not encoded:
        return
    for where, entry in [(f"{path}.provenance", encoded),
                         *((f"{path}.provenance.fields.{k}", v)
                           for k, v in _optional_mapping(encoded, "fields", f"{path}.provenance").items())]:
        _mapping(entry, where)
        _string(entry.get("source"), f"{where}.source")
        _instant(entry.get("as_of"), f"{where}.as_of")
        if entry.get("expires") is not None:
            _instant(entry["expires"], f"{where}.expires")
        for key in ("ref", "by"):
            if entry.get(key) is not None:
                _string(entry[key], f"{where}.{key}")
    if "fields" in encoded:  # only an exception can name a fact the record does not hold
        problem = dangling_problem(encoded, fact_paths(record, spec))
        if problem:
            raise _Problem(f"{path}.provenance", problem)


def _check_limits(record: Mapping[str, Any], path: str) -> None:
    for name, value in _optional_mapping(record, "limits", path).items():
        if value is not None:
            _positive_int(value, f"{path}.limits.{name}")


def _check_modalities(record: Mapping[str, Any], path: str) -> None:
    for direction, kinds in _optional_mapping(record, "modalities", path).items():
        for i, kind in enumerate(_expect(kinds, list, f"{path}.modalities.{direction}")):
            _string(kind, f"{path}.modalities.{direction}[{i}]")


def _check_index(index: Any) -> None:
    _mapping(index, "the file")
    providers = _mapping(index.get("providers"), "providers")
    for slug, info in providers.items():
        _mapping(info, f"providers.{slug}")
        _string(info.get("name", slug), f"providers.{slug}.name")
    models = _mapping(index.get("models"), "models")
    for model_id, entry in models.items():
        where = f"models.{model_id}"
        _string(model_id.partition("/")[2] or None, f"{where} (a vendor/model id)")
        _mapping(entry, where)
        for i, alias in enumerate(_expect(entry.get("aliases", []), list, f"{where}.aliases")):
            _string(alias, f"{where}.aliases[{i}]")
        for i, key in enumerate(_expect(entry.get("offerings", []), list, f"{where}.offerings")):
            provider = _string(key, f"{where}.offerings[{i}]").partition("/")[0]
            if provider not in providers:
                raise _Problem(f"{where}.offerings[{i}]", f"names the provider \"{_escaped(provider)}\", which the index lacks")
    for name, info in _optional_mapping(index, "sources", "the file").items():
        where = f"sources.{name}"
        _mapping(info, where)
        for key in ("type", "provider", "url", "name"):
            if info.get(key) is not None:
                _string(info[key], f"{where}.{key}")
        if info.get("succeeded_at") is not None:
            _instant(info["succeeded_at"], f"{where}.succeeded_at")
    for vendor, own in _optional_mapping(index, "first_party", "the file").items():
        for i, provider in enumerate(_expect(own, list, f"first_party.{vendor}")):
            _string(provider, f"first_party.{vendor}[{i}]")
    confirmed = _optional_mapping(index, "prices_confirmed", "the file")
    for key in ("oldest", "newest") if confirmed else ():
        _instant(confirmed.get(key), f"prices_confirmed.{key}")
    for kind, policy in _optional_mapping(index, "freshness_policy", "the file").items():
        for key in ("fresh_days", "stale_days"):
            value = _mapping(policy, f"freshness_policy.{kind}").get(key)
            if value is not None and (_expect(value, int, f"freshness_policy.{kind}.{key}") < 0):
                raise _Problem(f"freshness_policy.{kind}.{key}", f"{value} is negative")


def _check_models(document: Any) -> None:
    models = _mapping(_mapping(document, "the file").get("models"), "models")
    for model_id, record in models.items():
        where = f"models.{model_id}"
        _mapping(record, where)
        for key in ("name", "family", "release_date", "knowledge_cutoff", "status"):
            if record.get(key) is not None:
                _string(record[key], f"{where}.{key}")
        _check_limits(record, where)
        _check_modalities(record, where)
        _check_provenance(record, MODEL_FACTS, where)


def _check_provider(document: Any, models: Mapping[str, Any]) -> None:
    offerings = _mapping(_mapping(document, "the file").get("offerings"), "offerings")
    for upstream_id, record in offerings.items():
        where = f"offerings.{upstream_id}"
        _mapping(record, where)
        model = _string(record.get("model"), f"{where}.model")
        if model not in models:
            raise _Problem(f"{where}.model", f"\"{_escaped(model)}\" is not a model of the index")
        if record.get("status") is not None:
            _string(record["status"], f"{where}.status")
        if record.get("price") is not None:
            _check_price(record["price"], f"{where}.price")
        for i, entry in enumerate(_expect(record.get("price_history", []), list, f"{where}.price_history")):
            at = f"{where}.price_history[{i}]"
            _mapping(entry, at)
            _instant(entry.get("as_of"), f"{at}.as_of")
            _instant(entry.get("until"), f"{at}.until")
            _string(entry.get("source"), f"{at}.source")
            _check_price(entry.get("price"), f"{at}.price")
        for i, entry in enumerate(_expect(record.get("model_history", []), list, f"{where}.model_history")):
            at = f"{where}.model_history[{i}]"
            if _string(_mapping(entry, at).get("model"), f"{at}.model") not in models:
                raise _Problem(f"{at}.model", f"\"{_escaped(entry['model'])}\" is not a model of the index")
            _instant(entry.get("as_of"), f"{at}.as_of")
            if entry.get("until") is not None:
                _instant(entry["until"], f"{at}.until")
            _string(entry.get("source"), f"{at}.source")
            _string(entry.get("by"), f"{at}.by")
        _check_limits(record, where)
        for name, value in _optional_mapping(record, "capabilities", where).items():
            if value is not None:
                _expect(value, bool, f"{where}.capabilities.{name}")
        _check_modalities(record, where)
        for source, at in _optional_mapping(record, "confirmed", where).items():
            _instant(at, f"{where}.confirmed.{source}")
        for path, values in _optional_mapping(record, "disagreements", where).items():
            _expect(values, list, f"{where}.disagreements.{path}")
        for path, entries in _optional_mapping(record, "agreements", where).items():
            for i, entry in enumerate(_expect(entries, list, f"{where}.agreements.{path}")):
                at = f"{where}.agreements.{path}[{i}]"
                _string(_mapping(entry, at).get("source"), f"{at}.source")
                _instant(entry.get("as_of"), f"{at}.as_of")
        _check_provenance(record, OFFERING_FACTS, where)


def check_files(files: Mapping[str, bytes], where: str, *, checked: Mapping[str, bytes] | None = None) -> Any:
    """Check every file a catalog serves (``index.json``, ``models.json``, ``providers/*.json``,
    relative path → bytes); ``where`` (the catalog's URL) prefixes every message. Raises
    :class:`CatalogLoadError` at the first problem. Returns ``index.json`` parsed (checked: a
    catalog need not parse it again).

    ``checked``: the files of a catalog that passed these checks before (the cache's, or the
    bundled snapshot's: :class:`~gate_consumer.bundled.BundledFiles`). A file
    with the very same bytes is not checked again — a provider's file only while every model
    the checked index had is still in the new one (its offerings name no other) — so a change
    of one provider costs that provider, not the catalog."""
    checked = checked or {}
    same = {rel for rel, data in files.items() if (old := checked.get(rel)) is data or old == data}
    # an unchanged provider's offerings name models the checked index had: still there, still right
    kept_models: set[str] | None = None if "index.json" in same or "index.json" not in checked else \
        set(_mapping(json.loads(checked["index.json"]), "index").get("models", ()))  # checked: no depth walk
    order = ["index.json", "models.json", *sorted(rel for rel in files if rel.startswith("providers/"))]
    index: Any = None
    unchanged_still_right = True
    for rel in order:
        if rel not in files:
            raise CatalogLoadError(f"{where}: the manifest lists no {rel}")
        if rel in same and rel != "index.json" and (rel == "models.json" or unchanged_still_right):
            continue
        # a checked file's very bytes: parsed, not walked for depth again (it held before; ~10 ms an index)
        document = json.loads(files[rel]) if rel in same else parse_json(files[rel], f"{where}{rel}")
        try:
            if rel == "index.json":
                if rel not in same:
                    _check_index(document)
                index = document
                unchanged_still_right = kept_models is None or kept_models <= set(index["models"])
            elif rel == "models.json":
                _check_models(document)
            else:
                _check_provider(document, index["models"])
        except _Problem as exc:
            raise CatalogLoadError(f"{where}{rel}: {exc}") from None
    slugs = {rel.removeprefix("providers/").removesuffix(".json") for rel in files if rel.startswith("providers/")}
    missing = sorted(set(index["providers"]) - slugs)
    if missing:
        raise CatalogLoadError(f"{where}: the manifest lists no providers/{_escaped(missing[0])}.json, which the index names")
    return index
