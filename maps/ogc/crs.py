"""The CRSs the API offers (Part 2) and turning geometries and boxes between them.

Stored geometry is CGCS2000 (EPSG:4490), longitude first in the store. Under
Part 2 coordinates follow the CRS's own axis order: EPSG:4490 is latitude
first, CRS84 (the default) longitude first, EPSG:4547 easting first.
CGCS2000 and WGS 84 differ by centimetres, so CRS84 is the stored numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Transformer

from geo.crs import MEASURE_EPSG, STORAGE_EPSG
from geo.errors import InputError

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
STORAGE_URI = EPSG_URI.format(STORAGE_EPSG)


@dataclass(frozen=True)
class Crs:
    """One offered CRS: its URI, EPSG code (None for CRS84) and whether latitude comes first."""

    uri: str
    epsg: int | None
    lat_first: bool


OFFERED = (
    Crs(CRS84, None, False),
    Crs(STORAGE_URI, STORAGE_EPSG, True),
    Crs(EPSG_URI.format(MEASURE_EPSG), MEASURE_EPSG, False),  # easting, northing
)
_BY_URI = {c.uri: c for c in OFFERED} | {f"EPSG:{c.epsg}": c for c in OFFERED if c.epsg}
DEFAULT = OFFERED[0]


class BadRequest(InputError):
    """A query parameter the API cannot accept: OGC API answers 400, not 422."""

    http_status = 400


def parse_crs(value: str | None, *, field: str) -> Crs:
    """The offered CRS named by a URI (or `EPSG:n`), the default when absent."""
    if value is None or value == "":
        return DEFAULT
    found = _BY_URI.get(value.strip().strip("[]<>"))
    if found is None:
        raise BadRequest(f"{field}: unsupported CRS {value[:200]!r}; offered: "
                         f"{', '.join(c.uri for c in OFFERED)}", field=field, code="crs")
    return found


@cache
def _projector(epsg: int, inverse: bool) -> Transformer:
    source, target = (epsg, STORAGE_EPSG) if inverse else (STORAGE_EPSG, epsg)
    return Transformer.from_crs(source, target, always_xy=True)


def _project(coords: NDArray[np.float64], crs: Crs, *, inverse: bool) -> NDArray[np.float64]:
    if crs.epsg is None or crs.epsg == STORAGE_EPSG:
        return coords
    x, y = _projector(crs.epsg, inverse).transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def to_output(geoms: NDArray[np.object_], crs: Crs) -> NDArray[np.object_]:
    """Stored geometries in the CRS asked for, in its axis order."""
    if crs.epsg is not None and crs.epsg != STORAGE_EPSG:
        geoms = shapely.transform(geoms, lambda c: _project(c, crs, inverse=False))
    if crs.lat_first:
        geoms = shapely.transform(geoms, lambda c: c[:, ::-1])
    return geoms


def box_to_storage(values: tuple[float, ...], crs: Crs) -> tuple[float, float, float, float]:
    """A bbox given in `crs` (its axis order) as a lon/lat box in EPSG:4490."""
    if len(values) == 6:  # with heights: minx, miny, minz, maxx, maxy, maxz
        values = (values[0], values[1], values[3], values[4])
    a, b, c, d = values
    corners = np.array([[a, b], [c, d], [a, d], [c, b]], dtype=float)
    if crs.lat_first:
        corners = corners[:, ::-1]
    corners = _project(corners, crs, inverse=True)
    (minx, miny), (maxx, maxy) = corners.min(axis=0), corners.max(axis=0)
    return float(minx), float(miny), float(maxx), float(maxy)


def shape_to_storage(shape: shapely.Geometry, crs: Crs) -> shapely.Geometry:
    """A geometry given in `crs` (its axis order) as stored: lon/lat in EPSG:4490."""
    if crs.lat_first:
        shape = shapely.transform(shape, lambda c: c[:, ::-1])
    return shapely.transform(shape, lambda c: _project(c, crs, inverse=True))


def header(crs: Crs) -> str:
    """The `Content-Crs` header value."""
    return f"<{crs.uri}>"
