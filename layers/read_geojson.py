"""GeoJSON as Chinese web sources emit it, read with the json module.

DataV, AMap and old ECharts dashboards publish bare lists of features,
collections with no ``type`` and polygons whose rings are not closed. GDAL
either refuses those or stops at the first open ring, so they are parsed here
one feature at a time: each defect is reported against its feature instead of
failing the whole file. Errors carry no file name; ``layers.readers`` adds it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import geopandas
import pandas
from shapely.errors import ShapelyError
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from geo.checks import UNCLOSED_RING, Repair, close_geojson_rings
from geo.errors import InputError

GEOMETRY_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)


def read_geojson(
    text: str,
) -> tuple[geopandas.GeoDataFrame, str | None, dict[int, list[Repair]]]:
    """Read GeoJSON text in any of the shapes web sources use.

    Parameters
    ----------
    text : str
        A FeatureCollection (with or without ``type``), a bare list of
        features, a single Feature or a bare geometry.

    Returns
    -------
    tuple
        The frame (no CRS set; null geometries kept as None), the CRS the
        file's legacy ``crs`` member names (None when it has none), and the
        defects found per 0-based row.
    """
    document = _load_json(text)
    features = _features_of(document)
    rows, geometries, defects = [], [], {}
    for index, feature in enumerate(features):
        properties, geometry, repairs = _read_feature(feature, index + 1)
        rows.append(properties)
        geometries.append(geometry)
        if repairs:
            defects[index] = repairs
    attributes = pandas.DataFrame.from_records(rows, index=pandas.RangeIndex(len(rows)))
    frame = geopandas.GeoDataFrame(attributes, geometry=geopandas.GeoSeries(geometries))
    return frame, _crs_member(document), defects


def _load_json(text: str) -> Any:
    """Parse the text; a syntax error (often a truncated download) becomes an InputError."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON (truncated or damaged?): {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc


def _features_of(document: Any) -> list[Any]:
    """The list of features, whatever wrapping the source chose."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if isinstance(document.get("features"), list):
            return document["features"]
        if document.get("type") == "Feature" or {"geometry", "properties"} <= document.keys():
            return [document]
        if document.get("type") in GEOMETRY_TYPES:
            return [{"type": "Feature", "properties": {}, "geometry": document}]
    raise InputError("JSON but not GeoJSON (no features or geometry)")


def _read_feature(feature: Any, number: int) -> tuple[dict[str, Any], BaseGeometry | None, list[Repair]]:
    """Properties, geometry (rings closed) and defects of one feature."""
    if not isinstance(feature, dict) or "geometry" not in feature:
        raise InputError(f"feature {number}: not a GeoJSON Feature (no geometry member)")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise InputError(f"feature {number}: properties is not a JSON object")
    if "id" in feature and "id" not in properties:
        properties = {"id": feature["id"], **properties}
    if feature["geometry"] is None:
        return properties, None, []
    geometry, closed = _build_geometry(feature["geometry"], number)
    repairs = [Repair(UNCLOSED_RING, _rings_closed(closed))] if closed else []
    return properties, geometry, repairs


def _build_geometry(geometry: Any, number: int) -> tuple[BaseGeometry, int]:
    """Close open rings, then build the shapely geometry; name the feature on failure."""
    try:
        closed_geometry, closed = close_geojson_rings(geometry)
        return shape(closed_geometry), closed
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, ShapelyError) as exc:
        raise InputError(f"feature {number}: bad geometry ({exc})") from exc


def _rings_closed(count: int) -> str:
    """Wording shared with geo.checks: '1 ring closed', '2 rings closed'."""
    return "1 ring closed" if count == 1 else f"{count} rings closed"


def _crs_member(document: Any) -> str | None:
    """The CRS a pre-RFC 7946 ``crs`` member names, as text for parse_crs."""
    if not isinstance(document, dict) or not isinstance(document.get("crs"), Mapping):
        return None
    properties = document["crs"].get("properties") or {}
    if "name" in properties:
        return str(properties["name"])
    if "code" in properties:
        return f"EPSG:{properties['code']}"
    raise InputError("crs member names no CRS (expected properties.name or properties.code)")
