"""Reprojection and measurement of stored geometry.

Areas are planar areas in CGCS2000 / 3-degree GK CM 114E (EPSG:4547), as
Chinese land surveys compute them; they agree with geodesic areas to
better than 0.1 % within Guangzhou.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Transformer

from geo.crs import GCJ02, MEASURE_EPSG, STORAGE_EPSG
from geo.gcj02 import from_gcj02, to_gcj02


@cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def _reproject(geoms: ArrayLike, source: str, target: str) -> NDArray[np.object_]:
    transformer = _transformer(source, target)
    return shapely.transform(
        np.asarray(geoms, dtype=object),
        lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])),
    )


def is_geographic(crs: str) -> bool:
    """True for lon/lat systems (GCJ-02 included), whose coordinates are degrees."""
    return crs == GCJ02 or CRS.from_user_input(crs).is_geographic


def to_storage(geoms: ArrayLike, source_crs: str) -> NDArray[np.object_]:
    """Geometries from `source_crs` ("EPSG:n" or "gcj02") into EPSG:4490."""
    if source_crs == GCJ02:
        return np.asarray(from_gcj02(np.asarray(geoms, dtype=object)), dtype=object)
    if CRS.from_user_input(source_crs).to_epsg() == STORAGE_EPSG:
        return np.asarray(geoms, dtype=object)
    return _reproject(geoms, source_crs, f"EPSG:{STORAGE_EPSG}")


def from_storage(geoms: ArrayLike, target_crs: str) -> NDArray[np.object_]:
    """Geometries from EPSG:4490 into `target_crs` ("EPSG:n" or "gcj02")."""
    if target_crs == GCJ02:
        return np.asarray(to_gcj02(np.asarray(geoms, dtype=object)), dtype=object)
    if CRS.from_user_input(target_crs).to_epsg() == STORAGE_EPSG:
        return np.asarray(geoms, dtype=object)
    return _reproject(geoms, f"EPSG:{STORAGE_EPSG}", target_crs)


def areas_m2(geoms: ArrayLike) -> NDArray[np.float64]:
    """Areas in m² of EPSG:4490 geometries, measured in EPSG:4547."""
    return shapely.area(_reproject(geoms, f"EPSG:{STORAGE_EPSG}", f"EPSG:{MEASURE_EPSG}"))
