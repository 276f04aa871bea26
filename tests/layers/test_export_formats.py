"""Every export format, written from a real store and read back by an independent reader.

Debian's `ogrinfo` (GDAL 3.6, not the GDAL inside the pyogrio wheel that
wrote the files) and pyogrio read the spatial formats, pyarrow the
GeoParquet, openpyxl the workbook. Values are checked, not just counts:
codes, Chinese text, status, areas and geometry to 1e-9°.
"""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely

from cases.status.export_rows import StatusQuery, export_status
from cases.status.rules import STATUS_COLORS
from geo.gcj02 import to_gcj02
from geo.store import Store
from layers.export_spec import ExportOptions
from tests.layers.export_seed import AS_OF, Seeded

TOLERANCE = 1e-9
QUERY = StatusQuery(as_of=AS_OF)


def _export(store: Store, path: Path, lang: str = "en", **options: Any) -> Path:
    export_status(store, path, QUERY, ExportOptions(**options), lang=lang)
    assert path.exists()
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []
    return path


def ogrinfo(source: str, *args: str) -> list[dict[str, str]]:
    """Features as printed by Debian's ogrinfo: attributes as text, geometry as WKT.

    `args` are layer names or `-sql …`; with none, every layer is read.
    """
    out = subprocess.run(["ogrinfo", "-ro", "-q", *(args or ["-al"]), source],
                         capture_output=True, text=True, check=True).stdout
    features: list[dict[str, str]] = []
    for line in out.splitlines():
        if line.startswith("OGRFeature("):
            features.append({})
        elif features and (match := re.match(r"^  (\w+) \(.+?\) = (.*)$", line)):
            features[-1][match.group(1)] = match.group(2)
        elif features and re.match(r"^  (MULTI)?POLYGON", line):
            features[-1]["WKT"] = line.strip()
    return features


def _same_shape(got: shapely.Geometry, expected: shapely.Geometry) -> bool:
    if isinstance(got, shapely.Polygon):  # Shapefiles do not tell polygons from multipolygons
        got = shapely.MultiPolygon([got])
    return shapely.equals_exact(shapely.normalize(got), shapely.normalize(expected), TOLERANCE)


def _check_rows(rows: dict[str, dict[str, Any]], seeded: Seeded) -> None:
    assert sorted(rows) == sorted(seeded.status)
    for code, row in rows.items():
        assert row["status"] == seeded.status[code]
        assert float(row["area_m2"]) == pytest.approx(seeded.areas[code], rel=1e-12)
        assert float(row["area_mu"]) == pytest.approx(seeded.areas[code] * 15 / 10000, rel=1e-12)
    assert rows["BF-001"]["name"] == "珠村农田一"
    assert rows["BF-001"]["open_issue_refs"] == "2-1"
    assert rows["SP-001"]["custodian"] == "长兴街道办事处"


def test_geopackage_layers_styles_metadata(store: Store, seeded: Seeded, tmp_path: Path) -> None:
    path = _export(store, tmp_path / "status.gpkg", lang="zh")
    listed = pyogrio.list_layers(path)[:, 0].tolist()
    assert listed[:5] == ["basic_farmland", "forest_patch", "storage_plot", "illegal_land",
                          "temporary_land"]
    farmland = ogrinfo(str(path), "-sql", "SELECT * FROM basic_farmland")
    assert [f["code"] for f in farmland] == ["BF-001", "BF-002"]
    assert farmland[0]["status_label"] == "整改中" and farmland[0]["crop"] == "水稻"
    assert "custodian" not in farmland[0]  # a kind's own properties stay in its layer
    storage = pyogrio.read_dataframe(path, layer="storage_plot")
    assert _same_shape(storage.geometry.iat[0], seeded.geoms["SP-001"])
    assert storage.crs.to_epsg() == 4490
    rows = {}
    for layer in ("basic_farmland", "forest_patch", "storage_plot"):
        for row in pyogrio.read_dataframe(path, layer=layer).to_dict("records"):
            rows[row["code"]] = row
            assert _same_shape(row["geometry"], seeded.geoms[row["code"]])
    _check_rows(rows, seeded)
    info = pyogrio.read_info(path, layer="basic_farmland")
    assert info["dataset_metadata"]["as_of"] == AS_OF
    assert {"exported_at", "source", "crs"} <= set(info["dataset_metadata"])
    assert "password" not in info["dataset_metadata"]["source"]
    indexes = ogrinfo(str(path), "-sql", "SELECT table_name FROM gpkg_extensions "
                      "WHERE extension_name = 'gpkg_rtree_index'")
    assert sorted(i["table_name"] for i in indexes) == sorted(listed[:5])
    styles = ogrinfo(str(path), "-sql", "SELECT f_table_name, f_geometry_column, useAsDefault "
                     "FROM layer_styles")
    assert [s["f_table_name"] for s in styles] == listed[:5]
    assert all(s["useAsDefault"] == "1" and s["f_geometry_column"] == "geom" for s in styles)


def test_geopackage_style_is_categorised_by_status(store: Store, seeded: Seeded,
                                                   tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    path = _export(store, tmp_path / "status.gpkg", lang="zh")
    style = pyogrio.read_dataframe(path, layer="layer_styles", read_geometry=False)
    qml = ET.fromstring(style["styleQML"].iat[0].split("\n", 1)[1])
    renderer = qml.find("renderer-v2")
    assert renderer is not None and renderer.get("attr") == "status"
    labels = {c.get("value"): c.get("label") for c in renderer.iter("category")}
    assert labels["violation"] == "违法违规"
    colours = {}
    for category in renderer.iter("category"):
        symbol = renderer.find(f"symbols/symbol[@name='{category.get('symbol')}']")
        assert symbol is not None
        rgba = symbol.find("layer/Option/Option[@name='color']").get("value")  # type: ignore[union-attr]
        colours[category.get("value")] = "#{:02X}{:02X}{:02X}".format(*map(int, rgba.split(",")[:3]))
    assert colours == STATUS_COLORS
    aliases = {a.get("field"): a.get("name") for a in qml.iter("alias")}
    assert aliases["status_label"] == "状态"
    assert "#D55E00" in style["styleSLD"].iat[0]


def test_geopackage_single_layer(store: Store, seeded: Seeded, tmp_path: Path) -> None:
    path = _export(store, tmp_path / "one.gpkg", layer="all_parcels")
    frame = pyogrio.read_dataframe(path, layer="all_parcels")
    assert sorted(frame["code"]) == sorted(seeded.status)
    assert {"crop", "custodian", "patch_id"} <= set(frame.columns)


def test_geojson_is_rfc7946(store: Store, seeded: Seeded, tmp_path: Path) -> None:
    path = _export(store, tmp_path / "status.geojson")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in document
    features = {f["properties"]["code"]: f for f in document["features"]}
    _check_rows({c: f["properties"] for c, f in features.items()}, seeded)
    assert features["BF-001"]["properties"]["last_note"] == "已拆除两间窝棚"
    for code, feature in features.items():
        geometry = shapely.geometry.shape(feature["geometry"])
        assert _same_shape(geometry, seeded.geoms[code])
        for polygon in geometry.geoms:  # outer rings counter-clockwise, holes clockwise
            assert polygon.exterior.is_ccw
            assert all(not ring.is_ccw for ring in polygon.interiors)
    assert len(ogrinfo(str(path))) == 4


def test_geojson_in_gcj02(store: Store, seeded: Seeded, tmp_path: Path) -> None:
    path = _export(store, tmp_path / "gaode.geojson", crs="gcj02")
    frame = pyogrio.read_dataframe(path).set_index("code")
    expected = to_gcj02(seeded.geoms["BF-001"])
    assert _same_shape(frame.geometry["BF-001"], expected)
    shift = shapely.distance(frame.geometry["BF-001"].centroid, seeded.geoms["BF-001"].centroid)
    assert 0.003 < shift < 0.01  # several hundred metres, as GCJ-02 is in Guangzhou


def test_shapefile_zip(store: Store, seeded: Seeded, tmp_path: Path) -> None:
    path = _export(store, tmp_path / "status.zip", lang="zh")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert {"status.shp", "status.shx", "status.dbf", "status.prj", "status.cpg",
                "status.fields.csv"} <= names
        assert archive.read("status.cpg").decode().strip() == "UTF-8"
        sidecar = archive.read("status.fields.csv").decode("utf-8-sig").splitlines()
    short = {line.split(",")[1]: line.split(",")[0] for line in sidecar[1:]}
    assert all(len(name) <= 10 for name in short.values())
    assert len(set(short.values())) == len(short)
    features = ogrinfo(f"/vsizip/{path}/status.shp")
    rows = {f["code"]: {long: f.get(s) for long, s in short.items()} for f in features}
    _check_rows(rows, seeded)
    assert rows["BF-001"]["status_label"] == "整改中"
    assert rows["BF-001"]["last_inspected_at"] == "2022-09-20T11:00:00+08:00"
    frame = pyogrio.read_dataframe(f"/vsizip/{path}/status.shp").set_index("code")
    for code, geom in seeded.geoms.items():
        assert _same_shape(frame.geometry[code], geom)


@pytest.mark.parametrize("xy", [False, True])
def test_csv(store: Store, seeded: Seeded, tmp_path: Path, xy: bool) -> None:
    path = _export(store, tmp_path / "status.csv", xy=xy)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens it as UTF-8
    header = raw[3:].split(b"\n", 1)[0].decode()
    assert header.startswith("lon,lat,code" if xy else "WKT,code")
    import csv

    rows = {r["code"]: r for r in csv.DictReader(raw.decode("utf-8-sig").splitlines())}
    _check_rows(rows, seeded)
    for code, geom in seeded.geoms.items():
        if xy:
            point = shapely.Point(float(rows[code]["lon"]), float(rows[code]["lat"]))
            assert geom.contains(point)
        else:
            assert _same_shape(shapely.from_wkt(rows[code]["WKT"]), geom)
    assert len(ogrinfo(str(path))) == 4


def test_geoparquet(store: Store, seeded: Seeded, tmp_path: Path) -> None:
    path = _export(store, tmp_path / "status.parquet", crs="EPSG:4547")
    table = pq.read_table(path)
    geo = json.loads(table.schema.metadata[b"geo"])
    assert geo["primary_column"] == "geometry"
    column = geo["columns"]["geometry"]
    assert column["encoding"] == "WKB" and column["crs"]["id"]["code"] == 4547
    assert len(column["bbox"]) == 4
    rows = {r["code"]: r for r in table.to_pylist()}
    _check_rows(rows, seeded)
    for code, row in rows.items():  # in metres now: area is the stored area
        assert shapely.from_wkb(row["geometry"]).area == pytest.approx(seeded.areas[code], rel=1e-9)
    import geopandas

    frame = geopandas.read_parquet(path)
    assert frame.crs.to_epsg() == 4547


def test_flatgeobuf(store: Store, seeded: Seeded, tmp_path: Path) -> None:
    path = _export(store, tmp_path / "status.fgb")
    features = ogrinfo(str(path))
    rows = {f["code"]: f for f in features}
    _check_rows(rows, seeded)
    for code, geom in seeded.geoms.items():
        assert _same_shape(shapely.from_wkt(rows[code]["WKT"]), geom)
    frame = pyogrio.read_dataframe(path)
    assert frame.crs.to_epsg() == 4490


def test_excel_sheets_and_summary(store: Store, seeded: Seeded, tmp_path: Path) -> None:
    path = _export(store, tmp_path / "status.xlsx", lang="zh")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["汇总", "永久基本农田", "林地图斑", "储备土地", "违法用地", "临时用地"]
    sheet = book["永久基本农田"]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    assert header[:4] == ["编码", "类型", "名称", "街道代码"] and "状态" in header
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in values[1:]}
    assert set(rows) == {"BF-001", "BF-002"}
    assert rows["BF-001"]["状态"] == "整改中"
    assert rows["BF-001"]["种植作物"] == "水稻"
    assert rows["BF-001"]["面积(m²)"] == round(seeded.areas["BF-001"], 2)
    assert rows["BF-001"]["最近巡查时间(北京时间)"].isoformat() == "2022-09-20T11:00:00"
    point = shapely.Point(rows["BF-002"]["lon"], rows["BF-002"]["lat"])
    assert seeded.geoms["BF-002"].contains(point)
    summary = [r for r in book["汇总"].iter_rows(values_only=True) if any(r)]
    facts = {r[0]: r[1] for r in summary[:6]}
    assert facts["截至日期"] == AS_OF
    total = next(r for r in summary if r[0] == "合计")
    assert total[2] == 4
    assert total[3] == pytest.approx(round(sum(seeded.areas.values()), 2), abs=0.02)
    book.close()
    fill = openpyxl.load_workbook(path)["永久基本农田"]
    status_col = header.index("状态代码") + 1
    assert fill.cell(row=2, column=status_col).fill.start_color.rgb.endswith(
        STATUS_COLORS["rectifying"].lstrip("#"))


def test_filters_and_as_of_reach_the_file(store: Store, seeded: Seeded,
                                          tmp_path: Path) -> None:
    path = tmp_path / "few.geojson"
    export_status(store, path, StatusQuery(kinds=("basic_farmland",), streets=("前进",),
                                           as_of=AS_OF), ExportOptions())
    codes = [f["properties"]["code"] for f in json.loads(path.read_text())["features"]]
    assert codes == ["BF-001"]
    path = tmp_path / "later.geojson"
    export_status(store, path, StatusQuery(statuses=("overdue",)), ExportOptions())
    statuses = {f["properties"]["code"]: f["properties"]["status"]
                for f in json.loads(path.read_text())["features"]}
    assert set(statuses.values()) == {"overdue"} and "BF-002" in statuses  # years later
    early = tmp_path / "early.geojson"
    export_status(store, early, StatusQuery(as_of="2022-06-01"), ExportOptions())
    before = {f["properties"]["code"]: f["properties"] for f in json.loads(early.read_text())["features"]}
    assert before["BF-001"]["status"] == "violation" and before["BF-002"]["status"] == "uninspected"
    assert np.isclose(before["BF-001"]["sheds_area_m2"], 40.0)
