"""Server-side sessions (issue 13 item 4): sign-out, disabling and a new password end them at once;
idle and absolute timeouts; only a hash of the id is stored; Secure cookies over HTTPS."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cases.models import WebSession
from geo.store import Store
from maps.web.app import create_app
from maps.web.security import SESSION_COOKIE, read_session
from maps.web.sessions import SessionStore
from scripts.cli import app as cli
from tests.maps.web.conftest import PASSWORD, SECRET, Site, running


def _age(site: Site, **seconds: float) -> None:
    """Move every stored session's clocks back (no waiting in tests)."""
    values = {column: getattr(WebSession, column) - by for column, by in seconds.items()}
    with site.store.session() as session:
        session.execute(sa.update(WebSession).values(**values))


def test_a_saved_cookie_and_its_csrf_token_stop_working_after_sign_out(backend_site: Site) -> None:
    client = backend_site.client("inspector")
    saved, token = client.cookies.get(SESSION_COOKIE), backend_site.csrf(client)
    assert client.post("/logout", headers={"X-CSRF-Token": token}).status_code == 303
    thief = TestClient(backend_site.app, raise_server_exceptions=False, follow_redirects=False)
    thief.cookies.set(SESSION_COOKIE, saved)
    assert thief.get("/api/streets").status_code == 401
    body = {"inspected_at": "2022-10-20T10:00", "client_id": "after-logout-1"}
    reply = thief.post("/api/parcels/QJ-BF-003/inspections", json=body, headers={"X-CSRF-Token": token})
    assert reply.status_code == 401


def test_every_worker_shares_the_sessions(site: Site) -> None:
    other_worker = create_app(site.settings, store=site.store)
    client = site.client("analyst")
    second = TestClient(other_worker, raise_server_exceptions=False, follow_redirects=False)
    second.cookies.set(SESSION_COOKIE, client.cookies.get(SESSION_COOKIE))
    assert second.get("/api/streets").status_code == 200
    client.post("/logout", headers={"X-CSRF-Token": site.csrf(client)})
    assert second.get("/api/streets").status_code == 401


def test_only_a_hash_of_the_session_id_is_stored(site: Site) -> None:
    client = site.client("manager")
    sid = read_session(client.cookies.get(SESSION_COOKIE), SECRET, 3600).sid
    with site.store.session() as session:
        stored = session.scalars(sa.select(WebSession.id_hash)).all()
    assert stored and all(sid not in h for h in stored)


def test_idle_and_absolute_timeouts(store: Store) -> None:
    from tests.maps.web.conftest import seed

    seed(store)
    with store.session() as session:
        user_id = session.scalar(sa.text("SELECT id FROM users WHERE name = 'ana'"))
    sessions = SessionStore(store, idle_s=1800, absolute_s=12 * 3600)
    data = sessions.start(user_id, now=0)
    assert sessions.user(data, now=1799) is not None  # used: the idle clock starts again
    assert sessions.user(data, now=1799 + 1799) is not None
    assert sessions.user(data, now=1799 + 1799 + 1801) is None  # idle too long
    kept = sessions.start(user_id, now=0)
    for step in range(1, 12 * 6):  # busy all day, a request every 10 minutes
        assert sessions.user(kept, now=step * 600) is not None
    assert sessions.user(kept, now=12 * 3600) is None  # 12 hours after signing in, whatever happened


def test_an_idle_session_is_refused_over_http(site: Site) -> None:
    client = site.client("analyst")
    assert client.get("/api/streets").status_code == 200
    _age(site, seen_at=site.settings.session_idle_s + 1)
    assert client.get("/api/streets").status_code == 401


@pytest.mark.parametrize("ending", [
    ["users", "password", "{name}", "--password-stdin"], ["users", "disable", "{name}"], "web-disable",
])
def test_a_new_password_or_disabling_ends_the_sessions_at_once(site: Site, ending: list[str] | str) -> None:
    from maps.web.users import add_user

    name = "leaver-" + ("web" if isinstance(ending, str) else ending[1])
    with site.store.session() as session:
        add_user(session, name=name, role="analyst", password=PASSWORD, actor="test")
    client = site.signed_in(name)
    assert client.get("/api/streets").status_code == 200
    if ending == "web-disable":
        admin = site.client("admin")
        reply = admin.post(f"/api/users/{name}/disable", headers={"X-CSRF-Token": site.csrf(admin)})
        assert reply.status_code == 200
    else:
        args = [arg.format(name=name) for arg in ending]
        done = CliRunner().invoke(cli, [*args, "--db", site.store.url], input="another-long-one\n")
        assert done.exit_code == 0, done.output
    assert client.get("/api/streets").status_code == 401


def test_the_cookie_is_secure_over_https(site: Site) -> None:
    client = TestClient(site.app, base_url="https://testserver", follow_redirects=False)
    assert "secure" in client.get("/login").headers["set-cookie"].lower()
    plain = TestClient(site.app, follow_redirects=False)
    assert "secure" not in plain.get("/login").headers["set-cookie"].lower()


def test_the_cookie_is_secure_behind_a_proxy_that_says_https(site: Site) -> None:
    with running(site.app) as base:  # uvicorn trusts proxy headers from 127.0.0.1
        reply = httpx.get(f"{base}/login", headers={"X-Forwarded-Proto": "https"})
        plain = httpx.get(f"{base}/login")
    assert "secure" in reply.headers["set-cookie"].lower()
    assert "secure" not in plain.headers["set-cookie"].lower()


def test_migration_0005_goes_down_and_up_again(store: Store) -> None:
    from scripts.migrate import downgrade, upgrade

    def tables() -> set[str]:
        with store.engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())

    assert {"web_sessions", "sign_in_attempts"} <= tables() and "sign_in_failures" not in tables()
    downgrade(store, "0004")
    assert "sign_in_failures" in tables() and not {"web_sessions", "sign_in_attempts"} & tables()
    upgrade(store)
    assert {"web_sessions", "sign_in_attempts"} <= tables() and "sign_in_failures" not in tables()
