"""Geometry checks: each defect detected, repaired where sensible, and said so."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import wkt
from shapely.geometry import shape

from geo import checks
from geo.checks import (
    CheckResult,
    check_polygon,
    check_polygons,
    close_geojson_rings,
    close_ring_coords,
)
from geo.errors import InputError

CLEAN = wkt.loads(
    "POLYGON ((113.30 23.10, 113.31 23.10, 113.31 23.11, 113.30 23.11, 113.30 23.10))"
)


def codes(items) -> list[str]:
    """The codes of a tuple of repairs or problems, in order."""
    return [item.code for item in items]


def assert_usable(result: CheckResult) -> None:
    """A usable result is a valid, 2D, non-empty MultiPolygon with no problems."""
    assert result.problems == ()
    assert result.geometry is not None
    assert result.geometry.geom_type == "MultiPolygon"
    assert result.geometry.is_valid
    assert not result.geometry.is_empty
    assert not result.geometry.has_z


def assert_only_problem(result: CheckResult, code: str) -> None:
    """With a defect and no repair, nothing usable comes back."""
    assert result.geometry is None
    assert result.repairs == ()
    assert codes(result.problems) == [code]


# ------------------------------------------------------------------------ clean input


def test_clean_polygon_passes_untouched() -> None:
    for repair in (False, True):
        result = check_polygon(CLEAN, repair=repair)
        assert_usable(result)
        assert result.repairs == ()
        assert result.geometry.equals_exact(shapely.MultiPolygon([CLEAN]), 0)


def test_clean_multipolygon_returned_as_is() -> None:
    multi = shapely.MultiPolygon([CLEAN, shapely.box(113.4, 23.2, 113.41, 23.21)])
    result = check_polygon(multi, repair=False)
    assert result.geometry is multi
    assert result.repairs == result.problems == ()


@settings(max_examples=200)
@given(
    x=st.floats(113.25, 113.45),
    y=st.floats(23.08, 23.25),
    size=st.floats(1e-5, 5e-3),
    round_parcel=st.booleans(),
)
def test_generated_clean_parcels_stay_untouched(x, y, size, round_parcel) -> None:
    if round_parcel:
        parcel = shapely.Point(x, y).buffer(size, quad_segs=8)
    else:
        parcel = shapely.box(x, y, x + size, y + size * 0.7)
    scalar = check_polygon(parcel, repair=True)
    (vector,) = check_polygons([parcel], repair=True)
    for result in (scalar, vector):
        assert_usable(result)
        assert result.repairs == ()
        assert result.geometry.equals_exact(shapely.MultiPolygon([parcel]), 0)


# ----------------------------------------------------------------------- one per code

OPEN_RING = {
    "type": "Polygon",
    "coordinates": [[[113.30, 23.10], [113.31, 23.10], [113.31, 23.11], [113.30, 23.11]]],
}


def test_unclosed_ring_detected() -> None:
    assert_only_problem(check_polygon(OPEN_RING, repair=False), "unclosed_ring")


def test_unclosed_ring_repaired() -> None:
    result = check_polygon(OPEN_RING, repair=True)
    assert_usable(result)
    assert codes(result.repairs) == ["unclosed_ring"]
    assert result.repairs[0].message == "1 ring closed"
    assert result.geometry.equals(CLEAN)


def test_closed_geojson_dict_is_clean() -> None:
    closed, _ = close_geojson_rings(OPEN_RING)
    result = check_polygon(closed, repair=False)
    assert_usable(result)
    assert result.repairs == ()


def test_geojson_that_cannot_be_built_raises_input_error() -> None:
    with pytest.raises(InputError):
        check_polygon({"type": "Polygon"}, repair=True)


def test_two_point_ring_has_no_area() -> None:
    two_points = {"type": "Polygon", "coordinates": [[[113.3, 23.1], [113.4, 23.1]]]}
    result = check_polygon(two_points, repair=True)
    assert result.geometry is None
    assert "self_intersection" in codes(result.problems)


BOWTIE = wkt.loads(
    "POLYGON ((113.30 23.10, 113.31 23.11, 113.31 23.10, 113.30 23.11, 113.30 23.10))"
)


def test_self_intersection_detected() -> None:
    result = check_polygon(BOWTIE, repair=False)
    assert_only_problem(result, "self_intersection")
    assert "Self-intersection" in result.problems[0].message


def test_self_intersection_repaired_with_area_change() -> None:
    result = check_polygon(BOWTIE, repair=True)
    assert_usable(result)
    assert codes(result.repairs) == ["self_intersection"]
    message = result.repairs[0].message
    assert "make_valid" in message
    assert "area 0.0 m² ->" in message  # the bowtie's lobes cancel out before repair
    assert len(result.geometry.geoms) == 2


def test_hole_outside_shell_repair_reports_area_growth() -> None:
    geom = wkt.loads(
        "POLYGON ((113.30 23.10, 113.31 23.10, 113.31 23.11, 113.30 23.11, 113.30 23.10),"
        " (113.40 23.10, 113.41 23.10, 113.41 23.11, 113.40 23.10))"
    )
    result = check_polygon(geom, repair=True)
    assert_usable(result)
    assert "Hole lies outside shell" in result.repairs[0].message
    assert result.geometry.area > geom.exterior.convex_hull.area


def test_invalid_polygon_without_area_cannot_be_repaired() -> None:
    flat = wkt.loads("POLYGON ((113.30 23.10, 113.31 23.10, 113.32 23.10, 113.30 23.10))")
    assert_only_problem(check_polygon(flat, repair=True), "self_intersection")


DUPLICATES = wkt.loads(
    "POLYGON ((113.30 23.10, 113.31 23.10, 113.31 23.10, 113.31 23.11,"
    " 113.31 23.11, 113.30 23.11, 113.30 23.10))"
)


def test_duplicate_points_detected_though_geos_calls_them_valid() -> None:
    assert DUPLICATES.is_valid
    result = check_polygon(DUPLICATES, repair=False)
    assert_only_problem(result, "duplicate_points")
    assert result.problems[0].message.startswith("2 ")


def test_duplicate_points_repaired() -> None:
    result = check_polygon(DUPLICATES, repair=True)
    assert_usable(result)
    assert codes(result.repairs) == ["duplicate_points"]
    assert result.geometry.equals_exact(shapely.MultiPolygon([CLEAN]), 0)


def test_duplicate_points_in_a_hole() -> None:
    holed = shapely.Polygon(
        CLEAN.exterior.coords,
        holes=[[(113.303, 23.103), (113.305, 23.103), (113.305, 23.103), (113.305, 23.105)]],
    )
    result = check_polygon(holed, repair=True)
    assert codes(result.repairs) == ["duplicate_points"]
    assert shapely.get_num_coordinates(result.geometry) == shapely.get_num_coordinates(holed) - 1


def test_ring_collapsed_to_one_point_is_a_problem() -> None:
    collapsed = wkt.loads("POLYGON ((113.3 23.1, 113.3 23.1, 113.3 23.1, 113.3 23.1))")
    result = check_polygon(collapsed, repair=True)
    assert result.geometry is None
    assert codes(result.problems) == ["duplicate_points", "self_intersection"]


@pytest.mark.parametrize(
    "geom",
    [
        shapely.Point(113.3, 23.1),
        shapely.LineString([(113.3, 23.1), (113.4, 23.2)]),
        shapely.MultiPoint([(113.3, 23.1), (113.4, 23.2)]),
        wkt.loads("GEOMETRYCOLLECTION (POINT (113.3 23.1))"),
    ],
    ids=["point", "linestring", "multipoint", "collection-without-polygons"],
)
def test_wrong_type_not_repairable(geom) -> None:
    for repair in (False, True):
        assert_only_problem(check_polygon(geom, repair=repair), "wrong_type")


COLLECTION = shapely.GeometryCollection(
    [CLEAN, shapely.LineString([(113.3, 23.1), (113.4, 23.2)]), shapely.Point(113.3, 23.1)]
)


def test_collection_with_polygons_detected() -> None:
    assert_only_problem(check_polygon(COLLECTION, repair=False), "wrong_type")


def test_collection_with_polygons_repaired() -> None:
    result = check_polygon(COLLECTION, repair=True)
    assert_usable(result)
    assert codes(result.repairs) == ["wrong_type"]
    assert "2 other parts dropped" in result.repairs[0].message
    assert result.geometry.equals(CLEAN)


def test_polygon_promotion_is_not_reported() -> None:
    result = check_polygon(CLEAN, repair=True)
    assert result.geometry.geom_type == "MultiPolygon"
    assert result.repairs == ()


@pytest.mark.parametrize("geom", [None, shapely.Polygon(), shapely.MultiPolygon()])
def test_empty_not_repairable(geom) -> None:
    for repair in (False, True):
        assert_only_problem(check_polygon(geom, repair=repair), "empty")


WITH_Z = shapely.force_3d(CLEAN, 12.5)


def test_z_detected() -> None:
    assert_only_problem(check_polygon(WITH_Z, repair=False), "z_dropped")


def test_z_repaired() -> None:
    result = check_polygon(WITH_Z, repair=True)
    assert_usable(result)
    assert codes(result.repairs) == ["z_dropped"]
    assert result.geometry.equals_exact(shapely.MultiPolygon([CLEAN]), 0)


def test_m_dropped() -> None:
    measured = wkt.loads(
        "POLYGON M ((113.30 23.10 1, 113.31 23.10 2, 113.31 23.11 3, 113.30 23.10 1))"
    )
    result = check_polygon(measured, repair=True)
    assert_usable(result)
    assert codes(result.repairs) == ["z_dropped"]
    assert not shapely.has_m(result.geometry)


@pytest.mark.parametrize(
    "geom",
    [
        # Gauss-Kruger metres (EPSG:4547) mistaken for degrees.
        shapely.box(500000, 2560000, 500100, 2560100),
        # A parcel in Paris.
        shapely.box(2.35, 48.85, 2.36, 48.86),
    ],
    ids=["projected-metres", "paris"],
)
def test_outside_china_not_repairable(geom) -> None:
    for repair in (False, True):
        assert_only_problem(check_polygon(geom, repair=repair), "outside_china")


def test_outside_china_lists_other_defects_as_problems() -> None:
    projected = shapely.force_3d(shapely.box(500000, 2560000, 500100, 2560100))
    result = check_polygon(projected, repair=True)
    assert result.geometry is None
    assert result.repairs == ()
    assert codes(result.problems) == ["z_dropped", "outside_china"]


SWAPPED = shapely.transform(CLEAN, lambda xy: xy[:, ::-1])


def test_lonlat_swapped_detected() -> None:
    assert_only_problem(check_polygon(SWAPPED, repair=False), "lonlat_swapped")


def test_lonlat_swapped_repaired() -> None:
    result = check_polygon(SWAPPED, repair=True)
    assert_usable(result)
    assert codes(result.repairs) == ["lonlat_swapped"]
    assert result.geometry.equals(CLEAN)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_coordinates_not_repairable(bad) -> None:
    coords = np.array(CLEAN.exterior.coords)
    coords[1, 0] = bad
    with np.errstate(invalid="ignore"):
        geom = shapely.polygons(coords)
    for repair in (False, True):
        result = check_polygon(geom, repair=repair)
        assert_only_problem(result, "nan_coordinates")
        assert result.problems[0].message.startswith("1 ")


def test_several_repairs_listed_in_order() -> None:
    messy = shapely.force_3d(shapely.transform(DUPLICATES, lambda xy: xy[:, ::-1]))
    result = check_polygon(messy, repair=True)
    assert_usable(result)
    assert codes(result.repairs) == ["z_dropped", "lonlat_swapped", "duplicate_points"]
    assert result.geometry.equals_exact(shapely.MultiPolygon([CLEAN]), 0)


def test_without_repair_every_defect_is_a_problem() -> None:
    messy = shapely.force_3d(shapely.transform(DUPLICATES, lambda xy: xy[:, ::-1]))
    result = check_polygon(messy, repair=False)
    assert result.geometry is None
    assert codes(result.problems) == ["z_dropped", "lonlat_swapped", "duplicate_points"]


# ------------------------------------------------------------------------- vectorised

MIXED = [
    CLEAN,
    shapely.MultiPolygon([CLEAN]),
    BOWTIE,
    DUPLICATES,
    COLLECTION,
    WITH_Z,
    SWAPPED,
    OPEN_RING,
    None,
    shapely.Polygon(),
    shapely.Point(113.3, 23.1),
    shapely.box(500000, 2560000, 500100, 2560100),
    shapely.box(113.0, 23.0, 113.5, 23.5),
    shapely.box(135.5, 50.0, 136.5, 51.0),  # straddles the China box: slow path, clean
]


@pytest.mark.parametrize("repair", [False, True])
def test_vectorised_agrees_with_scalar(repair) -> None:
    vector = check_polygons(MIXED, repair=repair)
    scalar = [check_polygon(geom, repair=repair) for geom in MIXED]
    assert len(vector) == len(scalar)
    for v, s in zip(vector, scalar, strict=True):
        assert v.repairs == s.repairs
        assert v.problems == s.problems
        if s.geometry is None:
            assert v.geometry is None
        else:
            assert v.geometry.equals_exact(s.geometry, 0)


def test_vectorised_accepts_numpy_array() -> None:
    geoms = np.array([CLEAN, BOWTIE, None], dtype=object)
    results = check_polygons(geoms, repair=True)
    assert [r.ok for r in results] == [True, True, False]


def test_vectorised_empty_input() -> None:
    assert check_polygons([], repair=True) == []


def test_clean_parcels_never_take_the_scalar_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # Guards the fast path without a clock: 10,000 clean 17-vertex parcels are all decided
    # array-wide, so the one-by-one check is never called (its speed is the import benchmark's).
    rng = np.random.default_rng(0)
    ring = shapely.get_coordinates(shapely.Point(0, 0).buffer(1e-3, quad_segs=4))
    offsets = np.column_stack([rng.uniform(113.25, 113.45, 10_000), rng.uniform(23.08, 23.25, 10_000)])
    parcels = shapely.polygons(ring[np.newaxis, :, :] + offsets[:, np.newaxis, :])
    scalar_calls: list[object] = []
    monkeypatch.setattr(checks, "check_polygon", lambda geom, **_: scalar_calls.append(geom))
    results = check_polygons(parcels, repair=True)
    assert not scalar_calls
    assert len(results) == 10_000 and all(r.ok and not r.repairs for r in results)


def test_an_unclean_parcel_does_take_the_scalar_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # The guard above can fail: a parcel with a repeated vertex goes one by one.
    repeated = shapely.Polygon([(113.3, 23.1), (113.301, 23.1), (113.301, 23.1), (113.301, 23.101)])
    clean = shapely.Point(113.3, 23.1).buffer(1e-3)
    seen: list[object] = []
    original = checks.check_polygon
    monkeypatch.setattr(checks, "check_polygon", lambda geom, **kw: seen.append(geom) or original(geom, **kw))
    check_polygons([clean, repeated], repair=True)
    assert seen == [repeated]


# ---------------------------------------------------------------------- GeoJSON rings


def test_close_ring_coords() -> None:
    ring = [[0, 0], [1, 0], [1, 1]]
    closed, changed = close_ring_coords(ring)
    assert changed
    assert closed == [[0, 0], [1, 0], [1, 1], [0, 0]]
    assert ring == [[0, 0], [1, 0], [1, 1]]  # input not mutated
    assert close_ring_coords(closed) == (closed, False)
    assert close_ring_coords([(0, 0), (1, 0), (1, 1), [0, 0]])[1] is False  # tuples vs lists
    assert close_ring_coords([]) == ([], False)


def test_close_geojson_rings_counts_every_ring() -> None:
    open_with_hole = [
        [[0, 0], [10, 0], [10, 10], [0, 10]],
        [[2, 2], [4, 2], [4, 4], [2, 2]],  # already closed
        [[6, 6], [8, 6], [8, 8]],
    ]
    multi = {
        "type": "MultiPolygon",
        "coordinates": [open_with_hole, [[[20, 20], [21, 20], [21, 21]]]],
    }
    closed, count = close_geojson_rings(multi)
    assert count == 3
    assert shape(closed).is_valid
    collection = {
        "type": "GeometryCollection",
        "geometries": [multi, {"type": "Point", "coordinates": [0, 0]}],
    }
    assert close_geojson_rings(collection)[1] == 3
    point = {"type": "Point", "coordinates": [0, 0]}
    assert close_geojson_rings(point) == (point, 0)


def test_real_street_file_rings_get_closed(real_data) -> None:
    with open(real_data / "fire_ray_tianhe_streets.json", encoding="utf-8") as f:
        features = json.load(f)["features"]
    assert len(features) == 22
    for feature in features:
        (ring,) = feature["geometry"]["coordinates"]
        assert ring[0] != ring[-1]  # open as found
        closed, count = close_geojson_rings(feature["geometry"])
        assert count == 1
        assert closed["coordinates"][0][-1] == ring[0]
        built = shape(closed)
        assert built.is_valid
        # shapely would have closed the ring too, but silently; same geometry.
        assert built.equals_exact(shape(feature["geometry"]), 0)


def test_real_street_file_through_check(real_data) -> None:
    with open(real_data / "fire_ray_tianhe_streets.json", encoding="utf-8") as f:
        geometries = [feature["geometry"] for feature in json.load(f)["features"]]
    assert len(geometries) > 10  # the loops below must have something to check
    repaired = check_polygons(geometries, repair=True)
    assert len(repaired) == len(geometries)
    for result in repaired:
        assert_usable(result)
        assert codes(result.repairs) == ["unclosed_ring"]
    for result in check_polygons(geometries, repair=False):
        assert_only_problem(result, "unclosed_ring")
