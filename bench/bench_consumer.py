"""Benchmark of the read side (gate_consumer) against genai-prices, both offline, in one run.

    python -m pip install -e '.[bench]' && python bench/bench_consumer.py [--repeat N]

Rows (DESIGN.md budgets):

* import + load the bundled catalog + first price, in a fresh interpreter: time after the
  interpreter started, and peak RSS (VmHWM) above a bare interpreter;
* price one request (Claude Sonnet 4.5, with cache tokens), the offering already in hand, and
  by id (the id's resolution cached), against genai-prices' ``calc_price`` for the same request;
  and with the price model's dimensions: a service tier, a region, an off-peak offering; audio
  input at its own price (against genai-prices); a bill
  checked against the quote (``check_billed``) and the usage read from a response, both on
  every response a gateway sees (held to the price budget);
* the README's keyword form ``price(id, input_tokens=…)``;
* resolve an id: cached (the same id again), and first time (ids not seen before), against
  genai-prices' ``find_provider_model`` (which caches too; its first-time row uses a fresh
  lookup cache each time); an unknown id decided (its suggestions are not searched until the
  error's message is read) and with its message read;
* the first request of each unusual form (exact, case and dashes, route prefix, a newer
  snapshot, unknown) in a fresh interpreter at the instant the load returns (the load built
  the names they read; its background thread is pausing before the suggestion indexes), and
  once that build is done (the worst of them);
* start-up from the on-disk cache with the host down (every cached object re-hashed), in a
  fresh interpreter, against the same with the bundled snapshot.

Children run as an installed wheel does (bytecode compiled and used; see :func:`installed_like`).
* checking a downloaded catalog (every file a consumer reads) before the cache switches to it,
  against its floor: parsing the same files.

genai-prices' price includes its model lookup (there is no lookup-free entry point), so the
"by id" row is the like-for-like one.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BUDGET_START_MS, BUDGET_START_MIB = 60.0, 30.0
BUDGET_PRICE_US = 3.0
BUDGET_RESOLVE_CACHED_US, BUDGET_RESOLVE_FIRST_US = 1.0, 20.0
BUDGET_RESOLVE_UNKNOWN_US = 1000.0  # DESIGN.md: an unknown id the first time, ≤ 1 ms
BUDGET_UNKNOWN_DECIDED_US = 30.0  # issue 28: deciding an id is unknown (suggestions only when read)
BUDGET_FIRST_REQUEST_US = 1000.0  # issue 28: no first-request spike over 1 ms (the worst of the forms)

# Peak RSS of this process in KiB: VmHWM (reset by exec, unlike ru_maxrss, which keeps the
# parent's peak from before the fork on Linux).
_PEAK = (
    "def peak():\n"
    "    try:\n"
    "        with open('/proc/self/status') as f:\n"
    "            return next(int(l.split()[1]) for l in f if l.startswith('VmHWM'))\n"
    "    except OSError:\n"
    "        import resource; return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
)
_CHILD_BARE = _PEAK + "print(0.0, peak())"
_CHILD_OURS = _PEAK + """
import time; t = time.perf_counter()
import gate_consumer
c = gate_consumer.Catalog.load()
q = c.price("claude-sonnet-4-5", input_tokens=12000, output_tokens=800, cache_read_tokens=2000)
elapsed = time.perf_counter() - t
assert q.total_usd > 0
print(elapsed, peak())
"""
_CHILD_PEER = _PEAK + """
import time; t = time.perf_counter()
from genai_prices import Usage, calc_price
p = calc_price(Usage(input_tokens=12000, output_tokens=800, cache_read_tokens=2000), "claude-sonnet-4-5",
               provider_id="anthropic")
elapsed = time.perf_counter() - t
assert p.total_price > 0
print(elapsed, peak())
"""


_CHILD_CACHE = _PEAK + """
import sys, time; t = time.perf_counter()
import gate_consumer
c = gate_consumer.Catalog.load(sys.argv[1], cache_dir=sys.argv[2], timeout=5)
q = c.price("claude-sonnet-4-5", input_tokens=12000, output_tokens=800, cache_read_tokens=2000)
elapsed = time.perf_counter() - t
assert c.origin == "cache", c.describe()
print(elapsed, peak())
"""


#: The first request of each unusual form, in a fresh interpreter: at the instant the load
#: returns, and once the load's background build (the suggestion indexes) is done — as in a
#: gateway, whose start-up goes on after the catalog loaded. Microseconds: the worst form.
_FIRST_FORMS = ("claude-sonnet-4-5", "CLAUDE_SONNET_4_5", "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0",
                "claude-sonnet-4-5-20991231", "claude-sonet-4-7")
_CHILD_FIRST = """
import sys, threading, time
import gate_consumer
forms = sys.argv[2:]
c = gate_consumer.Catalog.load()
if sys.argv[1] == "warm":
    for thread in threading.enumerate():
        if thread.name == "gate-consumer-warm":
            thread.join()
times = []
for form in forms:
    start = time.perf_counter()
    try:
        c.resolve(form)
    except gate_consumer.UnknownModelError:
        pass
    times.append((time.perf_counter() - start) * 1e6)
print(max(times), 0)
"""


def filled_cache(directory: Path) -> str:
    """Serve the bundled catalog on 127.0.0.1, load it into ``directory``, stop serving; the
    URL, now with no host behind it."""
    import functools
    import http.server
    import threading

    import gate_consumer

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(REPO / "consumer" / "gate_consumer" / "_data"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/"
    try:
        catalog = gate_consumer.Catalog.load(url, cache_dir=directory)
        assert catalog.origin == "url", catalog.describe()
    finally:
        server.shutdown()
        server.server_close()
    return url


def installed_like() -> dict[str, str]:
    """The environment of a child measured as an installed wheel runs: its modules compiled
    once (pip compiles a wheel's at install), and bytecode used — a session that sets
    ``PYTHONDONTWRITEBYTECODE`` would time the compiler on every start (61 ms read as 20)."""
    import compileall
    import os

    compileall.compile_dir(REPO / "consumer" / "gate_consumer", quiet=1)
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def child(code: str, repeat: int, *args: str) -> tuple[float, float]:
    """Median seconds after interpreter start, and median peak RSS in MiB, over fresh processes."""
    times, rss = [], []
    environment = installed_like()
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                             cwd=REPO, env=environment)
        seconds, kib = out.stdout.split()
        times.append(float(seconds))
        rss.append(int(kib) / 1024)
    return statistics.median(times), statistics.median(rss)


def per_call_us(stmt, number: int) -> float:
    """Best of 5 runs, per call, in microseconds."""
    return min(timeit.repeat(stmt, number=number, repeat=5)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="fresh interpreters per start-up measurement")
    args = parser.parse_args()

    _, bare_mib = child(_CHILD_BARE, args.repeat)
    ours_s, ours_mib = child(_CHILD_OURS, args.repeat)
    peer_s, peer_mib = child(_CHILD_PEER, args.repeat)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        url = filled_cache(Path(cache))
        cache_s, cache_mib = child(_CHILD_CACHE, args.repeat, url, cache)

    first_now, _ = child(_CHILD_FIRST, args.repeat, "now", *_FIRST_FORMS)
    first_warm, _ = child(_CHILD_FIRST, args.repeat, "warm", *_FIRST_FORMS)

    import genai_prices
    from genai_prices import data_snapshot

    import gate_consumer

    catalog = gate_consumer.Catalog.load()
    catalog.warm()  # the load's background build done (this waits for it): steady state, as a gateway serves
    usage = gate_consumer.Usage(input_tokens=12000, output_tokens=800, cache_read_tokens=2000)
    offering = catalog.pick_offering("claude-sonnet-4-5")
    catalog.price("claude-sonnet-4-5", usage)
    peer_usage = genai_prices.Usage(input_tokens=12000, output_tokens=800, cache_read_tokens=2000)
    genai_prices.calc_price(peer_usage, "claude-sonnet-4-5", provider_id="anthropic")

    per_call_us(lambda: catalog.price(offering, usage), 50000)  # warm-up
    price_offering = per_call_us(lambda: catalog.price(offering, usage), 20000)
    price_by_id = per_call_us(lambda: catalog.price("claude-sonnet-4-5", usage), 20000)
    peer_price = per_call_us(lambda: genai_prices.calc_price(peer_usage, "claude-sonnet-4-5", provider_id="anthropic"),
                             2000)
    price_keywords = per_call_us(lambda: catalog.price("claude-sonnet-4-5", input_tokens=12000, output_tokens=800,
                                                       cache_read_tokens=2000), 20000)

    # The price model's dimensions: a service tier, a regional multiplier, an off-peak offering at a
    # given time (genai-prices has none of these for a like-for-like row; the budget is the same).
    gpt5 = catalog.pick_offering("gpt-5", "openai")
    flex = per_call_us(lambda: catalog.price(gpt5, usage, service_tier="flex"), 20000)
    azure = catalog.pick_offering("gpt-4.1", "azure")
    regional = per_call_us(lambda: catalog.price(azure, usage, region="data-zone"), 20000)
    deepseek = catalog.pick_offering("deepseek-v4-pro", "deepseek")
    from datetime import datetime, timezone

    night = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    off_peak_now = per_call_us(lambda: catalog.price(deepseek, usage), 20000)
    off_peak_at = per_call_us(lambda: catalog.price(deepseek, usage, at=night), 20000)
    # Audio input at its own price (Gemini 2.5 Flash), against genai-prices pricing the same usage.
    flash = catalog.pick_offering("google/gemini-2.5-flash", "google")
    audio_usage = gate_consumer.Usage(input_tokens=20000, output_tokens=500, input_audio_tokens=18000)
    catalog.price(flash, audio_usage)
    audio = per_call_us(lambda: catalog.price(flash, audio_usage), 20000)
    peer_audio_usage = genai_prices.Usage(input_tokens=20000, output_tokens=500, input_audio_tokens=18000)
    peer_audio = per_call_us(lambda: genai_prices.calc_price(peer_audio_usage, "gemini-2.5-flash",
                                                             provider_id="google"), 2000)
    billed = catalog.price(offering, usage).total_usd
    check_billed = per_call_us(lambda: catalog.check_billed(offering, usage, billed), 20000)
    from gate_consumer import usage_from_response

    body = {"model": "anthropic/claude-sonnet-4.5", "provider": "Anthropic", "usage": {
        "prompt_tokens": 12000, "completion_tokens": 800, "prompt_tokens_details": {"cached_tokens": 2000},
        "completion_tokens_details": {"reasoning_tokens": 0}, "cost": billed, "is_byok": False}}
    read_usage = per_call_us(lambda: usage_from_response(body, "openrouter"), 20000)

    catalog.resolve("claude-sonnet-4-5-20250929")
    resolve_cached = per_call_us(lambda: catalog.resolve("claude-sonnet-4-5-20250929"), 100000)
    snapshot = data_snapshot.get_snapshot()
    snapshot.find_provider_model("claude-sonnet-4-5-20250929", None, "anthropic", None)
    peer_cached = per_call_us(
        lambda: snapshot.find_provider_model("claude-sonnet-4-5-20250929", None, "anthropic", None), 100000)

    # First time: ids that are real but not yet resolved (each timed once, after the name index exists).
    names = [key for model in catalog.model_ids[:400] for key in catalog.model(model).offering_keys[:1]]
    first_times = []
    import time

    for name in names:
        catalog._resolver.forget(name)
        start = time.perf_counter()
        catalog.resolve(name)
        first_times.append((time.perf_counter() - start) * 1e6)
    resolve_first = statistics.median(first_times)
    peer_first_times = []
    peer_names = [m.id for p in snapshot.providers if p.id == "anthropic" for m in p.models]
    for name in peer_names:
        snapshot._lookup_cache.clear()
        start = time.perf_counter()
        snapshot.find_provider_model(name, None, "anthropic", None)
        peer_first_times.append((time.perf_counter() - start) * 1e6)
    peer_first = statistics.median(peer_first_times)

    # Unknown ids, each new (a client sending distinct bad ids): suggestions and all; the peer's
    # lookup of an unknown id (it has no suggestions) for comparison.
    import random

    rng = random.Random(7)
    unknown_names = ([f"claude-sonet-{rng.randint(0, 99999)}" for _ in range(100)]
                     + [f"gpt-{rng.randint(0, 999)}o-minii" for _ in range(100)]
                     + ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz-", k=20)) for _ in range(100)])
    with contextlib.suppress(gate_consumer.CatalogError):
        catalog.resolve("warm-up-the-name-index")
    unknown_times = []
    for name in unknown_names:
        start = time.perf_counter()
        with contextlib.suppress(gate_consumer.CatalogError):
            catalog.resolve(name)
        unknown_times.append((time.perf_counter() - start) * 1e6)
    resolve_unknown = statistics.median(unknown_times)
    message_times = []
    for name in unknown_names:
        start = time.perf_counter()
        try:
            catalog.resolve(name + "x")
        except gate_consumer.CatalogError as error:
            str(error)  # the message read: its did-you-mean found now
        message_times.append((time.perf_counter() - start) * 1e6)
    unknown_message = statistics.median(message_times)
    peer_unknown_times = []
    for name in unknown_names:
        start = time.perf_counter()
        with contextlib.suppress(LookupError):
            snapshot.find_provider_model(name, None, "anthropic", None)
        peer_unknown_times.append((time.perf_counter() - start) * 1e6)
    peer_unknown = statistics.median(peer_unknown_times)

    from gate_consumer.checks import check_files

    bundle = REPO / "consumer" / "gate_consumer" / "_data" / "v1"
    files = {p.relative_to(bundle).as_posix(): p.read_bytes() for p in bundle.rglob("*.json")
             if p.name != "manifest.json"}
    import json

    check_s = min(timeit.repeat(lambda: check_files(files, ""), number=1, repeat=5))
    parse_s = min(timeit.repeat(lambda: [json.loads(data) for data in files.values()], number=1, repeat=5))

    print(f"gate_consumer {catalog.version} ({len(catalog.model_ids)} models) vs genai-prices "
          f"{genai_prices.__version__ if hasattr(genai_prices, '__version__') else ''}, Python {sys.version.split()[0]}\n")
    header = f"{'operation':<46} {'ours':>12} {'budget':>10} {'ok':>4} {'genai-prices':>13} {'ours ÷ peer':>12}"
    print(header)
    print("-" * len(header))

    def row(name: str, ours: float, budget: float, peer: float | None, unit: str) -> None:
        ok = "yes" if ours <= budget else "NO"
        ratio = f"{ours / peer:.2f}×" if peer else "—"
        peer_text = f"{peer:.2f} {unit}" if peer is not None else "—"
        print(f"{name:<46} {ours:>9.2f} {unit:<2} {budget:>7.1f} {unit:<2} {ok:>4} {peer_text:>13} {ratio:>12}")

    row("import + load + first price: time", ours_s * 1000, BUDGET_START_MS, peer_s * 1000, "ms")
    row("import + load + first price: memory over bare", ours_mib - bare_mib, BUDGET_START_MIB,
        peer_mib - bare_mib, "MiB")
    row("price one request (offering in hand)", price_offering, BUDGET_PRICE_US, peer_price, "µs")
    row("price one request (by id, resolution cached)", price_by_id, BUDGET_PRICE_US, peer_price, "µs")
    row("price(id, input_tokens=…) (the README's form)", price_keywords, BUDGET_PRICE_US, peer_price, "µs")
    row("price, audio input (Gemini 2.5 Flash)", audio, BUDGET_PRICE_US, peer_audio, "µs")
    row("price, service tier flex (GPT-5, OpenAI)", flex, BUDGET_PRICE_US, None, "µs")
    row("price, region data-zone (GPT-4.1, Azure)", regional, BUDGET_PRICE_US, None, "µs")
    row("price, off-peak offering, now (DeepSeek)", off_peak_now, BUDGET_PRICE_US, None, "µs")
    row("price, off-peak offering, at a time", off_peak_at, BUDGET_PRICE_US, None, "µs")
    row("check a bill (quote + verdict, offering in hand)", check_billed, BUDGET_PRICE_US, None, "µs")
    row("read usage from a response (OpenRouter)", read_usage, BUDGET_PRICE_US, None, "µs")
    row("resolve an id, cached", resolve_cached, BUDGET_RESOLVE_CACHED_US, peer_cached, "µs")
    row("resolve an id, first time (median)", resolve_first, BUDGET_RESOLVE_FIRST_US, peer_first, "µs")
    row("resolve an unknown id, first time (median)", resolve_unknown, BUDGET_UNKNOWN_DECIDED_US, peer_unknown, "µs")
    row("  … and its message read (did-you-mean)", unknown_message, BUDGET_RESOLVE_UNKNOWN_US, None, "µs")
    row("first request of each form, load's build done", first_warm, BUDGET_FIRST_REQUEST_US, None, "µs")
    row("first request of each form, at load", first_now, BUDGET_FIRST_REQUEST_US, None, "µs")
    print(f"\n{'operation':<46} {'ours':>12} {'compared with':>36} {'ratio':>8}")
    print(f"{'start-up from the cache, host down: time':<46} {cache_s * 1000:>9.2f} ms "
          f"{'the bundled snapshot ' + format(ours_s * 1000, '.2f') + ' ms':>36} {cache_s / ours_s:>7.2f}×")
    print(f"{'start-up from the cache, host down: memory':<46} {cache_mib - bare_mib:>9.2f} MiB"
          f"{'the bundled snapshot ' + format(ours_mib - bare_mib, '.2f') + ' MiB':>36} "
          f"{(cache_mib - bare_mib) / (ours_mib - bare_mib):>7.2f}×")
    print(f"{'check a downloaded catalog (all files)':<46} {check_s * 1000:>9.2f} ms "
          f"{'parsing them (floor) ' + format(parse_s * 1000, '.2f') + ' ms':>36} {check_s / parse_s:>7.2f}×")


if __name__ == "__main__":
    main()
