"""Today's status as one SQL expression over a parcel and its stored summary, for filters on status.

`cases.rules.classify` decides status in pandas over every parcel; a CQL2
filter on status must instead become a condition the database checks while it
walks the street's (or the box's) index, in the same statement as the page.
This is the same precedence written in SQL, built from the same tables of
`cases.rules` (violation measures and patrol intervals by kind), with NULL
standing where pandas has NaN; tests/maps/ogc/test_status_sql.py holds it to
`cases.status.status_frame` on both backends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from cases.rules import (
    ALL_VIOLATION_MEASURES,
    DEFAULT_VIOLATION_MEASURES,
    FINDINGS,
    FINDINGS_BY_NAME,
    KIND_VIOLATION_MEASURES,
    patrol_interval_days,
    violation_sql,
)
from cases.status.queries import PREVIOUS
from geo.orm import UTCDateTime
from layers.kinds import KINDS
from layers.models import Parcel

_TYPES = {"count": sa.Integer, "area": sa.Float, "flag": sa.Boolean}
# The stored summary's columns that status and a page of today's features (`maps.ogc.today`) read.
SUMMARIES = sa.table(
    "parcel_summaries",
    sa.column("parcel_id", sa.Integer), sa.column("last_inspection_id", sa.Integer),
    sa.column("last_inspected_at", UTCDateTime), sa.column("inspections_count", sa.Integer),
    sa.column("ever_violated", sa.Integer), sa.column("first_violation_at", UTCDateTime),
    sa.column("last_clean_at", UTCDateTime), sa.column("demolished_total", sa.Integer),
    sa.column("rebuilt_total", sa.Integer), sa.column("note", sa.String),
    *(sa.column(f.name, _TYPES[f.kind]()) for f in FINDINGS),
    *(sa.column(PREVIOUS[m], _TYPES[FINDINGS_BY_NAME[m].kind]()) for m in ALL_VIOLATION_MEASURES),
)


def _number(column: Any, measure: str) -> Any:
    """A measure as pandas sees it after `astype(float)`: a flag is 1 or 0, NULL stays NULL."""
    if FINDINGS_BY_NAME[measure].kind != "flag":
        return column
    return sa.case((column.is_(None), sa.null()), (column == sa.true(), 1), else_=0)


def _falling(measures: tuple[str, ...]) -> sa.ColumnElement[bool]:
    """`cases.rules.findings_falling` for one kind's measures: none rose, one fell (or sheds were
    demolished), and there was an inspection before."""
    s = SUMMARIES.c
    now = {m: _number(s[m], m) for m in ALL_VIOLATION_MEASURES}
    before = {m: _number(s[PREVIOUS[m]], m) for m in ALL_VIOLATION_MEASURES}
    none_rose = sa.and_(*(now[m] <= before[m] for m in measures))
    some_fell = sa.or_(*(now[m] < before[m] for m in measures))
    has_before = sa.or_(*(s[PREVIOUS[m]].is_not(None) for m in ALL_VIOLATION_MEASURES))
    return sa.and_(none_rose, has_before, sa.or_(some_fell, sa.func.coalesce(s.demolished_count, 0) > 0))


def _by_kind(values: dict[str, Any], default: Any) -> Any:
    return sa.case(*((Parcel.kind == kind, value) for kind, value in values.items()), else_=default)


@cache
def _falling_by_kind() -> sa.ColumnElement[bool]:
    """Whether the findings fell, by the parcel's kind: the largest part of the expression and
    the same for every request, so built once (an expression is immutable)."""
    return _by_kind({k: _falling(m) for k, m in KIND_VIOLATION_MEASURES.items()},
                    _falling(DEFAULT_VIOLATION_MEASURES))


def status_expression(*, instant: datetime, open_issue: sa.ColumnElement[bool]) -> sa.ColumnElement[str]:
    """The status of `parcels` LEFT JOIN `parcel_summaries` (the present), as `classify` ranks it.

    `open_issue` says whether the parcel has an open issue (`issue_links_frame`'s
    parcels whose issue is not done); `instant` is now, for overdue.
    """
    s = SUMMARIES.c
    violation = sa.literal_column(violation_sql(kind_column="parcels.kind", alias="parcel_summaries"))
    latest = sa.and_(s.last_inspection_id.is_not(None), violation == 1)
    recurred = s.last_clean_at > s.first_violation_at
    falling = _falling_by_kind()
    due = {kind: instant - timedelta(days=patrol_interval_days(kind)) for kind in KINDS}
    late = s.last_inspected_at < _by_kind(
        {k: sa.literal(v, UTCDateTime) for k, v in due.items()},
        sa.literal(instant - timedelta(days=patrol_interval_days("")), UTCDateTime))
    # The latest record's violation is tested once, its three statuses nested under it: the
    # database plans this expression on every request (twice: page and filter), so its size counts.
    violated = sa.case((recurred, "recurrence"), (sa.and_(open_issue, falling), "rectifying"),
                       else_="violation")
    return sa.case(
        (sa.func.coalesce(s.inspections_count, 0) <= 0, "uninspected"),
        (latest, violated),
        (late, "overdue"),
        (s.ever_violated == 1, "rectified"),
        else_="compliant",
    )
