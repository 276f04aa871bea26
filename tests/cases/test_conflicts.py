"""Conflicts of records made offline: stored anyway, shown, resolved by a manager, audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from geoalchemy2.elements import WKTElement
from typer.testing import CliRunner

from cases.conflicts import accept_conflict, conflicts_of, list_conflicts
from cases.inspections import correct_inspection, log_inspection
from cases.models import Inspection
from cases.status.derive import status_frame
from geo.audit import AuditEvent
from geo.errors import ConflictError, InputError, NotFoundError
from layers.models import Parcel, ParcelVersion
from scripts.cli import app
from tests.cases.conftest import square

STREET = "440106020"


def log(session, code="QJ-001", day="2022-10-10", inspector="李", **kwargs):
    findings = kwargs.pop("findings", {})
    return log_inspection(session, parcel_code=code, inspected_at=f"{day}T10:00", inspector=inspector,
                          findings=findings, **kwargs)


def reasons(session, inspection) -> list[str]:
    return [c["reason"] for c in conflicts_of(session, inspection.id)]


def audit_actions(store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_shape_replaced_after_the_visit_is_a_conflict_and_before_it_is_not(store, sites):
    with store.session() as session:
        session.add(ParcelVersion(parcel_id=sites["QJ-001"].id, geom=WKTElement(square(9).wkt, srid=4490),
                                  area_m2=1.0, valid_from=datetime(2020, 1, 1, tzinfo=UTC),
                                  valid_to=datetime(2022, 10, 12, tzinfo=UTC), note="replaced by re-import"))
        session.flush()
        before = log(session, day="2022-10-10")
        after = log(session, day="2022-10-13")
        assert reasons(session, before) == ["reshaped"] and reasons(session, after) == []
        assert conflicts_of(session, before.id)[0]["detail"] == {"changed_at": "2022-10-12T08:00:00+08:00"}


def test_a_parcel_in_another_street_than_the_phone_knew_is_a_conflict(store, sites):
    with store.session() as session:
        moved = log(session, known_street="440106999")
        same = log(session, day="2022-10-11", known_street=STREET)
        assert reasons(session, moved) == ["moved"] and reasons(session, same) == []
        assert conflicts_of(session, moved.id)[0]["detail"] == {"from": "440106999", "to": STREET}


def test_a_visit_before_retirement_is_stored_with_a_conflict_and_after_it_refused(store, sites):
    with store.session() as session:
        session.get(Parcel, sites["QJ-002"].id).retired_at = datetime(2022, 10, 12, tzinfo=UTC)
    with store.session() as session:
        stored = log(session, code="QJ-002", day="2022-10-11")
        assert reasons(session, stored) == ["retired"]
        with pytest.raises(InputError, match="retired before this visit"):
            log(session, code="QJ-002", day="2022-10-13")


def test_another_inspectors_later_record_with_other_findings_is_a_conflict(store, sites):
    with store.session() as session:
        later = log(session, day="2022-10-20", inspector="王", findings={"sheds_count": 2})
        offline = log(session, day="2022-10-10", inspector="李", findings={"sheds_count": 0})
        agreeing = log(session, day="2022-10-11", inspector="张", findings={"sheds_count": 2})
        own = log(session, day="2022-10-12", inspector="王", findings={"sheds_count": 5})
        [conflict] = conflicts_of(session, offline.id)
        assert conflict["reason"] == "other_record" and conflict["other_inspection_id"] == later.id
        assert conflict["detail"] == {"fields": ["sheds_count"]}
        assert reasons(session, agreeing) == [] and reasons(session, own) == []
        # Status follows the usual rules: the latest visit (王's sheds) decides.
        assert status_frame(session).loc[sites["QJ-001"].id, "status"] == "violation"


def test_accepting_closes_the_conflict_once_and_is_audited(store, sites):
    with store.session() as session:
        conflict_id = conflicts_of(session, log(session, known_street="x").id)[0]["id"]
        done = accept_conflict(session, conflict_id, actor="boss")
        assert done["resolution"] == "accepted" and done["resolved_by"] == "boss"
        assert list_conflicts(session) == [] and len(list_conflicts(session, open_only=False)) == 1
        with pytest.raises(ConflictError, match="already resolved"):
            accept_conflict(session, conflict_id)
        with pytest.raises(NotFoundError):
            accept_conflict(session, 999)
    assert audit_actions(store)[-1] == "conflict.accept"


def test_a_correction_supersedes_the_record_and_closes_its_conflicts(store, sites):
    with store.session() as session:
        record = log(session, known_street="x", findings={"sheds_count": 3})
        correction = correct_inspection(session, record.id, changes={"sheds_count": 1}, actor="boss")
        [closed] = list_conflicts(session, open_only=False)
        assert (closed["resolution"], closed["correction_id"]) == ("superseded", correction.id)
        assert conflicts_of(session, correction.id) == []
        assert session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 2  # append-only
    assert audit_actions(store)[-2:] == ["inspection.correct", "conflict.supersede"]


def test_cli_lists_and_accepts_conflicts(store, sites):
    with store.session() as session:
        log(session, known_street="440106999")
    runner = CliRunner()
    listed = runner.invoke(app, ["--db", store.url, "inspect", "conflicts", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert row["reason"] == "地块已划入其他街道" and row["inspected_at"] == "2022-10-10T10:00:00+08:00"
    accepted = runner.invoke(app, ["--db", store.url, "inspect", "conflicts", "--accept", str(row["id"])])
    assert accepted.exit_code == 0 and "accepted" in accepted.output
    again = runner.invoke(app, ["--db", store.url, "inspect", "conflicts", "--accept", str(row["id"])])
    assert again.exit_code == 4 and "already resolved" in again.output
    assert runner.invoke(app, ["--db", store.url, "inspect", "conflicts", "--accept", "77"]).exit_code == 3
    left = runner.invoke(app, ["--db", store.url, "inspect", "conflicts", "--format", "json"])
    assert json.loads(left.output) == []
