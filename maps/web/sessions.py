"""Server-side sessions: a table shared by every worker, so that a session can end at once.

The cookie carries a random session id (signed); the store keeps only its
SHA-256, the user, when it began and when it was last used. A session ends on
sign-out, when its user is disabled or gets a new password, after `idle_s`
without a request and `absolute_s` after it began, whichever comes first.
"""

from __future__ import annotations

import hashlib
import time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.models import User, WebSession
from geo.store import Store
from maps.web.security import SessionData, new_session
from maps.web.writes import run_write

TOUCH_EVERY_S = 60.0  # `seen_at` is moved on at most this often (not a write per request)


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class SessionStore:
    """Start, find and end signed-in sessions with the given timeouts (seconds)."""

    def __init__(self, store: Store, idle_s: float, absolute_s: float) -> None:
        self.store = store
        self.idle_s = idle_s
        self.absolute_s = absolute_s

    def _alive(self, now: float) -> sa.ColumnElement[bool]:
        return sa.and_(WebSession.seen_at > now - self.idle_s, WebSession.created_at > now - self.absolute_s)

    def start(self, user_id: int, *, now: float | None = None) -> SessionData:
        """A new session for the user (expired sessions of anyone are cleared on the way)."""
        now = time.time() if now is None else now
        data = new_session(user_id)

        def work(session: Session) -> None:
            session.execute(sa.delete(WebSession).where(~self._alive(now)))
            session.add(WebSession(id_hash=_digest(data.sid), user_id=user_id, created_at=now, seen_at=now))

        run_write(self.store, work)
        return data

    def user(self, data: SessionData, *, now: float | None = None) -> User | None:
        """The enabled user of a live session (its idle clock restarted), or None."""
        now = time.time() if now is None else now
        digest = _digest(data.sid)
        query = (sa.select(User, WebSession.seen_at).join(WebSession, WebSession.user_id == User.id)
                 .where(WebSession.id_hash == digest, User.id == data.user_id, ~User.disabled,
                        self._alive(now)))
        with self.store.session() as session:
            found = session.execute(query).one_or_none()
        if found is None:
            return None
        user, seen_at = found
        if now - seen_at >= min(TOUCH_EVERY_S, self.idle_s / 10):
            run_write(self.store, lambda s: s.execute(
                sa.update(WebSession).where(WebSession.id_hash == digest).values(seen_at=now)))
        return user

    def end(self, data: SessionData) -> None:
        """End one session (sign-out)."""
        run_write(self.store, lambda s: s.execute(
            sa.delete(WebSession).where(WebSession.id_hash == _digest(data.sid))))


def end_user_sessions(session: Session, user_id: int) -> None:
    """End every session of a user, in the caller's transaction (disable, new password)."""
    session.execute(sa.delete(WebSession).where(WebSession.user_id == user_id))
