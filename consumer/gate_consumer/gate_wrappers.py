"""The functions Gate calls in place of its own once :mod:`gate_consumer.gate_plugin` is
installed: one wrapper per concern (catalog entries, pricing lookups, route cost estimates,
recorded cost), each made of ``(plugin, Gate's function)``.

Each computes the plugin's answer inside :meth:`~gate_consumer.gate_plugin.Plugin.guarded` and
calls Gate's original outside it: a fault of the plugin (or of a hostile catalog, or absurd
usage) falls back to what Gate does without the plugin, and Gate's own errors stay Gate's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gate_consumer.observed import is_amount
from gate_consumer.pricing import Usage

if TYPE_CHECKING:
    from gate_consumer.gate_plugin import Plugin

__all__ = ["ORIGINAL", "WRAPPERS"]

#: The attribute a wrapper keeps Gate's own function in (installing again checks that one)
ORIGINAL = "__gate_consumer_original__"


def _marked(original: Any, wrapper: Any) -> Any:
    wrapper.__wrapped__ = original
    setattr(wrapper, ORIGINAL, original)
    wrapper.__name__ = getattr(original, "__name__", "wrapper")
    wrapper.__doc__ = getattr(original, "__doc__", None)
    return wrapper


def _wrap_entries(plugin: Plugin, original: Any) -> Any:
    def entries() -> dict[str, Any]:
        theirs = original()
        return {**(plugin.guarded("catalog entries", plugin.entries) or {}), **(theirs or {})}  # the operator's files win

    return _marked(original, entries)


def _wrap_pricing(plugin: Plugin, original: Any) -> Any:
    def pricing(provider_name: str, model_id: str | None = None) -> dict[str, Any]:
        ours = plugin.guarded("pricing", lambda: plugin.pricing(provider_name))
        if ours is None or _operator_files():
            theirs = original(provider_name, model_id)
            if theirs or ours is None:
                return theirs
        return dict(ours)

    return _marked(original, pricing)


def _wrap_estimate(plugin: Plugin, original: Any) -> Any:
    def estimate(provider_name: str, model_id: str | None, provider: dict[str, Any], ctx: Any) -> float:
        if ctx is None or (provider or {}).get("pricing"):
            return original(provider_name, model_id, provider, ctx)

        def ours() -> float | None:
            prompt = max(1, int(getattr(ctx, "total_tokens", 0) or 0))
            output = int(getattr(ctx, "requested_output_tokens", 0) or 0)
            if output <= 0:
                output = min(1024, max(128, prompt // 2))  # Gate's own guess
            cost = plugin.cost(provider_name, Usage(prompt, output))
            return None if cost is None else _finite(round(cost, 6))

        cost = plugin.guarded("estimate", ours)
        return original(provider_name, model_id, provider, ctx) if cost is None else cost

    return _marked(original, estimate)


def _wrap_log_request(plugin: Plugin, original: Any) -> Any:
    def log_request(self: Any, provider: str, model: str, layer: str, rule_name: str, prompt_tokens: int = 0,
                    completion_tokens: int = 0, cache_hit: int = 0, cache_miss: int = 0, cost_usd: float = 0.0,
                    *args: Any, **kwargs: Any) -> Any:
        def ours() -> float | None:
            route = plugin.route_config(provider)
            if route is None or "pricing" in route:  # an operator's price, even $0, wins
                return None
            prompt, completion = max(0, int(prompt_tokens or 0)), max(0, int(completion_tokens or 0))
            cached = min(prompt, max(0, int(cache_hit or 0)))
            cost = plugin.cost(provider, Usage(prompt, completion, cache_read_tokens=cached))
            return None if cost is None else _finite(cost)

        cost = plugin.guarded("recorded cost", ours)
        return original(self, provider, model, layer, rule_name, prompt_tokens, completion_tokens, cache_hit,
                        cache_miss, cost_usd if cost is None else cost, *args, **kwargs)

    return _marked(original, log_request)


def _finite(cost: float) -> float:
    """``cost``, if it is a price a request can have: finite and not negative."""
    if not is_amount(cost):
        raise ValueError(f"a cost of {cost!r} USD")
    return cost


def _operator_files() -> bool:
    """Whether the operator points Gate at catalog files of their own (they win over ours)."""
    return any(os.environ.get(name, "").strip() for name in (
        "FAIGATE_PROVIDER_METADATA_FILE", "FAIGATE_PROVIDER_METADATA_DIR", "FAIGATE_OFFERINGS_METADATA_FILE"))


#: Gate's functions the plugin wraps, by name: each wrapper of ``(plugin, Gate's function)``
#: returns the function Gate calls instead — the plugin's answer, else Gate's own.
WRAPPERS: dict[str, Callable[[Plugin, Any], Any]] = {
    "_load_external_catalog": _wrap_entries,
    "_load_external_provider_catalog": _wrap_entries,
    "_get_pricing_for_provider_and_model": _wrap_pricing,
    "_estimated_request_cost_usd_with_lane": _wrap_estimate,
    "log_request": _wrap_log_request,
}
