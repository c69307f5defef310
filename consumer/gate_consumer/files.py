"""Writing a file so that a reader sees the old bytes or the new ones, never half of them."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["naming", "write_atomic"]


@contextlib.contextmanager
def naming(path: Path) -> Iterator[None]:
    """An :class:`OSError` raised inside names ``path``: a full disk or a file size limit fails
    a ``write`` with no file name (``[Errno 27] File too large``), and a message that cannot
    say which file leaves its reader nothing to fix."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def write_atomic(path: Path, data: bytes, mode: int = 0o644, *, durable: bool = True) -> bool:
    """Write ``data`` to ``path`` via a temporary file and a rename; return False (and write
    nothing) if the file already holds exactly these bytes. ``mode``: the file's permissions
    (readable by all by default: these files are published or shared). ``durable``: fsync
    before the rename, so a power cut leaves the old bytes or the new ones; without it, a
    reader still never sees half a file (for output that can be regenerated)."""
    import tempfile  # only on the write path: not worth its import time at start-up

    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with naming(path), os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
