"""SQLite plans the status of a past date the same way however its statistics were gathered.

A store made by the migrations had statistics saying its parcels table was
empty (0008 analysed it before any parcel existed), and SQLite keeps such
figures until told otherwise: with them it read the whole worked-out summary
once per parcel, 80.9x the plain window query at 100,000 parcels. Guarded here
by the plan, not the clock: the summary must be read through an index.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely
import sqlalchemy as sa

from cases.rules import FINDING_NAMES, FINDINGS_BY_NAME
from cases.status.queries import summary_status_sql
from geo.orm import UTCDateTime
from geo.store import Store, open_store

PARCELS = 2_000
AS_OF = datetime(2022, 10, 25, tzinfo=UTC)


def _fill(store: Store) -> None:
    """Parcels with two inspections each, written the bulk way and never analysed."""
    x = 113.25 + np.arange(PARCELS) * 0.001
    geoms = shapely.multipolygons(shapely.get_parts(shapely.box(x, 23.1, x + 0.0005, 23.1005))[:, None])
    stamp = store.backend.timestamp(AS_OF)
    parcels = [(f"P{i:05d}", "forest_patch", 2700.0, "{}", stamp, stamp) for i in range(PARCELS)]
    findings = [FINDINGS_BY_NAME[n].kind for n in FINDING_NAMES]
    inspections = [(1 + i % PARCELS, stamp, stamp, "王", False,
                    *(i % 3 if kind == "count" else (kind == "area") * 1.5 for kind in findings))
                   for i in range(2 * PARCELS)]
    with store.engine.begin() as conn:
        store.backend.bulk_insert(conn, "parcels", ("code", "kind", "area_m2", "properties", "created_at",
                                                   "updated_at"), "geom", 4490, parcels, np.asarray(geoms))
        store.backend.bulk_insert(conn, "inspections", ("parcel_id", "inspected_at", "recorded_at",
                                                       "inspector", "off_site", *FINDING_NAMES),
                                  "gps", 4490, inspections, np.full(len(inspections), None, dtype=object))


def _plan(store: Store) -> list[str]:
    sql = "EXPLAIN QUERY PLAN " + summary_status_sql("sqlite", present=False)
    statement = sa.text(sql).bindparams(sa.bindparam("as_of", type_=UTCDateTime))
    with store.engine.connect() as conn:
        return [row[-1] for row in conn.execute(statement, {"as_of": AS_OF})]


def test_a_past_status_reads_the_worked_out_summary_through_an_index(spatialite_template, tmp_path: Path):
    path = tmp_path / "store.sqlite"
    shutil.copyfile(spatialite_template, path)
    store = open_store(f"sqlite:///{path}")
    try:
        _fill(store)
        plan = _plan(store)
    finally:
        store.dispose()
    summary_reads = [s for s in plan if s.startswith(("SCAN s ", "SEARCH s ")) and "LEFT-JOIN" in s]
    assert summary_reads, plan
    assert all(step.startswith("SEARCH s USING") for step in summary_reads), plan
