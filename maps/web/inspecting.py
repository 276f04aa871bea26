"""Logging an inspection from the web: idempotent by client id, photos from uploads.

The checks and the write are `cases.inspections.log_inspection`'s; this module
only adds what HTTP needs: a retried POST with the same client id returns the
record already stored, and uploaded photos are streamed to disk, capped at 20 MB.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session
from starlette.datastructures import UploadFile

from cases.conflicts import conflicts_of
from cases.inspections import find_by_client_id, log_inspection
from cases.models import Inspection, User
from cases.photo_evidence import flags_of
from cases.photos import MAX_BYTES
from cases.rules import FINDING_NAMES
from geo.errors import ConflictError, InputError
from geo.store import Store
from maps.web.writes import run_write

CHUNK = 1 << 20
_SAFE_NAME = re.compile(r"[^\w.\-]+")


def inspection_dict(inspection: Inspection, parcel_code: str) -> dict[str, Any]:
    """An inspection as the API returns it."""
    return {
        "id": inspection.id, "parcel_code": parcel_code, "client_id": inspection.client_id,
        "inspected_at": inspection.inspected_at, "recorded_at": inspection.recorded_at,
        "inspector": inspection.inspector, "off_site": bool(inspection.off_site),
        "supersedes_id": inspection.supersedes_id, "note": inspection.note,
        "photos": [p.sha256 for p in inspection.photos],
        "findings": {name: getattr(inspection, name) for name in FINDING_NAMES},
        "conflicts": conflicts_of(object_session(inspection), inspection.id),
        "photo_flags": flags_of(object_session(inspection), [inspection.id]).get(inspection.id, []),
    }


def _recorded(session: Session, client_id: str, parcel_code: str, user: User) -> dict[str, Any] | None:
    """The record already stored under this client id, if it is this user's, for this parcel."""
    found = find_by_client_id(session, client_id)
    if found is None:
        return None
    if found.parcel.code != parcel_code or found.inspector != user.name:
        raise ConflictError(f"client_id: {client_id!r} was used for another inspection")
    return inspection_dict(found, parcel_code)


def log_once(
    store: Store, user: User, *, parcel_code: str, values: Mapping[str, Any],
    photos: Sequence[Path] = (), retries: int = 8,
) -> tuple[dict[str, Any], bool]:
    """Log an inspection unless its client id is stored already; (record, created)."""
    client_id = values.get("client_id") or None
    fields = {k: v for k, v in values.items() if k in FINDING_NAMES}

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        if client_id and (done := _recorded(session, client_id, parcel_code, user)):
            return done, False
        inspection = log_inspection(
            session, parcel_code=parcel_code, inspected_at=values["inspected_at"], inspector=user.name,
            findings=fields, lon=values.get("lon"), lat=values.get("lat"), note=values.get("note") or None,
            photos=photos, media=store.media(), client_id=client_id, actor=user.name,
            known_street=values.get("street_code"))
        return inspection_dict(inspection, parcel_code), True

    try:
        return run_write(store, work, retries=retries)
    except (IntegrityError, ConflictError):
        # Two copies of one submission raced: the other one was stored first (found by the
        # unique index, or by log_inspection's own look-up after ours, on PostgreSQL's read committed).
        if not client_id:
            raise
        with store.session() as session:
            done = _recorded(session, client_id, parcel_code, user)
        if done is None:
            raise
        return done, False


def _upload_name(upload: UploadFile, number: int) -> str:
    stem = _SAFE_NAME.sub("_", Path(upload.filename or "").name).strip("._") or f"photo{number}"
    return stem[-100:]


@contextmanager
def saved_uploads(uploads: Sequence[UploadFile]) -> Iterator[list[Path]]:
    """Uploaded photos as files in a private temporary folder, each refused over 20 MB."""
    with tempfile.TemporaryDirectory(prefix="lp-upload-") as folder:
        paths: list[Path] = []
        for number, upload in enumerate((u for u in uploads if u.filename), start=1):
            target = Path(folder) / f"{number}-{_upload_name(upload, number)}"
            size = 0
            with target.open("wb") as out:
                while chunk := upload.file.read(CHUNK):
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise InputError(f"photos: {upload.filename} is over the 20 MB limit", field="photos")
                    out.write(chunk)
            paths.append(target)
        yield paths
