"""People who sign in: add, list, disable, authenticate. Every write is audited.

Roles: `inspector` (their own streets only), `manager` (reads everything, edits
issues), `analyst` (reads and exports), `admin` (everything, and manages users).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.models import User
from geo.audit import default_actor, record
from geo.errors import ConflictError, InputError, NotFoundError
from layers.streets import street_codes
from maps.web.security import hash_password, verify_password
from maps.web.sessions import end_user_sessions

ROLES: tuple[str, ...] = ("inspector", "manager", "analyst", "admin")
MIN_PASSWORD = 8
MAX_NAME = 100


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or any(c.isspace() or not c.isprintable() for c in name):
        raise InputError(f"name: {name!r} must be 1–{MAX_NAME} printable characters without spaces")
    return name


def add_user(
    session: Session, *, name: str, role: str, password: str, streets: Sequence[str] = (),
    actor: str | None = None,
) -> User:
    """Add a user; inspectors need at least one street (by code, name or short name)."""
    name = _check_name(name)
    if role not in ROLES:
        raise InputError(f"role: {role!r} is not one of {', '.join(ROLES)}")
    _check_password(password)
    codes = sorted(set(street_codes(session, streets)))
    if role == "inspector" and not codes:
        raise InputError("streets: an inspector needs at least one street (--streets CODE)")
    if session.scalar(sa.select(User.id).where(User.name == name)) is not None:
        raise ConflictError(f"name: user {name!r} exists already")
    user = User(name=name, role=role, streets=codes if role == "inspector" else [],
                password_hash=hash_password(password), disabled=False, settings={})
    session.add(user)
    session.flush()
    record(session, actor=actor or default_actor(), action="user.add", entity="user", key=name,
           detail={"role": role, "streets": user.streets})
    return user


def get_user(session: Session, name: str) -> User:
    """The user called `name`."""
    user = session.scalar(sa.select(User).where(User.name == name))
    if user is None:
        raise NotFoundError(f"no user {name!r}")
    return user


def list_users(session: Session) -> list[dict[str, Any]]:
    """Every user without secrets: name, role, streets, disabled, created_at."""
    users = session.scalars(sa.select(User).order_by(User.name)).all()
    return [{"name": u.name, "role": u.role, "streets": list(u.streets or []),
             "disabled": bool(u.disabled), "created_at": u.created_at} for u in users]


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise InputError(f"password: at least {MIN_PASSWORD} characters")
    return password


def disable_user(session: Session, name: str, *, actor: str | None = None) -> User:
    """Stop a user signing in and end their sessions at once. Records stay."""
    user = get_user(session, name)
    user.disabled = True
    end_user_sessions(session, user.id)
    record(session, actor=actor or default_actor(), action="user.disable", entity="user", key=name)
    return user


def set_password(session: Session, name: str, password: str, *, actor: str | None = None) -> User:
    """Give a user a new password and end their sessions at once (a stolen one stops working)."""
    user = get_user(session, name)
    user.password_hash = hash_password(_check_password(password))
    end_user_sessions(session, user.id)
    record(session, actor=actor or default_actor(), action="user.password", entity="user", key=name)
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The enabled user with this name and password, else None (same cost either way)."""
    user = session.scalar(sa.select(User).where(User.name == (name or "").strip()))
    ok = verify_password(password or "", user.password_hash if user else None)
    return user if ok and user is not None and not user.disabled else None
