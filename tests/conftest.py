from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from pytest_httpserver import HTTPServer

from refresher.run.payloads import replay_payloads, url_variable
from refresher.run.refresh import run_refresh
from tests.catalog_site import Site

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
UPSTREAM = FIXTURES / "upstream"

#: The instant every test runs at: no test reads the wall clock (a test that depended on it once
#: failed every evening, inside DeepSeek's off-peak hours). A test about time passes ``at=``;
#: ``FAIMETA_TEST_NOW=…`` runs the whole suite at another instant, to show that none depends on it.
TEST_NOW = os.environ.get("FAIMETA_TEST_NOW") or "2026-12-06T12:00:00Z"
FROZEN = datetime.fromisoformat(TEST_NOW.replace("Z", "+00:00"))


def pytest_configure(config: pytest.Config) -> None:
    """Every process the suite starts reads the same clock: Python children through
    ``tests/frozen_clock/sitecustomize.py``, git through its date variables."""
    os.environ["FAIMETA_TEST_NOW"] = TEST_NOW
    clock = str(Path(__file__).resolve().parent / "frozen_clock")
    if clock not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (clock, os.environ.get("PYTHONPATH")) if p)
    git_date = f"{int(FROZEN.timestamp())} +0000"
    os.environ["GIT_AUTHOR_DATE"] = os.environ["GIT_COMMITTER_DATE"] = git_date


@pytest.fixture(autouse=True)
def frozen_clock():
    """The wall clock of this test stands still at ``TEST_NOW`` (``time.monotonic`` runs on)."""
    with time_machine.travel(FROZEN, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def own_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Caches a test makes by default (a build's memory, a consumer's downloads) go to a folder
    of the test run's, not the user's home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache-home"))


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every source URL points at a closed local port unless a test serves it: no test can
    reach the internet by forgetting an override."""
    from refresher.sources.registry import ADAPTERS

    for source in ADAPTERS:
        monkeypatch.setenv(url_variable(source), f"http://127.0.0.1:9/{source}")


@pytest.fixture
def empty_tree(tmp_path: Path) -> Path:
    """A metadata/ folder with the committed registries and no records."""
    root = tmp_path / "metadata"
    root.mkdir()
    for name in ("sources.json", "vendors.json"):
        shutil.copy(REPO / "metadata" / name, root / name)
    return root


@pytest.fixture
def seeded_tree(empty_tree: Path) -> Path:
    """``empty_tree`` after replaying the trimmed Models.dev and OpenRouter recordings."""
    payloads, errors = replay_payloads(UPSTREAM, ["modelsdev", "openrouter"])
    assert not errors
    result = run_refresh(empty_tree, payloads, say=lambda _: None)
    assert result.ok, result.to_json()
    return empty_tree


@pytest.fixture
def repo_tree(seeded_tree: Path) -> Path:
    """The seeded tree inside a git repository with an identity (the reviewer)."""
    repo = seeded_tree.parent
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "config", "user.name", "Rita Reviewer"], cwd=repo, check=True)
    subprocess.run(["git", "config", "user.email", "rita@example.test"], cwd=repo, check=True)
    return seeded_tree


@pytest.fixture
def build_catalog(tmp_path: Path):
    """Build a metadata folder into ``tmp_path/dist`` and load it as a consumer would."""
    from gate_consumer.loading import load_directory
    from refresher.publish.build import build
    from refresher.tree.store import load_tree

    def _build(root: Path):
        out = tmp_path / "dist"
        build(load_tree(root), out, schema_dir=REPO / "schema", built_at="2026-08-01T00:00:00Z", repo=REPO)
        return load_directory(out / "v1")

    return _build


@pytest.fixture
def dist(seeded_tree: Path, tmp_path: Path) -> Path:
    """The seeded tree built as a published ``v1`` folder."""
    from refresher.publish.build import build
    from refresher.tree.store import load_tree

    out = tmp_path / "dist"
    build(load_tree(seeded_tree), out, schema_dir=REPO / "schema", built_at="2026-08-01T00:00:00Z", repo=REPO)
    return out / "v1"


@pytest.fixture
def host():
    """A local HTTP server of this test's own, which the test may stop (the host going down)."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    if server.is_running():
        server.stop()


@pytest.fixture
def site(host: HTTPServer, dist: Path) -> Site:
    return Site(host, dist)
