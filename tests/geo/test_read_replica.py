"""`--db-read`: exports and reports read the replica, read-only; writes and the audit stay on the primary."""

from __future__ import annotations

import csv

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cases.inspections import log_inspection
from geo.store import open_store
from scripts.cli import app
from scripts.migrate import upgrade
from tests.maps.conftest import add_sample

PAIRS = [pytest.param(b, b, id=b) for b in ("spatialite", "postgis")]


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _statuses(path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    code, status = next(iter(rows[0])), next(k for k in rows[0] if "status" in k or "状态" in k)
    return {row[code]: row[status] for row in rows}


def _exports(store) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(sa.text("SELECT COUNT(*) FROM audit_events WHERE action = 'export'"))


@pytest.mark.parametrize(("store_url", "empty_store_url"), PAIRS, indirect=True)
def test_exports_and_reports_read_the_replica_and_audit_on_the_primary(
        store, store_url, empty_store_url, tmp_path, monkeypatch):
    monkeypatch.delenv("LANDPATROL_DB_READ", raising=False)
    replica = open_store(empty_store_url)
    upgrade(replica)
    for each in (store, replica):
        with each.session() as session:
            add_sample(session)
    with replica.session() as session:  # the replica differs: one more record
        log_inspection(session, parcel_code="QJ-BF-003", inspected_at="2022-10-20", inspector="王",
                       findings={"sheds_count": 3})
    primary_report = _run("--db", store_url, "report", "--format", "json", "--as-of", "2022-10-25")
    replica_report = _run("--db", empty_store_url, "report", "--format", "json", "--as-of", "2022-10-25")
    read_report = _run("--db", store_url, "--db-read", empty_store_url, "report", "--format", "json",
                       "--as-of", "2022-10-25")
    assert read_report == replica_report != primary_report

    _run("--db", store_url, "--db-read", empty_store_url, "export", str(tmp_path / "read.csv"))
    _run("--db", empty_store_url, "export", str(tmp_path / "replica.csv"))
    _run("--db", store_url, "export", str(tmp_path / "primary.csv"))
    read = _statuses(tmp_path / "read.csv")
    assert read == _statuses(tmp_path / "replica.csv") != _statuses(tmp_path / "primary.csv")
    assert (_exports(store), _exports(replica)) == (2, 1)  # the first export's audit went to the primary

    reader = open_store(store_url, empty_store_url).reader()
    with pytest.raises(DBAPIError), reader.session() as session:
        session.execute(sa.text("DELETE FROM inspections"))
    assert open_store(store_url).reader().url == store_url  # no replica: the primary reads
    replica.dispose()
    reader.dispose()
