"""`landpatrol backup` under load and `landpatrol restore`: nothing acknowledged is lost, nothing damaged
is restored, and a store holding data is never replaced without --force."""

from __future__ import annotations

import json
import random
import tarfile
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from typer.testing import CliRunner

from cases.inspections import log_inspection
from cases.models import User
from cases.report import build_report
from cases.status.derive import status_frame
from cases.status.summaries import refresh_summaries
from geo.backup import read_manifest, row_counts
from geo.store import Store, open_store
from maps.web.inspecting import log_once
from scripts.cli import app
from scripts.cli_backup import _tables
from tests.maps.conftest import add_sample

PAIRS = [pytest.param(b, b, id=b) for b in ("spatialite", "postgis")]
CLIENTS = 10


def _seed(store: Store, tmp_path: Path) -> list[str]:
    """The map sample, with one inspection carrying a photo; returns the parcel codes."""
    photo = tmp_path / "shed.png"
    Image.new("RGB", (4, 4), (200, 30, 30)).save(photo)
    with store.session() as session:
        sample = add_sample(session)
        log_inspection(session, parcel_code="QJ-BF-002", inspected_at="2022-05-01T10:00", inspector="王",
                       findings={"sheds_count": 1}, photos=[photo], media=store.media())
    return [code for codes in sample.codes.values() for code in codes]


def _cli(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def _views(store: Store) -> tuple[str, str]:
    """Status and the report as of a fixed day, as text (NaN compares equal to itself there)."""
    with store.session() as session:
        return (status_frame(session, as_of="2026-12-01").to_json(date_format="iso"),
                json.dumps(build_report(session, as_of="2026-12-01", lang="zh"), default=str, sort_keys=True))


@pytest.mark.parametrize(("store_url", "empty_store_url"), PAIRS, indirect=True)
def test_a_backup_under_load_restores_everything_acknowledged_before_it_began(
        store, store_url, empty_store_url, tmp_path, monkeypatch):
    codes = _seed(store, tmp_path)
    started, stop = threading.Event(), threading.Event()
    acknowledged: list[str] = []
    failures: list[BaseException] = []

    def client(number: int) -> None:
        rng = random.Random(number)
        user = User(name=f"client{number}", role="inspector")
        for n in range(10_000):
            if stop.is_set():
                return
            client_id = f"c{number}-{n}"
            values = {"inspected_at": "2023-03-01T09:00", "client_id": client_id,
                      "sheds_count": rng.randint(0, 2)}
            try:  # the web app's write: retried when SQLite's single writer is busy
                log_once(store, user, parcel_code=rng.choice(codes), values=values)
            except BaseException as err:  # reported by the main thread
                failures.append(err)
                return
            if not started.is_set():  # the commit returned before the backup began
                acknowledged.append(client_id)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 30 and not failures:
        threading.Event().wait(0.05)
    archive = tmp_path / "backup.tar"
    started.set()
    done = _cli("--db", store_url, "backup", str(archive))
    stop.set()
    for thread in threads:
        thread.join()
    assert done.exit_code == 0, done.output
    assert not failures

    monkeypatch.setenv("LANDPATROL_MEDIA", str(tmp_path / "restored-media"))
    restored = _cli("--db", empty_store_url, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    target = open_store(empty_store_url)
    manifest = read_manifest(archive)
    assert row_counts(target, _tables()) == manifest.tables
    with target.session() as session:
        kept = set(session.scalars(sa.text("SELECT client_id FROM inspections")))
        ids = list(session.scalars(sa.text("SELECT id FROM inspections")))
    assert set(acknowledged) <= kept and len(acknowledged) >= 30
    photos = list((tmp_path / "restored-media").rglob("*.png"))
    original = next((tmp_path / "media").rglob("*.png"))
    assert len(photos) == 1 and photos[0].read_bytes() == original.read_bytes()
    # The source as it was when the backup began: without the records committed since.
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM inspections WHERE id NOT IN :ids")
                     .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids})
        refresh_summaries(conn)
    assert _views(target) == _views(store)
    target.dispose()


def _flip(archive: Path, member: str) -> None:
    with tarfile.open(archive) as tar:
        info = tar.getmember(member)
    with archive.open("r+b") as handle:
        handle.seek(info.offset_data + info.size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0x40]))


@pytest.mark.parametrize("member", ["database", "manifest.json", "media"])
def test_restore_refuses_a_damaged_archive_and_a_store_holding_data_leaving_it_unchanged(
        store, store_url, tmp_path, member):
    _seed(store, tmp_path)
    archive = tmp_path / "backup.tar"
    assert _cli("--db", store_url, "backup", str(archive)).exit_code == 0
    with store.session() as session:
        log_inspection(session, parcel_code="QJ-BF-001", inspected_at="2023-01-01", inspector="李")
    before, media_before = row_counts(store, _tables()), sorted((tmp_path / "media").rglob("*"))

    refused = _cli("--db", store_url, "restore", str(archive))
    assert refused.exit_code == 4 and "not empty" in refused.output and "Traceback" not in refused.output

    with tarfile.open(archive) as tar:
        name = next(n for n in tar.getnames() if n.startswith(member))
    _flip(archive, name)
    damaged = _cli("--db", store_url, "restore", "--force", str(archive))
    assert damaged.exit_code == 2, damaged.output
    assert f"{name} is damaged (checksum)" in damaged.output and "Traceback" not in damaged.output
    assert row_counts(store, _tables()) == before
    assert sorted((tmp_path / "media").rglob("*")) == media_before


def test_restore_with_force_replaces_a_store_holding_data_by_the_backup(store, store_url, tmp_path):
    _seed(store, tmp_path)
    archive = tmp_path / "backup.tar"
    assert _cli("--db", store_url, "backup", str(archive)).exit_code == 0
    assert _cli("--db", store_url, "backup", str(archive)).exit_code == 4  # never over a file
    expected = _views(store)
    with store.session() as session:
        log_inspection(session, parcel_code="QJ-BF-001", inspected_at="2023-01-01", inspector="李",
                       findings={"debris": True})
    store.dispose()
    done = _cli("--db", store_url, "restore", "--force", str(archive))
    assert done.exit_code == 0, done.output
    assert row_counts(store, _tables()) == read_manifest(archive).tables
    assert _views(store) == expected
