"""Parcel vector tiles on both backends: decoded back, they hold the tile's parcels with status."""

from __future__ import annotations

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, box, shape

from cases.inspections import log_inspection
from cases.tiles import LAYER, parcel_tile
from geo.errors import InputError
from geo.tiles import EXTENT, lonlat_bounds, mercator_bounds, tile_of, to_lonlat, to_mercator
from layers.parcels_import import import_parcels

Z = 17


def _decode(body: bytes) -> list[dict]:
    return mapbox_vector_tile.decode(body).get(LAYER, {"features": []})["features"] if body else []


def test_tile_holds_its_parcels_with_status_and_nothing_else(store, tmp_path):
    squares = [box(113.38 + i * 0.0002, 23.12, 113.38 + i * 0.0002 + 0.00015, 23.12015) for i in range(5)]
    far = box(113.50, 23.20, 113.5002, 23.2002)
    frame = gpd.GeoDataFrame({"code": [f"T{i}" for i in range(5)] + ["FAR"], "name": ["田"] * 6},
                             geometry=[*squares, far], crs=4490)
    frame.to_file(tmp_path / "p.gpkg", driver="GPKG")
    import_parcels(store, tmp_path / "p.gpkg", kind="basic_farmland", actor="test")
    with store.session() as session:
        log_inspection(session, parcel_code="T1", inspected_at="2022-05-01", inspector="王",
                       findings={"sheds_count": 2})
    x, y = tile_of(113.3803, 23.1201, Z)
    with store.session() as session:
        features = _decode(parcel_tile(session, Z, x, y))
        empty = parcel_tile(session, Z, 0, 0)
    by_code = {f["properties"]["code"]: f for f in features}
    assert "FAR" not in by_code and {"T0", "T1"} <= set(by_code)
    assert by_code["T1"]["properties"]["status"] == "violation"
    assert by_code["T0"]["properties"] == {"code": "T0", "kind": "basic_farmland", "status": "uninspected",
                                           "name": "田"}
    # The outline lands where the parcel is: T0's west edge in tile units, y up as decoded.
    west, south, east, north = mercator_bounds(Z, x, y)
    drawn = shape(by_code["T0"]["geometry"])
    corner = to_mercator(np.array([Point(113.38, 23.12)]))[0]
    expected = ((corner.x - west) / (east - west) * EXTENT, (corner.y - south) / (north - south) * EXTENT)
    assert drawn.geom_type == "Polygon"
    assert abs(drawn.bounds[0] - expected[0]) <= 1 and abs(drawn.bounds[1] - expected[1]) <= 1
    assert empty == b"" and _decode(empty) == []


def test_tile_keeps_to_the_given_streets(store, tmp_path):
    squares = [box(113.38 + i * 0.0002, 23.12, 113.38 + i * 0.0002 + 0.00015, 23.12015) for i in range(2)]
    frame = gpd.GeoDataFrame({"code": ["S0", "S1"]}, geometry=squares, crs=4490)
    frame.to_file(tmp_path / "p.gpkg", driver="GPKG")
    import_parcels(store, tmp_path / "p.gpkg", kind="basic_farmland", actor="test")
    x, y = tile_of(113.3801, 23.1201, Z)
    with store.session() as session:
        assert _decode(parcel_tile(session, Z, x, y, street_codes=["440106999"])) == []
        assert len(_decode(parcel_tile(session, Z, x, y, street_codes=None))) == 2


@pytest.mark.parametrize("zxy", [(23, 0, 0), (3, 8, 0), (3, 0, -1)])
def test_a_tile_outside_the_world_is_refused(zxy):
    with pytest.raises(InputError, match="tile"):
        parcel_tile(None, *zxy)  # refused before any query


@given(st.integers(0, 22), st.data())
def test_lonlat_bounds_hold_the_mercator_tile(z, data):
    x = data.draw(st.integers(0, (1 << z) - 1))
    y = data.draw(st.integers(0, (1 << z) - 1))
    west, south, east, north = mercator_bounds(z, x, y)
    lon0, lat0, lon1, lat1 = lonlat_bounds(z, x, y)
    (w, s), (e, n) = to_lonlat(west, south), to_lonlat(east, north)
    assert lon0 <= w < e <= lon1 and lat0 <= s < n <= lat1


@given(st.floats(-179.9, 179.9), st.floats(-85, 85), st.integers(0, 22))
def test_tile_of_a_point_holds_it(lon, lat, z):
    west, south, east, north = lonlat_bounds(*(z, *tile_of(lon, lat, z)), buffer=0)
    assert west - 1e-9 <= lon <= east + 1e-9 and south - 1e-9 <= lat <= north + 1e-9
