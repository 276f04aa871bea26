"""Finding streets by what people call them: `440106020`, `前进街道` or `前进`."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.errors import InputError, NotFoundError
from layers.models import Street

SUFFIXES = ("街道办事处", "街道", "街", "镇")


def short_name(name: str) -> str:
    """`前进街道` → `前进`: the name without its administrative suffix."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def list_streets(session: Session) -> list[Street]:
    """All streets, by code."""
    return list(session.scalars(sa.select(Street).order_by(Street.code)))


def find_street(session: Session, text: str) -> Street:
    """The street a user means by code, full name or short name."""
    wanted = text.strip()
    if not wanted:
        raise InputError("street: empty value")
    street = session.scalar(
        sa.select(Street).where(
            sa.or_(
                Street.code == wanted,
                Street.name == wanted,
                Street.short_name == short_name(wanted),
            )
        )
    )
    if street is None:
        known = ", ".join(f"{s.code} {s.name}" for s in list_streets(session)) or "none imported"
        raise NotFoundError(f"no street {wanted!r}; known streets: {known}")
    return street


def street_codes(session: Session, texts: Iterable[str]) -> list[str]:
    """Codes of the streets named, each by code, name or short name."""
    return [find_street(session, text).code for text in texts]
