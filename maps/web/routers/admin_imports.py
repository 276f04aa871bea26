"""Imports for admins: upload a layer or table, say what it is, read the report (page and API).

The upload handling is `maps.web.importing`'s and the import itself the
services'; a refused file is one line beside the form, which keeps the
options chosen, and nothing is stored.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from cases.models import User
from geo.errors import InputError, LandpatrolError
from layers.import_report import ON_INVALID_CHOICES
from layers.kinds import KINDS
from maps.web.deps import CsrfDep, StoreDep
from maps.web.importing import TARGETS, UPLOAD_SUFFIXES, ImportChoice, run_import, saved_upload
from maps.web.messages import localized
from maps.web.pages import page_lang, render
from maps.web.policy import importer
from maps.web.schemas import ImportOut, form_errors

router = APIRouter(tags=["imports"])
Admin = Annotated[User, Depends(importer)]
Choice = Annotated[str, Form(max_length=40)]
FORM_FIELDS = ("file", "measures", "target", "kind", "on_invalid")
PAGE_ERRORS = (404, 409, 422)


def choose(target: str, kind: str, on_invalid: str, dry_run: bool) -> ImportChoice:
    """The admin's choice, each value checked against its list (a bad one names its field)."""
    if target not in TARGETS:
        raise InputError(f"target: choose one of {', '.join(TARGETS)}", field="target")
    if on_invalid not in ON_INVALID_CHOICES:
        raise InputError(f"on_invalid: choose one of {', '.join(ON_INVALID_CHOICES)}", field="on_invalid")
    if target == "parcels" and kind not in KINDS:
        raise InputError(f"kind: choose one of {', '.join(KINDS)}", field="kind")
    return ImportChoice(target, kind if target == "parcels" else None, on_invalid,  # type: ignore[arg-type]
                        dry_run)


def import_upload(store: StoreDep, upload: UploadFile | None, choice: ImportChoice, user: User,
                  measures: UploadFile | None = None) -> dict[str, Any]:
    """Save the upload (and a CSV ledger's measures table), run its import, return the report."""
    if upload is None or not upload.filename:
        raise InputError("file: choose a file to import", field="file")
    measures = measures if measures is not None and measures.filename else None  # the empty field
    if measures is not None and choice.target != "ledger":
        raise InputError("measures: a measures table goes with a ledger import", field="measures")
    choice.check()  # before saving 200 MB only to refuse the options
    with saved_upload(upload.file, upload.filename) as path, ExitStack() as uploads:
        measures_path = (uploads.enter_context(saved_upload(measures.file, measures.filename))
                         if measures is not None else None)
        return run_import(store, path, choice, actor=user.name, measures_path=measures_path)


def _page(request: Request, values: dict[str, Any], *, report: dict[str, Any] | None = None,
          error: LandpatrolError | None = None, status_code: int = 200) -> Response:
    lang = page_lang(request)
    errors = form_errors(error, FORM_FIELDS, "file", localized(error, lang)) if error else {}
    return render(request, "imports.html", {
        "values": values, "report": report, "errors": errors,
        "targets": TARGETS, "kinds": KINDS, "on_invalid_choices": ON_INVALID_CHOICES,
        "accept": ",".join(UPLOAD_SUFFIXES),
    }, status_code=status_code)


@router.get("/admin/imports", include_in_schema=False)
def imports_page(request: Request, _admin: Admin) -> Response:
    """The upload form, with parcels in basic farmland and failing on bad rows by default."""
    return _page(request, {"target": "parcels", "kind": next(iter(KINDS)), "on_invalid": "fail",
                           "dry_run": False})


@router.post("/admin/imports", include_in_schema=False, dependencies=[CsrfDep])
def imports_form(
    request: Request, store: StoreDep, admin: Admin, file: Annotated[UploadFile | None, File()] = None,
    measures: Annotated[UploadFile | None, File()] = None,
    target: Choice = "", kind: Choice = "", on_invalid: Choice = "fail",
    dry_run: Annotated[bool, Form()] = False,
) -> Response:
    """Run the import and show its report, or the one-line error beside the form."""
    values = {"target": target, "kind": kind, "on_invalid": on_invalid, "dry_run": dry_run}
    try:
        report = import_upload(store, file, choose(target, kind, on_invalid, dry_run), admin, measures)
    except LandpatrolError as err:
        if err.http_status not in PAGE_ERRORS:
            raise
        return _page(request, values, error=err, status_code=err.http_status)
    return _page(request, values, report=report)


@router.post("/api/imports", response_model=ImportOut, dependencies=[CsrfDep])
def api_import(
    store: StoreDep, admin: Admin, file: Annotated[UploadFile, File(description="The layer or table.")],
    target: Annotated[str, Form(description="streets | parcels | inspections | ledger", max_length=40)],
    kind: Annotated[str, Form(description="The parcel kind (parcels only).", max_length=40)] = "",
    on_invalid: Annotated[str, Form(description="fail | repair | skip", max_length=40)] = "fail",
    dry_run: Annotated[bool, Form(description="Check and report, store nothing.")] = False,
    measures: Annotated[UploadFile | None, File(description="A CSV ledger's measures table.")] = None,
) -> dict[str, Any]:
    """Import a GeoPackage, zipped Shapefile, GeoJSON, FlatGeobuf, CSV or ledger .xlsx, all or nothing."""
    return import_upload(store, file, choose(target, kind, on_invalid, dry_run), admin, measures)
