"""Rendered map pages, GeoJSON pages and vector tiles, kept until the data or the minute changes.

Every write in landpatrol adds an audit event, so the newest audit id is a
version of all the data: a cached body is reused only while that version is
the same, and only within the same minute (status such as `overdue` moves
with the clock). Access checks run before the cache is asked, and cached
bodies are the same for every user allowed to see them.
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
Body = str | bytes  # HTML and GeoJSON pages, vector tiles


def data_version(session: Session) -> int:
    """The newest audit event's id: it changes with every write."""
    return session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


class ResponseCache:
    """A small least-recently-used cache of response bodies, per worker process."""

    def __init__(self, size: int = 256) -> None:
        self._bodies: OrderedDict[CacheKey, Body] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get_or_build(
        self, session: Session, key: CacheKey, build: Callable[[], Body], *, now: datetime | None = None,
    ) -> Body:
        """The body for `key` at the current data version and minute, built once."""
        minute = (now or utc_now()).strftime("%Y-%m-%dT%H:%M")
        full = (*key, str(data_version(session)), minute)
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
