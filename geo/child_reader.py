"""Query results as Arrow record batches, read by child processes.

Turning 100,000 wide database rows into Python objects costs more than GDAL
needs to write them, and it holds the GIL, so a reader thread cannot overlap
the writing. A child process (`geo.rows_child`) reads on the other core
instead and hands over columnar Arrow batches through a pipe, which cost next
to nothing to take in. The pipe is widened to 1 MB, so a batch of a few MB
arrives in a few reads.

On PostgreSQL the children read in a snapshot exported from the session's
transaction: the data as committed when the reader was made, whatever is
committed after; `numeric` columns arrive as text (cast to float in the SQL
where a number is wanted). Since they share it, several children may run the
statements in turn (`children=2`: the first, third… in one, the second,
fourth… in the other), so the server works out the next statement's rows
while the caller takes in the current one's. SQLite cannot share snapshots:
one child reads the data as committed when it starts, in one transaction for
all its statements, whatever `children` asks for.

    with ChildReader(session, [statement_1, statement_2], chunk=10_000) as reader:
        for batch in reader.batches():  # statement_1's rows
            ...
        for batch in reader.batches():  # statement_2's rows
            ...
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any, BinaryIO

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.dialects import select_dialect
from geo.errors import StoreError
from geo.rows_child import DRIVERS, FRAME_LENGTH

PIPE_BYTES = 1 << 20  # Linux's default ceiling for an unprivileged pipe


class ChildReader:
    """Child processes running `statements` in turn; `batches()` yields the next one's rows."""

    def __init__(self, session: Session, statements: Sequence[sa.Executable], *, chunk: int,
                 children: int = 1) -> None:
        dialect = session.get_bind().dialect
        setup = select_dialect(dialect.name).reader_setup(session)
        compiled = [_driver_sql(s, dialect, literal=setup["literal"]) for s in statements]
        count = max(1, min(children if setup.pop("shared_snapshot") else 1, len(compiled)))
        self._children: list[_Child] = []
        self._next = 0
        try:
            for k in range(count):
                self._children.append(_Child({**setup, "chunk": chunk, "statements": compiled[k::count]}))
        except BaseException:
            self.close()
            raise

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows of the next statement, `chunk` at a time."""
        child = self._children[self._next % len(self._children)]
        self._next += 1
        return child.batches()

    @property
    def exit_codes(self) -> list[int | None]:
        """Each child's exit status (None while it runs); -9 for one stopped early."""
        return [child.exit_code for child in self._children]

    def close(self) -> None:
        """Stop the children still reading (the caller stopped early) and reap them."""
        for child in self._children:
            child.close()

    def __enter__(self) -> ChildReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def read_here(session: Session, statement: sa.Executable) -> pa.Table | None:
    """One statement's rows as an Arrow table (None: no rows), read as a child would but in this
    process: a caller with nothing to do meanwhile would only wait out the child's start-up."""
    dialect = session.get_bind().dialect
    setup = select_dialect(dialect.name).reader_setup(session)
    compiled = _driver_sql(statement, dialect, literal=setup["literal"])
    batches = DRIVERS[setup["driver"]](setup["target"], setup["begin"], [compiled], 1 << 20)  # rows a batch
    found = [batch for batch in batches if batch is not None]
    return pa.Table.from_batches(found) if found else None


class _Child:
    """One `geo.rows_child` process running its statements in order."""

    def __init__(self, request: dict[str, Any]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "geo.rows_child"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._out: BinaryIO = self._process.stdout
        fcntl.fcntl(self._out.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self._process.stdin.write(json.dumps(request).encode())
        self._process.stdin.close()

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The rows of the child's next statement."""
        while True:
            length = FRAME_LENGTH.unpack(self._read(FRAME_LENGTH.size))[0]
            if length == 0:
                return
            yield from pa.ipc.open_stream(pa.py_buffer(self._read(length)))

    def _read(self, size: int) -> bytes:
        data = self._out.read(size)
        if len(data) < size:
            raise self._failure()
        return data

    def _failure(self) -> StoreError:
        """The child's own one-line error, once it has exited."""
        self._process.wait()
        assert self._process.stderr is not None
        lines = self._process.stderr.read().decode(errors="replace").strip().splitlines()
        return StoreError(f"reading the database: {lines[-1] if lines else 'the reader stopped'}")

    @property
    def exit_code(self) -> int | None:
        """The child's exit status, None while it runs."""
        return self._process.returncode

    def close(self) -> None:
        """Kill the child if it is still reading and reap it."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._out.close()
        if self._process.stderr is not None:
            self._process.stderr.close()


def _driver_sql(statement: sa.Executable, dialect: sa.Dialect, *, literal: bool) -> tuple[str, Any]:
    """The statement as the driver takes it: SQL text and its parameters, or with the
    values written into the SQL (`literal`; bound values then need a type)."""
    if literal:  # compiled for a named paramstyle, which leaves '%' single
        named = type(dialect)(paramstyle="named")
        return str(statement.compile(dialect=named, compile_kwargs={"literal_binds": True})), None
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if compiled.positional:
        return compiled.string, [params[name] for name in compiled.positiontup or ()]
    return compiled.string, params
