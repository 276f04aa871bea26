"""Each parcel's inspection summary for the present, kept current by every write to inspections.

Why: the status of today is what maps, the web app and most exports ask for,
and working it out from a million inspections takes seconds. A summary row
holds what status needs from a parcel's history (its latest two effective
records, the latest one's findings, the violation measures of the one
before, and running totals), so today's status is one join.

Writes keep it current in their own transaction: ORM writes through the
flush hook below (any new `Inspection`, a correction included: the parcel is
worked out afresh), inspection imports through `add_import`, which combines
each parcel's summary with the new records alone, since an import adds
records and never corrects one. A parcel's kind never changes (imports
refuse it), so parcel writes need no refresh.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from cases.models import Inspection
from cases.rules import violation_sql
from cases.status.queries import FINDING_COLUMNS, FLAG_FINDINGS, PREVIOUS, RECORD_COLUMNS, summary_ctes
from geo.dialects import dialect_of
from geo.orm import UTCDateTime
from layers.models import Parcel

# Every stored record counts for the present: the history query as of the end of time.
END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)
SUMMARY_COLUMNS = (
    "parcel_id", "last_inspection_id", "last_inspected_at", "prev_inspection_id", "prev_inspected_at",
    "inspections_count", "demolished_total", "rebuilt_total", "sheds_peak", "hardened_peak_m2",
    "ever_violated", "first_violation_at", "last_clean_at", *RECORD_COLUMNS,
)
IDS_PER_STATEMENT = 900  # under SQLite's default limit of bound parameters


def refresh_summaries(connection: Connection, parcel_ids: Collection[int] | None = None) -> None:
    """Recompute the summaries of these parcels (every parcel with None) from their history.

    The parcels' rows are locked first (FOR NO KEY UPDATE on PostgreSQL, which
    the key-share locks of inserted records do not block; SQLite has one
    writer at a time anyway): two transactions adding records to one parcel
    then refresh one after the other, and the second, reading once the first
    has committed, sees both records.
    """
    if parcel_ids is None:
        connection.execute(sa.text("DELETE FROM parcel_summaries"))
        _insert(connection, "", {})
        return
    ids = sorted({int(i) for i in parcel_ids})
    for start in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = {"ids": ids[start : start + IDS_PER_STATEMENT]}
        connection.execute(sa.select(Parcel.id).where(Parcel.id.in_(chunk["ids"]))
                           .order_by(Parcel.id).with_for_update(key_share=True))
        delete = sa.text("DELETE FROM parcel_summaries WHERE parcel_id IN :ids")
        connection.execute(delete.bindparams(sa.bindparam("ids", expanding=True)), chunk)
        _insert(connection, "AND p.id IN :ids", chunk)


def _insert(connection: Connection, parcel_filter: str, params: dict[str, Any]) -> None:
    columns = ", ".join(SUMMARY_COLUMNS)
    ctes = summary_ctes(connection.dialect.name, parcel_filter)
    statement = sa.text(
        f"WITH {ctes} INSERT INTO parcel_summaries ({columns}) SELECT {columns} FROM summary"
    ).bindparams(sa.bindparam("as_of", type_=UTCDateTime))
    if "ids" in params:
        statement = statement.bindparams(sa.bindparam("ids", expanding=True))
    connection.execute(statement, {**params, "as_of": END_OF_TIME})


def add_import(connection: Connection, import_id: int) -> None:
    """Fold the records of one import into their parcels' summaries.

    The totals of old and new records combine, and the latest two of all are
    among the stored latest two and the new ones, so no history is read: an
    import of 100,000 records costs a pass over those records, not over every
    record of the parcels they touch. Other writers to the summaries wait for
    the import's commit (one table lock: locking 60,000 parcel rows one by one
    costs more than the fold itself), then read what it added.
    """
    dialect_of(connection).lock_for_writing(connection, "parcel_summaries")
    connection.execute(sa.text(_add_import_sql()), {"import_id": import_id})


def _add_import_sql() -> str:
    """Both backends: an import's records folded into the stored summaries, as the import
    benchmark needs (a pass over the new records alone, not over their parcels' history).

    One grouped pass over the new records and, per parcel they touch, its stored summary (a row
    carrying the totals and the latest record's findings, dated as that record) and its stored
    previous record (a row carrying its violation measures). No join between derived tables:
    their sizes are unknown to the planner, and a misjudged nested loop over two of them never
    ends."""
    columns = ", ".join(SUMMARY_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in SUMMARY_COLUMNS[1:])
    touched = "s.parcel_id IN (SELECT parcel_id FROM new)"
    findings = ", ".join(FINDING_COLUMNS)
    previous = ", ".join(f"s.{PREVIOUS[m]}" if m in PREVIOUS else "NULL" for m in FINDING_COLUMNS)
    picked = ", ".join([*(_pick(name, 1) for name in FINDING_COLUMNS), *(_pick(m, 2) for m in PREVIOUS)])
    return f"""WITH new AS (
  SELECT i.id, i.parcel_id, i.inspected_at, {", ".join(f"i.{c}" for c in FINDING_COLUMNS)},
    {violation_sql(kind_column="p.kind", alias="i")} AS viol
  FROM inspections i JOIN parcels p ON p.id = i.parcel_id
  WHERE i.import_id = :import_id
), candidates AS (
  SELECT parcel_id, id, inspected_at, 1 AS n, demolished_count AS demolished, rebuilt_count AS rebuilt,
    sheds_count AS sheds, hardened_m2 AS hardened, viol AS violated,
    CASE WHEN viol = 1 THEN inspected_at END AS first_violation_at,
    CASE WHEN viol = 0 THEN inspected_at END AS last_clean_at, {findings}
  FROM new
  UNION ALL
  SELECT s.parcel_id, s.last_inspection_id, s.last_inspected_at, s.inspections_count,
    s.demolished_total, s.rebuilt_total, s.sheds_peak, s.hardened_peak_m2, s.ever_violated,
    s.first_violation_at, s.last_clean_at, {", ".join(f"s.{c}" for c in FINDING_COLUMNS)}
  FROM parcel_summaries s WHERE {touched}
  UNION ALL
  SELECT s.parcel_id, s.prev_inspection_id, s.prev_inspected_at, 0, 0, 0, NULL, NULL, NULL, NULL, NULL,
    {previous}
  FROM parcel_summaries s WHERE {touched} AND s.prev_inspection_id IS NOT NULL
), ranked AS (
  SELECT candidates.*,
    ROW_NUMBER() OVER (PARTITION BY parcel_id ORDER BY inspected_at DESC, id DESC) AS rn
  FROM candidates
)
INSERT INTO parcel_summaries ({columns})
SELECT parcel_id, MAX(CASE WHEN rn = 1 THEN id END), MAX(CASE WHEN rn = 1 THEN inspected_at END),
  MAX(CASE WHEN rn = 2 THEN id END), MAX(CASE WHEN rn = 2 THEN inspected_at END), SUM(n),
  SUM(demolished), SUM(rebuilt), MAX(sheds), MAX(hardened), MAX(violated), MIN(first_violation_at),
  MAX(last_clean_at), {picked}
FROM ranked WHERE true GROUP BY parcel_id
ON CONFLICT (parcel_id) DO UPDATE SET {updates}"""


def _pick(column: str, rank: int) -> str:
    """The column's value on the parcel's `rank`-th latest candidate (PostgreSQL has no MAX of
    booleans, so flags go through integers), named as the summary names it."""
    name = column if rank == 1 else PREVIOUS[column]
    if column in FLAG_FINDINGS:
        return f"CAST(MAX(CASE WHEN rn = {rank} THEN CAST({column} AS INTEGER) END) AS BOOLEAN) AS {name}"
    return f"MAX(CASE WHEN rn = {rank} THEN {column} END) AS {name}"


@event.listens_for(Session, "after_flush")
def _refresh_after_flush(session: Session, _context: Any) -> None:
    """Refresh the parcels of inspections just flushed, and of the records they supersede."""
    new = [obj for obj in session.new if isinstance(obj, Inspection)]
    if not new:
        return
    parcel_ids = {obj.parcel_id for obj in new}
    superseded = [obj.supersedes_id for obj in new if obj.supersedes_id is not None]
    if superseded:
        query = sa.select(Inspection.parcel_id).where(Inspection.id.in_(superseded))
        parcel_ids.update(session.connection().execute(query).scalars())
    refresh_summaries(session.connection(), parcel_ids)
