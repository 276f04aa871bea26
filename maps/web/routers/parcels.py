"""A parcel's page and JSON, its inspections (GET, POST), the inspection form and photos."""

from __future__ import annotations

import re
from typing import Annotated, Any

import pandas as pd
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from cases.inspections import inspection_history
from cases.models import Inspection, Photo, User, inspection_photos
from cases.photo_evidence import original_key, thumbnail, thumbnail_key
from cases.status.derive import parcel_status
from geo.errors import NotFoundError
from geo.media import Media
from layers.models import Parcel
from layers.query import near_codes
from maps.web.deps import CsrfDep, SessionDep, SettingsDep, StoreDep
from maps.web.inspecting import log_once
from maps.web.messages import web_error
from maps.web.pages import render
from maps.web.policy import check_street, inspection_writer, limited_to_streets, street_reader
from maps.web.schemas import InspectionIn, InspectionOut, ParcelOut

router = APIRouter(tags=["parcels"])
Reader = Annotated[User, Depends(street_reader)]
Writer = Annotated[User, Depends(inspection_writer)]
PHOTO_NAME = re.compile(r"^([0-9a-f]{64})\.(jpg|png|gif|webp|heic)$")


def visible_parcel(session: SessionDep, user: User, code: str) -> Parcel:
    """The parcel, if this user may see its street; near codes offered only from streets they may see."""
    parcel = session.scalar(sa.select(Parcel).where(Parcel.code == code))
    if parcel is None:
        near = near_codes(session, code, limited_to_streets(user))
        raise web_error(NotFoundError, "no_parcel_near" if near else "no_parcel", field="code", code=code,
                        near=near)
    check_street(user, parcel.street_code)
    return parcel


def parcel_summary(session: SessionDep, parcel: Parcel) -> dict[str, Any]:
    """The parcel with its status now, as `ParcelOut`."""
    status = parcel_status(session, parcel)
    last = status.get("last_inspected_at")
    return {
        "code": parcel.code, "kind": parcel.kind, "name": parcel.name, "street_code": parcel.street_code,
        "village": parcel.village, "area_m2": parcel.area_m2, "status": status["status"],
        "last_inspected_at": None if last is None or pd.isna(last) else last,  # NaT when never inspected
        "inspections_count": int(status.get("inspections_count") or 0),
        "open_issue_refs": status.get("open_issue_refs") or "",
        "issue_states": status.get("issue_states") or "",
    }


@router.get("/parcels/{code}", include_in_schema=False)
def parcel_page(request: Request, code: str, session: SessionDep, user: Reader) -> Response:
    """History (corrections included), photos and linked issues of a parcel."""
    parcel = visible_parcel(session, user, code)
    history = inspection_history(session, parcel.code)
    photos = {item["id"]: [f"{p.sha256}.{p.media_type.split('/')[-1].replace('jpeg', 'jpg')}"
                           for p in session.get(Inspection, item["id"]).photos] for item in history}
    summary = parcel_summary(session, parcel)
    issues = [pair.split(":", 1) for pair in summary["issue_states"].split(";") if pair]
    return render(request, "parcel.html", {"parcel": parcel, "summary": summary, "history": history,
                                           "photos": photos, "issues": issues})


@router.get("/api/parcels/{code}", response_model=ParcelOut)
def parcel_detail(code: str, session: SessionDep, user: Reader) -> dict[str, Any]:
    """A parcel with its status now."""
    return parcel_summary(session, visible_parcel(session, user, code))


@router.get("/api/parcels/{code}/inspections", response_model=list[dict[str, Any]])
def parcel_inspections(code: str, session: SessionDep, user: Reader) -> list[dict[str, Any]]:
    """Every record of the parcel, newest first, corrections and superseded ones included."""
    return inspection_history(session, visible_parcel(session, user, code).code)


@router.post("/api/parcels/{code}/inspections", response_model=InspectionOut, status_code=201,
             dependencies=[CsrfDep], responses={200: {"description": "Already stored (same client_id)."}})
def post_inspection(
    code: str, body: InspectionIn, store: StoreDep, settings: SettingsDep, user: Writer,
) -> Response | dict[str, Any]:
    """Log an inspection; a retry with the same `client_id` returns the stored one (200)."""
    with store.session() as session:
        visible_parcel(session, user, code)
    values = body.model_dump(exclude_none=True)
    record, created = log_once(store, user, parcel_code=code, values=values, retries=settings.write_retries)
    if created:
        return record
    return Response(InspectionOut(**record).model_dump_json(), media_type="application/json")


@router.get("/photos/{name}", include_in_schema=False)
def photo(name: str, session: SessionDep, store: StoreDep, user: Reader, thumb: bool = False) -> Response:
    """A stored photo, by its content hash, to those who may see one of its parcels (`thumb`: its
    upright thumbnail for lists, where the photo can be decoded)."""
    match = PHOTO_NAME.fullmatch(name)
    if not match:
        raise NotFoundError("no such photo")
    found = session.scalar(sa.select(Photo).where(Photo.sha256 == match.group(1)))
    if found is None or original_key(found) != f"{found.sha256[:2]}/{name}":
        raise NotFoundError("no such photo")
    streets = session.scalars(
        sa.select(Parcel.street_code).join(Inspection, Inspection.parcel_id == Parcel.id)
        .join(inspection_photos, inspection_photos.c.inspection_id == Inspection.id)
        .where(inspection_photos.c.photo_id == found.id)).all()
    if user.role == "inspector" and not set(streets) & set(user.streets or []):
        check_street(user, None)
    media = store.media()
    small = _thumbnail(session, store, media, found) if thumb else None
    data = small if small is not None else media.get(session, original_key(found))
    if data is None:
        raise NotFoundError("no such photo")
    return Response(data, media_type="image/jpeg" if small is not None else found.media_type,
                     headers={"Cache-Control": "private, max-age=86400"})


def _thumbnail(session: SessionDep, store: StoreDep, media: Media, found: Photo) -> bytes | None:
    """The photo's thumbnail; one recorded before thumbnails were kept is made and stored now."""
    stored = media.get(session, thumbnail_key(found.sha256))
    if stored is not None:
        return stored
    try:
        with store.writing(), store.session() as session:
            return thumbnail(session, media, found)
    except sa.exc.IntegrityError:  # another request stored it first: the same bytes
        with store.session() as again:
            return media.get(again, thumbnail_key(found.sha256))
