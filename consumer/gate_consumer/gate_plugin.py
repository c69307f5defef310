"""gate_consumer inside Gate (faigate 2.7.x), enabled by one line in a file of Gate's
``request_hooks.community_hooks_dir``::

    from gate_consumer.gate_plugin import register

Gate runs that file on every config load and calls :func:`register`. It installs, once:

* **Routes resolved from Gate's own config.** Each configured route is looked up by its own
  ``model`` on the catalog provider whose API host is the route's ``base_url`` host
  (``api.anthropic.com`` → ``anthropic``); where the host is no provider's (a proxy, a local
  relay), on the provider the route's key starts with (``anthropic-sonnet`` → ``anthropic``).
  No hand-kept route map. A route it cannot resolve keeps Gate's behaviour, and is named once
  in the log.
* **Catalog entries and pricing lookups** (``provider_catalog._load_external_catalog``,
  ``_load_external_provider_catalog``, ``_get_pricing_for_provider_and_model`` in
  ``provider_catalog``, ``router`` and ``cost``) served from one memoised :class:`Catalog` — the
  bundled snapshot, or ``GATE_CONSUMER_CATALOG_URL`` through a :class:`LiveCatalog` refreshed in
  the background: never a network call on the request path. The operator's own catalog files
  (``FAIGATE_PROVIDER_METADATA_FILE`` / ``_DIR``) win over ours.
* **Recorded cost** (``MetricsStore.log_request``): a route without an operator ``pricing:``
  block is logged at :meth:`Catalog.price` of its usage (context tiers, cache reads) instead of
  $0. An operator's explicit price — an explicit $0 for a subscription route too — always wins.
* **Route cost estimates** (``router._estimated_request_cost_usd_with_lane``) from
  :meth:`Catalog.price`, so a long prompt is estimated at its context tier.
* **Freshness** in Gate's cost-truth report: each entry's ``pricing.freshness_status`` is the
  catalog's, mapped onto Gate's fresh / aging / stale / unknown.
* **An intent hook**, ``fusionaize-intent``: the requested model's intent
  (:func:`gate_consumer.intent_for_model`) as Gate's ``routing_mode``.

Safety: before wrapping anything it checks Gate's version (:data:`SUPPORTED_GATE`) and that every
function it wraps exists with the parameters it expects (:data:`CONTRACT`). On any mismatch it
installs nothing, says so loudly (``logging.error``), and Gate runs as it would without it.
Installing again (every config load) changes nothing. :func:`uninstall` puts Gate's functions
back. Standard library only; ``faigate`` is imported only inside :func:`install`.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from gate_consumer.catalog import Catalog, Offering
from gate_consumer.checks import UNMETERED_ROUTES, url_host
from gate_consumer.errors import CatalogError
from gate_consumer.gate_entries import gate_entry
from gate_consumer.gate_wrappers import ORIGINAL, WRAPPERS
from gate_consumer.instants import utc_now
from gate_consumer.pricing import Usage

__all__ = ["CONTRACT", "INTENT_HOOK", "SUPPORTED_GATE", "WRAPPERS", "Plugin", "PluginMismatch", "install", "register",
           "state", "uninstall"]

#: The Gate versions this plugin was written and tested against: ``>= 2.7, < 2.8``.
SUPPORTED_GATE = ((2, 7), (2, 8))
INTENT_HOOK = "fusionaize-intent"
CATALOG_URL_ENV = "GATE_CONSUMER_CATALOG_URL"

_PRICING_PARAMS = ("provider_name", "model_id")
#: Every Gate function the plugin wraps, as ``(module, attribute path)`` → the parameter names
#: it must have, in order (the first ones; more may follow).
CONTRACT: dict[tuple[str, str], tuple[str, ...]] = {
    ("faigate.provider_catalog", "_load_external_catalog"): (),
    ("faigate.provider_catalog", "_load_external_provider_catalog"): (),
    ("faigate.provider_catalog", "_get_pricing_for_provider_and_model"): _PRICING_PARAMS,
    ("faigate.router", "_get_pricing_for_provider_and_model"): _PRICING_PARAMS,
    ("faigate.cost", "_get_pricing_for_provider_and_model"): _PRICING_PARAMS,
    ("faigate.router", "_estimated_request_cost_usd_with_lane"): ("provider_name", "model_id", "provider", "ctx"),
    ("faigate.metrics", "MetricsStore.log_request"): (
        "self", "provider", "model", "layer", "rule_name", "prompt_tokens", "completion_tokens", "cache_hit",
        "cache_miss", "cost_usd"),
}
_LOOPBACK = frozenset(("127.0.0.1", "localhost", "::1", "0.0.0.0"))
_log = logging.getLogger("gate_consumer.gate_plugin")


class PluginMismatch(RuntimeError):
    """Gate is not the Gate this plugin was written for: nothing was installed."""


class Plugin:
    """The installed plugin (what :func:`install` returns): the catalog, the routes it resolved,
    Gate's original functions, and how often it fell back to Gate's own behaviour."""

    def __init__(self, catalog: Callable[[], Catalog]):
        self.catalog = catalog  # the current catalog (a LiveCatalog's swaps under it)
        self.originals: dict[tuple[str, str], Any] = {}
        self._routes: dict[tuple[int, str, str], Offering | None] = {}
        self._entries: dict[tuple[int, str, str], dict[str, Any]] = {}
        self._said: set[str] = set()
        self._hosts: dict[str, tuple[str, ...]] = {}
        self._hosts_of = ""
        self._lock = threading.Lock()
        #: how often each wrapped function fell back to Gate's own behaviour, by cause
        self.fallbacks: dict[tuple[str, str], int] = {}

    def guarded(self, function: str, ours: Callable[[], Any]) -> Any:
        """``ours()``, or None if it raises anything: the plugin never fails a request. The
        caller then does what Gate does without the plugin; each cause is logged once and
        counted in :attr:`fallbacks`."""
        try:
            return ours()
        except Exception as exc:
            cause = (function, type(exc).__name__)
            with self._lock:
                first = cause not in self.fallbacks
                self.fallbacks[cause] = self.fallbacks.get(cause, 0) + 1
            if first:
                _log.warning("gate_consumer: %s fell back to Gate's own behaviour: %s: %.200r", function,
                             type(exc).__name__, str(exc))
            return None

    # -- routes ---------------------------------------------------------------------------

    def route_config(self, route: str) -> dict[str, Any] | None:
        config = _gate_config()
        provider = config.provider(route) if config is not None else None
        return provider if isinstance(provider, dict) else None

    def offering(self, route: str) -> Offering | None:
        """The catalog offering a configured Gate route calls, or None (Gate's own behaviour)."""
        config = _gate_config()
        catalog = self.catalog()
        key = (id(config), catalog.version, route)
        if key in self._routes:
            return self._routes[key]
        found, why = self._resolve(catalog, route, self.route_config(route))
        if found is None and route not in self._said:
            self._said.add(route)
            _log.info("gate_consumer: route %s keeps Gate's own pricing: %s", route, why)
        with self._lock:
            if len(self._routes) > 10_000:  # a new config or catalog each time: keep it bounded
                self._routes.clear()
            self._routes[key] = found
        return found

    def _resolve(self, catalog: Catalog, route: str, config: dict[str, Any] | None) -> tuple[Offering | None, str]:
        if not config or not isinstance(config.get("model"), str):
            return None, "no model configured"
        host = url_host(config.get("base_url")) or ""
        at_host = self._providers_at(catalog, host)
        named = _named_in(route, catalog.provider_ids)
        # a loopback host is a relay or a local server: the route's name says more than the
        # local apps that happen to listen there
        providers = (named or at_host) if host in _LOOPBACK else (at_host or named)
        if not providers:
            return None, f"no catalog provider serves {host or 'its base_url'} or is named by the route"
        for provider in providers:
            try:
                return catalog.pick_offering(config["model"], provider), ""
            except CatalogError:
                continue
        return None, f"{config['model']!r} is not in the catalog at {', '.join(providers)}"

    def _providers_at(self, catalog: Catalog, host: str) -> tuple[str, ...]:
        """The provider a route's host names: the one metered provider whose ``base_url`` has
        that host — never a subscription plan or a local app sharing it (a route names those), and
        none when two metered providers claim it (a catalog the refresher would not publish:
        guessing would send one provider's costs to another). A loopback host lists every local
        app there, for the route's name to choose among."""
        if self._hosts_of != catalog.version:
            hosts: dict[str, list[str]] = {}
            for provider in catalog.provider_ids:
                info = catalog.provider_info(provider)
                name = url_host(info.get("base_url"))
                if name and (name in _LOOPBACK or info.get("route_type") not in UNMETERED_ROUTES):
                    hosts.setdefault(name, []).append(provider)
            self._hosts = {name: tuple(ids) for name, ids in hosts.items() if name in _LOOPBACK or len(ids) == 1}
            self._hosts_of = catalog.version
        return self._hosts.get(host, ())

    # -- what Gate asks for ----------------------------------------------------------------

    def entries(self) -> dict[str, dict[str, Any]]:
        """Gate-shaped entries of every configured route the catalog resolves (per day: their
        freshness is today's)."""
        config = _gate_config()
        if config is None:
            return {}
        catalog = self.catalog()
        now = utc_now()
        key = (id(config), catalog.version, now.date().isoformat())
        cached = self._entries.get(key)
        if cached is None:
            cached = {}
            for route in sorted(getattr(config, "providers", {}) or {}):
                offering = self.offering(route)
                if offering is not None:
                    cached[route] = gate_entry(catalog, offering, now)
            with self._lock:
                self._entries = {key: cached}
        return cached

    def pricing(self, route: str) -> dict[str, Any] | None:
        """Gate's pricing dict for a route (``input``, ``output``, ``cache_read`` per 1M, and the
        price's source and freshness), or None."""
        entry = self.entries().get(route)
        pricing = entry.get("pricing") if entry else None
        if pricing is None:
            return None
        shaped = {"input": pricing["input_cost_per_1m"], "output": pricing["output_cost_per_1m"]}
        if "cache_read_cost_per_1m" in pricing:
            shaped["cache_read"] = pricing["cache_read_cost_per_1m"]
        return {**shaped, **pricing}

    def cost(self, route: str, usage: Usage) -> float | None:
        """What the catalog charges a route for ``usage``; None when it cannot say."""
        offering = self.offering(route)
        if offering is None:
            return None
        try:
            return self.catalog().price(offering, usage).total_usd
        except (CatalogError, ValueError) as exc:
            if route not in self._said:
                self._said.add(route)
                _log.info("gate_consumer: route %s keeps Gate's cost: %s", route, exc)
            return None


_STATE: Plugin | None = None


def state() -> Plugin | None:
    """The installed plugin, or None."""
    return _STATE


def register(register_hook: Callable[..., Any], register_provider: Callable[..., Any] | None = None) -> None:
    """What Gate's community-hook loader calls: install (once) and register the intent hook.
    A Gate this plugin does not fit is left as it is, and the reason logged as an error."""
    try:
        install()
    except PluginMismatch as exc:
        _log.error("gate_consumer plugin disabled, Gate runs without it: %s", exc)
        return
    register_hook(INTENT_HOOK, _intent_hook)


def install(catalog: Catalog | None = None) -> Plugin:
    """Wrap Gate's functions (see the module docstring). Idempotent. Raises
    :class:`PluginMismatch` (having changed nothing) when Gate's version or functions differ
    from :data:`SUPPORTED_GATE` and :data:`CONTRACT`."""
    global _STATE
    targets = _check_gate()
    if _STATE is not None:
        if catalog is not None:
            _STATE.catalog = lambda: catalog
        return _STATE
    plugin = Plugin(_catalog_source(catalog))
    for (module, path), (owner, name, function) in targets.items():
        plugin.originals[module, path] = function
        setattr(owner, name, WRAPPERS[name](plugin, function))
    _STATE = plugin
    _log.info("gate_consumer %s installed in Gate (catalog %s)", _version(), plugin.catalog().version)
    return plugin


def uninstall() -> None:
    """Put Gate's own functions back."""
    global _STATE
    if _STATE is None:
        return
    for (module, path), function in _STATE.originals.items():
        owner, name = _owner(module, path)
        setattr(owner, name, function)
    _STATE = None


# -- the contract ----------------------------------------------------------------------------

def _check_gate() -> dict[tuple[str, str], tuple[Any, str, Any]]:
    """Gate's functions to wrap, after checking version and signatures (nothing changed yet)."""
    try:
        import faigate
    except ImportError as exc:
        raise PluginMismatch(f"faigate is not importable ({exc})") from None
    version = tuple(int(p) for p in str(getattr(faigate, "__version__", "0")).split(".")[:2] if p.isdigit())
    low, high = SUPPORTED_GATE
    if not low <= version < high:
        raise PluginMismatch(f"Gate {getattr(faigate, '__version__', '?')} is not a supported version "
                             f"(>= {'.'.join(map(str, low))}, < {'.'.join(map(str, high))})")
    targets = {}
    for (module, path), expected in CONTRACT.items():
        try:
            owner, name = _owner(module, path)
        except (ImportError, AttributeError) as exc:
            raise PluginMismatch(f"{module}.{path} is missing ({exc})") from None
        function = getattr(owner, name, None)
        original = getattr(function, ORIGINAL, function)  # installed before: check Gate's own
        if not callable(original):
            raise PluginMismatch(f"{module}.{path} is missing")
        params = tuple(inspect.signature(original).parameters)
        if params[:len(expected)] != expected:
            raise PluginMismatch(f"{module}.{path}{params} does not take {expected}")
        targets[module, path] = (owner, name, original)
    return targets


def _owner(module: str, path: str) -> tuple[Any, str]:
    import importlib

    owner: Any = importlib.import_module(module)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, name


def _catalog_source(catalog: Catalog | None) -> Callable[[], Catalog]:
    if catalog is not None:
        return lambda: catalog
    url = os.environ.get(CATALOG_URL_ENV, "").strip()
    if url:
        from gate_consumer.loading import LiveCatalog

        live = LiveCatalog(url)  # cached or bundled at once; refreshed in a background thread
        live.start()
        return lambda: live.current
    bundled = Catalog.load()
    return lambda: bundled


def _named_in(route: str, providers: list[str]) -> tuple[str, ...]:
    """The catalog provider a route key starts with (the longest: ``google-vertex-x`` is Vertex)."""
    key = route.lower()
    named = [p for p in providers if key == p or key.startswith(p + "-")]
    return (max(named, key=len),) if named else ()


def _gate_config() -> Any:
    import sys

    main = sys.modules.get("faigate.main")
    return getattr(main, "_config", None) if main is not None else None


def _version() -> str:
    from gate_consumer import __version__

    return __version__


def _intent_hook(context: Any) -> Any:
    """Gate request hook: the requested model's intent as the routing mode (or nothing)."""
    from faigate.hooks import RequestHookResult

    from gate_consumer.routing import intent_for_model

    requested = str(getattr(context, "model_requested", "") or "")
    intent = intent_for_model(requested, default=None) if requested and requested != "auto" else None
    if intent is None:
        return None
    return RequestHookResult(routing_hints={"routing_mode": intent},
                             notes=[f"fusionaize-intent: {requested} → {intent}"])
