"""Passwords, signed session cookies, CSRF tokens and sign-in rate limiting.

Pure functions and one small class, with no web framework imported, so each
can be tested alone and reused by the CLI (`users add` hashes with the same code).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "lp_session"
_SESSION_SALT = "landpatrol.session"
_HASHER = PasswordHasher()  # argon2id with the library's current recommended costs
# A real hash of a throw-away password: verifying against it when a user is unknown
# costs as much as a real check, so timing does not tell which names exist.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash of the password, salt and costs included."""
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True if the password matches; unknown users cost the same time as known ones."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SESSION_SALT)


@dataclass(frozen=True)
class SessionData:
    """What the signed cookie holds: the user's id and a random id of this sign-in."""

    user_id: int
    sid: str


def new_session(user_id: int) -> SessionData:
    """A fresh sign-in for a user (new `sid`, so old CSRF tokens stop working)."""
    return SessionData(user_id, secrets.token_urlsafe(16))


def sign_session(data: SessionData, secret: str) -> str:
    """The cookie value: the session, signed and time-stamped."""
    return _serializer(secret).dumps({"u": data.user_id, "s": data.sid})


def read_session(token: str | None, secret: str, max_age_s: int) -> SessionData | None:
    """The session in a cookie, or None if absent, tampered with or expired."""
    if not token:
        return None
    try:
        payload: Any = _serializer(secret).loads(token, max_age=max_age_s)
        return SessionData(int(payload["u"]), str(payload["s"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def csrf_token(sid: str, secret: str) -> str:
    """The CSRF token of a sign-in: an HMAC of its session id (nothing to store)."""
    return hmac.new(secret.encode(), f"csrf:{sid}".encode(), hashlib.sha256).hexdigest()


def csrf_valid(token: str | None, sid: str, secret: str) -> bool:
    """True if `token` is this sign-in's CSRF token (compared in constant time)."""
    return bool(token) and hmac.compare_digest(str(token), csrf_token(sid, secret))


class RateLimiter:
    """At most `limit` failures per key within `window_s` seconds (sliding window).

    Kept in memory: each web worker counts alone, so N workers allow up to N
    times the limit, which still stops online password guessing.
    """

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def blocked(self, *keys: str, now: float | None = None) -> float:
        """Seconds until any of the keys may try again (0: not blocked)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = [times[0] + self.window_s - now for key in keys
                     if len(times := self._recent(key, now)) >= self.limit]
        return max(waits, default=0.0)

    def fail(self, *keys: str, now: float | None = None) -> None:
        """Count a failed sign-in against each key."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def reset(self, *keys: str) -> None:
        """Forget the failures of keys (after a successful sign-in)."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
