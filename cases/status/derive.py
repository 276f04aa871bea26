"""Parcel status, derived from the inspection history as of any instant, never typed in.

One SQL statement (`cases.status.queries`) returns one row per parcel (its
latest two effective inspections and running totals); the rules of
`cases.status.rules` then classify all rows at once in pandas. For the present
(no as-of, or a day not yet over) the statement reads the summaries every write
keeps current (`cases.status.summaries`); for a past instant it works them out
from the whole history.

What counts as of an instant D: an inspection made at or before D; a
correction only once it was recorded (recorded_at <= D), and from then on it
hides the record it supersedes. Late entry of a field record (a phone synced
days later, the demo's 2022 history) is valid as of its inspection time, but a
correction never changes what an as-of query answered before it was made.
The present counts every stored record, including one whose phone clock ran a
few minutes ahead.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.issue_state import issues_as_of, ref_key
from cases.models import issue_parcels
from cases.rules import findings_falling
from cases.status.clock import instant_and_present, local_date
from cases.status.queries import (
    AREA_FINDINGS,
    COUNT_FINDINGS,
    FINDING_COLUMNS,
    FLAG_FINDINGS,
    PREVIOUS,
    summary_status_sql,
)
from cases.status.rules import STATUSES, classify
from geo.orm import UTCDateTime
from layers.models import Parcel

SQL_FILTER_LIMIT = 1000  # longer id lists are filtered in pandas (SQLite caps bound parameters)
READ_SLICE = 50_000  # rows fetched and spread into columns at a time
STATUS_COLUMNS = (
    "status", "last_inspection_id", "last_inspected_at", "days_since", "inspections_count",
    *FINDING_COLUMNS, "demolished_total", "rebuilt_total", "open_issue_refs", "issue_states",
)


def _read(session: Session, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    statement = sa.text(sql)
    if "as_of" in params:
        statement = statement.bindparams(sa.bindparam("as_of", type_=UTCDateTime))
    if "ids" in params:
        statement = statement.bindparams(sa.bindparam("ids", expanding=True))
    return read_rows(session, statement, params, stream="ids" not in params)  # every parcel: stream


def read_rows(session: Session, statement: sa.TextClause, params: dict[str, Any], *,
              stream: bool = False) -> pd.DataFrame:
    """Run a statement without per-row type processing; pandas converts whole columns.

    Rows become Python objects a slice at a time and go straight into one list per column: a
    million parcels' rows were held whole as row objects, then again as column tuples and lists,
    at the same time (2.9 GB at the peak). With `stream` (reads of every parcel), PostgreSQL
    hands the rows over a server-side cursor, so the driver never holds the whole result
    either; a page does without, as those fetches doubled its cost.
    """
    options = {"stream_results": True, "max_row_buffer": READ_SLICE} if stream else {}
    result = session.execute(statement, params, execution_options=options)
    keys = list(result.keys())
    columns: list[list[Any]] = [[] for _ in keys]
    for rows in result.partitions(READ_SLICE):
        for column, values in zip(columns, zip(*rows, strict=True), strict=True):
            column.extend(values)
    return pd.DataFrame(dict(zip(keys, columns, strict=True)), columns=keys)


def _to_utc(values: pd.Series) -> pd.Series:
    """Stored timestamps (SQLite text, PostgreSQL datetimes) as datetime64[ns, UTC]."""
    if values.dropna().empty:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    return pd.to_datetime(values, utc=True, format="ISO8601").astype("datetime64[ns, UTC]")


def issue_links_frame(session: Session, *, as_of: datetime) -> pd.DataFrame:
    """Issue-parcel links of the issues open by the instant, with each one's state then."""
    issues = issues_as_of(session, day=local_date(as_of))
    links = pd.DataFrame(
        session.execute(sa.select(issue_parcels.c.parcel_id, issue_parcels.c.issue_id)).all(),
        columns=["parcel_id", "issue_id"],
    )
    joined = links.merge(issues[["issue_id", "ref", "state"]], on="issue_id")
    return joined[["parcel_id", "ref", "state"]]


def issue_columns(links: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Per parcel: `open_issue_refs` and `issue_states` strings."""
    out = pd.DataFrame({"open_issue_refs": "", "issue_states": ""}, index=index, dtype=object)
    links = links[links["parcel_id"].isin(index)]
    if links.empty:
        return out
    links = links.assign(key=links["ref"].map(ref_key)).sort_values(["parcel_id", "key"])
    pairs = links["ref"] + ":" + links["state"]
    out.loc[:, "issue_states"] = pairs.groupby(links["parcel_id"]).agg(";".join)
    open_refs = links.loc[links["state"] != "done"]
    out.loc[:, "open_issue_refs"] = open_refs["ref"].groupby(open_refs["parcel_id"]).agg(",".join)
    return out.fillna("")


def _status_table(
    session: Session, *, as_of: datetime | date | str | None, parcel_ids: Collection[int] | None,
) -> pd.DataFrame:
    """Every column `status_frame` gives, plus kind, street_code and the peaks the report uses."""
    instant, present = instant_and_present(as_of)
    params: dict[str, Any] = {} if present else {"as_of": instant}
    small = parcel_ids is not None and len(parcel_ids) <= SQL_FILTER_LIMIT
    if small:
        params["ids"] = [int(i) for i in parcel_ids or ()] or [-1]
    ids_filter = "AND p.id IN :ids" if small else ""
    sql = summary_status_sql(session.get_bind().dialect.name, present=present, parcel_filter=ids_filter)
    frame = _read(session, sql, params).set_index("parcel_id")
    if parcel_ids is not None and not small:
        frame = frame[frame.index.isin(list(parcel_ids))]
    return derive_status(frame, instant=instant, links=issue_links_frame(session, as_of=instant))


def derive_status(frame: pd.DataFrame, *, instant: datetime, links: pd.DataFrame) -> pd.DataFrame:
    """Type the rows of `summary_status_sql` (indexed by parcel id) and add issues and status.

    `links` is `issue_links_frame` for the same instant; rows may be any subset
    of parcels, so an export derives status chunk by chunk.
    """
    frame["last_inspected_at"] = _to_utc(frame["last_inspected_at"])
    frame["last_inspection_id"] = frame["last_inspection_id"].astype("Int64")
    for name in ("inspections_count", "demolished_total", "rebuilt_total", "sheds_peak"):
        frame[name] = frame[name].fillna(0).astype(int)
    for name in FLAG_FINDINGS:
        frame[name] = frame[name].astype("boolean")
    for name in COUNT_FINDINGS:
        frame[name] = frame[name].astype("Int64")
    for name in (*AREA_FINDINGS, *PREVIOUS.values(), "hardened_peak_m2"):
        frame[name] = frame[name].astype(float)
    frame["hardened_peak_m2"] = frame["hardened_peak_m2"].fillna(0.0)
    elapsed = pd.Timestamp(instant) - frame["last_inspected_at"]
    frame["days_since"] = elapsed.dt.total_seconds() / 86400.0
    frame = frame.join(issue_columns(links, frame.index))
    classified = frame.assign(
        has_open_issue=frame["open_issue_refs"] != "",
        falling=findings_falling(frame, PREVIOUS),
        latest_violation=frame["latest_violation"].fillna(0).astype(bool),
        ever_violated=frame["ever_violated"].fillna(0).astype(bool),
        clean_after_violation=frame["clean_after_violation"].fillna(0).astype(bool),
    )
    frame["status"] = classify(classified, days_since=frame["days_since"])
    frame.index.name = "parcel_id"
    return frame


def status_frame(
    session: Session,
    *,
    as_of: datetime | date | str | None = None,
    parcel_ids: Collection[int] | None = None,
) -> pd.DataFrame:
    """The status of every non-retired parcel (or those in `parcel_ids`) as of an instant.

    Indexed by parcel_id; columns `STATUS_COLUMNS` (see the module and
    the README's "Parcel status rules" for what counts as of when).
    """
    return _status_table(session, as_of=as_of, parcel_ids=parcel_ids).loc[:, list(STATUS_COLUMNS)]


def street_figures(
    session: Session, *, as_of: datetime | date | str | None = None, street_code: str | None = None,
) -> dict[str, Any]:
    """The report's figures for one street (or the district, with `street_code` None).

    Keys: parcels (total), by_status (every status, zeros included), sheds_found
    (the most sheds ever recorded per parcel, summed), sheds_standing (on the
    latest inspection), demolished, rebuilt, hardened_cleared_m2 (peak hardened
    ground minus what the latest inspection still found), overdue, recurrences.
    """
    frame = district_status_table(session, as_of=as_of)
    if street_code is not None:
        frame = frame[frame["street_code"] == street_code]
    return figures_of(frame)


def figures_of(frame: pd.DataFrame) -> dict[str, Any]:
    """`street_figures` for rows of a status table already read."""
    counts = frame["status"].value_counts()
    by_status = {status: int(counts.get(status, 0)) for status in STATUSES}
    hardened_now = frame["hardened_m2"].fillna(0.0)
    cleared = (frame["hardened_peak_m2"] - hardened_now).clip(lower=0).sum()
    return {
        "parcels": len(frame),
        "by_status": by_status,
        "sheds_found": int(frame["sheds_peak"].sum()),
        "sheds_standing": int(frame["sheds_count"].fillna(0).sum()),
        "demolished": int(frame["demolished_total"].sum()),
        "rebuilt": int(frame["rebuilt_total"].sum()),
        "hardened_cleared_m2": round(float(cleared), 2),
        "overdue": by_status["overdue"],
        "recurrences": by_status["recurrence"],
    }


def district_status_table(session: Session, *, as_of: datetime | date | str | None = None) -> pd.DataFrame:
    """Every current parcel's status row with kind and street_code, for per-street grouping."""
    return _status_table(session, as_of=as_of, parcel_ids=None)


def parcel_status(session: Session, parcel: Parcel, *, as_of: datetime | None = None) -> dict[str, Any]:
    """One parcel's status row as a plain dict (for `parcels show` and the web page)."""
    row = status_frame(session, as_of=as_of, parcel_ids=[parcel.id])
    if row.empty:
        return {"status": "retired"}
    record = row.iloc[0].to_dict()
    return {k: (None if v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v)
            for k, v in record.items()}
