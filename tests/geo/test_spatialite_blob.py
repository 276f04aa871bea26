"""The BLOBs a SpatiaLite bulk load writes are SpatiaLite's own, byte for byte: what `GeomFromWKB` makes
of the same geometry (holes, several parts, None included), and other types are refused."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from geo.dialects import spatialite  # noqa: F401  (GDAL before mod_spatialite, as the store loads them)
from geo.dialects.spatialite_blob import spatialite_blobs
from geo.dialects.sqlite_connection import driver_module, prepare_connection
from geo.errors import StoreError

_corner = st.tuples(st.floats(min_value=73, max_value=135, allow_nan=False),
                    st.floats(min_value=3, max_value=54, allow_nan=False))
_size = st.floats(min_value=1e-6, max_value=0.5)


@st.composite
def _polygons(draw: st.DrawFn) -> Polygon:
    """A square with up to three square holes, some of its vertices doubled up (rings of any length)."""
    (x, y), size = draw(_corner), draw(_size)
    holes = [box(x + size * (0.1 + 0.3 * i), y + size * 0.1, x + size * (0.3 + 0.3 * i), y + size * 0.4)
             .exterior.coords for i in range(draw(st.integers(0, 3)))]
    shell = list(box(x, y, x + size, y + size).exterior.coords)
    extra = draw(st.integers(0, 5))
    shell = shell[:1] * extra + shell
    return Polygon(shell, holes)


_shapes = st.one_of(
    st.none(),
    _polygons(),
    st.lists(_polygons(), min_size=1, max_size=4).map(MultiPolygon),
)


@pytest.fixture(scope="module")
def connection() -> Iterator[object]:
    conn = driver_module().connect(":memory:")
    prepare_connection(conn)
    yield conn
    conn.close()


@settings(max_examples=200)
@given(geoms=st.lists(_shapes, max_size=8), srid=st.sampled_from([4326, 4490, 4547]))
def test_blobs_are_what_spatialite_makes_of_the_wkb(connection, geoms: list, srid: int) -> None:
    array = np.empty(len(geoms), dtype=object)
    array[:] = geoms
    expected = [None if g is None else
                connection.execute("SELECT GeomFromWKB(?, ?)", (shapely.to_wkb(g), srid)).fetchone()[0]
                for g in geoms]
    assert spatialite_blobs(array, srid) == expected


@pytest.mark.parametrize("other", [Point(113, 23), LineString([(113, 23), (114, 24)]),
                                   Polygon([(113, 23, 1), (114, 23, 1), (114, 24, 1)]), MultiPolygon()])
def test_other_geometries_are_refused(other: object) -> None:
    array = np.array([MultiPolygon([box(113, 23, 114, 24)]), other], dtype=object)
    with pytest.raises(StoreError, match="SpatiaLite polygon BLOB"):
        spatialite_blobs(array, 4490)
