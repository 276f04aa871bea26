"""WGS84/CGCS2000 to and from GCJ-02, the offset datum of Gaode/AMap maps.

Geometry is stored in CGCS2000 (EPSG:4490), which is treated here as WGS84:
the two differ by centimetres, far below the ~600 m GCJ-02 offset in
Guangzhou. Data is shifted to GCJ-02 only to be drawn on a GCJ-02 basemap,
and GCJ-02 input is shifted back on import.

The forward transform is the widely published algorithm (Krasovsky-like
ellipsoid ``a = 6378245.0``, ``ee = 0.00669342162296594323`` and the
``transformLat``/``transformLon`` polynomials). Points outside its rough
China box are returned unchanged, as the published algorithm does. The
inverse is iterative: the one-step inverse is off by up to 3.5 m, the
iteration converges to well under a millimetre.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

_A = 6378245.0
_EE = 0.00669342162296594323

# The box the published algorithm treats as "inside China".
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

FloatArray = NDArray[np.float64]
Geometries = BaseGeometry | NDArray[np.object_]


def _inside_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    """Say where the offset applies; NaN compares False, so it counts as outside."""
    return (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    """Latitude polynomial of the published algorithm (x, y relative to 105E 35N)."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    """Longitude polynomial of the published algorithm (x, y relative to 105E 35N)."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 minus WGS84 in degrees at WGS84 points; zero outside China."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _inside_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def _as_float_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Accept scalars, lists or arrays alike; shapes must broadcast."""
    lon_arr, lat_arr = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    return lon_arr, lat_arr


def to_gcj02_xy(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shift WGS84/CGCS2000 lon/lat to GCJ-02.

    Parameters
    ----------
    lon, lat : array_like
        Degrees; NaN and points outside China pass through unchanged.

    Returns
    -------
    tuple of ndarray
        GCJ-02 longitude and latitude, broadcast to a common shape.
    """
    lon_arr, lat_arr = _as_float_arrays(lon, lat)
    dlon, dlat = _offset(lon_arr, lat_arr)
    return lon_arr + dlon, lat_arr + dlat


def from_gcj02_xy(
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    tolerance_deg: float = 1e-10,
    max_iter: int = 30,
) -> tuple[FloatArray, FloatArray]:
    """Shift GCJ-02 lon/lat back to WGS84/CGCS2000 by fixed-point iteration.

    Solves ``to_gcj02_xy(w) == g`` for ``w`` with ``w <- w - (f(w) - g)``.
    The offset changes by about 1e-5 of itself per degree, so each step gains
    about five digits; two or three steps reach 1e-10 degrees (~0.01 mm).

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 degrees.
    tolerance_deg : float
        Stop once every point moves less than this in both axes.
    max_iter : int
        Upper bound on steps; points that never settle (only possible right
        on the edge of the China box, where the transform jumps) keep their
        last estimate.

    Returns
    -------
    tuple of ndarray
        WGS84/CGCS2000 longitude and latitude.
    """
    g_lon, g_lat = _as_float_arrays(lon, lat)
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    for _ in range(max_iter):
        f_lon, f_lat = to_gcj02_xy(w_lon, w_lat)
        step_lon, step_lat = f_lon - g_lon, f_lat - g_lat
        w_lon, w_lat = w_lon - step_lon, w_lat - step_lat
        # NaN steps compare False and so count as settled.
        moving = (np.abs(step_lon) > tolerance_deg) | (np.abs(step_lat) > tolerance_deg)
        if not moving.any():
            break
    return w_lon, w_lat


def _forward_coords(coords: FloatArray) -> FloatArray:
    """Adapter for shapely.transform, which hands over an (N, 2) array."""
    x, y = to_gcj02_xy(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def _inverse_coords(coords: FloatArray) -> FloatArray:
    """Adapter for shapely.transform, which hands over an (N, 2) array."""
    x, y = from_gcj02_xy(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def to_gcj02(geom: Geometries) -> Geometries:
    """Shift a shapely geometry (or array of them) from CGCS2000/WGS84 to GCJ-02.

    For drawing on a Gaode/AMap basemap only; never store the result.
    Works for any geometry type; the result is 2D (Z is dropped) and None
    entries of an array stay None.
    """
    return shapely.transform(geom, _forward_coords, include_z=False)


def from_gcj02(geom: Geometries) -> Geometries:
    """Shift a shapely geometry (or array of them) from GCJ-02 to CGCS2000/WGS84.

    Used on import of Chinese web data (Amap, DataV boundaries). Works for
    any geometry type; the result is 2D (Z is dropped).
    """
    return shapely.transform(geom, _inverse_coords, include_z=False)
