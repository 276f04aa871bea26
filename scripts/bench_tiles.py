"""Parcel vector tiles at a street's zoom: the cost of one tile at n parcels against 10,000.

A tile picks its parcels through the spatial index, so at the same density
(parcels 30 m apart, the extent growing with n) a zoom-16 tile should cost
the same at 10,000 parcels as at 1,000,000. `time_tile` is the measurement
the scale benchmark calls.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Collection
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import sqlalchemy as sa

from cases.tiles import MIN_ZOOM, parcel_tile
from geo.store import Store, open_store
from geo.tiles import tile_of
from layers.models import Street
from layers.parcels_import import FieldOptions, import_parcels
from scripts.bench_databases import scratch_database
from scripts.migrate import upgrade

ORIGIN = (113.30, 23.10)
STEP, SIDE, COLUMNS = 0.0003, 0.00025, 100  # about 30 m apart; rows of 100 (3 km) growing north
STREET = "440106099"
PROBE = (ORIGIN[0] + 0.015, ORIGIN[1] + 0.015)  # a tile filled alike at 10,000 parcels and above


def time_tile(store: Store, lon: float, lat: float, *, z: int = MIN_ZOOM,
              street_codes: Collection[str] | None = None, repeat: int = 15) -> tuple[float, int]:
    """Median seconds to build the tile at this point (no response cache), and its size in bytes."""
    x, y = tile_of(lon, lat, z)
    times, size = [], 0
    for _ in range(repeat):
        with store.session() as session:
            started = time.perf_counter()
            size = len(parcel_tile(session, z, x, y, street_codes=street_codes))
            times.append(time.perf_counter() - started)
    return statistics.median(times), size


def load_grid(store: Store, n: int, folder: Path) -> None:
    """`n` parcels 30 m apart in rows of 100 on one street, through the parcels import."""
    index = np.arange(n)
    west, south = ORIGIN[0] + (index % COLUMNS) * STEP, ORIGIN[1] + (index // COLUMNS) * STEP
    frame = gpd.GeoDataFrame({"code": [f"G{i:07d}" for i in index], "street": STREET},
                             geometry=shapely.box(west, south, west + SIDE, south + SIDE), crs=4490)
    frame.to_file(folder / "grid.gpkg", driver="GPKG", engine="pyogrio")
    with store.session() as session:
        session.add(Street(code=STREET, name="格网街道", short_name="格网", schematic=True))
    import_parcels(store, folder / "grid.gpkg", kind="basic_farmland", actor="bench",
                   fields=FieldOptions(street="street"))
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))


def _measure(url: str, n: int, folder: Path) -> tuple[float, int]:
    store = open_store(url)
    upgrade(store)
    try:
        load_grid(store, n, folder)
        return time_tile(store, *PROBE, street_codes=[STREET])
    finally:
        store.dispose()


def main(argv: list[str]) -> int:
    """Time one zoom-16 tile at each size on SpatiaLite and PostGIS; print ratios to the first size."""
    parser = argparse.ArgumentParser(prog="bench tiles", description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--pg", default=os.environ.get("LANDPATROL_TEST_PG"),
                        help="PostGIS admin URL (default $LANDPATROL_TEST_PG; without: SpatiaLite only)")
    args = parser.parse_args(argv)
    sizes = [int(v) for v in args.parcels.split(",")]
    backends = ["spatialite", *(["postgis"] if args.pg else [])]
    print(f"{'backend':<11}{'parcels':>10}{'tile ms':>10}{'bytes':>9}{'ratio':>8}")
    for backend in backends:
        first = None
        for n in sizes:
            with tempfile.TemporaryDirectory() as name:
                folder = Path(name)
                if backend == "spatialite":
                    seconds, size = _measure(f"sqlite:///{folder / 'bench.sqlite'}", n, folder)
                else:
                    with scratch_database(args.pg, f"landpatrol_bench_tiles_{os.getpid()}") as url:
                        seconds, size = _measure(url, n, folder)
            first = first or seconds
            print(f"{backend:<11}{n:>10}{seconds * 1000:>10.1f}{size:>9}{seconds / first:>8.2f}")
    return 0
