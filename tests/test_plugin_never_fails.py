"""The Gate plugin never fails a request (issue 27, point 4): whatever a route's config, the
catalog or the usage Gate reports, each wrapped Gate function returns what the plugin prices or
what Gate does without it — never an exception, never a cost that is not a finite, non-negative
number. Properties over hostile usage and route configs (hypothesis); the real Gate with a
hostile catalog and absurd usage is in ``tests/test_gate_plugin.py``.

Gate's config object is stood in for by the two things the plugin reads of it (``provider()``
and ``providers``), put where the plugin finds Gate's (``faigate.main._config``)."""

from __future__ import annotations

import math
import sys
import types
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate_consumer import Catalog
from gate_consumer.gate_plugin import WRAPPERS, Plugin

CATALOG = Catalog.load()
ROUTE = "a-route"


class _Config:
    def __init__(self) -> None:
        self.providers: dict[str, Any] = {}

    def provider(self, name: str) -> Any:
        return self.providers.get(name)


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch) -> _Config:
    config = _Config()
    monkeypatch.setitem(sys.modules, "faigate.main", types.SimpleNamespace(_config=config))
    return config


HOSTILE_COUNTS = st.one_of(
    st.integers(-(10**400), 10**400), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4),
    st.none(), st.booleans(), st.lists(st.integers(), max_size=2),
)
ROUTE_CONFIGS = st.one_of(
    st.none(), st.integers(), st.text(max_size=8),
    st.fixed_dictionaries({
        "base_url": st.one_of(st.sampled_from(["http://[evil", "https://api.anthropic.com/v1", "http://127.0.0.1:1/v1",
                                               "javascript:alert(1)", "http://a:b:c/"]), st.text(max_size=12),
                              st.integers(), st.none()),
        "model": st.one_of(st.sampled_from(["claude-sonnet-4-5", "deepseek-chat", "gpt-4o", "nope"]), st.integers(),
                           st.none()),
    }),
)
NEVER = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _a_cost(value: Any, gates: float) -> bool:
    return value == gates or (isinstance(value, float) and math.isfinite(value) and value >= 0)


@NEVER
@given(route=ROUTE_CONFIGS, prompt=HOSTILE_COUNTS, completion=HOSTILE_COUNTS, cache_hit=HOSTILE_COUNTS)
def test_the_recorded_cost_is_a_price_or_gates(config: _Config, route: Any, prompt: Any, completion: Any,
                                               cache_hit: Any) -> None:
    config.providers = {ROUTE: route}
    wrapped = WRAPPERS["log_request"](Plugin(lambda: CATALOG), lambda self, p, m, layer, r, pt, ct, hit, miss, cost, *a: cost)
    assert _a_cost(wrapped(None, ROUTE, "m", "layer", "rule", prompt, completion, cache_hit, 0, 0.25), 0.25)


@NEVER
@given(route=ROUTE_CONFIGS, total=HOSTILE_COUNTS, requested=HOSTILE_COUNTS)
def test_the_estimate_is_a_price_or_gates(config: _Config, route: Any, total: Any, requested: Any) -> None:
    config.providers = {ROUTE: route}
    wrapped = WRAPPERS["_estimated_request_cost_usd_with_lane"](Plugin(lambda: CATALOG), lambda name, model, provider, ctx: 0.125)
    ctx = types.SimpleNamespace(total_tokens=total, requested_output_tokens=requested)
    assert _a_cost(wrapped(ROUTE, None, route if isinstance(route, dict) else {}, ctx), 0.125)


@NEVER
@given(route=ROUTE_CONFIGS)
def test_a_pricing_lookup_is_ours_or_gates(config: _Config, route: Any) -> None:
    config.providers = {ROUTE: route} if isinstance(route, dict) else {}
    gates = {"input": 1.0, "output": 2.0}
    found = WRAPPERS["_get_pricing_for_provider_and_model"](Plugin(lambda: CATALOG), lambda name, model=None: gates)(ROUTE, None)
    assert found is gates or (math.isfinite(found["input"]) and math.isfinite(found["output"]))


def test_a_fault_falls_back_once_logged_and_counted(config: _Config, caplog: pytest.LogCaptureFixture) -> None:
    config.providers = {ROUTE: {"base_url": "https://api.deepseek.com", "model": "deepseek-chat"}}
    plugin = Plugin(lambda: CATALOG)
    wrapped = WRAPPERS["log_request"](plugin, lambda self, p, m, layer, r, pt, ct, hit, miss, cost, *a: cost)
    for _ in range(3):
        assert wrapped(None, ROUTE, "m", "layer", "rule", float("inf"), 1, 0, 0, 0.5) == 0.5
    assert plugin.fallbacks == {("recorded cost", "OverflowError"): 3}
    assert [r.getMessage() for r in caplog.records].count(
        "gate_consumer: recorded cost fell back to Gate's own behaviour: OverflowError: "
        "'cannot convert float infinity to integer'") == 1
    assert wrapped(None, ROUTE, "m", "layer", "rule", 1_000_000, 0, 0, 0, 0.5) == pytest.approx(0.28)
