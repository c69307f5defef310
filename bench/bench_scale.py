"""How the write side grows: catalogs at 1×, 3× and 10× today's, each operation timed as a ratio
to the physical floor — parsing every metadata file of the same size — in the same run (issue 17).

The larger catalogs are derived from the committed one, deterministically: every provider is
copied (n−1) times as ``<provider>-s<k>`` with its offerings, their prices moved by a small
deterministic factor, and their disagreements and history kept — the realistic shape (many
providers, many offerings per model, a provenance entry per fact). The recorded Models.dev
listing lists each copy too (``--recordings``, default ``../shared/fixtures/upstream``), so the
sources' responses grow with the catalog, and a first refresh settles the copies. Rows at each
size, each the best of ``--runs``:

* parse: ``json.loads`` of every metadata file, the collector paused as the operations run it
  (the floor); parse_inputs: the same for the sources' responses;
* validate: ``faimeta validate`` (shape, integrity, sanity);
* status, show: ``faimeta status --provider anthropic`` and ``faimeta show
  anthropic/claude-sonnet-4.5`` (one model, its offerings cheapest first), run in-process,
  with the tree's index in place (:mod:`refresher.tree.index`); status_reindexing: the same
  status after the index was removed (the first command after a change re-reads what changed);
* refresh, nothing new: a real replay of the recorded sources onto the settled tree (the bench
  stops if it writes anything); with 10 % changed: every tenth offering's input price moved,
  which the replay changes back; and the peak memory of a refresh in a fresh interpreter — the
  floor of these is parsing the tree and the responses; without recordings they are left out;
* diff: the change report between the tree and its 10 %-changed copy;
* build: ``faimeta build``'s catalog into a new folder — v1/ (what consumers fetch), the feeds;
* build_output_io: encoding, hashing and writing the files that build wrote — what any build
  of that output must do, the build's own floor;
* build_site: the static site beside it (~2,000 pages at 1×, rendered through the consumer);
* build_unchanged, build_one_provider: a build into the folder of a clean one (with the site),
  with its memory (:mod:`refresher.publish.memory`) — of the same tree, then with one
  provider's price changed — as a share of that clean build (budgets: 10 % and 25 %);
* consumer: DESIGN.md's budgets on the built catalog in fresh interpreters — cold start and its
  memory, a price, a resolve cached, first time and of an unknown id.

It prints each as seconds and as a ratio to the floor at that size, and each operation's growth
from the smallest size to the largest (10× data → ≤ 11× is "linear"). ``--json`` prints the rows
for machines; ``--sizes 1 3`` runs fewer sizes (CI's smoke runs 1 and 3).
"""

from __future__ import annotations

import argparse
import compileall
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UPSTREAM = REPO.parent / "shared" / "fixtures" / "upstream"
TARGETS = {"validate": 5.0, "refresh_nothing_new": 10.0, "build": 5.0}  # × the parse floor (issue 17)
SCALED_PRICES = ("input", "output", "cache_read", "cache_write")


def _scale_price(price: dict, k: int) -> None:
    """Move a copy's token prices by a small deterministic factor (copy k: ×(1 + k/100))."""
    for name in SCALED_PRICES:
        if isinstance(price.get(name), (int, float)) and price[name]:
            price[name] = round(price[name] * (1 + 0.01 * k), 6)


def scaled_tree(factor: int, into: Path) -> Path:
    """The committed metadata with every provider copied ``factor - 1`` more times as
    ``<provider>-s<k>``: its offerings, their prices moved (:func:`_scale_price`), their
    provenance, agreements, disagreements and history kept."""
    root = into / "metadata"
    shutil.copytree(REPO / "metadata", root)
    providers = sorted((REPO / "metadata" / "providers").glob("*.json"))
    for k in range(1, factor):
        for path in providers:
            record = json.loads(path.read_text())
            slug = f"{record['id']}-s{k}"
            record["id"], record["name"] = slug, f"{record['name']} ({k})"
            for offering in record["offerings"].values():
                _scale_price(offering.get("price") or {}, k)
            (root / "providers" / f"{slug}.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return root


def scaled_recordings(factor: int, into: Path, upstream: Path = UPSTREAM) -> Path:
    """The recorded sources (``shared/fixtures/upstream``, linked, not copied) with Models.dev —
    the source that lists every provider — listing each copy of :func:`scaled_tree` too, at the
    same moved prices: the inputs grow with the catalog."""
    out = into / "upstream"
    upstream = upstream.resolve()  # linked from another folder: a relative path would point nowhere
    for path in sorted(upstream.rglob("*")):
        if path.is_file():
            (out / path.relative_to(upstream)).parent.mkdir(parents=True, exist_ok=True)
            (out / path.relative_to(upstream)).symlink_to(path)
    from refresher.run.payloads import newest_recordings

    listing = out / newest_recordings(upstream)["modelsdev"][2]
    data = json.loads(listing.read_bytes())
    for k in range(1, factor):
        for key, provider in list(data.items())[: len(data)]:
            if "-s" in key:
                continue
            copy = json.loads(json.dumps(provider))
            copy["id"], copy["name"] = f"{provider['id']}-s{k}", f"{provider.get('name')} ({k})"
            for model in copy.get("models", {}).values():
                _scale_price(model.get("cost") or {}, k)
            data[f"{key}-s{k}"] = copy
    listing.unlink()
    listing.write_text(json.dumps(data))
    return out


def changed_copy(root: Path, into: Path) -> Path:
    """``root`` with every tenth offering's input price moved ×1.5 (10 % of the catalog changed)."""
    copy = into / "changed" / "metadata"
    shutil.copytree(root, copy)
    n = 0
    for path in sorted((copy / "providers").glob("*.json")):
        record = json.loads(path.read_text())
        for offering in record["offerings"].values():
            n += 1
            price = offering.get("price") or {}
            if n % 10 == 0 and isinstance(price.get("input"), (int, float)) and price["input"]:
                price["input"] = round(price["input"] * 1.5, 6)
        path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return copy


#: The consumer on the built catalog, in a fresh interpreter: the DESIGN.md budgets, which must
#: hold at every size (issue 17). Times are after the interpreter started; memory is the peak
#: above what the interpreter had before importing gate_consumer.
_CONSUMER = """
import json, random, statistics, sys, time, timeit
def peak():
    with open('/proc/self/status') as f:
        return next(int(l.split()[1]) for l in f if l.startswith('VmHWM')) / 1024
before = peak()
start = time.perf_counter()
from gate_consumer import CatalogError, Usage
from gate_consumer.loading import load_directory
catalog = load_directory(sys.argv[1])
catalog.price("claude-sonnet-4-5", input_tokens=12000, output_tokens=800, cache_read_tokens=2000)
cold = time.perf_counter() - start
mib = peak() - before
catalog.warm()  # the load's background build done (this waits for it): steady state, as a gateway serves
usage = Usage(input_tokens=12000, output_tokens=800, cache_read_tokens=2000)
offering = catalog.pick_offering("claude-sonnet-4-5")
per = lambda call, n: min(timeit.repeat(call, number=n, repeat=5)) / n * 1e6
price = per(lambda: catalog.price(offering, usage), 20000)
catalog.resolve("claude-sonnet-4-5-20250929")
cached = per(lambda: catalog.resolve("claude-sonnet-4-5-20250929"), 100000)
firsts = []
for model in catalog.model_ids[:400]:
    for key in catalog.model(model).offering_keys[:1]:
        catalog._resolver.forget(key)
        t = time.perf_counter(); catalog.resolve(key); firsts.append((time.perf_counter() - t) * 1e6)
rng = random.Random(7)
unknown = []
for name in [f"claude-sonet-{rng.randint(0, 99999)}" for _ in range(100)] + [f"gpt-{rng.randint(0, 999)}o-minii" for _ in range(100)]:
    t = time.perf_counter()
    try:
        catalog.resolve(name)
    except CatalogError:
        pass
    unknown.append((time.perf_counter() - t) * 1e6)
print(json.dumps({"consumer_cold": cold, "consumer_cold_mib": mib, "consumer_price_us": price,
                  "consumer_resolve_cached_us": cached, "consumer_resolve_first_us": statistics.median(firsts),
                  "consumer_resolve_unknown_us": statistics.median(unknown)}))
"""
#: DESIGN.md's consumer budgets, per row of :data:`_CONSUMER`
CONSUMER_BUDGETS = {"consumer_cold": (0.060, "s"), "consumer_cold_mib": (30, "MiB"), "consumer_price_us": (3, "µs"),
                    "consumer_resolve_cached_us": (1, "µs"), "consumer_resolve_first_us": (20, "µs"),
                    "consumer_resolve_unknown_us": (1000, "µs")}


def _write_all(files: dict[Path, str], into: Path) -> None:
    """What any build of these files must do at least: encode each, hash it, write it."""
    import hashlib

    for rel, text in files.items():
        data = text.encode()
        hashlib.sha256(data).hexdigest()
        (into / rel).parent.mkdir(parents=True, exist_ok=True)
        (into / rel).write_bytes(data)


def _parse_bodies(payloads) -> None:
    """Parse every recorded body as a source's adapter must: one JSON document, or one per
    line (Azure's NDJSON)."""
    for payload in payloads:
        for body in payload.bodies:
            try:
                json.loads(body)
            except ValueError:
                [json.loads(line) for line in body.splitlines() if line.strip()]


def _command(argv: list[str], runs: int, *, warm: bool = True) -> float:
    """The median time of ``faimeta <argv>`` in this interpreter — ``warm``: after a first run,
    which leaves the tree's index in place — failing loudly if it fails."""
    from typer.testing import CliRunner

    from refresher.cli import app

    def run() -> None:
        result = CliRunner().invoke(app, argv)
        if result.exit_code:
            raise SystemExit(f"faimeta {' '.join(argv)} failed ({result.exit_code}): {result.output}")

    if warm:
        run()
    return _seconds(run, runs)


def _seconds(call, runs: int) -> float:
    """The best of ``runs`` timings: on a shared machine the noise only ever adds (timeit's rule)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def _refresh_rows(row: dict[str, float], root: Path, changed: Path, recordings: Path, payloads: list,
                  sources: list[str]) -> None:
    """A replay refresh with nothing new and with 10 % changed, and a refresh's peak memory in a
    fresh interpreter; stops if the refresh with nothing new writes anything."""
    from refresher.run.refresh import run_refresh

    quiet = lambda _: None  # noqa: E731
    outcome: dict[str, list[str]] = {}
    row["refresh_nothing_new"] = _seconds(
        lambda: outcome.setdefault("nothing_new", run_refresh(root, payloads, say=quiet).written), 1)
    row["refresh_10pct_changed"] = _seconds(
        lambda: outcome.setdefault("changed", run_refresh(changed, payloads, say=quiet).written), 1)
    if outcome["nothing_new"]:
        raise SystemExit(f"a refresh with nothing new wrote {len(outcome['nothing_new'])} file(s) at {row['factor']}×")
    row["refresh_10pct_files_written"] = len(outcome["changed"])
    code = ("import resource; from pathlib import Path; from refresher.run.payloads import replay_payloads; from refresher.run.refresh import run_refresh; "
            f"p, _ = replay_payloads(Path({str(recordings)!r}), {sources!r}); "
            f"run_refresh(Path({str(root)!r}), p, say=lambda _: None); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    row["refresh_peak_mib"] = int(done.stdout.split()[-1]) / 1024  # Linux: KiB


def _incremental_rows(row: dict[str, float], root: Path, work: Path) -> None:
    """A clean build with the site (remembering what it made), then into the same folder: the
    same tree again, and the tree with one provider's price changed (issue 28, point 3)."""
    from refresher.publish.build import build
    from refresher.tree.store import load_tree

    out, memory = work / "incremental", work / "incremental-memory.json"

    def build_now() -> float:
        tree = load_tree(root)  # read from disk, as ``faimeta build`` does: not timed
        start = time.perf_counter()
        build(tree, out, schema_dir=REPO / "schema", repo=REPO, built_at="2026-12-01T00:00:00Z", memory=memory)
        return time.perf_counter() - start

    row["build_clean_with_site"] = build_now()
    row["build_unchanged"] = build_now()
    provider = root / "providers" / "anthropic.json"
    document = json.loads(provider.read_text())
    offering = next(o for o in document["offerings"].values() if (o.get("price") or {}).get("input"))
    offering["price"]["input"] = round(offering["price"]["input"] * 1.1, 6)
    provider.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    row["build_one_provider"] = build_now()


def measure(factor: int, runs: int, upstream: Path | None = UPSTREAM) -> dict[str, float]:
    """One size's row; without ``upstream`` (the recorded sources) the refresh rows are left out."""
    from refresher.publish.build import build, write_site
    from refresher.publish.feeds import changes
    from refresher.run.payloads import replay_payloads
    from refresher.run.refresh import run_refresh
    from refresher.tree.bulk import gc_paused
    from refresher.tree.index import INDEX_NAME
    from refresher.tree.store import load_tree
    from refresher.tree.validate import validate_tree

    work = Path(tempfile.mkdtemp(prefix=f"bench-scale-{factor}x-"))
    root = scaled_tree(factor, work)
    recordings = scaled_recordings(factor, work, upstream) if upstream is not None else None
    sources = sorted(json.loads((root / "sources.json").read_text())["sources"])
    payloads = replay_payloads(recordings, sources)[0] if recordings is not None else []
    quiet = lambda _: None  # noqa: E731
    if payloads:
        settled = run_refresh(root, payloads, say=quiet)  # the copies as the scaled Models.dev lists them
        if not settled.ok:
            raise SystemExit(f"the {factor}× catalog does not refresh cleanly: {settled.to_json()}")
    files = sorted(root.rglob("*.json"))
    row: dict[str, float] = {"factor": factor, "files": len(files),
                             "bytes": sum(p.stat().st_size for p in files),
                             "input_bytes": sum(len(b) for p in payloads for b in p.bodies)}
    with gc_paused():  # the floor runs as the operations do (refresher.tree.bulk)
        row["parse"] = _seconds(lambda: [json.loads(p.read_bytes()) for p in files], runs)
        if payloads:
            row["parse_inputs"] = _seconds(lambda: _parse_bodies(payloads), runs)
    row["validate"] = _seconds(lambda: validate_tree(root), runs)
    # the commands first, while this process holds little (a large heap slows every collection)
    row["status"] = _command(["status", "--root", str(root), "--provider", "anthropic", "--at", "2026-12-01"], runs)
    row["show"] = _command(["show", "anthropic/claude-sonnet-4.5", "--root", str(root), "--at", "2026-12-01"], runs)
    (root / INDEX_NAME).unlink()
    row["status_reindexing"] = _command(["status", "--root", str(root), "--provider", "anthropic", "--at", "2026-12-01"], 1,
                                        warm=False)
    changed = changed_copy(root, work)
    if payloads:
        _refresh_rows(row, root, changed, recordings, payloads, sources)  # type: ignore[arg-type]
    from refresher.review.report import compare

    row["diff"] = _seconds(lambda: compare(load_tree(root), load_tree(changed)), 1)
    tree = load_tree(root)
    outs: list[Path] = []  # each build into a folder of its own: a clean build every time

    def clean_build() -> None:
        outs.append(work / f"dist-{len(outs)}")
        build(tree, outs[-1], schema_dir=REPO / "schema", repo=REPO, site=False)

    row["build"] = _seconds(clean_build, runs)
    every = changes(tree)
    row["build_site"] = _seconds(lambda: write_site(tree, outs[-1], every), 1)
    _incremental_rows(row, root, work)
    built = {path.relative_to(outs[-1]): path.read_text(encoding="utf-8")
             for path in (outs[-1] / "v1").rglob("*") if path.is_file()}
    row["build_output_io"] = _seconds(lambda: _write_all(built, work / f"io-{time.monotonic_ns()}"), runs)
    built.clear()  # ~2.5× the tree: not kept through the consumer rows
    # As installed: pip compiles a wheel's bytecode; this checkout may run with
    # PYTHONDONTWRITEBYTECODE, which would add compiling gate_consumer to every cold start.
    compileall.compile_dir(REPO / "consumer" / "gate_consumer", quiet=1)
    consumer = [json.loads(subprocess.run([sys.executable, "-c", _CONSUMER, str(outs[-1] / "v1")],
                                          capture_output=True, text=True, check=True).stdout) for _ in range(runs)]
    for key in consumer[0]:
        row[key] = min(c[key] for c in consumer)
    shutil.rmtree(work, ignore_errors=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 3, 10])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", dest="as_json")
    parser.add_argument("--recordings", type=Path, default=UPSTREAM,
                        help="the recorded sources (recordings.json and its files); without them, no refresh rows")
    args = parser.parse_args()
    upstream = args.recordings if (args.recordings / "recordings.json").is_file() else None
    if upstream is None:
        print(f"no recorded sources in {args.recordings}: the refresh rows are left out", file=sys.stderr)
    rows = [measure(factor, args.runs, upstream) for factor in args.sizes]
    if args.as_json:
        print(json.dumps(rows, indent=2))
        return
    print(render_table(rows))


#: The refresh reads the tree and the sources' responses: its floor is parsing both.
_TREE_AND_INPUTS = ("refresh_nothing_new", "refresh_10pct_changed")
_NOT_TIMES = ("factor", "files", "bytes", "input_bytes", "refresh_peak_mib", "refresh_10pct_files_written",
              *CONSUMER_BUDGETS, "build_clean_with_site", "build_unchanged", "build_one_provider")
#: an incremental build, as a share of a clean build with the site (issue 28)
INCREMENTAL_BUDGETS = {"build_unchanged": 0.10, "build_one_provider": 0.25}


def _floor(row: dict[str, float], op: str) -> float:
    return row["parse"] + row["parse_inputs"] if op in _TREE_AND_INPUTS else row["parse"]


def render_table(rows: list[dict[str, float]]) -> str:
    """The rows as a table: seconds, the ratio to the floor at that size, the growth."""
    lines = [f"{'operation':<22}" + "".join(
        f"{str(r['factor']) + '× (' + format(r['bytes'] / 1e6, '.0f') + ' + ' + format(r['input_bytes'] / 1e6, '.0f') + ' MB)':>27}"
        for r in rows) + (f"{'growth':>10}" if len(rows) > 1 else "")]
    for op in [k for k in rows[0] if k not in _NOT_TIMES]:
        cells = "".join(f"{r[op]:>10.3f} s {r[op] / _floor(r, op):>6.1f}× floor".rjust(27) for r in rows)
        growth = f"{rows[-1][op] / rows[0][op]:>9.1f}×" if len(rows) > 1 else ""
        target = f"  (target ≤ {TARGETS[op]:g}×)" if op in TARGETS else ""
        lines.append(f"{op + ('*' if op in _TREE_AND_INPUTS else ''):<22}{cells}{growth}{target}")
    if "refresh_peak_mib" in rows[0]:
        lines.append(f"{'refresh peak memory':<22}" + "".join(f"{r['refresh_peak_mib']:>14.0f} MiB{'':>9}"
                                                             for r in rows) + "  (target < 1 GiB at 10×)")
        lines.append(f"{'10 % changed: written':<22}" + "".join(f"{r['refresh_10pct_files_written']:>14.0f} files{'':>7}"
                                                                 for r in rows))
        lines.append("* its floor: parsing the tree and the sources' responses (parse + parse_inputs)")
    lines.append(f"\n{'clean build + site':<22}" + "".join(f"{r['build_clean_with_site']:>10.3f} s{'':>15}" for r in rows)
                 + (f"{rows[-1]['build_clean_with_site'] / rows[0]['build_clean_with_site']:>9.1f}×" if len(rows) > 1 else ""))
    for key, budget in INCREMENTAL_BUDGETS.items():
        cells = "".join(f"{r[key]:>10.3f} s {r[key] / r['build_clean_with_site'] * 100:>5.1f} % of clean".rjust(27)
                        for r in rows)
        verdict = "ok" if all(r[key] <= budget * r["build_clean_with_site"] for r in rows) else "OVER"
        lines.append(f"{key:<22}{cells}  (budget ≤ {budget * 100:g} %: {verdict})")
    lines.append("\nthe consumer on the built catalog (DESIGN.md budgets):")
    for key, (budget, unit) in CONSUMER_BUDGETS.items():
        scale = 1000 if unit == "s" else 1
        shown = "ms" if unit == "s" else unit
        lines.append(f"{key.removeprefix('consumer_'):<22}" + "".join(f"{r[key] * scale:>14.2f} {shown:<4}{'':>8}"
                                                                      for r in rows)
                     + f"  (budget ≤ {budget * scale:g} {shown})")
    if len(rows) > 1:
        inputs = (f"{rows[-1]['input_bytes'] / rows[0]['input_bytes']:.1f}× (inputs) " if rows[0]["input_bytes"] else "")
        lines.append(f"\ndata grew {rows[-1]['bytes'] / rows[0]['bytes']:.1f}× (tree), {inputs}from {rows[0]['factor']}× to "
                     f"{rows[-1]['factor']}×; an operation is linear when it grows no more than the data (≤ 11× for 10×)")
    return "\n".join(lines)

if __name__ == "__main__":
    main()
