"""SpatiaLite backend: a single SQLite file with the mod_spatialite extension."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import numpy as np

# GDAL must be loaded before mod_spatialite, or the process crashes when both
# are in it (their PROJ/GEOS symbols clash the other way round). Processes that
# only read rows and never load GDAL use `geo.dialects.sqlite_connection` alone.
import pyogrio  # noqa: F401
import shapely
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from geo.dialects.spatialite_blob import spatialite_blobs
from geo.dialects.sqlite_connection import driver_module, prepare_connection
from geo.errors import StoreError
from geo.prefetch import prefetched
from geo.tiles import BUFFER, EXTENT, Bounds, to_mercator
from geo.write_turn import holds_turn

# The page cache of a bulk load (SQLite's default is 2 MB), and the rows ANALYZE samples per index after it.
LOAD_CACHE_KIB = 256 * 1024
ANALYSIS_LIMIT = 1000
ROWS_PER_STATEMENT = 1000  # rows a bulk load inserts with one statement

# How a statement finds each group's latest rows fastest here (`cases.status.queries`): SQLite
# materialises every row of a window, so seeks down an index, group by group, are twice as fast.
RANKS_BY = "seek"


def _on_begin(conn: Connection) -> None:
    """Begin transactions ourselves: pysqlite's implicit ones skip DDL and SELECT-writes.

    A writer holding the write turn (`geo.write_turn`) begins IMMEDIATE: it is
    the writer from its first read, so no commit in between can make its later
    writes fail with "database is locked".
    """
    database = conn.engine.url.database
    immediate = bool(database) and database != ":memory:" and holds_turn(database)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, read_only: bool = False, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """An engine whose every connection has SpatiaLite loaded; with `read_only`, writes fail."""
    parsed = make_url(url)
    engine = create_engine(parsed, module=driver_module(), connect_args={"isolation_level": None},
                           pool_size=pool_size, max_overflow=max_overflow)
    event.listen(engine, "connect",
                 lambda dbapi_conn, _record: prepare_connection(dbapi_conn, read_only=read_only))
    event.listen(engine, "begin", _on_begin)
    return engine


def ensure_spatial(conn: Connection) -> None:
    """Create SpatiaLite's metadata tables once; they must know SRIDs 4490 and 4547."""
    has_metadata = conn.execute(
        text("SELECT count(*) FROM sqlite_master WHERE name = 'spatial_ref_sys'")
    ).scalar()
    if not has_metadata:
        # Inside the caller's transaction: 0.1 s instead of 7 s in autocommit.
        conn.execute(text("SELECT InitSpatialMetadata(0)"))
    for srid in (4326, 4490, 4547):
        known = conn.execute(
            text("SELECT count(*) FROM spatial_ref_sys WHERE srid = :srid"), {"srid": srid}
        ).scalar()
        if not known:
            conn.execute(text("SELECT InsertEpsgSrid(:srid)"), {"srid": srid})


def add_geometry_column(
    conn: Connection, table: str, column: str, geometry_type: str, srid: int, *, nullable: bool
) -> None:
    """Register a geometry column with SpatiaLite and give it an R*Tree index."""
    done = conn.execute(
        text("SELECT AddGeometryColumn(:t, :c, :srid, :gt, 'XY', :notnull)"),
        {"t": table, "c": column, "srid": srid, "gt": geometry_type.upper(), "notnull": int(not nullable)},
    ).scalar()
    if not done:
        raise StoreError(f"SpatiaLite could not add geometry column {table}.{column}")
    conn.execute(text("SELECT CreateSpatialIndex(:t, :c)"), {"t": table, "c": column})


def drop_geometry_column(conn: Connection, table: str, column: str) -> None:
    """Undo `add_geometry_column` (for downgrades)."""
    conn.execute(text("SELECT DisableSpatialIndex(:t, :c)"), {"t": table, "c": column})
    conn.execute(text(f'DROP TABLE IF EXISTS "idx_{table}_{column}"'))
    conn.execute(text("SELECT DiscardGeometryColumn(:t, :c)"), {"t": table, "c": column})


def geometry_from_wkb(placeholder: str, srid: int) -> str:
    """SQL turning a WKB parameter into a stored geometry."""
    return f"GeomFromWKB({placeholder}, {srid})"


def intersects_bbox(table: str, column: str, id_column: str, alias: str | None = None) -> str:
    """SQL condition keeping rows whose geometry meets the box :minx/:miny/:maxx/:maxy.

    The ORM's ST_Intersects does not use SpatiaLite's R*Tree by itself; the
    SpatialIndex virtual table narrows the rows first. `alias` is the table's
    name in the query, where it has one.
    """
    name = alias or table
    return (
        f"{name}.{id_column} IN (SELECT rowid FROM SpatialIndex WHERE f_table_name = '{table}' "
        f"AND f_geometry_column = '{column}' "
        "AND search_frame = BuildMbr(:minx, :miny, :maxx, :maxy)) "
        f"AND ST_Intersects({name}.{column}, BuildMbr(:minx, :miny, :maxx, :maxy, 4490))"
    )


def json_member(column: str, key: str, value_type: type) -> str:
    """SQL for one member of a JSON object column; json_extract keeps the JSON value's own type."""
    if not key.isidentifier():
        raise ValueError(f"not a property name: {key!r}")
    return f"json_extract({column}, '$.{key}')"


def lock_for_writing(conn: Connection, table: str) -> None:
    """Nothing to do: SQLite has one writer at a time."""
    del conn, table


def reader_setup(session: Session) -> dict[str, Any]:
    """How a child process reads the store (`geo.child_reader`): the driver, the file, and
    one read transaction (SQLite cannot share this session's snapshot with it)."""
    return {"driver": "sqlite", "target": session.get_bind().url.database, "begin": ["BEGIN"],
            "literal": False, "shared_snapshot": False}


def member_of(column: Any, values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """`column` is one of `values` (an IN list; keep lists under SQLite's 32,766 parameters)."""
    return column.in_(list(values))


def bulk_insert(
    conn: Connection, table: str, columns: Sequence[str], geometry_column: str, srid: int,
    rows: Iterable[Sequence[Any]], geoms: NDArray[np.object_],
) -> int:
    """Insert rows and their geometries (aligned); returns the count.

    One prepared statement run with executemany inside the caller's
    transaction is the fastest path SQLite offers.
    """
    names = [*columns, geometry_column]
    placeholders = ["?"] * len(columns) + [geometry_from_wkb("?", srid)]
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(placeholders)})"
    batch = [(*row, wkb) for row, wkb in zip(rows, shapely.to_wkb(geoms), strict=True)]
    conn.exec_driver_sql(sql, batch)
    return len(batch)


def timestamp(value: datetime) -> str:
    """An aware datetime as SQLAlchemy stores it in SQLite: naive UTC text."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def member_of_many(column: Any, values: Sequence[int]) -> sa.ColumnElement[bool]:
    """`column` is one of any number of integer `values`: one JSON array parameter, read by json_each
    (an IN list stops at SQLite's 32,766 parameters)."""
    array = json.dumps([int(v) for v in values])
    return column.in_(sa.select(sa.column("value")).select_from(sa.func.json_each(sa.bindparam(None, array))))


def member_of_many_sql(column: str, name: str, values: Sequence[int]) -> tuple[str, Any]:
    """SQL text `column` is one of `values`, with the one parameter `:name` to bind to (JSON text)."""
    return f"{column} IN (SELECT value FROM json_each(:{name}))", json.dumps([int(v) for v in values])


def backup_database(url: str, dest: Path, tables: Sequence[str]) -> dict[str, int]:
    """Copy the file to `dest` with SQLite's online backup API (one consistent snapshot, while
    others keep writing); returns the row count of each of `tables` in the copy.

    The copy is written without a journal and without fsync, as `sqlite3 .backup --async`
    does (3 GB in 4.4-5.7 s instead of 6.5-7.2 s): `dest` is a new file in a folder of its
    own, and becomes an archive, flushed once, only when complete (`geo.backup`); a crash
    leaves an unfinished copy there, never a damaged archive. Only this connection to the
    copy has these settings; the store's file and connections keep theirs (WAL, FULL), and
    the copy's header keeps the store's WAL mode.
    """
    source = driver_module().connect(make_url(url).database)
    copy = driver_module().connect(dest)
    try:
        copy.execute("PRAGMA journal_mode = OFF")
        copy.execute("PRAGMA synchronous = OFF")
        source.backup(copy)
        present = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {t: copy.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables if t in present}
    finally:
        copy.close()
        source.close()


def restore_database(url: str, source: Path) -> None:
    """Replace the store's file by the copy at `source`, through the same backup API."""
    copy = driver_module().connect(source)
    target = driver_module().connect(make_url(url).database)
    try:
        copy.backup(target)
    except Exception as err:
        raise StoreError(f"cannot restore into {make_url(url).database}: {err}") from err
    finally:
        target.close()
        copy.close()


def vector_tile(
    session: Session, *, table: str, id_column: str, geom_column: str, ids: Sequence[int],
    attributes: Mapping[str, Sequence[str]], bounds: Bounds, layer: str,
) -> bytes:
    """One Mapbox Vector Tile layer of these rows (`attributes` aligned with `ids`).

    SpatiaLite has no tile encoder: the rows' geometry is read by id,
    projected, clipped to the tile and its buffer, and encoded by
    mapbox-vector-tile, to the same extent and buffer as PostGIS's ST_AsMVT.
    """
    if not ids:
        return b""
    condition, value = member_of_many_sql(id_column, "ids", ids)
    rows = session.execute(
        text(f"SELECT {id_column}, AsBinary({geom_column}) FROM {table} WHERE {condition}"), {"ids": value}
    ).all()
    wkb = {int(row_id): blob for row_id, blob in rows}
    present = [i for i, row_id in enumerate(ids) if int(row_id) in wkb]
    west, south, east, north = bounds
    pad = (east - west) * BUFFER / EXTENT
    shapes = shapely.clip_by_rect(
        to_mercator(shapely.from_wkb([wkb[int(ids[i])] for i in present])),
        west - pad, south - pad, east + pad, north + pad,
    )
    scale = np.array([EXTENT / (east - west), EXTENT / (north - south)])
    in_tile = shapely.transform(shapes, lambda xy: (xy - np.array([west, south])) * scale)  # y up
    features = [
        {"geometry": shape, "properties": {name: values[i] for name, values in attributes.items()}}
        for i, shape in zip(present, in_tile, strict=True) if not shape.is_empty
    ]
    if not features:
        return b""
    return mapbox_vector_tile.encode([{"name": layer, "features": features}],
                                     default_options={"extents": EXTENT})


def bulk_load(
    conn: Connection, table: str, columns: Sequence[str], geometry_column: str, srid: int,
    batches: Iterable[tuple[Sequence[Sequence[Any]], NDArray[np.object_]]],
) -> int:
    """Insert many batches of rows and geometries (as `bulk_insert`), indexing them once at the end.

    SpatiaLite's triggers check each row's type and SRID, add it to the
    R*Tree and stamp `geometry_columns_time`, one row at a time; dropped for
    the load and put back afterwards, with the check and the new rows' boxes
    done in one statement each per batch, the load takes a third of the
    time. Into an empty table, the B-tree indexes are also built once at the
    end. DDL is transactional in SQLite: call this in the caller's
    transaction, whose rollback on error brings the triggers and indexes back.

    The thread that holds the write only inserts: a second thread takes the
    caller's next batch and makes its rows and SpatiaLite BLOBs meanwhile
    (`spatialite_blob`; SQLite works without the GIL). The load runs with a
    page cache of LOAD_CACHE_KIB (the R*Tree and the indexes are built in it
    rather than through the file), and ends with an ANALYZE of the table, so
    the planner knows its new size at once.
    """
    cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{LOAD_CACHE_KIB}")
    try:
        count = _load(conn, table, columns, geometry_column, srid, batches)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")
    limit = conn.exec_driver_sql("PRAGMA analysis_limit").scalar()
    conn.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    conn.exec_driver_sql(f'ANALYZE "{table}"')
    conn.exec_driver_sql(f"PRAGMA analysis_limit = {int(limit)}")
    return count


def _declared(conn: Connection, table: str, geometry_column: str) -> tuple[str, int] | None:
    """The geometry type and SRID SpatiaLite's insert trigger checks this column against."""
    row = conn.exec_driver_sql(
        "SELECT geometry_type, srid FROM geometry_columns "
        "WHERE lower(f_table_name) = lower(?) AND lower(f_geometry_column) = lower(?)",
        (table, geometry_column),
    ).first()
    return (row[0], int(row[1])) if row else None


def _check_and_index(
    conn: Connection, table: str, geometry_column: str, declared: tuple[str, int] | None,
    saved: Mapping[str, str], after: int,
) -> int:
    """The work of the dropped triggers (`saved`) for the rows after rowid `after`, in one statement
    each: the type and SRID check (against the column's `declared` type), and their boxes in the
    R*Tree. Returns the last rowid."""
    column = f'"{geometry_column}"'
    if f"ggi_{table}_{geometry_column}" in saved and declared is not None:
        refused = conn.exec_driver_sql(
            f'SELECT min(rowid) FROM "{table}" WHERE rowid > ? AND GeometryConstraints({column}, ?, ?) = 0',
            (after, *declared),
        ).scalar()
        if refused is not None:
            raise StoreError(f"{table}.{geometry_column} violates Geometry constraint "
                             "[geom-type or SRID not allowed]")
    if f"gii_{table}_{geometry_column}" in saved:
        conn.exec_driver_sql(
            f'INSERT INTO "idx_{table}_{geometry_column}" (pkid, xmin, xmax, ymin, ymax) '
            f"SELECT rowid, MbrMinX({column}), MbrMaxX({column}), MbrMinY({column}), MbrMaxY({column}) "
            f'FROM "{table}" WHERE rowid > ? AND {column} IS NOT NULL', (after,),
        )
    return int(conn.exec_driver_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').scalar())


def _insert_grouped(
    conn: Connection, table: str, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows many to a statement (up to ROWS_PER_STATEMENT, within SQLite's parameter limit).

    pysqlite lets go of the GIL around each statement it steps: one row per
    statement, the writer must win the GIL back a million times from the
    thread preparing the next batch, and CPython hands it over only every
    few milliseconds (its "convoy effect"): with a busy Python thread beside
    it, 100,000 one-row inserts took 46 s instead of 1 s; in statements of
    1,000 rows, 1.7 s.
    """
    parameters = 32_766 if driver_module().sqlite_version_info >= (3, 32) else 999  # the default limits
    per = max(1, min(ROWS_PER_STATEMENT, parameters // len(names)))
    values = "(" + ", ".join("?" * len(names)) + ")"
    head = f'INSERT INTO "{table}" ({", ".join(names)}) VALUES '
    whole = len(rows) // per * per
    if whole:
        conn.exec_driver_sql(head + ", ".join([values] * per),
                             [tuple(itertools.chain.from_iterable(rows[start:start + per]))
                              for start in range(0, whole, per)])
    if whole < len(rows):
        conn.exec_driver_sql(head + values, list(rows[whole:]))


def _encoded(
    batches: Iterable[tuple[Sequence[Sequence[Any]], NDArray[np.object_]]], srid: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Each batch's rows with their geometry as SpatiaLite's BLOB appended, ready to insert."""
    for rows, geoms in batches:
        yield [(*row, blob) for row, blob in zip(rows, spatialite_blobs(geoms, srid), strict=True)]


def _load(
    conn: Connection, table: str, columns: Sequence[str], geometry_column: str, srid: int,
    batches: Iterable[tuple[Sequence[Sequence[Any]], NDArray[np.object_]]],
) -> int:
    """`bulk_load` without its settings."""
    names = [f"{prefix}_{table}_{geometry_column}" for prefix in ("gii", "tmi", "ggi")]
    saved = dict(conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?, ?)", tuple(names),
    ).all())
    before = conn.exec_driver_sql(f'SELECT coalesce(max(rowid), 0) FROM "{table}"').scalar()
    for name in saved:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    declared = _declared(conn, table, geometry_column)
    count, done = 0, before
    with indexes_built_after(conn, table) if before == 0 else nullcontext():
        for rows in prefetched(_encoded(batches, srid)):  # the next batch is made and encoded meanwhile
            _insert_grouped(conn, table, [*columns, geometry_column], rows)
            count += len(rows)
            done = _check_and_index(conn, table, geometry_column, declared, saved, done)
    if names[1] in saved:
        conn.exec_driver_sql(
            "UPDATE geometry_columns_time SET last_insert = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE lower(f_table_name) = lower(?) AND lower(f_geometry_column) = lower(?)",
            (table, geometry_column),
        )
    for sql in saved.values():
        conn.exec_driver_sql(sql)
    return count


@contextmanager
def indexes_built_after(conn: Connection, table: str) -> Iterator[None]:
    """Drop `table`'s own indexes for a bulk insert in the block and build each once after it,
    sorted, instead of growing it a row at a time."""
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,),
    ).all()
    for name, _sql in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        conn.exec_driver_sql(sql)
