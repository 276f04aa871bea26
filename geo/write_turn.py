"""One writer at a time on a SpatiaLite file, across threads and processes: writers queue.

SQLite allows one writer; a second one that meets the first after a long read
gets "database is locked" instead of waiting. So every write takes a turn
first: a lock within the process, then an OS lock (`flock`) on
`<db>.writer-lock` beside the file. A writer that must wait is told so once
(`on_wait`), and gives up only after $LANDPATROL_WRITE_WAIT seconds.
Sessions opened while this thread holds the turn begin with `BEGIN IMMEDIATE`
(see `geo.dialects.spatialite`).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from geo.errors import InputError, StoreError

WAIT_ENV = "LANDPATROL_WRITE_WAIT"
DEFAULT_WAIT_S = 600.0
_POLL_S = 0.05

_process_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()
_held = threading.local()  # .turns: {file key: depth} of the turns this thread holds


def write_wait_seconds() -> float:
    """How long a writer waits for its turn: $LANDPATROL_WRITE_WAIT seconds, else 600."""
    raw = os.environ.get(WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_WAIT_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 10**7:
        raise InputError(f"${WAIT_ENV}: {raw!r} is not a number of seconds", field=WAIT_ENV,
                         code="bad_wait")
    return seconds


def file_key(database: str | os.PathLike[str]) -> str:
    """One name per database file, however its path was written."""
    return os.path.abspath(os.fspath(database))


def _turns() -> dict[str, int]:
    if not hasattr(_held, "turns"):
        _held.turns = {}
    return _held.turns


def holds_turn(database: str | os.PathLike[str]) -> bool:
    """True when this thread holds the write turn of that file."""
    return _turns().get(file_key(database), 0) > 0


@contextmanager
def write_turn(database: str | os.PathLike[str], *,
               on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the write turn of a SQLite file (re-entrant within a thread)."""
    key = file_key(database)
    turns = _turns()
    if turns.get(key, 0):
        turns[key] += 1
        try:
            yield
        finally:
            turns[key] -= 1
        return
    deadline = time.monotonic() + write_wait_seconds()
    waiting = _Waiting(on_wait)
    with _guard:
        lock = _process_locks.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        waiting.tell()
        if not lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise _gave_up(key)
    try:
        with _file_lock(Path(key + ".writer-lock"), deadline, waiting):
            turns[key] = 1
            try:
                yield
            finally:
                turns.pop(key, None)
    finally:
        lock.release()


class _Waiting:
    """Says "waiting" once, however many locks the writer waits on."""

    def __init__(self, on_wait: Callable[[], None] | None) -> None:
        self._on_wait = on_wait
        self._told = False

    def tell(self) -> None:
        if not self._told and self._on_wait is not None:
            self._on_wait()
        self._told = True


@contextmanager
def _file_lock(path: Path, deadline: float, waiting: _Waiting) -> Iterator[None]:
    """`flock` on `path`, polled until the deadline (a blocking flock could not time out)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o664)
    except OSError as err:
        raise StoreError(f"cannot open the writer lock {path}: {err.strerror}") from err
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _gave_up(path.name.removesuffix(".writer-lock")) from None
                waiting.tell()
                time.sleep(_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _gave_up(key: str) -> StoreError:
    return StoreError(
        f"another writer kept {Path(key).name} busy for over {write_wait_seconds():g} s; "
        f"try again later or raise ${WAIT_ENV}", code="write_wait")
