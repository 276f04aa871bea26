"""A backup is on disk when it returns, and the copy's unjournaled, unsynced writes stay the copy's.

The SpatiaLite copy is written without a journal or fsync (as `sqlite3 .backup --async`): safe
only because the archive is flushed once complete and the store's own connections and file keep
their WAL journal and FULL synchronous commits.
"""

from __future__ import annotations

import os
import stat
import tarfile
import threading

import pytest
import sqlalchemy as sa

import geo.backup
from geo.backup import DATABASE, read_manifest, write_backup
from geo.dialects.sqlite_connection import SYNCHRONOUS
from scripts.cli_backup import _tables
from scripts.migrate import current_revision

WAL = 2  # the file format bytes 18 and 19 of a database in WAL mode
INSERT_STREET = sa.text("INSERT INTO streets (code, name, short_name, schematic, updated_at) "
                        "VALUES (:c, 'x', 'x', false, '2026-01-01')")


def test_a_backup_returns_once_the_archive_and_its_name_are_on_disk(store, tmp_path, monkeypatch):
    flushed: list[tuple[int, int]] = []
    fsync = os.fsync

    def recording(fd: int) -> None:
        fsync(fd)
        status = os.fstat(fd)
        flushed.append((status.st_ino, -1 if stat.S_ISDIR(status.st_mode) else status.st_size))

    monkeypatch.setattr(geo.backup.os, "fsync", recording)
    out = tmp_path / "backup.tar"
    write_backup(store, out, media_dir=tmp_path / "no-media", tables=_tables(),
                 revision=current_revision(store))
    monkeypatch.undo()
    assert (out.stat().st_ino, out.stat().st_size) in flushed  # the whole archive, after its last write
    assert (tmp_path.stat().st_ino, -1) in flushed  # the folder, after the archive's name went in


@pytest.mark.parametrize("store_url", ["spatialite"], indirect=True)
def test_the_copy_s_settings_leave_the_store_and_its_restore_as_they_were(store, tmp_path):
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:  # another connection commits all through the backup
        with store.engine.connect() as conn:
            while not stop.is_set():
                with conn.begin():
                    conn.execute(INSERT_STREET, {"c": f"W{len(written)}"})
                written.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            threading.Event().wait(0.01)
        manifest = write_backup(store, tmp_path / "backup.tar", media_dir=tmp_path / "no-media",
                                tables=_tables(), revision=current_revision(store))
    finally:
        stop.set()
        thread.join()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        assert synchronous == {"NORMAL": 1, "FULL": 2, "EXTRA": 3}[SYNCHRONOUS]
        assert 5 <= conn.exec_driver_sql("SELECT COUNT(*) FROM streets").scalar() == len(written)
    with tarfile.open(tmp_path / "backup.tar") as archive:
        archive.extract(DATABASE, tmp_path, filter="data")
    header = (tmp_path / DATABASE).read_bytes()[:100]
    assert (header[18], header[19]) == (WAL, WAL)  # the restored store opens in WAL, as the store did
    restored = sa.create_engine(f"sqlite:///{tmp_path / DATABASE}")
    with restored.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM streets").scalar() == manifest.tables["streets"]
    restored.dispose()


def test_a_copy_written_out_and_dropped_in_pieces_is_archived_whole(store, tmp_path, monkeypatch):
    with store.engine.begin() as conn:
        conn.execute(INSERT_STREET, [{"c": f"P{n}"} for n in range(2000)])
    monkeypatch.setattr(geo.backup, "PIECE", 4096 + 512)  # many pieces, the last one short
    monkeypatch.setattr(geo.backup, "AHEAD", 2)
    out = tmp_path / "backup.tar"
    manifest = write_backup(store, out, media_dir=tmp_path / "no-media", tables=_tables(),
                            revision=current_revision(store))
    assert read_manifest(out).members == manifest.members  # every byte as hashed
    with tarfile.open(out) as archive:
        size = archive.getmember(DATABASE).size
    assert size > 10 * geo.backup.PIECE and size % geo.backup.PIECE and manifest.tables["streets"] == 2000
