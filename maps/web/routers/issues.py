"""The issue ledger with filters, each issue, and its measures and state changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from cases.issue_state import ISSUE_STATES
from cases.issues import (
    CATEGORIES,
    add_issue,
    add_measure,
    issue_detail,
    link_parcels,
    list_issues,
    measure_done,
    set_state,
)
from cases.models import User
from geo.errors import LandpatrolError
from layers.streets import list_streets
from maps.web.deps import CsrfDep, SessionDep, SettingsDep, StoreDep
from maps.web.pages import render
from maps.web.policy import issue_editor, reader
from maps.web.routers.inspect_form import read_form
from maps.web.schemas import (
    IssueIn,
    IssueRow,
    LinkIn,
    LinkOut,
    MeasureDoneIn,
    MeasureIn,
    MeasureOut,
    RowId,
    StateIn,
    form_errors,
    parse_form,
)
from maps.web.writes import run_write

router = APIRouter(tags=["issues"])
Reader = Annotated[User, Depends(reader)]
Editor = Annotated[User, Depends(issue_editor)]
State = Annotated[str | None, Query(pattern="^(in_progress|basically_done|done)$")]
Category = Annotated[int | None, Query(ge=1, le=99)]
Street = Annotated[str | None, Query(max_length=100)]
ISSUE_FIELDS = ("ref", "category", "title", "finding", "lead_department", "partner_departments",
                "deadline", "opened_on")
PAGE_ERRORS = (404, 409, 422)
CODE_SPLIT = re.compile(r"[\s,，;；、]+")


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


def _new_issue_page(request: Request, values: dict[str, str], errors: dict[str, str] | None = None,
                    status_code: int = 200) -> Response:
    return render(request, "issue_new.html", {"values": values, "errors": errors or {},
                                              "categories": CATEGORIES}, status_code=status_code)


@router.get("/issues/new", include_in_schema=False)
def new_issue_page(request: Request, _user: Editor) -> Response:
    """The form to add an issue to the ledger (registered before `/issues/{ref}`)."""
    return _new_issue_page(request, {})


@router.post("/issues/new", include_in_schema=False, dependencies=[CsrfDep])
def new_issue_form(request: Request, store: StoreDep, settings: SettingsDep, user: Editor,
                   form: Annotated[FormData, Depends(read_form)]) -> Response:
    """Add the issue and open its page, or show the form again with the error beside its field."""
    values = {name: str(form.get(name) or "").strip()[:4000] for name in ISSUE_FIELDS}
    data: dict[str, Any] = {k: v for k, v in values.items() if v}
    data["partner_departments"] = [p for p in CODE_SPLIT.split(values["partner_departments"]) if p]
    try:
        ref = _add_issue(store, settings, parse_form(IssueIn, data), user)["ref"]
    except LandpatrolError as err:
        if err.http_status not in PAGE_ERRORS:
            raise
        return _new_issue_page(request, values, form_errors(err, ISSUE_FIELDS, "form"), err.http_status)
    return RedirectResponse(f"/issues/{ref}", status_code=303)


def _issue_page(request: Request, session: Session, ref: str, *, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "issue.html", {"issue": issue_detail(session, ref), "states": ISSUE_STATES,
                                          "values": values or {}, "errors": errors or {}},
                  status_code=status_code)


@router.get("/issues/{ref}", include_in_schema=False)
def issue_page(request: Request, ref: str, session: SessionDep, _user: Reader) -> Response:
    """One issue with its measures, progress notes and parcels."""
    return _issue_page(request, session, ref)


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


def _add_issue(store: StoreDep, settings: SettingsDep, body: IssueIn, user: User) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        add_issue(session, **body.model_dump(), actor=user.name)
        return issue_detail(session, body.ref)

    return _write(store, settings, work)


def _link(store: StoreDep, settings: SettingsDep, ref: str, codes: list[str], user: User) -> dict[str, Any]:
    return _write(store, settings, lambda s: {
        "ref": ref, "added": link_parcels(s, ref=ref, codes=codes, actor=user.name)})


@router.post("/api/issues", response_model=dict[str, Any], status_code=201, dependencies=[CsrfDep])
def api_add_issue(body: IssueIn, store: StoreDep, settings: SettingsDep, user: Editor) -> dict[str, Any]:
    """Add an issue to the ledger (409 if its ref exists); returns it as `GET /api/issues/{ref}` does."""
    return _add_issue(store, settings, body, user)


@router.post("/api/issues/{ref}/parcels", response_model=LinkOut, dependencies=[CsrfDep])
def api_link_parcels(ref: str, body: LinkIn, store: StoreDep, settings: SettingsDep,
                     user: Editor) -> dict[str, Any]:
    """Link parcels to an issue; returns the codes newly linked (404 for an unknown code: none linked)."""
    return _link(store, settings, ref, body.codes, user)


Text = Annotated[str, Form(max_length=4000)]


@router.post("/issues/{ref}/parcels", include_in_schema=False, dependencies=[CsrfDep])
def form_link_parcels(request: Request, ref: str, store: StoreDep, settings: SettingsDep, user: Editor,
                      codes: Text = "") -> Response:
    """The page's link form: codes separated by spaces or commas; an error shows beside it."""
    try:
        body = parse_form(LinkIn, {"codes": [c for c in CODE_SPLIT.split(codes) if c]})
        _link(store, settings, ref, body.codes, user)
    except LandpatrolError as err:
        if err.http_status not in PAGE_ERRORS:
            raise
        with store.session() as session:
            return _issue_page(request, session, ref, values={"codes": codes},
                               errors={"codes": str(err)}, status_code=err.http_status)
    return RedirectResponse(f"/issues/{ref}", status_code=303)


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


