"""Benchmark `web`: 20 concurrent clients over loopback against `landpatrol serve` on PostGIS.

    python -m scripts.bench web --parcels 100000 [--clients 20] [--seconds 10] [--workers 4]
        [--pg postgresql+psycopg://user:pw@127.0.0.1/postgres]

Loads N synthetic parcels (21 streets, 40 % inspected) into a fresh database,
starts uvicorn in its own processes, and measures p50/p95 of a 1,000-parcel
GeoJSON page and of an inspection POST, each next to a static file fetched under
the same load (the reference: what the server and loopback cost by themselves).
One page asked for again and again (served from the response cache after the
first time) shows the floor for a 1,000-parcel body on this machine.
Targets: GeoJSON p95 ≤ 150 ms, POST p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import sqlalchemy as sa

from geo.store import open_store
from maps.web.security import csrf_token, read_session
from maps.web.users import add_user
from scripts.bench_databases import scratch_database
from scripts.bench_map import STREETS, _populate, _street_codes
from scripts.migrate import upgrade

PASSWORD = "bench-password-1"


def _start_server(url: str, secret: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LANDPATROL_DB": url, "LANDPATROL_SECRET_KEY": secret,
           "LANDPATROL_LOGIN_MAX_FAILURES": "1000"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "maps.web.app:app_from_env",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the web server did not start")


def _client(base: str, name: str, secret: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    client.get("/login")
    token = csrf_token(read_session(client.cookies["lp_session"], secret, 3600).sid, secret)
    client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    return client, csrf_token(read_session(client.cookies["lp_session"], secret, 3600).sid, secret)


def _load(clients: list[tuple[httpx.Client, str]], seconds: float,
          request: Callable[[httpx.Client, str, random.Random], httpx.Response]) -> tuple[list[float], int]:
    """Each client sends requests back to back for `seconds`; latencies in ms and the 5xx count."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    times: list[float] = []
    errors = [0]

    def run(index: int) -> None:
        client, csrf = clients[index]
        rng = random.Random(index)
        while time.monotonic() < stop:
            start = time.perf_counter()
            reply = request(client, csrf, rng)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                times.append(elapsed)
                errors[0] += reply.status_code >= 500
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(run, range(len(clients))))
    return times, errors[0]


def _line(label: str, times: list[float], reference: list[float], target: float, errors: int) -> str:
    p50, p95 = np.percentile(times, [50, 95])
    ref95 = float(np.percentile(reference, 95))
    verdict = "ok" if p95 <= target else "OVER TARGET"
    return (f"{label:<26} n={len(times):>6}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms (target ≤ {target:.0f}: "
            f"{verdict})  reference p95 {ref95:6.1f} ms, ratio {p95 / max(ref95, 0.01):5.1f}×  5xx {errors}")


def main(argv: list[str]) -> int:
    """Run the web benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="bench web", description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pg", default=os.environ.get("LANDPATROL_TEST_PG"),
                        help="admin URL of a PostGIS server (default $LANDPATROL_TEST_PG)")
    args = parser.parse_args(argv)
    if not args.pg:
        parser.error("--pg or $LANDPATROL_TEST_PG is needed (the benchmark runs on PostGIS)")
    with scratch_database(args.pg, f"landpatrol_bench_web_{os.getpid()}") as url:
        secret = secrets.token_urlsafe(32)
        server = None
        try:
            store = open_store(url)
            upgrade(store)
            started = time.perf_counter()
            _populate(store, args.parcels, STREETS)
            codes = _street_codes(STREETS)
            with store.session() as session:
                add_user(session, name="bench-insp", role="inspector", password=PASSWORD, streets=codes)
                add_user(session, name="bench-ana", role="analyst", password=PASSWORD)
                parcels = session.execute(sa.text("SELECT code, street_code FROM parcels")).all()
            store.dispose()
            print(f"loaded {args.parcels} parcels in {time.perf_counter() - started:.1f} s; "
                  f"{args.clients} clients, {args.workers} workers, {args.seconds:g} s per figure")
            server = _start_server(url, secret, args.port, args.workers)
            base = f"http://127.0.0.1:{args.port}"
            readers = [_client(base, "bench-ana", secret) for _ in range(args.clients)]
            writers = [_client(base, "bench-insp", secret) for _ in range(args.clients)]
            sizes = {code: sum(1 for _, s in parcels if s == code) for code in codes}

            def static(client: httpx.Client, _csrf: str, _rng: random.Random) -> httpx.Response:
                return client.get("/static/app.css")

            def page(client: httpx.Client, _csrf: str, rng: random.Random) -> httpx.Response:
                code = rng.choice(codes)
                offset = rng.randrange(0, max(1, sizes[code] - 1000))
                return client.get(f"/api/streets/{code}/parcels", params={"limit": 1000, "offset": offset})

            def post(client: httpx.Client, csrf: str, rng: random.Random) -> httpx.Response:
                code = rng.choice(parcels)[0]
                body = {"client_id": secrets.token_hex(12), "inspected_at": "2022-10-20T10:00:00+08:00",
                        "sheds_count": rng.randint(0, 2)}
                return client.post(f"/api/parcels/{code}/inspections", json=body,
                                   headers={"X-CSRF-Token": csrf})

            def same_page(client: httpx.Client, _csrf: str, _rng: random.Random) -> httpx.Response:
                return client.get(f"/api/streets/{codes[0]}/parcels", params={"limit": 1000})

            reference, _ = _load(readers, args.seconds, static)
            same_page(*readers[0], random.Random())  # built once per worker, then served from its cache
            cached, cached_errors = _load(readers, args.seconds, same_page)
            pages, page_errors = _load(readers, args.seconds, page)
            posts, post_errors = _load(writers, args.seconds, post)
            print(_line("one page, from the cache", cached, reference, 150, cached_errors))
            print(_line("GeoJSON page (1,000)", pages, reference, 150, page_errors))
            print(_line("inspection POST", posts, reference, 100, post_errors))
            for client, _ in readers + writers:
                client.close()
        finally:
            if server is not None:
                server.terminate()
                server.wait(30)
    return 0
