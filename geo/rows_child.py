"""The child process of `geo.child_reader`: run statements, send their rows as Arrow batches.

    python -m geo.rows_child < request.json > frames

The request (JSON on stdin) names the driver and its connection, the
statements that begin the read transaction, the statements to run with their
parameters, and the most rows per batch. Each batch goes to stdout as an
Arrow IPC stream after its length (8 bytes); length 0 ends a statement. Only
pyarrow and the driver are imported, so the child is reading within a
fraction of a second. A failure ends it with one line on stderr and exit
status 1.

SQLite rows come through its DB-API driver and are made columns here;
PostgreSQL rows come through ADBC, which reads binary COPY output straight
into Arrow in C, several times faster than building Python rows.
"""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

import pyarrow as pa

FRAME_LENGTH = struct.Struct("<Q")


def _array(values: Sequence[Any]) -> pa.Array:
    """One column; values of mixed types (SQLite allows them) become text."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _write(out: BinaryIO, batch: pa.RecordBatch | None) -> None:
    """One batch with its length first; None ends the statement."""
    if batch is None:
        out.write(FRAME_LENGTH.pack(0))
        return
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    data = sink.getvalue()
    out.write(FRAME_LENGTH.pack(data.size))
    out.write(data)


def _sqlite_batches(target: str, begin: list[str], statements: list[Any],
                    chunk: int) -> Iterator[pa.RecordBatch | None]:
    from geo.dialects.sqlite_connection import connect

    connection = connect(target)
    try:
        cursor = connection.cursor()
        for sql in begin:
            cursor.execute(sql)
        for sql, params in statements:
            cursor.execute(sql, params)
            names = [column[0] for column in cursor.description]
            while rows := cursor.fetchmany(chunk):
                columns = [_array(values) for values in zip(*rows, strict=True)]
                yield pa.RecordBatch.from_arrays(columns, names=names)
            yield None
    finally:
        connection.close()


def _postgresql_batches(target: str, begin: list[str], statements: list[Any],
                        chunk: int) -> Iterator[pa.RecordBatch | None]:
    # ADBC's low-level API: its DB-API layer imports pandas, a third of a second of start-up.
    import adbc_driver_manager as adbc
    import adbc_driver_postgresql

    with (adbc_driver_postgresql.connect(target) as database,
          adbc.AdbcConnection(database) as connection,
          adbc.AdbcStatement(connection) as statement):
        connection.set_autocommit(False)  # one transaction, begun by the first statement
        for sql in begin:
            statement.set_sql_query(sql)
            statement.execute_update()
        for sql, _no_params in statements:  # the SQL holds its values (ADBC binds per row)
            statement.set_sql_query(sql)
            stream, _rows = statement.execute_query()
            for batch in pa.RecordBatchReader._import_from_c(stream.address):
                for start in range(0, batch.num_rows, chunk):
                    yield batch.slice(start, chunk)
            yield None


DRIVERS: dict[str, Callable[..., Iterator[pa.RecordBatch | None]]] = {
    "sqlite": _sqlite_batches, "postgresql": _postgresql_batches,
}


def serve(request: dict[str, Any], out: BinaryIO) -> None:
    """Run the request's statements and write their batches to `out` (None ends a statement)."""
    batches = DRIVERS[request["driver"]](request["target"], request["begin"], request["statements"],
                                         request["chunk"])
    for batch in batches:
        _write(out, batch)
    out.flush()


def main() -> int:
    """Serve the request on stdin; a one-line error on stderr if it fails."""
    try:
        serve(json.load(sys.stdin), sys.stdout.buffer)
    except BrokenPipeError:
        return 0  # the parent stopped reading: nothing more to do
    except Exception as err:  # the parent reports this line
        print(f"{type(err).__name__}: {err}".splitlines()[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
