"""Two real processes writing to one SpatiaLite file: the second waits its turn, saying so."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PROJECT_ROOT

# Holds the store's write turn inside a write transaction until told to commit on stdin.
HOLDER = """
import sys
import threading
from cases import issues
from geo.store import open_store
store = open_store(sys.argv[1])
with store.writing(), store.session() as session:
    issues.add_issue(session, ref="H-1", category=1, title="holder")
    session.flush()
    print("holding", flush=True)
    sys.stdin.readline()
print("committed", flush=True)
"""


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **extra}


@pytest.fixture
def sqlite_url(spatialite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "store.sqlite"
    path.write_bytes(spatialite_template.read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture
def holder(sqlite_url: str) -> Iterator[subprocess.Popen[str]]:
    """A process holding the write turn, with an open write transaction."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, sqlite_url], cwd=PROJECT_ROOT, env=_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _cli(url: str, wait: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scripts.cli", "--db", url, *args], cwd=PROJECT_ROOT,
        env=_env(LANDPATROL_WRITE_WAIT=wait), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _refs(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(sa.text("SELECT ref FROM issues")).scalars())
    finally:
        engine.dispose()


def test_second_writer_waits_then_writes(sqlite_url: str, holder: subprocess.Popen[str]) -> None:
    writer = _cli(sqlite_url, "300", "issues", "add", "9-1", "--category", "1", "--title", "second")
    assert writer.stderr is not None
    # The writer tells it waits while the holder's transaction is open.
    assert writer.stderr.readline().strip() == "landpatrol: waiting for another writer…"
    assert holder.stdin is not None and holder.stdout is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert holder.stdout.readline().strip() == "committed"
    out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert "issue 9-1 added" in out
    assert _refs(sqlite_url) == {"H-1", "9-1"}


def test_writer_gives_up_after_the_configured_wait(sqlite_url: str, holder: subprocess.Popen[str]) -> None:
    writer = _cli(sqlite_url, "0.2", "issues", "add", "9-1", "--category", "1", "--title", "second")
    _, err = writer.communicate(timeout=120)
    lines = err.strip().splitlines()
    assert writer.returncode == 5, err
    assert lines[0] == "landpatrol: waiting for another writer…"
    assert len(lines) == 2 and lines[1].startswith("landpatrol: error: another writer kept store.sqlite")
    assert "LANDPATROL_WRITE_WAIT" in lines[1] and "Traceback" not in err
    holder.kill()
    holder.wait()
    assert _refs(sqlite_url) == set()


def test_web_writes_queue_behind_another_process(sqlite_url: str, holder: subprocess.Popen[str]) -> None:
    """The web app's writer turn (maps.web.writes) is the cross-process one too."""
    from cases import issues
    from geo.store import open_store
    from maps.web.writes import run_write

    store = open_store(sqlite_url)
    waiting = threading.Event()
    store.on_wait = waiting.set
    done: list[str] = []
    writer = threading.Thread(target=lambda: done.append(run_write(
        store, lambda session: issues.add_issue(session, ref="9-2", category=1, title="web").ref)))
    writer.start()
    try:
        assert waiting.wait(timeout=120), "the web write did not wait for the other process"
        assert not done
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
    finally:
        writer.join(timeout=120)
        store.dispose()
    assert done == ["9-2"]
    assert _refs(sqlite_url) == {"H-1", "9-2"}


def test_bad_wait_setting_is_one_line(sqlite_url: str) -> None:
    writer = _cli(sqlite_url, "soon", "issues", "add", "9-1", "--category", "1", "--title", "x")
    _, err = writer.communicate(timeout=120)
    assert writer.returncode == 2
    assert err.strip() == "landpatrol: error: $LANDPATROL_WRITE_WAIT: 'soon' is not a number of seconds"


def test_turn_is_reentrant_and_begins_immediate(sqlite_url: str) -> None:
    from geo.dialects.sqlite_connection import driver_module
    from geo.store import open_store
    from geo.write_turn import holds_turn

    store = open_store(sqlite_url)
    try:
        with store.writing(), store.writing(), store.session() as session:
            assert holds_turn(store.file_path())
            session.execute(sa.text("SELECT 1"))  # a read only: the transaction begins here
            # Under the turn the transaction already holds SQLite's write lock (BEGIN IMMEDIATE).
            # (The same SQLite library as the store's: two libraries in one process miss each other's locks.)
            other = driver_module().connect(str(store.file_path()), timeout=0, isolation_level=None)
            with pytest.raises(driver_module().OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
        assert not holds_turn(store.file_path())
    finally:
        store.dispose()
