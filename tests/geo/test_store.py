"""The store: URLs, `init` on each backend, clear errors where the store is not usable."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geo.errors import StoreError
from geo.store import open_store, resolve_url
from scripts.migrate import current_revision, head_revision, upgrade


def test_url_defaults_to_a_spatialite_file_and_takes_plain_paths(monkeypatch):
    monkeypatch.delenv("LANDPATROL_DB", raising=False)
    assert resolve_url() == "sqlite:///landpatrol.sqlite"
    assert resolve_url("data/x.sqlite") == "sqlite:///data/x.sqlite"
    monkeypatch.setenv("LANDPATROL_DB", "postgresql+psycopg://u@h/db")
    assert resolve_url() == "postgresql+psycopg://u@h/db"


def test_unknown_backend_is_refused():
    with pytest.raises(StoreError, match="unsupported database backend 'mysql'"):
        _ = open_store("mysql://u@h/db").backend


@pytest.mark.parametrize("empty_store_url", ["spatialite", "postgis"], indirect=True)
def test_init_creates_schema_once_and_is_idempotent(empty_store_url):
    store = open_store(empty_store_url)
    assert current_revision(store) is None
    assert upgrade(store) == (None, head_revision())
    assert upgrade(store) == (head_revision(), head_revision())
    with store.engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        assert {"streets", "parcels", "parcel_versions", "inspections", "issues", "measures",
                "users", "audit_events"} <= tables
        srids = {4490, 4547}
        if store.is_spatialite:
            found = set(conn.execute(sa.text(
                "SELECT srid FROM spatial_ref_sys WHERE srid IN (4490, 4547)")).scalars())
            indexed = conn.execute(sa.text(
                "SELECT count(*) FROM geometry_columns WHERE spatial_index_enabled = 1")).scalar()
        else:
            found = set(conn.execute(sa.text(
                "SELECT srid FROM spatial_ref_sys WHERE srid IN (4490, 4547)")).scalars())
            indexed = conn.execute(sa.text(
                "SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist%'")).scalar()
    assert found == srids
    assert indexed == 4
    store.dispose()


def test_a_missing_store_says_to_run_init(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'none.sqlite'}")
    with pytest.raises(StoreError, match="run `landpatrol init`"):
        store.require_schema()


def test_missing_spatialite_extension_says_how_to_install(monkeypatch, tmp_path):
    from geo.dialects import sqlite_connection

    monkeypatch.setattr(sqlite_connection, "EXTENSION", "mod_spatialite_that_is_not_installed")
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    with pytest.raises(StoreError, match="apt-get install libsqlite3-mod-spatialite"):
        store.engine.connect()


def test_postgres_without_postgis_says_how_to_install():
    from geo.dialects import postgis

    class NoPostgis:
        def execute(self, *args, **kwargs):
            return type("R", (), {"scalar": lambda self: 0})()

    with pytest.raises(StoreError, match="postgresql-15-postgis-3"):
        postgis.ensure_spatial(NoPostgis())


def test_dry_run_session_rolls_back(store):
    from layers.models import Street

    with store.session(dry_run=True) as session:
        session.add(Street(code="1", name="x街道", short_name="x"))
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Street)) == 0
