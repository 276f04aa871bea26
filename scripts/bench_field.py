"""Benchmark `field`: what the inspector's phone costs the server (issue 15).

    python -m scripts.bench field [--street-parcels 2000] [--records 50] [--photo-mb 3]
        [--patrol-parcels 100000] [--pg postgresql+psycopg://user:pw@127.0.0.1/postgres]

On a SpatiaLite store with an inspector of 2 streets of about 2,000 parcels each,
served by uvicorn over loopback:
1. the offline package: `/api/field/package` when the app has it, else what the app
   would fetch for it (`/api/patrol` and each street's parcels as GeoJSON): bytes on
   the wire, and gzip's size of the same bodies, and the time to build it;
2. 50 records, each with its own 3 MB JPEG (EXIF time and GPS), sent through the form
   the phone posts to (`/inspect`): total time, and per record;
3. what `synchronous=FULL` costs per acknowledged record: the same small writes,
   in process, with FULL and with NORMAL.
On PostGIS (--pg or $LANDPATROL_TEST_PG), the patrol list of every parcel of
100,000 as `/api/patrol` serves it: `cases.patrol.patrol_entries` and the JSON
body it writes (`PatrolEntries.to_json`). Its reference, measured in the same
run: `PLAIN_SQL`, one statement returning the same rows (every parcel with its
street, its summary row and a point on it as lon/lat; no rules), read with
SQLAlchemy, each row made a dict of all its columns and the list written by
`json.dumps` (times by `str`), as a plain endpoint would serve it. Both bodies'
sizes are printed beside the times. Targets: package ≤ 2 MB and ≤ 3 s, 50
records ≤ 10 s, patrol ≤ 1.5× the reference.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import secrets
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import sqlalchemy as sa
from PIL import ExifTags, Image
from sqlalchemy import event

from cases.inspections import log_inspection
from cases.patrol import patrol_entries
from geo.dialects.sqlite_connection import connect
from geo.store import Store, open_store
from maps.web.users import add_user
from scripts.bench_databases import scratch_database
from scripts.bench_map import _populate, _street_codes
from scripts.bench_status import _best
from scripts.bench_web import PASSWORD, _client, _start_server
from scripts.migrate import upgrade

# The plain query the patrol list is measured against: the same rows (every parcel with its
# street, its summary and a point on it), as one statement with no rules applied.
PLAIN_SQL = """
SELECT p.id, p.code, p.kind, p.name, p.street_code, s.name AS street_name, ps.*,
  ST_X(pt.geom) AS lon, ST_Y(pt.geom) AS lat
FROM parcels p LEFT JOIN streets s ON s.code = p.street_code
LEFT JOIN parcel_summaries ps ON ps.parcel_id = p.id
CROSS JOIN LATERAL (SELECT ST_PointOnSurface(p.geom) AS geom) pt
WHERE p.retired_at IS NULL ORDER BY p.id
"""


def _photo_bytes(megabytes: float, index: int, base: np.ndarray) -> bytes:
    """A JPEG of about `megabytes` (noise compresses badly), unique by one pixel, with EXIF."""
    pixels = base.copy()
    pixels[0, 0] = (index % 256, index // 256 % 256, 7)
    exif = Image.Exif()
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: "2022:10:20 10:05:00"}
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def _noise(megabytes: float) -> np.ndarray:
    side = int((megabytes * 2**20 / 0.95) ** 0.5)  # noise at quality 92: about 0.95 bytes a pixel
    return np.random.default_rng(1).integers(0, 256, (side, side, 3), dtype=np.uint8)


def _package(client: httpx.Client, codes: list[str]) -> tuple[str, int, int, float]:
    """(what was fetched, bytes on the wire, gzip bytes, seconds) for the offline package."""
    start = time.perf_counter()
    reply = client.get("/api/field/package")
    if reply.status_code == 200:
        bodies, wire, what = [reply.content], reply.num_bytes_downloaded, "/api/field/package"
    else:
        replies = [client.get("/api/patrol")] + [
            client.get(f"/api/streets/{code}/parcels", params={"limit": 5000}) for code in codes]
        for each in replies:
            each.raise_for_status()
        bodies = [r.content for r in replies]
        wire = sum(r.num_bytes_downloaded for r in replies)
        what = "/api/patrol + each street's parcels (no /api/field/package on this branch)"
    elapsed = time.perf_counter() - start
    return what, wire, sum(len(gzip.compress(b, 6)) for b in bodies), elapsed


def _send(client: httpx.Client, csrf: str, codes: list[str], photos: list[bytes]) -> float:
    """Seconds to post one record with its photo per code, one after another, as a phone syncs."""
    start = time.perf_counter()
    for code, photo in zip(codes, photos, strict=True):
        reply = client.post("/inspect", data={
            "code": code, "inspected_at": "2022-10-20T10:00", "client_id": secrets.token_hex(12),
            "sheds_count": "1", "csrf_token": csrf}, files={"photos": ("p.jpg", photo, "image/jpeg")})
        if reply.status_code != 303:
            raise RuntimeError(f"record refused: {reply.status_code} {reply.text[:200]}")
    return time.perf_counter() - start


def _store_with(url: str, synchronous: str) -> Store:
    """A store whose connections commit with this synchronous setting (set after the store's own)."""
    store = open_store(url)
    engine = store.backend.make_engine(url)
    event.listen(engine, "connect", lambda conn, _record: conn.execute(f"PRAGMA synchronous={synchronous}"))
    return Store(url, _engine=engine)


def _write_cost(url: str, codes: list[str], synchronous: str) -> float:
    """Seconds per record for small records, each in its own committed transaction."""
    store = _store_with(url, synchronous)
    start = time.perf_counter()
    for code in codes:
        with store.session() as session:
            log_inspection(session, parcel_code=code, inspected_at="2022-10-21T10:00", inspector="bench",
                           findings={"debris": True}, actor="bench")
    elapsed = time.perf_counter() - start
    store.dispose()
    return elapsed / len(codes)


def _commit_cost(path: Path, synchronous: str, commits: int) -> float:
    """Seconds per commit of one small row: what the synchronous setting alone costs."""
    connection = connect(str(path))
    connection.execute(f"PRAGMA synchronous={synchronous}")
    start = time.perf_counter()
    for number in range(commits):
        connection.execute("BEGIN")
        connection.execute("INSERT INTO audit_events (at, actor, action, entity) VALUES "
                           "(CURRENT_TIMESTAMP, 'bench', 'bench.commit', ?)", (str(number),))
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed / commits


def _field_store(args: argparse.Namespace, folder: Path) -> None:
    url = f"sqlite:///{folder / 'field.sqlite'}"
    os.environ["LANDPATROL_MEDIA"] = str(folder / "media")
    store = open_store(url)
    upgrade(store)
    _populate(store, args.street_parcels * 2, 2)
    codes = _street_codes(2)
    with store.session() as session:
        add_user(session, name="bench-insp", role="inspector", password=PASSWORD, streets=codes)
        parcels = session.scalars(sa.text("SELECT code FROM parcels ORDER BY id")).all()
        sizes = session.execute(sa.text(
            "SELECT street_code, count(*) FROM parcels GROUP BY street_code ORDER BY street_code")).all()
    store.dispose()
    print(f"spatialite: {len(parcels)} parcels in 2 streets ({', '.join(f'{c}: {n}' for c, n in sizes)})")
    secret = secrets.token_urlsafe(32)
    server = _start_server(url, secret, args.port, 1)
    try:
        client, csrf = _client(f"http://127.0.0.1:{args.port}", "bench-insp", secret)
        _package(client, codes)  # warm: the first request opens the store
        what, wire, zipped, seconds = _package(client, codes)
        print(f"offline package: {what}\n  {wire / 2**20:.2f} MB on the wire, {zipped / 2**20:.2f} MB "
              f"gzipped, built and fetched in {seconds:.2f} s (targets <= 2 MB, <= 3 s)")
        base = _noise(args.photo_mb)
        photos = [_photo_bytes(args.photo_mb, i, base) for i in range(args.records)]
        sent = _send(client, csrf, parcels[: args.records], photos)
        size = np.mean([len(p) for p in photos]) / 2**20
        print(f"{args.records} records with one {size:.1f} MB photo each: {sent:.2f} s, "
              f"{sent / args.records * 1000:.0f} ms a record (target <= 10 s)")
        client.close()
    finally:
        server.terminate()
        server.wait(30)
    small = parcels[args.records: args.records + args.durable_records]
    full = _write_cost(url, small[: len(small) // 2], "FULL")
    normal = _write_cost(url, small[len(small) // 2:], "NORMAL")
    print(f"durability: {full * 1000:.1f} ms a record with synchronous=FULL, {normal * 1000:.1f} ms with "
          f"NORMAL: FULL costs {(full - normal) * 1000:+.1f} ms a record")
    path = folder / "field.sqlite"
    commits = args.durable_records * 5
    bare_full, bare_normal = (_commit_cost(path, mode, commits) for mode in ("FULL", "NORMAL"))
    print(f"  a bare commit: {bare_full * 1000:.2f} ms with FULL, {bare_normal * 1000:.2f} ms with NORMAL "
          f"({(bare_full - bare_normal) * 1000:+.2f} ms: the fsync of the write-ahead log)")


def _patrol(args: argparse.Namespace) -> None:
    with scratch_database(args.pg, f"landpatrol_bench_field_{os.getpid()}") as url:
        store = open_store(url)
        upgrade(store)
        start = time.perf_counter()
        _populate(store, args.patrol_parcels, 21)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        print(f"postgis: {args.patrol_parcels} parcels loaded in {time.perf_counter() - start:.1f} s")
        print(_patrol_ratio(store, args.repeat))
        store.dispose()


def _patrol_ratio(store: Store, repeat: int) -> str:
    """The patrol list's body against the plain query's (see the module's docstring), and
    against the plain query alone (no body written: the stricter bound), best of `repeat`
    alternated runs of each."""
    sizes: dict[str, int] = {}

    def ours() -> None:
        with store.session() as session:
            sizes["ours"] = len(patrol_entries(session, street_codes=None).to_json())

    def plain(*, body: bool = True) -> None:
        with store.session() as session:
            rows = session.execute(sa.text(PLAIN_SQL)).mappings().all()
            if body:
                text = json.dumps([dict(row) for row in rows], ensure_ascii=False, default=str)
                sizes["plain"] = len(text.encode())

    with store.session() as session:
        entries = len(patrol_entries(session, street_codes=None))
        rows = len(session.execute(sa.text(PLAIN_SQL)).all())
    if entries != rows:
        raise RuntimeError(f"the patrol list has {entries} rows, the plain query {rows}")
    # Alternated, best of each: the machine is shared, and its load drifts between blocks of runs.
    runs = [(_best(plain, 1), _best(lambda: plain(body=False), 1), _best(ours, 1)) for _ in range(repeat)]
    reference, query, measured = (min(run[i] for run in runs) for i in range(3))
    return (f"patrol list of {rows} parcels, /api/patrol's body ({sizes['ours'] / 2**20:.1f} MB): "
            f"{measured:.2f} s vs plain SQL + json.dumps ({sizes['plain'] / 2**20:.1f} MB): {reference:.2f} s"
            f" -> ratio {measured / reference:.2f} (target <= 1.5)\n"
            f"  against the plain query alone, no body written ({query:.2f} s): {measured / query:.2f}")


def main(argv: list[str]) -> int:
    """Run the field benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="bench field", description=__doc__.splitlines()[0])
    parser.add_argument("--street-parcels", type=int, default=2000)
    parser.add_argument("--records", type=int, default=50)
    parser.add_argument("--photo-mb", type=float, default=3.0)
    parser.add_argument("--durable-records", type=int, default=200)
    parser.add_argument("--patrol-parcels", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--pg", default=os.environ.get("LANDPATROL_TEST_PG"),
                        help="admin URL of a PostGIS server (default $LANDPATROL_TEST_PG)")
    parser.add_argument("--part", choices=["all", "field", "patrol"], default="all")
    args = parser.parse_args(argv)
    if args.part in ("all", "field"):
        with tempfile.TemporaryDirectory() as folder:
            _field_store(args, Path(folder))
    if args.part == "field":
        return 0
    if args.pg:
        _patrol(args)
    else:
        print("postgis: skipped (give --pg or set LANDPATROL_TEST_PG)")
    return 0
