"""Today's patrol: the parcels of some streets in order of urgency, for an inspector.

Why here: the order is a status rule (issue 15), computed from the same status
derivation as maps and reports (`cases.status`: the summaries' statement, and
`derive_status` classifying all rows at once), so the CLI, the API and the
phone's offline copy all list the same parcels in the same order.

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

import json
import math
from collections.abc import Collection, Iterator, Sequence
from datetime import date, datetime
from functools import cached_property
from typing import Any, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.patrol_json import json_values, records_json
from cases.rules import patrol_interval_days
from cases.status.clock import instant_and_present
from cases.status.derive import derive_status, issue_links_frame
from cases.status.queries import summary_status_sql
from cases.status.rules import STATUS_LABELS
from geo.child_reader import read_here
from geo.frames import WKB_LABEL
from geo.orm import UTCDateTime
from layers.kinds import KINDS

ACTION_STATUSES = frozenset({"recurrence", "violation", "rectifying"})
OVERDUE_STATUSES = frozenset({"overdue", "uninspected"})
STATUS_ZH = {status: zh for status, (zh, _en) in STATUS_LABELS.items()}
STATUS_EN = {status: en for status, (_zh, en) in STATUS_LABELS.items()}
EARTH_RADIUS_M = 6_371_008.8  # mean radius: haversine within 0.5 % of geodesic, plenty to rank by


def patrol_entries(
    session: Session,
    *,
    street_codes: Collection[str] | None,
    as_of: datetime | date | str | None = None,
    position: tuple[float, float] | None = None,
    today_window_days: int = 7,
) -> PatrolEntries:
    """Parcels of these streets (None: all) in order of urgency for a patrol, as a list-like
    `PatrolEntries` (each entry's dict is made when it is read).

    `position` is the inspector's (lon, lat) in WGS84/EPSG:4490. Each entry:
    code, kind (+ labels), name, street_code, street_name, status (+ labels),
    group 1..4, last_inspected_at (aware UTC), days_since, interval_days,
    due_in_days (negative when overdue), open_issues [{ref, state}], distance_m,
    lon, lat.
    """
    frame = _status_rows(session, street_codes, as_of)
    frame = _with_patrol_columns(frame, position, today_window_days)
    return PatrolEntries(_order(frame, by_distance=position is not None))


# The parcel's own columns the patrol needs, read in the status statement itself (one pass over
# the parcels, as a plain query would make): its name, street and a point on its surface.
PARCEL_COLUMNS = (", p.code, p.name, st.name AS street_name, "
                  "ST_AsBinary(ST_PointOnSurface(p.geom)) AS " + WKB_LABEL)
STREET_JOIN = "LEFT JOIN streets st ON st.code = p.street_code"
POINT_WKB_BYTES = 21  # byte order, geometry type, x, y
LITTLE_ENDIAN_POINT = np.array([1, 1, 0, 0, 0], dtype=np.uint8)  # byte order 1, type 1 (uint32 LE)
KEPT_COLUMNS = ("code", "kind", "name", "street_code", "street_name", "status", "last_inspected_at",
                "issue_states", "open_issue_refs", "lon", "lat")


def _status_rows(session: Session, street_codes: Collection[str] | None,
                 as_of: datetime | date | str | None) -> pd.DataFrame:
    """Status rows (`cases.status.derive_status`) of the streets' parcels, with code, name, street
    name, lon and lat, from one statement."""
    instant, present = instant_and_present(as_of)
    in_streets = street_codes is not None
    sql = summary_status_sql(session.get_bind().dialect.name, present=present,
                             parcel_filter="AND p.street_code IN :streets" if in_streets else "",
                             columns=PARCEL_COLUMNS, joins=STREET_JOIN)
    statement = sa.text(sql)
    if not present:
        statement = statement.bindparams(sa.bindparam("as_of", instant, type_=UTCDateTime))
    if in_streets:
        streets = list(street_codes or ()) or [""]
        statement = statement.bindparams(sa.bindparam("streets", streets, expanding=True, type_=sa.String))
    # Past instants are bound as typed values, which only the session's own driver converts.
    rows = _arrow_frame if present else _object_frame
    frame = rows(session, statement).set_index("parcel_id")
    lon, lat = point_lon_lat(frame.pop(WKB_LABEL).to_numpy())
    frame = frame.assign(lon=lon, lat=lat)
    return derive_status(frame, instant=instant, links=issue_links_frame(session, as_of=instant))


def _arrow_frame(session: Session, statement: sa.TextClause) -> pd.DataFrame:
    """The rows read as Arrow columns (`geo.child_reader.read_here`): at 100,000 parcels, making
    Python tuples of the rows and columns of the tuples cost twice the query."""
    table = read_here(session, statement)
    # No rows, no batch to carry the column names: the session's own reading of nothing is cheap.
    return table.to_pandas() if table is not None else _object_frame(session, statement)


def _object_frame(session: Session, statement: sa.TextClause) -> pd.DataFrame:
    """The rows as a frame of object columns, left for `derive_status` to type: letting pandas infer
    each column's type first took as long as the query itself at 100,000 parcels."""
    result = session.execute(statement)
    keys = list(result.keys())
    columns = list(zip(*result.all(), strict=True)) or [()] * len(keys)
    arrays = {key: np.array(column, dtype=object) for key, column in zip(keys, columns, strict=True)}
    return pd.DataFrame(arrays, columns=keys)


def point_lon_lat(wkb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of WKB points (NaN for a missing one). Little-endian 2D points, as both backends
    write them, are read straight from the bytes: shapely's parsing cost 0.2 s at 100,000 parcels."""
    lengths = np.fromiter((len(b) if isinstance(b, bytes) else 0 for b in wkb), dtype=np.int64,
                          count=len(wkb))
    if (lengths == POINT_WKB_BYTES).all():
        raw = np.frombuffer(b"".join(wkb), dtype=np.uint8).reshape(-1, POINT_WKB_BYTES)
        if (raw[:, :5] == LITTLE_ENDIAN_POINT).all():
            xy = raw[:, 5:].copy().view("<f8")
            return xy[:, 0], xy[:, 1]
    points = shapely.from_wkb(wkb)
    return shapely.get_x(points), shapely.get_y(points)


def _with_patrol_columns(frame: pd.DataFrame, position: tuple[float, float] | None,
                         window: int) -> pd.DataFrame:
    """The columns an entry needs, with interval, due date, group and distance added (only these
    are sorted and copied: a status row has some fifty)."""
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
    return frame[list(KEPT_COLUMNS)].assign(interval_days=interval, due_in_days=due,
                                            days_since=np.floor(exact), group=group, distance_m=distance)


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


def _open_issue_lists(frame: pd.DataFrame) -> dict[int, list[dict[str, str]]]:
    """The open issues of the rows with one (a few among 100,000), by row number: the other rows
    get an empty list each as they are read (100,000 lists at once set off a full garbage
    collection, 0.3 s)."""
    states = frame["issue_states"].to_numpy()
    with_issues = np.flatnonzero((frame["open_issue_refs"] != "").to_numpy())
    return {int(row): _open_issues(states[row]) for row in with_issues}


def _labels(values: pd.Series, label: dict[str, str]) -> pd.Series:
    """Each value's label, looked up once per distinct value."""
    codes, distinct = pd.factorize(values)
    return pd.Series(np.array([label[v] for v in distinct], dtype=object)[codes], index=values.index)


def _fields(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Every field of an entry but its open issues, as typed columns in the entries' key order
    (NaN, NaT and <NA> where missing): the one description of an entry, read by both the dicts
    and the JSON text."""
    kinds = frame["kind"].unique()
    kind_zh = {k: (KINDS[k].name_zh if k in KINDS else k) for k in kinds}
    kind_en = {k: (KINDS[k].name_en if k in KINDS else k) for k in kinds}
    return {
        "code": frame["code"], "kind": frame["kind"],
        "kind_label_zh": _labels(frame["kind"], kind_zh), "kind_label_en": _labels(frame["kind"], kind_en),
        "name": frame["name"], "street_code": frame["street_code"], "street_name": frame["street_name"],
        "status": frame["status"],
        "status_label_zh": _labels(frame["status"], STATUS_ZH),
        "status_label_en": _labels(frame["status"], STATUS_EN),
        "group": frame["group"].astype(int),
        "last_inspected_at": frame["last_inspected_at"],
        "days_since": frame["days_since"].astype("Int64"),
        "interval_days": frame["interval_days"].astype(int),
        "due_in_days": frame["due_in_days"].astype("Int64"),
        "distance_m": frame["distance_m"].round(1),
        "lon": frame["lon"].astype(float),
        "lat": frame["lat"].astype(float),
    }


KEYS = ("code", "kind", "kind_label_zh", "kind_label_en", "name", "street_code", "street_name", "status",
        "status_label_zh", "status_label_en", "group", "last_inspected_at", "days_since", "interval_days",
        "due_in_days", "open_issues", "distance_m", "lon", "lat")


def _plain(values: pd.Series) -> list[Any]:
    """A column as plain Python values (aware datetimes for times), None where missing; whole
    columns, 100,000 rows a call, not a row at a time."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        plain = np.array(list(values.dt.to_pydatetime()), dtype=object)
    else:
        plain = np.array(values.astype(object).tolist(), dtype=object)
    plain[values.isna().to_numpy()] = None
    return plain.tolist()


def _entry(values: Sequence[Any]) -> dict[str, Any]:
    """One entry's dict, with its own list of open issues."""
    entry = dict(zip(KEYS, values, strict=True))
    entry["open_issues"] = list(entry["open_issues"] or ())
    return entry


class PatrolEntries(Sequence[dict[str, Any]]):
    """The entries, held as columns: each entry's dict is made when it is read, so a caller
    that counts, slices or streams the list does not pay for 100,000 dicts at once, and
    `to_json` writes them all without making any."""

    def __init__(self, frame: pd.DataFrame) -> None:
        """`frame`: the ordered patrol rows (`_with_patrol_columns`)."""
        self._fields = _fields(frame)
        self._issues = _open_issue_lists(frame)

    def __len__(self) -> int:
        return len(self._fields["code"])

    @cached_property
    def _columns(self) -> list[list[Any]]:
        """Every field as a list of plain values, in `KEYS` order (open issues None where there
        are none), made when the first entry is read."""
        issues: list[Any] = [None] * len(self)
        for row, found in self._issues.items():
            issues[row] = found
        return [issues if key == "open_issues" else _plain(self._fields[key]) for key in KEYS]

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        return _entry([column[index] for column in self._columns])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (_entry(values) for values in zip(*self._columns, strict=True))

    def field(self, key: str) -> pd.Series:
        """One field of every entry, in order, as a typed column (NaN, NaT or <NA> where
        missing): any key of an entry but `open_issues` (see `open_issues`)."""
        return self._fields[key].reset_index(drop=True)

    @property
    def open_issues(self) -> dict[int, list[dict[str, str]]]:
        """The open issues of the entries with any, by position in the list."""
        return {row: list(found) for row, found in self._issues.items()}

    def to_json(self) -> bytes:
        """The entries as a compact JSON array (UTF-8), the same JSON as the dicts give through
        the API's model (`GET /api/patrol`), written column by column."""
        texts = {key: json_values(values) for key, values in self._fields.items()}
        issues = np.full(len(self), "[]", dtype=object)
        for row, found in self._issues.items():
            issues[row] = json.dumps(found, ensure_ascii=False, separators=(",", ":"))
        texts["open_issues"] = pa.array(issues, type=pa.string())
        return records_json({key: texts[key] for key in KEYS})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a list-like: unhashable, as a list is
