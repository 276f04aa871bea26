"""Today's patrol: the parcels of some streets in order of urgency, for an inspector.

Why here: the order is a status rule (issue 15), computed from the same status
derivation as maps and reports (`cases.status.status_frame`), so the CLI, the
API and the phone's offline copy all list the same parcels in the same order.

Groups, most urgent first:
1. the land needs action: recurrence, violation, or rectifying (which the status
   rules give only with an open issue);
2. overdue patrols (days since the last visit above the kind's interval), and
   parcels never inspected: a parcel without any visit has no patrol on record,
   so by the patrol rule it is overdue; they follow the dated overdue ones, since
   those have a known, aging state and a due date to rank by;
3. patrols due within `today_window_days`;
4. the rest.

Within a group: by distance from `position` when given, else by the due date
(most overdue first); then by code. Distances are geodesic (haversine) to a
point on the parcel's surface, which is also the point the phone navigates to.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.rules import STATUS_LABELS, patrol_interval_days
from cases.status import read_rows, status_frame
from layers.kinds import KINDS
from layers.models import Parcel, Street

ACTION_STATUSES = frozenset({"recurrence", "violation", "rectifying"})
OVERDUE_STATUSES = frozenset({"overdue", "uninspected"})
EARTH_RADIUS_M = 6_371_008.8  # mean radius: haversine within 0.5 % of geodesic, plenty to rank by


def patrol_entries(
    session: Session,
    *,
    street_codes: Collection[str] | None,
    as_of: datetime | date | str | None = None,
    position: tuple[float, float] | None = None,
    today_window_days: int = 7,
) -> list[dict[str, Any]]:
    """Parcels of these streets (None: all) in order of urgency for a patrol.

    `position` is the inspector's (lon, lat) in WGS84/EPSG:4490. Each entry:
    code, kind (+ labels), name, street_code, street_name, status (+ labels),
    group 1..4, last_inspected_at (aware UTC), days_since, interval_days,
    due_in_days (negative when overdue), open_issues [{ref, state}], distance_m,
    lon, lat.
    """
    parcels = _parcels(session, street_codes)
    if parcels.empty:
        return []
    status = status_frame(session, as_of=as_of, parcel_ids=parcels.index.tolist())
    frame = parcels.join(status, how="inner")
    frame = _with_patrol_columns(frame, position, today_window_days)
    ordered = _order(frame, by_distance=position is not None)
    return [_entry(row) for row in ordered.to_dict("records")]


def _parcels(session: Session, street_codes: Collection[str] | None) -> pd.DataFrame:
    """The non-retired parcels of the streets, with a point on each one's surface."""
    point = sa.func.ST_PointOnSurface(Parcel.geom)
    query = (
        sa.select(Parcel.id.label("parcel_id"), Parcel.code, Parcel.kind, Parcel.name, Parcel.street_code,
                  Street.name.label("street_name"), sa.func.ST_X(point).label("lon"),
                  sa.func.ST_Y(point).label("lat"))
        .outerjoin(Street, Street.code == Parcel.street_code)
        .where(Parcel.retired_at.is_(None))
    )
    if street_codes is not None:
        query = query.where(Parcel.street_code.in_(list(street_codes)))
    return read_rows(session, query, {}).set_index("parcel_id")


def _with_patrol_columns(frame: pd.DataFrame, position: tuple[float, float] | None,
                         window: int) -> pd.DataFrame:
    """Add interval, due date, group and distance to status rows."""
    intervals = {kind: patrol_interval_days(kind) for kind in frame["kind"].unique()}
    interval = frame["kind"].map(intervals).astype(int)
    exact = frame["days_since"].astype(float)
    # floor(interval - days): negative exactly when the status rules call the patrol late.
    due = np.floor(interval - exact)
    status = frame["status"]
    group = np.select(
        [status.isin(ACTION_STATUSES), status.isin(OVERDUE_STATUSES), due <= window],
        [1, 2, 3], default=4,
    )
    distance = (_haversine_m(position, frame["lon"], frame["lat"]) if position is not None
                else pd.Series(np.nan, index=frame.index))
    return frame.assign(interval_days=interval, due_in_days=due, days_since=np.floor(exact),
                        group=group, distance_m=distance)


def _order(frame: pd.DataFrame, *, by_distance: bool) -> pd.DataFrame:
    """Sort within each group by distance (with a position) or due date, then code."""
    key = "distance_m" if by_distance else "due_in_days"
    return frame.sort_values(["group", key, "code"], na_position="last", kind="stable")


def _haversine_m(position: tuple[float, float], lons: pd.Series, lats: pd.Series) -> pd.Series:
    """Great-circle metres from (lon, lat) to each point."""
    lon0, lat0 = (math.radians(v) for v in position)
    lon, lat = np.radians(lons.astype(float)), np.radians(lats.astype(float))
    a = np.sin((lat - lat0) / 2) ** 2 + math.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
    return pd.Series(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a)), index=lons.index)


def _open_issues(issue_states: str) -> list[dict[str, str]]:
    """`1-1:in_progress;2-3:done` → the issues not done, as {ref, state}."""
    pairs = (item.rsplit(":", 1) for item in issue_states.split(";") if item)
    return [{"ref": ref, "state": state} for ref, state in pairs if state != "done"]


def _number(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    kind = KINDS.get(row["kind"])
    status_zh, status_en = STATUS_LABELS[row["status"]]
    last = row["last_inspected_at"]
    return {
        "code": row["code"],
        "kind": row["kind"],
        "kind_label_zh": kind.name_zh if kind else row["kind"],
        "kind_label_en": kind.name_en if kind else row["kind"],
        "name": _text(row["name"]),
        "street_code": _text(row["street_code"]),
        "street_name": _text(row["street_name"]),
        "status": row["status"],
        "status_label_zh": status_zh,
        "status_label_en": status_en,
        "group": int(row["group"]),
        "last_inspected_at": None if pd.isna(last) else last.to_pydatetime(),
        "days_since": _number(row["days_since"]),
        "interval_days": int(row["interval_days"]),
        "due_in_days": _number(row["due_in_days"]),
        "open_issues": _open_issues(row["issue_states"] or ""),
        "distance_m": None if pd.isna(row["distance_m"]) else round(float(row["distance_m"]), 1),
        "lon": float(row["lon"]),
        "lat": float(row["lat"]),
    }
