"""The published tree does not depend on the order in which sources speak (issue 26).

Every source's recording in ``../shared/fixtures/upstream`` (the one the seed uses; and in
``tests/fixtures/upstream``, a small copy, on a machine without the shared recordings) is
replayed one refresh per source, the way daily runs would see them, in date order, in reverse and in two shuffled
orders. A confirm-only catalog can only confirm an offering that exists when it speaks, so an
order is replayed round after round (the next day's runs, every source saying the same again)
until a round writes nothing; that settled tree must be the same for every order, and the
same as one run of every source together (the committed seed). Replaying date order once more
on a settled tree changes nothing: no oscillation (A, B, A).
"""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import pytest

from refresher.run.payloads import Payload, newest_recordings, replay_payloads
from refresher.run.refresh import run_refresh
from refresher.sources.registry import ADAPTERS
from tests.conftest import UPSTREAM

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("replay_orders")]

#: a settled tree takes a round for the creators and one for the catalogs that came before
#: them; day-one pricing (issue 31) adds up to two: a catalog's pending price waits for a
#: rule-based catalog to run after it, and what that creates is confirmed by the catalogs that
#: ran before it. A sixth round means the rule oscillates
MAX_ROUNDS = 5
METADATA = Path(__file__).resolve().parents[1] / "metadata"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "upstream"


def _payloads(recordings: Path) -> dict[str, Payload]:
    sources = sorted(set(ADAPTERS) & set(newest_recordings(recordings)))
    payloads, errors = replay_payloads(recordings, sources)
    assert errors == {}
    return {p.source: p for p in payloads}


def _fresh_tree(tmp: Path, name: str) -> Path:
    root = tmp / name / "metadata"
    root.mkdir(parents=True)
    for registry in ("sources.json", "vendors.json"):
        shutil.copy(METADATA / registry, root / registry)
    return root


def _tree_bytes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.json")) if not p.name.startswith(".")}


def _replay_round(root: Path, order: list[str], payloads: dict[str, Payload]) -> list[str]:
    written = []
    for source in order:
        result = run_refresh(root, [payloads[source]], say=lambda _: None)
        assert not result.invalid, result.to_json()
        written += result.written
    return written


def _settle(root: Path, order: list[str], payloads: dict[str, Payload]) -> int:
    for round_number in range(1, MAX_ROUNDS + 1):
        if not _replay_round(root, order, payloads):
            return round_number
    raise AssertionError(f"{order}: still changing after {MAX_ROUNDS} rounds")


def _differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    recordings = SHARED if SHARED.is_dir() else UPSTREAM
    tmp = tmp_path_factory.mktemp("orders")
    payloads = _payloads(recordings)
    by_date = [p.source for p in sorted(payloads.values(), key=lambda p: (p.observed_at, p.source))]
    shuffled = random.Random(26)
    orders = {"date": by_date, "reverse": by_date[::-1],
              "shuffled-1": shuffled.sample(by_date, len(by_date)), "shuffled-2": shuffled.sample(by_date, len(by_date))}
    trees = {}
    one_run = _fresh_tree(tmp, "one-run")
    assert not run_refresh(one_run, list(payloads.values()), say=lambda _: None).invalid
    trees["one-run"] = _tree_bytes(one_run)
    for name, order in orders.items():
        root = _fresh_tree(tmp, name)
        _settle(root, order, payloads)
        trees[name] = _tree_bytes(root)
        if name == "date":  # A, B, A: the same recordings once more change nothing
            assert _replay_round(root, order, payloads) == []
    return trees


@pytest.mark.parametrize("order", ["date", "reverse", "shuffled-1", "shuffled-2"])
def test_every_order_settles_on_the_tree_of_one_run(settled: dict[str, dict[str, str]], order: str) -> None:
    assert _differences(settled["one-run"], settled[order]) == []
