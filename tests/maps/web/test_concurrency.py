"""20 clients posting inspections at once to a real uvicorn on 127.0.0.1, on both backends,
while an admin imports a table of inspections through the web.

Every accepted record must be stored exactly once (retries with the same client
id included), every imported row too, and no request may get a 5xx. Runs a few
seconds by default; LANDPATROL_SOAK_S=30 runs the issue's full 30 s.
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from cases.models import Inspection
from tests.cases.conftest import rebuilt_summaries, stored_summaries
from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import PASSWORD, SECRET, Site, running

pytestmark = pytest.mark.slow
CLIENTS = 20
SECONDS = float(os.environ.get("LANDPATROL_SOAK_S", "3"))
IMPORTED = 300


def signed_in(base: str, name: str) -> tuple[httpx.Client, str]:
    """An HTTP client signed in as `name`, and its CSRF token."""
    from maps.web.security import csrf_token, read_session

    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    client.get("/login")
    token = csrf_token(read_session(client.cookies["lp_session"], SECRET, 3600).sid, SECRET)
    reply = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 303
    return client, csrf_token(read_session(client.cookies["lp_session"], SECRET, 3600).sid, SECRET)


def _worker(signed: tuple[httpx.Client, str], number: int, codes: list[str],
            start: threading.Barrier) -> tuple[set[str], list[int]]:
    client, csrf = signed
    start.wait()  # everyone ready: now post together
    stop = time.monotonic() + SECONDS
    accepted: set[str] = set()
    statuses: list[int] = []
    rng = random.Random(number)
    sent = 0
    try:
        while time.monotonic() < stop:
            sent += 1
            cid = f"soak-{number:02d}-{sent:06d}"
            body = {"client_id": cid, "inspected_at": "2022-10-20T10:00:00+08:00",
                    "sheds_count": rng.randint(0, 3), "note": f"客户端 {number}"}
            code = rng.choice(codes)
            for _attempt in range(2 if rng.random() < 0.2 else 1):  # some "lost replies" are retried
                reply = client.post(f"/api/parcels/{code}/inspections", json=body,
                                    headers={"X-CSRF-Token": csrf})
                statuses.append(reply.status_code)
                if reply.status_code in (200, 201):
                    accepted.add(cid)
    finally:
        client.close()
    return accepted, statuses


def _importer(base: str, codes: list[str], start: threading.Barrier) -> httpx.Response:
    """An admin uploading IMPORTED inspections a moment after the clients start posting."""
    client, csrf = signed_in(base, "root")
    rows = [f"{codes[i % len(codes)]},2022-10-21T09:00:00+08:00,导入员,{i % 3},import-{i:05d}"
            for i in range(IMPORTED)]
    table = "parcel_code,inspected_at,inspector,sheds_count,client_id\n" + "\n".join(rows) + "\n"
    start.wait()
    time.sleep(SECONDS / 3)
    try:
        return client.post("/api/imports", data={"target": "inspections"}, headers={"X-CSRF-Token": csrf},
                           files={"file": ("巡查.csv", table.encode(), "text/csv")})
    finally:
        client.close()


def test_twenty_clients_posting_inspections_during_an_import(backend_site: Site) -> None:
    codes = backend_site.sample.codes[QIANJIN]
    with running(backend_site.app) as base:
        # One after the other: sign-in attempts of one name and address in flight at once are
        # counted against its limit before their passwords are checked.
        signed = [signed_in(base, "insp") for _ in range(CLIENTS)]
        start = threading.Barrier(CLIENTS + 1, timeout=60)
        with ThreadPoolExecutor(CLIENTS + 1) as pool:
            imported = pool.submit(_importer, base, codes, start)
            results = list(pool.map(_worker, signed, range(CLIENTS), [codes] * CLIENTS, [start] * CLIENTS))
            upload = imported.result()
    assert upload.status_code == 200 and upload.json()["created"] == IMPORTED, upload.text
    accepted = set().union(*(r[0] for r in results))
    statuses = [s for r in results for s in r[1]]
    assert len(accepted) > CLIENTS and not [s for s in statuses if s >= 500]
    assert set(statuses) <= {200, 201}
    with backend_site.store.session() as session:
        query = sa.select(Inspection.client_id).where(Inspection.client_id.like("soak-%"))
        stored = session.scalars(query).all()
    assert len(stored) == len(set(stored)) == len(accepted)
    assert set(stored) == accepted
    with backend_site.store.session() as session:
        query = sa.select(sa.func.count()).where(Inspection.client_id.like("import-%"))
        assert session.scalar(query) == IMPORTED
    assert stored_summaries(backend_site.store) == rebuilt_summaries(backend_site.store)
