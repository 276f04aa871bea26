"""Archives are checked by BLAKE3 (format 2); those of format 1, checked by sha256, are still read and
still refused when damaged, and a checksum an archive does not name is refused."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import blake3
import pytest

from geo.backup import DATABASE, MANIFEST, MANIFEST_SUM, read_manifest, write_backup
from geo.errors import InputError
from scripts.cli_backup import _tables
from scripts.migrate import current_revision


def _rewrite(archive: Path, out: Path, change: dict[str, object], checksum: Callable[[bytes], Any]) -> None:
    """A copy of `archive` whose manifest has `change` and the members' `checksum` digests."""
    with tarfile.open(archive) as tar:
        data = json.loads(tar.extractfile(MANIFEST).read())
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    data.update(change)
    data["members"] = {name: checksum(members[name]).hexdigest() for name in data["members"]}
    data = {k: v for k, v in data.items() if v is not None}
    members[MANIFEST] = json.dumps(data).encode()
    members[MANIFEST_SUM] = hashlib.sha256(members[MANIFEST]).hexdigest().encode()
    with tarfile.open(out, "w") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))


def test_members_are_checked_by_blake3_and_format_1_archives_by_sha256(store, tmp_path):
    archive = tmp_path / "backup.tar"
    written = write_backup(store, archive, media_dir=tmp_path / "no-media", tables=_tables(),
                           revision=current_revision(store))
    with tarfile.open(archive) as tar:
        body = tar.extractfile(DATABASE).read()
        assert json.loads(tar.extractfile(MANIFEST).read())["format"] == 2
    assert written.checksum == "blake3" and written.members[DATABASE] == blake3.blake3(body).hexdigest()

    old = tmp_path / "format1.tar"
    _rewrite(archive, old, {"format": 1, "checksum": None}, hashlib.sha256)
    manifest = read_manifest(old)
    assert manifest.checksum == "sha256" and manifest.tables == written.tables
    damaged = tmp_path / "format1-damaged.tar"
    _rewrite(archive, damaged, {"format": 1, "checksum": None}, blake3.blake3)  # digests of another kind
    with pytest.raises(InputError, match="is damaged"):
        read_manifest(damaged)
    unknown = tmp_path / "unknown.tar"
    _rewrite(archive, unknown, {"checksum": "md5"}, hashlib.md5)
    with pytest.raises(InputError, match="unknown backup format 2"):
        read_manifest(unknown)
