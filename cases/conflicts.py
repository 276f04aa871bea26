"""Conflicts: a record stored although its parcel changed after the visit, shown until resolved.

Why: records made offline reach the server hours or days after the visit. By
then the parcel may have a new shape (a re-import versioned the old one), lie in
another street than the phone knew, be retired, or carry another inspector's
later record with other findings. Records are append-only, so such a record is
stored as it came, and a conflict row says what changed; the phone is told in
the write's answer and managers see it in the review list. A manager accepts
the record, or supersedes it with a correction (`cases.inspections`), and
either way the resolution is audited. Status keeps following the usual rules:
a conflict changes nothing in it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from cases.models import Inspection, InspectionConflict
from cases.rules import FINDING_NAMES
from geo.audit import default_actor, record
from geo.errors import ConflictError, NotFoundError
from geo.i18n import N_, translator
from geo.local_time import local_iso
from geo.orm import utc_now
from layers.models import Parcel, ParcelVersion

REASONS: dict[str, str] = {  # English message ids; their Chinese is in the catalogue (`geo.i18n`)
    "reshaped": N_("The parcel was reshaped after the visit"),
    "moved": N_("The parcel now lies in another street"),
    "retired": N_("The parcel was retired after the visit"),
    "other_record": N_("Another inspector later recorded other findings"),
}
AUDIT_ACTIONS = {"accepted": "conflict.accept", "superseded": "conflict.supersede"}


def detect_conflicts(
    session: Session, inspection: Inspection, *, known_street: str | None = None,
) -> list[InspectionConflict]:
    """Store a conflict for each way the parcel changed after this record's visit.

    `known_street` is the parcel's street as the phone knew it (its offline copy);
    without it a move to another street cannot be told from the record.
    """
    subject = sa.select(Inspection.id).where(Inspection.id == inspection.id)
    return _detect(session, subject, {inspection.id: known_street} if known_street else {})


def detect_import_conflicts(session: Session, import_id: int) -> list[InspectionConflict]:
    """Store the conflicts of every record of a batch import, in four queries whatever its size.

    The rows of one file are compared with what was stored before it, not with
    each other: a file's records arrive together, as if logged in visit order.
    A file names no street as the phone knew it, so a move cannot be told.
    """
    return _detect(session, sa.select(Inspection.id).where(Inspection.import_id == import_id), {})


def _detect(session: Session, subject: sa.Select, known_streets: dict[int, str]) -> list[InspectionConflict]:
    """The conflicts of the records `subject` selects (reshaped, moved, retired, other_record), stored."""
    subject = subject.correlate(None)  # a list of ids, never tied to the outer query's inspections
    found: dict[int, list[InspectionConflict]] = {}

    def add(inspection_id: int, reason: str, detail: dict[str, Any], other: int | None = None) -> None:
        found.setdefault(inspection_id, []).append(_conflict(inspection_id, reason, detail, other))

    reshaped = session.execute(  # the latest shape replaced after the visit
        sa.select(Inspection.id, sa.func.max(ParcelVersion.valid_to))
        .join(ParcelVersion, ParcelVersion.parcel_id == Inspection.parcel_id)
        .where(Inspection.id.in_(subject), ParcelVersion.valid_to > Inspection.inspected_at)
        .group_by(Inspection.id))
    for inspection_id, changed_at in reshaped:
        add(inspection_id, "reshaped", {"changed_at": local_iso(changed_at)})
    parcels = session.execute(
        sa.select(Inspection.id, Parcel.street_code, Parcel.retired_at)
        .join(Parcel, Parcel.id == Inspection.parcel_id).where(Inspection.id.in_(subject)).where(
            Parcel.retired_at.is_not(None) | Inspection.id.in_(list(known_streets))))
    for inspection_id, street, retired_at in parcels:
        known = known_streets.get(inspection_id)
        if known and known != street:
            add(inspection_id, "moved", {"from": known, "to": street})
        if retired_at is not None:
            add(inspection_id, "retired", {"retired_at": local_iso(retired_at)})
    for inspection_id, other, fields in _later_records(session, subject):
        add(inspection_id, "other_record", {"fields": fields}, other)
    conflicts = [c for inspection_id in sorted(found) for c in found[inspection_id]]
    session.add_all(conflicts)
    session.flush()
    return conflicts


def _conflict(inspection_id: int, reason: str, detail: dict[str, Any],
              other: int | None = None) -> InspectionConflict:
    return InspectionConflict(inspection_id=inspection_id, reason=reason, detail=detail,
                              other_inspection_id=other, detected_at=utc_now())


def _later_records(session: Session, subject: sa.Select) -> list[tuple[int, int, list[str]]]:
    """(record, later record, findings that differ): effective records of the parcel by other
    inspectors after each visit, stored before the records `subject` selects."""
    mine, other = aliased(Inspection), aliased(Inspection)
    corrected = sa.select(Inspection.supersedes_id).where(Inspection.supersedes_id.is_not(None))
    pairs = session.execute(
        sa.select(*(getattr(mine, n) for n in ("id", *FINDING_NAMES)),
                  *(getattr(other, n) for n in ("id", *FINDING_NAMES)))
        .join(other, sa.and_(other.parcel_id == mine.parcel_id, other.inspector != mine.inspector,
                             other.inspected_at > mine.inspected_at))
        .where(mine.id.in_(subject), other.id.not_in(subject), other.id.not_in(corrected))
        .order_by(mine.id, other.inspected_at, other.id))
    width = 1 + len(FINDING_NAMES)
    found = []
    for row in pairs:
        ours, theirs = row[:width], row[width:]
        fields = [n for n, a, b in zip(FINDING_NAMES, ours[1:], theirs[1:], strict=True) if a != b]
        if fields:
            found.append((ours[0], theirs[0], fields))
    return found


def open_conflict(session: Session, conflict_id: int) -> InspectionConflict:
    """The conflict, if it exists and is not resolved yet (404, 409 otherwise)."""
    conflict = session.get(InspectionConflict, conflict_id)
    if conflict is None:
        raise NotFoundError(f"no conflict {conflict_id}")
    if conflict.resolution is not None:
        raise ConflictError(f"conflict {conflict_id} was already resolved ({conflict.resolution} "
                            f"by {conflict.resolved_by})")
    return conflict


def accept_conflict(session: Session, conflict_id: int, *, actor: str | None = None) -> dict[str, Any]:
    """A manager keeps the record as it is: the conflict is closed, and audited."""
    conflict = open_conflict(session, conflict_id)
    _resolve(session, conflict, "accepted", actor=actor or default_actor())
    return conflict_dict(conflict)


def resolve_superseded(session: Session, correction: Inspection, *, actor: str | None = None) -> None:
    """Close, as superseded, the open conflicts of the record a correction replaces (audited)."""
    if correction.supersedes_id is None:
        return
    open_ones = session.scalars(sa.select(InspectionConflict).where(
        InspectionConflict.inspection_id == correction.supersedes_id,
        InspectionConflict.resolution.is_(None)))
    for conflict in open_ones:
        conflict.correction_id = correction.id
        _resolve(session, conflict, "superseded", actor=actor or default_actor())


def _resolve(session: Session, conflict: InspectionConflict, resolution: str, *, actor: str) -> None:
    conflict.resolution, conflict.resolved_at, conflict.resolved_by = resolution, utc_now(), actor
    record(session, actor=actor, action=AUDIT_ACTIONS[resolution],
           entity="inspection_conflict", key=str(conflict.id),
           detail={"inspection_id": conflict.inspection_id, "reason": conflict.reason,
                   "correction_id": conflict.correction_id})
    session.flush()


def conflict_dict(conflict: InspectionConflict) -> dict[str, Any]:
    """A conflict as the API, the CLI and the review page show it."""
    inspection = conflict.inspection
    return {
        "id": conflict.id, "inspection_id": conflict.inspection_id,
        "parcel_code": inspection.parcel.code, "street_code": inspection.parcel.street_code,
        "inspector": inspection.inspector, "inspected_at": inspection.inspected_at,
        "recorded_at": inspection.recorded_at, "reason": conflict.reason,
        "reason_label_zh": reason_label(conflict.reason, "zh"),
        "reason_label_en": reason_label(conflict.reason, "en"), "detail": conflict.detail,
        "other_inspection_id": conflict.other_inspection_id, "detected_at": conflict.detected_at,
        "resolution": conflict.resolution, "resolved_at": conflict.resolved_at,
        "resolved_by": conflict.resolved_by, "correction_id": conflict.correction_id,
    }


def reason_label(reason: str, lang: str) -> str:
    """Why a record conflicts, in words of `lang`."""
    return translator(lang)(REASONS[reason])


def conflicts_of(session: Session, inspection_id: int) -> list[dict[str, Any]]:
    """The conflicts of one record (the write's answer shows them to the phone)."""
    rows = session.scalars(sa.select(InspectionConflict).where(
        InspectionConflict.inspection_id == inspection_id).order_by(InspectionConflict.id))
    return [conflict_dict(c) for c in rows]


def list_conflicts(
    session: Session, *, open_only: bool = True, street_codes: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Conflicts for the review list, newest first (open ones only by default)."""
    query = (sa.select(InspectionConflict).join(Inspection, Inspection.id == InspectionConflict.inspection_id)
             .join(Parcel, Parcel.id == Inspection.parcel_id)
             .order_by(InspectionConflict.detected_at.desc(), InspectionConflict.id.desc()))
    if open_only:
        query = query.where(InspectionConflict.resolution.is_(None))
    if street_codes is not None:
        query = query.where(Parcel.street_code.in_(list(street_codes)))
    return [conflict_dict(c) for c in session.scalars(query)]
