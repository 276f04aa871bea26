"""PostGIS backend: PostgreSQL with the postgis extension, through psycopg 3."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from psycopg import Copy
from psycopg.types.string import BytesBinaryDumper
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from geo.errors import ConflictError, StoreError
from geo.tiles import BUFFER, EXTENT, Bounds

INSTALL_HINT = (
    "install PostGIS: Debian/Ubuntu `apt-get install postgresql-15-postgis-3`, "
    "macOS `brew install postgis`, conda `conda install -c conda-forge postgis`"
)


# Sort memory of the index builds after a first bulk load (PostgreSQL's default is 64MB).
LOAD_SORT_MEMORY = "256MB"

# How a statement finds each group's latest rows fastest here (`cases.status.queries`):
# PostgreSQL sorts once and scans one window over every row.
RANKS_BY = "window"

# Why every statement is planned with its own values: psycopg prepares a statement on its
# sixth run, and PostgreSQL may then switch to one generic plan for all values. Our values
# decide the plan (one street of eleven, one status of eight, a date): the OGC page filtered
# on status and street went from 30 ms to 130 ms once its generic plan (a parallel scan of
# every parcel in code order) took over. Planning costs about a millisecond; keeping the
# prepared statement still saves the parsing.
CUSTOM_PLANS = "force_custom_plan"


def make_engine(url: str, *, read_only: bool = False, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """An engine with a pool of `pool_size` connections (and `max_overflow` more under load);
    with `read_only`, every transaction is read-only (a replica, or reads kept off the primary)."""
    settings = [f"-c plan_cache_mode={CUSTOM_PLANS}"]
    if read_only:
        settings.append("-c default_transaction_read_only=on")
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow,
                         connect_args={"options": " ".join(settings)})


def ensure_spatial(conn: Connection) -> None:
    """Create the postgis extension, or say how to install it."""
    available = conn.execute(
        text("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
    ).scalar()
    if not available:
        raise StoreError(f"the PostGIS extension is not available on this server; {INSTALL_HINT}")
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))


def add_geometry_column(
    conn: Connection, table: str, column: str, geometry_type: str, srid: int, *, nullable: bool
) -> None:
    """Add a typed geometry column and its GiST index."""
    null = "" if nullable else " NOT NULL"
    conn.execute(
        text(f"ALTER TABLE {table} ADD COLUMN {column} geometry({geometry_type}, {srid}){null}")
    )
    conn.execute(text(f"CREATE INDEX ix_{table}_{column} ON {table} USING GIST ({column})"))


def drop_geometry_column(conn: Connection, table: str, column: str) -> None:
    """Undo `add_geometry_column` (for downgrades)."""
    conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))


def geometry_from_wkb(placeholder: str, srid: int) -> str:
    """SQL turning a WKB parameter into a stored geometry."""
    return f"ST_GeomFromWKB({placeholder}, {srid})"


def intersects_bbox(table: str, column: str, id_column: str, alias: str | None = None) -> str:
    """SQL condition keeping rows whose geometry meets the box :minx/:miny/:maxx/:maxy (GiST)."""
    del id_column  # ST_Intersects uses the GiST index by itself
    return f"ST_Intersects({alias or table}.{column}, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4490))"


_SQL_TYPES = {int: "bigint", float: "double precision", bool: "boolean", str: "text"}


def json_member(column: str, key: str, value_type: type) -> str:
    """SQL for one member of a JSON object column, cast to `value_type` (->> gives text)."""
    if not key.isidentifier():
        raise ValueError(f"not a property name: {key!r}")
    return f"CAST(({column} ->> '{key}') AS {_SQL_TYPES.get(value_type, 'text')})"


def lock_for_writing(conn: Connection, table: str) -> None:
    """Make other writers to `table` wait for this transaction (readers still read)."""
    conn.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))


def reader_setup(session: Session) -> dict[str, Any]:
    """How child processes read what this session sees (`geo.child_reader`): the driver,
    its connection URI, statements that put each in the session's snapshot (so several
    may share it), and SQL with its values written in (ADBC would bind parameters row by
    row, not stream a COPY).

    Each child's query runs without parallel workers: the children already read in
    parallel beside the caller, and a 100,000-parcel export took 3.4 s with them
    against 2.8 s without on two cores (Gather Merge sorts, and hashes built per worker).
    """
    snapshot = session.scalar(text("SELECT pg_export_snapshot()"))
    if not re.fullmatch(r"[0-9A-F]+(?:-[0-9A-F]+)+", snapshot or ""):
        raise StoreError(f"the server gave no usable snapshot id ({snapshot!r})")
    url = session.get_bind().url.set(drivername="postgresql")
    return {"driver": "postgresql", "target": url.render_as_string(hide_password=False), "begin": [
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        f"SET TRANSACTION SNAPSHOT '{snapshot}'",
        "SET LOCAL max_parallel_workers_per_gather = 0",
    ], "literal": True, "shared_snapshot": True}


def member_of(column: Any, values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """`column` is one of `values`: one array parameter, planned once, however many values."""
    array = ARRAY(column.type)
    return column == sa.any_(sa.bindparam(None, list(values), type_=array))


def _copy_types(conn: Connection, table: str, columns: Sequence[str]) -> list[str]:
    """Binary COPY types of the columns: geometry travels as EWKB (bytea), JSON as its text."""
    types = dict(conn.execute(
        text("SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = :t"),
        {"t": table},
    ).all())
    wire = {"geometry": "bytea", "json": "text", "jsonb": "text"}
    return [wire.get(types[c], types[c]) for c in columns]


def bulk_insert(
    conn: Connection, table: str, columns: Sequence[str], geometry_column: str, srid: int,
    rows: Iterable[Sequence[Any]], geoms: NDArray[np.object_],
) -> int:
    """Insert rows and their geometries (aligned) with binary COPY; returns the count.

    Binary COPY of EWKB is several times faster than INSERTs or text COPY;
    the typed column checks the SRID.
    """
    with _named_key_violations(table), _copy_into(conn, table, [*columns, geometry_column]) as copy:
        return _copy_rows(copy, rows, geoms, srid)


@contextmanager
def _copy_into(conn: Connection, table: str, names: Sequence[str]) -> Iterator[Copy]:
    """One binary COPY into these columns of `table`, its types set."""
    dbapi = conn.connection.driver_connection
    if dbapi is None:
        raise StoreError("no PostgreSQL connection for COPY")
    types = _copy_types(conn, table, names)
    with dbapi.cursor() as cursor:
        # By type name, bytea's binary dumper is psycopg.dbapi20's Python one (a call per row);
        # registered for bytes on this cursor alone, it is psycopg's C one.
        cursor.adapters.register_dumper(bytes, BytesBinaryDumper)
        with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            yield copy


def _copy_rows(copy: Copy, rows: Iterable[Sequence[Any]], geoms: NDArray[np.object_], srid: int) -> int:
    """Write rows and their geometries (as EWKB) into a COPY; returns the count."""
    count = 0
    for row, geometry in zip(rows, ewkb(geoms, srid), strict=True):
        copy.write_row([*row, geometry])
        count += 1
    return count


def ewkb(geoms: NDArray[np.object_], srid: int) -> list[bytes | None]:
    """PostGIS's EWKB of each geometry (None stays None) with this SRID: its little-endian WKB, the
    SRID flag set in the type and the SRID after it (shapely's `set_srid` would copy every geometry)."""
    tag = struct.pack("<I", srid)
    return [None if wkb is None else b"".join((wkb[:4], bytes((wkb[4] | 0x20,)), tag, wkb[5:]))
            for wkb in shapely.to_wkb(geoms, byte_order=1).tolist()]


@contextmanager
def _named_key_violations(table: str) -> Iterator[None]:
    """A row whose street or import run is gone (deleted while the load ran) as one ConflictError line.

    PostgreSQL reports it as a foreign key violation, through psycopg (a COPY)
    or SQLAlchemy (adding a key back); the transaction is then aborted, and
    the caller's rollback leaves nothing of the load.
    """
    try:
        yield
    except (psycopg.errors.ForeignKeyViolation, sa.exc.IntegrityError) as err:
        cause = getattr(err, "orig", err)
        if not isinstance(cause, psycopg.errors.ForeignKeyViolation):
            raise
        detail = (cause.diag.message_detail or str(cause)).splitlines()[0].rstrip(".")
        raise ConflictError(f"{table}: {detail} (deleted while the load ran?); nothing was stored, try again",
                            code="foreign_key") from err


def timestamp(value: datetime) -> datetime:
    """An aware datetime for COPY into a timestamptz column (psycopg sends it as is)."""
    return value


def member_of_many(column: Any, values: Sequence[int]) -> sa.ColumnElement[bool]:
    """`column` is one of any number of integer `values`: one array parameter."""
    return column == sa.any_(sa.bindparam(None, [int(v) for v in values], type_=ARRAY(sa.BigInteger)))


def member_of_many_sql(column: str, name: str, values: Sequence[int]) -> tuple[str, Any]:
    """SQL text `column` is one of `values`, with the one parameter `:name` to bind to (an array)."""
    return f"{column} = ANY(:{name})", [int(v) for v in values]


def _client(tool: str, url: str) -> tuple[list[str], dict[str, str]]:
    """The PostgreSQL client `tool` with the database's libpq URL, and its password in the environment."""
    if shutil.which(tool) is None:
        raise StoreError(f"{tool} not found: install the PostgreSQL client of the server's version "
                         "(Debian `apt-get install postgresql-client-15`)")
    parsed = make_url(url)
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    target = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return [tool, "--dbname", target], env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        reason = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise StoreError(f"{command[0]}: {reason}")


def backup_database(url: str, dest: Path, tables: Sequence[str]) -> dict[str, int]:
    """`pg_dump -Fc` of the database into `dest`, in the snapshot where `tables` are counted
    (a repeatable-read transaction exports it and stays open until the dump is done)."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ")
    command, env = _client("pg_dump", url)
    try:
        with engine.connect() as conn, conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            present = set(sa.inspect(conn).get_table_names())
            counts = {t: conn.scalar(text(f'SELECT COUNT(*) FROM "{t}"')) for t in tables if t in present}
            _run([*command, "--format=custom", "--no-owner", f"--snapshot={snapshot}", "--file", str(dest)],
                 env)
    finally:
        engine.dispose()
    return counts


def restore_database(url: str, source: Path) -> None:
    """`pg_restore` the dump into the database, replacing what is there, in one transaction."""
    command, env = _client("pg_restore", url)
    _run([*command, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          str(source)], env)


def vector_tile(
    session: Session, *, table: str, id_column: str, geom_column: str, ids: Sequence[int],
    attributes: Mapping[str, Sequence[str]], bounds: Bounds, layer: str,
) -> bytes:
    """One Mapbox Vector Tile layer of these rows (`attributes` aligned with `ids`), by ST_AsMVT.

    `bounds` is the tile in EPSG:3857; the rows' ids and text attributes go in
    as arrays, so the geometry never leaves the database.
    """
    if not ids:
        return b""
    names = list(attributes)
    if not all(name.isidentifier() for name in names):
        raise ValueError(f"not attribute names: {names!r}")
    arrays = "".join(f", CAST(:a{i} AS text[])" for i in range(len(names)))
    sql = (
        f"SELECT ST_AsMVT(t, :layer, {EXTENT}, 'geom') FROM (SELECT {', '.join('a.' + n for n in names)}, "
        f"ST_AsMVTGeom(ST_Transform(p.{geom_column}, 3857), "
        f"ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 3857), {EXTENT}, {BUFFER}, true) AS geom "
        f"FROM unnest(CAST(:ids AS bigint[]){arrays}) AS a(tile_row_id, {', '.join(names)}) "
        f"JOIN {table} p ON p.{id_column} = a.tile_row_id) t WHERE t.geom IS NOT NULL"
    )
    params: dict[str, Any] = {f"a{i}": list(attributes[name]) for i, name in enumerate(names)}
    params |= dict(zip(("xmin", "ymin", "xmax", "ymax"), bounds, strict=True))
    body = session.execute(text(sql), params | {"ids": [int(i) for i in ids], "layer": layer}).scalar()
    return bytes(body or b"")


@contextmanager
def indexes_built_after(conn: Connection, table: str) -> Iterator[None]:
    """Drop `table`'s indexes that back no constraint, and its foreign keys, for a bulk insert in
    the block; build them again after it, the indexes sorted in memory, the keys checked in one join."""
    indexes = conn.execute(text(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = CAST(:t AS regclass) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
    ), {"t": table}).all()
    foreign_keys = conn.execute(text(
        "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY conname"
    ), {"t": table}).all()
    for name, _definition in foreign_keys:
        conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
    for name, _definition in indexes:
        conn.execute(text(f"DROP INDEX {name}"))
    yield
    if indexes:  # sorted in memory rather than in temporary files (this transaction only)
        conn.execute(text(f"SET LOCAL maintenance_work_mem = '{LOAD_SORT_MEMORY}'"))
    for _name, definition in indexes:
        conn.execute(text(definition))
    for name, definition in foreign_keys:
        conn.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"))


def bulk_load(
    conn: Connection, table: str, columns: Sequence[str], geometry_column: str, srid: int,
    batches: Iterable[tuple[Sequence[Sequence[Any]], NDArray[np.object_]]],
) -> int:
    """Insert many batches of rows and geometries, as `bulk_insert` does, in one COPY; returns the count.

    One COPY for all batches lets the server store a batch while the caller
    prepares the next one (a batch may read and check a chunk of a file).
    Into an empty table (a first load), the indexes that back no constraint
    are dropped first and built again at the end, as ogr2ogr does: building
    the GiST index once, sorted, is several times faster than growing it a
    row at a time. Its foreign keys are dropped too and added again at the
    end, which checks every row in one join instead of one lookup per row
    (0.4-0.9 s of a 3 s COPY of 100,000 parcels); a row that breaks one fails
    the load as before, naming the key (a ConflictError). Readers of the table wait for the
    load's commit then, which into an empty table loses them nothing; into a
    table in use, indexes and keys are kept, so readers are never held up.
    """
    empty = conn.execute(text(f"SELECT NOT EXISTS (SELECT 1 FROM {table})")).scalar()
    with (_named_key_violations(table),  # a key broken meanwhile fails when it is added back
          indexes_built_after(conn, table) if empty else nullcontext(),
          _copy_into(conn, table, [*columns, geometry_column]) as copy):
        count = sum(_copy_rows(copy, rows, geoms, srid) for rows, geoms in batches)
    return count
