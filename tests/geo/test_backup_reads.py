"""A backup reads its database copy once: hashed as it goes into the archive, not read again to hash it.

Counted in bytes the process reads (Linux's /proc/self/io), not in seconds: the old way read the copy
twice (a checksum pass, then the tar's copy), on top of SQLite's read of the store itself.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.backup import DATABASE, read_manifest, write_backup
from geo.store import Store
from scripts.cli_backup import _tables
from scripts.migrate import current_revision

FILLER_MB = 16
PROC_IO = Path("/proc/self/io")


def _bytes_read() -> int:
    fields = dict(line.split(": ") for line in PROC_IO.read_text().splitlines())
    return int(fields["rchar"])


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
    before = _bytes_read()
    write_backup(store, out, media_dir=tmp_path / "no-media", tables=_tables(),
                 revision=current_revision(store))
    read = _bytes_read() - before
    with tarfile.open(out) as archive:
        copy = archive.getmember(DATABASE).size
    assert copy > FILLER_MB << 20
    # SQLite's backup API reads the store (about the copy's size) in this process; pg_dump reads in its
    # own. Then the copy is read once more, into the archive. A second pass over it would add `copy`.
    own_copy = copy if store.is_spatialite else 0
    assert read < own_copy + 1.5 * copy
    assert read_manifest(out).members[DATABASE]  # the checksum worked out on the way is the right one
