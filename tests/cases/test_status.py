"""Parcel status rules and the as-of history, on both backends, through the services."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from cases.inspections import correct_inspection, log_inspection
from cases.issues import add_issue, link_parcels, set_state
from cases.status.derive import STATUS_COLUMNS, status_frame, street_figures
from cases.status.rules import STATUS_LABELS, STATUSES
from geo.errors import InputError

NOW = datetime(2022, 10, 25, 12, tzinfo=UTC)


def log(session, code, day, now=NOW, **findings):
    return log_inspection(
        session, parcel_code=code, inspected_at=f"{day}T10:00", inspector="李", findings=findings, now=now
    )


def status_of(store, sites, code, as_of="2022-10-25"):
    with store.session() as session:
        return status_frame(session, as_of=as_of).loc[sites[code].id, "status"]


def test_contract_columns_and_labels(store, sites):
    with store.session() as session:
        log(session, "QJ-001", "2022-05-01", sheds_count=2)
        frame = status_frame(session, as_of="2022-10-25")
    assert tuple(frame.columns) == STATUS_COLUMNS
    assert frame.index.name == "parcel_id" and sorted(frame.index) == sorted(s.id for s in sites.values())
    assert str(frame["last_inspected_at"].dtype) == "datetime64[ns, UTC]"
    assert str(frame["last_inspection_id"].dtype) == "Int64"
    assert frame["inspections_count"].dtype.kind == "i"
    assert set(STATUS_LABELS) == set(STATUSES) and STATUS_LABELS["violation"] == ("违法违规", "Violation")
    assert frame.loc[sites["QJ-002"].id, "status"] == "uninspected"
    assert pd.isna(frame.loc[sites["QJ-002"].id, "last_inspected_at"])


def test_violation_then_rectified_then_recurrence(store, sites):
    with store.session() as session:
        log(session, "QJ-001", "2022-05-01", sheds_count=3, hardened_m2=40)
        log(session, "QJ-001", "2022-07-01", demolished_count=3)
        log(session, "QJ-001", "2022-09-01", sheds_count=1)
    assert status_of(store, sites, "QJ-001", "2022-06-01") == "violation"
    assert status_of(store, sites, "QJ-001", "2022-08-01") == "rectified"
    assert status_of(store, sites, "QJ-001", "2022-09-02") == "recurrence"
    with store.session() as session:
        row = status_frame(session, as_of="2022-09-02").loc[sites["QJ-001"].id]
    assert row["inspections_count"] == 3 and row["demolished_total"] == 3 and row["sheds_count"] == 1


def test_rectifying_needs_open_issue_and_falling_findings(store, sites):
    with store.session() as session:
        log(session, "QJ-001", "2022-05-01", sheds_count=5)
        log(session, "QJ-001", "2022-06-01", sheds_count=2, demolished_count=3)
    assert status_of(store, sites, "QJ-001") == "violation"
    with store.session() as session:
        add_issue(session, ref="1-1", category=1, title="基本农田窝棚", opened_on="2022-06-21")
        link_parcels(session, ref="1-1", codes=["QJ-001"])
    assert status_of(store, sites, "QJ-001", "2022-06-20") == "violation"  # issue not open yet
    assert status_of(store, sites, "QJ-001") == "rectifying"
    with store.session() as session:
        frame = status_frame(session, as_of="2022-10-25")
        assert frame.loc[sites["QJ-001"].id, "open_issue_refs"] == "1-1"
        set_state(session, ref="1-1", state="done", on="2022-09-30")
    with store.session() as session:
        frame = status_frame(session, as_of="2022-10-25")
    assert frame.loc[sites["QJ-001"].id, "status"] == "violation"
    assert frame.loc[sites["QJ-001"].id, "issue_states"] == "1-1:done"
    assert frame.loc[sites["QJ-001"].id, "open_issue_refs"] == ""


def test_overdue_after_patrol_interval_but_violation_wins(store, sites):
    with store.session() as session:
        log(session, "QJ-003", "2022-05-01")  # storage plot, patrolled monthly
        log(session, "QJ-004", "2022-05-01", debris=True)  # forest patch in violation
    assert status_of(store, sites, "QJ-003", "2022-05-20") == "compliant"
    assert status_of(store, sites, "QJ-003", "2022-06-10") == "overdue"
    assert status_of(store, sites, "QJ-004", "2022-10-25") == "violation"


def test_abandoned_land_is_a_violation_only_on_farmland(store, sites):
    with store.session() as session:
        log(session, "QJ-001", "2022-05-01", abandoned_m2=100)
        log(session, "QJ-004", "2022-05-01", abandoned_m2=100)
    assert status_of(store, sites, "QJ-001", "2022-05-02") == "violation"
    assert status_of(store, sites, "QJ-004", "2022-05-02") == "compliant"


def test_correction_does_not_change_earlier_as_of_answers(store, sites):
    with store.session() as session:
        first = log(session, "QJ-001", "2022-05-01", now=datetime(2022, 5, 1, 12, tzinfo=UTC), sheds_count=2)
    before = status_of(store, sites, "QJ-001", "2022-06-01")
    with store.session() as session:
        correct_inspection(
            session, first.id, changes={"sheds_count": 0}, now=datetime(2022, 7, 1, tzinfo=UTC)
        )
    assert before == "violation"
    assert status_of(store, sites, "QJ-001", "2022-06-01") == "violation"
    assert status_of(store, sites, "QJ-001", "2022-07-02") == "compliant"


def test_street_figures(store, sites):
    with store.session() as session:
        log(session, "QJ-001", "2022-05-01", sheds_count=25, hardened_m2=300)
        log(session, "QJ-001", "2022-06-01", demolished_count=25, rebuilt_count=23, hardened_m2=0)
        log(session, "QJ-002", "2022-06-01", sheds_count=4)
        figures = street_figures(session, as_of="2022-07-01", street_code="440106020")
        other = street_figures(session, as_of="2022-10-25", street_code="440106001")
    assert figures["by_status"]["rectified"] == 1 and figures["by_status"]["violation"] == 1
    assert figures["sheds_found"] == 29 and figures["sheds_standing"] == 4
    assert (figures["demolished"], figures["rebuilt"], figures["hardened_cleared_m2"]) == (25, 23, 300.0)
    assert figures["parcels"] == 4 and other["parcels"] == 0


@pytest.mark.parametrize("as_of", ["yesterday", "2022-13-01"])
def test_bad_as_of_names_the_field(store, sites, as_of):
    from geo.errors import InputError

    with store.session() as session, pytest.raises(InputError, match="as_of"):
        status_frame(session, as_of=as_of)


@pytest.mark.parametrize(("as_of", "message"), [
    ("2263-01-01", "as_of: 2263-01-01 is after today"),
    ("1999-12-31", "as_of: 1999-12-31 is before 2000"),
])
def test_as_of_outside_the_records_range_is_refused(store, as_of, message):
    with store.session() as session, pytest.raises(InputError, match=message):
        status_frame(session, as_of=as_of)
