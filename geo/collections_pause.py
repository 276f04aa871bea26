"""Fewer garbage collections while a bulk job allocates millions of short-lived rows.

CPython runs its cyclic collector every 700 new container objects, and a
full pass now and then walks every live one: an import of a million parcels
makes several million row tuples, and spent about 5 s of its 42 s of CPU
in the collector. With the first threshold at 100,000 the same import took
37.9 s of CPU and 28.8 s instead of 33.1 s, with the same peak memory
(cycles are still collected, a little later).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLD = 100_000
_lock = threading.Lock()
_users = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's first threshold to BULK_THRESHOLD until the last such block ends
    (a process setting: blocks in several threads share one, and the first saved value comes back)."""
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(BULK_THRESHOLD, _saved[0]), *_saved[1:])
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _saved is not None:
                gc.set_threshold(*_saved)
