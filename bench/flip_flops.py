"""How often the published price flips back when two catalogs that disagree are replayed in turn.

For every pair (A, B) of community catalogs: the committed tree, then A, B and A again as three
daily refreshes (each recording re-dated a day after the last, as if re-fetched), and a count of
the offerings whose published token prices the third run changes — a price taken back by a
catalog that only repeated itself. The truth engine's goal is 0 (issue 26).

    python bench/flip_flops.py [--recordings ../shared/fixtures/upstream] [--catalogs litellm portkey …]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from refresher.run.payloads import replay_payloads  # noqa: E402
from refresher.run.refresh import run_refresh  # noqa: E402
from refresher.tree.store import load_tree  # noqa: E402

CATALOGS = ("modelsdev", "litellm", "genai-prices", "portkey", "langfuse")
DAYS = ("2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z")


def _prices(root: Path) -> dict[str, tuple]:
    tree = load_tree(root)
    return {f"{p}/{u}": tuple(sorted((k, v) for k, v in (o.get("price") or {}).items() if isinstance(v, (int, float))))
            for p, record in tree.providers.items() for u, o in record["offerings"].items()}


def flips(recordings: Path, a: str, b: str) -> tuple[int, list[str]]:
    """The offerings whose prices the second A changes: A said nothing new, so any is a flip."""
    payloads, errors = replay_payloads(recordings, [a, b])
    if errors:
        raise SystemExit(f"{errors}")
    by_source = {p.source: p for p in payloads}
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "metadata"
        shutil.copytree(REPO / "metadata", root, ignore=shutil.ignore_patterns(".faimeta*"))
        states = []
        for day, source in zip(DAYS, (a, b, a), strict=True):
            run_refresh(root, [dataclasses.replace(by_source[source], observed_at=day)], say=lambda _: None)
            states.append(_prices(root))
    changed = sorted(k for k in states[1] if states[1][k] != states[2].get(k))
    return len(changed), changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recordings", type=Path, default=REPO.parent / "shared" / "fixtures" / "upstream")
    parser.add_argument("--catalogs", nargs="+", default=list(CATALOGS))
    args = parser.parse_args()
    total = 0
    for a, b in itertools.permutations(args.catalogs, 2):
        count, changed = flips(args.recordings, a, b)
        total += count
        print(f"{a} → {b} → {a}: {count} offering(s) flipped back" + (f" (e.g. {', '.join(changed[:3])})" if count else ""))
    print(f"total: {total}")


if __name__ == "__main__":
    main()
