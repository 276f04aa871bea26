"""One module per database backend, each with the same function names.

`select_dialect` is the only place that looks at which backend a URL names;
everything above the store calls the functions of the module it returns.
"""

from __future__ import annotations

from types import ModuleType

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from geo.errors import StoreError

# Values per `member_of` lookup: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
LOOKUP_CHUNK = 5_000


def select_dialect(name: str) -> ModuleType:
    """Return the backend module for a SQLAlchemy dialect name."""
    if name == "sqlite":
        from geo.dialects import spatialite

        return spatialite
    if name == "postgresql":
        from geo.dialects import postgis

        return postgis
    raise StoreError(f"unsupported database backend {name!r}: use a sqlite:/// or postgresql+psycopg:// URL")


def dialect_of(bind: Session | Connection) -> ModuleType:
    """The backend module of the database a session or connection talks to."""
    engine = bind.get_bind() if isinstance(bind, Session) else bind
    return select_dialect(engine.dialect.name)
