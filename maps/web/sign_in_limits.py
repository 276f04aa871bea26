"""Sign-in limits, counted in the store so that every web worker sees the same attempts.

Each attempt is counted before its password is checked, by one upsert per
counter that returns the new count: attempts in flight at once cannot all slip
under the limit. Two counters: the pair (name, address), so one user's typing
does not lock out a whole office behind one address, and the address alone,
with a much higher limit. A counter's window is fixed from its first attempt,
so attempts during a lockout do not extend it. Times are seconds since the
epoch, which all workers (and a restarted server) agree on.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.models import SignInAttempt
from geo.store import Store
from maps.web.writes import run_write

ANY_NAME = ""  # the name of the address-only counter
# The same statement on SQLite (3.35+) and PostgreSQL: insert the counter or bump it, a new
# window when the old one is over, and return the count and when the window began.
_COUNT = sa.text("""
    INSERT INTO sign_in_attempts (name, address, count, started) VALUES (:name, :address, 1, :now)
    ON CONFLICT (name, address) DO UPDATE SET
        count = CASE WHEN sign_in_attempts.started <= :expired THEN 1 ELSE sign_in_attempts.count + 1 END,
        started = CASE WHEN sign_in_attempts.started <= :expired THEN :now ELSE sign_in_attempts.started END
    RETURNING count, started
""")


def name_key(name: str) -> str:
    """The counter name of a typed sign-in name (case and spaces do not make a new counter)."""
    return (name or "").strip().lower()[:100]


class SignInLimiter:
    """At most `per_pair` attempts per (name, address) and `per_address` per address in `window_s`."""

    def __init__(self, store: Store, per_pair: int, per_address: int, window_s: float) -> None:
        self.store = store
        self.limits = {"pair": per_pair, "address": per_address}
        self.window_s = window_s

    def attempt(self, name: str, address: str, *, now: float | None = None) -> float:
        """Count an attempt; seconds until the next may be checked (0: check this one's password)."""
        now = time.time() if now is None else now
        counters = (("pair", name_key(name)), ("address", ANY_NAME))
        params = {"address": address[:100], "now": now, "expired": now - self.window_s}

        def work(session: Session) -> list[tuple[str, int, float]]:
            return [(kind, *session.execute(_COUNT, {**params, "name": key}).one()) for kind, key in counters]

        counts = run_write(self.store, work)
        return max((started + self.window_s - now for kind, count, started in counts
                    if count > self.limits[kind]), default=0.0)

    def succeeded(self, name: str, address: str) -> None:
        """A right password: the pair starts afresh and the attempt is not held against the address."""

        def work(session: Session) -> None:
            session.execute(sa.delete(SignInAttempt).where(SignInAttempt.name == name_key(name),
                                                           SignInAttempt.address == address[:100]))
            session.execute(sa.update(SignInAttempt)
                            .where(SignInAttempt.name == ANY_NAME, SignInAttempt.address == address[:100],
                                   SignInAttempt.count > 0)
                            .values(count=SignInAttempt.count - 1))

        run_write(self.store, work)


def unlock(session: Session, name: str) -> int:
    """Forget a user's counted attempts from every address; how many counters were cleared."""
    result = session.execute(sa.delete(SignInAttempt).where(SignInAttempt.name == name_key(name)))
    return result.rowcount or 0
