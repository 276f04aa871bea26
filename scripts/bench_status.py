"""Benchmark: parcel status as of a date, and the batch inspection import.

`python -m scripts.bench status --parcels 100000 --inspections 1000000`

Builds a synthetic store on each backend (SpatiaLite in a temporary file,
PostGIS in a scratch database on $LANDPATROL_BENCH_PG or $LANDPATROL_TEST_PG),
then times `cases.status.derive.status_frame` against a plain "latest inspection per
parcel" window query in the same run and prints the ratio (best of --repeat).
Then imports --import-rows CSV rows with `inspect import` and prints rows/s.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from cases.inspect_import import import_inspections
from cases.rules import FINDING_NAMES
from cases.status.derive import status_frame
from cases.status.summaries import refresh_summaries
from geo.orm import UTCDateTime
from geo.store import Store, open_store
from scripts.bench_databases import scratch_database
from scripts.migrate import upgrade

AS_OF = datetime(2022, 10, 25, tzinfo=UTC)
SPAN_START = datetime(2019, 1, 1, tzinfo=UTC)
KINDS = np.array(["basic_farmland", "forest_patch", "storage_plot", "illegal_land", "temporary_land"])
REFERENCE_SQL = f"""
SELECT * FROM (
  SELECT i.id, i.parcel_id, i.inspected_at, {", ".join(f"i.{n}" for n in FINDING_NAMES)}, i.note,
         ROW_NUMBER() OVER (PARTITION BY i.parcel_id ORDER BY i.inspected_at DESC, i.id DESC) AS rn
  FROM inspections i WHERE i.inspected_at <= :as_of
) t WHERE rn = 1
"""


def _parcels(store: Store, count: int, rng: np.random.Generator) -> None:
    x = 113.25 + rng.random(count) * 0.2
    y = 23.10 + rng.random(count) * 0.15
    boxes = shapely.box(x, y, x + 0.0005, y + 0.0005)
    geoms = np.asarray(shapely.multipolygons(shapely.get_parts(boxes)[:, None]), dtype=object)
    stamp = store.backend.timestamp(SPAN_START)
    rows = [(f"B{i:07d}", str(KINDS[i % len(KINDS)]), 2700.0, "{}", stamp, stamp) for i in range(count)]
    columns = ("code", "kind", "area_m2", "properties", "created_at", "updated_at")
    with store.engine.begin() as conn:
        store.backend.bulk_insert(conn, "parcels", columns, "geom", 4490, rows, geoms)


def _inspections(store: Store, parcels: int, count: int, rng: np.random.Generator) -> None:
    seconds = (AS_OF - SPAN_START).total_seconds() * 1.1
    chunk = 200_000
    columns = ("parcel_id", "inspected_at", "recorded_at", "inspector", "off_site", *FINDING_NAMES)
    for start in range(0, count, chunk):
        n = min(chunk, count - start)
        offsets = pd.to_timedelta(rng.random(n) * seconds, unit="s")
        stamps = [store.backend.timestamp(t) for t in (pd.Timestamp(SPAN_START) + offsets).to_pydatetime()]
        sheds = (rng.random(n) < 0.2) * rng.integers(1, 5, n)
        findings = {name: [0] * n for name in FINDING_NAMES if name.endswith("_count")}
        findings |= {name: [0.0] * n for name in FINDING_NAMES if name.endswith("_m2")}
        findings |= {name: [False] * n for name in ("clothes_drying", "cars_parked", "debris")}
        findings["sheds_count"] = sheds.tolist()
        findings["hardened_m2"] = ((rng.random(n) < 0.1) * 50.0).tolist()
        findings["debris"] = (rng.random(n) < 0.05).tolist()
        rows = list(zip(
            (rng.integers(1, parcels + 1, n)).tolist(), stamps, stamps, ["bench"] * n, [False] * n,
            *(findings[name] for name in FINDING_NAMES), strict=True))
        with store.engine.begin() as conn:
            store.backend.bulk_insert(conn, "inspections", columns, "gps", 4490, rows,
                                      np.full(n, None, dtype=object))
    with store.engine.begin() as conn:
        refresh_summaries(conn)
        conn.exec_driver_sql("ANALYZE")


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _reference(store: Store) -> pd.DataFrame:
    with store.session() as session:
        statement = sa.text(REFERENCE_SQL).bindparams(sa.bindparam("as_of", type_=UTCDateTime))
        result = session.execute(statement, {"as_of": AS_OF})
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _ours(store: Store) -> pd.DataFrame:
    with store.session() as session:
        return status_frame(session, as_of=AS_OF)


def _import_rate(store: Store, parcels: int, rows: int, rng: np.random.Generator, folder: Path) -> float:
    path = folder / "field.csv"
    ids = rng.integers(0, parcels, rows)
    frame = pd.DataFrame({
        "parcel_code": [f"B{i:07d}" for i in ids],
        "inspected_at": pd.Timestamp("2023-01-01T09:00+08:00") + pd.to_timedelta(np.arange(rows), unit="s"),
        "inspector": "bench", "sheds_count": rng.integers(0, 3, rows), "debris": rng.random(rows) < 0.1,
        "client_id": [f"bench-{i}" for i in range(rows)],
    })
    frame["inspected_at"] = frame["inspected_at"].map(lambda t: t.isoformat())
    frame.to_csv(path, index=False)
    start = time.perf_counter()
    with store.session() as session:
        result = import_inspections(session, path, actor="bench", partial=True)
    elapsed = time.perf_counter() - start
    return result.written / elapsed


def _stores(backends: list[str], folder: Path, stack: ExitStack) -> list[tuple[str, Store]]:
    """The stores to measure; `stack` disposes of them (and drops the PostGIS one) at the end."""
    urls = []
    if "spatialite" in backends:
        urls.append(("spatialite", f"sqlite:///{folder / 'bench.sqlite'}"))
    if "postgis" in backends:
        admin_url = os.environ.get("LANDPATROL_BENCH_PG") or os.environ.get("LANDPATROL_TEST_PG")
        if not admin_url:
            print("postgis: skipped (set LANDPATROL_BENCH_PG to an admin URL)")
        else:
            name = f"landpatrol_bench_status_{os.getpid()}"
            urls.append(("postgis", stack.enter_context(scratch_database(admin_url, name))))
    made = []
    for backend, url in urls:
        store = open_store(url)
        stack.callback(store.dispose)
        made.append((backend, store))
    return made


def main(argv: list[str]) -> int:
    """Run the status and import benchmarks; print ratios against the reference query."""
    parser = argparse.ArgumentParser(prog="bench.py status")
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--inspections", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["both", "spatialite", "postgis"], default="both")
    args = parser.parse_args(argv)
    backends = ["spatialite", "postgis"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        for name, store in _stores(backends, Path(tmp), stack):
            rng = np.random.default_rng(7)
            upgrade(store)
            start = time.perf_counter()
            _parcels(store, args.parcels, rng)
            _inspections(store, args.parcels, args.inspections, rng)
            print(f"{name}: built {args.parcels} parcels, {args.inspections} inspections "
                  f"in {time.perf_counter() - start:.1f} s")
            _ours(store)  # warm caches for both
            reference = _best(lambda s=store: _reference(s), args.repeat)
            ours = _best(lambda s=store: _ours(s), args.repeat)
            print(f"{name}: status_frame {ours:.2f} s vs window query {reference:.2f} s "
                  f"-> ratio {ours / reference:.2f} (target <= 1.5)")
            rate = _import_rate(store, args.parcels, args.import_rows, rng, Path(tmp))
            print(f"{name}: inspect import {args.import_rows} rows: {rate:,.0f} rows/s"
                  + (" (target >= 20,000 on PostGIS)" if name == "postgis" else ""))
    return 0
