"""Paging by offset through the key ladder, and the cached count and ladder after a write.

An offset seeks from every STEP-th key, kept per data version and minute: pages
must be the same as slicing the whole ordered collection, on both backends,
and a write must show in `numberMatched` and the pages at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import shapely
from geoalchemy2.elements import WKTElement
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maps.web.response_cache
from cases.inspections import log_inspection
from geo.audit import record
from layers.models import Parcel
from maps.ogc import items
from tests.maps.conftest import FENGHUANG, QIANJIN
from tests.maps.web.conftest import Site
from tests.maps.web.test_ogc_backends import _client, _ids

FARMLAND = "/ogc/collections/basic_farmland/items"
EXTRA = 23  # parcels added to the 4 seeded ones, so a ladder of step 4 has several rungs


def _add_farmland(site: Site) -> list[str]:
    """EXTRA more farmland parcels (half in each street); every farmland code, in order."""
    with site.store.session() as session:
        for i in range(EXTRA):
            box = shapely.box(113.40 + i * 1e-4, 23.13, 113.40 + i * 1e-4 + 5e-5, 23.13005)
            session.add(Parcel(code=f"PG-{i:03d}", kind="basic_farmland", name=None,
                               street_code=QIANJIN if i % 2 else FENGHUANG, village="珠村", area_m2=30.0,
                               properties={}, geom=WKTElement(shapely.MultiPolygon([box]).wkt, srid=4490)))
        record(session, actor="test", action="parcels.import", entity="parcel", key="PG")
    seeded = ["FH-BF-001", "QJ-BF-001", "QJ-BF-002", "QJ-BF-003"]
    return sorted([f"PG-{i:03d}" for i in range(EXTRA)] + seeded)


def test_offset_pages_through_the_ladder_equal_slices_of_the_collection(backend_site: Site,
                                                                         monkeypatch) -> None:
    monkeypatch.setattr(items, "LADDER_STEP", 4)
    api = _client(backend_site)
    codes = _add_farmland(backend_site)
    in_street = [c for c in codes if c.startswith("QJ-") or (c.startswith("PG-") and int(c[3:]) % 2)]
    street_filter = f"street_code = '{QIANJIN}'"

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(offset=st.integers(0, len(codes) + 3), limit=st.integers(1, 9), filtered=st.booleans())
    def check(offset: int, limit: int, filtered: bool) -> None:
        params = {"offset": offset, "limit": limit} | ({"filter": street_filter} if filtered else {})
        expected = in_street if filtered else codes
        reply = api.get(FARMLAND, params=params)
        assert _ids(reply) == expected[offset:offset + limit]
        assert reply.json()["numberMatched"] == len(expected)

    check()


def test_a_write_shows_in_the_cached_count_and_ladder_within_the_minute(backend_site: Site,
                                                                        monkeypatch) -> None:
    """The count and the ladder are kept per data version and minute: the clock is held still."""
    still = datetime(2026, 12, 3, 8, 0, 10, tzinfo=UTC)
    monkeypatch.setattr(maps.web.response_cache, "utc_now", lambda: still)
    monkeypatch.setattr(items, "LADDER_STEP", 2)
    api = _client(backend_site)
    violations = {"filter": "status = 'violation'"}
    before = api.get(FARMLAND, params=violations).json()
    assert api.get(FARMLAND, params={"offset": 2}).json()["numberMatched"] == 4
    codes = _add_farmland(backend_site)
    page = api.get(FARMLAND, params={"offset": 2, "limit": 3}).json()
    assert page["numberMatched"] == len(codes)
    assert [f["id"] for f in page["features"]] == codes[2:5]
    with backend_site.store.session() as session:
        log_inspection(session, parcel_code="QJ-BF-003", inspected_at="2022-10-20T10:00:00+08:00",
                       inspector="李四", findings={"sheds_count": 2}, actor="test")
    after = api.get(FARMLAND, params=violations).json()
    assert after["numberMatched"] == before["numberMatched"] + 1
    assert "QJ-BF-003" in _ids_of(after) and "QJ-BF-003" not in _ids_of(before)


def _ids_of(doc: dict) -> list[str]:
    return [f["id"] for f in doc["features"]]
