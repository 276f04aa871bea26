"""Benchmark `landpatrol export` to GeoPackage against pyogrio alone writing the same table.

`python -m scripts.bench export --parcels 100000 --inspections 1000000 [--backend both]`

For each backend: load N synthetic parcels (24-vertex polygons in Tianhe, all
kinds) and M inspections, export every parcel's status today (the analysts'
usual export, read from the stored summaries) to a GeoPackage, then time
pyogrio writing the very tables that export produced (read back from it) to a
new GeoPackage, layer by layer, in the same run: with its default writer and
with use_arrow. The export as of a past date (status worked out from the whole
history) is timed too. One untimed export warms the database's caches first;
each run is repeated (--repeat, default 3) and the verdict is on the median
ratio, as the reference alone varies by a fifth from run to run here.
Each measurement runs in a fresh child process so that its peak memory is
its own: that process and the export's row-reading child together, sampled
every 10 ms (`scripts.bench_memory`).
Prints the ratios and the peak.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa

from scripts.bench_databases import scratch_database
from scripts.bench_memory import TreePeak, own_peak_mb

TARGET_RATIO = 1.3
TARGET_PEAK_MB = 2048
AS_OF = "2022-10-25"
BATCH = 50_000
LOAD_CACHE_KB = 512 * 1024  # SQLite's page cache while loading: index builds sort in memory
PG_ENV = ("LANDPATROL_BENCH_PG", "LANDPATROL_TEST_PG")
STREETS = [(f"4401060{n:02d}", f"街道{n:02d}") for n in (1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 20)]


def _parcel_rows(n: int, stamp: Any) -> Iterator[tuple[list[tuple[Any, ...]], np.ndarray]]:
    """Batches of (parcel rows, their geometries): the shared synthetic parcels, all kinds."""
    from geo.measure import areas_m2
    from layers.kinds import KINDS
    from scripts.bench_synthetic import synthetic_parcels

    frame = synthetic_parcels(n)
    geoms = shapely.multipolygons(np.asarray(frame.geometry.values, dtype=object)[:, None])
    areas = areas_m2(geoms).tolist()
    codes, names, villages = (frame[c].tolist() for c in ("code", "name", "village"))
    kinds = list(KINDS)
    props = {kind: [(p.name, p.type is int) for p in KINDS[kind].properties] for kind in kinds}
    now = stamp(datetime.now(UTC))
    for start in range(0, n, BATCH):
        rows = []
        for i in range(start, min(n, start + BATCH)):
            kind = kinds[i % len(kinds)]
            values = {name: (2021 if whole else f"{name}-{i}") for name, whole in props[kind]}
            rows.append((codes[i], kind, names[i], STREETS[i % len(STREETS)][0], villages[i], areas[i],
                         json.dumps(values, ensure_ascii=False), now, now))
        yield rows, geoms[start : start + len(rows)]


INSPECTION_COLUMNS = (
    "parcel_id", "inspected_at", "recorded_at", "inspector", "off_site", "sheds_count",
    "sheds_area_m2", "clothes_drying", "cars_parked", "hardened_m2", "demolished_count",
    "rebuilt_count", "abandoned_m2", "debris", "machinery_count", "vehicles_count",
    "replanted_m2", "note",
)
# Row n's pseudo-random draws, the same on both backends (integer arithmetic in SQL; SQLite has no
# seeded random()): h = (n * A + C) mod the prime 2^31 - 1, one (A, C) per draw, then h² mod that
# prime, which spreads inspections over parcels as unevenly as independent draws do (h alone gives
# every parcel 7 to 12 of ten).
PRIME = 2_147_483_647
DRAWS = {"parcel": (1_103_515_245, 12_345), "at": (1_664_525, 1_013_904_223),
         "bad": (22_695_477, 1), "sheds": (69_069, 7)}
SPAN = 660 * 86_400  # inspections spread over the 660 days from 2021-01-01
EPOCH_2021 = 1_609_459_200


def _draw(name: str, modulo: int) -> str:
    return f"(h_{name} * h_{name} % {PRIME} % {modulo})"


def _inspections_sql(spatialite: bool, m: int, parcels: int) -> str:
    """One INSERT … SELECT of `m` inspections over parcels 1..`parcels`, made by the database itself.

    As the old Python rows: each a uniformly drawn parcel and second of 2021-2022's first 660 days,
    one in five a violation (0-3 sheds of 12.5 m², 30 m² hardened, debris), a note on six in seven.
    Building them in SQL takes seconds where ten million Python tuples took half an hour.
    """
    if spatialite:
        numbers = f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {m}) "
        rows = "s"
        when = f"datetime({EPOCH_2021} + {_draw('at', SPAN)}, 'unixepoch') || '.000000'"
        false = "0"
    else:
        numbers, rows = "", f"generate_series(1::bigint, {m}) AS s(n)"
        when = f"to_timestamp({EPOCH_2021} + {_draw('at', SPAN)})"
        false = "false"
    bad = f"({_draw('bad', 5)} = 0)"
    sheds = f"(CASE WHEN {bad} THEN {_draw('sheds', 4)} ELSE 0 END)"
    violation = f"(CASE WHEN {bad} THEN 1 ELSE 0 END)"
    values = (
        f"{_draw('parcel', parcels)} + 1", when, when, "'巡查员'", false, sheds, f"{sheds} * 12.5",
        false, false, f"{violation} * 30.0", "0", "0", "0.0", bad, "0", "0", "0.0",
        "CASE WHEN n % 7 = 0 THEN NULL ELSE '巡查' END",
    )
    hashes = ", ".join(f"(n * {a} + {c}) % {PRIME} AS h_{name}" for name, (a, c) in DRAWS.items())
    return (f"{numbers}INSERT INTO inspections ({', '.join(INSPECTION_COLUMNS)}) "
            f"SELECT {', '.join(values)} FROM (SELECT n, {hashes} FROM {rows}) AS drawn")


@contextmanager
def _loading(store: Any) -> Iterator[sa.Connection]:
    """One transaction for the bulk load. On SQLite, a scratch file's: no journal, no fsync, no
    foreign-key lookups (the synthetic rows are valid by construction) and a large page cache, set
    before it begins; each costs minutes at ten million rows. The next connection is in WAL again."""
    with store.engine.connect() as conn:
        if store.is_spatialite:
            raw = conn.connection.dbapi_connection
            for pragma in ("foreign_keys = OFF", "journal_mode = OFF", "synchronous = OFF",
                           f"cache_size = {-LOAD_CACHE_KB}"):
                raw.execute(f"PRAGMA {pragma}")
        with conn.begin():
            yield conn


@contextmanager
def _without_triggers(conn: sa.Connection, table: str) -> Iterator[None]:
    """SpatiaLite's per-row triggers on `table` (on its `gps`, which stays empty here) dropped for a bulk
    insert in the block and put back after it."""
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)).all()
    for name, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)


def _load(url: str, parcels: int, inspections: int) -> float:
    """Create the schema and load the synthetic data; returns seconds taken."""
    from cases.status.summaries import refresh_summaries
    from geo.store import open_store
    from scripts.migrate import upgrade

    began = time.perf_counter()
    store = open_store(url)
    upgrade(store)
    stamp = store.backend.timestamp
    now = stamp(datetime.now(UTC))
    with _loading(store) as conn:
        conn.execute(sa.text("INSERT INTO streets (code, name, short_name, schematic, updated_at) "
                             "VALUES (:c, :n, :n, false, :t)"),
                     [{"c": c, "n": n, "t": now} for c, n in STREETS])
        store.backend.bulk_load(conn, "parcels", (
            "code", "kind", "name", "street_code", "village", "area_m2", "properties",
            "created_at", "updated_at"), "geom", 4490, _parcel_rows(parcels, stamp))
        # Grown a random row at a time, six indexes of ten million rows cost most of the load.
        with (store.backend.indexes_built_after(conn, "inspections"),
              _without_triggers(conn, "inspections") if store.is_spatialite else nullcontext()):
            conn.execute(sa.text(_inspections_sql(store.is_spatialite, inspections, parcels)))
        refresh_summaries(conn)
    if not store.is_spatialite:
        with store.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
    store.dispose()
    return time.perf_counter() - began


def _child(argv: Sequence[str]) -> dict[str, Any]:
    """One measurement in this (fresh) process: `export URL OUT [AS_OF]` or `reference SRC OUT`."""
    what, source, out, *as_of = argv
    import pyogrio

    status_seconds = 0.0
    if what == "export":
        from cases.status import export_rows
        from geo.store import open_store
        from layers.export_spec import ExportOptions

        derive = export_rows.derive_status

        def timed(*args: Any, **kwargs: Any) -> Any:  # how much of the export is classifying rows
            nonlocal status_seconds
            began = time.perf_counter()
            try:
                return derive(*args, **kwargs)
            finally:
                status_seconds += time.perf_counter() - began

        export_rows.derive_status = timed
        store = open_store(source)
        began = time.perf_counter()
        query = export_rows.StatusQuery(as_of=as_of[0] if as_of else None)
        with TreePeak() as memory:
            result = export_rows.export_status(store, Path(out), query,
                                                ExportOptions(), lang="zh", actor="bench")
        seconds = time.perf_counter() - began
        rows = result.rows
    else:
        layers = [name for name, _ in pyogrio.list_layers(source) if name != "layer_styles"]
        frames = {name: pyogrio.read_dataframe(source, layer=name) for name in layers}
        use_arrow = what == "reference-arrow"
        began = time.perf_counter()
        for name, frame in frames.items():
            pyogrio.write_dataframe(frame, out, layer=name, driver="GPKG", append=True,
                                    use_arrow=use_arrow)
        seconds = time.perf_counter() - began
        rows = sum(len(f) for f in frames.values())
    peak_mb = memory.peak_mb if what == "export" else own_peak_mb()
    return {"seconds": seconds, "rows": rows, "peak_mb": peak_mb, "status_seconds": status_seconds}


def _measure(what: str, source: str, out: Path, *extra: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "scripts.bench_export", "--child", what, source,
                           str(out), *extra], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{what} failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_backend(name: str, url: str, args: argparse.Namespace, folder: Path) -> bool:
    loaded = _load(url, args.parcels, args.inspections)
    print(f"[{name}] loaded {args.parcels:,} parcels and {args.inspections:,} inspections "
          f"in {loaded:.1f} s", flush=True)
    # The first read after a bulk load pays for cold caches (and, on PostgreSQL, for setting
    # hint bits on every row): one export runs first, untimed, as it would in daily use.
    warmup = _measure("export", url, folder / f"{name}-warmup.gpkg")
    print(f"[{name}] warm-up export (not counted): {warmup['seconds']:.2f} s", flush=True)
    ratios, peaks = [], []
    for attempt in range(args.repeat):
        out = folder / f"{name}-{attempt}.gpkg"
        export = _measure("export", url, out)
        past = _measure("export", url, folder / f"{name}-{attempt}-past.gpkg", AS_OF)
        plain = _measure("reference", str(out), folder / f"{name}-{attempt}-ref.gpkg")
        arrow = _measure("reference-arrow", str(out), folder / f"{name}-{attempt}-arrow.gpkg")
        ratio = export["seconds"] / plain["seconds"]
        ratios.append(ratio)
        peaks.append(export["peak_mb"])
        print(f"[{name}] GeoPackage export of {export['rows']:,} parcels, status today: "
              f"{export['seconds']:.2f} s, peak {export['peak_mb']:.0f} MB (of which deriving status "
              f"from the rows read {export['status_seconds']:.2f} s)", flush=True)
        print(f"[{name}]   pyogrio alone writing the same table: {plain['seconds']:.2f} s, ratio "
              f"{ratio:.2f}x (target <= {TARGET_RATIO}x, <= {TARGET_PEAK_MB} MB); with use_arrow "
              f"{arrow['seconds']:.2f} s, ratio {export['seconds'] / arrow['seconds']:.2f}x", flush=True)
        print(f"[{name}]   as of {AS_OF} (status from the whole history): {past['seconds']:.2f} s, "
              f"peak {past['peak_mb']:.0f} MB, ratio {past['seconds'] / plain['seconds']:.2f}x", flush=True)
    median = float(np.median(ratios))
    ok = median <= TARGET_RATIO and max(peaks) <= TARGET_PEAK_MB
    print(f"[{name}] median ratio over {len(ratios)} runs {median:.2f}x, peak {max(peaks):.0f} MB: "
          f"{'within' if ok else 'OVER'} target", flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the export benchmark; exit 1 when a target is missed."""
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["--child"]:
        print(json.dumps(_child(args_in[1:])))
        return 0
    parser = argparse.ArgumentParser(prog="bench.py export", description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--inspections", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("spatialite", "postgis", "both"), default="both")
    parser.add_argument("--pg", default=next((os.environ[e] for e in PG_ENV if e in os.environ), None),
                        help="admin URL of a PostGIS server (default $LANDPATROL_BENCH_PG or "
                        "$LANDPATROL_TEST_PG)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per backend; the verdict is on the median ratio (default 3)")
    args = parser.parse_args(args_in)
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = Path(tmp)
        if args.backend in ("spatialite", "both"):
            ok = _run_backend("spatialite", f"sqlite:///{folder / 'bench.sqlite'}", args, folder) and ok
        if args.backend in ("postgis", "both"):
            if not args.pg:
                print("[postgis] skipped: give --pg or set LANDPATROL_BENCH_PG", file=sys.stderr)
                return 2
            with scratch_database(args.pg, f"landpatrol_bench_export_{os.getpid()}") as url:
                ok = _run_backend("postgis", url, args, folder) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
