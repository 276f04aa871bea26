"""What happens on the land: inspections, photos, rectification issues, measures, users."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from cases.rules import ALL_VIOLATION_MEASURES, FINDINGS, FINDINGS_BY_NAME, FieldKind
from geo.orm import Base, UTCDateTime, geometry, utc_now
from layers.models import Parcel

# Each kind of finding as a column: its type, and its value when an inspection leaves it out.
_FINDING_COLUMN_TYPES: dict[FieldKind, tuple[type[TypeEngine[Any]], Any]] = {
    "count": (Integer, 0), "area": (Float, 0.0), "flag": (Boolean, False),
}


def _finding_column(kind: FieldKind, *, recorded: bool) -> MappedColumn[Any]:
    """A finding's column: never NULL on a record (left out is zero / no); NULL in a summary without one."""
    sql_type, zero = _FINDING_COLUMN_TYPES[kind]
    if recorded:
        return mapped_column(sql_type, default=zero, nullable=False)
    return mapped_column(sql_type, nullable=True)


RecordedFindings = type("RecordedFindings", (), {
    "__doc__": "One column per finding of `cases.rules.FINDINGS`, as an inspection records it.",
    **{f.name: _finding_column(f.kind, recorded=True) for f in FINDINGS},
})
SummaryFindings = type("SummaryFindings", (), {
    "__doc__": "The latest record's findings, and (prev_*) the violation measures of the record before.",
    **{f.name: _finding_column(f.kind, recorded=False) for f in FINDINGS},
    **{f"prev_{m}": _finding_column(FINDINGS_BY_NAME[m].kind, recorded=False)
       for m in ALL_VIOLATION_MEASURES},
})


class Inspection(RecordedFindings, Base):
    """One site visit to a parcel and what the inspector found.

    Append-only: a correction is a new row whose `supersedes_id` names the
    row it replaces; no row is ever updated or deleted.
    """

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"), index=True)
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    inspector: Mapped[str] = mapped_column(String(100))
    client_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    gps: Mapped[Any] = mapped_column(geometry("POINT", nullable=True))
    off_site: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), index=True)

    parcel: Mapped[Parcel] = relationship()
    photos: Mapped[list[Photo]] = relationship(secondary="inspection_photos")


class ParcelSummary(SummaryFindings, Base):
    """What the present status of a parcel needs from its history; see `cases.status.summaries`.

    Derived, never typed in: a parcel without effective inspections has no row. The
    inspection ids carry no foreign key: the table is rebuilt from the history, and checking
    each refreshed row against it would cost imports a third of their time.
    """

    __tablename__ = "parcel_summaries"

    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"), primary_key=True)
    last_inspection_id: Mapped[int] = mapped_column(Integer)
    last_inspected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prev_inspection_id: Mapped[int | None] = mapped_column(Integer)
    prev_inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inspections_count: Mapped[int] = mapped_column(Integer)
    demolished_total: Mapped[int] = mapped_column(Integer)
    rebuilt_total: Mapped[int] = mapped_column(Integer)
    sheds_peak: Mapped[int] = mapped_column(Integer)
    hardened_peak_m2: Mapped[float] = mapped_column(Float)
    ever_violated: Mapped[int] = mapped_column(Integer)
    first_violation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_clean_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class Photo(Base):
    """A photo file, stored once by its SHA-256 in the media folder."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str | None] = mapped_column(String(255))


inspection_photos = Table(
    "inspection_photos",
    Base.metadata,
    Column("inspection_id", ForeignKey("inspections.id"), primary_key=True),
    Column("photo_id", ForeignKey("photos.id"), primary_key=True),
)

issue_parcels = Table(
    "issue_parcels",
    Base.metadata,
    Column("issue_id", ForeignKey("issues.id"), primary_key=True),
    Column("parcel_id", ForeignKey("parcels.id"), primary_key=True),
)


class Issue(Base):
    """A rectification issue (整改问题) from the ledger (台账)."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    category: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(Text)
    finding: Mapped[str | None] = mapped_column(Text)
    lead_department: Mapped[str | None] = mapped_column(String(200))
    partner_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="in_progress")
    opened_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    parcels: Mapped[list[Parcel]] = relationship(secondary=issue_parcels)
    measures: Mapped[list[Measure]] = relationship(back_populates="issue", order_by="Measure.id")
    updates: Mapped[list[IssueUpdate]] = relationship(
        back_populates="issue", order_by="IssueUpdate.on"
    )


class Measure(Base):
    """One concrete step (整改措施) of an issue."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)

    issue: Mapped[Issue] = relationship(back_populates="measures")


class IssueUpdate(Base):
    """A dated progress note on an issue; `state` is set where the note changed it.

    The issue's state as of any date is the state of its latest such note.
    """

    __tablename__ = "issue_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    text: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(String(20))
    author: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    issue: Mapped[Issue] = relationship(back_populates="updates")


class User(Base):
    """Someone who signs in: inspector (own streets only), manager, analyst or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    streets: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WebSession(Base):
    """A signed-in web session, kept server-side so that sign-out, disabling and a new password end it.

    Only a hash of the session id is stored; times are seconds since the epoch
    (every worker's clock agrees), for the idle and the absolute timeouts.
    """

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[float] = mapped_column(Float)
    seen_at: Mapped[float] = mapped_column(Float)


class SignInAttempt(Base):
    """Sign-in attempts counted in a fixed window, per (name, address) and per address alone (name '')."""

    __tablename__ = "sign_in_attempts"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    address: Mapped[str] = mapped_column(String(100), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    started: Mapped[float] = mapped_column(Float)  # when the window began, seconds since the epoch


class InspectionConflict(Base):
    """A record stored although its parcel changed after the visit, until a manager resolves it.

    Reasons: `reshaped` (a new shape since the visit), `moved` (another street than
    the phone knew), `retired`, `other_record` (another inspector's later record
    with other findings). Resolution: `accepted`, or `superseded` by a correction.
    """

    __tablename__ = "inspection_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    other_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    resolution: Mapped[str | None] = mapped_column(String(20), index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))

    inspection: Mapped[Inspection] = relationship(foreign_keys=[inspection_id])


class PhotoExif(Base):
    """What a stored photo's EXIF says: when and where it was taken, and its orientation."""

    __tablename__ = "photo_exif"

    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"), primary_key=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    orientation: Mapped[int | None] = mapped_column(Integer)


class PhotoFlag(Base):
    """A record's photo taken over 200 m outside its parcel (`far`) or 2 h from the visit (`time`)."""

    __tablename__ = "photo_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"))
    reason: Mapped[str] = mapped_column(String(20))
    distance_m: Mapped[float | None] = mapped_column(Float)
    minutes_off: Mapped[float | None] = mapped_column(Float)
