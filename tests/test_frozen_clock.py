"""No test reads the wall clock: the suite's clock stands at ``TEST_NOW`` in its own process and
in every Python process it starts (tests/conftest.py, tests/frozen_clock/)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, datetime, timezone

from tests.conftest import FROZEN, REPO


def test_the_clock_of_a_test_stands_at_the_suites_instant() -> None:
    assert datetime.now(timezone.utc) == FROZEN
    assert time.time() == FROZEN.timestamp()
    assert date.today() == FROZEN.date()
    time.sleep(0.01)
    assert datetime.now(timezone.utc) == FROZEN


def test_a_python_process_the_suite_starts_reads_the_same_clock() -> None:
    done = subprocess.run([sys.executable, "-c", "import json, time; from datetime import datetime, timezone; "
                           "print(json.dumps([datetime.now(timezone.utc).isoformat(), time.time()]))"],
                          capture_output=True, text=True, check=True, cwd=REPO)
    seen, seconds = json.loads(done.stdout)
    # the child's clock ticks on from the instant (it may wait on time.time())
    assert 0 <= (datetime.fromisoformat(seen) - FROZEN).total_seconds() < 60
    assert 0 <= seconds - FROZEN.timestamp() < 60


def test_git_dates_its_commits_at_the_suites_instant(tmp_path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, text=True).stdout

    git("init", "-q")
    git("-c", "user.name=T", "-c", "user.email=t@example.test", "commit", "-q", "--allow-empty", "-m", "x")
    assert int(git("log", "-1", "--format=%at %ct").split()[0]) == int(FROZEN.timestamp())
