"""Benchmark `map`: one street of N parcels, against a naive folium map built in the same run.

    python -m scripts.bench map --parcels 5000 [--index-parcels 100000] [--no-browser]

Prints our street map's size and build time as ratios to `GeoDataFrame.explore()`
and to a plain `folium.GeoJson` of the same parcels, the time to first render in
headless Chromium, and the size of the district index for `--index-parcels`
parcels over 21 streets. Targets: ≤ 3 MB, ≤ 2 s, ≤ 0.5× naive size, render ≤ 1.5 s,
index < 2 MB.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
import sqlalchemy as sa
from geoalchemy2.elements import WKTElement

from cases.models import Inspection
from cases.status.summaries import refresh_summaries
from geo.measure import areas_m2
from geo.store import Store, open_store
from layers.kinds import KINDS
from layers.models import Parcel, Street
from maps import district_index, read_district, read_street, render_html, street_map
from scripts.bench_synthetic import TIANHE_BOUNDS, synthetic_parcels
from scripts.migrate import upgrade

STREETS = 21
CHROMIUM = "/usr/bin/chromium"


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def _street_codes(n: int) -> list[str]:
    return [f"4401060{i:02d}" for i in range(1, n + 2) if i != 5][:n]


def _populate(store: Store, parcels: int, streets: int, *, seed: int = 7) -> None:
    """Streets as vertical bands over Tianhe, synthetic parcels in them, inspections on 40 %."""
    frame = synthetic_parcels(parcels, seed=seed)
    minx, miny, maxx, maxy = TIANHE_BOUNDS
    edges = np.linspace(minx, maxx, streets + 1)
    codes = _street_codes(streets)
    band = np.clip(np.searchsorted(edges, frame.geometry.bounds["minx"]) - 1, 0, streets - 1)
    kinds = list(KINDS)
    rng = np.random.default_rng(seed)
    areas = areas_m2(frame.geometry.to_numpy())
    with store.session() as session:
        session.execute(sa.insert(Street), [
            {"code": code, "name": f"街道{i + 1}", "short_name": f"街道{i + 1}",
             "schematic": True, "geom": WKTElement(shapely.MultiPolygon(
                 [shapely.box(edges[i], miny, edges[i + 1], maxy)]).wkt, srid=4490)}
            for i, code in enumerate(codes)
        ])
        session.execute(sa.insert(Parcel), [
            {"code": row.code, "kind": kinds[i % len(kinds)], "name": row.name,
             "street_code": codes[band[i]], "village": row.village, "area_m2": float(areas[i]),
             "properties": {}, "geom": WKTElement(shapely.MultiPolygon([row.geometry]).wkt,
                                                  srid=4490)}
            for i, row in enumerate(frame.itertuples())
        ])
        ids = session.scalars(sa.select(Parcel.id).order_by(Parcel.id)).all()
        visited = rng.choice(ids, size=int(len(ids) * 0.4), replace=False)
        start = datetime(2022, 6, 1, tzinfo=UTC)
        session.execute(sa.insert(Inspection), [
            {"parcel_id": int(pid), "inspected_at": start + timedelta(days=int(rng.integers(0, 140))),
             "inspector": "bench", "sheds_count": int(rng.integers(0, 3)),
             "hardened_m2": float(rng.choice([0.0, 0.0, 50.0])), "note": "巡查记录"}
            for pid in visited
        ])
        refresh_summaries(session.connection())  # a Core insert: no flush hook saw it


def _naive_maps(data: Any) -> dict[str, Callable[[], str]]:
    """What one would write without care: explore(), and a plain folium.GeoJson."""
    frame = data.parcels.copy()
    for column in frame.columns:
        if str(frame[column].dtype).startswith("datetime"):
            frame[column] = frame[column].astype(str)
    frame = frame.drop(columns=["properties"]).astype({"last_inspection_id": "float"})

    def explore() -> str:
        return frame.explore().get_root().render()

    def geojson() -> str:
        fmap = folium.Map(tiles=None)
        folium.GeoJson(frame, tooltip=folium.GeoJsonTooltip(["code", "kind"]),
                       popup=folium.GeoJsonPopup(["code", "name", "area_m2", "status"])
                       ).add_to(fmap)
        fmap.fit_bounds(fmap.get_bounds())
        return fmap.get_root().render()

    return {"GeoDataFrame.explore()": explore, "plain folium.GeoJson": geojson}


def _first_render_s(html_file: Path, parcels: int) -> float:
    """Seconds from navigation to every parcel path drawn, in headless Chromium, offline."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                            "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
                   else r.abort())
        start = time.perf_counter()
        page.goto(html_file.as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.leaflet-lpParcels-pane path').length >= {parcels}",
            timeout=60_000)
        elapsed = time.perf_counter() - start
        browser.close()
    return elapsed


def _mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB"


def bench_street(folder: Path, parcels: int, browser: bool) -> None:
    """One street of `parcels` parcels: ours against the naive maps."""
    store = open_store(f"sqlite:///{folder / 'street.sqlite'}")
    upgrade(store)
    _, load_s = _timed(lambda: _populate(store, parcels, 1))
    code = _street_codes(1)[0]
    with store.session() as session:
        def build() -> str:
            return render_html(street_map(read_street(session, code)))

        ours, ours_s = _timed(build)
        data = read_street(session, code)
    size = len(ours.encode("utf-8"))
    out = folder / "street.html"
    out.write_text(ours, encoding="utf-8")
    print(f"map: {parcels} parcels in one street (store filled in {load_s:.1f} s)")
    print(f"  ours: {_mb(size)}, built in {ours_s:.2f} s (read + status + draw + HTML)"
          f"   [targets: <= 3 MB, <= 2 s]")
    for name, naive in _naive_maps(data).items():
        try:
            html, naive_s = _timed(naive)
        except ImportError as err:  # explore() needs matplotlib and mapclassify
            print(f"  vs {name}: skipped ({str(err).split('. ')[0]})")
            continue
        naive_size = len(html.encode("utf-8"))
        print(f"  vs {name}: {_mb(naive_size)} in {naive_s:.2f} s -> size ratio "
              f"{size / naive_size:.2f}x [target <= 0.5x], time ratio {ours_s / naive_s:.2f}x")
    if browser:
        print(f"  first render in headless Chromium (all {parcels} paths drawn): "
              f"{_first_render_s(out, parcels):.2f} s [target <= 1.5 s]")
    store.dispose()


def bench_index(folder: Path, parcels: int) -> None:
    """The district index over `parcels` parcels in 21 streets."""
    store = open_store(f"sqlite:///{folder / 'district.sqlite'}")
    upgrade(store)
    _, load_s = _timed(lambda: _populate(store, parcels, STREETS))
    from cases.status.derive import district_status_table

    with store.session() as session:
        def build() -> str:
            rows, district = read_district(session, table=district_status_table(session))
            return render_html(district_index(rows, district, as_of=datetime.now(UTC).date()))

        html, build_s = _timed(build)
    print(f"index: {parcels} parcels in {STREETS} streets (store filled in {load_s:.1f} s): "
          f"{_mb(len(html.encode('utf-8')))}, built in {build_s:.2f} s [target < 2 MB]")
    store.dispose()


def main(argv: list[str]) -> int:
    """Run the map benchmark; returns the exit code."""
    parser = argparse.ArgumentParser(prog="bench map", description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=5000)
    parser.add_argument("--index-parcels", type=int, default=100_000)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium render time")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-map-") as tmp:
        bench_street(Path(tmp), args.parcels, not args.no_browser)
        if args.index_parcels:
            bench_index(Path(tmp), args.index_parcels)
    return 0
