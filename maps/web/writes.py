"""Writing under contention: one transaction per attempt, retried when the database says so.

SQLite (WAL, busy timeout) still answers "database is locked" when a reading
transaction must become a writer after another commit; PostgreSQL may report a
serialisation failure or deadlock. Both mean "try the whole transaction again".
SQLite has one writer at a time anyway, so its writes take the store's write
turn (`Store.writing`: a lock in the process and one on a file beside the
database, so the CLI and other workers queue too) rather than meet in the file.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from geo.store import Store

T = TypeVar("T")
_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_RETRY_WORDS = ("database is locked", "database table is locked", "busy")


@contextmanager
def writer_turn(store: Store) -> Iterator[None]:
    """Wait for the turn to write to a SpatiaLite file, across processes (nothing to wait for on PostGIS)."""
    with store.writing():
        yield


def retryable(err: DBAPIError) -> bool:
    """True for errors that a fresh attempt of the same transaction may not meet."""
    state = getattr(err.orig, "sqlstate", None)
    if state in _RETRY_SQLSTATES:
        return True
    return isinstance(err, OperationalError) and any(w in str(err.orig).lower() for w in _RETRY_WORDS)


def run_write(store: Store, work: Callable[[Session], T], *, retries: int = 8) -> T:
    """Run `work` in its own committed transaction, retrying it on lock contention.

    `work` must return plain values (not ORM objects that load lazily later).
    """
    for attempt in range(retries + 1):
        try:
            with writer_turn(store), store.session() as session:
                return work(session)
        except DBAPIError as err:
            if attempt == retries or not retryable(err):
                raise
            time.sleep(min(0.5, 0.01 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
