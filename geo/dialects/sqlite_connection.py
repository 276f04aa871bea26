"""Opening the SQLite store with SpatiaLite loaded, without GDAL or SQLAlchemy.

`geo.dialects.spatialite` builds its engine on these; a child process that only
reads rows (`geo.child_reader`) opens its connection here, and starts fast.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from geo.errors import StoreError
from geo.write_turn import write_wait_seconds

INSTALL_HINT = (
    "install SpatiaLite: Debian/Ubuntu `apt-get install libsqlite3-mod-spatialite`, "
    "macOS `brew install libspatialite`, conda `conda install -c conda-forge libspatialite`"
)
EXTENSION = "mod_spatialite"
SYNCHRONOUS = "FULL"  # the cost per acknowledged record: `python -m scripts.bench field`


def driver_module() -> Any:
    """The stdlib sqlite3 where it can load extensions, else pysqlite3's."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    try:
        import pysqlite3.dbapi2 as pysqlite3
    except ImportError as err:
        raise StoreError(
            "this Python's sqlite3 cannot load extensions; pip install pysqlite3-binary"
        ) from err
    return pysqlite3


def prepare_connection(dbapi_conn: Any, *, read_only: bool = False) -> None:
    """Load SpatiaLite and set WAL and a busy timeout on every new connection (`query_only`
    for a read-only one).

    The busy timeout is the writers' wait ($LANDPATROL_WRITE_WAIT): a writer
    outside the write turn (another program) is waited for as long.
    """
    dbapi_conn.enable_load_extension(True)
    try:
        dbapi_conn.load_extension(EXTENSION)
    except Exception as err:
        raise StoreError(f"cannot load {EXTENSION} ({err}); {INSTALL_HINT}") from err
    dbapi_conn.enable_load_extension(False)
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit is on disk before it returns, so a record the phone was told is
    # stored survives a power cut (NORMAL in WAL may lose the last commits; issue 15).
    cursor.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
    cursor.execute(f"PRAGMA busy_timeout={int(write_wait_seconds() * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    if read_only:
        cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def connect(path: str) -> Any:
    """A driver connection to the SQLite file at `path`, prepared as the engine's are."""
    connection = driver_module().connect(path, isolation_level=None)
    prepare_connection(connection)
    return connection
