"""Correcting an inspection on the web: a form prefilled with its findings, and the JSON API.

`cases.inspections.correct_inspection` writes a new record superseding the old
one, which stays in the history; nothing is overwritten. Who may correct is who
may log: the inspector of the parcel's street and admins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from cases.inspections import correct_inspection
from cases.models import Inspection, User
from cases.rules import FINDING_NAMES, FINDINGS
from geo.errors import InputError, LandpatrolError, NotFoundError
from geo.local_time import to_local
from geo.store import Store
from maps.web.deps import CsrfDep, SettingsDep, StoreDep
from maps.web.inspecting import inspection_dict, saved_uploads
from maps.web.pages import render
from maps.web.policy import check_street, inspection_writer
from maps.web.routers.inspect_form import read_form
from maps.web.schemas import CorrectionIn, InspectionOut, RowId, form_errors
from maps.web.writes import run_write

router = APIRouter(tags=["inspections"])
Writer = Annotated[User, Depends(inspection_writer)]
FORM_FIELDS = ("inspected_at", "lon", "lat", "note", "photos", *FINDING_NAMES)
FLAGS = frozenset(f.name for f in FINDINGS if f.kind == "flag")
PAGE_ERRORS = (404, 409, 422)


def correctable(session: Session, user: User, inspection_id: int) -> Inspection:
    """The inspection, if it exists and lies on one of the user's streets."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError(f"no inspection {inspection_id}")
    check_street(user, inspection.parcel.street_code)
    return inspection


def _local(moment: datetime) -> str:
    """A stored time as the form's `datetime-local` value, in Beijing time."""
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def prefilled(inspection: Inspection) -> dict[str, str]:
    """The record's values as the form shows them (flags as 1/0, empty for none)."""
    values = {"inspected_at": _local(inspection.inspected_at), "note": inspection.note or "",
              "lon": "", "lat": ""}
    for name in FINDING_NAMES:
        value = getattr(inspection, name)
        values[name] = ("1" if value else "0") if name in FLAGS else _number(value)
    return values


def correct(store: Store, user: User, inspection_id: int, changes: dict[str, Any], *,
            photos: list[Any] | None = None, retries: int = 8) -> dict[str, Any]:
    """Write the correction in one transaction; the new record as the API returns it."""
    def work(session: Session) -> dict[str, Any]:
        correctable(session, user, inspection_id)
        new = correct_inspection(session, inspection_id, changes=changes, photos=photos or (),
                                 media=store.media(), actor=user.name)
        return inspection_dict(new, new.parcel.code)

    return run_write(store, work, retries=retries)


def _form_page(request: Request, inspection_id: int, parcel_code: str, values: dict[str, str],
               errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "correct.html", {
        "inspection_id": inspection_id, "parcel_code": parcel_code, "values": values,
        "errors": errors or {}, "findings": FINDINGS,
    }, status_code=status_code)


@router.get("/inspections/{inspection_id}/correct", include_in_schema=False)
def correct_form(request: Request, inspection_id: RowId, store: StoreDep, user: Writer) -> Response:
    """The form, prefilled with the record's findings (GPS left empty keeps the old position)."""
    with store.session() as session:
        inspection = correctable(session, user, inspection_id)
        values, code = prefilled(inspection), inspection.parcel.code
    return _form_page(request, inspection_id, code, values)


def _form_changes(form: FormData, before: dict[str, str]) -> dict[str, str]:
    """The submitted values that differ from the record's (so unchanged times keep their seconds).

    A field left out of the form keeps its value; an unticked box is a no.
    """
    values = {name: str(form.get(name) or "")[:4000] for name in FORM_FIELDS if name in form}
    values.pop("photos", None)
    for name in FLAGS:
        values[name] = "1" if form.get(name) else "0"
    return {k: v for k, v in values.items() if v != before.get(k)}


@router.post("/inspections/{inspection_id}/correct", include_in_schema=False, dependencies=[CsrfDep])
def correct_submit(
    request: Request, inspection_id: RowId, store: StoreDep, settings: SettingsDep, user: Writer,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    """Store the correction, or show the form again with the error beside its field."""
    with store.session() as session:
        inspection = correctable(session, user, inspection_id)
        before, code = prefilled(inspection), inspection.parcel.code
    changes = _form_changes(form, before)
    uploads = [u for u in form.getlist("photos") if isinstance(u, UploadFile)]
    try:
        with saved_uploads(uploads) as paths:
            correct(store, user, inspection_id, changes, photos=paths, retries=settings.write_retries)
    except LandpatrolError as err:
        if err.http_status not in PAGE_ERRORS:
            raise
        errors = form_errors(err, FORM_FIELDS, "form")
        return _form_page(request, inspection_id, code, {**before, **changes}, errors, err.http_status)
    return RedirectResponse(f"/parcels/{code}?saved=1", status_code=303)


@router.post("/api/inspections/{inspection_id}/corrections", response_model=InspectionOut,
             status_code=201, dependencies=[CsrfDep])
def api_correct(inspection_id: RowId, body: CorrectionIn, store: StoreDep, settings: SettingsDep,
                user: Writer) -> dict[str, Any]:
    """A new record superseding this one, with the fields given changed (409 if already corrected)."""
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise InputError("body: give at least one field to correct", field="body")
    return correct(store, user, inspection_id, changes, retries=settings.write_retries)
