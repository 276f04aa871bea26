"""Cached map and GeoJSON bodies: reused while nothing is written, rebuilt after any write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from geo.audit import record
from maps.web.response_cache import ResponseCache

AT = datetime(2026, 11, 26, 8, 0, 10, tzinfo=UTC)


def counting_builder(builds: list[int]) -> Callable[[], str]:
    """A body builder that says how many times it has run (`body 1`, `body 2`, …)."""

    def build() -> str:
        builds.append(1)
        return f"body {len(builds)}"

    return build


def test_a_body_is_built_once_per_data_version_and_minute(store):
    cache = ResponseCache(size=2)
    builds: list[int] = []
    build = counting_builder(builds)
    at = AT
    with store.session() as session:
        assert cache.get_or_build(session, ("k",), build, now=at) == "body 1"
        assert cache.get_or_build(session, ("k",), build, now=at + timedelta(seconds=30)) == "body 1"
        assert cache.get_or_build(session, ("k",), build, now=at + timedelta(minutes=1)) == "body 2"
        record(session, actor="t", action="inspection.log", entity="inspection", key="1")
        session.flush()
        assert cache.get_or_build(session, ("k",), build, now=at + timedelta(minutes=1)) == "body 3"
        assert cache.get_or_build(session, ("other",), build, now=at) == "body 4"
        assert cache.get_or_build(session, ("third",), build, now=at) == "body 5"
    assert len(builds) == 5


def test_the_geojson_api_shows_a_new_inspection_at_once(site):
    client = site.client("manager")
    url = "/api/streets/440106020/parcels?limit=50"
    before = {f["properties"]["code"]: f["properties"]["status"] for f in client.get(url).json()["features"]}
    code = next(c for c, status in before.items() if status == "uninspected")
    inspector = site.client("inspector")
    logged = inspector.post(f"/api/parcels/{code}/inspections",
                            json={"inspected_at": "2022-10-20T10:00:00+08:00", "sheds_count": 3},
                            headers={"X-CSRF-Token": site.csrf(inspector)})
    assert logged.status_code == 201, logged.text
    after = {f["properties"]["code"]: f["properties"]["status"] for f in client.get(url).json()["features"]}
    assert after[code] == "violation"


def test_a_write_committed_after_a_newer_one_is_not_hidden_by_the_cache(store):
    """PostgreSQL: a transaction holding an older audit id commits after a newer one (two servers)."""
    if store.is_spatialite:
        pytest.skip("SQLite writers take turns: ids are committed in order")
    cache = ResponseCache()
    build = counting_builder([])
    at = AT
    with store.session() as slow:
        record(slow, actor="t", action="inspection.log", entity="inspection", key="1")
        slow.flush()  # holds the older id, not yet committed
        with store.session() as fast:
            record(fast, actor="t", action="inspection.log", entity="inspection", key="2")
        with store.session() as reader:
            assert cache.get_or_build(reader, ("k",), build, now=at) == "body 1"
    with store.session() as reader:
        assert cache.get_or_build(reader, ("k",), build, now=at) == "body 2"


def test_the_stamp_is_the_version_and_the_newest_events_time(store):
    """One statement gives what the OGC API reads first: the version and Last-Modified."""
    import sqlalchemy as sa
    from sqlalchemy import event

    from geo.audit import AuditEvent
    from maps.web.response_cache import data_stamp

    with store.session() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
        for key in ("1", "2"):
            record(session, actor="t", action="inspection.log", entity="inspection", key=key)
        session.flush()
        newest = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        statements: list[str] = []
        event.listen(session.get_bind(), "before_cursor_execute", lambda *a: statements.append(a[2]))
        version, modified = data_stamp(session)
        assert len(statements) == 1
        assert version == f"{newest.id}.{min(before + 2, 1000)}"
        assert modified == newest.at and modified.tzinfo is not None
