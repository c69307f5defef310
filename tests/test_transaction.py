"""The write side under a crash and under concurrency: a refresh killed (SIGKILL, a real
subprocess) at instants across its write leaves the old tree or the new one — recovered by the
next command, with no temporary file anywhere — and two runs never lose each other's work."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from refresher.tree.transaction import LOCK_NAME, WORK_NAME, LockBusy, TreeLock, recover
from tests.conftest import REPO, UPSTREAM

# A child that runs `faimeta refresh`, logging every os.replace (each staged file, the commit
# point, each applied file) and killing itself with SIGKILL just before the N-th (0: never).
CHILD = textwrap.dedent("""
    import os, signal, sys
    log, kill_at, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    real_replace, calls = os.replace, [0]
    def replace(src, dst):
        calls[0] += 1
        with open(log, "a") as f:
            f.write(str(dst) + "\\n")
        if calls[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst)
    os.replace = replace
    from refresher.cli import app
    sys.argv = ["faimeta", *argv]
    app()
""")


def fresh_tree(where: Path) -> Path:
    root = where / "metadata"
    root.mkdir(parents=True)
    for name in ("sources.json", "vendors.json"):
        shutil.copy(REPO / "metadata" / name, root / name)
    return root


def digest(root: Path) -> str:
    """The tree's content, every file under it (hidden ones too)."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != LOCK_NAME):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def refresh(root: Path, log: Path, kill_at: int, tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TMPDIR": str(tmp)}
    args = ["refresh", "--replay", str(UPSTREAM), "--root", str(root), *extra]
    return subprocess.run([sys.executable, "-c", CHILD, str(log), str(kill_at), *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def faimeta(*args: str, tmp: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"TMPDIR": str(tmp)} if tmp else {})}
    return subprocess.run([sys.executable, "-m", "refresher.cli", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, list[str]]:
    """An uninterrupted run: the tree before, the tree after, and its os.replace calls in order."""
    where = tmp_path_factory.mktemp("clean")
    root = fresh_tree(where)
    before = digest(root)
    (where / "tmp").mkdir()
    log = where / "replaces.log"
    out = refresh(root, log, 0, where / "tmp")
    assert out.returncode == 0, out.stderr
    return before, digest(root), log.read_text().splitlines()


def instants(calls: list[str]) -> dict[str, int]:
    """Where to kill: in staging, at the commit point, in the apply — first, middle and last."""
    staged = [i for i, dst in enumerate(calls, 1) if f"/{WORK_NAME}/metadata/" in dst]
    (plan,) = [i for i, dst in enumerate(calls, 1) if dst.endswith(f"{WORK_NAME}/plan.json")]
    applied = [i for i, dst in enumerate(calls, 1) if WORK_NAME not in dst]
    assert staged and applied and staged[-1] < plan < applied[0]
    return {
        "first staged file": staged[0], "middle of staging": staged[len(staged) // 2],
        "last staged file": staged[-1], "just before the commit point": plan, "first applied file": applied[0],
        "middle of the apply": applied[len(applied) // 2], "last applied file": applied[-1],
    }


INSTANTS = ["first staged file", "middle of staging", "last staged file", "just before the commit point",
            "first applied file", "middle of the apply", "last applied file"]


@pytest.mark.slow
@pytest.mark.parametrize("instant", INSTANTS)
def test_a_refresh_killed_during_its_write_leaves_the_old_tree_or_the_new(
        instant: str, clean_run: tuple[str, str, list[str]], tmp_path: Path) -> None:
    before, after, calls = clean_run
    kill_at = instants(calls)[instant]
    root = fresh_tree(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    killed = refresh(root, tmp_path / "log", kill_at, tmp)
    assert killed.returncode == -signal.SIGKILL
    assert (root / WORK_NAME).exists()  # killed inside the write: there is something to recover

    checked = faimeta("validate", "--root", str(root), tmp=tmp)  # the next command recovers first
    assert checked.returncode == 0, checked.stderr
    assert "interrupted write" in checked.stderr
    # each kill lands just before its os.replace: the plan's rename is the commit
    expected = before if INSTANTS.index(instant) <= INSTANTS.index("just before the commit point") else after
    assert digest(root) == expected
    assert not list(root.rglob("*.tmp")) and not (root / WORK_NAME).exists()
    assert list(tmp.iterdir()) == []  # no scratch folder left in the temp directory either

    again = refresh(root, tmp_path / "log2", 0, tmp)  # re-running converges to the same tree
    assert again.returncode == 0, again.stderr
    assert digest(root) == after


def test_recover_with_nothing_to_do_says_nothing(tmp_path: Path) -> None:
    root = fresh_tree(tmp_path)
    assert recover(root) == []


def test_a_stray_temporary_file_is_removed(tmp_path: Path) -> None:
    root = fresh_tree(tmp_path)
    (root / "providers").mkdir()
    (root / "providers" / ".openai.json.k2j3.tmp").write_text("{")
    out = faimeta("status", "--root", str(root))
    assert "removed the temporary file providers/.openai.json.k2j3.tmp" in out.stderr
    assert not list(root.rglob("*.tmp"))


def test_a_second_run_refuses_while_the_tree_is_locked(tmp_path: Path) -> None:
    root = fresh_tree(tmp_path)
    with TreeLock(root):
        started = time.monotonic()
        out = faimeta("refresh", "--replay", str(UPSTREAM), "--root", str(root), "--wait", "0.5")
        waited = time.monotonic() - started
    assert out.returncode == 1
    assert f"another faimeta run is writing it (pid {os.getpid()}" in out.stderr
    assert "waited 0.5 s" in out.stderr and waited < 30
    assert not (root / "providers").exists()  # it wrote nothing


def test_the_lock_does_not_outlive_a_killed_holder(tmp_path: Path) -> None:
    root = fresh_tree(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from refresher.tree.transaction import TreeLock
        with TreeLock(Path({str(root)!r})):
            print("locked", flush=True)
            time.sleep(60)
    """)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(LockBusy):
        TreeLock(root).__enter__()
    holder.kill()
    holder.wait()
    with TreeLock(root):  # at once: the operating system dropped the dead holder's lock
        pass


def test_two_runs_at_once_both_land(tmp_path: Path) -> None:
    root = fresh_tree(tmp_path)
    runs = [subprocess.Popen([sys.executable, "-m", "refresher.cli", "refresh", "--replay", str(UPSTREAM),
                              "--root", str(root), "--source", source, "--wait", "60"],
                             cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for source in ("openrouter", "modelsdev")]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    ledger = json.loads((root / "ledger.json").read_text())
    assert {"openrouter", "modelsdev"} <= set(ledger["sources"])  # neither run's work was lost
    assert (root / "providers" / "openrouter.json").exists() and (root / "providers" / "anthropic.json").exists()


def test_a_killed_commands_scratch_folder_is_removed_by_the_next(tmp_path: Path) -> None:
    root = fresh_tree(tmp_path)
    tmp = tmp_path / "tmp"
    left = tmp / "faimeta-bundle-k1ll3d"
    (left / "v1").mkdir(parents=True)
    (left / "v1" / "index.json").write_text("{}")
    running = tmp / "faimeta-state-running"
    running.mkdir()
    old = time.time() - 7200
    os.utime(left, (old, old))
    out = faimeta("status", "--root", str(root), tmp=tmp)
    assert f"removed {left}, the scratch folder of a command that was killed" in out.stderr
    assert not left.exists() and running.exists()  # a young one may belong to a command running now
