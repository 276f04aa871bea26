"""The EWKB a PostGIS COPY sends is shapely's own EWKB with the SRID, byte for byte, None included."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, box

from geo.dialects.postgis import ewkb

_coordinate = st.floats(min_value=-180, max_value=180, allow_nan=False)
_shapes = st.one_of(
    st.none(),
    st.builds(Point, _coordinate, _coordinate),
    st.builds(Point, _coordinate, _coordinate, _coordinate),
    st.builds(lambda x, y, size: MultiPolygon([box(x, y, x + size, y + size)]),
              _coordinate, _coordinate, st.floats(min_value=1e-6, max_value=1)),
)


@given(st.lists(_shapes, max_size=20), st.sampled_from([4326, 4490, 4547]))
def test_ewkb_is_shapelys_with_the_srid(geoms: list, srid: int) -> None:
    array = np.empty(len(geoms), dtype=object)
    array[:] = geoms
    expected = shapely.to_wkb(shapely.set_srid(array, srid), include_srid=True, byte_order=1)
    assert ewkb(array, srid) == list(expected)
