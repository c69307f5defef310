"""Benchmark of loading a catalog from a URL (issue 28), against genai-prices and the floor, in one run.

    python -m pip install -e ./consumer -e '.[bench]' && python bench/bench_load.py [--runs N]

The committed metadata is built once (``v1/`` with its pack) and served from a local HTTP
server on 127.0.0.1 that adds a latency to every request (0, 20 and 50 ms: a host next door, a
CDN, a host a continent away) and gzip-encodes what a client asks it to, as CDNs do. Rows:

* **cold load** (an empty cache): ``gate_consumer`` as it loads (the manifest, then the pack)
  — the committed metadata's build, whose files the bundled snapshot holds as a package
  released with it does (only what differs from the bundle is checked), and **unlike bundle**:
  every file one space longer, so that none is the bundle's and every one is checked (an old
  package); the same host without a pack (every file on its own, on up to eight connections); against
  **the floor** — one GET of the pack, gzip, inflated and hashed (the least a checked load
  reads) — and genai-prices fetching its own ``data.json`` from the same server
  (``UpdatePrices``: one GET and its validation).
* **one provider changed**: the CPU time of the loading thread (a change of a few files is
  fetched on it) for a load whose cache holds the previous build — the manifest, one
  provider's file and the pack are new — and for Gate's ``LiveCatalog`` refreshing (it holds
  the files it checked), against their floor: hashing and parsing the files that changed.

Each load's cache is a new folder where a user's cache lives (``$XDG_CACHE_HOME`` or
``~/.cache``), not under ``/tmp``: creating a file there can cost ten times as much (measured:
150 files in 113 ms under /tmp, 11 ms under ~/.cache on this machine).

Wall times at a given latency are mostly waiting; the ratio to the floor says how many round
trips, and how much work, a load adds. Budgets (issue 28): cold load at 50 ms ≤ 1 s; a
one-provider change ≤ 50 ms of CPU.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import http.server
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
GENAI_DATA = REPO.parent / "shared" / "fixtures" / "upstream" / "genai-prices" / "data.json"

BUDGET_COLD_50MS_S = 1.0
BUDGET_CHANGE_CPU_MS = 50.0


class Host(http.server.ThreadingHTTPServer):
    """A static host with a latency per request, gzip on request, and a switch for the pack."""

    daemon_threads = True

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
        self.root = root
        self.latency = 0.0
        self.without_pack = False
        self._gzipped: dict[str, bytes] = {}
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{path}"

    def gzipped(self, path: Path) -> bytes:
        data = path.read_bytes()
        key = hashlib.sha256(data).hexdigest()
        if key not in self._gzipped:  # compressed once, as a CDN's cache would
            self._gzipped[key] = gzip.compress(data, compresslevel=6, mtime=0)
        return self._gzipped[key]


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: Host
    protocol_version = "HTTP/1.1"  # keep-alive, as every CDN

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(self.server.latency)
        path = self.server.root / self.path.lstrip("/").split("?", 1)[0]
        if not path.is_file() or (self.server.without_pack and path.name == "consumer.pack"):
            self.send_error(404)
            return
        gz = "gzip" in self.headers.get("Accept-Encoding", "")
        body = self.server.gzipped(path) if gz else path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if gz:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self.wfile.write(body)


def build(out: Path, metadata: Path) -> Path:
    from refresher.publish.build import build as build_v1
    from refresher.tree.store import load_tree

    build_v1(load_tree(metadata), out, schema_dir=REPO / "schema", built_at="2026-12-01T00:00:00Z", repo=REPO,
             site=False)
    return out / "v1"


def changed_copy(v1: Path, out: Path) -> Path:
    """The build again with one provider's price changed: its file, the index's confirmations
    and the manifest are new, the rest is the same bytes."""
    rel = "providers/anthropic.json"
    document = json.loads((v1 / rel).read_text())
    offering = next(o for o in document["offerings"].values() if (o.get("price") or {}).get("input"))
    offering["price"]["input"] *= 1.1
    changed = (json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n").encode()
    return republished(v1, out, {rel: changed}, "-changed")


def unlike_bundle(v1: Path, out: Path) -> Path:
    """The build with every file a consumer reads one space longer (the same facts, other bytes): a
    catalog that shares no file with the snapshot bundled in the package, as an old package
    meets it — every file is checked on a cold load (one that shares the bundle's files checks
    only those that differ)."""
    files = {rel: (v1 / rel).read_bytes() + b" " for rel in unpack_names(v1)}  # other bytes, the same JSON and size
    return republished(v1, out, files, "-unlike")


def republished(v1: Path, out: Path, changed: dict[str, bytes], version_suffix: str) -> Path:
    """A copy of the build ``v1`` at ``out`` with the files of ``changed`` replaced, its pack made
    again of what it now serves, and its manifest listing them (a new catalog version)."""
    from gate_consumer.pack import PACK, pack

    shutil.copytree(v1, out)
    for rel, data in changed.items():
        (out / rel).write_bytes(data)
    (out / PACK).write_bytes(pack({rel: (out / rel).read_bytes() for rel in unpack_names(out)}))
    manifest = json.loads((out / "manifest.json").read_text())
    for name in [*changed, PACK]:
        data = (out / name).read_bytes()
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    manifest["catalog_version"] += version_suffix
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def unpack_names(v1: Path) -> list[str]:
    from gate_consumer.pack import CONSUMER_FILES

    manifest = json.loads((v1 / "manifest.json").read_text())
    return sorted(rel for rel in manifest["files"] if rel.startswith(CONSUMER_FILES))


def median_s(runs: int, once) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cache_folder() -> tempfile.TemporaryDirectory:
    """A new, empty cache folder beside the default one (see the module docstring)."""
    from gate_consumer.loading import default_cache_dir

    parent = default_cache_dir().parent
    parent.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="bench-load-", dir=parent)


def ours(url: str) -> None:
    from gate_consumer.loading import load

    with cache_folder() as cache:
        catalog = load(url, cache_dir=cache, warm=False)
        assert catalog.origin == "url", catalog.fallback_reason


def floor(url: str, size: int) -> None:
    """One GET of the pack, gzip, inflated and hashed: the least a checked cold load reads."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        data = gzip.decompress(response.read())
    assert len(data) == size
    hashlib.sha256(data).hexdigest()


_GENAI_CHILD = """
import sys, time
from genai_prices.update_prices import UpdatePrices
updater = UpdatePrices(url=sys.argv[1])
start = time.perf_counter()
updater.start(wait=True)  # its one GET and its validation (as a context manager, start() would not wait)
print(time.perf_counter() - start)
updater.stop()
"""


def genai(url: str, runs: int) -> float:
    """genai-prices fetching its data.json: in a fresh interpreter each time, since its shared
    updater keeps what it fetched (a second start in one process does not fetch again)."""
    import subprocess

    times = [float(subprocess.run([sys.executable, "-c", _GENAI_CHILD, url], capture_output=True, text=True,
                                  check=True).stdout.split()[-1]) for _ in range(runs)]
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="loads per row (the median is shown)")
    parser.add_argument("--latencies", type=float, nargs="+", default=[0, 20, 50], help="ms added to each request")
    parser.add_argument("--metadata", type=Path, default=REPO / "metadata", help="the metadata/ folder to build")
    args = parser.parse_args()

    from gate_consumer.pack import PACK

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        v1 = build(tmp / "build", args.metadata.resolve())
        (tmp / "site").mkdir()
        shutil.copytree(v1, tmp / "site" / "v1")
        changed_copy(v1, tmp / "site" / "v2")
        unlike_bundle(v1, tmp / "site" / "unlike")
        if GENAI_DATA.is_file():
            (tmp / "site" / "genai").mkdir()
            shutil.copy(GENAI_DATA, tmp / "site" / "genai" / "data.json")
        host = Host(tmp / "site")
        pack_size = (v1 / PACK).stat().st_size
        print(f"catalog: {len(unpack_names(v1))} files a consumer reads, {pack_size / 1e6:.1f} MB "
              f"({len(host.gzipped(v1 / PACK)) / 1e6:.2f} MB gzip); {args.runs} runs per row, the median\n")
        header = f"{'cold load':<34} {'latency':>8} {'ours':>9} {'floor':>9} {'ratio':>7} {'budget':>8}"
        print(header + f" {'unlike bundle':>14} {'no pack':>9} {'genai-prices':>13}")
        print("-" * (len(header) + 39))
        for latency in args.latencies:
            host.latency = latency / 1000
            host.without_pack = False
            mine = median_s(args.runs, lambda: ours(host.url("v1/")))
            unlike = median_s(args.runs, lambda: ours(host.url("unlike/")))
            least = median_s(args.runs, lambda: floor(host.url(f"v1/{PACK}"), pack_size))
            host.without_pack = True
            each = median_s(args.runs, lambda: ours(host.url("v1/")))
            host.without_pack = False
            peer = genai(host.url("genai/data.json"), args.runs) if GENAI_DATA.is_file() else None
            budget = f"{BUDGET_COLD_50MS_S:.1f} s" if latency == 50 else ""
            ok = "" if latency != 50 else (" ok" if max(mine, unlike) <= BUDGET_COLD_50MS_S else " OVER")
            print(f"{'gate_consumer (manifest + pack)':<34} {latency:>6.0f}ms {mine:>8.3f}s {least:>8.3f}s "
                  f"{mine / least:>6.1f}× {budget:>8}{ok} {unlike:>13.3f}s {each:>8.3f}s "
                  f"{(f'{peer:.3f}s' if peer is not None else 'n/a'):>13}")
        host.latency = 0.0
        print()
        print(f"{'one provider changed':<34} {'CPU':>9} {'floor':>9} {'ratio':>7} {'budget':>8}")
        cpu, least = [], []
        from gate_consumer.loading import LiveCatalog, load

        served = tmp / "site" / "now"
        for _ in range(args.runs):
            shutil.rmtree(served, ignore_errors=True)
            shutil.copytree(v1, served)
            with cache_folder() as cache:
                assert load(host.url("now/"), cache_dir=cache, warm=False).origin == "url"
                shutil.rmtree(served)  # the host publishes the next build at the same URL
                shutil.copytree(tmp / "site" / "v2", served)
                start = time.thread_time()  # the loading thread's CPU: the host's threads share this process
                loaded = load(host.url("now/"), cache_dir=cache, warm=False)
                cpu.append(time.thread_time() - start)
                assert loaded.origin == "url" and loaded.version.endswith("-changed"), loaded.fallback_reason
            start = time.process_time()
            new = json.loads((tmp / "site" / "v2" / "manifest.json").read_text())["files"]
            old = json.loads((v1 / "manifest.json").read_text())["files"]
            for rel in unpack_names(v1):
                if new[rel] != old[rel]:
                    data = (tmp / "site" / "v2" / rel).read_bytes()
                    hashlib.sha256(data).hexdigest()
                    json.loads(data)
            least.append(time.process_time() - start)
        live_cpu = []
        for _ in range(args.runs):
            shutil.rmtree(served, ignore_errors=True)
            shutil.copytree(v1, served)
            with cache_folder() as cache:
                live = LiveCatalog(host.url("now/"), cache_dir=cache)
                shutil.rmtree(served)
                shutil.copytree(tmp / "site" / "v2", served)
                start = time.thread_time()
                live._load()  # what refresh() does before it warms and swaps
                live_cpu.append(time.thread_time() - start)
        least_ms = max(statistics.median(least) * 1000, 0.01)
        for label, times in (("gate_consumer load (cache)", cpu), ("LiveCatalog refresh (Gate)", live_cpu)):
            mine_ms = statistics.median(times) * 1000
            ok = "ok" if mine_ms <= BUDGET_CHANGE_CPU_MS else "OVER"
            print(f"{label:<34} {mine_ms:>7.1f}ms {least_ms:>7.1f}ms {mine_ms / least_ms:>6.1f}× "
                  f"{BUDGET_CHANGE_CPU_MS:>5.0f} ms {ok}")
        host.shutdown()


if __name__ == "__main__":
    main()
