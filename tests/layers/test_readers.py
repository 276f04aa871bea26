"""Tests for layers.readers: every format, the web-GeoJSON variants, and bad input.

Files are written into tmp_path with pyogrio, or as raw bytes where the point
is a damaged or unusual file; the real Tianhe files are read in place.
"""

from __future__ import annotations

import csv
import io
import json
import struct
from pathlib import Path

import geopandas
import pyogrio
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from layers.readers import ReadResult, parse_crs, read_layer

NAMES = ["前进街道", "龙洞街道", "凤凰街道"]
CODES = ["0012", "440106020", "440106021"]


@pytest.fixture
def parcels() -> geopandas.GeoDataFrame:
    """Three small parcels with Chinese names and zero-led codes, in EPSG:4490."""
    boxes = [shapely.box(113.30 + i / 100, 23.10, 113.305 + i / 100, 23.105) for i in range(3)]
    return geopandas.GeoDataFrame(
        {"name": NAMES, "code": CODES, "count": [1, 2, 3]}, geometry=boxes, crs="EPSG:4490"
    )


def read_error(path: Path, **options: str) -> str:
    """The message of the InputError read_layer must raise: one line, naming the file."""
    with pytest.raises(InputError) as caught:
        read_layer(path, **options)
    message = str(caught.value)
    assert "\n" not in message
    assert path.name in message
    return message


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write text as bytes, so no newline translation hides what a test means."""
    path.write_bytes(text.encode(encoding))
    return path


def write_json(path: Path, document: object) -> Path:
    """Write a JSON document as UTF-8, Chinese unescaped as web sources do."""
    return write_text(path, json.dumps(document, ensure_ascii=False))


def truncate(path: Path, size: int) -> None:
    """Cut a file down to its first ``size`` bytes, like an interrupted download."""
    path.write_bytes(path.read_bytes()[:size])


def assert_same_parcels(result: ReadResult, parcels: geopandas.GeoDataFrame) -> None:
    """Names, text codes and geometry came back unchanged."""
    assert list(result.frame["name"]) == NAMES
    assert list(result.frame["code"]) == CODES
    assert list(result.frame.index) == [0, 1, 2]
    assert shapely.equals(list(result.frame.geometry), list(parcels.geometry)).all()


# --------------------------------------------------------------------------
# parse_crs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4326", "EPSG:4326"),
        ("EPSG:4547", "EPSG:4547"),
        ("epsg:4490", "EPSG:4490"),
        (" EPSG:4490 ", "EPSG:4490"),
        ("urn:ogc:def:crs:EPSG::4490", "EPSG:4490"),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"),
        ("gcj02", "gcj02"),
        ("GCJ-02", "gcj02"),
        ("GCJ02", "gcj02"),
    ],
)
def test_parse_crs_normalises(text: str, expected: str) -> None:
    assert parse_crs(text) == expected


@given(
    code=st.sampled_from([4326, 4490, 4547, 3857, 32649]),
    prefix=st.sampled_from(["", "EPSG:", "epsg:", "Epsg:"]),
    padding=st.sampled_from(["", " ", "\t"]),
)
def test_parse_crs_any_epsg_spelling(code: int, prefix: str, padding: str) -> None:
    assert parse_crs(f"{padding}{prefix}{code}{padding}") == f"EPSG:{code}"


@given(
    upper=st.lists(st.booleans(), min_size=3, max_size=3),
    separator=st.sampled_from(["", "-", "_"]),
)
def test_parse_crs_any_gcj02_spelling(upper: list[bool], separator: str) -> None:
    letters = "".join(c.upper() if up else c for c, up in zip("gcj", upper, strict=True))
    assert parse_crs(f"{letters}{separator}02") == "gcj02"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wgs-84-ish", "unknown CRS 'wgs-84-ish'"),
        ("EPSG:999999", "unknown CRS 'EPSG:999999'"),
        ("", "unknown CRS ''"),
        ("+proj=tmerc +lon_0=113.1 +ellps=GRS80", "has no EPSG code"),
    ],
)
def test_parse_crs_refuses(text: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected) as caught:
        parse_crs(text)
    assert "\n" not in str(caught.value)


# --------------------------------------------------------------------------
# GeoPackage and FlatGeobuf


def test_geopackage_single_layer(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = tmp_path / "parcels.gpkg"
    pyogrio.write_dataframe(parcels, path, layer="parcels")
    result = read_layer(path)
    assert_same_parcels(result, parcels)
    assert (result.crs, result.frame.crs, result.encoding) == ("EPSG:4490", "EPSG:4490", None)
    assert result.path == path
    assert result.row_defects == {}
    assert list(result.frame["count"]) == [1, 2, 3]


@pytest.fixture
def two_layers(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> Path:
    """A GeoPackage with layers 'farmland' (3 parcels) and 'forest' (1)."""
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(parcels, path, layer="farmland")
    pyogrio.write_dataframe(parcels.iloc[:1], path, layer="forest", append=True)
    return path


def test_geopackage_layer_chosen(two_layers: Path) -> None:
    assert len(read_layer(two_layers, layer="forest").frame) == 1
    assert len(read_layer(two_layers, layer="farmland").frame) == 3


@pytest.mark.parametrize(
    ("layer", "expected"), [(None, "2 layers: "), ("roads", "no layer 'roads'")]
)
def test_geopackage_layer_ambiguous_or_unknown(two_layers: Path, layer: str | None, expected: str) -> None:
    message = read_error(two_layers, **({"layer": layer} if layer else {}))
    assert expected in message
    assert "farmland, forest" in message


def test_geopackage_attribute_table_is_not_a_layer_choice(
    tmp_path: Path, parcels: geopandas.GeoDataFrame
) -> None:
    path = tmp_path / "with_table.gpkg"
    pyogrio.write_dataframe(parcels, path, layer="parcels")
    pyogrio.write_dataframe(parcels.drop(columns="geometry"), path, layer="ledger", driver="GPKG")
    assert len(read_layer(path).frame) == 3
    assert "no layer 'ledger' with geometry" in read_error(path, layer="ledger")


def test_flatgeobuf(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = tmp_path / "parcels.fgb"
    # GDAL sorts FlatGeobuf features along a Hilbert curve unless told not to.
    pyogrio.write_dataframe(parcels, path, layer_options={"SPATIAL_INDEX": "NO"})
    result = read_layer(path)
    assert_same_parcels(result, parcels)
    assert result.crs == "EPSG:4490"


@pytest.mark.parametrize("suffix", [".gpkg", ".fgb"])
def test_no_crs_in_file(tmp_path: Path, parcels: geopandas.GeoDataFrame, suffix: str) -> None:
    path = tmp_path / f"naive{suffix}"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        pyogrio.write_dataframe(parcels.set_crs(None, allow_override=True), path)
    assert "no CRS in the file" in read_error(path)
    assert read_layer(path, crs="EPSG:4490").crs == "EPSG:4490"


def test_projected_source_is_not_reprojected(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    projected = parcels.to_crs("EPSG:4547")
    path = tmp_path / "metres.gpkg"
    pyogrio.write_dataframe(projected, path)
    result = read_layer(path)
    assert result.crs == "EPSG:4547"
    assert result.frame.total_bounds == pytest.approx(projected.total_bounds)


@pytest.mark.parametrize(
    ("override", "expected_crs", "frame_crs"),
    [("EPSG:4326", "EPSG:4326", "EPSG:4326"), ("GCJ-02", "gcj02", None)],
)
def test_crs_override_replaces_the_file_crs(
    tmp_path: Path,
    parcels: geopandas.GeoDataFrame,
    override: str,
    expected_crs: str,
    frame_crs: str | None,
) -> None:
    path = tmp_path / "parcels.gpkg"
    pyogrio.write_dataframe(parcels, path)
    result = read_layer(path, crs=override)
    assert result.crs == expected_crs
    assert result.frame.crs == frame_crs
    assert result.frame.total_bounds == pytest.approx(parcels.total_bounds)


def test_truncated_flatgeobuf_names_the_feature(tmp_path: Path) -> None:
    rings = [shapely.Point(113 + i / 1000, 23).buffer(0.001) for i in range(200)]
    path = tmp_path / "cut.fgb"
    pyogrio.write_dataframe(geopandas.GeoDataFrame(geometry=rings, crs="EPSG:4490"), path)
    truncate(path, path.stat().st_size * 2 // 3)
    message = read_error(path)
    number = int(message.split("feature ")[1].split(":")[0])
    assert 1 < number <= 200
    assert "truncated or damaged" in message


# --------------------------------------------------------------------------
# Shapefile


def write_shapefile(
    path: Path, frame: geopandas.GeoDataFrame, *, encoding: str | None = None, drop: str = ""
) -> Path:
    """Write a shapefile with pyogrio, then delete the sidecars named in ``drop``."""
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    for suffix in drop.split():
        path.with_suffix(suffix).unlink()
    return path


def test_shapefile_utf8_with_cpg(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    result = read_layer(write_shapefile(tmp_path / "utf8.shp", parcels))
    assert_same_parcels(result, parcels)
    assert (result.crs, result.encoding) == ("EPSG:4490", "UTF-8")


def test_shapefile_gbk_with_cpg(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    result = read_layer(write_shapefile(tmp_path / "gbk.shp", parcels, encoding="gbk"))
    assert_same_parcels(result, parcels)
    assert result.encoding == "GBK"


def test_shapefile_gbk_without_cpg_is_detected(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = write_shapefile(tmp_path / "gbk.shp", parcels, encoding="gbk", drop=".cpg")
    result = read_layer(path)
    assert_same_parcels(result, parcels)
    assert result.encoding == "gb18030"


def test_shapefile_utf8_without_cpg_is_detected(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = write_shapefile(tmp_path / "utf8.shp", parcels, drop=".cpg")
    result = read_layer(path)
    assert_same_parcels(result, parcels)
    assert result.encoding == "utf-8"


def test_shapefile_encoding_given_overrides_cpg(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = write_shapefile(tmp_path / "gbk.shp", parcels, encoding="gbk")
    path.with_suffix(".cpg").write_text("UTF-8")  # a wrong .cpg, as exported by some tools
    result = read_layer(path, encoding="GBK")
    assert_same_parcels(result, parcels)
    assert result.encoding == "gbk"


def test_shapefile_wrong_encoding_given(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = write_shapefile(tmp_path / "gbk.shp", parcels, encoding="gbk", drop=".cpg")
    assert "attribute text is not utf-8" in read_error(path, encoding="utf-8")


def test_shapefile_text_neither_utf8_nor_gbk(tmp_path: Path) -> None:
    frame = geopandas.GeoDataFrame({"price": ["5€"]}, geometry=[shapely.Point(113.3, 23.1)], crs="EPSG:4490")
    path = write_shapefile(tmp_path / "cp1252.shp", frame, encoding="cp1252", drop=".cpg")
    assert "neither UTF-8 nor GBK/GB18030" in read_error(path)
    assert list(read_layer(path, encoding="cp1252").frame["price"]) == ["5€"]


@pytest.mark.parametrize("sidecar", [".shx", ".dbf"])
def test_shapefile_missing_sidecar(tmp_path: Path, parcels: geopandas.GeoDataFrame, sidecar: str) -> None:
    path = write_shapefile(tmp_path / "parcels.shp", parcels, drop=sidecar)
    assert f"{sidecar} is missing" in read_error(path)


def test_shapefile_missing_prj(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = write_shapefile(tmp_path / "parcels.shp", parcels, drop=".prj")
    assert "no CRS in the file" in read_error(path)
    result = read_layer(path, crs="gcj02")
    assert (result.crs, result.frame.crs) == ("gcj02", None)
    assert_same_parcels(result, parcels)


def test_shapefile_projected_prj(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = write_shapefile(tmp_path / "metres.shp", parcels.to_crs("EPSG:4547"))
    assert read_layer(path).crs == "EPSG:4547"


def test_truncated_shp_names_the_feature(tmp_path: Path) -> None:
    # Equal-sized records, so the cut falls in a known one: GDAL alone would
    # return the cut features as null geometries without any error.
    frame = geopandas.GeoDataFrame(
        geometry=[shapely.box(113 + i / 100, 23, 113.005 + i / 100, 23.005) for i in range(10)],
        crs="EPSG:4490",
    )
    path = write_shapefile(tmp_path / "cut.shp", frame)
    record = (path.stat().st_size - 100) // 10
    truncate(path, 100 + 6 * record + record // 2)
    assert "feature 7: geometry lies past the end of the .shp" in read_error(path)


def test_truncated_dbf_names_the_feature(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = write_shapefile(tmp_path / "cut.shp", parcels)
    dbf = path.with_suffix(".dbf")
    header_size, record_size = struct.unpack_from("<HH", dbf.read_bytes(), 8)
    truncate(dbf, header_size + record_size + 3)
    message = read_error(path)
    assert "feature 2: unreadable, the file is truncated or damaged" in message


# --------------------------------------------------------------------------
# GeoJSON and its web variants


def feature(geometry: dict | None, **properties: object) -> dict:
    """A GeoJSON Feature dict."""
    return {"type": "Feature", "properties": properties, "geometry": geometry}


SQUARE = [[113.3, 23.1], [113.4, 23.1], [113.4, 23.2], [113.3, 23.2], [113.3, 23.1]]
HOLE = [[113.32, 23.12], [113.33, 23.12], [113.33, 23.13], [113.32, 23.12]]
POLYGON = {"type": "Polygon", "coordinates": [SQUARE]}


def test_geojson_written_by_gdal(tmp_path: Path, parcels: geopandas.GeoDataFrame) -> None:
    path = tmp_path / "parcels.geojson"
    pyogrio.write_dataframe(parcels.to_crs("EPSG:4326"), path)
    result = read_layer(path)
    assert list(result.frame["name"]) == NAMES
    assert list(result.frame["code"]) == CODES
    assert (result.crs, result.encoding, result.row_defects) == ("EPSG:4326", "utf-8", {})


@pytest.mark.parametrize(
    "document",
    [
        {"type": "FeatureCollection", "features": [feature(POLYGON, name="前进")]},
        {"features": [feature(POLYGON, name="前进")]},
        [feature(POLYGON, name="前进")],
        feature(POLYGON, name="前进"),
    ],
    ids=["collection", "collection-without-type", "bare-list", "single-feature"],
)
def test_geojson_wrappings(tmp_path: Path, document: object) -> None:
    result = read_layer(write_json(tmp_path / "one.json", document))
    assert list(result.frame["name"]) == ["前进"]
    assert result.frame.geometry[0].equals(shapely.Polygon(SQUARE))


def test_geojson_bare_geometry(tmp_path: Path) -> None:
    result = read_layer(write_json(tmp_path / "shape.geojson", POLYGON))
    assert len(result.frame) == 1
    assert result.frame.geometry[0].equals(shapely.Polygon(SQUARE))


def test_geojson_unclosed_rings_are_row_defects(tmp_path: Path) -> None:
    open_polygon = {"type": "Polygon", "coordinates": [SQUARE[:-1], HOLE[:-1]]}
    open_multi = {"type": "MultiPolygon", "coordinates": [[SQUARE[:-1]]]}
    path = write_json(
        tmp_path / "open.json",
        [feature(POLYGON, n=1), feature(open_polygon, n=2), feature(open_multi, n=3)],
    )
    result = read_layer(path)
    assert [(row, [(d.code, d.message) for d in found]) for row, found in result.row_defects.items()] == [
        (1, [("unclosed_ring", "2 rings closed")]),
        (2, [("unclosed_ring", "1 ring closed")]),
    ]
    assert result.frame.geometry[1].equals(shapely.Polygon(SQUARE, [HOLE]))
    assert result.frame.geometry.is_valid.all()


def test_geojson_null_geometry_and_feature_id_kept(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "nulls.json",
        {
            "type": "FeatureCollection",
            "features": [
                {**feature(POLYGON, name="a"), "id": "THQ_SHJD"},
                {**feature(None, name="b"), "id": "THQ_SDJD"},
            ],
        },
    )
    frame = read_layer(path).frame
    assert list(frame["id"]) == ["THQ_SHJD", "THQ_SDJD"]
    assert frame.geometry[1] is None


@pytest.mark.parametrize(
    ("crs_member", "expected"),
    [
        ({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}, "EPSG:4490"),
        ({"type": "name", "properties": {"name": "EPSG:4547"}}, "EPSG:4547"),
        ({"type": "EPSG", "properties": {"code": 4490}}, "EPSG:4490"),
    ],
)
def test_geojson_crs_member(tmp_path: Path, crs_member: dict, expected: str) -> None:
    path = write_json(
        tmp_path / "legacy.geojson",
        {
            "type": "FeatureCollection",
            "crs": crs_member,
            "features": [feature(POLYGON)],
        },
    )
    assert read_layer(path).crs == expected
    assert read_layer(path, crs="gcj02").crs == "gcj02"


def test_geojson_with_bom(tmp_path: Path) -> None:
    path = write_text(tmp_path / "bom.json", json.dumps([feature(POLYGON, 名称="天河")]), "utf-8-sig")
    assert list(read_layer(path).frame["名称"]) == ["天河"]


def test_geojson_gbk_needs_encoding(tmp_path: Path) -> None:
    text = json.dumps([feature(POLYGON, name="天河")], ensure_ascii=False)
    path = write_text(tmp_path / "gbk.json", text, "gbk")
    assert "text is not UTF-8 (line 1)" in read_error(path)
    result = read_layer(path, encoding="gbk")
    assert (list(result.frame["name"]), result.encoding) == (["天河"], "gbk")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"type": "Topology", "objects": {}}, "JSON but not GeoJSON (no features or geometry)"),
        ([feature(POLYGON), 7], "feature 2: not a GeoJSON Feature"),
        (
            [feature(POLYGON), feature({"type": "Polygon", "coordinates": [[[1, 2]]]})],
            "feature 2: bad geometry",
        ),
        ([feature({"type": "Blob", "coordinates": []})], "feature 1: bad geometry"),
        ([{"geometry": POLYGON, "properties": [1]}], "feature 1: properties is not a JSON object"),
        ({"features": [], "crs": {"properties": {"name": "nowhere"}}}, "unknown CRS 'nowhere'"),
        ({"features": [], "crs": {"type": "link"}}, "crs member names no CRS"),
    ],
    ids=[
        "topojson",
        "not-a-feature",
        "short-ring",
        "unknown-type",
        "bad-properties",
        "bad-crs-name",
        "crs-without-name",
    ],
)
def test_geojson_bad_input(tmp_path: Path, document: object, expected: str) -> None:
    assert expected in read_error(write_json(tmp_path / "bad.geojson", document))


def test_geojson_truncated(tmp_path: Path) -> None:
    path = write_json(tmp_path / "cut.geojson", [feature(POLYGON, name="天河")] * 20)
    truncate(path, path.stat().st_size // 2)
    assert "not valid JSON (truncated or damaged?)" in read_error(path)


def test_geojson_empty_collection(tmp_path: Path) -> None:
    result = read_layer(write_json(tmp_path / "empty.json", {"features": []}))
    assert len(result.frame) == 0
    assert result.crs == "EPSG:4326"


# --------------------------------------------------------------------------
# CSV


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """Write rows (header first) with the csv module."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return write_text(path, buffer.getvalue(), encoding)


@pytest.mark.parametrize("column", ["wkt", "WKT", "geometry", "geom", "the_geom"])
def test_csv_wkt_column_recognised(tmp_path: Path, column: str) -> None:
    path = write_csv(
        tmp_path / "wkt.csv",
        [
            ["name", "code", column],
            ["前进街道", "0012", "POLYGON ((113.3 23.1, 113.4 23.1, 113.4 23.2, 113.3 23.1))"],
            ["龙洞街道", "440106020", "POINT (113.35 23.15)"],
        ],
    )
    result = read_layer(path, crs="EPSG:4490")
    assert list(result.frame.columns) == ["name", "code", "geometry"]
    assert list(result.frame["code"]) == ["0012", "440106020"]
    assert result.frame.geometry[1].equals(shapely.Point(113.35, 23.15))
    assert (result.crs, result.encoding) == ("EPSG:4490", "utf-8")


@pytest.mark.parametrize(
    ("lon", "lat"),
    [("lon", "lat"), ("lng", "lat"), ("Longitude", "Latitude"), ("x", "y"), ("经度", "纬度")],
)
def test_csv_lon_lat_columns_recognised(tmp_path: Path, lon: str, lat: str) -> None:
    path = write_csv(
        tmp_path / "points.csv",
        [
            ["code", lon, lat],
            ["0012", "113.35", "23.15"],
            ["0013", " 113.4 ", "23.2"],
        ],
    )
    result = read_layer(path, crs="gcj02")
    assert list(result.frame.geometry) == [shapely.Point(113.35, 23.15), shapely.Point(113.4, 23.2)]
    assert list(result.frame[lon]) == ["113.35", " 113.4 "]  # kept as the text it was
    assert (result.crs, result.frame.crs) == ("gcj02", None)


def test_csv_fields_given(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "survey.csv",
        [
            ["编号", "东经", "北纬", "shape"],
            ["0012", "113.3", "23.1", "POINT (1 2)"],
        ],
    )
    by_lon_lat = read_layer(path, crs="EPSG:4490", lon_field="东经", lat_field="北纬")
    assert by_lon_lat.frame.geometry[0].equals(shapely.Point(113.3, 23.1))
    by_wkt = read_layer(path, crs="EPSG:4490", wkt_field="shape")
    assert by_wkt.frame.geometry[0].equals(shapely.Point(1, 2))
    assert list(by_wkt.frame.columns) == ["编号", "东经", "北纬", "geometry"]


def test_csv_empty_cells(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gaps.csv",
        [
            ["code", "note", "lon", "lat", "wkt"],
            ["0012", "", "", "", ""],
            ["0013", "x", "113.3", "23.1", "POINT (113.3 23.1)"],
        ],
    )
    for options in ({}, {"lon_field": "lon", "lat_field": "lat"}):
        frame = read_layer(path, crs="EPSG:4490", **options).frame
        assert frame.geometry[0] is None
        assert frame["note"].isna()[0]
        assert frame.geometry[1].equals(shapely.Point(113.3, 23.1))


def test_csv_bom_and_blank_lines(tmp_path: Path) -> None:
    path = write_text(tmp_path / "excel.csv", "name,lon,lat\r\n天河,113.3,23.1\r\n\r\n", "utf-8-sig")
    result = read_layer(path, crs="EPSG:4490")
    assert list(result.frame.columns) == ["name", "lon", "lat", "geometry"]
    assert len(result.frame) == 1


def test_csv_gbk_bytes(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "gbk.csv",
        [
            ["名称", "lon", "lat"],
            ["天河", "113.3", "23.1"],
            ["前进街道", "113.4", "23.2"],
        ],
        encoding="gbk",
    )
    assert "text is not UTF-8 (line 1)" in read_error(path, crs="EPSG:4490")
    result = read_layer(path, crs="EPSG:4490", encoding="gbk")
    assert list(result.frame["名称"]) == ["天河", "前进街道"]
    assert result.encoding == "gbk"


def test_csv_invalid_utf8_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("name,lon,lat\n天河,113.3,23.1\n".encode() + "前进,1,2\n".encode("gbk"))
    assert "text is not UTF-8 (line 3)" in read_error(path, crs="EPSG:4490")


@pytest.mark.parametrize(
    ("rows", "options", "expected"),
    [
        (
            [["name", "wkt"], ["a", "POINT (1 2)"], ["b", "POINT (1"]],
            {},
            "row 2, field 'wkt': not valid WKT (ParseException",
        ),
        ([["name", "wkt"], ["a", "POLYGON ((0 0, 1 0, 1 1))"]], {}, "row 1, field 'wkt': not valid WKT"),
        (
            [["lon", "lat"], ["1", "2"], ["3", "4"], ["东经113", "23"]],
            {},
            "row 3, field 'lon': expected a finite number, got '东经113'",
        ),
        ([["lon", "lat"], ["1", "NaN"]], {}, "row 1, field 'lat': expected a finite number"),
        ([["lon", "lat"], ["1", ""]], {}, "row 1, field 'lat': expected a finite number, got an empty cell"),
        (
            [["name", "code"], ["a", "1"]],
            {},
            "no geometry column (columns: 'name', 'code')",
        ),
        ([["name", "wkt"], ["a", "POINT (1 2)"]], {"wkt_field": "WKT"}, "field 'WKT' not found"),
        ([["lon", "lat"]], {"lon_field": "lon"}, "give both the lon field and the lat field"),
        (
            [["lon", "lat", "wkt"]],
            {"wkt_field": "wkt", "lat_field": "lat"},
            "give either a WKT field or lon/lat fields, not both",
        ),
        ([["name", "wkt"], ["a", "POINT (1 2)", "extra"]], {}, "row 1: 3 fields, but the header has 2"),
        ([["name", "name", "wkt"]], {}, "column 'name' appears twice in the header"),
        ([], {}, "empty file: no header row"),
    ],
    ids=[
        "bad-wkt",
        "unclosed-wkt",
        "text-lon",
        "nan-lat",
        "empty-lat",
        "no-geometry",
        "unknown-field",
        "lon-without-lat",
        "wkt-and-lat",
        "ragged",
        "duplicate",
        "empty",
    ],
)
def test_csv_bad_input(tmp_path: Path, rows: list[list[str]], options: dict, expected: str) -> None:
    path = write_csv(tmp_path / "bad.csv", rows)
    assert expected in read_error(path, crs="EPSG:4490", **options)


def test_csv_needs_crs(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "points.csv", [["lon", "lat"], ["113.3", "23.1"]])
    assert "a CSV file has no CRS" in read_error(path)


coordinates = st.tuples(
    st.text(alphabet="0123456789", min_size=1, max_size=12),
    st.floats(-180, 180, allow_nan=False),
    st.floats(-90, 90, allow_nan=False),
)


@settings(max_examples=50, deadline=None)
@given(rows=st.lists(coordinates, min_size=1, max_size=20))
def test_csv_points_and_codes_round_trip(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, float, float]]
) -> None:
    path = write_csv(
        tmp_path_factory.mktemp("csv") / "points.csv",
        [["code", "lng", "纬度"], *[[code, repr(x), repr(y)] for code, x, y in rows]],
    )
    frame = read_layer(path, crs="EPSG:4490").frame
    assert list(frame["code"]) == [code for code, _, _ in rows]
    assert list(zip(frame.geometry.x, frame.geometry.y, strict=True)) == [(x, y) for _, x, y in rows]


# --------------------------------------------------------------------------
# Files that are not layers, and options that do not apply


PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.txt", b"parcel list\n", "not a layer format landpatrol reads"),
        ("photo.png", PNG, "not a layer format landpatrol reads"),
        ("photo.gpkg", PNG, "not a readable GeoPackage"),
        ("notes.gpkg", b"parcel list\n", "not a readable GeoPackage"),
        ("notes.fgb", b"parcel list\n", "not a readable FlatGeobuf"),
        ("notes.geojson", b"parcel list\n", "not valid JSON"),
        ("empty.json", b"", "not valid JSON"),
    ],
)
def test_not_a_layer_file(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in read_error(path)


def test_truncated_geopackage(tmp_path: Path) -> None:
    rings = [shapely.Point(113 + i / 1000, 23).buffer(0.001) for i in range(500)]
    path = tmp_path / "cut.gpkg"
    pyogrio.write_dataframe(geopandas.GeoDataFrame(geometry=rings, crs="EPSG:4490"), path)
    truncate(path, path.stat().st_size * 2 // 3)
    assert "truncated or damaged" in read_error(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "no such file" in read_error(tmp_path / "nowhere.gpkg")
    folder = tmp_path / "parcels.gdb"
    folder.mkdir()
    assert "is a directory" in read_error(folder)


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("parcels.gpkg", {"crs": "Beijing54?"}, "unknown CRS 'Beijing54?'"),
        ("parcels.gpkg", {"encoding": "martian"}, "unknown encoding 'martian'"),
        ("parcels.gpkg", {"wkt_field": "wkt"}, "are named only for a CSV"),
        ("parcels.geojson", {"layer": "parcels"}, "a layer is chosen only in a GeoPackage file"),
    ],
)
def test_options_checked(
    tmp_path: Path, parcels: geopandas.GeoDataFrame, name: str, options: dict, expected: str
) -> None:
    path = tmp_path / name
    pyogrio.write_dataframe(parcels, path)
    assert expected in read_error(path, **options)


# --------------------------------------------------------------------------
# The real Tianhe files


def test_real_datav_bare_list(real_data: Path) -> None:
    result = read_layer(real_data / "datav_440106_tianhe.json", crs="gcj02")
    assert list(result.frame["name"]) == ["天河区"]
    assert result.frame.geometry[0].geom_type == "MultiPolygon"
    assert result.row_defects == {}


def test_real_fire_ray_unclosed_rings(real_data: Path) -> None:
    result = read_layer(real_data / "fire_ray_tianhe_streets.json")
    assert len(result.frame) == 22
    assert result.crs == "EPSG:4326"  # unknown in fact; RFC 7946's default applies
    assert sorted(result.row_defects) == list(range(22))
    assert {d.code for found in result.row_defects.values() for d in found} == {"unclosed_ring"}
    assert "东站" in set(result.frame["name"])
    assert result.frame["id"].duplicated().sum() == 1
    assert (result.frame.geometry.geom_type == "Polygon").all()


@pytest.mark.parametrize("name", ["amap_440106_tianhe_highres_raw.json", "tianhe_street_codes_440106.json"])
def test_real_json_that_is_not_geojson(real_data: Path, name: str) -> None:
    message = read_error(real_data / name)
    assert message.endswith("JSON but not GeoJSON (no features or geometry)")


def test_real_vonng_outline(real_data: Path) -> None:
    result = read_layer(real_data / "vonng_tianhe_district_gcj02.geojson", crs="GCJ-02")
    assert len(result.frame) == 1
    assert (result.crs, result.frame.crs) == ("gcj02", None)
    assert result.frame["adcode"][0] == 440106
    assert len(result.frame.geometry[0].exterior.coords) == 1105


def test_real_vonng_csv_without_header(real_data: Path) -> None:
    # The file has no header row, so its first data row is taken as one; the
    # reader does not guess column names: the error says the header is missing.
    message = read_error(real_data / "vonng_adcode_440106.csv", crs="gcj02")
    assert "the first row looks like data: the file may have no header row" in message
