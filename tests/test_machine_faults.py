"""Faults of the machine, made for real (issue 27, point 7): a file size limit (``ulimit -f``,
EFBIG), a full disk (a tmpfs filled to its last page, ENOSPC), a read-only file system (a
read-only bind mount, EROFS) and no permission (a folder without write permission, to a process
that cannot override it, EACCES). Each command that writes ends in one line naming the path and
what to do — it printed a 50–180-line traceback — and leaves the tree as it was; the commands
that only read still work on a read-only tree.

The mounts are made in a private mount namespace (``unshare --mount``) of the command's own
process: nothing outside it sees them, and they end with it."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from refresher.run.payloads import replay_payloads
from refresher.run.refresh import run_refresh
from tests.conftest import REPO, UPSTREAM

pytestmark = pytest.mark.slow

FAULTS = ("EFBIG", "ENOSPC", "EROFS", "EACCES")
_LIMIT = 4096  # bytes a process may write to one file under the size limit; the free space left on the full disk
_SKIP = {".faimeta.lock", ".faimeta-index.json", ".filler"}  # a lock, a cache, the filler of the full disk


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in _SKIP}


def _without_overrides() -> None:
    """Root ignores a folder's mode; without these capabilities it obeys it, as any user does."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        libc.prctl(24, capability, 0, 0, 0)  # PR_CAPBSET_DROP: gone from the program it runs


_IN_NAMESPACE = r'''
set -e
target=$1 fault=$2 digest=$3; shift 3
if [ "$fault" = ENOSPC ]; then
  mkdir -p "$target.seed" && cp -a "$target/." "$target.seed/"
  mount -t tmpfs -o size=1m tmpfs "$target"
  cp -a "$target.seed/." "$target/"
  dd if=/dev/zero of="$target/.filler" bs=4k 2>/dev/null || true
  truncate -s -4k "$target/.filler"
else
  mount --bind "$target" "$target" && mount -o remount,bind,ro "$target"
fi
set +e
"$@"; status=$?
"$PYTHON" -c 'import json, sys; from tests.test_machine_faults import _digest; from pathlib import Path; json.dump(_digest(Path(sys.argv[1])), open(sys.argv[2], "w"))' "$target" "$digest"
exit $status
'''


def _run(argv: list[str], target: Path, fault: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    """``faimeta argv`` with ``fault`` on ``target``; its result, and the digest of ``target`` as
    the command left it."""
    command = [sys.executable, "-m", "refresher.cli", *argv]
    env = {**os.environ, "PYTHON": sys.executable, "PYTHONPATH": os.pathsep.join(
        p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p), "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "Reviewer",
        "GIT_CONFIG_KEY_1": "user.email", "GIT_CONFIG_VALUE_1": "reviewer@example.test"}
    if fault in ("ENOSPC", "EROFS"):
        unshare = shutil.which("unshare")
        assert unshare, "unshare (util-linux) makes the mounts of these tests"
        digest = tmp_path / "digest.json"
        result = subprocess.run([unshare, "--mount", "--propagation", "private", "sh", "-c", _IN_NAMESPACE, "sh",
                                 str(target), fault, str(digest), *command],
                                cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert digest.exists(), f"the namespace could not be made: {result.stderr[-2000:]}"
        return result, json.loads(digest.read_text())
    if fault == "EFBIG":
        limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (_LIMIT, _LIMIT))  # noqa: E731
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
                                preexec_fn=limit)
        return result, _digest(target)
    folders = [target, *(p for p in target.rglob("*") if p.is_dir())]
    for folder in folders:
        folder.chmod(0o555)
    try:
        result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
                                preexec_fn=_without_overrides if os.geteuid() == 0 else None)
    finally:
        for folder in folders:
            folder.chmod(0o755)
    return result, _digest(target)


def _one_line(result: subprocess.CompletedProcess, fault: str, target: Path) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("faimeta: ")]
    assert len(lines) == 1, result.stderr
    assert f"({fault})" in lines[0] and str(target) in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def tree(empty_tree: Path) -> Path:
    payloads, errors = replay_payloads(UPSTREAM, ["openrouter"])
    assert not errors and run_refresh(empty_tree, payloads, say=lambda _: None).ok
    return empty_tree


def _offering(tree: Path) -> str:
    return sorted(json.loads((tree / "providers" / "openrouter.json").read_text())["offerings"])[0]


WRITES_THE_TREE = {
    "refresh": lambda tree, out: ["refresh", "--root", str(tree), "--replay", str(UPSTREAM), "--source", "modelsdev"],
    "review": lambda tree, out: ["review", "openrouter", _offering(tree), "price.input", "--value", "3",
                                 "--source-url", "https://openrouter.ai/models", "--root", str(tree)],
}
WRITES_ELSEWHERE = {
    "build": lambda tree, out: ["build", "--root", str(tree), "--out", str(out), "--no-bundle",
                                "--gate-routes", str(REPO / "metadata" / "gate_routes.json")],
    "diff": lambda tree, out: ["diff", str(tree.parent / "nothing"), str(tree), "--json", str(out / "report.json")],
    "schema": lambda tree, out: ["schema", "--out", str(out)],
    "refresh-report": lambda tree, out: ["refresh", "--root", str(tree), "--replay", str(UPSTREAM), "--dry-run",
                                         "--report", str(out / "run.json")],
}


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("command", sorted(WRITES_THE_TREE))
def test_a_command_that_writes_the_tree_says_one_line_and_the_tree_stays(tree: Path, tmp_path: Path, command: str,
                                                                        fault: str) -> None:
    before = _digest(tree)
    result, after = _run(WRITES_THE_TREE[command](tree, None), tree, fault, tmp_path)
    line = _one_line(result, fault, tree)
    assert after == before, line


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("command", sorted(WRITES_ELSEWHERE))
def test_a_command_that_writes_a_file_says_one_line(tree: Path, tmp_path: Path, command: str, fault: str) -> None:
    (tree.parent / "nothing").mkdir()
    for name in ("sources.json", "vendors.json"):
        shutil.copy(tree / name, tree.parent / "nothing" / name)
    out = tmp_path / "out"
    out.mkdir()
    before = _digest(tree)
    result, _ = _run(WRITES_ELSEWHERE[command](tree, out), out, fault, tmp_path)
    _one_line(result, fault, out)
    assert _digest(tree) == before


@pytest.mark.parametrize("fault", ["EROFS", "EACCES"])
@pytest.mark.parametrize("argv", [["validate"], ["status"], ["show"]], ids=lambda a: a[0])
def test_the_commands_that_read_work_on_a_read_only_tree(tree: Path, tmp_path: Path, argv: list[str],
                                                         fault: str) -> None:
    argv = [*argv, f"openrouter/{_offering(tree)}"] if argv == ["show"] else argv
    result, after = _run([*argv, "--root", str(tree)], tree, fault, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert after == _digest(tree)


def test_a_committed_change_a_folder_refuses_is_finished_when_it_can_be(tree: Path, tmp_path: Path) -> None:
    """A read-only ``providers/`` blocked the move of a committed change (120 lines of
    traceback): now one line says the change is committed and the next command finishes it —
    and, once the folder is writable again, it does, to the tree the run would have written."""
    expected = tmp_path / "expected" / "metadata"
    shutil.copytree(tree, expected)
    argv = WRITES_THE_TREE["refresh"]
    assert subprocess.run([sys.executable, "-m", "refresher.cli", *argv(expected, None)], cwd=REPO,
                          capture_output=True).returncode == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)}
    (tree / "providers").chmod(0o555)
    try:
        result = subprocess.run([sys.executable, "-m", "refresher.cli", *argv(tree, None)], cwd=REPO, env=env,
                                capture_output=True, text=True, preexec_fn=_without_overrides if os.geteuid() == 0 else None)
    finally:
        (tree / "providers").chmod(0o755)
    line = _one_line(result, "EACCES", tree)
    assert "the change is committed in" in line and "the next faimeta command that can write there finishes it" in line
    finished = subprocess.run([sys.executable, "-m", "refresher.cli", "validate", "--root", str(tree)], cwd=REPO,
                              env=env, capture_output=True, text=True)
    assert finished.returncode == 0 and "finished an interrupted write" in finished.stderr, finished.stderr
    assert _digest(tree) == _digest(expected)
