"""Benchmark of the write side: a full refresh of every source from a local HTTP server serving
the recorded responses, end to end, and ``validate`` of the whole tree — against the budgets of
DESIGN.md, with genai-prices measured in the same run as the reference.

    python -m pip install -e '.[bench]' && python bench/bench_refresh.py [--recordings DIR] [--runs N]

genai-prices has no offline equivalent of a refresh (its ``UpdatePrices`` downloads a pre-built
``data.json`` from GitHub), so its row is the closest whole-catalog operation it has: loading and
checking its bundled catalog in a fresh interpreter. The ratio says how our whole-catalog
operations compare to that, not that they do the same work.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from refresher.run.payloads import (  # noqa: E402
    fetch_payloads,
    newest_recordings,
    replay_payloads,
    select_sources,
    url_variable,
)
from refresher.run.refresh import run_refresh  # noqa: E402
from refresher.sources.registry import ADAPTERS  # noqa: E402
from refresher.tree.store import load_tree  # noqa: E402
from refresher.tree.validate import validate_tree  # noqa: E402

BUDGET_REFRESH_S = 10.0
BUDGET_VALIDATE_S = 3.0
BUDGET_REPORT_S = 2.0


class Server:
    """Serves ``/<route>`` → its body (:func:`recorded_routes`), on 127.0.0.1."""

    def __init__(self, routes: dict[str, bytes]):
        bodies = {f"/{route}": body for route, body in routes.items()}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = bodies.get(self.path.split("?", 1)[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


def recorded_routes(recordings: Path) -> dict[str, bytes]:
    """What the local server answers: each source's recording as a replay picks it at
    ``<source>``; the files of a source published as several under ``<source>/<part>.json`` —
    for one that follows an index (AWS), an index naming just the recorded files."""
    routes = {}
    for payload in replay_payloads(recordings, sorted(set(newest_recordings(recordings)) & set(ADAPTERS)))[0]:
        if not payload.parts:
            routes[payload.source] = payload.bodies[0]
            continue
        routes |= {f"{payload.source}/{part}.json": body for part, body in zip(payload.parts, payload.bodies, strict=True)}
        index = getattr(ADAPTERS[payload.source], "INDEX", None)
        if index is not None:
            regions = {part.removeprefix("AmazonBedrock-"): {"currentVersionUrl": f"/{payload.source}/{part}.json"}
                       for part in payload.parts if part != index}
            routes[payload.source] = json.dumps({"regions": regions}).encode()
    return routes


def refresh_once(root: Path, server: Server, sources: list[str]) -> tuple[float, str]:
    environ = {url_variable(s): f"{server.url}/{s}" for s in sources}
    tree = load_tree(root)
    environ |= {info["api_key_env"]: "bench-key" for info in tree.sources["sources"].values() if info.get("api_key_env")}
    start = time.perf_counter()
    tree = load_tree(root)
    chosen, _ = select_sources(tree, sources, None)
    payloads, errors, not_run = fetch_payloads(tree, chosen, environ=environ, say=lambda _: None)
    result = run_refresh(root, payloads, errors=errors, not_run=not_run, say=lambda _: None)
    elapsed = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"refresh failed: {json.dumps(result.to_json())[:2000]}")
    return elapsed, f"{len(result.written)} files written"


def report_row(runs: int) -> tuple[str, list[float], float, str]:
    """The change report between an empty catalog's first seed and the committed one (every
    offering added), the largest report there is, trees already loaded."""
    from refresher.review.report import compare

    committed = load_tree(REPO / "metadata")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "metadata"
        root.mkdir()
        for name in ("sources.json", "vendors.json"):
            shutil.copy(REPO / "metadata" / name, root / name)
        empty = load_tree(root)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        report = compare(empty, committed)
        report.markdown()
        compare(committed, committed)
        times.append(time.perf_counter() - start)
    return ("change report, whole catalog (+ markdown)", times, BUDGET_REPORT_S,
            f"{report.counts()['added']:,} offerings")


def peer_catalog_load() -> float:
    """genai-prices: import and load its whole bundled catalog in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); "
        "from genai_prices import data_snapshot; s = data_snapshot.get_snapshot(); "
        "n = sum(len(p.models) for p in s.providers); "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recordings", type=Path, default=REPO.parent / "shared/fixtures/upstream",
                        help="folder with recordings.json (default: ../shared/fixtures/upstream)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.recordings / "recordings.json").exists():
        args.recordings = REPO / "tests/fixtures/upstream"
    files = recorded_routes(args.recordings)
    registered = set(json.loads((REPO / "metadata/sources.json").read_text())["sources"])
    sources = sorted({route.split("/", 1)[0] for route in files} & registered)
    server = Server(files)
    rows = []
    try:
        seed, again = [], []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as scratch:
                root = Path(scratch) / "metadata"
                root.mkdir()
                for name in ("sources.json", "vendors.json"):
                    shutil.copy(REPO / "metadata" / name, root / name)
                seed.append(refresh_once(root, server, sources))
                again.append(refresh_once(root, server, sources))
        rows.append(("full refresh, empty tree (seed)", [t for t, _ in seed], BUDGET_REFRESH_S, seed[0][1]))
        rows.append(("full refresh, nothing new", [t for t, _ in again], BUDGET_REFRESH_S, again[0][1]))
        validate_times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            validate_tree(REPO / "metadata")
            validate_times.append(time.perf_counter() - start)
        rows.append(("validate metadata/", validate_times, BUDGET_VALIDATE_S, ""))
        rows.append(report_row(args.runs))
    finally:
        server.close()
    peer = statistics.median(peer_catalog_load() for _ in range(args.runs))
    print(f"sources: {', '.join(sources)} (from {args.recordings})")
    print(f"reference: genai-prices import + load of its bundled catalog: {peer * 1000:.0f} ms\n")
    print(f"{'operation':<44} {'median':>9} {'budget':>8} {'in budget':>10} {'÷ genai-prices load':>20}  note")
    for name, times, budget, note in rows:
        median = statistics.median(times)
        print(f"{name:<44} {median:>8.2f}s {budget:>7.0f}s {'yes' if median <= budget else 'NO':>10} "
              f"{median / peer:>19.1f}×  {note}")


if __name__ == "__main__":
    main()
