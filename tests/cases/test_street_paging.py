"""A street's pages follow (street_code, code): every parcel once, and the plan reads that index."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.status.street_page import status_page
from geo.store import Store

STREETS = ("440106001", "440106002", "440106003")


def _fill(store: Store, count: int) -> None:
    """`count` parcels stored in code order, the streets interleaved (as a district's import is)."""
    stamp = store.backend.timestamp(datetime(2024, 1, 1, tzinfo=UTC))
    x = 113.30 + (np.arange(count) % 200) * 0.0006
    y = 23.10 + (np.arange(count) // 200) * 0.0006
    squares = shapely.box(x, y, x + 0.0005, y + 0.0005)
    geoms = np.asarray(shapely.multipolygons(squares[:, None]), dtype=object)
    rows = [(f"P{i:06d}", "basic_farmland", STREETS[i % len(STREETS)], 100.0, "{}", stamp, stamp)
            for i in range(count)]
    with store.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO streets (code, name, short_name, schematic, updated_at) "
                             "VALUES (:c, :c, :c, false, :t)"), [{"c": c, "t": stamp} for c in STREETS])
        store.backend.bulk_insert(conn, "parcels", ("code", "kind", "street_code", "area_m2", "properties",
                                                    "created_at", "updated_at"), "geom", 4490, rows, geoms)


def test_keyset_and_offset_pages_return_every_current_parcel_of_the_street_once(store):
    _fill(store, 90)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE parcels SET retired_at = created_at "
                             "WHERE code IN ('P000001', 'P000040')"))
    expected = [f"P{i:06d}" for i in range(1, 90, 3) if i not in (1, 40)]

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(limit=st.integers(1, 35))
    def walk(limit: int) -> None:
        by_key, by_offset, after = [], [], None
        with store.session() as session:
            while True:
                page, matched = status_page(session, street_codes=[STREETS[1]], limit=limit, after=after)
                assert matched == len(expected) and len(page) <= limit
                by_key += list(page["code"])
                if len(page) < limit:
                    break
                after = page["code"].iloc[-1]
            for offset in range(0, matched, limit):
                by_offset += list(status_page(session, street_codes=[STREETS[1]], limit=limit,
                                              offset=offset)[0]["code"])
        assert by_key == expected and by_offset == expected

    walk()


def _page_and_plans(store: Store, marker: str, explain: str, column: int, **page_args: object):
    """A street page, and the plan (`explain`, row `column` of each line) of each of its
    statements whose text holds `marker`."""
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if marker in statement:
            seen.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", capture)
    with store.session() as session:
        page, matched = status_page(session, **page_args)
    sa.event.remove(store.engine, "before_cursor_execute", capture)
    with store.engine.connect() as conn:
        plans = [" | ".join(row[column] for row in conn.exec_driver_sql(f"{explain} {sql}", parameters))
                 for sql, parameters in seen]
    return page, matched, plans


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
@pytest.mark.parametrize("start", [{"after": "P030000"}, {"offset": 5000}, {}],
                         ids=["after", "offset", "first"])
def test_a_street_page_reads_the_street_index_not_the_whole_table_or_code_index(store, start):
    _fill(store, 60_000)
    with store.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE parcels"))
    page, _, plans = _page_and_plans(store, "FROM parcels", "EXPLAIN", 0, street_codes=[STREETS[2]],
                                     limit=1000, **start)
    for plan in plans:
        assert "Seq Scan on parcels " not in plan and "parcels_code_key" not in plan, plan
    assert len(page) == 1000 and len(plans) == 3  # the count, the page's keys, the page
    assert all("Index Only Scan using ix_parcels_street_code_code on parcels" in p for p in plans[:2]), plans


@pytest.mark.parametrize("store_url", ["spatialite"], indirect=True)
def test_spatialite_counts_and_pages_a_street_from_its_live_index_alone(store):
    """The count used the street_code index and read each of the street's rows for retired_at."""
    _fill(store, 3_000)
    page, matched, plans = _page_and_plans(store, "FROM parcels p WHERE", "EXPLAIN QUERY PLAN", 3,
                                           street_codes=[STREETS[0]], limit=100, after="P001500")
    assert (len(page), matched, len(plans)) == (100, 1000, 2)  # the count and the page's keys
    assert all(plan.startswith("SEARCH p USING INDEX ix_parcels_street_code_code ") for plan in plans), plans
