"""API tokens (for QGIS and GDAL, which cannot sign in with a form) and public collections.

A token is 32 random bytes shown once; only its sha256 is stored, so a copy of
the store does not give away access. A token acts as its user (role and
streets) and is read-only unless made with `write`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from cases.models import User
from cases.status.clock import local_date, parse_date
from geo.audit import record
from geo.errors import ConflictError, InputError, NotFoundError
from geo.orm import Base, UTCDateTime, utc_now


class ApiToken(Base):
    """A named token of a user; revoked tokens are kept for the record."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PublicCollection(Base):
    """A collection anyone may read without signing in (none by default)."""

    __tablename__ = "public_collections"

    collection_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    made_public_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def add_token(session: Session, *, name: str, user_name: str, expires: str | date | None = None,
              write: bool = False, actor: str) -> str:
    """Make a token for the user and return it (the only time it is ever shown)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("NAME: give a token name of 1 to 100 characters", field="name")
    user = session.scalar(sa.select(User).where(User.name == user_name))
    if user is None:
        raise NotFoundError(f"--user: no user named {user_name!r}", field="user")
    expires_on = parse_date(expires, field="--expires") if expires is not None else None
    if expires_on is not None and expires_on < local_date(utc_now()):
        raise InputError(f"--expires: {expires_on.isoformat()} has passed", field="expires")
    if session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise ConflictError(f"a token named {name!r} exists already", field="name")
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, user_id=user.id, token_sha256=_digest(token), can_write=write,
                         created_at=utc_now(), expires_on=expires_on))
    record(session, actor=actor, action="token_add", entity="api_tokens", key=name,
           detail={"user": user.name, "write": write, "expires": str(expires_on or "")})
    return token


def list_tokens(session: Session) -> list[dict[str, Any]]:
    """Every token (never its value): name, user, write, created, expires, revoked."""
    rows = session.execute(sa.select(ApiToken, User.name).join(User, User.id == ApiToken.user_id)
                           .order_by(ApiToken.name)).all()
    return [{"name": t.name, "user": user, "write": t.can_write, "created_at": t.created_at,
             "expires_on": t.expires_on, "revoked_at": t.revoked_at} for t, user in rows]


def revoke_token(session: Session, name: str, *, actor: str) -> None:
    """Revoke a token at once; it answers 401 from the next request on."""
    token = session.scalar(sa.select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise NotFoundError(f"no token named {name!r}", field="name")
    if token.revoked_at is None:
        token.revoked_at = utc_now()
        record(session, actor=actor, action="token_revoke", entity="api_tokens", key=name)


def token_user(session: Session, token: str) -> tuple[User, bool] | None:
    """The enabled user a live token acts for, and whether it may write; None otherwise."""
    row = session.execute(sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                          .where(ApiToken.token_sha256 == _digest(token))).first()  # one round trip
    if row is None:
        return None
    found, user = row
    if found.revoked_at is not None:
        return None
    if found.expires_on is not None and found.expires_on < local_date(utc_now()):
        return None
    if user.disabled:
        return None
    return user, found.can_write


def public_collections(session: Session) -> set[str]:
    """The ids of the collections made public."""
    return set(session.scalars(sa.select(PublicCollection.collection_id)))


def set_public(session: Session, collection_id: str, public: bool, *, actor: str) -> None:
    """Make a collection public or private again (the caller checks that it exists)."""
    current = session.get(PublicCollection, collection_id)
    if public and current is None:
        session.add(PublicCollection(collection_id=collection_id, made_public_at=utc_now()))
    elif not public and current is not None:
        session.delete(current)
    else:
        return
    record(session, actor=actor, action="ogc_public" if public else "ogc_private",
           entity="public_collections", key=collection_id)
