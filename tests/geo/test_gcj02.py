"""GCJ-02 shift: reference values, size of the offset, round trip, geometries."""

from __future__ import annotations

import json

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from geo.gcj02 import from_gcj02, from_gcj02_xy, to_gcj02, to_gcj02_xy

GEOD = pyproj.Geod(ellps="GRS80")

# Guangzhou, as given for the accuracy requirement.
GZ_LON = (112.9, 114.1)
GZ_LAT = (22.5, 23.95)


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance between two sets of points."""
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def guangzhou_grid(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """A regular grid over the Guangzhou box, corners included."""
    lon, lat = np.meshgrid(np.linspace(*GZ_LON, n), np.linspace(*GZ_LAT, n))
    return lon.ravel(), lat.ravel()


# ----------------------------------------------------------------------------- points


def test_forward_matches_published_reference() -> None:
    # wandergis/coordtransform's documented result for wgs84togcj02(116.404, 39.915).
    lon, lat = to_gcj02_xy(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-9)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)


def test_forward_tiananmen() -> None:
    # Values computed from the published algorithm (a=6378245, ee=0.006693...).
    lon, lat = to_gcj02_xy(116.397428, 39.90923)
    assert lon == pytest.approx(116.4036716, abs=1e-6)
    assert lat == pytest.approx(39.9106335, abs=1e-6)


def test_inverse_recovers_reference_point() -> None:
    lon, lat = from_gcj02_xy(116.41024449916938, 39.91640428150164)
    assert lon == pytest.approx(116.404, abs=1e-9)
    assert lat == pytest.approx(39.915, abs=1e-9)


def test_offset_in_guangzhou_is_500_to_700_m() -> None:
    lon, lat = guangzhou_grid()
    g_lon, g_lat = to_gcj02_xy(lon, lat)
    shift = metres(lon, lat, g_lon, g_lat)
    assert shift.min() > 500
    assert shift.max() < 700


def test_round_trip_on_grid_is_under_a_millimetre() -> None:
    lon, lat = guangzhou_grid()
    back_lon, back_lat = from_gcj02_xy(*to_gcj02_xy(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 1e-3


def test_one_step_inverse_would_not_be_good_enough() -> None:
    # Shows why the inverse iterates: the one-step inverse misses by metres.
    lon, lat = guangzhou_grid()
    g_lon, g_lat = to_gcj02_xy(lon, lat)
    f_lon, f_lat = to_gcj02_xy(g_lon, g_lat)
    one_step = metres(lon, lat, 2 * g_lon - f_lon, 2 * g_lat - f_lat)
    assert one_step.max() > 1.0


@settings(max_examples=300)
@given(
    st.lists(
        st.tuples(
            st.floats(*GZ_LON, allow_nan=False),
            st.floats(*GZ_LAT, allow_nan=False),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_round_trip_under_one_centimetre(points: list[tuple[float, float]]) -> None:
    lon, lat = np.array(points).T
    back_lon, back_lat = from_gcj02_xy(*to_gcj02_xy(lon, lat))
    assert metres(lon, lat, back_lon, back_lat).max() < 0.01


@settings(max_examples=300)
@given(st.floats(*GZ_LON, allow_nan=False), st.floats(*GZ_LAT, allow_nan=False))
def test_inverse_then_forward_returns_gcj02_input(lon: float, lat: float) -> None:
    again_lon, again_lat = to_gcj02_xy(*from_gcj02_xy(lon, lat))
    assert metres(lon, lat, again_lon, again_lat) < 0.01


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(2.3522, 48.8566), (-74.006, 40.7128), (151.2093, -33.8688), (139.6917, 35.6895), (0, 0)],
)
def test_points_outside_china_unchanged(lon: float, lat: float) -> None:
    assert to_gcj02_xy(lon, lat) == (lon, lat)
    assert from_gcj02_xy(lon, lat) == (lon, lat)


def test_nan_passes_through() -> None:
    lon, lat = to_gcj02_xy([113.3, np.nan], [23.1, 23.1])
    assert np.isnan(lon[1]) and np.isfinite(lon[0])
    back_lon, _ = from_gcj02_xy(lon, lat)
    assert np.isnan(back_lon[1])
    assert back_lon[0] == pytest.approx(113.3, abs=1e-9)


def test_arrays_keep_their_shape() -> None:
    lon = np.full((3, 4), 113.3)
    lat = np.full((3, 4), 23.1)
    out_lon, out_lat = to_gcj02_xy(lon, lat)
    assert out_lon.shape == out_lat.shape == (3, 4)
    assert from_gcj02_xy(out_lon, out_lat)[0].shape == (3, 4)


# ------------------------------------------------------------------------- geometries

PARCEL_WITH_HOLE = shapely.Polygon(
    [(113.30, 23.10), (113.32, 23.10), (113.32, 23.12), (113.30, 23.12)],
    holes=[[(113.305, 23.105), (113.31, 23.105), (113.31, 23.11), (113.305, 23.11)]],
)


@pytest.mark.parametrize(
    "geom",
    [
        PARCEL_WITH_HOLE,
        shapely.MultiPolygon([PARCEL_WITH_HOLE, shapely.box(113.4, 23.2, 113.41, 23.21)]),
        shapely.LineString([(113.3, 23.1), (113.4, 23.2)]),
        shapely.Point(113.3, 23.1),
    ],
    ids=["polygon", "multipolygon", "linestring", "point"],
)
def test_geometry_keeps_type_and_rings(geom) -> None:
    shifted = to_gcj02(geom)
    assert shifted.geom_type == geom.geom_type
    assert shapely.get_num_coordinates(shifted) == shapely.get_num_coordinates(geom)
    assert shapely.get_num_interior_rings(shapely.get_parts(shifted)).tolist() == (
        shapely.get_num_interior_rings(shapely.get_parts(geom)).tolist()
    )
    assert metres(geom.centroid.x, geom.centroid.y, shifted.centroid.x, shifted.centroid.y) > 500
    back = from_gcj02(shifted)
    assert shapely.hausdorff_distance(back, geom) < 1e-7  # degrees, about 1 cm


def test_geometry_matches_point_transform() -> None:
    shifted = to_gcj02(PARCEL_WITH_HOLE)
    xy = shapely.get_coordinates(PARCEL_WITH_HOLE)
    lon, lat = to_gcj02_xy(xy[:, 0], xy[:, 1])
    np.testing.assert_array_equal(shapely.get_coordinates(shifted), np.column_stack([lon, lat]))


def test_geometry_array_with_missing_values() -> None:
    geoms = np.array([PARCEL_WITH_HOLE, None, shapely.Point(113.3, 23.1)], dtype=object)
    shifted = to_gcj02(geoms)
    assert shifted[1] is None
    assert [g.geom_type for g in shifted[[0, 2]]] == ["Polygon", "Point"]


def test_geometry_drops_z() -> None:
    shifted = to_gcj02(shapely.Point(113.3, 23.1, 12.0))
    assert not shifted.has_z


def test_real_gcj02_outline_shifts_back_by_about_600_m(real_data) -> None:
    with open(real_data / "vonng_tianhe_district_gcj02.geojson", encoding="utf-8") as f:
        feature = json.load(f)["features"][0]
    outline = shape(feature["geometry"])
    restored = from_gcj02(outline)
    c0, c1 = outline.centroid, restored.centroid
    assert 500 < metres(c0.x, c0.y, c1.x, c1.y) < 700
    assert restored.is_valid
    assert shapely.get_num_coordinates(restored) == shapely.get_num_coordinates(outline)
