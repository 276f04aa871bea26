"""Status reads of every parcel stream from PostgreSQL; a page reads its rows at once.

A server-side cursor keeps the driver from holding a million parcels' rows (2.9 GB at the peak
before), but its fetches doubled the cost of a street's page: each read takes the one it needs.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cases.status.derive import status_frame
from cases.status.street_page import status_page
from geo.store import Store
from tests.maps.conftest import QIANJIN, add_sample


def _cursors(store: Store, read) -> list[bool]:
    """For each statement that `read` runs: whether it ran on a server-side cursor."""
    named: list[bool] = []

    def seen(_conn, cursor, _statement, _parameters, _context, _many):
        named.append(getattr(cursor, "name", None) is not None)

    sa.event.listen(store.engine, "before_cursor_execute", seen)
    try:
        with store.session() as session:
            read(session)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", seen)
    return named


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_every_parcels_status_streams_and_a_page_does_not(store: Store) -> None:
    with store.session() as session:
        add_sample(session)
    assert True in _cursors(store, lambda s: status_frame(s, as_of="2022-10-25"))
    assert True in _cursors(store, lambda s: status_frame(s))
    page = _cursors(store, lambda s: status_page(s, street_codes=[QIANJIN], limit=10))
    assert page and True not in page
