"""Bulk loads on every backend: indexes built once at the end must leave the store exactly as row-by-row
inserts would (every row in the spatial index, the schema unchanged, nothing left after a failure)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import psycopg
import pytest
import shapely
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, box

from geo.errors import ConflictError, StoreError
from geo.measure import areas_m2
from geo.store import Store
from layers.import_report import ImportReport
from layers.parcels_import import INSERT_COLUMNS, import_parcels


def _square(i: int) -> object:
    """The i-th of a row of small squares, 0.0005 degrees apart."""
    return box(113.38 + i * 0.0005, 23.12, 113.3804 + i * 0.0005, 23.1204)


def _gpkg(path: Path, first: int, count: int) -> Path:
    numbers = range(first, first + count)
    frame = gpd.GeoDataFrame({"code": [f"P{i:03d}" for i in numbers]},
                             geometry=[_square(i) for i in numbers], crs=4490)
    frame.to_file(path, layer="parcels", driver="GPKG")
    return path


def _schema(store: Store) -> list[tuple[str, str]]:
    """The parcels table's indexes and triggers (PostGIS: indexes and constraints), as the database
    defines them."""
    with store.engine.connect() as conn:
        if store.is_spatialite:
            sql = ("SELECT name, sql FROM sqlite_master "
                   "WHERE tbl_name = 'parcels' AND type IN ('index', 'trigger')")
        else:
            sql = ("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'parcels' UNION ALL "
                   "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = CAST('parcels' AS regclass)")
        return sorted((name, definition or "") for name, definition in conn.exec_driver_sql(sql))


def _in_box(store: Store, minx: float, maxx: float) -> list[str]:
    """Codes of the parcels meeting a box, found through the spatial index as the app finds them."""
    condition = store.backend.intersects_bbox("parcels", "geom", "id")
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT code FROM parcels WHERE {condition} ORDER BY code"),
                            {"minx": minx, "miny": 23.11, "maxx": maxx, "maxy": 23.13})
        return [code for (code,) in rows]


def _index_entries(store: Store) -> int | None:
    """Rows in SpatiaLite's R*Tree of parcels (PostGIS keeps none of its own)."""
    if not store.is_spatialite:
        return None
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM idx_parcels_geom").scalar()


def test_loads_into_an_empty_and_a_filled_table_are_all_in_the_spatial_index(store: Store, tmp_path: Path):
    before = _schema(store)
    import_parcels(store, _gpkg(tmp_path / "a.gpkg", 0, 30), kind="basic_farmland", actor="test")
    assert _schema(store) == before
    import_parcels(store, _gpkg(tmp_path / "b.gpkg", 30, 20), kind="basic_farmland", actor="test")
    assert _schema(store) == before
    assert _in_box(store, 113.3801, 113.3849) == [f"P{i:03d}" for i in range(10)]
    assert _in_box(store, 113.3951, 113.3999) == [f"P{i:03d}" for i in range(30, 40)]
    assert _index_entries(store) in (None, 50)
    with store.engine.begin() as conn:  # the per-row triggers are back: a plain insert is indexed
        conn.execute(sa.text("UPDATE parcels SET geom = (SELECT geom FROM parcels WHERE code = 'P049') "
                             "WHERE code = 'P000'"))
    assert "P000" in _in_box(store, 113.4041, 113.4046)


def _load(store: Store, batches: object, street: str | None = None) -> None:
    stamp = store.backend.timestamp(datetime.now(UTC))
    with store.engine.begin() as conn:
        store.backend.bulk_load(conn, "parcels", INSERT_COLUMNS, "geom", 4490, (
            ([(f"Q{start + i}", "basic_farmland", None, street, None, 1.0, "{}", None, stamp, stamp)
              for i in range(len(geoms))], geoms) for start, geoms in batches  # type: ignore[attr-defined]
        ))


def _squares(count: int, multi: bool = True) -> np.ndarray:
    return np.array([MultiPolygon([_square(i)]) if multi else _square(i) for i in range(count)], dtype=object)


def test_a_load_that_fails_midway_leaves_no_rows_and_the_schema_as_it_was(store: Store):
    before = _schema(store)

    def batches():
        yield 0, _squares(5)
        raise RuntimeError("the source failed")

    with pytest.raises(RuntimeError, match="the source failed"):
        _load(store, batches())
    assert _schema(store) == before
    assert _in_box(store, 113.37, 113.39) == []
    assert _index_entries(store) in (None, 0)


def test_a_load_of_the_wrong_geometry_type_is_refused_whole(store: Store):
    before = _schema(store)
    with pytest.raises((StoreError, sa.exc.DBAPIError, psycopg.Error)) as caught:
        _load(store, [(0, _squares(3)), (3, _squares(2, multi=False))])
    assert "Geometry" in str(caught.value) or "geometry" in str(caught.value)
    assert _schema(store) == before
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM parcels").scalar() == 0


def test_a_first_load_breaking_a_foreign_key_is_refused_whole(store: Store):
    """PostGIS checks a first load's foreign keys once at the end: the load still fails, naming the key."""
    if store.is_spatialite:
        pytest.skip("SpatiaLite stores do not enforce foreign keys")
    before = _schema(store)
    assert any("FOREIGN KEY (street_code)" in definition for _name, definition in before)
    with pytest.raises(ConflictError, match=r"street_code\)=\(999999999\)"):
        _load(store, [(0, _squares(3))], street="999999999")
    assert _schema(store) == before
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM parcels").scalar() == 0
    _load(store, [(0, _squares(2))])  # the keys are still there, and checked row by row into a filled table
    with pytest.raises(ConflictError, match="street_code"):
        _load(store, [(5, _squares(1))], street="999999999")


def test_rows_checked_in_chunks_keep_their_feature_numbers(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("geo.checks.SCREEN_CHUNK", 3)
    monkeypatch.setattr("layers.prepare.SCREEN_CHUNK", 3)
    squares = [_square(i) for i in range(10)]
    squares[4] = box(2.0, 48.0, 2.001, 48.001)  # outside China
    squares[8] = None
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"code": [f"P{i:03d}" for i in range(10)]}, geometry=squares, crs=4490).to_file(
        path, layer="parcels", driver="GPKG")
    report: ImportReport = import_parcels(store, path, kind="basic_farmland", actor="test", on_invalid="skip")
    assert [(note.row, note.code) for note in report.skipped] == [(5, "P004"), (9, "P008")]
    assert report.created == 8
    with store.engine.connect() as conn:
        areas = dict(conn.exec_driver_sql("SELECT code, area_m2 FROM parcels").all())
    kept = [i for i in range(10) if i not in (4, 8)]
    expected = areas_m2(np.array([MultiPolygon([squares[i]]) for i in kept], dtype=object))
    assert [areas[f"P{i:03d}"] for i in kept] == pytest.approx(expected.tolist(), rel=1e-9)


def test_spatialite_inserts_many_rows_a_statement_each_row_whole(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    """Rows go in statements of ROWS_PER_STATEMENT (a writer stepping one row at a time loses the GIL to
    the preparing thread), and the rows past the last whole statement one at a time; each row keeps its
    own values and geometry."""
    if not store.is_spatialite:
        pytest.skip("PostGIS loads with one COPY")
    monkeypatch.setattr("geo.dialects.spatialite.ROWS_PER_STATEMENT", 7)
    inserts: list[tuple[int, int]] = []

    def capture(_conn, _cursor, statement, parameters, _context, executemany):
        if statement.startswith('INSERT INTO "parcels"'):
            inserts.append((statement.count("(?"), len(parameters) if executemany else 1))

    sa.event.listen(store.engine, "before_cursor_execute", capture)
    _load(store, [(0, _squares(18)), (18, _squares(12)[::-1])])
    assert inserts == [(7, 2), (1, 4), (7, 1), (1, 5)]  # 18 = 2×7 + 4, then 12 = 7 + 5
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT code, AsBinary(geom) FROM parcels ORDER BY id").all()
    expected = [*_squares(18), *_squares(12)[::-1]]
    assert [code for code, _ in stored] == [f"Q{i}" for i in range(18)] + [f"Q{18 + i}" for i in range(12)]
    assert [shapely.from_wkb(wkb) for _, wkb in stored] == list(expected)
    assert _index_entries(store) == 30
