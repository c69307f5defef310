"""A source's key reaches only its own host: redirects elsewhere are refused before the key
travels, an override URL on another host gets no key, and ``sources.json`` cannot aim a key
anywhere (``faimeta validate`` refuses it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Response

from refresher.cli import app
from refresher.run.fetch import Fetcher, FetchPolicy
from refresher.run.payloads import fetch_payloads, url_variable
from refresher.sources.registry import ADAPTERS, key_may_go_to, registry_problems
from refresher.tree.store import load_tree
from tests.conftest import UPSTREAM

SECRET = "sk-test-PLANTED-SECRET-1234567890"
HEADERS = {"openai": "Authorization", "anthropic": "x-api-key", "google": "x-goog-api-key"}


@pytest.fixture
def elsewhere():
    """Another origin (another port of the loopback: another host, as far as a key is concerned)."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/models").respond_with_data((UPSTREAM / "openai/models.json").read_bytes())
    yield server
    server.stop()


def fetch(root: Path, httpserver: HTTPServer, source: str, lines: list[str]):
    env = {url_variable(source): httpserver.url_for(f"/{source}"), ADAPTERS[source].key_env: SECRET}
    policy = FetchPolicy(timeout=2, connect_timeout=2, attempts=1)
    with Fetcher(policy=policy, sleep=lambda _: None, say=lines.append) as fetcher:
        return fetch_payloads(load_tree(root), [source], fetcher=fetcher, environ=env, say=lines.append)


@pytest.mark.parametrize("source", sorted(HEADERS))
def test_a_redirect_to_another_host_is_refused_and_the_key_stays_home(
        source: str, httpserver: HTTPServer, elsewhere: HTTPServer, empty_tree: Path) -> None:
    httpserver.expect_request(f"/{source}").respond_with_response(
        Response(status=302, headers={"Location": elsewhere.url_for("/models")}))
    lines: list[str] = []
    payloads, errors, _ = fetch(empty_tree, httpserver, source, lines)
    assert payloads == [] and "refusing a redirect to http://127.0.0.1:" in errors[source]
    assert "its key stays home" in errors[source]
    assert elsewhere.log == []  # the other host never saw a request, let alone the key
    assert SECRET not in json.dumps(errors) + "".join(lines)


def test_a_redirect_within_the_host_is_followed_with_the_key(httpserver: HTTPServer, empty_tree: Path) -> None:
    httpserver.expect_request("/anthropic").respond_with_response(Response(status=301, headers={"Location": "/moved"}))
    httpserver.expect_request("/moved").respond_with_data((UPSTREAM / "anthropic/models-2026-04.json").read_bytes())
    payloads, errors, _ = fetch(empty_tree, httpserver, "anthropic", [])
    assert errors == {} and len(payloads) == 1
    assert httpserver.log[-1][0].headers["x-api-key"] == SECRET


def test_a_redirect_loop_fails_that_source_only(httpserver: HTTPServer, empty_tree: Path) -> None:
    httpserver.expect_request("/openai").respond_with_response(Response(status=302, headers={"Location": "/openai"}))
    _, errors, _ = fetch(empty_tree, httpserver, "openai", [])
    assert "more than 5 redirects" in errors["openai"]


def test_an_override_on_another_host_gets_no_key(empty_tree: Path) -> None:
    env = {"FAIMETA_ANTHROPIC_URL": "https://collector.example/v1/models", "ANTHROPIC_API_KEY": SECRET}
    payloads, errors, _ = fetch_payloads(load_tree(empty_tree), ["anthropic"], environ=env, say=lambda _: None)
    assert payloads == []
    assert errors["anthropic"] == ("anthropic: refusing to send ANTHROPIC_API_KEY to https://collector.example/v1/models: "
                                   "a key goes only to https://api.anthropic.com (or a local test server)")


@pytest.mark.parametrize(("source", "url", "allowed"), [
    ("anthropic", "https://api.anthropic.com/v1/models", True),
    ("anthropic", "http://api.anthropic.com/v1/models", False),
    ("anthropic", "https://api.anthropic.com.evil.example/v1/models", False),
    ("anthropic", "https://api.openai.com/v1/models", False),
    ("google", "https://generativelanguage.googleapis.com/v1beta/models", True),
    ("google", "http://127.0.0.1:8080/google", True),
    ("google", "http://localhost:8080/google", True),
])
def test_where_a_key_may_go(source: str, url: str, allowed: bool) -> None:
    assert key_may_go_to(source, url) is allowed


def test_validate_refuses_a_source_aimed_elsewhere_or_given_another_key(empty_tree: Path) -> None:
    path = empty_tree / "sources.json"
    registry = json.loads(path.read_text())
    registry["sources"]["openrouter"].update(url="http://anyhost/models", api_key_env="GITHUB_TOKEN")
    registry["sources"]["manual"]["api_key_env"] = "OPENAI_API_KEY"
    path.write_text(json.dumps(registry))
    result = CliRunner().invoke(app, ["validate", "--root", str(empty_tree)])
    assert result.exit_code == 1
    assert ("metadata/sources.json: source 'openrouter': url: 'http://anyhost/models' is not https on openrouter.ai, "
            "the host documented for openrouter") in result.output
    assert "source 'openrouter': api_key_env: 'GITHUB_TOKEN' is not openrouter's own key variable" in result.output
    assert "source 'manual': api_key_env: 'OPENAI_API_KEY': a source without an adapter" in result.output


def test_the_committed_registry_keeps_every_key_home() -> None:
    registry = json.loads((Path(__file__).resolve().parent.parent / "metadata/sources.json").read_text())["sources"]
    assert {name: registry_problems(name, entry) for name, entry in registry.items()} == \
        {name: [] for name in registry}
