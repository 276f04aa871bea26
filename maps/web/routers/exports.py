"""Exports for analysts: parcel status layers and the issue ledger, written then downloaded.

Files are written by the same services as `landpatrol export` into the app's
export folder under generated names; downloads accept only such a name, so no
path can reach outside the folder.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from cases.ledger_io import export_ledger
from cases.models import User
from cases.status.clock import LOCAL_TZ
from cases.status.export_rows import StatusQuery, export_status
from cases.status.rules import STATUSES
from geo.audit import record
from geo.errors import NotFoundError
from layers.export_spec import ExportOptions
from layers.export_write import FORMATS
from layers.kinds import KINDS
from layers.streets import list_streets
from maps.web.deps import CsrfDep, SessionDep, StoreDep
from maps.web.pages import render
from maps.web.policy import exporter
from maps.web.schemas import ExportIn, ExportOut, parse_form

router = APIRouter(tags=["exports"])
Exporter = Annotated[User, Depends(exporter)]
FILE_NAME = re.compile(r"^[a-z]+-\d{8}-\d{6}-[0-9a-f]{8}\.[a-z]+$")


def export_dir(request: Request) -> Path:
    """The app's export folder."""
    return request.app.state.export_dir


def _new_name(what: str, extension: str) -> str:
    stamp = datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M%S")
    return f"{what}-{stamp}-{secrets.token_hex(4)}{extension}"


def run_export(store: StoreDep, folder: Path, body: ExportIn, user: User) -> dict[str, Any]:
    """Write one export into the folder; its name and row count."""
    if body.what == "ledger":
        out = folder / _new_name("ledger", ".xlsx")
        with store.session() as session:
            export_ledger(session, out, lang=body.lang, as_of=body.as_of)
            record(session, actor=user.name, action="export", entity="issues", key=out.name,
                   detail={"format": "xlsx", "as_of": body.as_of})
        return {"name": out.name, "url": f"/exports/files/{out.name}", "rows": None}
    out = folder / _new_name("parcels", FORMATS[body.format].extensions[0])
    query = StatusQuery(tuple(body.kinds), tuple(body.streets), tuple(body.statuses), body.as_of)
    result = export_status(store, out, query, ExportOptions(fmt=body.format), lang=body.lang, actor=user.name)
    return {"name": out.name, "url": f"/exports/files/{out.name}", "rows": result.rows}


def _files(folder: Path) -> list[dict[str, Any]]:
    found = sorted((p for p in folder.iterdir() if FILE_NAME.fullmatch(p.name)), key=lambda p: p.name,
                   reverse=True)
    return [{"name": p.name, "url": f"/exports/files/{p.name}", "bytes": p.stat().st_size} for p in found]


@router.get("/exports", include_in_schema=False)
def exports_page(request: Request, session: SessionDep, _user: Exporter, made: str | None = None) -> Response:
    """The export form and the files exported so far."""
    return render(request, "exports.html", {
        "files": _files(export_dir(request)), "formats": list(FORMATS), "streets": list_streets(session),
        "kinds": list(KINDS), "statuses": STATUSES,
        "made": made if made and FILE_NAME.fullmatch(made) else None,
    })


@router.post("/exports", include_in_schema=False, dependencies=[CsrfDep])
def exports_form(
    request: Request, store: StoreDep, user: Exporter,
    what: Annotated[str, Form(max_length=20)] = "parcels",
    format: Annotated[str, Form(max_length=20)] = "gpkg",
    street: Annotated[str, Form(max_length=100)] = "", kind: Annotated[str, Form(max_length=40)] = "",
    status: Annotated[str, Form(max_length=40)] = "", as_of: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The page's export button: write the file, then show it in the list."""
    body = parse_form(ExportIn, {
        "what": what, "format": format, "streets": [street] if street else [],
        "kinds": [kind] if kind else [], "statuses": [status] if status else [],
        "as_of": as_of or None, "lang": "zh",
    })
    made = run_export(store, export_dir(request), body, user)
    return RedirectResponse(f"/exports?made={made['name']}", status_code=303)


@router.post("/api/exports", response_model=ExportOut, status_code=201, dependencies=[CsrfDep])
def api_export(request: Request, body: ExportIn, store: StoreDep, user: Exporter) -> dict[str, Any]:
    """Export parcel status (any format) or the ledger (xlsx); download it from `url`."""
    return run_export(store, export_dir(request), body, user)


@router.get("/api/exports", response_model=list[ExportOut])
def api_export_list(request: Request, _user: Exporter) -> list[dict[str, Any]]:
    """The files exported so far, newest first."""
    return _files(export_dir(request))


@router.get("/exports/files/{name}", include_in_schema=False)
def download(request: Request, name: str, _user: Exporter) -> FileResponse:
    """One exported file; only generated names are served (no `..`, no slashes)."""
    folder = export_dir(request).resolve()
    if not FILE_NAME.fullmatch(name):
        raise NotFoundError("no such export")
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        raise NotFoundError("no such export")
    return FileResponse(path, filename=name)
