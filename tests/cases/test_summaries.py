"""The stored parcel summaries stay equal to a rebuild from the history after every kind of write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from cases.inspect_import import import_inspections
from cases.inspections import correct_inspection, log_inspection
from cases.models import Inspection
from cases.status.derive import status_frame
from geo.orm import utc_now
from geo.store import Store, open_store
from scripts.migrate import downgrade, upgrade
from tests.cases.conftest import add_parcels, rebuilt_summaries, stored_summaries
from tests.cases.test_inspections import write_csv


def _present_equals_history(store: Store) -> None:
    """Today's status from the summaries equals the status worked out from the history as of now."""
    with store.session() as session:
        present = status_frame(session)
        history = status_frame(session, as_of=utc_now())  # an instant just past: the history path
    columns = [c for c in present.columns if c != "days_since"]
    assert present[columns].equals(history[columns])


def test_every_write_keeps_the_summaries_current(store, sites, tmp_path):
    assert stored_summaries(store) == []
    with store.session() as session:
        first = log_inspection(session, parcel_code="QJ-001", inspected_at="2022-05-01T10:00+08:00",
                               inspector="王", findings={"sheds_count": 2, "hardened_m2": 30.0})
        log_inspection(session, parcel_code="QJ-001", inspected_at="2022-06-01T10:00+08:00",
                       inspector="王", findings={"sheds_count": 1, "demolished_count": 1})
    with store.engine.connect() as conn:
        totals = conn.execute(sa.text("SELECT inspections_count, demolished_total FROM parcel_summaries"))
        assert [tuple(row) for row in totals] == [(2, 1)]  # two inspections, one shed demolished
    assert stored_summaries(store) == rebuilt_summaries(store)
    with store.session() as session:
        correct_inspection(session, first.id, changes={"sheds_count": 0, "hardened_m2": 0.0})
    assert stored_summaries(store) == rebuilt_summaries(store)
    rows = ["QJ-002,2022-05-01T10:00+08:00,王,1,0,no,,,c1", "QJ-003,2022-05-02T10:00+08:00,王,0,0,no,,,c2",
            "QJ-001,2022-07-01T10:00+08:00,王,0,0,no,,,c3"]
    with store.session() as session:
        import_inspections(session, write_csv(tmp_path / "field.csv", rows))
    stored = stored_summaries(store)
    assert [row[0] for row in stored] == sorted(sites[c].id for c in ("QJ-001", "QJ-002", "QJ-003"))
    assert stored == rebuilt_summaries(store)
    late = ["QJ-001,2022-04-01T10:00+08:00,王,3,0,no,,,d1", "QJ-001,2022-08-01T10:00+08:00,王,0,0,no,,,d2",
            "QJ-002,2022-04-02T10:00+08:00,王,0,0,no,,,d3", "QJ-004,2022-04-03T10:00+08:00,王,1,0,no,,,d4"]
    with store.session() as session:  # records older than the latest, and several to one parcel
        import_inspections(session, write_csv(tmp_path / "late.csv", late))
    assert stored_summaries(store) == rebuilt_summaries(store)
    _present_equals_history(store)


def test_a_failed_write_leaves_the_summaries_as_they_were(store, sites):
    with store.session() as session:
        log_inspection(session, parcel_code="QJ-004", inspected_at="2022-05-01", inspector="王", findings={})
    before = stored_summaries(store)
    try:
        with store.session() as session:
            session.add(Inspection(parcel_id=sites["QJ-004"].id, inspector="王", sheds_count=3,
                                   inspected_at=datetime(2022, 6, 1, tzinfo=UTC)))
            session.flush()  # the hook refreshes inside this transaction...
            count = sa.text("SELECT inspections_count FROM parcel_summaries WHERE parcel_id = :p")
            assert session.execute(count, {"p": sites["QJ-004"].id}).scalar_one() == 2
            raise RuntimeError("the command fails after the flush")
    except RuntimeError:
        pass
    assert stored_summaries(store) == before  # ...and the rollback takes the refresh away with the record


@pytest.mark.parametrize("empty_store_url", ["spatialite", "postgis"], indirect=True)
def test_upgrading_a_store_with_history_fills_the_summaries_new_columns(empty_store_url):
    store = open_store(empty_store_url)
    upgrade(store, "0003")  # summaries without the latest record's findings
    with store.session() as session:
        sites = add_parcels(session, [("QJ-001", "basic_farmland"), ("QJ-002", "forest")])
    records = [  # Core inserts: the ORM's flush hook writes today's summary columns
        {"parcel_id": sites["QJ-001"].id, "inspected_at": datetime(2022, 5, 1, tzinfo=UTC), "sheds_count": 2},
        {"parcel_id": sites["QJ-001"].id, "inspected_at": datetime(2022, 6, 1, tzinfo=UTC), "sheds_count": 1,
         "demolished_count": 1, "debris": True, "note": "拆除一处"},
        {"parcel_id": sites["QJ-002"].id, "inspected_at": datetime(2022, 6, 2, tzinfo=UTC)},
    ]
    with store.engine.begin() as conn:
        for record in records:
            conn.execute(sa.insert(Inspection.__table__).values(
                inspector="王", recorded_at=record["inspected_at"], **record))
    upgrade(store)
    latest = sa.text("SELECT sheds_count, demolished_count, debris, note, prev_sheds_count, prev_debris "
                     "FROM parcel_summaries ORDER BY parcel_id")
    with store.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(latest)]
    assert rows == [(1, 1, True, "拆除一处", 2, False), (0, 0, False, None, None, None)]
    assert stored_summaries(store) == rebuilt_summaries(store)
    downgrade(store, "0003")
    with store.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("parcel_summaries")}
    assert "note" not in columns and "last_clean_at" in columns
    store.dispose()
