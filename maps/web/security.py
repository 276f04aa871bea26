"""Passwords, signed session cookies and CSRF tokens.

Pure functions with no web framework imported, so each can be tested alone
and reused by the CLI (`users add` hashes with the same code). Sign-in rate
limiting lives in `maps.web.sign_in_limits`, as it reads the store.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
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
