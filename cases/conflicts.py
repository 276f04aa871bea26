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
from sqlalchemy.orm import Session

from cases.models import Inspection, InspectionConflict
from cases.rules import FINDING_NAMES
from geo.audit import default_actor, record
from geo.errors import ConflictError, NotFoundError
from geo.local_time import local_iso
from geo.orm import utc_now
from layers.models import Parcel, ParcelVersion

REASONS: dict[str, tuple[str, str]] = {
    "reshaped": ("地块形状在巡查后已更新", "The parcel was reshaped after the visit"),
    "moved": ("地块已划入其他街道", "The parcel now lies in another street"),
    "retired": ("地块在巡查后已注销", "The parcel was retired after the visit"),
    "other_record": ("其他巡查员随后记录了不同结果", "Another inspector later recorded other findings"),
}
AUDIT_ACTIONS = {"accepted": "conflict.accept", "superseded": "conflict.supersede"}


def detect_conflicts(
    session: Session, inspection: Inspection, *, known_street: str | None = None,
) -> list[InspectionConflict]:
    """Store a conflict for each way the parcel changed after this record's visit.

    `known_street` is the parcel's street as the phone knew it (its offline copy);
    without it a move to another street cannot be told from the record.
    """
    parcel = session.get(Parcel, inspection.parcel_id)
    assert parcel is not None  # the record was validated against it
    visit = inspection.inspected_at
    found = []
    reshaped_at = session.scalar(sa.select(sa.func.max(ParcelVersion.valid_to)).where(
        ParcelVersion.parcel_id == parcel.id, ParcelVersion.valid_to > visit))
    if reshaped_at is not None:  # the latest shape replaced after the visit
        found.append(_conflict(inspection, "reshaped", {"changed_at": local_iso(reshaped_at)}))
    if known_street and known_street != parcel.street_code:
        found.append(_conflict(inspection, "moved", {"from": known_street, "to": parcel.street_code}))
    if parcel.retired_at is not None:
        found.append(_conflict(inspection, "retired", {"retired_at": local_iso(parcel.retired_at)}))
    for other, fields in _later_records(session, inspection):
        found.append(_conflict(inspection, "other_record", {"fields": fields}, other=other.id))
    session.add_all(found)
    session.flush()
    return found


def _conflict(inspection: Inspection, reason: str, detail: dict[str, Any],
              other: int | None = None) -> InspectionConflict:
    return InspectionConflict(inspection_id=inspection.id, reason=reason, detail=detail,
                              other_inspection_id=other, detected_at=utc_now())


def _later_records(session: Session, inspection: Inspection) -> list[tuple[Inspection, list[str]]]:
    """Effective records of the parcel by other inspectors after this visit, with the findings that differ."""
    corrected = sa.select(Inspection.supersedes_id).where(Inspection.supersedes_id.is_not(None))
    others = session.scalars(sa.select(Inspection).where(
        Inspection.parcel_id == inspection.parcel_id, Inspection.id != inspection.id,
        Inspection.inspector != inspection.inspector, Inspection.inspected_at > inspection.inspected_at,
        Inspection.id.not_in(corrected),
    ).order_by(Inspection.inspected_at, Inspection.id))
    pairs = []
    for other in others:
        fields = [n for n in FINDING_NAMES if getattr(other, n) != getattr(inspection, n)]
        if fields:
            pairs.append((other, fields))
    return pairs


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
    reason_zh, reason_en = REASONS[conflict.reason]
    return {
        "id": conflict.id, "inspection_id": conflict.inspection_id,
        "parcel_code": inspection.parcel.code, "street_code": inspection.parcel.street_code,
        "inspector": inspection.inspector, "inspected_at": inspection.inspected_at,
        "recorded_at": inspection.recorded_at, "reason": conflict.reason,
        "reason_label_zh": reason_zh, "reason_label_en": reason_en, "detail": conflict.detail,
        "other_inspection_id": conflict.other_inspection_id, "detected_at": conflict.detected_at,
        "resolution": conflict.resolution, "resolved_at": conflict.resolved_at,
        "resolved_by": conflict.resolved_by, "correction_id": conflict.correction_id,
    }


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
