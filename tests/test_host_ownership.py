"""An API host belongs to one metered provider (issue 27, point 2). A community listing that
adds a provider of its own at ``https://api.anthropic.com/v1`` with Claude at $0.0001/M was
accepted; in Gate a route to api.anthropic.com then resolved to it (the first in sorted order)
and every estimate was ~48,000× too low. Now its ``base_url`` is not published (held, flagged),
``faimeta validate`` refuses a tree where two metered providers share a host, and the plugin
never picks among several by host."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import sys
import threading
import types
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gate_consumer import Catalog
from gate_consumer.gate_plugin import Plugin
from gate_consumer.pricing import Usage
from refresher.cli import app
from refresher.run.payloads import Payload, replay_payloads
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import REPO, UPSTREAM

AT = "2026-07-20T00:00:00Z"


def _with_anthropic(tree: Path) -> Path:
    payloads, errors = replay_payloads(UPSTREAM, ["anthropic"])
    assert not errors and run_refresh(tree, payloads, say=lambda _: None).ok
    return tree


def _impostor(at: str = AT) -> Payload:
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_bytes())
    data["aaa-claude"] = {"id": "aaa-claude", "name": "Cheap Claude", "api": "https://api.anthropic.com/v1",
                          "npm": "@ai-sdk/openai-compatible", "env": ["AAA_KEY"], "models": {
                              "claude-sonnet-4-5": {"id": "claude-sonnet-4-5", "name": "Claude Sonnet 4.5",
                                                    "cost": {"input": 0.0001, "output": 0.0001},
                                                    "limit": {"context": 200000, "output": 64000}}}}
    return Payload("modelsdev", (json.dumps(data).encode(),), at, "modelsdev (an impostor)")


def test_a_listing_cannot_take_a_host_another_provider_owns(seeded_tree: Path) -> None:
    _with_anthropic(seeded_tree)
    result = run_refresh(seeded_tree, [_impostor()], say=lambda _: None)
    assert result.ok, result.to_json()
    providers = load_tree(seeded_tree).providers
    assert providers["anthropic"]["base_url"] == "https://api.anthropic.com/v1"
    assert "base_url" not in providers["aaa-claude"]
    assert providers["aaa-claude"]["disagreements"]["base_url"][0]["value"] == "https://api.anthropic.com/v1"
    assert ("host-claim", "aaa-claude: base_url https://api.anthropic.com/v1 not published: the host api.anthropic.com "
            "is anthropic's (one metered provider per host: Gate would send its routes' costs here)") in \
        [(kind.value, message) for kind, message in result.summaries[-1].risks]


def test_a_provider_owns_the_host_that_carries_its_name_whichever_came_first(empty_tree: Path) -> None:
    """Models.dev 2026-06 lists Fireworks' FirePass plan at api.fireworks.ai beside Fireworks:
    the host is fireworks-ai's, in one run or in any order of two."""
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_bytes())
    pair = {"firepass": {"id": "firepass", "name": "FirePass", "api": "https://api.fireworks.ai/inference/v1",
                         "npm": "@ai-sdk/openai-compatible", "env": ["FIREWORKS_API_KEY"], "models": {}},
            "fireworks-ai": {"id": "fireworks-ai", "name": "Fireworks AI", "api": "https://api.fireworks.ai/inference/v1",
                             "npm": "@ai-sdk/openai-compatible", "env": ["FIREWORKS_API_KEY"], "models": {}}}
    for first in ("firepass", "fireworks-ai"):
        root = empty_tree.parent / first / "metadata"
        shutil.copytree(empty_tree, root)
        for name in (first, *(n for n in pair if n != first)):
            body = json.dumps({**data, name: pair[name]}).encode()
            assert run_refresh(root, [Payload("modelsdev", (body,), AT, name)], say=lambda _: None).ok
        providers = load_tree(root).providers
        assert providers["fireworks-ai"]["base_url"] == "https://api.fireworks.ai/inference/v1"
        assert "base_url" not in providers["firepass"]


def test_validate_refuses_two_metered_providers_at_one_host(seeded_tree: Path, tmp_path: Path) -> None:
    _with_anthropic(seeded_tree)
    root = tmp_path / "edited" / "metadata"
    shutil.copytree(seeded_tree, root)
    path = root / "providers" / "openrouter.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "base_url": "https://api.anthropic.com/v1"}))
    result = CliRunner().invoke(app, ["validate", "--root", str(root)])
    assert result.exit_code != 0
    assert "metadata/providers/openrouter.json: base_url: the host api.anthropic.com is anthropic's" in result.output


# -- the plugin: a host names one metered provider, or none ---------------------------------

class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _served(tmp: Path, impostor: dict | None) -> Catalog:
    """The bundled catalog, with an impostor provider added as a catalog from elsewhere might
    carry it, served over HTTP and loaded as Gate's plugin loads it."""
    root = tmp / "v1"
    shutil.copytree(REPO / "consumer" / "gate_consumer" / "_data" / "v1", root)
    manifest = json.loads((root / "manifest.json").read_text())
    if impostor is not None:
        index = json.loads((root / "index.json").read_text())
        index["providers"]["aaa-claude"] = {k: v for k, v in impostor.items() if k != "offerings"} | {"offerings": 1}
        for name, data in (("index.json", index), ("providers/aaa-claude.json", impostor)):
            body = json.dumps(data).encode()
            (root / name).write_bytes(body)
            manifest["files"][name] = {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
        manifest["catalog_version"] += "-impostor"
    (root / "manifest.json").write_text(json.dumps(manifest))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return Catalog.load(f"http://127.0.0.1:{server.server_address[1]}/", cache_dir=tmp / "cache")
    finally:
        server.shutdown()


@pytest.fixture
def gate_route(monkeypatch: pytest.MonkeyPatch) -> dict:
    route = {"base_url": "https://api.anthropic.com/v1", "model": "claude-sonnet-4-5"}
    config = types.SimpleNamespace(providers={"my-claude": route}, provider=lambda name: {"my-claude": route}.get(name))
    monkeypatch.setitem(sys.modules, "faigate.main", types.SimpleNamespace(_config=config))
    return route


def test_a_host_two_metered_providers_claim_names_neither(gate_route: dict, tmp_path: Path) -> None:
    anthropic = json.loads((REPO / "consumer/gate_consumer/_data/v1/providers/anthropic.json").read_text())
    sonnet = anthropic["offerings"]["claude-sonnet-4-5-20250929"]
    impostor = {**{k: v for k, v in anthropic.items() if k not in ("offerings", "agreements")}, "id": "aaa-claude",
                "name": "Cheap Claude", "route_type": "direct",
                "offerings": {"claude-sonnet-4-5": {**sonnet, "price": {**sonnet["price"], "input": 0.0001, "output": 0.0001}}}}
    catalog = _served(tmp_path, impostor)
    assert "aaa-claude" in catalog.provider_ids
    plugin = Plugin(lambda: catalog)
    assert plugin.offering("my-claude") is None  # not the impostor's $0.0001, not a guess
    assert plugin.cost("my-claude", Usage(12_000, 800)) is None  # Gate's own price stays


def test_a_host_names_its_metered_provider_not_a_plan_sharing_it(gate_route: dict, tmp_path: Path) -> None:
    gate_route.update(base_url="https://api.z.ai/api/paas/v4", model="glm-4.6")
    plugin = Plugin(lambda: Catalog.load())
    offering = plugin.offering("my-claude")
    assert offering is not None and offering.provider == "zai"
