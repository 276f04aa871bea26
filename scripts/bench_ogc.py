"""Benchmark `ogc`: landpatrol's OGC API – Features against pygeoapi on the same PostGIS data.

    python -m scripts.bench ogc --parcels 100000 [--workers 2] [--clients 4] [--seconds 5]
        [--rounds 3] [--pg postgresql+psycopg://user:pw@127.0.0.1/postgres]

Loads N synthetic parcels of one kind (so one collection holds all of them; 40 %
inspected) into a fresh database, starts both servers in uvicorn with the same
worker count, and drives them with the same httpx load generator, A and B
interleaved round by round (bodies uncompressed for both):

- a page of 1,000 features at a random offset: throughput with `--clients` clients,
  and single-request latency (median), landpatrol / pygeoapi;
- deep pages (offset ≥ 90 % of N, by offset and by the `next` link's keyset)
  against the first page, on landpatrol;
- a CQL2 filter on status and street against the same filter in plain SQL
  (`PLAIN_SQL`, run by psycopg in this process: the ids of the parcels with that
  status known beforehand, rows and GeoJSON from the database; what the server
  adds is working status out, paging, the export's columns and HTTP);
- landpatrol keeps numberMatched and the offset ladder per data version and
  minute: the page figures are warm, and a page right after a write (cold) is
  measured too.
- the PostGIS plans of the key ladder and of a deep page seeking from it (EXPLAIN ANALYZE).

pygeoapi (the `bench` extra) needs psycopg2 for its PostgreSQL provider.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from cases.status.summaries import refresh_summaries
from geo.audit import record
from geo.store import open_store
from layers.models import Parcel
from maps.ogc.collections import COLLECTIONS
from maps.ogc.items import LADDER_STEP, _ladder, parcels_by_status
from maps.ogc.tokens import add_token
from maps.web.users import add_user
from scripts.bench_databases import scratch_database
from scripts.bench_map import STREETS, _populate, _street_codes
from scripts.migrate import upgrade

KIND = "basic_farmland"
PLAIN = {"Accept-Encoding": "identity"}
Request = Callable[[httpx.Client, random.Random], httpx.Response]
PLAIN_SQL = ("SELECT p.code, ST_AsGeoJSON(p.geom), p.name, p.village, p.area_m2, s.* FROM parcels p "
             "LEFT JOIN parcel_summaries s ON s.parcel_id = p.id WHERE p.kind = :kind "
             "AND p.street_code = :street AND p.retired_at IS NULL AND p.id = ANY(:ids) "
             "ORDER BY p.code LIMIT 1000")


def _wait(url: str, server: subprocess.Popen[bytes], headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server for {url} exited")
        try:
            if httpx.get(url, headers=headers, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not start")


def _uvicorn(
    app: str, port: int, workers: int, env: dict[str, str], factory: bool,
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", *(["--factory"] if factory else []), app,
               "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(command, env={**os.environ, **env})


def _pygeoapi_config(url: str, port: int, folder: Path) -> dict[str, str]:
    """pygeoapi's configuration and OpenAPI document for the `parcels` table; its environment."""
    parsed = make_url(url)
    config = {
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8", "language": "en-US",
                   "limits": {"default_items": 1000, "max_items": 10000}, "pretty_print": False,
                   "map": {"url": "https://example.invalid/{z}/{x}/{y}.png", "attribution": "-"}},
        "logging": {"level": "ERROR"},
        "metadata": {"identification": {"title": "bench", "description": "bench", "keywords": ["bench"],
                                        "keywords_type": "theme", "terms_of_service": "-", "url": "-"},
                     "license": {"name": "-", "url": "-"}, "provider": {"name": "-", "url": "-"},
                     "contact": dict.fromkeys(("name", "position", "address", "city", "stateorprovince",
                                               "postalCode", "country", "phone", "fax", "email", "url",
                                               "hours", "instructions", "role"), "-")},
        "resources": {"parcels": {
            "type": "collection", "title": "parcels", "description": "parcels", "keywords": ["parcels"],
            "extents": {"spatial": {"bbox": [113.3, 23.1, 113.46, 23.25],
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{"type": "feature", "name": "PostgreSQL", "id_field": "code", "table": "parcels",
                           "geom_field": "geom", "data": {
                               "host": parsed.host, "port": parsed.port or 5432, "dbname": parsed.database,
                               "user": parsed.username, "password": parsed.password,
                               "search_path": ["public"]}}]}},
    }
    config_path, openapi_path = folder / "pygeoapi.yml", folder / "pygeoapi-openapi.yml"
    config_path.write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    env = {"PYGEOAPI_CONFIG": str(config_path), "PYGEOAPI_OPENAPI": str(openapi_path)}
    command = str(Path(sys.executable).with_name("pygeoapi"))
    done = subprocess.run([command, "openapi", "generate", str(config_path),
                           "--output-file", str(openapi_path)],
                          env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"pygeoapi openapi generate: {done.stderr[-800:]}")
    return env


def _throughput(clients: list[httpx.Client], seconds: float, request: Request) -> tuple[float, int]:
    """Requests per second with every client busy for `seconds`, and the count of non-200s."""
    stop = time.monotonic() + seconds
    done, bad = [0], [0]
    lock = threading.Lock()

    def run(index: int) -> None:
        rng = random.Random(index)
        while time.monotonic() < stop:
            status = request(clients[index], rng).status_code
            with lock:
                done[0] += 1
                bad[0] += status != 200
    started = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(run, range(len(clients))))
    return done[0] / (time.perf_counter() - started), bad[0]


def _latencies(pairs: list[tuple[httpx.Client, Request]], n: int) -> list[list[float]]:
    """Single requests, one at a time, alternating between the requests given: ms each."""
    times: list[list[float]] = [[] for _ in pairs]
    rng = random.Random(1)
    for _ in range(n):
        for index, (client, request) in enumerate(pairs):
            started = time.perf_counter()
            reply = request(client, rng)
            times[index].append((time.perf_counter() - started) * 1000)
            if reply.status_code != 200:
                raise RuntimeError(f"{reply.status_code}: {reply.text[:200]}")
    return times


def _load(url: str, n: int) -> tuple[str, str]:
    """Parcels of one kind, an analyst and their token; the token and a busy street's code."""
    store = open_store(url)
    upgrade(store)
    _populate(store, n, STREETS)
    with store.session() as session:
        session.execute(sa.text("UPDATE parcels SET kind = :kind"), {"kind": KIND})
        refresh_summaries(session.connection())
        add_user(session, name="bench-ana", role="analyst", password="bench-password-1")
        token = add_token(session, name="bench", user_name="bench-ana", actor="bench")
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    store.dispose()
    return token, _street_codes(STREETS)[STREETS // 2]


def _plans(url: str, n: int) -> list[str]:
    """EXPLAIN ANALYZE of the ladder (built once per data version and minute) and of a deep page
    seeking from its rung, as `maps.ogc.items.fetch_page` runs them."""
    store = open_store(url)
    collection = COLLECTIONS[KIND]
    where: list[Any] = []  # no filter: the collection's own conditions only
    with store.session() as session:
        rungs = _ladder(session, collection, where)
        rung, skip = divmod(int(n * 0.9), LADDER_STEP)
        page = collection.base(Parcel.id).where(*where, collection.key >= rungs[rung]) \
            .order_by(collection.key).offset(skip).limit(1000)
        numbered = collection.base(collection.key.label("k"),
                                   sa.func.row_number().over(order_by=collection.key).label("n")) \
            .where(*where).subquery()
        ladder = sa.select(numbered.c.k).where((numbered.c.n - 1) % LADDER_STEP == 0).order_by(numbered.c.k)
        lines = []
        for title, statement in (("the ladder", ladder), ("a deep page from its rung", page)):
            sql = str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
            explain = f"EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) {sql}"
            lines += [f"{title}:", *session.connection().exec_driver_sql(explain).scalars().all()]
    store.dispose()
    return lines


def _plain_sql(url: str, street: str, status: str) -> Callable[[], int]:
    """The status-and-street filter in plain SQL: rows and GeoJSON straight from PostgreSQL."""
    store = open_store(url)
    with store.session() as session:
        ids = parcels_by_status(session, None).get(status, [])
    sql = sa.text(PLAIN_SQL)

    def run() -> int:
        with store.engine.connect() as conn:
            return len(conn.execute(sql, {"kind": KIND, "street": street, "ids": ids}).all())
    return run


def _writer(url: str) -> Callable[[], None]:
    """A write (one audit event, as every write adds): the next request finds its caches stale."""
    store = open_store(url)

    def write() -> None:
        with store.session() as session:
            record(session, actor="bench", action="bench.touch", entity="bench")
    return write


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str]) -> int:
    """Run the OGC benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="bench ogc", description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-n", type=int, default=20)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--pg", default=os.environ.get("LANDPATROL_TEST_PG"),
                        help="admin URL of a PostGIS server (default $LANDPATROL_TEST_PG)")
    args = parser.parse_args(argv)
    if not args.pg:
        parser.error("--pg or $LANDPATROL_TEST_PG is needed (the benchmark runs on PostGIS)")
    n = args.parcels
    with scratch_database(args.pg, f"landpatrol_bench_ogc_{os.getpid()}") as url, \
            tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        token, street = _load(url, n)
        print(f"loaded {n} parcels of one kind in {time.perf_counter() - started:.0f} s; "
              f"{args.workers} workers each, {args.clients} clients, "
              f"{args.rounds} rounds of {args.seconds:g} s")
        ours_port, theirs_port = args.port, args.port + 1
        servers = []
        try:
            servers.append(_uvicorn("maps.web.app:app_from_env", ours_port, args.workers, {
                "LANDPATROL_DB": url, "LANDPATROL_SECRET_KEY": "bench-" + "k" * 32}, factory=True))
            env = _pygeoapi_config(url, theirs_port, Path(folder))
            servers.append(_uvicorn("pygeoapi.starlette_app:APP", theirs_port, args.workers, env,
                                    factory=False))
            auth = {**PLAIN, "Authorization": f"Bearer {token}"}
            ours_items = f"http://127.0.0.1:{ours_port}/ogc/collections/{KIND}/items"
            theirs_items = f"http://127.0.0.1:{theirs_port}/collections/parcels/items"
            _wait(f"{ours_items}?limit=1", servers[0], auth)
            _wait(f"{theirs_items}?limit=1&f=json", servers[1], PLAIN)
            ours = [httpx.Client(headers=auth, timeout=120) for _ in range(args.clients)]
            theirs = [httpx.Client(headers=PLAIN, timeout=120) for _ in range(args.clients)]

            def ours_page(client: httpx.Client, rng: random.Random) -> httpx.Response:
                return client.get(ours_items, params={"limit": 1000, "offset": rng.randrange(n - 1000)})

            def theirs_page(client: httpx.Client, rng: random.Random) -> httpx.Response:
                return client.get(theirs_items, params={"limit": 1000, "offset": rng.randrange(n - 1000),
                                                        "f": "json"})

            sample = ours[0].get(ours_items, params={"limit": 1000}).json()
            other = theirs[0].get(theirs_items, params={"limit": 1000, "f": "json"}).json()
            print(f"page sizes: landpatrol {sample['numberReturned']} features, "
                  f"pygeoapi {len(other['features'])} features")
            rates: dict[str, list[float]] = {"landpatrol": [], "pygeoapi": []}
            for _ in range(args.rounds):
                for name, clients, request in (("landpatrol", ours, ours_page),
                                               ("pygeoapi", theirs, theirs_page)):
                    rate, bad = _throughput(clients, args.seconds, request)
                    rates[name].append(rate)
                    if bad:
                        print(f"  {name}: {bad} responses were not 200")
            ours_rate, theirs_rate = _median(rates["landpatrol"]), _median(rates["pygeoapi"])
            print(f"1,000-feature pages/s: landpatrol {ours_rate:.1f}, pygeoapi {theirs_rate:.1f}: "
                  f"{ours_rate / theirs_rate:.2f}× (target ≥ 2×)")
            mine, peer = _latencies([(ours[0], ours_page), (theirs[0], theirs_page)], args.latency_n)
            print(f"single 1,000-feature page, median: landpatrol {_median(mine):.0f} ms, pygeoapi "
                  f"{_median(peer):.0f} ms: {_median(mine) / _median(peer):.2f}× (target ≤ 0.7×)")
            write, cold, rng = _writer(url), [], random.Random(2)
            for _ in range(args.latency_n):
                write()
                started = time.perf_counter()
                ours_page(ours[0], rng)
                cold.append((time.perf_counter() - started) * 1000)
            print(f"  landpatrol right after a write (count and ladder rebuilt, one worker's): "
                  f"{_median(cold):.0f} ms, {_median(cold) / _median(peer):.2f}× pygeoapi")

            deep_from = min(int(n * 0.9), n - 1001)
            codes = sorted(f"S{i:07d}" for i in range(n))

            def first(client: httpx.Client, rng: random.Random) -> httpx.Response:
                return client.get(ours_items, params={"limit": 1000})

            def deep(client: httpx.Client, rng: random.Random) -> httpx.Response:
                return client.get(ours_items, params={"limit": 1000,
                                                      "offset": rng.randrange(deep_from, n - 1000)})

            def deep_keyset(client: httpx.Client, rng: random.Random) -> httpx.Response:
                at = rng.randrange(deep_from, n - 1000)
                return client.get(ours_items, params={"limit": 1000, "offset": at, "after": codes[at - 1]})

            top, by_offset, by_key = _latencies([(ours[0], first), (ours[0], deep), (ours[0], deep_keyset)],
                                                args.latency_n)
            print(f"deep page (offset ≥ {deep_from}) / first page, medians: by offset "
                  f"{_median(by_offset) / _median(top):.2f}×, by next link (keyset) "
                  f"{_median(by_key) / _median(top):.2f}× (first {_median(top):.0f} ms; target ≤ 1.2×)")

            status = "overdue"
            cql = f"status = '{status}' AND street_code = '{street}'"
            plain = _plain_sql(url, street, status)

            def filtered(client: httpx.Client, rng: random.Random) -> httpx.Response:
                return client.get(ours_items, params={"limit": 1000, "filter": cql})

            matched = ours[0].get(ours_items, params={"limit": 1, "filter": cql}).json()["numberMatched"]
            cql_times, sql_times = [], []
            for _ in range(args.latency_n):
                started = time.perf_counter()
                filtered(ours[0], random.Random())
                cql_times.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                rows = plain()
                sql_times.append((time.perf_counter() - started) * 1000)
            print(f"plain SQL: {PLAIN_SQL}")
            print(f"CQL2 `{cql}` ({matched} matched, {rows} in plain SQL): "
                  f"{_median(cql_times):.0f} ms over HTTP, "
                  f"plain SQL {_median(sql_times):.0f} ms: {_median(cql_times) / _median(sql_times):.2f}× "
                  "(target ≤ 1.2×)")
            print("PostGIS plans (an offset seeks from the ladder's key below it):")
            for line in _plans(url, n):
                print(f"  {line}")
            for client in ours + theirs:
                client.close()
        finally:
            for server in servers:
                server.terminate()
                server.wait(30)
    return 0
