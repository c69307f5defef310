"""Run the real Gate (faigate 2.7.0) with the gate_consumer plugin, and report what it did.

Not a test module: ``tests/test_gate_plugin.py`` runs it with the Python of a virtual
environment where Gate (from ``tests/fixtures/gate/``) and ``consumer/`` are installed, from a
scratch working directory (Gate's source folder would shadow ``faigate.hooks``).

It starts a fake OpenAI-compatible upstream on 127.0.0.1, writes a Gate config whose
``request_hooks.community_hooks_dir`` holds the one-line hook file (or none, with
``--without-plugin``), drives Gate's FastAPI app with its test client — one chat completion per
route, named as the request's model — and prints JSON: the metrics database's ``cost_usd`` per
route, the route estimates, the cost-truth report's freshness, the hooks applied in a route
preview, and the plugin's log lines.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

USAGE = {"prompt_tokens": 12_000, "completion_tokens": 800, "total_tokens": 12_800,
         "prompt_tokens_details": {"cached_tokens": 2_000}}
#: the usage object the fake upstream answers with, as JSON text (``--usage``: a hostile one)
USAGE_TEXT = json.dumps(USAGE)


class Upstream(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that always answers with the same usage."""

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        body = json.dumps({
            "id": "chatcmpl-1", "object": "chat.completion", "model": request.get("model", "?"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}],
            "usage": "USAGE",
        }).replace('"USAGE"', USAGE_TEXT).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": []}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Quiet(SimpleHTTPRequestHandler):
    """Serves a built catalog's files."""

    def log_message(self, *args: object) -> None:
        pass


def config_text(base_url: str, hooks_dir: Path | None) -> str:
    hooks = (f'  community_hooks_dir: "{hooks_dir}"\n  hooks: ["fusionaize-intent"]\n' if hooks_dir
             else '  hooks: []\n')
    return f"""
server:
  host: "127.0.0.1"
  port: 8090
providers:
  anthropic-sonnet:
    backend: openai-compat
    base_url: "{base_url}"
    api_key: "test"
    model: "claude-sonnet-4-6"
  deepseek-chat:
    backend: openai-compat
    base_url: "{base_url}"
    api_key: "test"
    model: "deepseek-chat"
  subscription-sonnet:
    backend: openai-compat
    base_url: "{base_url}"
    api_key: "test"
    model: "claude-sonnet-4-6"
    pricing:
      input: 0
      output: 0
  google-gemini-pro:
    backend: openai-compat
    base_url: "{base_url}"
    api_key: "test"
    model: "gemini-2.5-pro"
  local-llm:
    backend: openai-compat
    base_url: "{base_url}"
    api_key: "test"
    model: "my-own-finetune"
request_hooks:
  enabled: true
{hooks}fallback_chain: []
metrics:
  enabled: true
update_check:
  enabled: false
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--without-plugin", action="store_true")
    parser.add_argument("--usage", help="the usage object the upstream answers with, as JSON text")
    parser.add_argument("--catalog", type=Path, help="a built catalog (v1/) the plugin loads over HTTP")
    args = parser.parse_args()
    work: Path = args.workdir
    if args.usage:
        global USAGE_TEXT
        USAGE_TEXT = args.usage
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if args.catalog:
        files = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(args.catalog)))
        threading.Thread(target=files.serve_forever, daemon=True).start()
        os.environ.update({"GATE_CONSUMER_CATALOG_URL": f"http://127.0.0.1:{files.server_address[1]}/",
                           "XDG_CACHE_HOME": str(work / "cache")})
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    hooks_dir = None
    if not args.without_plugin:
        hooks_dir = work / "hooks"
        hooks_dir.mkdir(parents=True, exist_ok=True)
        (hooks_dir / "fusionaize.py").write_text("from gate_consumer.gate_plugin import register\n")
    config = work / "config.yaml"
    config.write_text(config_text(base_url, hooks_dir))
    db = work / "metrics.db"
    os.environ.update({"FAIGATE_CONFIG_FILE": str(config), "FAIGATE_DB_PATH": str(db),
                       "FAIGATE_ENV_FILE": str(work / "none.env")})
    logs: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.name.startswith("gate_consumer"):
                logs.append(f"{record.levelname} {record.getMessage()}")

    logging.getLogger("gate_consumer").addHandler(Capture())
    logging.getLogger("gate_consumer").setLevel(logging.INFO)

    import faigate.main as gate
    from fastapi.testclient import TestClient

    routes = ["anthropic-sonnet", "deepseek-chat", "subscription-sonnet", "google-gemini-pro", "local-llm"]
    report: dict = {"routes": {}, "logs": logs}
    with TestClient(gate.app, raise_server_exceptions=False) as client:  # a fault is a 500, as a client sees it
        for route in routes:
            response = client.post("/v1/chat/completions", json={
                "model": route, "messages": [{"role": "user", "content": "hello " * 50}]})
            report["routes"][route] = {"status": response.status_code,
                                       "provider": response.headers.get("x-faigate-provider")}
        preview = client.post("/api/route", json={
            "model": "claude-3-5-haiku-20241022", "messages": [{"role": "user", "content": "hi"}]})
        report["preview"] = preview.json() if preview.status_code == 200 else {"status": preview.status_code}
        catalog = client.get("/api/provider-catalog")
        report["catalog"] = catalog.json() if catalog.status_code == 200 else {"status": catalog.status_code}
        from faigate import provider_catalog, router

        report["pricing"] = {route: provider_catalog._get_pricing_for_provider_and_model(route, None)
                             for route in routes}
        ctx = type("Ctx", (), {"total_tokens": 250_000, "requested_output_tokens": 1_000,
                               "stable_prefix_tokens": 0})()
        report["estimate_250k"] = {
            route: router._estimated_request_cost_usd_with_lane(route, None, gate._config.provider(route) or {}, ctx)
            for route in routes}
    with sqlite3.connect(db) as connection:
        report["cost_usd"] = {provider: cost for provider, cost in connection.execute(
            "SELECT provider, cost_usd FROM requests ORDER BY id")}
    json.dump(report, sys.stdout, default=str)


if __name__ == "__main__":
    main()
