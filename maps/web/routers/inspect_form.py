"""The phone-friendly inspection form: a parcel by code or from the map, findings, photos, GPS.

A validation error is shown beside its field and everything typed is kept; a
resubmitted form (same hidden client id) is stored once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from cases.models import User
from cases.rules import FINDINGS
from cases.status.clock import LOCAL_TZ
from geo.errors import InputError, LandpatrolError, NotFoundError
from maps.web.deps import CsrfDep, SettingsDep, StoreDep
from maps.web.inspecting import log_once, saved_uploads
from maps.web.messages import localized
from maps.web.pages import page_lang, render
from maps.web.policy import inspection_writer
from maps.web.routers.parcels import visible_parcel

router = APIRouter(tags=["inspection form"])
Writer = Annotated[User, Depends(inspection_writer)]
TEXT_FIELDS = ("code", "inspected_at", "lon", "lat", "note", "client_id")
FIELD_ALIASES = {"parcel_code": "code", "lon/lat": "lat"}


def _form_page(request: Request, values: dict[str, Any], errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    return render(request, "inspect.html", {"values": values, "errors": errors or {}, "findings": FINDINGS},
                  status_code=status_code)


def _form_error(request: Request, err: LandpatrolError) -> dict[str, str]:
    """The error beside the field it names (`err.field`), in the page's language."""
    field = FIELD_ALIASES.get(err.field or "", err.field or "form")
    return {field: localized(err, page_lang(request))}


@router.get("/inspect", include_in_schema=False)
def inspect_form(request: Request, store: StoreDep, user: Writer, code: str = "") -> Response:
    """An empty form (the parcel's code filled in when chosen from its page or the map)."""
    now = datetime.now(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    values = {"code": code, "inspected_at": now, "client_id": uuid.uuid4().hex}
    if code:
        try:
            with store.session() as session:
                visible_parcel(session, user, code)
        except NotFoundError as err:  # the code as typed, the near ones beside it
            return _form_page(request, values, _form_error(request, err), status_code=404)
    return _form_page(request, values)


def _number(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{field}: {text!r} is not a number", field=field, code="not_a_number") from None


async def read_form(request: Request) -> FormData:
    """The submitted form (parsed once; the CSRF check reads the same one)."""
    return await request.form()


@router.post("/inspect", include_in_schema=False, dependencies=[CsrfDep])
def inspect_submit(
    request: Request, store: StoreDep, settings: SettingsDep, user: Writer,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    """Check and store the inspection, or show the form again with the errors beside fields."""
    values: dict[str, Any] = {name: str(form.get(name) or "")[:4000] for name in TEXT_FIELDS}
    for finding in FINDINGS:
        raw = form.get(finding.name)
        values[finding.name] = ("1" if raw else "0") if finding.kind == "flag" else str(raw or "")[:50]
    code = values["code"].strip()
    uploads = [u for u in form.getlist("photos") if isinstance(u, UploadFile)]
    try:
        if not code:
            raise InputError("code: choose a parcel", field="code", code="empty")
        with store.session() as session:
            visible_parcel(session, user, code)
        entry = {**values, "lon": _number(values["lon"], "lon"), "lat": _number(values["lat"], "lat")}
        with saved_uploads(uploads) as paths:
            log_once(store, user, parcel_code=code, values=entry, photos=paths,
                     retries=settings.write_retries)
    except LandpatrolError as err:
        if err.http_status not in (404, 422):
            raise
        return _form_page(request, values, _form_error(request, err), status_code=422)
    return RedirectResponse(f"/parcels/{code}?saved=1", status_code=303)
