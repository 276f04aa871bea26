"""A filter on today's status, worked out in SQL, agrees with `status_frame` on both backends.

Hypothesis writes inspection histories ending near today (so overdue, and
its boundary, are in play) with or without an open issue; for each parcel
exactly the status `status_frame` derives in pandas must match the filter.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cases.status.clock import LOCAL_TZ
from cases.status.derive import status_frame
from cases.status.rules import STATUSES
from geo.store import Store
from layers.models import Parcel
from maps.ogc.collections import COLLECTIONS
from maps.ogc.items import conditions
from maps.ogc.params import ItemsQuery
from tests.cases.test_properties import Visit, findings, store_history

KINDS = ("basic_farmland", "storage_plot", "forest_patch")
histories = st.tuples(
    st.sampled_from(KINDS),
    st.lists(st.tuples(st.integers(1, 70), findings), max_size=5),
    st.booleans(),
    st.integers(1, 200),  # days from the last visit to today
)


def _visits(steps: list, back: int) -> list[Visit]:
    """The visits of `steps` (gap, findings), the last one `back` days before today."""
    day = datetime.now(LOCAL_TZ).date() - timedelta(days=back + sum(gap for gap, _ in steps))
    visits, sheds = [], 0
    for gap, (new_sheds, hardened, debris, abandoned, demolished) in steps:
        day += timedelta(days=gap)
        visits.append(Visit(day, new_sheds, hardened, debris, abandoned, min(demolished, sheds)))
        sheds = new_sheds
    return visits


def _matching(store: Store, kind: str, parcel_id: int) -> set[str]:
    """The statuses whose filter (`status = '…'`) this parcel passes, today."""
    collection = COLLECTIONS[kind]
    found = set()
    with store.session() as session:
        for status in STATUSES:
            where = conditions(session, collection, ItemsQuery(filter=f"status = '{status}'"),
                               streets=None, status_sets=lambda day: {})
            if session.scalar(collection.base(sa.func.count()).where(*where, Parcel.id == parcel_id)):
                found.add(status)
    return found


def _sheds(*counts: int) -> list:
    """Visits ten days apart finding these many sheds, nothing else."""
    return [(10, (count, 0.0, False, 0.0, 0)) for count in counts]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories)
@example(history=("basic_farmland", _sheds(2, 0, 3, 1), True, 5))  # recurred and falling: recurrence first
@example(history=("basic_farmland", _sheds(3, 1), True, 5))  # falling with an open issue: rectifying
@example(history=("storage_plot", _sheds(3, 1), False, 5))  # falling, no open issue: violation
def test_the_sql_status_of_today_is_the_derived_one(store: Store, history) -> None:
    kind, steps, issue_open, back = history
    parcel_id, _ = store_history(store, kind, _visits(steps, back), issue_open)
    with store.session() as session:
        derived = status_frame(session, parcel_ids=[parcel_id]).loc[parcel_id, "status"]
    assert _matching(store, kind, parcel_id) == {derived}


def test_a_past_day_still_filters_by_the_ids_of_that_day(store: Store) -> None:
    kind = "basic_farmland"
    day = date(2022, 3, 1)
    parcel_id, _ = store_history(store, kind, [Visit(date(2022, 2, 1), 2, 0.0, False, 0.0, 0)], False)
    collection = COLLECTIONS[kind]
    with store.session() as session:
        for status, expected in (("violation", 1), ("overdue", 0)):
            where = conditions(session, collection, ItemsQuery(filter=f"status = '{status}'", as_of=day),
                               streets=None, status_sets=lambda asked: {"violation": [parcel_id]})
            assert session.scalar(collection.base(sa.func.count()).where(*where)) == expected
