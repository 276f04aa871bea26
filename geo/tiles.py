"""Web Mercator tile arithmetic (z/x/y, as slippy maps number them).

Why: vector tiles are cut in EPSG:3857 while geometry is stored in EPSG:4490;
both dialects' tile encoders and the queries that pick a tile's rows need the
same tile bounds. CGCS2000 and WGS 84 differ by centimetres, far below a
tile's resolution, so 4490 longitudes/latitudes are projected as WGS 84 ones.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray

from geo.errors import InputError

EARTH_HALF = 20037508.342789244  # half the Web Mercator world's width in metres
EXTENT = 4096  # tile coordinates per side, as Mapbox Vector Tile 2 suggests
BUFFER = 64  # tile units drawn beyond each edge, so outlines do not show seams
MAX_ZOOM = 22
Bounds = tuple[float, float, float, float]


def check_tile(z: int, x: int, y: int) -> None:
    """Refuse a tile outside the world at its zoom."""
    if not 0 <= z <= MAX_ZOOM:
        raise InputError(f"tile zoom {z}: must be 0 to {MAX_ZOOM}", field="z")
    side = 1 << z
    if not (0 <= x < side and 0 <= y < side):
        raise InputError(f"tile {z}/{x}/{y}: x and y must be 0 to {side - 1} at zoom {z}", field="x")


def mercator_bounds(z: int, x: int, y: int) -> Bounds:
    """The tile's west, south, east, north in EPSG:3857 metres."""
    size = 2 * EARTH_HALF / (1 << z)
    west, north = -EARTH_HALF + x * size, EARTH_HALF - y * size
    return west, north - size, west + size, north


def lonlat_bounds(z: int, x: int, y: int, *, buffer: int = BUFFER) -> Bounds:
    """The tile with its buffer as west, south, east, north in degrees (for a spatial index)."""
    west, south, east, north = mercator_bounds(z, x, y)
    pad = (east - west) * buffer / EXTENT
    (lon0, lat0), (lon1, lat1) = to_lonlat(west - pad, south - pad), to_lonlat(east + pad, north + pad)
    return lon0, lat0, lon1, lat1


def to_lonlat(mx: float, my: float) -> tuple[float, float]:
    """One EPSG:3857 point in degrees (clamped to the projection's world)."""
    mx, my = max(-EARTH_HALF, min(EARTH_HALF, mx)), max(-EARTH_HALF, min(EARTH_HALF, my))
    lon = mx / EARTH_HALF * 180.0
    lat = math.degrees(2 * math.atan(math.exp(my / EARTH_HALF * math.pi)) - math.pi / 2)
    return lon, lat


def to_mercator(geometries: NDArray[np.object_]) -> NDArray[np.object_]:
    """Geometries in degrees projected to EPSG:3857 metres."""

    def project(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        lat = np.clip(coords[:, 1], -85.06, 85.06)
        mx = coords[:, 0] * EARTH_HALF / 180.0
        my = np.log(np.tan(np.radians(90.0 + lat) / 2.0)) * EARTH_HALF / math.pi
        return np.column_stack([mx, my])

    return shapely.transform(geometries, project)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The x, y of the zoom-`z` tile holding this point in degrees."""
    side = 1 << z
    x = int((lon + 180.0) / 360.0 * side)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * side)
    return min(max(x, 0), side - 1), min(max(y, 0), side - 1)
