"""Fixtures for the web tests: the map sample plus one user per role, and signed-in clients.

Clients go through the public surface (HTTP via Starlette's TestClient); the
CSRF token is read from each client's own session cookie, as a page would embed it.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cases.issues import add_measure
from geo.store import Store, open_store
from maps.web import Settings, add_user, create_app
from maps.web.security import SESSION_COOKIE, csrf_token, read_session
from tests.maps.conftest import FENGHUANG, QIANJIN, MapSample, add_sample

SECRET = "web-tests-secret-key-0123456789"
PASSWORD = "correct-horse-9"
# role → (user name, streets); `other` is an inspector of another street.
USERS: dict[str, tuple[str, str, list[str]]] = {
    "admin": ("root", "admin", []),
    "manager": ("boss", "manager", []),
    "analyst": ("ana", "analyst", []),
    "inspector": ("insp", "inspector", [QIANJIN]),
    "other": ("insp2", "inspector", [FENGHUANG]),
}


@dataclass
class Site:
    """A running app over a seeded store."""

    app: FastAPI
    store: Store
    sample: MapSample
    settings: Settings

    def client(self, who: str | None = None) -> TestClient:
        """A client signed in as the user of role `who` (anonymous with None)."""
        if who is not None:
            return self.signed_in(USERS[who][0])
        return TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)

    def signed_in(self, name: str) -> TestClient:
        """A client signed in as the user called `name` (password `PASSWORD`)."""
        client = TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)
        client.get("/login")
        form = {"name": name, "password": PASSWORD, "csrf_token": self.csrf(client)}
        reply = client.post("/login", data=form)
        assert reply.status_code == 303, reply.text
        return client

    def csrf(self, client: TestClient) -> str:
        """The CSRF token of this client's session, as its pages carry it."""
        data = read_session(client.cookies.get(SESSION_COOKIE), SECRET, 3600)
        return csrf_token(data.sid, SECRET) if data else ""


def seed(store: Store) -> MapSample:
    """The map sample and one user per role."""
    with store.session() as session:
        sample = add_sample(session)
        session.flush()
        # ledger_frame needs at least one measure in the store (see the closing note).
        add_measure(session, ref="2-1", text="拆除窝棚 <i>并复耕</i>", owner="前进街道", actor="test")
        for name, role, streets in USERS.values():
            add_user(session, name=name, role=role, password=PASSWORD, streets=streets, actor="test")
    return sample


def make_site(url: str, folder: Path) -> Site:
    """Seed the store at `url` and build an app on it."""
    store = open_store(url)
    sample = seed(store)
    settings = Settings(db=url, secret_key=SECRET, export_dir=str(folder / "exports"),
                        login_max_failures=3, login_window_s=60)
    return Site(create_app(settings, store=store), store, sample, settings)


@pytest.fixture(scope="module")
def site(spatialite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One seeded SpatiaLite site per module (authorisation is backend-blind)."""
    folder = tmp_path_factory.mktemp("web")
    path = folder / "store.sqlite"
    shutil.copyfile(spatialite_template, path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LANDPATROL_MEDIA", str(folder / "media"))
        made = make_site(f"sqlite:///{path}", folder)
        yield made
        made.store.dispose()


@pytest.fixture
def backend_site(store: Store, tmp_path: Path) -> Site:
    """A seeded site on each backend (SpatiaLite and PostGIS), fresh per test."""
    return make_site(store.url, tmp_path)


def free_port() -> int:
    """A free TCP port on the loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(app: object, port: int | None = None) -> Iterator[str]:
    """Run the app in uvicorn on a background thread (on `port`, else a free one); yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
