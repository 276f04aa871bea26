"""Retries of one submission sent at once all get the stored record (issue 13 item 8)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa

from cases.models import Inspection
from tests.maps.web.conftest import PASSWORD, SECRET, Site, running

RETRIES = 25
URL = "/api/parcels/QJ-BF-003/inspections"


def test_concurrent_retries_of_one_client_id_all_succeed(backend_site: Site) -> None:
    from maps.web.security import csrf_token, read_session

    with running(backend_site.app) as base, httpx.Client(base_url=base, timeout=60) as client:
        client.get("/login")
        token = csrf_token(read_session(client.cookies["lp_session"], SECRET, 3600).sid, SECRET)
        client.post("/login", data={"name": "insp", "password": PASSWORD, "csrf_token": token})
        token = csrf_token(read_session(client.cookies["lp_session"], SECRET, 3600).sid, SECRET)
        body = {"client_id": "phone-retry-0001", "inspected_at": "2022-10-20T10:00:00+08:00"}
        start = threading.Barrier(RETRIES, timeout=60)

        def post(_n: int) -> httpx.Response:
            start.wait()
            return client.post(URL, json=body, headers={"X-CSRF-Token": token})

        with ThreadPoolExecutor(RETRIES) as pool:
            replies = list(pool.map(post, range(RETRIES)))
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200] * (RETRIES - 1) + [201], [r.text for r in replies if r.status_code >= 300]
    assert len({r.json()["id"] for r in replies}) == 1
    with backend_site.store.session() as session:
        query = sa.select(sa.func.count()).where(Inspection.client_id == "phone-retry-0001")
        assert session.scalar(query) == 1
