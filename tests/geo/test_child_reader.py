"""Reading rows in a child process: the same rows as the session, statement by statement."""

from __future__ import annotations

import signal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geo.child_reader import ChildReader, read_here
from geo.errors import StoreError

# Rows 1..:count with text (Chinese), NULLs and a '%' that the driver must not take for a placeholder.
NUMBERS = sa.text(
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
    "SELECT i, '地块' || i AS label, "
    "CASE WHEN i % 2 = 0 THEN NULL ELSE CAST(i * 1.5 AS DOUBLE PRECISION) END AS half, "
    "'100%' AS share FROM n ORDER BY i"
)


def _streets(session: Session) -> list[str]:
    return list(session.scalars(sa.text("SELECT code FROM streets ORDER BY code")))


def _add_street(conn: sa.Connection, code: str) -> None:
    conn.execute(sa.text("INSERT INTO streets (code, name, short_name, schematic, updated_at) "
                         "VALUES (:code, '街道', '街', false, CURRENT_TIMESTAMP)"), {"code": code})


def test_rows_come_in_chunks_statement_by_statement_as_the_session_reads_them(store):
    with store.session() as session:
        expected = [tuple(row) for row in session.execute(NUMBERS, {"count": 5})]
        statements = [NUMBERS.bindparams(count=5), NUMBERS.bindparams(count=1)]
        with ChildReader(session, statements, chunk=2) as reader:
            first = list(reader.batches())
            second = list(reader.batches())
    assert [b.num_rows for b in first] == [2, 2, 1]
    rows = [tuple(r.values()) for b in first for r in b.to_pylist()]
    assert rows == expected
    assert rows[1] == (2, "地块2", None, "100%")
    assert [r["label"] for b in second for r in b.to_pylist()] == ["地块1"]


def test_children_take_the_statements_in_turn_and_stop_together(store):
    counts = [3, 1, 4, 2, 200_000]
    with store.session() as session:
        reader = ChildReader(session, [NUMBERS.bindparams(count=n) for n in counts], chunk=2, children=2)
        with reader:
            sizes = [sum(b.num_rows for b in reader.batches()) for _ in counts[:-1]]
            next(reader.batches())
    assert sizes == counts[:-1]
    shared = store.engine.dialect.name == "postgresql"  # SQLite cannot share a snapshot
    assert len(reader.exit_codes) == (2 if shared else 1)
    assert reader.exit_codes[0] == -signal.SIGKILL  # the one still reading the last statement
    assert None not in reader.exit_codes  # every child reaped


def test_a_failing_statement_gives_the_childs_one_line_error(store):
    with store.session() as session:
        reader = ChildReader(session, [sa.text("SELECT code FROM no_such_table")], chunk=10)
        with reader, pytest.raises(StoreError, match=r"^reading the database: .*no_such_table") as error:
            list(reader.batches())
    assert "\n" not in str(error.value)
    assert reader.exit_codes == [1]


def test_stopping_early_stops_the_child(store):
    with store.session() as session:
        reader = ChildReader(session, [NUMBERS.bindparams(count=200_000)], chunk=10)
        with reader:
            next(reader.batches())
    assert reader.exit_codes == [-signal.SIGKILL]  # stopped mid-way, not run to its end


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_on_postgis_the_child_reads_the_snapshot_of_the_sessions_transaction(store):
    with store.session() as session:
        _add_street(session.connection(), "MINE")  # uncommitted: the child must not see it either
        reader = ChildReader(session, [sa.text("SELECT code FROM streets ORDER BY code")], chunk=100)
        with reader:
            with store.engine.begin() as other:  # committed after the snapshot was handed over
                _add_street(other, "LATER")
            child = [r["code"] for b in reader.batches() for r in b.to_pylist()]
    with store.session() as session:
        assert _streets(session) == ["LATER", "MINE"]  # both there now
    assert child == []


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_on_postgis_every_child_reads_the_same_snapshot(store):
    streets = sa.text("SELECT code FROM streets ORDER BY code")
    with store.engine.begin() as conn:
        _add_street(conn, "EARLY")
    with store.session() as session:
        reader = ChildReader(session, [streets, streets, streets], chunk=100, children=2)
        with reader:
            with store.engine.begin() as other:  # committed before either child has connected
                _add_street(other, "LATER")
            seen = [[r["code"] for b in reader.batches() for r in b.to_pylist()] for _ in range(3)]
    assert len(reader.exit_codes) == 2
    assert seen == [["EARLY"]] * 3


def test_read_here_gives_the_sessions_rows_as_one_table_and_none_for_no_rows(store):
    with store.session() as session:
        expected = [tuple(row) for row in session.execute(NUMBERS, {"count": 5})]
        table = read_here(session, NUMBERS.bindparams(count=5))
        empty = read_here(session, sa.text("SELECT code FROM streets WHERE code = 'none'"))
    assert table is not None and [tuple(r.values()) for r in table.to_pylist()] == expected
    assert empty is None
