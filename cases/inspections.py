"""Logging, correcting and reading site inspections. Records are append-only.

A correction is a new record naming the one it supersedes; nothing is ever
updated or deleted, so every past status can be rebuilt (see `cases.status`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
import sqlalchemy as sa
from geoalchemy2.elements import WKTElement
from sqlalchemy.orm import Session, aliased

from cases.conflicts import detect_conflicts, resolve_superseded
from cases.models import Inspection
from cases.photo_evidence import flag_text, flags_of, record_evidence
from cases.photos import store_photo
from cases.rules import FINDING_NAMES
from cases.validation import check_records
from geo.audit import default_actor, record
from geo.crs import STORAGE_EPSG
from geo.errors import ConflictError, InputError, NotFoundError
from geo.frames import wkb_column
from geo.media import Media
from geo.orm import utc_now
from geo.text import check_text
from layers.query import get_parcel

EDITABLE = frozenset({*FINDING_NAMES, "inspected_at", "inspector", "note", "lon", "lat"})
# A correction changing nothing would only copy the record (the API's words, so every interface agrees).
NO_CHANGE = "body: give at least one field to correct"


def _raw_frame(values: Mapping[str, Any]) -> pd.DataFrame:
    """One record as the validator's raw frame (every value as text)."""
    text = {k: ("" if v is None else v.isoformat() if isinstance(v, datetime) else str(v))
            for k, v in values.items()}
    return pd.DataFrame([text], dtype=object)


def _validated(
    session: Session, values: Mapping[str, Any], *, now: datetime, exclude: frozenset[int] = frozenset(),
) -> dict[str, Any]:
    """The one record, checked; the first error (naming its field) is raised."""
    unknown = sorted(set(values) - EDITABLE - {"parcel_code", "client_id"})
    if unknown:
        raise InputError(f"{unknown[0]}: not a finding (known: {', '.join(FINDING_NAMES)})", field=unknown[0],
                         code="unknown_field")
    good, errors = check_records(session, _raw_frame(values), now=now, exclude_ids=exclude)
    if errors:
        raise errors[0].error()
    return good.iloc[0].to_dict()


def _new_inspection(row: Mapping[str, Any], *, now: datetime, supersedes: int | None) -> Inspection:
    lon, lat = row.get("lon"), row.get("lat")
    point = None if pd.isna(lon) or pd.isna(lat) else WKTElement(f"POINT({lon} {lat})", srid=STORAGE_EPSG)
    return Inspection(
        parcel_id=int(row["parcel_id"]),
        inspected_at=pd.Timestamp(row["inspected_at"]).to_pydatetime(),
        recorded_at=now,
        inspector=row["inspector"],
        client_id=row.get("client_id"),
        supersedes_id=supersedes,
        gps=point,
        off_site=bool(row["off_site"]),
        note=row.get("note"),
        **{name: _plain(row[name]) for name in FINDING_NAMES},
    )


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, for the drivers."""
    return value.item() if hasattr(value, "item") else value


def _attach_photos(
    session: Session, inspection: Inspection, photos: Sequence[Path], media: Media | None,
) -> None:
    if photos and media is None:
        raise InputError("photos: no media configured", field="photos", code="no_media")
    for number, path in enumerate(photos, start=1):
        photo = store_photo(session, Path(path), media=media, number=number)
        if photo not in inspection.photos:
            inspection.photos.append(photo)


def _audit(session: Session, inspection: Inspection, action: str, actor: str | None) -> None:
    record(
        session, actor=actor or default_actor(), action=action, entity="inspection",
        key=str(inspection.id),
        detail={"parcel_id": inspection.parcel_id, "supersedes": inspection.supersedes_id,
                "inspected_at": inspection.inspected_at,
                **{n: getattr(inspection, n) for n in FINDING_NAMES}},
    )


def find_by_client_id(session: Session, client_id: str) -> Inspection | None:
    """The record a phone or import stored under `client_id`, if any (retries are idempotent)."""
    check_text(client_id, field="client_id")
    return session.scalar(sa.select(Inspection).where(Inspection.client_id == client_id))


def log_inspection(
    session: Session,
    *,
    parcel_code: str,
    inspected_at: datetime | str,
    inspector: str,
    findings: Mapping[str, Any] | None = None,
    lon: float | None = None,
    lat: float | None = None,
    note: str | None = None,
    photos: Sequence[Path] = (),
    media: Media | None = None,
    client_id: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
    known_street: str | None = None,
) -> Inspection:
    """Record one site visit, after checking every field; returns the new record.

    `findings` maps finding names (`cases.rules.FINDING_NAMES`) to values;
    unnamed findings are zero / no. A GPS point over 200 m from the parcel is
    kept and flagged `off_site`. A parcel changed since the visit (see
    `cases.conflicts`; `known_street` is its street as the phone knew it) gets
    the record stored with a conflict.
    """
    now = now or utc_now()
    if client_id and find_by_client_id(session, client_id) is not None:
        raise ConflictError(f"client_id: {client_id!r} is already recorded", field="client_id",
                            code="duplicate")
    values = {"parcel_code": parcel_code, "inspected_at": inspected_at, "inspector": inspector,
              "lon": lon, "lat": lat, "note": note, "client_id": client_id, **(findings or {})}
    row = _validated(session, values, now=now)
    inspection = _new_inspection(row, now=now, supersedes=None)
    session.add(inspection)
    _attach_photos(session, inspection, photos, media)
    session.flush()
    _audit(session, inspection, "inspection.log", actor)
    detect_conflicts(session, inspection, known_street=known_street)
    record_evidence(session, inspection, media)
    return inspection


def correct_inspection(
    session: Session,
    inspection_id: int,
    *,
    changes: Mapping[str, Any],
    photos: Sequence[Path] = (),
    media: Media | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> Inspection:
    """Write a new record superseding `inspection_id`, with `changes` applied.

    Only the latest record of a chain can be corrected, so history stays a line.
    """
    now = now or utc_now()
    old = session.get(Inspection, inspection_id)
    if old is None:
        raise NotFoundError(f"no inspection {inspection_id}", code="no_inspection")
    newer = session.scalar(sa.select(Inspection.id).where(Inspection.supersedes_id == old.id))
    if newer is not None:
        raise ConflictError(f"inspection {old.id} was already corrected by {newer}; correct {newer}",
                            code="already_corrected")
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise InputError(f"{unknown[0]}: cannot be corrected (editable: {', '.join(sorted(EDITABLE))})",
                         field=unknown[0], code="not_editable")
    if not changes and not photos:
        raise InputError(NO_CHANGE, field="body", code="no_change")
    values: dict[str, Any] = {
        "parcel_code": old.parcel.code, "inspected_at": old.inspected_at, "inspector": old.inspector,
        "note": old.note, **{name: getattr(old, name) for name in FINDING_NAMES}, **_gps(session, old),
    }
    values.update(changes)
    row = _validated(session, values, now=now, exclude=frozenset({old.id}))
    inspection = _new_inspection(row, now=now, supersedes=old.id)
    inspection.photos = list(old.photos)
    session.add(inspection)
    _attach_photos(session, inspection, photos, media)
    session.flush()
    _audit(session, inspection, "inspection.correct", actor)
    resolve_superseded(session, inspection, actor=actor)
    record_evidence(session, inspection, media)
    return inspection


def _gps(session: Session, inspection: Inspection) -> dict[str, float | None]:
    wkb = session.scalar(sa.select(wkb_column(Inspection.gps)).where(Inspection.id == inspection.id))
    if wkb is None:
        return {"lon": None, "lat": None}
    point = shapely.from_wkb(wkb)
    return {"lon": point.x, "lat": point.y}


HISTORY_COLUMNS = (
    "id", "inspected_at", "recorded_at", "inspector", "superseded_by", "supersedes_id", "off_site",
    *FINDING_NAMES, "note", "photos", "photo_flags",
)


def inspection_history(session: Session, parcel_code: str) -> list[dict[str, Any]]:
    """Every record of a parcel, newest visit first, corrections and superseded ones included."""
    parcel = get_parcel(session, parcel_code)
    newer = aliased(Inspection)
    rows = session.execute(
        sa.select(Inspection, newer.id)
        .outerjoin(newer, newer.supersedes_id == Inspection.id)
        .where(Inspection.parcel_id == parcel.id)
        .order_by(Inspection.inspected_at.desc(), Inspection.id.desc())
    ).all()
    history = []
    flags = flags_of(session, [inspection.id for inspection, _ in rows])
    for inspection, superseded_by in rows:
        item = {name: getattr(inspection, name) for name in HISTORY_COLUMNS
                if name not in ("superseded_by", "photos", "photo_flags")}
        item["superseded_by"] = superseded_by
        item["photos"] = ";".join(p.sha256[:12] for p in inspection.photos)
        item["photo_flags"] = flag_text(flags.get(inspection.id, []))
        history.append(item)
    return history
