"""The audit log: who wrote what, and when. Every write in landpatrol calls `record`."""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo.orm import Base, UTCDateTime, utc_now

ACTOR_ENV = "LANDPATROL_USER"


class AuditEvent(Base):
    """One write: its actor, time, action and what it touched."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_key: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))


def default_actor() -> str:
    """Who is writing from the command line: $LANDPATROL_USER, else the OS user."""
    explicit = os.environ.get(ACTOR_ENV)
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(
    session: Session, *, actor: str, action: str, entity: str, key: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit event to the session's transaction (committed with the write)."""
    session.add(
        AuditEvent(
            actor=actor, action=action, entity=entity, entity_key=key,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )
