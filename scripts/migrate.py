"""Create or upgrade a store's schema with the Alembic migrations beside this module.

The migrations live in `scripts/` because they import every model, from
`layers` and `cases` alike.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from geo.store import Store

MIGRATIONS_PACKAGE = "scripts.migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files(MIGRATIONS_PACKAGE)))
    return config


def head_revision() -> str:
    """The newest migration's revision."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(store: Store) -> str | None:
    """The revision the store's schema is at, or None before `init`."""
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> tuple[str | None, str]:
    """Bring the schema to `revision` in one transaction; returns (before, after)."""
    before = current_revision(store)
    config = _config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return before, current_revision(store) or ""


def downgrade(store: Store, revision: str = "base") -> None:
    """Take the schema down to `revision` (`base`: drop every landpatrol table)."""
    config = _config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
