"""Writing a build's files: many at once, never half a file for a reader, nothing unchanged rewritten."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gate_consumer.files import naming
from refresher.tree.jsonio import write_atomic

__all__ = ["replace_dir", "write_files"]

#: threads that write a build's files: a file creation waits on the disk (~0.1–0.7 ms each
#: here, thousands per build), so several in flight at once take a fraction of the time
_WRITERS = 8


def write_files(root: Path, files: Mapping[str, str]) -> list[str]:
    """Write ``files`` (path under ``root`` → text); return those that changed, sorted.

    A build is regenerated from the tree, so nothing is fsynced (a power cut costs a rebuild,
    not data) and no reader ever sees half a file: a top-level folder that does not exist yet
    (``v1/`` of a clean build, the site's ``models/``) is written whole beside its place and
    renamed into it — one file creation per file, where replacing each one atomically costs two
    directory operations, which on a busy disk was most of a build; in a folder that exists,
    each file that changed is replaced atomically. Files are written by :data:`_WRITERS`
    threads; the result does not depend on their order."""
    groups: dict[str, dict[str, str]] = {}
    for rel, text in files.items():
        top, _, rest = rel.partition("/")
        if rest and not (root / top).exists():
            groups.setdefault(top, {})[rest] = text
    in_place = sorted(rel for rel in files if rel.partition("/")[0] not in groups)
    with ThreadPoolExecutor(_WRITERS) as pool:  # creating a file waits on the disk, not on Python
        changed = pool.map(lambda rel: write_atomic(root / rel, files[rel], durable=False), in_place)
        written = [rel for rel, wrote in zip(in_place, changed, strict=True) if wrote]
        for top, members in groups.items():
            staging = Path(tempfile.mkdtemp(prefix=f".{top}.", suffix=".tmp", dir=root))
            try:
                _write_new(pool, staging, members)
                os.rename(staging, root / top)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            written += [f"{top}/{rel}" for rel in members]
    return sorted(written)


def _write_new(pool: ThreadPoolExecutor, folder: Path, files: Mapping[str, str]) -> None:
    """Create ``files`` (path under ``folder`` → text) in a new ``folder``, readable by all."""
    made = {folder}
    for rel in files:
        parent = (folder / rel).parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
    for directory in made:
        directory.chmod(0o755)

    def create(rel: str) -> None:
        path = folder / rel
        with naming(path):
            path.write_bytes(files[rel].encode("utf-8"))
        path.chmod(0o644)  # published: readable by all, whatever the umask

    for _ in pool.map(create, files):  # every file written, or the first error raised
        pass


def replace_dir(target: Path, files: Mapping[str, str], kept: Iterable[str] = ()) -> list[str]:
    """Write ``files`` under ``target`` (:func:`write_files`) and remove files there that are no
    longer part of it; ``kept``: files known to hold their text already, not compared again."""
    target.mkdir(parents=True, exist_ok=True)
    kept = set(kept)
    written = write_files(target, {rel: text for rel, text in files.items() if rel not in kept})
    keep = {target / rel for rel in files}
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written
