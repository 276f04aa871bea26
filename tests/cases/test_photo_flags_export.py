"""The status export carries each parcel's latest record's photo flags (issue 15, item 5)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pyogrio

from cases.inspections import log_inspection
from cases.status.export_rows import StatusQuery, export_status
from layers.export_spec import ExportOptions
from layers.fields import derived_columns
from tests.cases.test_photo_evidence import KM_EAST, jpeg, log

INSIDE_QJ_002 = (113.4035, 23.1305)  # tests/cases/conftest.py: the second square


def _flagged_store(store, tmp_path: Path) -> None:
    """QJ-001's latest record has a far photo; QJ-002's flagged record was followed by a clean one."""
    far = jpeg(tmp_path / "far.jpg", taken="2022:10:10 10:10:00", at=KM_EAST)
    near = jpeg(tmp_path / "near.jpg", taken="2022:10:11 10:10:00", at=INSIDE_QJ_002, size=(81, 40))
    with store.session() as session:
        log(session, store.media(), [far], sheds_count=1)
        for day, photo in (("2022-10-10T10:00", far), ("2022-10-11T10:00", near)):
            log_inspection(session, parcel_code="QJ-002", inspected_at=day, inspector="王",
                           findings={}, photos=[photo], media=store.media())


def test_csv_export_has_photo_flags_of_the_latest_record(store, sites, tmp_path):
    _flagged_store(store, tmp_path)
    out = tmp_path / "status.csv"
    export_status(store, out, StatusQuery(), ExportOptions(), lang="zh")
    rows = {r["code"]: r for r in csv.DictReader(out.read_text("utf-8-sig").splitlines())}
    assert rows["QJ-001"]["photo_flags"] == "照片拍摄位置距地块超过200米 (973 m)"
    assert rows["QJ-002"]["photo_flags"] == ""  # its flagged record is not the latest
    assert rows["QJ-003"]["photo_flags"] == ""  # never inspected


def test_past_shapefile_export_has_photo_flags_under_a_short_name(store, sites, tmp_path):
    _flagged_store(store, tmp_path)
    out = tmp_path / "status.zip"
    export_status(store, out, StatusQuery(as_of="2022-10-10"), ExportOptions(), lang="en")
    with zipfile.ZipFile(out) as archive:
        assert "photo_flag,photo_flags" in archive.read("status.fields.csv").decode("utf-8-sig")
    frame = pyogrio.read_dataframe(f"/vsizip/{out}/status.shp").set_index("code")
    assert frame.loc["QJ-001", "photo_flag"] == "Photo taken over 200 m from the parcel (973 m)"
    # as of that day its flagged record was the latest
    assert frame.loc["QJ-002", "photo_flag"] == "Photo taken over 200 m from the parcel (666 m)"


def test_reimporting_an_export_skips_the_photo_flags_column():
    assert {"photo_flags", "photo_flag", "最近巡查照片疑点", "Last record's photo flags"} <= derived_columns()
