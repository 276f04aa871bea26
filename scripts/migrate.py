"""Create or upgrade a store's schema with the Alembic migrations beside this module.

The migrations stand alone: each states its own revision's schema and imports
nothing of the application, whose code follows the newest schema. A migration
that changes a derived table only marks it stale (a row of
`stale_derived_tables`); once the store is at head, `upgrade` rebuilds what is
marked with today's code, which matches head's schema, in the same
transaction, and drops the marks.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from cases.status.summaries import refresh_summaries
from geo.errors import StoreError
from geo.store import Store

MIGRATIONS_PACKAGE = "scripts.migrations"
STALE_TABLE = "stale_derived_tables"
# How each derived table is rebuilt from the history, by the code of head.
REBUILDS: dict[str, Callable[[Connection], None]] = {"parcel_summaries": refresh_summaries}


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files(MIGRATIONS_PACKAGE)))
    return config


def revisions() -> list[str]:
    """Every migration's revision, oldest first."""
    scripts = ScriptDirectory.from_config(_config()).walk_revisions()  # newest first
    return [script.revision for script in reversed(list(scripts))]


def head_revision() -> str:
    """The newest migration's revision."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def current_revision(store: Store) -> str | None:
    """The revision the store's schema is at, or None before `init`."""
    with store.engine.connect() as conn:
        return _revision(conn)


def upgrade(store: Store, revision: str = "head") -> tuple[str | None, str]:
    """Bring the schema to `revision` in one transaction; returns (before, after).

    At head, the derived tables that the migrations marked stale are rebuilt.
    """
    before = current_revision(store)
    config = _config()
    with store.engine.begin() as conn:
        if before is None:  # 0001 needs the spatial extension: the live check says how to install it
            store.backend.ensure_spatial(conn)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        if _revision(conn) == head_revision():
            _rebuild_stale(conn)
    return before, current_revision(store) or ""


def _rebuild_stale(conn: Connection) -> list[str]:
    """Rebuild the derived tables marked stale and drop the marks; returns the tables rebuilt."""
    if not sa.inspect(conn).has_table(STALE_TABLE):
        return []
    stale = list(conn.execute(sa.text(f"SELECT name FROM {STALE_TABLE} ORDER BY name")).scalars())
    unknown = sorted(set(stale) - REBUILDS.keys())
    if unknown:
        raise StoreError(f"the store marks {', '.join(unknown)} stale, which this version cannot rebuild")
    for name in stale:
        REBUILDS[name](conn)
    conn.execute(sa.text(f"DROP TABLE {STALE_TABLE}"))
    return stale


def downgrade(store: Store, revision: str = "base") -> None:
    """Take the schema down to `revision` (`base`: drop every landpatrol table)."""
    config = _config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
