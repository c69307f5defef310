"""Writing the metadata tree as one transaction, by one writer at a time.

A write of the tree goes through a work folder inside it, ``metadata/.faimeta-txn/``:

1. **stage**: the files that change — the new tree was validated in memory first — are
   written into ``.faimeta-txn/metadata/``, each fsynced;
2. **commit**: ``.faimeta-txn/plan.json``, the list of files that differ from the tree, is
   written with one atomic rename. Before it exists the transaction never happened; after, it
   must complete;
3. **apply**: each planned file is renamed over its target; then the work folder goes.

A kill at any instant leaves either no plan (the tree is the old one; the staged files are
debris) or a plan (the staged files that are still there move into place). :func:`recover`
finishes either case; every ``faimeta`` command that reads the tree calls it first
(:func:`ready`, which also removes killed commands' scratch folders from the temp directory),
says what it did, and leaves no temporary file behind.

One writer: :class:`TreeLock` holds an exclusive ``flock`` on ``metadata/.faimeta.lock`` for the
whole read–reconcile–write of a run, so two runs cannot both load the same tree and each write
its own result over the other's. The operating system drops the lock when its holder dies, so
a killed run never leaves the tree locked.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ClassVar

from refresher.tree.jsonio import write_atomic

__all__ = ["LOCK_NAME", "WORK_NAME", "LockBusy", "TreeLock", "commit_tree", "ready", "recover"]

LOCK_NAME = ".faimeta.lock"
WORK_NAME = ".faimeta-txn"
_PLAN = "plan.json"


class LockBusy(Exception):
    """Another run holds the tree; the message says who and since when."""


class TreeLock:
    """An exclusive lock on a metadata tree: ``with TreeLock(root, wait=30): …``.

    Waits up to ``wait`` seconds for another holder to finish, then raises :class:`LockBusy`.
    Re-entrant within one process (a run that locks and calls a function that locks again).
    """

    _held: ClassVar[dict[str, int]] = {}  # lock path → depth, in this process

    def __init__(self, root: Path, wait: float = 0.0, say: Callable[[str], None] | None = None):
        self.path = root / LOCK_NAME
        self.wait = wait
        self.say = say
        self._fd: int | None = None

    def __enter__(self) -> TreeLock:
        import fcntl

        key = str(self.path.resolve())
        if self._held.get(key):
            self._held[key] += 1
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        deadline = time.monotonic() + self.wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    os.close(fd)
                    raise LockBusy(
                        f"{self.path.parent}: another faimeta run is writing it ({holder}); "
                        f"{'waited ' + format(self.wait, 'g') + ' s; ' if self.wait else ''}"
                        "try again when it has finished, or pass --wait SECONDS"
                    ) from None
                if self.say is not None and not told:
                    self.say(f"waiting up to {self.wait:g} s for another faimeta run ({_holder(fd)})")
                    told = True
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n".encode())
        self._fd = fd
        self._held[key] = 1
        return self

    def __exit__(self, *exc: object) -> None:
        key = str(self.path.resolve())
        self._held[key] -= 1
        if self._held[key] == 0 and self._fd is not None:
            del self._held[key]
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode(errors="replace").strip() or "pid unknown"
    except OSError:
        return "pid unknown"


def recover(root: Path) -> list[str]:
    """Finish or undo a write that was interrupted (see the module docstring); remove stray
    temporary files. Returns one line per thing done (empty: nothing to do). Call it holding
    the lock."""
    done: list[str] = []
    work = root / WORK_NAME
    if work.is_symlink():
        work.unlink()
    elif work.exists():
        plan = _read_plan(work)
        if plan is None:
            done.append(f"{root}: an interrupted write had not committed: the tree is as it was before it")
        else:
            applied = _apply(root, work, plan)
            done.append(f"{root}: finished an interrupted write ({applied} of {len(plan)} file(s) still to move)")
        shutil.rmtree(work, ignore_errors=True)
    for stray in _strays(root):
        stray.unlink(missing_ok=True)
        done.append(f"{root}: removed the temporary file {stray.relative_to(root)} of an interrupted write")
    return done


def _strays(root: Path) -> list[Path]:
    """Temporary files an interrupted atomic write left in the tree."""
    return [stray for folder in (root, root / "providers", root / "models") if folder.is_dir()
            for stray in sorted(folder.glob(".*.tmp"))]


#: Scratch folders (``faimeta-bundle-…``, ``faimeta-state-…``) older than this were left by a
#: killed command; younger ones may belong to a command running now.
SCRATCH_MAX_AGE = 3600.0


def _collect_scratch() -> list[str]:
    import tempfile

    done = []
    cutoff = time.time() - SCRATCH_MAX_AGE
    for entry in Path(tempfile.gettempdir()).glob("faimeta-*"):
        try:
            info = entry.lstat()
        except OSError:
            continue
        if entry.is_dir() and not entry.is_symlink() and info.st_uid == os.geteuid() and info.st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
            done.append(f"removed {entry}, the scratch folder of a command that was killed")
    return done


def ready(root: Path, say: Callable[[str], None], wait: float = 30.0) -> None:
    """Before reading the tree: remove killed commands' scratch folders, and recover the tree
    if a write was interrupted. Cheap when there is nothing to do (a few stats); waits for a
    running writer only when its work is on disk."""
    for line in _collect_scratch():
        say(line)
    if not (root / WORK_NAME).exists() and not _strays(root):
        return
    with TreeLock(root, wait=wait, say=say):
        for line in recover(root):
            say(line)


def _read_plan(work: Path) -> list[str] | None:
    try:
        plan = json.loads((work / _PLAN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(plan, list) or not all(isinstance(rel, str) for rel in plan):
        return None
    return plan


def _apply(root: Path, work: Path, plan: list[str]) -> int:
    """Move each planned file that is still staged into place; return how many moved."""
    moved = 0
    staged_root = work / "metadata"
    for rel in plan:
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts:  # a plan is ours, but never trust a path blindly
            continue
        staged = staged_root / rel
        if staged.exists():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, root / rel)
            moved += 1
    return moved


def commit_tree(root: Path, changed: Mapping[str, str], *, say: Callable[[str], None] = print) -> list[str]:
    """Stage ``changed`` (relative path → text, already validated), commit and apply the files
    among them that differ from the tree. Returns the paths written. Call it holding the lock."""
    for line in recover(root):  # a previous run's debris never mixes with this one
        say(line)
    plan = [rel for rel, text in sorted(changed.items()) if _differs(root / rel, text)]
    if not plan:
        return []
    work = root / WORK_NAME
    staged_root = work / "metadata"
    committed = applied = False
    try:
        staged_root.mkdir(parents=True)
        for rel in plan:
            write_atomic(staged_root / rel, changed[rel])
        write_atomic(work / _PLAN, json.dumps(plan))  # the commit point
        committed = True
        try:
            _apply(root, work, plan)
        except OSError as exc:  # a folder turned read-only, a full disk: the plan is kept and finished later
            raise OSError(exc.errno, f"{exc.strerror}; the change is committed in {work} and the next faimeta "
                          "command that can write there finishes it", exc.filename, None, exc.filename2) from exc
        applied = True
        return plan
    finally:
        # A plan that could not be applied (a full disk…) stays for recover() to finish.
        if applied or not committed:
            shutil.rmtree(work, ignore_errors=True)


def _differs(path: Path, text: str) -> bool:
    try:
        return path.read_bytes() != text.encode("utf-8")
    except FileNotFoundError:
        return True
