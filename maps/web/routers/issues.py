"""The issue ledger with filters, each issue, and its measures and state changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cases.issue_state import ISSUE_STATES
from cases.issues import CATEGORIES, add_measure, issue_detail, list_issues, measure_done, set_state
from cases.models import User
from layers.streets import list_streets
from maps.web.deps import CsrfDep, SessionDep, SettingsDep, StoreDep
from maps.web.pages import render
from maps.web.policy import issue_editor, reader
from maps.web.schemas import IssueRow, MeasureDoneIn, MeasureIn, MeasureOut, RowId, StateIn
from maps.web.writes import run_write

router = APIRouter(tags=["issues"])
Reader = Annotated[User, Depends(reader)]
Editor = Annotated[User, Depends(issue_editor)]
State = Annotated[str | None, Query(pattern="^(in_progress|basically_done|done)$")]
Category = Annotated[int | None, Query(ge=1, le=99)]
Street = Annotated[str | None, Query(max_length=100)]


def _plain(value: Any) -> Any:
    """pandas' missing values and numpy scalars as JSON-ready Python values."""
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _rows(session: Session, state: str | None, category: int | None, street: str | None) -> list[dict]:
    frame = list_issues(session, state=state, category=category, street=street or None)
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _measure(measure: Any) -> dict[str, Any]:
    return {"id": measure.id, "text": measure.text, "owner": measure.owner, "due": measure.due,
            "done_on": measure.done_on}


@router.get("/issues", include_in_schema=False)
def ledger_page(request: Request, session: SessionDep, _user: Reader, state: State = None,
                category: Category = None, street: Street = None) -> Response:
    """The ledger, filtered by state, category and street."""
    return render(request, "issues.html", {
        "rows": _rows(session, state, category, street), "states": ISSUE_STATES, "categories": CATEGORIES,
        "streets": list_streets(session), "filters": {"state": state, "category": category, "street": street},
    })


@router.get("/issues/{ref}", include_in_schema=False)
def issue_page(request: Request, ref: str, session: SessionDep, _user: Reader) -> Response:
    """One issue with its measures, progress notes and parcels."""
    return render(request, "issue.html", {"issue": issue_detail(session, ref), "states": ISSUE_STATES})


@router.get("/api/issues", response_model=list[IssueRow])
def api_issues(session: SessionDep, _user: Reader, state: State = None, category: Category = None,
               street: Street = None) -> list[dict[str, Any]]:
    """The ledger as JSON, with the same filters as the page."""
    return _rows(session, state, category, street)


@router.get("/api/issues/{ref}", response_model=dict[str, Any])
def api_issue(ref: str, session: SessionDep, _user: Reader) -> dict[str, Any]:
    """One issue with measures, notes and flags."""
    return issue_detail(session, ref)


@router.get("/api/issues/{ref}/measures", response_model=list[MeasureOut])
def api_measures(ref: str, session: SessionDep, _user: Reader) -> list[dict[str, Any]]:
    """An issue's measures."""
    return issue_detail(session, ref)["measures"]


def _write(store: StoreDep, settings: SettingsDep, work: Callable[[Session], Any]) -> Any:
    return run_write(store, work, retries=settings.write_retries)


@router.post("/api/issues/{ref}/measures", response_model=MeasureOut, status_code=201, dependencies=[CsrfDep])
def api_add_measure(ref: str, body: MeasureIn, store: StoreDep, settings: SettingsDep,
                    user: Editor) -> dict[str, Any]:
    """Add a measure to an issue."""
    return _write(store, settings, lambda s: _measure(add_measure(
        s, ref=ref, text=body.text, owner=body.owner, due=body.due, actor=user.name)))


@router.post("/api/measures/{measure_id}/done", response_model=MeasureOut, dependencies=[CsrfDep])
def api_measure_done(measure_id: RowId, body: MeasureDoneIn, store: StoreDep, settings: SettingsDep,
                     user: Editor) -> dict[str, Any]:
    """Mark a measure done (today unless `on` is given)."""
    return _write(store, settings,
                  lambda s: _measure(measure_done(s, measure_id, on=body.on, actor=user.name)))


@router.post("/api/issues/{ref}/state", response_model=dict[str, Any], dependencies=[CsrfDep])
def api_set_state(ref: str, body: StateIn, store: StoreDep, settings: SettingsDep,
                  user: Editor) -> dict[str, Any]:
    """Change an issue's state from a day on, with an optional note."""
    def work(session: Session) -> dict[str, Any]:
        update = set_state(session, ref=ref, state=body.state, on=body.on, note=body.note, actor=user.name)
        return {"ref": ref, "state": update.state, "on": update.on, "note": update.text}

    return _write(store, settings, work)


Text = Annotated[str, Form(max_length=4000)]


@router.post("/issues/{ref}/measures", include_in_schema=False, dependencies=[CsrfDep])
def form_add_measure(ref: str, store: StoreDep, settings: SettingsDep, user: Editor, text: Text = "",
                     owner: Text = "", due: Text = "") -> Response:
    """The page's add-measure form."""
    _write(store, settings, lambda s: add_measure(s, ref=ref, text=text, owner=owner or None,
                                                  due=due or None, actor=user.name).id)
    return RedirectResponse(f"/issues/{ref}", status_code=303)


@router.post("/issues/{ref}/state", include_in_schema=False, dependencies=[CsrfDep])
def form_set_state(ref: str, store: StoreDep, settings: SettingsDep, user: Editor, state: Text = "",
                   on: Text = "", note: Text = "") -> Response:
    """The page's state form."""
    _write(store, settings, lambda s: set_state(s, ref=ref, state=state, on=on or None, note=note or None,
                                                actor=user.name).id)
    return RedirectResponse(f"/issues/{ref}", status_code=303)


@router.post("/measures/{measure_id}/done", include_in_schema=False, dependencies=[CsrfDep])
def form_measure_done(measure_id: RowId, store: StoreDep, settings: SettingsDep, user: Editor,
                      on: Text = "") -> Response:
    """The page's mark-done button."""
    ref = _write(store, settings,
                 lambda s: measure_done(s, measure_id, on=on or None, actor=user.name).issue.ref)
    return RedirectResponse(f"/issues/{ref}", status_code=303)


