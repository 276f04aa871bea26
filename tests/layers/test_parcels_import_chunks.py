"""An import reads, checks and stores a file a chunk at a time: rows keep their file numbers, a defect
in a later chunk leaves nothing stored, and the load ends with what the planner and the keys need."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from shapely.geometry import MultiPolygon, box
from typer.testing import CliRunner

from geo.errors import ConflictError, InputError
from geo.measure import areas_m2
from geo.store import Store
from layers import parcels_import
from layers.parcels_import import FieldOptions, ReadOptions, import_parcels
from layers.readers import read_layer
from layers.streets_import import import_streets


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parcels_import, "CHUNK", 3)


def _square(i: int) -> box:
    return box(113.38 + i * 0.0005, 23.12, 113.3804 + i * 0.0005, 23.1204)


def _gpkg(path: Path, count: int, *, codes: list[str] | None = None, geoms: list | None = None,
          **columns: list) -> Path:
    frame = gpd.GeoDataFrame({"code": codes or [f"P{i:03d}" for i in range(count)], **columns},
                             geometry=geoms or [_square(i) for i in range(count)], crs=4490)
    frame.to_file(path, layer="parcels", driver="GPKG")
    return path


def _stored(store: Store) -> dict[str, float]:
    with store.engine.connect() as conn:
        return dict(conn.exec_driver_sql("SELECT code, area_m2 FROM parcels").all())


def test_every_chunk_is_stored_with_its_areas(store: Store, tmp_path: Path) -> None:
    report = import_parcels(store, _gpkg(tmp_path / "p.gpkg", 10), kind="basic_farmland", actor="test")
    assert (report.read, report.created) == (10, 10)
    areas = _stored(store)
    expected = areas_m2(np.array([MultiPolygon([_square(i)]) for i in range(10)], dtype=object))
    assert [areas[f"P{i:03d}"] for i in range(10)] == pytest.approx(expected.tolist(), rel=1e-9)


def test_a_code_repeated_in_a_later_chunk_names_both_features(store: Store, tmp_path: Path) -> None:
    codes = [f"P{i:03d}" for i in range(10)]
    codes[7] = "P001"
    with pytest.raises(InputError, match=r"feature 8 \(code P001\): code 'P001' already used by feature 2"):
        import_parcels(store, _gpkg(tmp_path / "d.gpkg", 10, codes=codes), kind="basic_farmland",
                       actor="test")
    assert _stored(store) == {}


def test_a_bad_geometry_in_the_last_chunk_leaves_nothing_stored(store: Store, tmp_path: Path) -> None:
    geoms = [_square(i) for i in range(10)]
    geoms[9] = box(2.0, 48.0, 2.001, 48.001)  # outside China
    with pytest.raises(InputError, match=r"p.gpkg: feature 10 \(code P009\): every coordinate lies outside"):
        import_parcels(store, _gpkg(tmp_path / "p.gpkg", 10, geoms=geoms), kind="basic_farmland",
                       actor="test")
    assert _stored(store) == {}
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM import_runs").scalar() == 0


def test_skipped_rows_keep_their_file_numbers_in_every_chunk(store: Store, tmp_path: Path) -> None:
    geoms = [_square(i) for i in range(10)]
    geoms[1] = None
    geoms[7] = box(2.0, 48.0, 2.001, 48.001)
    report = import_parcels(store, _gpkg(tmp_path / "p.gpkg", 10, geoms=geoms), kind="basic_farmland",
                            actor="test", on_invalid="skip")
    assert [(note.row, note.code) for note in report.skipped] == [(2, "P001"), (8, "P007")]
    assert (report.read, report.created) == (10, 8)
    assert sorted(_stored(store)) == [f"P{i:03d}" for i in range(10) if i not in (1, 7)]


def test_a_bad_encoding_in_a_later_chunk_fails_as_a_whole_read_does(store: Store, tmp_path: Path) -> None:
    names = ["ascii"] * 10
    names[8] = "地块"
    frame = gpd.GeoDataFrame({"code": [f"P{i:03d}" for i in range(10)], "name": names},
                             geometry=[_square(i) for i in range(10)], crs=4490)
    path = tmp_path / "gbk.shp"
    pyogrio.write_dataframe(frame, path, encoding="gbk")
    path.with_suffix(".cpg").unlink()
    with pytest.raises(InputError) as whole:
        read_layer(path, encoding="utf-8")
    with pytest.raises(InputError) as chunked:
        import_parcels(store, path, kind="basic_farmland", actor="test",
                       read_options=ReadOptions(encoding="utf-8"))
    assert str(chunked.value) == str(whole.value)
    assert "attribute text is not utf-8" in str(chunked.value) and "\n" not in str(chunked.value)
    assert _stored(store) == {}


def test_spatialite_knows_the_loaded_rows_at_once(store: Store, tmp_path: Path) -> None:
    if not store.is_spatialite:
        pytest.skip("sqlite_stat1 is SQLite's")
    import_parcels(store, _gpkg(tmp_path / "p.gpkg", 10), kind="basic_farmland", actor="test")
    with store.engine.connect() as conn:
        stats = dict(conn.exec_driver_sql("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'parcels'").all())
    assert stats and all(stat.split()[0] == "10" for stat in stats.values())
    import_parcels(store, _gpkg(tmp_path / "q.gpkg", 5, codes=[f"Q{i}" for i in range(5)]),
                   kind="basic_farmland", actor="test")
    with store.engine.connect() as conn:
        stat = conn.exec_driver_sql(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'parcels' AND idx = 'ix_parcels_kind'").scalar()
    assert stat.split()[0] == "15"


def test_a_street_deleted_during_the_load_is_a_conflict_naming_it(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if store.is_spatialite:
        pytest.skip("SQLite has one writer: nobody deletes a street while an import writes")
    streets = gpd.GeoDataFrame({"code": ["440106020"], "name": ["前进街道"]},
                               geometry=[box(113.37, 23.10, 113.40, 23.13)], crs=4490)
    streets.to_file(tmp_path / "streets.gpkg", driver="GPKG")
    import_streets(store, tmp_path / "streets.gpkg", actor="test")
    load = parcels_import._Streets.load

    def load_then_delete(session: object) -> object:
        found = load(session)  # type: ignore[arg-type]
        with store.engine.begin() as other:  # another user removes the street meanwhile
            other.exec_driver_sql("DELETE FROM streets WHERE code = '440106020'")
        return found

    monkeypatch.setattr(parcels_import._Streets, "load", staticmethod(load_then_delete))
    path = _gpkg(tmp_path / "p.gpkg", 4, jd=["前进"] * 4)
    with pytest.raises(ConflictError, match=r"parcels: Key \(street_code\)=\(440106020\) is not present"):
        import_parcels(store, path, kind="basic_farmland", actor="test", fields=FieldOptions(street="jd"))
    assert _stored(store) == {}
    from scripts.cli import app

    monkeypatch.setattr(parcels_import._Streets, "load", staticmethod(load))
    import_streets(store, tmp_path / "streets.gpkg", actor="test")
    monkeypatch.setattr(parcels_import._Streets, "load", staticmethod(load_then_delete))
    result = CliRunner().invoke(app, ["--db", store.url, "parcels", "import", str(path), "--kind",
                                      "basic_farmland", "--street-field", "jd"])
    assert result.exit_code == 4, result.output
    assert "440106020" in result.output and "Traceback" not in result.output
    assert _stored(store) == {}
