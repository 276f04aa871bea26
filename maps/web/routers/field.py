"""The field app for inspectors (`/field/`): its shell, service worker, offline package and uploads.

The shell (HTML, JS, CSS, Leaflet, manifest, icons) holds no user data and no
CSRF token, so the service worker may keep it; everything of a user comes from
`/api/field/...`, which is never cached and which the app keeps in IndexedDB
keyed by the user. Uploads go through the same idempotent `log_once` as the
JSON API, with photos as multipart parts; a refusal names its field by label.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from cases.field_labels import FIELD_LABELS, labelled
from cases.models import User
from cases.patrol import patrol_entries
from cases.photos import MAX_BYTES
from cases.rules import FINDING_NAMES, FINDINGS
from cases.status.derive import status_frame
from cases.status.rules import STATUS_COLORS, STATUS_LABELS
from geo.errors import InputError, LandpatrolError
from geo.i18n import translations
from geo.local_time import local_iso, local_text
from geo.orm import utc_now
from layers.query import parcels_frame, streets_frame
from maps.geojson import feature_collection, round_geometries, script_safe, to_json
from maps.web.deps import CsrfDep, SessionDep, SettingsDep, StoreDep
from maps.web.field_words import words_script
from maps.web.inspecting import log_once, saved_uploads
from maps.web.pages import csrf_for, page_lang, render
from maps.web.policy import inspection_writer, limited_to_streets
from maps.web.routers.inspect_form import read_form
from maps.web.routers.parcels import visible_parcel
from maps.web.schemas import InspectionIn, parse_form

router = APIRouter(tags=["field app"])
Writer = Annotated[User, Depends(inspection_writer)]
FIELD_STATIC = Path(__file__).resolve().parent.parent / "static" / "field"
MAX_PHOTOS = 10
TEXT_FIELDS = ("client_id", "inspected_at", "lon", "lat", "note", "street_code")  # street: as the phone knew
NO_STORE = {"Cache-Control": "private, no-store"}
FORM_FIELDS = {"code": "parcel_code", "lon/lat": "lon", "lat": "lon"}  # where the app shows their errors


# --- the shell ------------------------------------------------------------------------------------

@router.get("/field/", include_in_schema=False)
def field_shell(request: Request) -> Response:
    """The app's one page; the same bytes for everyone (the service worker keeps it offline)."""
    response = render(request, "field.html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/field/sw.js", include_in_schema=False)
def service_worker() -> FileResponse:
    """The service worker, from `/field/` so that its scope is the app."""
    return FileResponse(FIELD_STATIC / "sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/field/"})


@router.get("/field/words.js", include_in_schema=False)
def words() -> Response:
    """The app's words in every language, from the catalogue; part of the offline shell."""
    return Response(words_script(), media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/field/manifest.webmanifest", include_in_schema=False)
def manifest() -> Response:
    """The web app manifest: installable, standalone, opening on `/field/`, named in Chinese."""
    zh = translations("zh")
    body = {
        "name": zh.gettext("Tianhe land patrol · field work"), "short_name": zh.gettext("Land patrol"),
        "lang": "zh-CN",
        "start_url": "/field/", "scope": "/field/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1f4e3d",
        "icons": [{"src": f"/static/field/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png",
                   "purpose": "any maskable"} for size in (192, 512)],
    }
    return Response(to_json(body), media_type="application/manifest+json")


# --- the signed-in user's data -------------------------------------------------------------------

@router.get("/api/field/session")
def field_session(request: Request, user: Writer) -> JSONResponse:
    """Who is signed in, their streets and this session's CSRF token (never cached)."""
    body = {"user": user.name, "role": user.role, "streets": limited_to_streets(user),
            "csrf": csrf_for(request)}
    return JSONResponse(body, headers=NO_STORE)


def form_definition() -> list[dict[str, Any]]:
    """The findings' inputs (name, labels, type, bounds): the bounds the API checks, from `FINDINGS`."""
    flag = "flag"
    return [{"name": f.name, "kind": f.kind, "label_zh": f.label_zh, "label_en": f.label_en,
             "min": None if f.kind == flag else f.minimum, "max": f.maximum} for f in FINDINGS]


def _streets(session: Session, codes: list[str] | None) -> list[dict[str, Any]]:
    frame = streets_frame(session)
    if codes is not None:
        frame = frame[frame["code"].isin(codes)]
    geoms = round_geometries(frame.geometry.to_numpy())
    return [{"code": code, "name": name, "outline": None if geom is None else geom.__geo_interface__}
            for code, name, geom in zip(frame["code"], frame["name"], geoms, strict=True)]


def _text(value: Any) -> str | None:
    """A text column's value, None where pandas read NULL as NaN (JSON has no NaN)."""
    return value if isinstance(value, str) else None


def _parcels(session: Session, codes: list[str]) -> str:
    """The streets' parcels as GeoJSON: display geometry, properties, status and latest findings."""
    parcels = parcels_frame(session, street_codes=codes)
    status = status_frame(session, parcel_ids=parcels["id"].tolist()).reindex(parcels["id"])
    latest = status[list(FINDING_NAMES)].astype(float).fillna(0).to_numpy()
    props = [
        {"code": code, "kind": kind, "name": _text(name), "village": _text(village),
         "area_m2": round(float(area), 1), "status": state, "properties": extra or {},
         "findings": {n: v for n, v in zip(FINDING_NAMES, values, strict=True) if v}}
        for code, kind, name, village, area, extra, state, values in zip(
            parcels["code"], parcels["kind"], parcels["name"], parcels["village"], parcels["area_m2"],
            parcels["properties"], status["status"], latest.tolist(), strict=True)
    ]
    return feature_collection(np.asarray(parcels.geometry.to_numpy()), props)


def _patrol(session: Session, codes: list[str]) -> str:
    """The streets' patrol as script-safe JSON text: the body `/api/patrol` serves."""
    return script_safe(patrol_entries(session, street_codes=codes).to_json().decode())


def build_package(session: Session, user: User) -> bytes:
    """The offline package as UTF-8 JSON: only the user's streets."""
    allowed = limited_to_streets(user)
    streets = _streets(session, allowed)
    codes = [s["code"] for s in streets]
    now = utc_now()
    head = {
        "user": user.name, "generated_at": local_iso(now), "generated_at_text": local_text(now),
        "streets": streets, "form": form_definition(),
        "statuses": {s: {"color": STATUS_COLORS[s], "label_zh": zh, "label_en": en}
                     for s, (zh, en) in STATUS_LABELS.items()},
        "max_photos": MAX_PHOTOS, "max_photo_bytes": MAX_BYTES,
    }
    return (to_json(head)[:-1] + ',"patrol":' + _patrol(session, codes)
            + ',"parcels":' + _parcels(session, codes) + "}").encode()


@router.get("/api/field/package")
def field_package(request: Request, session: SessionDep, user: Writer) -> Response:
    """Everything the app needs offline for the user's streets, gzip-compressed JSON."""
    body = build_package(session, user)
    headers = {**NO_STORE, "Vary": "Accept-Encoding, Cookie"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)


# --- uploads --------------------------------------------------------------------------------------

def refusal(err: LandpatrolError, lang: str) -> tuple[str, str]:
    """(form field, message) for a refused record: the error's field, named in the message by its label."""
    field = err.field or ""
    if field not in FIELD_LABELS:
        return "", str(err)
    return FORM_FIELDS.get(field, field), labelled(str(err), field, lang)


def _upload_values(form: FormData) -> tuple[str, dict[str, Any], list[UploadFile]]:
    code = str(form.get("parcel_code") or "").strip()
    data: dict[str, Any] = {name: str(form.get(name) or "") or None for name in TEXT_FIELDS}
    data |= {f.name: str(form.get(f.name)) for f in FINDINGS if form.get(f.name) not in (None, "")}
    uploads = [u for u in form.getlist("photos") if isinstance(u, UploadFile) and u.filename]
    if not code:
        raise InputError("parcel_code: choose a parcel", field="parcel_code")
    if len(uploads) > MAX_PHOTOS:
        raise InputError(f"photos: at most {MAX_PHOTOS} a record", field="photos")
    return code, parse_form(InspectionIn, data).model_dump(exclude_none=True), uploads


@router.post("/api/field/inspections", status_code=201, dependencies=[CsrfDep],
             responses={200: {"description": "Already stored (same client_id)."}})
def field_inspection(
    request: Request, store: StoreDep, settings: SettingsDep, user: Writer,
    form: Annotated[FormData, Depends(read_form)],
) -> JSONResponse:
    """Store a queued record with its photos (multipart); a retry with its `client_id` stores nothing.

    A refusal answers `{"detail", "field"}`, the message naming the field by its label.
    """
    lang = page_lang(request)
    try:
        code, values, uploads = _upload_values(form)
        with store.session() as session:
            visible_parcel(session, user, code)
        with saved_uploads(uploads) as paths:
            record, created = log_once(store, user, parcel_code=code, values=values, photos=paths,
                                       retries=settings.write_retries)
    except LandpatrolError as err:
        if err.http_status >= 500:
            raise
        field, message = refusal(err, lang)
        return JSONResponse({"detail": message, "field": field}, status_code=err.http_status)
    return JSONResponse(jsonable_encoder(record), status_code=201 if created else 200)
