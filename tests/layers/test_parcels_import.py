"""Parcel and street imports on every backend: real files written, imported, read back."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, box

from geo.errors import InputError
from geo.gcj02 import from_gcj02
from geo.store import Store
from layers.models import Parcel, ParcelVersion, Street
from layers.parcels_import import FieldOptions, ReadOptions, import_parcels
from layers.query import parcels_frame
from layers.streets_import import import_streets

GEOD = Geod(ellps="GRS80")


def _gpkg(path: Path, geoms: list, *, codes: list | None = None, crs: int = 4490,
          **columns: list) -> Path:
    codes = codes if codes is not None else [f"P{i:03d}" for i in range(len(geoms))]
    frame = gpd.GeoDataFrame({"code": codes, **columns}, geometry=geoms, crs=crs)
    frame.to_file(path, layer="parcels", driver="GPKG")
    return path


def _squares(n: int, x0: float = 113.38, y0: float = 23.12, size: float = 0.0004) -> list:
    return [box(x0 + i * 0.0005, y0, x0 + i * 0.0005 + size, y0 + size) for i in range(n)]


def _count(store: Store, model: type = Parcel) -> int:
    with store.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def _import(store: Store, path: Path, **kwargs) -> object:
    kwargs.setdefault("kind", "basic_farmland")
    return import_parcels(store, path, actor="test", **kwargs)


def test_import_creates_parcels_with_areas_measured_in_gauss_kruger(store: Store, tmp_path):
    path = _gpkg(tmp_path / "p.gpkg", _squares(5), name=[f"地块{i}" for i in range(5)])
    report = _import(store, path)
    assert (report.read, report.created, report.updated) == (5, 5, 0)
    with store.session() as session:
        frame = parcels_frame(session)
    assert list(frame.code) == [f"P{i:03d}" for i in range(5)]
    assert frame.name.iloc[2] == "地块2"
    geodesic = abs(GEOD.geometry_area_perimeter(_squares(1)[0])[0])
    assert frame.area_m2.iloc[0] == pytest.approx(geodesic, rel=2e-4)
    assert shapely.equals_exact(frame.geometry.iloc[0], MultiPolygon([_squares(1)[0]]), 1e-9)


def test_reimport_updates_and_keeps_the_old_geometry(store: Store, tmp_path):
    first = _squares(3)
    _import(store, _gpkg(tmp_path / "a.gpkg", first))
    moved = [*first[:2], shapely.affinity.translate(first[2], 0.0001)]
    report = _import(store, _gpkg(tmp_path / "b.gpkg", moved))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    with store.session() as session:
        versions = session.scalars(sa.select(ParcelVersion)).all()
        assert len(versions) == 1
        assert versions[0].parcel.code == "P002"
        old = shapely.from_wkb(bytes(session.scalar(sa.select(sa.func.ST_AsBinary(ParcelVersion.geom)))))
        assert shapely.equals_exact(old, MultiPolygon([first[2]]), 1e-9)
        frame = parcels_frame(session, codes=["P002"])
    assert shapely.equals_exact(frame.geometry.iloc[0], MultiPolygon([moved[2]]), 1e-9)


def test_dry_run_reports_but_stores_nothing(store: Store, tmp_path):
    report = _import(store, _gpkg(tmp_path / "p.gpkg", _squares(4)), dry_run=True)
    assert report.created == 4 and report.dry_run
    assert _count(store) == 0


def test_reimport_as_another_kind_is_refused(store: Store, tmp_path):
    path = _gpkg(tmp_path / "p.gpkg", _squares(2))
    _import(store, path)
    with pytest.raises(InputError, match="P000 is already stored as a basic_farmland"):
        _import(store, path, kind="forest_patch")


def _bad_geometry_cases() -> dict[str, object]:
    bowtie = Polygon([(113.38, 23.12), (113.381, 23.121), (113.381, 23.12), (113.38, 23.121)])
    return {
        "self_intersection": bowtie,
        "point_for_polygon": Point(113.38, 23.12),
        "empty": Polygon(),
        "outside_china": box(2.0, 48.0, 2.001, 48.001),
        "lonlat_swapped": box(23.12, 113.38, 23.1204, 113.3804),
        "nan_coordinates": Polygon([(113.38, 23.12), (np.nan, 23.121), (113.381, 23.12)]),
    }


@pytest.mark.parametrize("case", list(_bad_geometry_cases()))
def test_bad_geometry_fails_naming_the_feature_and_stores_nothing(store: Store, tmp_path, case):
    geoms = [*_squares(2), _bad_geometry_cases()[case]]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": f"P{i}"},
         "geometry": shapely.geometry.mapping(g) if not g.is_empty else None}
        for i, g in enumerate(geoms)
    ]}), encoding="utf-8")
    with pytest.raises(InputError) as err:
        _import(store, path)
    message = str(err.value)
    assert message.startswith("bad.geojson: feature 3 (code P2):") and "\n" not in message
    assert _count(store) == 0
    report = _import(store, path, on_invalid="skip")
    assert report.created == 2 and [n.row for n in report.skipped] == [3]


@pytest.mark.parametrize(("case", "expected"), [
    ("self_intersection", "self-intersection"), ("lonlat_swapped", "swap"),
])
def test_repairable_geometry_is_repaired_and_listed(store: Store, tmp_path, case, expected):
    path = _gpkg(tmp_path / "r.gpkg", [*_squares(1), _bad_geometry_cases()[case]])
    report = _import(store, path, on_invalid="repair")
    assert report.created == 2
    assert [n.row for n in report.repaired] == [2]
    assert expected in report.repaired[0].reason.lower()
    with store.session() as session:
        stored = parcels_frame(session, codes=["P001"]).geometry.iloc[0]
    assert stored.is_valid and 113 < stored.centroid.x < 114


def test_duplicate_and_missing_codes_are_refused(store: Store, tmp_path):
    path = _gpkg(tmp_path / "d.gpkg", _squares(3), codes=["A", "B", "A"])
    with pytest.raises(InputError, match=r"feature 3 \(code A\): code 'A' already used by feature 1"):
        _import(store, path)
    path = _gpkg(tmp_path / "m.gpkg", _squares(3), codes=["A", None, "C"])
    with pytest.raises(InputError, match=r"m.gpkg: feature 2: code is empty"):
        _import(store, path)
    assert _count(store) == 0


def test_unclosed_rings_fail_or_are_closed(store: Store, tmp_path, real_data):
    codes = real_data / "tianhe_street_codes_440106.json"
    import_streets(store, codes, actor="test")
    rings = real_data / "fire_ray_tianhe_streets.json"
    with pytest.raises(InputError, match=r"fire_ray_tianhe_streets.json: feature 1 .*ring"):
        import_streets(store, rings, actor="test")
    with pytest.raises(InputError, match=r"feature 22 .*东站.* not a known street"):
        import_streets(store, rings, actor="test", on_invalid="repair")
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).where(Street.geom.is_not(None))) == 0


def test_street_codes_file_names_all_21_streets(store: Store, real_data):
    report = import_streets(store, real_data / "tianhe_street_codes_440106.json", actor="test")
    assert report.created == 21
    with store.session() as session:
        streets = {s.code: s.short_name for s in session.scalars(sa.select(Street))}
    assert len(streets) == 21 and "440106005" not in streets
    assert streets["440106001"] == "五山" and {"前进", "龙洞", "凤凰", "新塘"} <= set(streets.values())


def _two_streets(store: Store, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["440106020", "440106016"], "name": ["前进街道", "龙洞街道"]},
        geometry=[box(113.38, 23.10, 113.40, 23.13), box(113.40, 23.10, 113.42, 23.13)], crs=4490,
    )
    frame.to_file(tmp_path / "streets.gpkg", driver="GPKG")
    import_streets(store, tmp_path / "streets.gpkg", actor="test")


def test_parcels_get_the_street_they_overlap_most(store: Store, tmp_path):
    _two_streets(store, tmp_path)
    geoms = [box(113.385, 23.11, 113.386, 23.111),   # inside 前进
             box(113.3995, 23.11, 113.4015, 23.111),  # mostly in 龙洞
             box(113.50, 23.11, 113.501, 23.111)]     # in none
    _import(store, _gpkg(tmp_path / "p.gpkg", geoms))
    with store.session() as session:
        streets = dict(session.execute(sa.select(Parcel.code, Parcel.street_code)).all())
    assert streets == {"P000": "440106020", "P001": "440106016", "P002": None}


def test_street_field_accepts_short_names_and_refuses_unknown_ones(store: Store, tmp_path):
    _two_streets(store, tmp_path)
    path = _gpkg(tmp_path / "p.gpkg", _squares(2), jd=["龙洞", "龙洞街道"])
    _import(store, path, fields=FieldOptions(street="jd"))
    with store.session() as session:
        assert set(session.scalars(sa.select(Parcel.street_code))) == {"440106016"}
    path = _gpkg(tmp_path / "q.gpkg", _squares(2), codes=["Q0", "Q1"], jd=["龙洞", "火星"])
    with pytest.raises(InputError, match=r"feature 2 \(code Q1\): street '火星' is not a known"):
        _import(store, path, fields=FieldOptions(street="jd"))


def test_gcj02_district_outline_lands_where_its_wgs84_conversion_says(store: Store, real_data):
    path = real_data / "vonng_tianhe_district_gcj02.geojson"
    _import(store, path, kind="forest_patch", read_options=ReadOptions(crs="gcj02"),
            fields=FieldOptions(code="adcode"))
    with store.session() as session:
        stored = parcels_frame(session).geometry.iloc[0]
        area = session.scalar(sa.select(Parcel.area_m2))
    source = shapely.geometry.shape(json.loads(path.read_text())["features"][0]["geometry"])
    expected = from_gcj02(np.array([source]))[0]
    a, b = shapely.get_coordinates(stored), shapely.get_coordinates(expected)
    _, _, metres = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    assert metres.max() < 0.05
    _, _, shift = GEOD.inv(a[:, 0], a[:, 1], *shapely.get_coordinates(source).T)
    assert 300 < shift.mean() < 800  # the GCJ-02 offset really was removed
    assert area / 1e6 == pytest.approx(137, rel=0.05)


def test_projected_source_is_reprojected(store: Store, tmp_path):
    squares = gpd.GeoSeries(_squares(2), crs=4490).to_crs(4547)
    _import(store, _gpkg(tmp_path / "p.gpkg", list(squares), crs=4547))
    with store.session() as session:
        stored = parcels_frame(session).geometry
    assert shapely.equals_exact(stored.iloc[1], MultiPolygon([_squares(2)[1]]), 1e-7)


CSV = ReadOptions(crs="EPSG:4490")  # CSV files carry no CRS


def _csv(path: Path, rows: list[str], header: str = "code,name,wkt") -> Path:
    path.write_text("".join(f"{line}\n" for line in [header, *rows]), encoding="utf-8")
    return path


def _wkt(index: int) -> str:
    return f'"{_squares(index + 1)[index].wkt}"'


def test_a_csv_with_a_header_only_is_refused_and_nothing_is_recorded(store: Store, tmp_path):
    from layers.models import ImportRun

    path = _csv(tmp_path / "empty.csv", [])
    with pytest.raises(InputError, match=r"^empty\.csv: no rows") as caught:
        _import(store, path, read_options=CSV)
    assert caught.value.code == "no_rows"
    assert _count(store, ImportRun) == 0 and _count(store) == 0


def test_codes_longer_than_the_store_holds_are_refused_naming_the_feature(store: Store, tmp_path):
    from layers.models import PARCEL_CODE_MAX_LENGTH

    longest, too_long = "C" * PARCEL_CODE_MAX_LENGTH, "C" * (PARCEL_CODE_MAX_LENGTH + 1)
    path = _csv(tmp_path / "long.csv", [f"A1,甲,{_wkt(0)}", f"{too_long},乙,{_wkt(1)}"])
    with pytest.raises(InputError, match=r"long\.csv: feature 2 .*code is 61 characters long, over 60"):
        _import(store, path, read_options=CSV)
    assert _count(store) == 0
    skipped = _import(store, path, read_options=CSV, on_invalid="skip")
    assert (skipped.created, [n.row for n in skipped.skipped]) == (1, [2])
    _import(store, _csv(tmp_path / "ok.csv", [f"{longest},丙,{_wkt(2)}"]), read_options=CSV)
    with store.session() as session:
        assert longest in set(session.scalars(sa.select(Parcel.code)))


@pytest.mark.parametrize("column, value", [
    ("code", "A\x002"), ("name", "珠村\x00一号"), ("village", "村\x1f"), ("note", "properties\x00"),
])
def test_control_characters_in_attributes_are_refused_naming_feature_and_field(
    store: Store, tmp_path, column, value,
):
    values = {"code": "A2", "name": "乙", "village": "珠村", "note": "ok"} | {column: value}
    rows = [f"A1,甲,珠村,ok,{_wkt(0)}", f"{','.join(values.values())},{_wkt(1)}"]
    path = _csv(tmp_path / "nul.csv", rows, header="code,name,village,note,wkt")
    with pytest.raises(InputError, match=f"nul.csv: feature 2.*field {column}: contains control character"):
        _import(store, path, read_options=CSV)
    assert _count(store) == 0
    assert _import(store, path, read_options=CSV, on_invalid="skip").created == 1


def test_a_field_name_with_a_control_character_is_refused(store: Store, tmp_path):
    path = _csv(tmp_path / "head.csv", [f"A1,甲,x,{_wkt(0)}"], header="code,name,bad\x07name,wkt")
    with pytest.raises(InputError, match=r"head\.csv: field name 'bad\\x07name' contains control character"):
        _import(store, path, read_options=CSV)
    assert _count(store) == 0


def test_the_cli_refuses_control_characters_in_a_parcel_file_with_exit_2(store: Store, tmp_path):
    from typer.testing import CliRunner

    from scripts.cli import app

    path = _csv(tmp_path / "control.csv", [f"A\x011,甲,{_wkt(0)}"])
    result = CliRunner().invoke(app, ["--db", store.url, "parcels", "import", str(path), "--kind",
                                      "basic_farmland", "--crs", "EPSG:4490"])
    assert result.exit_code == 2, result.output
    assert "contains control character U+0001" in result.output and _count(store) == 0
