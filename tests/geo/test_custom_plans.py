"""PostGIS plans every run of a statement with its own values (`geo.dialects.postgis.CUSTOM_PLANS`).

psycopg prepares a statement on its sixth run; PostgreSQL may then switch to one
generic plan for every value, which for the OGC page filtered on status and street
meant a parallel scan of every parcel (four times slower). The counters of
`pg_prepared_statements` show which plans a connection used.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geo.store import Store, open_store

STREET_COUNT = "SELECT count(*) FROM parcels WHERE street_code = :street AND kind = :kind"


def _plans_after_many_runs(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        for run in range(12):
            conn.execute(sa.text(STREET_COUNT), {"street": f"4401060{run % 3:02d}", "kind": "basic_farmland"})
        generic, custom = conn.execute(sa.text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%street_code = $1%'")).one()
    return generic, custom


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_a_statement_run_often_is_planned_with_its_values(store: Store) -> None:
    generic, custom = _plans_after_many_runs(store)
    assert (generic, custom) == (0, 12 - 5)  # prepared on the sixth run, then planned for each value


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_the_read_only_engine_plans_with_values_too(store: Store) -> None:
    replica = open_store(store.url, read_url=store.url).reader()
    try:
        assert _plans_after_many_runs(replica) == (0, 12 - 5)
        with replica.engine.connect() as conn:
            assert conn.scalar(sa.text("SHOW default_transaction_read_only")) == "on"
    finally:
        replica.dispose()
