"""The review list: conflicts of records made offline (and photo flags), and their resolution.

Managers and admins resolve a conflict by accepting the record, or by superseding it with
a correction (the correction service closes the record's conflicts); analysts may read
the list. The rules are `cases.conflicts`'; this module only speaks HTTP.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cases.conflicts import accept_conflict, list_conflicts, open_conflict, reason_label
from cases.inspections import correct_inspection
from cases.models import User
from cases.photo_evidence import flag_text, flagged_records
from geo.errors import InputError
from geo.local_time import local_text
from geo.store import Store
from maps.web.deps import CsrfDep, SessionDep, SettingsDep, StoreDep
from maps.web.inspecting import inspection_dict
from maps.web.pages import page_lang, render
from maps.web.policy import conflict_resolver, reader
from maps.web.schemas import CorrectionIn, InspectionOut, RowId
from maps.web.writes import run_write

router = APIRouter(tags=["review"])
Reader = Annotated[User, Depends(reader)]
Resolver = Annotated[User, Depends(conflict_resolver)]


def _accept(store: Store, user: User, conflict_id: int, retries: int) -> dict[str, Any]:
    return run_write(store, lambda session: accept_conflict(session, conflict_id, actor=user.name),
                     retries=retries)


@router.get("/review", include_in_schema=False)
def review_page(request: Request, session: SessionDep, user: Reader) -> Response:
    """Open conflicts, newest first, each with its accept and correct actions; then photo flags."""
    lang = page_lang(request)
    rows = [{**c, "visited": local_text(c["inspected_at"]), "uploaded": local_text(c["recorded_at"]),
             "reason_text": reason_label(c["reason"], lang)} for c in list_conflicts(session)]
    flagged = [{**f, "visited": local_text(f["inspected_at"]), "text": flag_text(f["flags"], lang)}
               for f in flagged_records(session)]
    return render(request, "review.html", {"conflicts": rows, "flagged": flagged})


@router.post("/review/conflicts/{conflict_id}/accept", include_in_schema=False, dependencies=[CsrfDep])
def review_accept(conflict_id: RowId, store: StoreDep, settings: SettingsDep, user: Resolver) -> Response:
    """Accept from the review page, then back to it."""
    _accept(store, user, conflict_id, settings.write_retries)
    return RedirectResponse("/review", status_code=303)


@router.get("/api/conflicts", response_model=list[dict[str, Any]])
def api_conflicts(session: SessionDep, user: Reader,
                  resolved: Annotated[bool, Query(description="Include resolved ones")] = False,
                  ) -> list[dict[str, Any]]:
    """Conflicts of stored records, newest first (open ones unless `resolved`)."""
    return list_conflicts(session, open_only=not resolved)


@router.post("/api/conflicts/{conflict_id}/accept", response_model=dict[str, Any], dependencies=[CsrfDep])
def api_accept(conflict_id: RowId, store: StoreDep, settings: SettingsDep, user: Resolver) -> dict[str, Any]:
    """Keep the record as it is; the conflict is closed and audited (409 if already resolved)."""
    return _accept(store, user, conflict_id, settings.write_retries)


@router.post("/api/conflicts/{conflict_id}/supersede", response_model=InspectionOut, status_code=201,
             dependencies=[CsrfDep])
def api_supersede(conflict_id: RowId, body: CorrectionIn, store: StoreDep, settings: SettingsDep,
                  user: Resolver) -> dict[str, Any]:
    """Replace the record by a correction with these fields changed; its conflicts close as superseded."""
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise InputError("body: give at least one field to correct")

    def work(session: Session) -> dict[str, Any]:
        conflict = open_conflict(session, conflict_id)
        new = correct_inspection(session, conflict.inspection_id, changes=changes, actor=user.name,
                                 media=store.media())
        return inspection_dict(new, new.parcel.code)

    return run_write(store, work, retries=settings.write_retries)
