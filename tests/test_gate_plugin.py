"""gate_consumer inside the real Gate: faigate 2.7.0, installed from tests/fixtures/gate/ into a
virtual environment of its own with consumer/, driven through its FastAPI app against a fake
upstream on 127.0.0.1 (tests/gate_harness.py) — with the one-line hook file and without it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

# one worker runs them all, so Gate's environment is built once
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("gate")]

GATE = REPO / "tests" / "fixtures" / "gate" / "faigate-2.7.0-102bfa3.tar.gz"
HARNESS = REPO / "tests" / "gate_harness.py"


#: Gate's environment is kept between runs, keyed by what goes into it (building it takes ~45 s);
#: the consumer is not installed there but put on its path, so each run tests its own checkout
GATE_REQUIREMENTS = (str(GATE), "aiosqlite", "time-machine", "pytest", "pytest-asyncio")
CACHE = Path(os.environ.get("FAIMETA_TEST_CACHE") or Path.home() / ".cache" / "fusionaize-metadata-tests")


def _environment_key() -> str:
    digest = hashlib.sha256(GATE.read_bytes())
    digest.update(repr((GATE_REQUIREMENTS[1:], sys.version_info[:2])).encode())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="module")
def gate_python() -> Path:
    """The Python of a virtual environment with Gate 2.7.0 and its requirements only (not the
    refresher's dependencies): aiosqlite is in Gate's requirements.txt, not its pyproject;
    time-machine freezes Gate's clock as the suite's (tests/frozen_clock)."""
    venv = CACHE / f"gate-{_environment_key()}"
    if not (venv / ".complete").exists():
        # a virtual environment records its own path: it is built where it will stay, and a
        # half-built one (no .complete) is built again
        shutil.rmtree(venv, ignore_errors=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        installing = {k: v for k, v in os.environ.items() if k not in ("FAIMETA_TEST_NOW", "PYTHONPATH")}
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *GATE_REQUIREMENTS],
                       check=True, timeout=900, env=installing)
        (venv / ".complete").write_text(f"{GATE.name}\n")
    return venv / "bin" / "python"


def _gate_path(*more: Path) -> str:
    """Gate's PYTHONPATH: the suite's frozen clock and the consumer of this checkout (then ``more``)."""
    return os.pathsep.join(str(p) for p in (REPO / "tests" / "frozen_clock", REPO / "consumer", *more))


def _gate_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": _gate_path()}


def _run_gate(python: Path, work: Path, *flags: str) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([str(python), str(HARNESS), str(work), *flags], cwd=work, capture_output=True, text=True,
                          timeout=300, env=_gate_env())
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def with_plugin(gate_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _run_gate(gate_python, tmp_path_factory.mktemp("with"))


@pytest.fixture(scope="module")
def without_plugin(gate_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _run_gate(gate_python, tmp_path_factory.mktemp("without"), "--without-plugin")


def test_every_request_succeeds_either_way(with_plugin: dict, without_plugin: dict) -> None:
    for report in (with_plugin, without_plugin):
        assert {route: r["status"] for route, r in report["routes"].items()} == dict.fromkeys(report["routes"], 200)


def test_recorded_cost_is_the_catalogs_price_instead_of_zero(with_plugin: dict, without_plugin: dict) -> None:
    """12,000 prompt and 800 completion tokens per request (Gate passes no cached tokens for an
    OpenAI-compatible route)."""
    assert without_plugin["cost_usd"]["anthropic-sonnet"] == 0.0  # Gate alone: $0 without a pricing block
    assert with_plugin["cost_usd"]["anthropic-sonnet"] == pytest.approx(12_000 * 3 / 1e6 + 800 * 15 / 1e6)
    assert with_plugin["cost_usd"]["deepseek-chat"] > 0


def test_an_explicit_operator_price_wins_even_at_zero(with_plugin: dict) -> None:
    assert with_plugin["cost_usd"]["subscription-sonnet"] == 0.0
    assert with_plugin["pricing"]["subscription-sonnet"] == {}  # Gate's own lookup (its config has the price)


def test_an_unresolvable_route_keeps_gates_behaviour_and_says_so_once(with_plugin: dict, without_plugin: dict) -> None:
    assert with_plugin["cost_usd"]["local-llm"] == without_plugin["cost_usd"]["local-llm"] == 0.0
    named = [line for line in with_plugin["logs"] if "route local-llm keeps Gate's own pricing" in line]
    assert len(named) == 1 and "'my-own-finetune' is not in the catalog" in named[0]


def test_estimates_use_context_tiers(with_plugin: dict, without_plugin: dict) -> None:
    """Gemini 2.5 Pro at 250,000 prompt tokens: 2.5 / 15 per 1M above 200,000 — Gate alone
    estimates at the base price, half of it."""
    assert with_plugin["estimate_250k"]["google-gemini-pro"] == pytest.approx(250_000 * 2.5 / 1e6 + 1_000 * 15 / 1e6)
    assert without_plugin["estimate_250k"]["google-gemini-pro"] != with_plugin["estimate_250k"]["google-gemini-pro"]


def test_pricing_lookups_carry_source_and_freshness(with_plugin: dict) -> None:
    sonnet = with_plugin["pricing"]["anthropic-sonnet"]
    assert (sonnet["input"], sonnet["output"], sonnet["cache_read"]) == (3, 15, 0.3)
    assert sonnet["freshness_status"] in ("fresh", "aging", "stale", "unknown")
    assert sonnet["source_type"] == "community-catalog" and sonnet["source_url"].startswith("https://")


def test_the_cost_truth_report_counts_the_catalogs_freshness(with_plugin: dict, without_plugin: dict) -> None:
    truth = with_plugin["catalog"]["cost_truth"]
    assert truth["tracked_with_pricing"] >= 3  # the resolvable routes: Sonnet, DeepSeek, Gemini Pro
    assert sum(truth["pricing_freshness"].values()) == truth["tracked_with_pricing"]
    assert truth["tracked_with_pricing"] > without_plugin["catalog"]["cost_truth"]["tracked_with_pricing"]


def test_the_intent_hook_applies_in_a_route_preview(with_plugin: dict, without_plugin: dict) -> None:
    assert "fusionaize-intent" in with_plugin["preview"]["applied_hooks"]
    assert "fusionaize-intent: claude-3-5-haiku-20241022 → eco" in with_plugin["preview"]["hook_notes"]
    assert "fusionaize-intent" not in without_plugin["preview"].get("applied_hooks", [])


def _in_gate(python: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120,
                          cwd=python.parent, env=_gate_env())


def test_the_contract_every_wrapped_gate_function_exists_with_its_parameters(gate_python: Path) -> None:
    done = _in_gate(gate_python, """
        import inspect, json
        from gate_consumer import gate_plugin
        targets = gate_plugin._check_gate()
        print(json.dumps(sorted(f"{m}.{p}" for m, p in targets)))
    """)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == len(__import__("gate_consumer.gate_plugin").gate_plugin.CONTRACT)


def test_installing_twice_changes_nothing_and_uninstall_restores_gate(gate_python: Path) -> None:
    done = _in_gate(gate_python, """
        import faigate.provider_catalog as pc, faigate.metrics as metrics
        from gate_consumer import gate_plugin
        own = (pc._get_pricing_for_provider_and_model, metrics.MetricsStore.log_request)
        gate_plugin.install()
        wrapped = (pc._get_pricing_for_provider_and_model, metrics.MetricsStore.log_request)
        gate_plugin.install()
        assert (pc._get_pricing_for_provider_and_model, metrics.MetricsStore.log_request) == wrapped
        assert wrapped[0] is not own[0] and wrapped[0].__wrapped__ is own[0]
        gate_plugin.uninstall()
        assert (pc._get_pricing_for_provider_and_model, metrics.MetricsStore.log_request) == own
        print("ok")
    """)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@pytest.mark.parametrize(("change", "reason"), [
    ("faigate.__version__ = '2.9.0'", "Gate 2.9.0 is not a supported version"),
    ("import faigate.cost as c; c._get_pricing_for_provider_and_model = lambda provider_id, model=None: {}",
     "faigate.cost._get_pricing_for_provider_and_model('provider_id', 'model') does not take"),
    ("import faigate.router as r; del r._estimated_request_cost_usd_with_lane",
     "faigate.router._estimated_request_cost_usd_with_lane is missing"),
])
def test_a_gate_it_does_not_fit_is_left_alone_and_told_loudly(gate_python: Path, change: str, reason: str) -> None:
    done = _in_gate(gate_python, f"""
        import logging, faigate
        logging.basicConfig(level=logging.ERROR)
        import faigate.provider_catalog as pc
        {change}
        own = pc._get_pricing_for_provider_and_model
        from gate_consumer import gate_plugin
        registered = []
        gate_plugin.register(lambda name, fn: registered.append(name))
        assert registered == [] and gate_plugin.state() is None
        assert pc._get_pricing_for_provider_and_model is own
        print("left alone")
    """)
    assert done.returncode == 0 and "left alone" in done.stdout, done.stderr
    assert "gate_consumer plugin disabled, Gate runs without it" in done.stderr and reason in done.stderr


# Gate's own tests of its catalog, routing, offerings and hooks
GATE_TESTS = ("tests/test_provider_catalog.py", "tests/test_provider_catalog_api.py", "tests/test_routing.py",
              "tests/test_routing_dimensions.py", "tests/test_router_offerings_packages.py",
              "tests/test_request_hooks.py")


def _gate_test_outcomes(python: Path, source: Path, *plugin: str) -> dict[str, str]:
    done = subprocess.run([str(python), "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *plugin, *GATE_TESTS],
                          cwd=source, capture_output=True, text=True, timeout=900,
                          env={"PATH": str(python.parent), "HOME": str(source),
                               "PYTHONPATH": _gate_path(source),
                               "FAIMETA_TEST_NOW": os.environ["FAIMETA_TEST_NOW"]})
    outcomes = {}
    for line in done.stdout.splitlines():
        word, _, test = line.partition(" ")
        if word in ("PASSED", "FAILED", "ERROR"):
            outcomes[test.split(" - ")[0]] = word
    assert outcomes, done.stdout[-2000:] + done.stderr[-2000:]
    return outcomes


def test_gates_own_tests_fail_nothing_with_the_plugin_they_pass_without(gate_python: Path, tmp_path: Path) -> None:
    """Gate's source, without its faigate/ folder (the installed package is the one under test;
    the folder would shadow it), its tests run twice: as they are, and with the plugin installed."""
    import tarfile

    with tarfile.open(GATE) as archive:
        members = [m for m in archive.getmembers() if not m.name.startswith("faigate-2.7.0/faigate/")]
        archive.extractall(tmp_path, members=members, filter="data")
    source = tmp_path / "faigate-2.7.0"
    (source / "gate_consumer_installed.py").write_text(
        "def pytest_configure(config):\n    from gate_consumer import gate_plugin\n\n    gate_plugin.install()\n")
    without = _gate_test_outcomes(gate_python, source)
    with_plugin = _gate_test_outcomes(gate_python, source, "-p", "gate_consumer_installed")
    assert set(with_plugin) == set(without) and len(without) > 50
    broken = [test for test, outcome in without.items() if outcome == "PASSED" and with_plugin[test] != "PASSED"]
    assert broken == []



# -- the plugin never fails a request (issue 27, point 4) -----------------------------------

def _hostile_catalog(tmp: Path, provider: str, **fields: object) -> Path:
    """The bundled catalog with fields of one provider replaced — as a hostile listing once got
    them published — and its manifest made to match, so the consumer loads it."""
    root = tmp / "v1"
    shutil.copytree(REPO / "consumer" / "gate_consumer" / "_data" / "v1", root)
    manifest = json.loads((root / "manifest.json").read_text())
    index = json.loads((root / "index.json").read_text())
    index["providers"][provider].update(fields)
    record = json.loads((root / "providers" / f"{provider}.json").read_text())
    for name, data in (("index.json", index), (f"providers/{provider}.json", {**record, **fields})):
        body = json.dumps(data).encode()
        (root / name).write_bytes(body)
        manifest["files"][name] = {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
    manifest["catalog_version"] += "-hostile"
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


@pytest.mark.parametrize("base_url", ["http://[evil", "http://a:b:c/", 42])
def test_an_unparseable_base_url_in_the_catalog_never_fails_a_request(gate_python: Path, tmp_path: Path,
                                                                       without_plugin: dict, base_url: object) -> None:
    """One provider's ``base_url`` of ``http://[evil`` made Gate answer 500 on every chat
    completion (``urlsplit(...).hostname`` raised in the host lookup)."""
    catalog = _hostile_catalog(tmp_path, "anthropic", base_url=base_url)
    report = _run_gate(gate_python, tmp_path / "gate", "--catalog", str(catalog))
    assert {r: v["status"] for r, v in report["routes"].items()} == \
        {r: v["status"] for r, v in without_plugin["routes"].items()}
    assert report["cost_usd"]["deepseek-chat"] > 0  # the rest of the catalog still prices
    assert any("-hostile" in line for line in report["logs"])  # the hostile catalog was the one loaded


@pytest.mark.parametrize("usage", [
    '{"prompt_tokens": 1.7e308, "completion_tokens": 1.7e308, "total_tokens": 1}',
    '{"prompt_tokens": 1e400, "completion_tokens": 5, "total_tokens": 1}',
    '{"prompt_tokens": -5, "completion_tokens": "many", "total_tokens": null}',
])
def test_absurd_usage_never_fails_a_request(gate_python: Path, tmp_path: Path, usage: str) -> None:
    """Upstream ``prompt_tokens`` of 1e400 or 1.7e308 made Gate answer 500 with the plugin
    (``OverflowError`` in ``gate_plugin.cost``); without it Gate answers 200."""
    plain = _run_gate(gate_python, tmp_path / "without", "--without-plugin", "--usage", usage)
    report = _run_gate(gate_python, tmp_path / "with", "--usage", usage)
    assert {r: v["status"] for r, v in report["routes"].items()} == \
        {r: v["status"] for r, v in plain["routes"].items()}
