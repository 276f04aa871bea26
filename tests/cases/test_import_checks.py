"""Batch imports get the checks single records get: conflicts and photo evidence (issue 15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cases.conflicts import list_conflicts
from cases.inspect_import import import_inspections
from cases.inspections import log_inspection
from cases.models import Inspection, PhotoFlag
from geo.errors import InputError
from scripts.cli import app
from tests.cases.test_photo_evidence import INSIDE, KM_EAST, jpeg

HEADER = "parcel_code,inspected_at,inspector,sheds_count,client_id,photos\n"


def write(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def later_record(store, code: str = "QJ-002", sheds: int = 3) -> int:
    """Another inspector's record, stored before the file comes in, of a later visit."""
    with store.session() as session:
        return log_inspection(session, parcel_code=code, inspected_at="2022-10-12T10:00", inspector="赵",
                              findings={"sheds_count": sheds}).id


def test_imported_records_get_conflicts_and_photo_flags(store, sites, tmp_path):
    jpeg(tmp_path / "far.jpg", taken="2022:10:10 10:10:00", at=KM_EAST)
    jpeg(tmp_path / "late.jpg", taken="2022:10:10 15:00:00", at=INSIDE, size=(81, 40))
    jpeg(tmp_path / "ok.jpg", taken="2022:10:10 10:20:00", at=INSIDE, size=(82, 40))
    other = later_record(store)
    path = write(tmp_path / "field.csv", [
        "QJ-001,2022-10-10T10:00,李,1,c-1,far.jpg;ok.jpg",
        "QJ-001,2022-10-10T10:30,李,1,c-2,late.jpg",
        "QJ-001,2022-10-10T11:00,王,1,c-3,ok.jpg",  # one photo, two records: checked for each
        "QJ-002,2022-10-10T10:00,李,1,c-4,",  # 赵 later found 3 sheds: a conflict
        "QJ-002,2022-10-11T10:00,钱,2,c-5,",  # a file's rows do not conflict with each other
        "QJ-003,2022-10-10T10:00,李,0,c-6,",
    ])
    with store.session() as session:
        result = import_inspections(session, path, media=store.media())
    assert (result.written, result.conflicted, result.flagged) == (6, 2, 2)
    assert result.as_dict()["conflicted"] == 2 and result.as_dict()["flagged"] == 2
    with store.session() as session:
        ids = dict(session.execute(sa.select(Inspection.client_id, Inspection.id)).all())
        flags = session.execute(sa.select(PhotoFlag.inspection_id, PhotoFlag.reason, PhotoFlag.distance_m,
                                          PhotoFlag.minutes_off).order_by(PhotoFlag.inspection_id)).all()
        conflicts = list_conflicts(session)
    assert [(i, r) for i, r, _, _ in flags] == [(ids["c-1"], "far"), (ids["c-2"], "time")]
    assert flags[0][2] == pytest.approx(972.6, rel=0.005) and flags[1][3] == 270.0
    assert sorted((c["inspection_id"], c["reason"], c["other_inspection_id"], c["detail"].get("fields"))
                  for c in conflicts) == [(ids["c-4"], "other_record", other, ["sheds_count"]),
                                          (ids["c-5"], "other_record", other, ["sheds_count"])]


def test_a_refused_file_stores_no_conflict_nor_flag(store, sites, tmp_path):
    jpeg(tmp_path / "far.jpg", taken="2022:10:10 10:10:00", at=KM_EAST)
    later_record(store)
    path = write(tmp_path / "field.csv", ["QJ-002,2022-10-10T10:00,李,1,c-1,far.jpg",
                                          "QJ-404,2022-10-10T10:00,李,1,c-2,"])
    with pytest.raises(InputError, match="QJ-404"), store.session() as session:
        import_inspections(session, path, media=store.media())
    with store.session() as session:
        assert list_conflicts(session) == [] and session.scalar(sa.select(sa.func.count(PhotoFlag.id))) == 0


def test_cli_import_reports_conflicts_and_flags(store, sites, tmp_path):
    jpeg(tmp_path / "far.jpg", taken="2022:10:10 10:10:00", at=KM_EAST)
    later_record(store)
    path = write(tmp_path / "field.csv", ["QJ-002,2022-10-10T10:00,李,1,c-1,",
                                          "QJ-001,2022-10-10T10:00,李,1,c-2,far.jpg"])
    reply = CliRunner().invoke(app, ["--db", store.url, "inspect", "import", str(path), "--format", "json"])
    assert reply.exit_code == 0, reply.output
    report = json.loads(reply.output)
    assert (report["conflicted"], report["flagged"]) == (1, 1)
    listed = CliRunner().invoke(app, ["--db", store.url, "inspect", "conflicts", "--format", "json"])
    assert listed.exit_code == 0 and len(json.loads(listed.output)) == 1
