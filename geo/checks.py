"""Parcel geometry checks and repairs that say what they changed.

Imported parcels come from hand-drawn dashboards, Excel exports and web maps;
many are subtly broken. A repair that is silent hides a changed boundary from
the inspector, so every check returns the geometry together with the list of
repairs made and the problems it could not (or must not) fix.

Every usable result is a 2D MultiPolygon; a Polygon is promoted silently,
since that is normal, not a defect. With ``repair=False`` every defect is a
problem and no geometry is returned; with ``repair=True`` repairable defects
are fixed and listed, and any unrepairable one still voids the geometry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from geo.errors import InputError

UNCLOSED_RING = "unclosed_ring"
SELF_INTERSECTION = "self_intersection"
DUPLICATE_POINTS = "duplicate_points"
WRONG_TYPE = "wrong_type"
EMPTY = "empty"
Z_DROPPED = "z_dropped"
OUTSIDE_CHINA = "outside_china"
LONLAT_SWAPPED = "lonlat_swapped"
NAN_COORDINATES = "nan_coordinates"

# Deliberately looser than the GCJ-02 box: only catches coordinates that
# cannot be lon/lat in China at all (projected metres, zeros, swapped axes).
_LON_RANGE = (73.0, 136.0)
_LAT_RANGE = (3.0, 54.0)

_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7

# CGCS2000 uses the GRS80 ellipsoid; areas only feed repair messages.
_GEOD = pyproj.Geod(ellps="GRS80")


@dataclass(frozen=True)
class Repair:
    """One change made to, or one defect found in, one geometry."""

    code: str
    message: str


@dataclass(frozen=True)
class CheckResult:
    """A checked geometry: the usable MultiPolygon (or None) and what happened to it."""

    geometry: BaseGeometry | None
    repairs: tuple[Repair, ...] = ()
    problems: tuple[Repair, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the geometry can be stored."""
        return self.geometry is not None


@dataclass(frozen=True)
class _Finding:
    """A defect with both its wordings; which one is used depends on the outcome."""

    code: str
    problem: str
    repair: str = ""
    fixable: bool = True


# --------------------------------------------------------------------------
# Raw GeoJSON rings (shapely would close them without telling anyone)


def close_ring_coords(coords: Sequence[Sequence[float]]) -> tuple[list, bool]:
    """Close one GeoJSON ring by repeating its first position.

    Returns the ring and whether it was changed; the input is never mutated.
    """
    ring = list(coords)
    if not ring or list(ring[0]) == list(ring[-1]):
        return ring, False
    return [*ring, ring[0]], True


def close_geojson_rings(geometry: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """Close every ring of a GeoJSON Polygon, MultiPolygon or GeometryCollection.

    Readers call this before building geometry: ``shapely.geometry.shape``
    closes open rings silently (so the defect would go unreported) and
    ``shapely.from_geojson`` refuses them. Returns a new dict and the number
    of rings closed; other geometry types come back unchanged with 0.
    """
    kind = geometry.get("type")
    if kind == "Polygon":
        rings, closed = _close_polygon_rings(geometry["coordinates"])
        return {**geometry, "coordinates": rings}, closed
    if kind == "MultiPolygon":
        polygons, closed = [], 0
        for rings in geometry["coordinates"]:
            fixed, n = _close_polygon_rings(rings)
            polygons.append(fixed)
            closed += n
        return {**geometry, "coordinates": polygons}, closed
    if kind == "GeometryCollection":
        members = [close_geojson_rings(member) for member in geometry["geometries"]]
        return (
            {**geometry, "geometries": [m for m, _ in members]},
            sum(n for _, n in members),
        )
    return dict(geometry), 0


def _close_polygon_rings(rings: Sequence) -> tuple[list, int]:
    """Close the shell and holes of one GeoJSON polygon."""
    fixed = [close_ring_coords(ring) for ring in rings]
    return [ring for ring, _ in fixed], sum(changed for _, changed in fixed)


def _from_geojson(geometry: Mapping[str, Any], findings: list[_Finding]) -> BaseGeometry:
    """Build a shapely geometry from a GeoJSON dict, closing rings on the way."""
    try:
        closed, n = close_geojson_rings(geometry)
        built = shape(closed)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, GEOSException) as exc:
        raise InputError(f"cannot build a geometry from GeoJSON: {exc!r}") from exc
    if n:
        rings = "1 ring" if n == 1 else f"{n} rings"
        findings.append(_Finding(UNCLOSED_RING, f"{rings} not closed", f"{rings} closed"))
    return built


# --------------------------------------------------------------------------
# The checks, in order. Each takes the working geometry, appends findings,
# and returns the (repaired) working geometry, or None when nothing further
# can be said about it.


def _check_empty(geom: BaseGeometry | None, findings: list[_Finding]) -> BaseGeometry | None:
    """Stop early on missing or empty geometry; there is nothing to repair."""
    if geom is None or geom.is_empty:
        what = "no geometry" if geom is None else f"empty {geom.geom_type}"
        findings.append(_Finding(EMPTY, what, fixable=False))
        return None
    return geom


def _check_finite(geom: BaseGeometry, findings: list[_Finding]) -> BaseGeometry | None:
    """Refuse NaN/inf x or y: GEOS gives undefined answers on them."""
    xy = shapely.get_coordinates(geom)
    bad = int((~np.isfinite(xy).all(axis=1)).sum())
    if bad:
        findings.append(
            _Finding(NAN_COORDINATES, f"{bad} coordinates are NaN or infinite", fixable=False)
        )
        return None
    return geom


def _check_type(geom: BaseGeometry, findings: list[_Finding]) -> BaseGeometry | None:
    """Promote Polygon silently; keep the polygons of a collection; refuse the rest."""
    type_id = shapely.get_type_id(geom)
    if type_id == _POLYGON:
        return MultiPolygon([geom])
    if type_id == _MULTIPOLYGON:
        return geom
    if type_id != _COLLECTION:
        findings.append(_Finding(WRONG_TYPE, f"{geom.geom_type} is not polygonal", fixable=False))
        return None
    parts = _flat_parts(geom)
    polygons = [p for p in parts if shapely.get_type_id(p) == _POLYGON and not p.is_empty]
    if not polygons:
        findings.append(_Finding(WRONG_TYPE, "GeometryCollection without polygons", fixable=False))
        return None
    dropped = len(parts) - len(polygons)
    findings.append(
        _Finding(
            WRONG_TYPE,
            f"GeometryCollection instead of MultiPolygon ({dropped} non-polygon parts)",
            f"polygons kept from GeometryCollection, {dropped} other parts dropped",
        )
    )
    return MultiPolygon(polygons)


def _flat_parts(geom: BaseGeometry) -> list[BaseGeometry]:
    """Single-part members of a possibly nested collection."""
    parts = []
    for part in shapely.get_parts(geom):
        if shapely.get_type_id(part) >= 4:  # multi-part or collection
            parts.extend(_flat_parts(part))
        else:
            parts.append(part)
    return parts


def _check_dimensions(geom: BaseGeometry, findings: list[_Finding]) -> BaseGeometry:
    """Drop Z and M: parcels are stored 2D, and mixed dimensions break stores."""
    dims = [name for name, present in (("Z", geom.has_z), ("M", shapely.has_m(geom))) if present]
    if not dims:
        return geom
    which = " and ".join(dims)
    findings.append(_Finding(Z_DROPPED, f"has {which} values", f"{which} dropped (forced to 2D)"))
    return shapely.force_2d(geom)


def _check_position(geom: BaseGeometry, findings: list[_Finding]) -> BaseGeometry:
    """Catch lat/lon order and non-degree coordinates before they reach the map."""
    xy = shapely.get_coordinates(geom)
    x, y = xy[:, 0], xy[:, 1]
    if _within(x, _LAT_RANGE).all() and _within(y, _LON_RANGE).all():
        findings.append(
            _Finding(
                LONLAT_SWAPPED,
                "coordinates look like lat/lon (x and y swapped)",
                "x and y swapped back to lon/lat",
            )
        )
        return shapely.transform(geom, lambda c: c[:, ::-1])
    if not (_within(x, _LON_RANGE) & _within(y, _LAT_RANGE)).any():
        xmin, ymin, xmax, ymax = geom.bounds
        findings.append(
            _Finding(
                OUTSIDE_CHINA,
                f"every coordinate lies outside China (bounds {xmin:.6g}, {ymin:.6g}, "
                f"{xmax:.6g}, {ymax:.6g}); projected or wrong CRS?",
                fixable=False,
            )
        )
    return geom


def _within(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Elementwise closed-interval test."""
    return (values >= bounds[0]) & (values <= bounds[1])


def _check_duplicates(geom: BaseGeometry, findings: list[_Finding]) -> BaseGeometry:
    """Remove consecutive repeated vertices, which GEOS accepts but exports trip on."""
    count = sum(_repeats(shapely.get_coordinates(ring)) for ring in _rings(geom))
    if not count:
        return geom
    findings.append(
        _Finding(
            DUPLICATE_POINTS,
            f"{count} repeated consecutive vertices",
            f"{count} repeated consecutive vertices removed",
        )
    )
    try:
        return shapely.remove_repeated_points(geom, 0.0)
    except GEOSException:
        # A ring collapses below three distinct points; the validity check reports it.
        return geom


def _rings(geom: BaseGeometry) -> list[BaseGeometry]:
    """Every shell and hole of a MultiPolygon."""
    return [ring for part in geom.geoms for ring in (part.exterior, *part.interiors)]


def _repeats(xy: np.ndarray) -> int:
    """How many vertices repeat the one before them."""
    return int(np.all(xy[1:] == xy[:-1], axis=1).sum())


def _check_validity(geom: BaseGeometry, findings: list[_Finding]) -> BaseGeometry | None:
    """Repair invalid polygons with make_valid and say how much the area moved."""
    if shapely.is_valid(geom):
        return geom
    reason = shapely.is_valid_reason(geom)
    parts = _flat_parts(shapely.make_valid(geom))
    polygons = [p for p in parts if shapely.get_type_id(p) == _POLYGON]
    if not polygons:
        findings.append(
            _Finding(SELF_INTERSECTION, f"{reason}; no area left after repair", fixable=False)
        )
        return None
    fixed = MultiPolygon(polygons)
    before, after = _area_m2(geom), _area_m2(fixed)
    findings.append(
        _Finding(
            SELF_INTERSECTION,
            f"invalid geometry: {reason}",
            f"{reason} fixed with make_valid; area {before:,.1f} m² -> {after:,.1f} m²",
        )
    )
    return fixed


def _area_m2(geom: BaseGeometry) -> float:
    """Geodesic area on CGCS2000, holes subtracted, ring orientation ignored."""
    total = 0.0
    for polygon in shapely.get_parts(geom):
        total += abs(_ring_area(polygon.exterior))
        total -= sum(abs(_ring_area(ring)) for ring in polygon.interiors)
    return total


def _ring_area(ring: BaseGeometry) -> float:
    """Signed geodesic area of one ring."""
    xy = shapely.get_coordinates(ring)
    return _GEOD.polygon_area_perimeter(xy[:, 0], xy[:, 1])[0]


_Step = Callable[[BaseGeometry, list[_Finding]], BaseGeometry | None]
_STEPS: tuple[_Step, ...] = (
    _check_empty,
    _check_finite,
    _check_type,
    _check_dimensions,
    _check_position,
    _check_duplicates,
    _check_validity,
)


# --------------------------------------------------------------------------
# Public checks


def check_polygon(geom: BaseGeometry | Mapping[str, Any] | None, *, repair: bool) -> CheckResult:
    """Check one parcel geometry and, if asked, repair what can safely be repaired.

    Parameters
    ----------
    geom : shapely geometry, GeoJSON geometry dict or None
        A dict may have unclosed rings (``unclosed_ring``); it is built with
        shapely after closing them.
    repair : bool
        False: report every defect as a problem and return no geometry if
        there is any. True: fix repairable defects and list them as repairs.

    Returns
    -------
    CheckResult
        A 2D MultiPolygon when usable, else None, with repairs and problems.

    Raises
    ------
    InputError
        When a GeoJSON dict cannot be built into any geometry.
    """
    findings: list[_Finding] = []
    work = _from_geojson(geom, findings) if isinstance(geom, Mapping) else geom
    for step in _STEPS:
        work = step(work, findings)
        if work is None:
            break
    return _result(work, findings, repair=repair)


def _result(geom: BaseGeometry | None, findings: list[_Finding], *, repair: bool) -> CheckResult:
    """Word the findings as repairs or problems, depending on the outcome."""
    if not findings:
        return CheckResult(geom)
    if repair and geom is not None and all(f.fixable for f in findings):
        return CheckResult(geom, repairs=tuple(Repair(f.code, f.repair) for f in findings))
    return CheckResult(None, problems=tuple(Repair(f.code, f.problem) for f in findings))


def check_polygons(
    geoms: Sequence[BaseGeometry | Mapping[str, Any] | None] | np.ndarray, *, repair: bool
) -> list[CheckResult]:
    """Check many parcels; same answers as ``check_polygon``, much faster (see ``screen_polygons``)."""
    clean, others = screen_polygons(geoms, repair=repair)
    return [others[i] if i in others else CheckResult(multi) for i, multi in enumerate(clean)]


SCREEN_CHUNK = 100_000


def screen_polygons(
    geoms: Sequence[BaseGeometry | Mapping[str, Any] | None] | np.ndarray, *, repair: bool
) -> tuple[np.ndarray, dict[int, CheckResult]]:
    """Check many parcels without an object per row: (clean MultiPolygons, results of the rest).

    Clean geometries (polygonal, valid, 2D, inside China, no repeated
    vertices) are recognised with vectorised shapely calls, a chunk at a
    time so that a million parcels need little memory besides themselves;
    only the rest go through ``check_polygon`` one by one, and are None in
    the first array.
    """
    items = np.empty(len(geoms), dtype=object)
    items[:] = list(geoms)
    clean = np.empty(len(items), dtype=object)
    others: dict[int, CheckResult] = {}
    for start in range(0, len(items), SCREEN_CHUNK):
        chunk = items[start:start + SCREEN_CHUNK]
        mask = _clean_mask(chunk)
        clean[start:start + len(chunk)][mask] = _as_multipolygons(chunk[mask])
        for i in np.flatnonzero(~mask).tolist():
            others[start + i] = check_polygon(chunk[i], repair=repair)
    return clean, others


def _clean_mask(items: np.ndarray) -> np.ndarray:
    """Which entries need no attention at all, decided array-wide."""
    geoms = np.where(shapely.is_geometry(items), items, None)
    type_ids = shapely.get_type_id(geoms)
    mask = (type_ids == _POLYGON) | (type_ids == _MULTIPOLYGON)
    mask &= ~shapely.is_empty(geoms) & ~shapely.has_z(geoms) & ~shapely.has_m(geoms)
    mask &= shapely.is_valid(geoms)  # also false for NaN/inf coordinates
    bounds = shapely.bounds(geoms)
    mask &= _within(bounds[:, 0], _LON_RANGE) & _within(bounds[:, 2], _LON_RANGE)
    mask &= _within(bounds[:, 1], _LAT_RANGE) & _within(bounds[:, 3], _LAT_RANGE)
    mask[_has_repeats(geoms[mask], np.flatnonzero(mask))] = False
    return mask


def _has_repeats(geoms: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Positions of geometries with repeated consecutive vertices (GEOS calls them valid).

    Compares each vertex with the one before it in the same geometry. The
    last vertex of one ring may equal the first of the next by chance; such
    a rare false alarm only sends the geometry down the exact scalar path.
    """
    xy, owner = shapely.get_coordinates(geoms, return_index=True)
    same = np.all(xy[1:] == xy[:-1], axis=1) & (owner[1:] == owner[:-1])
    return positions[np.unique(owner[1:][same])]


def _as_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Promote Polygons to single-part MultiPolygons in one call."""
    out = geoms.copy()
    single = shapely.get_type_id(geoms) == _POLYGON
    count = int(single.sum())
    if count:
        out[single] = shapely.multipolygons(geoms[single], indices=np.arange(count))
    return out
