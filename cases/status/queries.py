"""The SQL that works out each parcel's summary from its inspection history, as of an instant.

A summary is what status needs from a parcel's history: its latest two
effective records (the latest one's findings, the one before's violation
measures) and running totals; `parcel_summaries` stores it for the present.
It is written in three forms, each kept for a measured reason (`python -m
scripts.bench status`, `scale` and `import`):

- `_seek_ctes`: SQLite (`RANKS_BY = "seek"`): it materialises every row of a
  window, so index seeks per parcel and one grouped pass are twice as fast;
- `_window_ctes`: PostgreSQL (`RANKS_BY = "window"`): one window over every
  effective record, carrying the findings along, sorts once and scans once
  (1.6x faster than a narrow window and two record lookups a parcel);
- `cases.status.summaries._add_import_sql`: both backends, an import folded
  into the stored summaries, so it costs a pass over its own records only.

Each backend module of `geo.dialects` names its form (`RANKS_BY`); nothing
here asks which backend it is.

What counts as of an instant D: an inspection made at or before D; a
correction only once it was recorded (recorded_at <= D), and from then on it
hides the record it supersedes.
"""

from __future__ import annotations

from collections.abc import Callable

from cases.rules import ALL_VIOLATION_MEASURES, FINDING_NAMES, violation_sql
from geo.dialects import select_dialect

FINDING_COLUMNS = (*FINDING_NAMES, "note")
COUNT_FINDINGS = tuple(n for n in FINDING_NAMES if n.endswith("_count"))
FLAG_FINDINGS = ("clothes_drying", "cars_parked", "debris")
AREA_FINDINGS = tuple(n for n in FINDING_NAMES if n.endswith("_m2"))
PREVIOUS = {m: f"prev_{m}" for m in ALL_VIOLATION_MEASURES}
# What a summary keeps of its parcel's latest record (its findings) and of the one before
# (its violation measures, named prev_*): status and the maps need them on every read, and
# looking up two records of a million per parcel was most of the server's work in an export.
RECORD_COLUMNS = (*FINDING_COLUMNS, *PREVIOUS.values())
_TOTALS = ("inspections_count", "demolished_total", "rebuilt_total", "sheds_peak", "hardened_peak_m2",
           "ever_violated", "first_violation_at", "last_clean_at")

# An inspection counts as of :as_of when made by then, and, if it is a correction, recorded
# by then; a record superseded by a correction recorded by then no longer counts.
EFFECTIVE = """i.inspected_at <= :as_of
    AND (i.supersedes_id IS NULL OR i.recorded_at <= :as_of)
    AND i.id NOT IN (SELECT s.supersedes_id FROM inspections s
                     WHERE s.supersedes_id IS NOT NULL AND s.recorded_at <= :as_of)"""


def _window_ctes(parcel_filter: str) -> str:
    """PostgreSQL: one window over every effective record carries the findings along, so no
    record is looked up again; sorting and scanning once is what PostgreSQL does fastest."""
    findings = ", ".join(f"i.{name}" for name in FINDING_COLUMNS)
    previous = ", ".join(f"LEAD({m}) OVER w AS {PREVIOUS[m]}" for m in ALL_VIOLATION_MEASURES)
    return f"""eff AS (
  SELECT i.id, i.parcel_id, i.inspected_at, {findings},
    {violation_sql(kind_column="p.kind", alias="i")} AS viol
  FROM inspections i JOIN parcels p ON p.id = i.parcel_id
  WHERE {EFFECTIVE} {parcel_filter}
), ranked AS (
  SELECT eff.*, ROW_NUMBER() OVER w AS rn, LEAD(id) OVER w AS prev_inspection_id,
    LEAD(inspected_at) OVER w AS prev_inspected_at,
    COUNT(*) OVER w AS inspections_count, SUM(demolished_count) OVER w AS demolished_total,
    SUM(rebuilt_count) OVER w AS rebuilt_total, MAX(sheds_count) OVER w AS sheds_peak,
    MAX(hardened_m2) OVER w AS hardened_peak_m2, MAX(viol) OVER w AS ever_violated,
    MIN(CASE WHEN viol = 1 THEN inspected_at END) OVER w AS first_violation_at,
    MAX(CASE WHEN viol = 0 THEN inspected_at END) OVER w AS last_clean_at, {previous}
  FROM eff
  WINDOW w AS (PARTITION BY parcel_id ORDER BY inspected_at DESC, id DESC
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), summary AS (
  SELECT parcel_id, id AS last_inspection_id, inspected_at AS last_inspected_at, prev_inspection_id,
    prev_inspected_at, {", ".join(_TOTALS)}, {", ".join(RECORD_COLUMNS)}
  FROM ranked WHERE rn = 1
)"""


def _seek_ctes(parcel_filter: str) -> str:
    """SQLite: totals in one grouped pass, each parcel's latest two by seeks on the (parcel, time)
    index, then the two records by id: SQLite materialises a window's every row, and this is
    twice as fast there. Derived tables are only scanned or read by id, never joined to each
    other, so no plan hangs on the planner's guess of their sizes."""

    def pick(offset: int) -> str:
        return (f"(SELECT i.id FROM inspections i WHERE i.parcel_id = t.parcel_id AND {EFFECTIVE} "
                f"ORDER BY i.inspected_at DESC, i.id DESC LIMIT 1 OFFSET {offset})")

    viol = violation_sql(kind_column="p.kind", alias="i")
    latest = ", ".join([*(f"r.{name}" for name in FINDING_COLUMNS),
                        *(f"q.{m} AS {PREVIOUS[m]}" for m in ALL_VIOLATION_MEASURES)])
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
  SELECT t.*, {pick(0)} AS last_inspection_id, {pick(1)} AS prev_inspection_id FROM totals t
), summary AS MATERIALIZED (
  SELECT k.parcel_id, k.last_inspection_id, r.inspected_at AS last_inspected_at,
    k.prev_inspection_id, q.inspected_at AS prev_inspected_at, {", ".join(f"k.{c}" for c in _TOTALS)},
    {latest}
  FROM picks k JOIN inspections r ON r.id = k.last_inspection_id
    LEFT JOIN inspections q ON q.id = k.prev_inspection_id
)"""


_SUMMARY_CTES: dict[str, Callable[[str], str]] = {"seek": _seek_ctes, "window": _window_ctes}


def summary_ctes(dialect: str, parcel_filter: str) -> str:
    """CTEs ending in `summary`: per parcel with an effective inspection as of :as_of, the columns
    of `parcel_summaries`, in the form the backend of SQLAlchemy dialect `dialect` runs fastest."""
    return _SUMMARY_CTES[select_dialect(dialect).RANKS_BY](parcel_filter)


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
