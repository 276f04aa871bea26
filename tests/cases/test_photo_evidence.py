"""Photo evidence from real JPEGs written here with EXIF time, GPS and orientation tags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image

from cases.inspections import correct_inspection, inspection_history, log_inspection
from cases.models import Photo, PhotoExif, PhotoFlag
from cases.photo_evidence import read_exif, thumbnail, thumbnail_key
from cases.photos import photo_key

INSIDE = (113.4005, 23.1305)  # the middle of QJ-001 (tests/cases/conftest.py)
KM_EAST = (113.4105, 23.1305)  # about 1 km east of it


def dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return degrees, minutes, round(((value - degrees) * 60 - minutes) * 60, 4)


def jpeg(path: Path, *, taken: str | None = None, offset: str | None = None,
         at: tuple[float, float] | None = None, orientation: int | None = None,
         size: tuple[int, int] = (80, 40)) -> Path:
    """A real JPEG with the EXIF tags asked for (time as a camera writes it: local, no zone)."""
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if taken:
        exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: taken,
                                   **({ExifTags.Base.OffsetTimeOriginal: offset} if offset else {})}
    if at:
        lon, lat = at
        exif[ExifTags.IFD.GPSInfo] = {1: "N" if lat >= 0 else "S", 2: dms(abs(lat)),
                                      3: "E" if lon >= 0 else "W", 4: dms(abs(lon))}
    Image.new("RGB", size, "green").save(path, "JPEG", exif=exif)
    return path


def log(session, media, photos, day="2022-10-10T10:00", **findings):
    return log_inspection(session, parcel_code="QJ-001", inspected_at=day, inspector="李",
                          findings=findings, photos=photos, media=media)


def flags(session, inspection) -> list[tuple[str, float | None, float | None]]:
    rows = session.scalars(sa.select(PhotoFlag).where(PhotoFlag.inspection_id == inspection.id)
                           .order_by(PhotoFlag.reason))
    return [(f.reason, f.distance_m, f.minutes_off) for f in rows]


def test_a_photo_on_site_and_on_time_is_not_flagged_and_its_thumbnail_is_upright(store, sites, tmp_path):
    photo = jpeg(tmp_path / "ok.jpg", taken="2022:10:10 10:40:00", at=INSIDE, orientation=6)
    media = store.media_dir()
    with store.session() as session:
        record = log(session, store.media(), [photo])
        assert flags(session, record) == []
        exif = session.get(PhotoExif, record.photos[0].id)
        assert exif.taken_at == datetime(2022, 10, 10, 2, 40, tzinfo=UTC) and exif.orientation == 6
        assert (exif.lon, exif.lat) == pytest.approx(INSIDE, abs=1e-6)
        sha = record.photos[0].sha256
    original, small = media / photo_key(sha, "jpg"), media / thumbnail_key(sha)
    assert not small.exists()  # made when first asked for, not on the write
    with store.session() as session:
        assert thumbnail(session, store.media(), session.scalar(sa.select(Photo).where(Photo.sha256 == sha)))
    with Image.open(small) as thumb:
        assert thumb.size == (40, 80)  # turned upright: orientation 6 is a quarter turn
    with Image.open(original) as kept:
        assert kept.size == (80, 40)  # the original stays as it came


def test_far_and_late_photos_flag_the_record_without_refusing_it(store, sites, tmp_path):
    far = jpeg(tmp_path / "far.jpg", taken="2022:10:10 10:10:00", at=KM_EAST)
    early = jpeg(tmp_path / "early.jpg", taken="2022:10:10 04:00:00",
                 offset="+08:00", at=INSIDE, size=(81, 40))
    with store.session() as session:
        record = log(session, store.media(), [far, early], sheds_count=1)
        got = flags(session, record)
        assert [r for r, _, _ in got] == ["far", "time"]
        # to the east edge: 0.0095° of longitude at 23.13° N, 0.0095 × 111,320 m × cos 23.13° ≈ 972.6 m
        assert got[0][1] == pytest.approx(972.6, rel=0.005)
        assert got[1][2] == -360.0
        history = inspection_history(session, "QJ-001")
    assert "照片拍摄位置距地块超过200米 (973 m)" in history[0]["photo_flags"]
    assert "-360 min" in history[0]["photo_flags"]


def test_a_correction_keeps_its_photos_checks(store, sites, tmp_path):
    far = jpeg(tmp_path / "far.jpg", taken="2022:10:10 10:10:00", at=KM_EAST)
    with store.session() as session:
        record = log(session, store.media(), [far], sheds_count=1)
        fixed = correct_inspection(session, record.id, changes={"inspected_at": "2022-10-10T10:05"},
                                   media=store.media())
        assert [r for r, _, _ in flags(session, fixed)] == ["far"]


def test_photos_without_exif_are_kept_unflagged(store, sites, tmp_path):
    plain = tmp_path / "plain.png"
    Image.new("RGB", (10, 10)).save(plain, "PNG")
    with store.session() as session:
        record = log(session, store.media(), [plain])
        assert flags(session, record) == []
        assert session.get(PhotoExif, record.photos[0].id).taken_at is None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lon=st.floats(-179.9, 179.9), lat=st.floats(-89.9, 89.9),
       moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_exif_position_and_time_read_back_as_written(tmp_path, lon, lat, moment):
    moment = moment.replace(microsecond=0)
    path = jpeg(tmp_path / "p.jpg", taken=moment.strftime("%Y:%m:%d %H:%M:%S"), offset="+08:00",
                at=(lon, lat))
    exif = read_exif(path)
    assert exif.lon == pytest.approx(lon, abs=1e-6) and exif.lat == pytest.approx(lat, abs=1e-6)
    assert exif.taken_at == moment.replace(tzinfo=timezone(timedelta(hours=8))).astimezone(UTC)
