"""`GET /api/patrol`: today's patrol for the signed-in user, from `cases.patrol`.

Inspectors get their own streets (a `street` outside them is refused); other
roles get every street, or the one asked for. The phone sends its position to
have each group sorted by distance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from cases.models import User
from cases.patrol import patrol_entries
from geo.errors import InputError
from layers.streets import find_street
from maps.web.deps import SessionDep
from maps.web.policy import check_street, limited_to_streets, street_reader

router = APIRouter(tags=["patrol"])
Reader = Annotated[User, Depends(street_reader)]


class OpenIssue(BaseModel):
    """An issue of the parcel not yet done."""

    ref: str
    state: str


class PatrolEntry(BaseModel):
    """One parcel of the patrol (see `cases.patrol` for the groups and the order)."""

    code: str
    kind: str
    kind_label_zh: str
    kind_label_en: str
    name: str | None
    street_code: str | None
    street_name: str | None
    status: str
    status_label_zh: str
    status_label_en: str
    group: int
    last_inspected_at: datetime | None
    days_since: int | None
    interval_days: int
    due_in_days: int | None
    open_issues: list[OpenIssue]
    distance_m: float | None
    lon: float
    lat: float


@router.get("/api/patrol", response_model=list[PatrolEntry])
def patrol(
    session: SessionDep, user: Reader,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="The phone's longitude")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="The phone's latitude")] = None,
    as_of: Annotated[str | None, Query(max_length=40, description="A date or time; default now")] = None,
    street: Annotated[str | None, Query(max_length=100, description="One street, by code or name")] = None,
) -> Response:
    """The parcels of the user's streets in order of urgency (by distance within a group).

    The body is `PatrolEntries.to_json`, the JSON of `PatrolEntry` written column by column:
    validating and encoding 100,000 models cost several times the query itself.
    """
    if (lon is None) != (lat is None):
        raise InputError("lon/lat: give both or neither", field="lon/lat")
    streets = limited_to_streets(user)
    if street:
        code = find_street(session, street).code
        check_street(user, code)
        streets = [code]
    position = None if lon is None or lat is None else (lon, lat)
    entries = patrol_entries(session, street_codes=streets, as_of=as_of, position=position)
    return Response(entries.to_json(), media_type="application/json")
