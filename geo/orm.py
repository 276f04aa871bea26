"""The declarative base and column types shared by every model.

Kept in `geo` so that `layers` and `cases` models share one metadata (one
Alembic history) without importing each other the wrong way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from geo.crs import STORAGE_EPSG


class Base(DeclarativeBase):
    """Base of all landpatrol tables."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC on every backend.

    SQLite keeps no offset; naive values are refused so that no local time
    slips into the store unnoticed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def geometry(geometry_type: str, *, nullable: bool = False) -> Geometry:
    """A stored geometry column in CGCS2000 (EPSG:4490); indexes come from the migrations."""
    return Geometry(geometry_type, srid=STORAGE_EPSG, spatial_index=False, nullable=nullable)


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
