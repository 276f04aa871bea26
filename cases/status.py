"""Parcel status, derived from the inspection history as of any instant, never typed in.

One SQL statement returns one row per parcel (its latest two effective
inspections and running totals); the rules of `cases.rules` then classify all
rows at once in pandas. For the present (no as-of, or a day not yet over) the
statement reads the summaries every write keeps current (`cases.summaries`);
for a past instant it works them out from the whole history.

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

from cases.clock import local_date, resolve_as_of
from cases.issue_state import issues_as_of, ref_key
from cases.models import issue_parcels
from cases.rules import (
    ALL_VIOLATION_MEASURES,
    FINDING_NAMES,
    STATUS_LABELS,
    STATUSES,
    classify,
    findings_falling,
    violation_sql,
)
from geo.orm import UTCDateTime, utc_now
from layers.models import Parcel

__all__ = ["STATUSES", "STATUS_LABELS", "issue_links_frame", "status_frame", "street_figures"]

SQL_FILTER_LIMIT = 1000  # longer id lists are filtered in pandas (SQLite caps bound parameters)
FINDING_COLUMNS = (*FINDING_NAMES, "note")
STATUS_COLUMNS = (
    "status", "last_inspection_id", "last_inspected_at", "days_since", "inspections_count",
    *FINDING_COLUMNS, "demolished_total", "rebuilt_total", "open_issue_refs", "issue_states",
)
COUNT_FINDINGS = tuple(n for n in FINDING_NAMES if n.endswith("_count"))
FLAG_FINDINGS = ("clothes_drying", "cars_parked", "debris")
AREA_FINDINGS = tuple(n for n in FINDING_NAMES if n.endswith("_m2"))
PREVIOUS = {m: f"prev_{m}" for m in ALL_VIOLATION_MEASURES}
# What a summary keeps of its parcel's latest record (r: its findings) and of the one before
# (q: its violation measures, named prev_*): status and the maps need them on every read, and
# looking up two records of a million per parcel was most of the server's work in an export.
RECORD_COLUMNS = (*FINDING_COLUMNS, *PREVIOUS.values())
_RECORD_FINDINGS = ", ".join([*(f"r.{name}" for name in FINDING_COLUMNS),
                              *(f"q.{m} AS {PREVIOUS[m]}" for m in ALL_VIOLATION_MEASURES)])


# An inspection counts as of :as_of when made by then, and, if it is a correction, recorded
# by then; a record superseded by a correction recorded by then no longer counts.
EFFECTIVE = """i.inspected_at <= :as_of
    AND (i.supersedes_id IS NULL OR i.recorded_at <= :as_of)
    AND i.id NOT IN (SELECT s.supersedes_id FROM inspections s
                     WHERE s.supersedes_id IS NOT NULL AND s.recorded_at <= :as_of)"""


def _window_ctes(parcel_filter: str) -> str:
    """One narrow window over every effective inspection: PostgreSQL sorts and scans it fastest."""
    return f"""eff AS (
  SELECT i.id, i.parcel_id, i.inspected_at, i.demolished_count, i.rebuilt_count, i.sheds_count,
    i.hardened_m2, {violation_sql(kind_column="p.kind", alias="i")} AS viol
  FROM inspections i JOIN parcels p ON p.id = i.parcel_id
  WHERE {EFFECTIVE} {parcel_filter}
), ranked AS (
  SELECT parcel_id, id, inspected_at, ROW_NUMBER() OVER w AS rn, LEAD(id) OVER w AS prev_id,
    LEAD(inspected_at) OVER w AS prev_at,
    COUNT(*) OVER w AS inspections_count, SUM(demolished_count) OVER w AS demolished_total,
    SUM(rebuilt_count) OVER w AS rebuilt_total, MAX(sheds_count) OVER w AS sheds_peak,
    MAX(hardened_m2) OVER w AS hardened_peak_m2, MAX(viol) OVER w AS ever_violated,
    MIN(CASE WHEN viol = 1 THEN inspected_at END) OVER w AS first_violation_at,
    MAX(CASE WHEN viol = 0 THEN inspected_at END) OVER w AS last_clean_at
  FROM eff
  WINDOW w AS (PARTITION BY parcel_id ORDER BY inspected_at DESC, id DESC
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), summary AS (
  SELECT k.parcel_id, k.id AS last_inspection_id, k.inspected_at AS last_inspected_at,
    k.prev_id AS prev_inspection_id, k.prev_at AS prev_inspected_at, k.inspections_count,
    k.demolished_total, k.rebuilt_total, k.sheds_peak, k.hardened_peak_m2, k.ever_violated,
    k.first_violation_at, k.last_clean_at, {_RECORD_FINDINGS}
  FROM ranked k JOIN inspections r ON r.id = k.id LEFT JOIN inspections q ON q.id = k.prev_id
  WHERE k.rn = 1
)"""


def _seek_ctes(parcel_filter: str) -> str:
    """Each parcel's latest two found by seeks on the (parcel, time) index, totals in one grouped
    pass: SQLite materialises a window's every row, and this is twice as fast there."""

    def pick(offset: int) -> str:
        return (f"(SELECT i.id FROM inspections i WHERE i.parcel_id = t.parcel_id AND {EFFECTIVE} "
                f"ORDER BY i.inspected_at DESC, i.id DESC LIMIT 1 OFFSET {offset})")

    viol = violation_sql(kind_column="p.kind", alias="i")
    return f"""totals AS MATERIALIZED (
  SELECT i.parcel_id, COUNT(*) AS inspections_count, SUM(i.demolished_count) AS demolished_total,
    SUM(i.rebuilt_count) AS rebuilt_total, MAX(i.sheds_count) AS sheds_peak,
    MAX(i.hardened_m2) AS hardened_peak_m2, MAX({viol}) AS ever_violated,
    MIN(CASE WHEN ({viol}) = 1 THEN i.inspected_at END) AS first_violation_at,
    MAX(CASE WHEN ({viol}) = 0 THEN i.inspected_at END) AS last_clean_at
  FROM inspections i JOIN parcels p ON p.id = i.parcel_id
  WHERE {EFFECTIVE} {parcel_filter}
  GROUP BY i.parcel_id
), picks AS MATERIALIZED (
  SELECT t.parcel_id, {pick(0)} AS last_inspection_id, {pick(1)} AS prev_inspection_id FROM totals t
), summary AS MATERIALIZED (
  SELECT t.parcel_id, k.last_inspection_id, r.inspected_at AS last_inspected_at,
    k.prev_inspection_id, q.inspected_at AS prev_inspected_at, t.inspections_count,
    t.demolished_total, t.rebuilt_total, t.sheds_peak, t.hardened_peak_m2, t.ever_violated,
    t.first_violation_at, t.last_clean_at, {_RECORD_FINDINGS}
  FROM totals t JOIN picks k ON k.parcel_id = t.parcel_id
    JOIN inspections r ON r.id = k.last_inspection_id
    LEFT JOIN inspections q ON q.id = k.prev_inspection_id
)"""


# Both give the same `summary` rows (the property tests check each against a plain-Python
# model), each the faster on its backend. `_status_table` is the only other place that looks at
# the backend, for `_window_sql`.
_SUMMARY_CTES = {"sqlite": _seek_ctes, "postgresql": _window_ctes}


def summary_ctes(dialect: str, parcel_filter: str) -> str:
    """CTEs ending in `summary`: per parcel with an effective inspection as of :as_of, its latest
    two records (the latest one's findings, the one before's violation measures) and running
    totals: the columns of `parcel_summaries`."""
    return _SUMMARY_CTES[dialect](parcel_filter)


def _window_sql(parcel_filter: str) -> str:
    """The status rows of a past instant on PostgreSQL: one window over every effective inspection
    that carries the findings along, so no record is looked up again (1.6x faster than the narrow
    window of `summary_ctes` and two lookups a parcel, at 100,000 parcels)."""
    finding_list = ", ".join(f"i.{name}" for name in FINDING_COLUMNS)
    previous = ", ".join(f"LEAD({m}) OVER w AS {PREVIOUS[m]}" for m in ALL_VIOLATION_MEASURES)
    latest = ", ".join(f"r.{name}" for name in RECORD_COLUMNS)
    return f"""
WITH eff AS (
  SELECT i.id, i.parcel_id, i.inspected_at, {finding_list},
         {violation_sql(kind_column="p.kind", alias="i")} AS viol
  FROM inspections i JOIN parcels p ON p.id = i.parcel_id
  WHERE {EFFECTIVE} {parcel_filter}
), ranked AS (
  SELECT eff.*,
    ROW_NUMBER() OVER w AS rn,
    COUNT(*) OVER w AS inspections_count,
    SUM(demolished_count) OVER w AS demolished_total,
    SUM(rebuilt_count) OVER w AS rebuilt_total,
    MAX(sheds_count) OVER w AS sheds_peak,
    MAX(hardened_m2) OVER w AS hardened_peak_m2,
    MAX(viol) OVER w AS ever_violated,
    MIN(CASE WHEN viol = 1 THEN inspected_at END) OVER w AS first_violation_at,
    MAX(CASE WHEN viol = 0 THEN inspected_at END) OVER w AS last_clean_at,
    {previous}
  FROM eff
  WINDOW w AS (PARTITION BY parcel_id ORDER BY inspected_at DESC, id DESC
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT p.id AS parcel_id, p.kind, p.street_code, p.area_m2, r.id AS last_inspection_id,
  r.inspected_at AS last_inspected_at, r.inspections_count, r.viol AS latest_violation,
  r.ever_violated, r.demolished_total, r.rebuilt_total, r.sheds_peak, r.hardened_peak_m2,
  CASE WHEN r.last_clean_at > r.first_violation_at THEN 1 ELSE 0 END AS clean_after_violation,
  {latest}
FROM parcels p LEFT JOIN ranked r ON r.parcel_id = p.id AND r.rn = 1
WHERE p.retired_at IS NULL {parcel_filter}
ORDER BY p.id
"""


def summary_status_sql(
    dialect: str, *, present: bool, parcel_filter: str = "", columns: str = "", joins: str = "",
    order_by: str = "p.id", parcels: str = "parcels",
) -> str:
    """One row per non-retired parcel: its summary (stored for the present, else worked out from
    the history as of :as_of), with what it keeps of the latest two records.

    `parcel_filter` is SQL (`AND ...`) on the columns of `parcels p`; `columns` and
    `joins` add to the select (the export adds the parcel's own attributes);
    `parcels` may narrow the table to a subquery first (a page of it).
    """
    source = "parcel_summaries" if present else "summary"
    carried = ", ".join(f"s.{name}" for name in RECORD_COLUMNS)
    return f"""{"" if present else f"WITH {summary_ctes(dialect, parcel_filter)}"}
SELECT p.id AS parcel_id, p.kind, p.street_code, p.area_m2, s.last_inspection_id,
  s.last_inspected_at, s.inspections_count,
  CASE WHEN s.last_inspection_id IS NULL THEN NULL
    ELSE {violation_sql(kind_column="p.kind", alias="s")} END AS latest_violation,
  s.ever_violated, s.demolished_total, s.rebuilt_total, s.sheds_peak, s.hardened_peak_m2,
  CASE WHEN s.last_clean_at > s.first_violation_at THEN 1 ELSE 0 END AS clean_after_violation,
  {carried}{columns}
FROM {parcels} p LEFT JOIN {source} s ON s.parcel_id = p.id {joins}
WHERE p.retired_at IS NULL {parcel_filter}
ORDER BY {order_by}
"""


def _read(session: Session, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    statement = sa.text(sql)
    if "as_of" in params:
        statement = statement.bindparams(sa.bindparam("as_of", type_=UTCDateTime))
    if "ids" in params:
        statement = statement.bindparams(sa.bindparam("ids", expanding=True))
    return read_rows(session, statement, params)


def read_rows(session: Session, statement: sa.TextClause, params: dict[str, Any]) -> pd.DataFrame:
    """Run a statement without per-row type processing; pandas converts whole columns."""
    result = session.execute(statement, params)
    keys = list(result.keys())
    columns = list(zip(*result.all(), strict=True)) or [()] * len(keys)
    return pd.DataFrame(dict(zip(keys, (list(c) for c in columns), strict=True)), columns=keys)


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


def _issue_columns(links: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
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


def is_present(as_of: datetime | date | str | None) -> tuple[datetime, bool]:
    """The instant asked for, and whether it is the present (no as-of, or a day not yet over)."""
    instant = resolve_as_of(as_of)
    return instant, as_of is None or instant >= utc_now()


def _status_table(
    session: Session, *, as_of: datetime | date | str | None, parcel_ids: Collection[int] | None,
) -> pd.DataFrame:
    """Every column `status_frame` gives, plus kind, street_code and the peaks the report uses."""
    instant, present = is_present(as_of)
    params: dict[str, Any] = {} if present else {"as_of": instant}
    small = parcel_ids is not None and len(parcel_ids) <= SQL_FILTER_LIMIT
    if small:
        params["ids"] = [int(i) for i in parcel_ids or ()] or [-1]
    dialect = session.get_bind().dialect.name
    ids_filter = "AND p.id IN :ids" if small else ""
    if present or dialect != "postgresql":
        sql = summary_status_sql(dialect, present=present, parcel_filter=ids_filter)
    else:
        sql = _window_sql(ids_filter)
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
    frame = frame.join(_issue_columns(links, frame.index))
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
    frame = _status_table(session, as_of=as_of, parcel_ids=None)
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


def street_table(session: Session, *, as_of: datetime | date | str | None = None) -> pd.DataFrame:
    """The status table with kind and street_code, for the report's per-street grouping."""
    return _status_table(session, as_of=as_of, parcel_ids=None)


def parcel_status(session: Session, parcel: Parcel, *, as_of: datetime | None = None) -> dict[str, Any]:
    """One parcel's status row as a plain dict (for `parcels show` and the web page)."""
    row = status_frame(session, as_of=as_of, parcel_ids=[parcel.id])
    if row.empty:
        return {"status": "retired"}
    record = row.iloc[0].to_dict()
    return {k: (None if v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v)
            for k, v in record.items()}
