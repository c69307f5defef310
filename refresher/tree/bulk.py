"""Working on the whole catalog without the cyclic garbage collector in the way.

Loading, validating, reconciling and building the catalog allocate millions of dicts, lists
and strings that form no reference cycles — reference counting frees them — yet every
collection walks the young objects and, now and then, all of them: at 3× today's catalog that
was half of ``faimeta validate`` and a fifth of a refresh (issue 17, ``bench/bench_scale.py``).
:func:`gc_paused` turns the collector off for one such operation and back on after it (if it
was on), so the few cycles made meanwhile are collected then.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector for the ``with`` block (or the decorated call); nests."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
