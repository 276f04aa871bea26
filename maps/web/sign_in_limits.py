"""Sign-in rate limiting, counted in the store so that every web worker sees the same failures.

A sliding window per key (a user name, a client address): after `limit`
failures within `window_s` seconds the key waits until the oldest of them
leaves the window. Times are seconds since the epoch, which all workers
(and a restarted server) agree on.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from cases.models import SignInFailure
from geo.store import Store


class SignInLimiter:
    """At most `limit` failed sign-ins per key within `window_s` seconds."""

    def __init__(self, store: Store, limit: int, window_s: float) -> None:
        self.store = store
        self.limit = limit
        self.window_s = window_s

    def blocked(self, *keys: str, now: float | None = None) -> float:
        """Seconds until every one of the keys may try again (0: not blocked)."""
        now = time.time() if now is None else now
        query = (sa.select(sa.func.count(), sa.func.min(SignInFailure.at))
                 .where(SignInFailure.key.in_(keys), SignInFailure.at > now - self.window_s)
                 .group_by(SignInFailure.key))
        with self.store.session() as session:
            counts = session.execute(query).all()
        return max((oldest + self.window_s - now for count, oldest in counts if count >= self.limit),
                   default=0.0)

    def fail(self, *keys: str, now: float | None = None) -> None:
        """Count a failed sign-in against each key; failures out of the window are dropped."""
        now = time.time() if now is None else now
        with self.store.session() as session:
            session.execute(sa.delete(SignInFailure).where(SignInFailure.at <= now - self.window_s))
            session.add_all(SignInFailure(key=key, at=now) for key in keys)

    def reset(self, *keys: str) -> None:
        """Forget the failures of keys (after a successful sign-in)."""
        with self.store.session() as session:
            session.execute(sa.delete(SignInFailure).where(SignInFailure.key.in_(keys)))
