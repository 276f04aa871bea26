"""Rendered map pages, GeoJSON pages and vector tiles, kept until the data or the minute changes.

Every write in landpatrol adds an audit event, so the newest audit id is a
version of all the data: a cached body is reused only while that version is
the same (`cache_version`), and only within the same minute (status such as `overdue` moves
with the clock). Access checks run before the cache is asked, and cached
bodies are the same for every user allowed to see them. The version is read
from the store on every request, so a write through another worker or server
is seen at once; the cache itself is per worker and holds nothing else.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from threading import Lock

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.audit import AuditEvent
from geo.orm import utc_now

CacheKey = tuple[str, ...]
# PostgreSQL hands out ids before commit: a transaction holding id N can commit
# after one holding N+1. Such late commits land within this many ids of the newest.
LATE_COMMIT_IDS = 1000

Body = str | bytes  # HTML and GeoJSON pages, vector tiles


def cache_version(session: Session) -> str:
    """The data version and the count of the newest events, which a late commit below the newest changes."""
    return data_stamp(session)[0]


def data_stamp(session: Session) -> tuple[str, datetime | None]:
    """`cache_version` and when its newest event happened (a response's Last-Modified), read in
    one statement: every request of the OGC API asks for both before anything else. The newest
    audit event's id is the data version: it changes with every write."""
    newest = sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)).scalar_subquery()
    recent = sa.select(sa.func.count()).where(AuditEvent.id > newest - LATE_COMMIT_IDS).scalar_subquery()
    at = sa.select(AuditEvent.at).where(AuditEvent.id == newest).scalar_subquery()
    number, count, when = session.execute(sa.select(newest, recent, at)).one()
    return f"{number}.{count}", when


class ResponseCache:
    """A small least-recently-used cache of response bodies, per worker process."""

    def __init__(self, size: int = 256) -> None:
        self._bodies: OrderedDict[CacheKey, Body] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get_or_build(
        self, session: Session, key: CacheKey, build: Callable[[], Body], *, now: datetime | None = None,
        version: str | None = None,
    ) -> Body:
        """The body for `key` at the current data version and minute, built once.

        `version` is `cache_version(session)` when the caller has read it already this request.
        """
        minute = (now or utc_now()).strftime("%Y-%m-%dT%H:%M")
        full = (*key, version if version is not None else cache_version(session), minute)
        with self._lock:
            body = self._bodies.get(full)
            if body is not None:
                self._bodies.move_to_end(full)
                return body
        body = build()
        with self._lock:
            self._bodies[full] = body
            while len(self._bodies) > self._size:
                self._bodies.popitem(last=False)
        return body
