"""A backup reads its database copy once, to hash it, and where the file system can insert a block
(ext4, XFS) writes it once: the copy becomes the archive, its tar header in a block put before it.

Counted in bytes the process reads and writes (Linux's /proc/self/io), not in seconds: the old way
read the copy twice (a checksum pass, then the tar's copy) and wrote it twice (the copy, the tar's).
"""

from __future__ import annotations

import ctypes
import os
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.backup import BLOCK, DATABASE, FALLOC_FL_INSERT_RANGE, read_manifest, write_backup
from geo.store import Store
from scripts.cli_backup import _tables
from scripts.migrate import current_revision

FILLER_MB = 16
PROC_IO = Path("/proc/self/io")


def _bytes_moved() -> tuple[int, int]:
    """Bytes this process has read and written, through any file."""
    fields = dict(line.split(": ") for line in PROC_IO.read_text().splitlines())
    return int(fields["rchar"]), int(fields["wchar"])


def _inserts_blocks(folder: Path) -> bool:
    """Whether the file system of `folder` can insert a block at the start of a file."""
    probe = folder / "probe"
    probe.write_bytes(bytes(2 * BLOCK))
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(probe, os.O_RDWR)
    try:
        return libc.fallocate(fd, FALLOC_FL_INSERT_RANGE, ctypes.c_long(0), ctypes.c_long(BLOCK)) == 0
    finally:
        os.close(fd)
        probe.unlink()


def _fill(store: Store) -> None:
    """Incompressible bytes, so that the database copy (pg_dump's too) is mostly them."""
    filler = sa.Table("filler", sa.MetaData(), sa.Column("data", sa.LargeBinary))
    with store.engine.begin() as conn:
        filler.create(conn)
        conn.execute(filler.insert(), [{"data": os.urandom(1 << 20)} for _ in range(FILLER_MB)])


@pytest.mark.skipif(not PROC_IO.exists(), reason="counts bytes read through /proc/self/io")
def test_a_backup_reads_its_database_copy_once(store, tmp_path):
    _fill(store)
    out = tmp_path / "backup.tar"
    read_before, written_before = _bytes_moved()
    write_backup(store, out, media_dir=tmp_path / "no-media", tables=_tables(),
                 revision=current_revision(store))
    read_after, written_after = _bytes_moved()
    read, written = read_after - read_before, written_after - written_before
    with tarfile.open(out) as archive:
        member = archive.getmember(DATABASE)
    copy = member.size
    assert copy > FILLER_MB << 20
    # Making the copy reads the store and writes the copy, each about the copy's size: SQLite's backup
    # API in this process, or pg_dump, a child whose reads and writes Linux adds to its parent's once
    # it has exited. Then the copy is read once more, to hash it. A second pass over it, or a second
    # write of it, would add `copy`.
    assert read < 2.5 * copy
    if _inserts_blocks(tmp_path):
        assert member.offset_data == BLOCK  # the copy became the archive: never written again
        assert written < 1.5 * copy
    assert read_manifest(out).members[DATABASE]  # the checksum worked out on the way is the right one
