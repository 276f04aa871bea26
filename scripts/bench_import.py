"""`scripts/bench.py import --n 100000`: `landpatrol parcels import` against ogr2ogr.

Both load the same synthetic GeoPackage into the same kind of backend in
the same run; ours also validates every geometry and computes areas in
EPSG:4547. Printed: seconds, the ratio ours / ogr2ogr, and our peak memory;
also each side's CPU seconds (user + system) and their ratio, which a busy
shared machine disturbs less than wall time (a PostgreSQL server's own work
is in neither).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from geo.store import open_store
from scripts.bench_databases import scratch_database
from scripts.migrate import upgrade

DEFAULT_PG_ADMIN = "postgresql+psycopg://landpatrol:landpatrol@127.0.0.1:5432/postgres"


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Run a command; return (seconds, CPU seconds, peak resident memory in MB) of that process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}: {process.stderr.read().decode()[-500:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


Timing = tuple[float, float, float]


def _generated(path: Path, n: int) -> Path:
    """The synthetic file, written by a child process.

    A child's peak memory counts its parent's at the fork (Python spawns
    with vfork, which shares the parent's memory until exec): generated
    here, a million parcels made every child look 2 GB large.
    """
    code = ("import sys; from pathlib import Path; from scripts.bench_synthetic import write_parcels_gpkg; "
            "write_parcels_gpkg(Path(sys.argv[1]), int(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, str(path), str(n)], check=True)
    return path


def _ours(url: str, source: Path) -> Timing:
    store = open_store(url)
    upgrade(store)
    store.dispose()
    landpatrol = [sys.executable, "-m", "scripts.cli", "--db", url]
    return _timed([*landpatrol, "parcels", "import", str(source), "--kind", "basic_farmland"])


def _spatialite(source: Path, work: Path) -> tuple[Timing, Timing]:
    ours = _ours(f"sqlite:///{work / 'ours.sqlite'}", source)
    reference = _timed(["ogr2ogr", "-f", "SQLite", "-dsco", "SPATIALITE=YES",
                        str(work / "ogr.sqlite"), str(source), "-nln", "parcels_ref",
                        "-lco", "SPATIAL_INDEX=YES"])
    return ours, reference


def _postgis(source: Path, admin_url: str) -> tuple[Timing, Timing]:
    with (scratch_database(admin_url, "landpatrol_bench_ours") as ours_url,
          scratch_database(admin_url, "landpatrol_bench_ogr") as ogr_url):
        ours = _ours(ours_url, source)
        ref_url = sa.make_url(ogr_url)
        engine = sa.create_engine(ref_url)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION postgis"))
        engine.dispose()
        pg = (f"PG:host={ref_url.host} port={ref_url.port or 5432} dbname={ref_url.database} "
              f"user={ref_url.username} password={ref_url.password}")
        reference = _timed(["ogr2ogr", "-f", "PostgreSQL", pg, str(source), "-nln", "parcels_ref",
                            "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST"])
    return ours, reference


def main(argv: list[str]) -> int:
    """Generate the parcels, load them both ways on each backend, print the ratios."""
    parser = argparse.ArgumentParser(prog="scripts/bench.py import")
    parser.add_argument("--n", type=int, default=100_000, help="parcels to generate")
    parser.add_argument("--pg", default=os.environ.get("LANDPATROL_TEST_PG", DEFAULT_PG_ADMIN),
                        help="admin URL of a PostGIS server ('' to skip PostGIS)")
    args = parser.parse_args(argv)
    if shutil.which("ogr2ogr") is None:
        raise SystemExit("ogr2ogr not found: apt-get install gdal-bin")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = _generated(work / "parcels.gpkg", args.n)
        results = {"SpatiaLite": _spatialite(source, work)}
        if args.pg:
            results["PostGIS"] = _postgis(source, args.pg)
    print(f"parcels import, {args.n:,} synthetic parcels (validation and areas included)")
    print(f"{'backend':<11} {'landpatrol s':>12} {'ogr2ogr s':>10} {'ratio':>6} {'peak MB':>8} "
          f"{'CPU s':>6} {'ogr CPU s':>9} {'CPU ratio':>9}")
    for backend, ((ours_s, ours_cpu, ours_mb), (ref_s, ref_cpu, _)) in results.items():
        print(f"{backend:<11} {ours_s:>12.2f} {ref_s:>10.2f} {ours_s / ref_s:>6.2f} {ours_mb:>8.0f} "
              f"{ours_cpu:>6.2f} {ref_cpu:>9.2f} {ours_cpu / ref_cpu:>9.2f}")
    return 0
