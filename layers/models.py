"""Streets and parcels: the land landpatrol watches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from geo.orm import Base, UTCDateTime, geometry, utc_now

# The longest parcel code the store holds (the column's width); imports and the API refuse longer ones.
PARCEL_CODE_MAX_LENGTH = 60


class ImportRun(Base):
    """One import of a file: what was read and what became of it."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    actor: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(20))  # streets | parcels | inspections | issues
    file_name: Mapped[str] = mapped_column(Text)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Street(Base):
    """A street (街道), the sub-district unit that maps are drawn by."""

    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(100))
    geom: Mapped[Any] = mapped_column(geometry("MULTIPOLYGON", nullable=True))
    area_m2: Mapped[float | None] = mapped_column(Float)
    schematic: Mapped[bool] = mapped_column(default=False)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)


class Parcel(Base):
    """A protected parcel: its kind, place, shape and area (m², computed in EPSG:4547)."""

    __tablename__ = "parcels"
    __table_args__ = (  # exports read a kind, the web map a street, each ordered by code
        Index("ix_parcels_kind_code", "kind", "code"),
        Index("ix_parcels_street_code_code", "street_code", "code",  # current parcels (0008)
              postgresql_include=["id"], postgresql_where=text("retired_at IS NULL"),
              sqlite_where=text("retired_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(PARCEL_CODE_MAX_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    street_code: Mapped[str | None] = mapped_column(ForeignKey("streets.code"), index=True)
    village: Mapped[str | None] = mapped_column(String(100))
    geom: Mapped[Any] = mapped_column(geometry("MULTIPOLYGON"))
    area_m2: Mapped[float] = mapped_column(Float)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    versions: Mapped[list[ParcelVersion]] = relationship(
        back_populates="parcel", order_by="ParcelVersion.valid_to"
    )


class ParcelVersion(Base):
    """A parcel's earlier geometry, kept when an edit or re-import replaced it."""

    __tablename__ = "parcel_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"), index=True)
    geom: Mapped[Any] = mapped_column(geometry("MULTIPOLYGON"))
    area_m2: Mapped[float] = mapped_column(Float)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    note: Mapped[str | None] = mapped_column(Text)

    parcel: Mapped[Parcel] = relationship(back_populates="versions")
