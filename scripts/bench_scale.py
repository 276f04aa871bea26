"""Benchmark `scale`: how each cost grows with the number of parcels, on SpatiaLite and PostGIS.

    python -m scripts.bench scale --parcels 10000,100000,1000000 --inspections 10x
        [--backend both|spatialite|postgis] [--pg ADMIN_URL]

Each step is timed next to a reference measured in the same run, on the same
store, and printed as a ratio (absolute times on a shared machine mean little):

    parcels import        `landpatrol parcels import`   / ogr2ogr into the same backend
    status as of a date   `status_frame`                / the plain window query
    GeoPackage export     `landpatrol export`           / pyogrio writing the same table
    1,000-feature page    a street page (after= cursor) / the same page at the smallest size
    viewport request      a street page in a box        / the same at the smallest size
    backup                `landpatrol backup`           / pg_dump -Fc, or sqlite3 .backup, alone

The viewport's box holds about the same number of parcels at every size (the
synthetic parcels fill one district, so it shrinks as they grow denser): what a
map at a street's zoom asks for in a city of constant density. The stores are
built by the export and import benchmarks' own loaders; peak memory is each
measuring process's own (`scripts.bench_memory`): the import, the export
(with its row-reading child) and status as of a date each run in a process
of their own.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from cases.status.street_page import status_page
from geo.backup import write_backup
from geo.store import Store, open_store
from scripts import bench_import, bench_status
from scripts.bench_databases import scratch_database
from scripts.bench_export import PG_ENV, STREETS, _load, _measure
from scripts.bench_memory import own_peak_mb
from scripts.bench_synthetic import TIANHE_BOUNDS, write_parcels_gpkg
from scripts.cli_backup import _tables
from scripts.migrate import current_revision

PAGE = 1000
VIEWPORT_PARCELS = 500
REPEAT = 5
Row = dict[str, object]
T = TypeVar("T")


def _best(work: Callable[[], object], repeat: int = REPEAT) -> float:
    return bench_status._best(work, repeat)


def _in_child(work: Callable[..., T], *args: object) -> T:
    """Run `work(*args)` in a fresh process: building a million synthetic parcels must not count
    towards the peak memory of the process that measures the steps."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(work, *args).result()


def _import(backend: str, n: int, folder: Path, pg: str | None) -> Row:
    source = _in_child(write_parcels_gpkg, folder / f"import-{n}.gpkg", n)
    if backend == "spatialite":
        (ours, _cpu, peak), (ref, _, _) = bench_import._spatialite(source, folder)
    else:
        (ours, _cpu, peak), (ref, _, _) = bench_import._postgis(source, pg or "")
    for leftover in ("ours.sqlite", "ogr.sqlite"):
        (folder / leftover).unlink(missing_ok=True)
    source.unlink()
    return {"step": "parcels import", "ours": ours, "ref": ref, "peak": peak}


def _status(url: str, which: str, repeat: int) -> tuple[float, float]:
    """Status as of a date (`ours`) or the plain window query (`reference`), best of `repeat`, and
    the peak memory of the process that ran it (its own: the other's rows are not in it)."""
    store = open_store(url)
    work = bench_status._ours if which == "ours" else bench_status._reference
    seconds = _best(lambda: work(store), repeat)
    store.dispose()
    return seconds, own_peak_mb()


def _page_rows(store: Store, n: int) -> list[Row]:
    """A 1,000-parcel page from the middle of a street (keyset cursor), and a viewport's page.

    A street holds n/11 parcels: at 10,000 the page is the whole street's 909.
    """
    street = STREETS[0][0]
    position = max(0, n // len(STREETS) // 2 - PAGE // 2)
    after = f"S{position * len(STREETS):07d}" if position else None
    minx, miny, maxx, maxy = TIANHE_BOUNDS
    share = (VIEWPORT_PARCELS / n) ** 0.5  # a box holding ~500 parcels at this density
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    box = (cx - share * (maxx - minx) / 2, cy - share * (maxy - miny) / 2,
           cx + share * (maxx - minx) / 2, cy + share * (maxy - miny) / 2)
    with store.session() as session:
        def page() -> object:
            return status_page(session, street_codes=[street], limit=PAGE, after=after)

        def viewport() -> object:
            return status_page(session, bbox=box, limit=5000)

        page()
        viewport()
        return [{"step": "1,000-feature page", "ours": _best(page), "peak": own_peak_mb()},
                {"step": "viewport request", "ours": _best(viewport), "peak": own_peak_mb()}]


def _reference_backup(store: Store, out: Path) -> float:
    start = time.perf_counter()
    if store.is_spatialite:
        subprocess.run(["sqlite3", str(store.file_path()), f".backup '{out}'"], check=True)
    else:
        url = store.engine.url
        env = {**os.environ, "PGPASSWORD": url.password or ""}
        target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--dbname", target, "--file", str(out)],
                       check=True, env=env)
    return time.perf_counter() - start


def _backup(store: Store, folder: Path) -> Row:
    ours_out, ref_out = folder / "backup.tar", folder / "reference.dump"
    start = time.perf_counter()
    write_backup(store, ours_out, media_dir=folder / "no-media", tables=_tables(),
                 revision=current_revision(store))
    ours = time.perf_counter() - start
    ref = _reference_backup(store, ref_out)
    ours_out.unlink()
    ref_out.unlink()
    return {"step": "backup", "ours": ours, "ref": ref, "peak": own_peak_mb()}


def _store_rows(url: str, n: int, inspections: int, folder: Path, repeat: int) -> list[Row]:
    loaded = _in_child(_load, url, n, inspections)
    print(f"  loaded {n:,} parcels, {inspections:,} inspections in {loaded:.0f} s", flush=True)
    reference, _ = _in_child(_status, url, "reference", repeat)  # its first run warms the caches
    ours, peak = _in_child(_status, url, "ours", repeat)
    rows: list[Row] = [{"step": "status as of a date", "ours": ours, "ref": reference, "peak": peak}]
    export = _measure("export", url, folder / "export.gpkg")
    plain = _measure("reference", str(folder / "export.gpkg"), folder / "reference.gpkg")
    rows.append({"step": "GeoPackage export", "ours": export["seconds"], "ref": plain["seconds"],
                 "peak": export["peak_mb"]})
    for made in ("export.gpkg", "reference.gpkg"):
        (folder / made).unlink(missing_ok=True)
    store = open_store(url)
    rows += _page_rows(store, n)
    rows.append(_backup(store, folder))
    store.dispose()
    return rows


@contextmanager
def _database(backend: str, folder: Path, n: int, pg: str | None) -> Iterator[str]:
    if backend == "spatialite":
        path = folder / f"scale-{n}.sqlite"
        yield f"sqlite:///{path}"
        for leftover in folder.glob(f"scale-{n}.sqlite*"):
            leftover.unlink()
        return
    with scratch_database(pg or "", f"landpatrol_bench_scale_{os.getpid()}") as url:
        yield url


def _inspections(spec: str, n: int) -> int:
    return int(float(spec[:-1]) * n) if spec.endswith("x") else int(spec)


def _table(results: dict[tuple[str, int], list[Row]], sizes: list[int]) -> str:
    """Each step's ratio at each size (per-request steps: to their time at the smallest size)."""
    head = f"| step | backend | reference | {' | '.join(f'{s:,}' for s in sizes)} | peak MB |"
    lines = [head, "|" + "---|" * (len(sizes) + 4)]
    steps = [row["step"] for row in next(iter(results.values()))]
    for backend in dict.fromkeys(b for b, _ in results):
        for step in steps:
            cells, peaks, first = [], [], None
            for size in sizes:
                row = next((r for r in results.get((backend, size), []) if r["step"] == step), None)
                if row is None:
                    cells.append("–")
                    continue
                ours = float(row["ours"])  # type: ignore[arg-type]
                first = first if first is not None else ours
                ref = float(row["ref"]) if "ref" in row else first  # type: ignore[arg-type]
                cells.append(f"{ours / ref:.2f}× ({ours:.3g} s)")
                peaks.append(float(row["peak"]))  # type: ignore[arg-type]
            reference = "same at smallest size" if step in ("1,000-feature page", "viewport request") \
                else {"parcels import": "ogr2ogr", "status as of a date": "window query",
                      "GeoPackage export": "pyogrio", "backup": "pg_dump -Fc / sqlite3 .backup"}[step]
            lines.append(f"| {step} | {backend} | {reference} | {' | '.join(cells)} | {max(peaks):.0f} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run every step at every size on each backend; print the table of ratios."""
    parser = argparse.ArgumentParser(prog="bench scale", description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", default="10000,100000", help="comma-separated sizes")
    parser.add_argument("--inspections", default="10x", help="a count, or a multiple of the parcels (10x)")
    parser.add_argument("--backend", choices=("spatialite", "postgis", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=2,
                        help="runs of the status steps, best taken (each is a whole-district read)")
    parser.add_argument("--pg", default=next((os.environ[e] for e in PG_ENV if e in os.environ), None),
                        help="admin URL of a PostGIS server (default from $LANDPATROL_TEST_PG)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.parcels.split(","))
    backends = ["spatialite", "postgis"] if args.backend == "both" else [args.backend]
    if "postgis" in backends and not args.pg:
        parser.error("PostGIS needs --pg or $LANDPATROL_TEST_PG")
    for tool in ("ogr2ogr", "sqlite3", "pg_dump"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} not found (the references need it)")
    results: dict[tuple[str, int], list[Row]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(tmp)
        for backend in backends:
            for n in sizes:
                print(f"[{backend}] {n:,} parcels", flush=True)
                rows = [_import(backend, n, folder, args.pg)]
                with _database(backend, folder, n, args.pg) as url:
                    rows += _store_rows(url, n, _inspections(args.inspections, n), folder, args.repeat)
                results[(backend, n)] = rows
                for row in rows:
                    ref = f" vs {float(row['ref']):.3f} s" if "ref" in row else ""  # type: ignore[arg-type]
                    print(f"  {row['step']:<20} {float(row['ours']):.3f} s{ref}", flush=True)  # type: ignore[arg-type]
    print(_table(results, sizes))
    return 0
