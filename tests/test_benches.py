"""The benches are measuring tools: what they set up must be what they say (issue 28, point 4)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def bench_modules(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(REPO / "bench"))
    yield
    for name in ("bench_scale", "bench_consumer"):
        sys.modules.pop(name, None)


def test_scaled_recordings_link_a_relative_recordings_folder_so_the_links_resolve(
        bench_modules, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``bench_scale.py --recordings ../x`` made links relative to the wrong folder: broken."""
    import bench_scale

    upstream = tmp_path / "recorded"
    (upstream / "modelsdev").mkdir(parents=True)
    (upstream / "modelsdev" / "api.json").write_text(json.dumps(
        {"acme": {"id": "acme", "name": "Acme", "models": {"m": {"id": "m", "cost": {"input": 1, "output": 2}}}}}))
    (upstream / "recordings.json").write_text(json.dumps(
        {"modelsdev/api.json": {"source": "modelsdev", "recorded_at": "2026-11-01T00:00:00Z"}}))
    monkeypatch.chdir(tmp_path)
    out = bench_scale.scaled_recordings(2, tmp_path / "work", Path("recorded"))
    assert json.loads((out / "recordings.json").read_text())["modelsdev/api.json"]["source"] == "modelsdev"
    assert sorted(json.loads((out / "modelsdev" / "api.json").read_text())) == ["acme", "acme-s1"]


def test_bench_children_run_as_an_installed_wheel(bench_modules, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session with PYTHONDONTWRITEBYTECODE timed the compiler on every child start (61 ms
    read where an installed wheel starts in 20 ms): children get bytecode, compiled once."""
    import bench_consumer

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    environment = bench_consumer.installed_like()
    assert "PYTHONDONTWRITEBYTECODE" not in environment
    assert environment["PATH"] == os.environ["PATH"]
    cached = list((REPO / "consumer" / "gate_consumer" / "__pycache__").glob("catalog.*.pyc"))
    assert cached, "the consumer's modules are compiled"


def test_paired_timings_alternate_so_both_meet_the_same_machine(bench_modules) -> None:
    """On a shared machine a row timed minutes after its peer compared two machines: the price
    rows read 4.1–5.8 µs in runs where genai-prices read 165–232 µs (93–162 µs on quiet days)."""
    import bench_consumer

    order: list[str] = []
    ours, peer = bench_consumer.paired_us("order.append('ours')", "order.append('peer')", {"order": order},
                                          number=2, peer_number=1, rounds=3)
    assert order == ["ours", "ours", "peer"] * 3
    assert ours > 0 and peer > 0


@pytest.mark.parametrize(("ours", "peer", "design_peer", "expected"), [
    (3.1, 185.0, 100.0, 3.1 * 100 / 185),  # a busy machine: the peer at 1.85× its design time
    (2.0, 100.0, 100.0, 2.0),  # the design's machine: as measured
    (77.0, 387.0, 180.0, 77.0 * 180 / 387),  # start-up, against the peer's 0.18 s
])
def test_paced_is_ours_at_the_pace_the_peer_had_on_the_design_machine(
        bench_modules, ours: float, peer: float, design_peer: float, expected: float) -> None:
    import bench_consumer

    assert bench_consumer.paced(ours, peer, design_peer) == pytest.approx(expected)
