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
