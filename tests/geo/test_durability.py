"""Acknowledged writes are durable: every SpatiaLite connection commits with synchronous=FULL."""

from __future__ import annotations

import sqlalchemy as sa

from geo.dialects.sqlite_connection import connect
from geo.store import open_store

FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


def test_store_connections_sync_every_commit(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'durable.sqlite'}")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == FULL
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    store.dispose()
    child = connect(str(tmp_path / "durable.sqlite"))  # the child reader's connections too
    assert child.execute("PRAGMA synchronous").fetchone()[0] == FULL
    child.close()
