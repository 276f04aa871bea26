"""Each parcel's inspection summary for the present, kept current by every write to inspections.

Why: the status of today is what maps, the web app and most exports ask for,
and working it out from a million inspections takes seconds. A summary row
holds what status needs from a parcel's history (its latest two effective
records and running totals), so today's status is one join.

Writes keep it current in their own transaction: ORM writes through the
flush hook below (any new `Inspection`, a correction included), bulk imports
by calling `refresh_summaries` for the parcels they touched. A parcel's kind
never changes (imports refuse it), so parcel writes need no refresh.
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
from cases.status import summary_ctes
from geo.orm import UTCDateTime
from layers.models import Parcel

# Every stored record counts for the present: the history query as of the end of time.
END_OF_TIME = datetime(9999, 1, 1, tzinfo=UTC)
SUMMARY_COLUMNS = (
    "parcel_id", "last_inspection_id", "prev_inspection_id", "inspections_count", "demolished_total",
    "rebuilt_total", "sheds_peak", "hardened_peak_m2", "ever_violated", "clean_after_violation",
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
    statement = sa.text(
        f"WITH {summary_ctes(parcel_filter)} INSERT INTO parcel_summaries ({columns}) "
        f"SELECT {columns} FROM summary"
    ).bindparams(sa.bindparam("as_of", type_=UTCDateTime))
    if "ids" in params:
        statement = statement.bindparams(sa.bindparam("ids", expanding=True))
    connection.execute(statement, {**params, "as_of": END_OF_TIME})


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
