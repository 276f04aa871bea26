"""Logging, correcting and importing inspections: real writes, bad input refused whole."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa

from cases.inspect_import import import_inspections
from cases.inspections import correct_inspection, inspection_history, log_inspection
from cases.models import Inspection, Photo
from geo.audit import AuditEvent
from geo.errors import ConflictError, InputError, LandpatrolError, NotFoundError
from tests.cases.images import jpeg_bytes

JPEG = jpeg_bytes()
CSV_HEADER = "parcel_code,inspected_at,inspector,sheds_count,hardened_m2,debris,lon,lat,client_id\n"


def count(store, model=Inspection) -> int:
    with store.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_log_stores_findings_gps_photo_and_audit(store, sites, tmp_path):
    photo = tmp_path / "shed.png.txt"  # the extension lies; the bytes are a JPEG
    photo.write_bytes(JPEG)
    with store.session() as session:
        first = log_inspection(
            session,
            parcel_code="QJ-001",
            inspected_at="2022-05-01T09:30",
            inspector="李",
            findings={"sheds_count": 3, "clothes_drying": True},
            lon=113.4005,
            lat=23.1305,
            photos=[photo],
            media=store.media(),
        )
        far = log_inspection(
            session,
            parcel_code="QJ-001",
            inspected_at="2022-05-02",
            inspector="李",
            lon=113.45,
            lat=23.13,
            photos=[photo],
            media=store.media(),
        )
    assert first.inspected_at == datetime(2022, 5, 1, 1, 30, tzinfo=UTC)  # Beijing time
    assert not first.off_site and far.off_site
    assert count(store, Photo) == 1  # stored once by hash
    assert len(list(store.media_dir().glob("*/*.jpg"))) == 1
    with store.session() as session:
        actions = session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("inspection.log") == 2


def test_bad_fields_are_refused_naming_the_field(store, sites, tmp_path):
    text = tmp_path / "note.jpg"
    text.write_text("not an image")
    big = tmp_path / "big.jpg"
    with big.open("wb") as handle:
        handle.write(JPEG)
        handle.truncate(21 * 1024 * 1024)
    cases = [
        ({"findings": {"sheds_count": -1}}, InputError, "sheds_count: -1 is negative"),
        ({"findings": {"sheds_count": 1.5}}, InputError, "sheds_count: 1.5 is not a whole number"),
        ({"findings": {"hardened_m2": 50000}}, InputError, "hardened_m2: .* larger than the parcel"),
        ({"findings": {"demolished_count": 2}}, InputError, "demolished_count: 2 demolished but only 0"),
        ({"findings": {"debris": "maybe"}}, InputError, "debris: 'maybe' is not yes/no"),
        ({"findings": {"roof": 1}}, InputError, "roof: not a finding"),
        ({"inspected_at": "2999-01-01"}, InputError, "inspected_at: .* in the future"),
        ({"inspected_at": "1999-12-31"}, InputError, "inspected_at: .* before 2000"),
        ({"inspected_at": "25/10/2022"}, InputError, "inspected_at: '25/10/2022' is not a date"),
        ({"parcel_code": "QJ-01"}, InputError, "parcel_code: no parcel 'QJ-01'; did you mean QJ-001"),
        ({"inspector": " "}, InputError, "inspector: empty"),
        ({"lon": 113.4}, InputError, "lon/lat: give both"),
        ({"lon": 23.13, "lat": 113.4}, InputError, "lon: not a longitude"),
        ({"photos": [text]}, InputError, "photos: photo 1, note.jpg is not an image"),
        ({"photos": [big]}, InputError, "photos: photo 1, big.jpg is 21.0 MB, over the 20 MB limit"),
        ({"photos": [tmp_path / "none.jpg"]}, NotFoundError, "photos: photo 1, no file"),
    ]
    for change, error, message in cases:
        values = {"parcel_code": "QJ-001", "inspected_at": "2022-05-01", "inspector": "李", **change}
        with pytest.raises(error, match=message), store.session() as session:
            log_inspection(session, media=store.media(), **values)
    assert count(store) == 0 and count(store, Photo) == 0


def test_correction_supersedes_and_keeps_the_original(store, sites):
    with store.session() as session:
        original = log_inspection(
            session,
            parcel_code="QJ-001",
            inspected_at="2022-05-01",
            inspector="李",
            findings={"sheds_count": 4},
        )
        fixed = correct_inspection(session, original.id, changes={"sheds_count": 3, "note": "recount"})
    with store.session() as session:
        history = inspection_history(session, "QJ-001")
        assert [(h["id"], h["superseded_by"], h["sheds_count"]) for h in history] == [
            (fixed.id, None, 3),
            (original.id, fixed.id, 4),
        ] or history[0]["id"] == original.id
        assert session.get(Inspection, original.id).sheds_count == 4
    with pytest.raises(ConflictError, match=f"already corrected by {fixed.id}"), store.session() as session:
        correct_inspection(session, original.id, changes={"sheds_count": 1})
    with pytest.raises(NotFoundError, match="no inspection 999"), store.session() as session:
        correct_inspection(session, 999, changes={})
    with pytest.raises(InputError, match="sheds_count: -2 is negative"), store.session() as session:
        correct_inspection(session, fixed.id, changes={"sheds_count": -2})
    assert count(store) == 2


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(CSV_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_import_is_all_or_nothing_and_partial_keeps_good_rows(store, sites, tmp_path):
    good = "QJ-001,2022-05-01T10:00+08:00,王,2,10,yes,113.4005,23.1305,a1"
    rows = [
        good,
        "QJ-002,2022-05-01,王,-3,0,no,,,a2",
        "QJ-003,2022-05-01,王,0,0,no,,,a3",
        "QJ-404,2022-05-01,王,0,0,no,,,a4",
    ]
    path = write_csv(tmp_path / "field.csv", rows)
    with pytest.raises(InputError) as caught, store.session() as session:
        import_inspections(session, path)
    message = str(caught.value)
    assert (
        "row 3, sheds_count: -3 is negative" in message
        and "row 5, parcel_code: no parcel 'QJ-404'" in message
    )
    assert "\n" not in message and count(store) == 0
    with store.session() as session:
        result = import_inspections(session, path, partial=True)
    assert (result.read, result.written, len(result.errors)) == (4, 2, 2)
    rejected = result.rejected_file.read_text(encoding="utf-8-sig")
    assert "row 3" in rejected and "sheds_count: -3 is negative" in rejected and "QJ-003,2022" not in rejected
    with store.session() as session:  # re-running skips the rows already imported (client_id)
        again = import_inspections(session, path, partial=True)
    assert (again.written, again.skipped, count(store)) == (0, 2, 2)


@pytest.mark.parametrize(
    "content, message",
    [
        ("parcel_code,inspector\nQJ-001,王\n", "missing column inspected_at"),
        (
            CSV_HEADER + "QJ-001,2022-05-01,王,1,,,,,x\nQJ-001,2022-05-02,王,1,,,,,x\n",
            "row 3, client_id: 'x' appears twice",
        ),
    ],
)
def test_import_file_errors_name_the_column_or_row(store, sites, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LandpatrolError, match=message), store.session() as session:
        import_inspections(session, path)
    assert count(store) == 0


def test_import_geopackage_points_like_qfield(store, sites, tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "parcel_code": ["QJ-001", "QJ-003"],
            "inspected_at": ["2022-05-01T09:00", "2022-05-02T09:00"],
            "inspector": ["王", "王"],
            "sheds_count": [1, 0],
            "debris": [0, 1],
        },
        geometry=[shapely.Point(113.4005, 23.1305), shapely.Point(113.50, 23.2)],
        crs="EPSG:4490",
    )
    path = tmp_path / "qfield.gpkg"
    frame.to_file(path, layer="inspections", driver="GPKG")
    with store.session() as session:
        result = import_inspections(session, path, layer="inspections")
        off = dict(session.execute(sa.select(Inspection.parcel_id, Inspection.off_site)).all())
    assert result.written == 2
    assert off == {sites["QJ-001"].id: False, sites["QJ-003"].id: True}
