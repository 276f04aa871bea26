"""A page of parcels with today's status: box filter and paging in the database, on every backend."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

from cases.inspections import log_inspection
from cases.status.derive import status_frame
from cases.status.street_page import status_page
from layers.parcels_import import import_parcels
from layers.query import parcels_frame


def test_page_filters_by_box_in_the_database_pages_by_code_and_carries_status(store, tmp_path):
    squares = [box(113.38 + i * 0.001, 23.12, 113.38 + i * 0.001 + 0.0008, 23.1208) for i in range(10)]
    frame = gpd.GeoDataFrame({"code": [f"B{i}" for i in range(10)]}, geometry=squares, crs=4490)
    frame.to_file(tmp_path / "p.gpkg", driver="GPKG")
    import_parcels(store, tmp_path / "p.gpkg", kind="basic_farmland", actor="test")
    with store.session() as session:
        log_inspection(session, parcel_code="B1", inspected_at="2022-05-01", inspector="王",
                       findings={"sheds_count": 2})
    west_of_b4 = (113.3795, 23.1195, 113.3835, 23.1210)  # meets B0..B3; ends before B4
    with store.session() as session:
        first, matched = status_page(session, bbox=west_of_b4, limit=3)
        second, _ = status_page(session, bbox=west_of_b4, limit=3, offset=3)
        everything, total = status_page(session, limit=100)
        assert list(everything.code) == list(parcels_frame(session).code)
        expected = status_frame(session)
    assert matched == 4 and list(first.code) == ["B0", "B1", "B2"] and list(second.code) == ["B3"]
    assert total == 10
    assert first.crs.to_epsg() == 4490 and first.geometry.iloc[0].equals(squares[0])
    assert list(first.status) == ["uninspected", "violation", "uninspected"]
    assert everything["status"].equals(expected.loc[everything.index, "status"])
    with store.session() as session:
        none, nothing = status_page(session, street_codes=["440106999"], limit=10)
    assert nothing == 0 and none.empty
