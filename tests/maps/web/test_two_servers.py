"""Two `landpatrol serve` processes on one PostGIS, media in the database, behave as one (issue 17, item 1).

Each server runs in its own working folder on its own port, as two machines
behind a proxy would: nothing they share but the store and the secret key.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from geo.store import open_store
from maps.web.security import SESSION_COOKIE, csrf_token, read_session
from scripts.cli import app
from tests.cases.images import image_bytes
from tests.conftest import _scratch_database
from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import PASSWORD, USERS, free_port, seed

ROOT = Path(__file__).resolve().parents[3]
SECRET = "two-servers-shared-secret-0123456789"
INSPECTOR = USERS["inspector"][0]


def _serve(url: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A `landpatrol serve` process in `folder`; returns it and its base URL once it answers."""
    port = free_port()
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANDPATROL_MEDIA": "db", "LANDPATROL_SECRET_KEY": SECRET,
           "LANDPATROL_LOGIN_MAX_FAILURES": "3"}
    command = [sys.executable, "-m", "scripts.cli", "serve", "--port", str(port), "--db", url]
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"serve exited: {process.stderr.read().decode()}")
        try:
            httpx.get(f"{base}/login", timeout=1)
            return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("serve did not answer")


@pytest.fixture(scope="module")
def servers(postgis_admin, postgis_template, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """Base URLs of two servers on one seeded PostGIS database."""
    folder = tmp_path_factory.mktemp("two")
    with _scratch_database(postgis_admin, "landpatrol_two", postgis_template) as url:
        store = open_store(url)
        seed(store)
        store.dispose()
        started = []
        try:
            for name in ("a", "b"):
                started.append(_serve(url, folder / name))
            yield started[0][1], started[1][1]
        finally:
            for process, _ in started:
                process.terminate()
                process.wait(10)


def _csrf(client: httpx.Client) -> str:
    data = read_session(client.cookies.get(SESSION_COOKIE), SECRET, 3600)
    return csrf_token(data.sid, SECRET) if data else ""


def _sign_in(base: str, name: str, password: str = PASSWORD) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    client.get("/login")
    form = {"name": name, "password": password, "csrf_token": _csrf(client)}
    return client, client.post("/login", data=form)


def _on(base: str, signed_in: httpx.Client) -> httpx.Client:
    """A client of `base` carrying the session cookie that `signed_in` got from the other server."""
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    client.cookies.set(SESSION_COOKIE, signed_in.cookies.get(SESSION_COOKIE))
    return client


def test_a_photo_and_a_record_written_through_one_are_seen_at_once_through_the_other(servers):
    a, b = servers
    on_a, reply = _sign_in(a, INSPECTOR)
    assert reply.status_code == 303, reply.text
    on_b = _on(b, on_a)
    before_json = on_b.get(f"/api/streets/{QIANJIN}/parcels").json()
    before_page = on_b.get(f"/streets/{QIANJIN}/map").text
    png = image_bytes("PNG")
    reply = on_a.post("/inspect", data={"code": "QJ-BF-002", "inspected_at": "2026-11-30T09:00",
                                        "client_id": "two-servers-1", "csrf_token": _csrf(on_a)},
                      files={"photos": ("a.png", io.BytesIO(png), "image/png")})
    assert reply.status_code == 303, reply.text
    name = re.search(r'href="/photos/([0-9a-f]{64}\.png)"', on_b.get("/parcels/QJ-BF-002").text).group(1)
    served = on_b.get(f"/photos/{name}")
    assert served.status_code == 200 and served.content == png
    thumb = on_b.get(f"/photos/{name}", params={"thumb": "1"})
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert on_a.get(f"/photos/{name}", params={"thumb": "1"}).content == thumb.content
    after_json = on_b.get(f"/api/streets/{QIANJIN}/parcels").json()
    assert after_json != before_json  # B's cached page is not served after A's write
    shown = {f["properties"]["code"]: f["properties"] for f in after_json["features"]}
    assert "2026-11-30" in str(shown["QJ-BF-002"]), shown["QJ-BF-002"]
    assert on_b.get(f"/streets/{QIANJIN}/map").text != before_page


def test_failed_sign_ins_on_one_lock_out_on_the_other(servers):
    a, b = servers
    name = USERS["analyst"][0]
    for _ in range(3):
        assert _sign_in(a, name, "wrong-password-1")[1].status_code == 401
    assert _sign_in(b, name)[1].status_code == 429  # locked, even with the right password


def test_a_session_from_one_works_on_the_other_and_ends_on_both(servers):
    a, b = servers
    on_a, reply = _sign_in(a, USERS["manager"][0])
    assert reply.status_code == 303
    on_b = _on(b, on_a)
    assert on_b.get("/api/streets").status_code == 200
    assert on_a.post("/logout", data={"csrf_token": _csrf(on_a)}).status_code == 303
    assert on_b.get("/api/streets").status_code == 401


def test_serving_a_postgis_store_without_a_shared_secret_key_is_refused(postgis_admin, postgis_template,
                                                                         monkeypatch):
    monkeypatch.delenv("LANDPATROL_SECRET_KEY", raising=False)
    with _scratch_database(postgis_admin, "landpatrol_key", postgis_template) as url:
        result = CliRunner().invoke(app, ["serve", "--db", url])
    assert result.exit_code == 2
    assert "LANDPATROL_SECRET_KEY" in result.output and "Traceback" not in result.output
