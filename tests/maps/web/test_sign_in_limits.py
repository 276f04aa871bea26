"""Sign-in limits: counted atomically before the password, per (name, address) and per address.

Issue 13 item 5 (30 wrong passwords in flight let 23 be checked against a limit
of 5) and issue 14 item 4 (one user's typing locked out a whole office, attempts
during a lockout extended it, and nothing could unlock it).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from geo.store import Store
from maps.web.security import csrf_token, read_session
from maps.web.sign_in_limits import SignInLimiter
from maps.web.users import add_user
from scripts.cli import app as cli
from tests.maps.web.conftest import PASSWORD, SECRET, Site, running

IN_FLIGHT = 30


def _sign_in(client: TestClient, site: Site, name: str, password: str) -> int:
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": site.csrf(client)}).status_code


def test_a_window_is_fixed_so_attempts_during_a_lockout_do_not_extend_it(store: Store) -> None:
    limiter = SignInLimiter(store, 2, 100, 10)
    assert [limiter.attempt("Boss", "10.0.0.1", now=t) for t in (0, 1)] == [0, 0]
    assert limiter.attempt("boss ", "10.0.0.1", now=2) == pytest.approx(8)  # name case and spaces ignored
    assert limiter.attempt("boss", "10.0.0.1", now=9) == pytest.approx(1)  # not extended to 9 + 10
    assert limiter.attempt("boss", "10.0.0.2", now=9) == 0  # another address: another pair
    assert limiter.attempt("ana", "10.0.0.1", now=9) == 0  # a colleague at the same address
    assert limiter.attempt("boss", "10.0.0.1", now=10.5) == 0  # the window is over: a fresh one


def test_the_address_alone_has_a_higher_limit_and_right_passwords_do_not_count(store: Store) -> None:
    limiter = SignInLimiter(store, 2, 4, 10)
    for n in range(4):
        assert limiter.attempt(f"user{n}", "10.0.0.9", now=0) == 0
    assert limiter.attempt("user9", "10.0.0.9", now=1) == pytest.approx(9)
    limiter.succeeded("user0", "10.0.0.9")  # a right password gives its attempt back
    limiter.succeeded("user1", "10.0.0.9")
    assert limiter.attempt("user8", "10.0.0.9", now=2) == 0


def test_attempts_in_flight_at_once_are_each_counted(store: Store) -> None:
    limiter = SignInLimiter(store, 5, 1000, 300)
    start = threading.Barrier(IN_FLIGHT, timeout=30)

    def attempt(_n: int) -> float:
        start.wait()
        return limiter.attempt("boss", "10.0.0.1", now=1000.0)

    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        waits = list(pool.map(attempt, range(IN_FLIGHT)))
    assert waits.count(0) == 5 and all(w == pytest.approx(300) for w in waits if w)


def test_thirty_wrong_passwords_at_once_check_only_the_limit(backend_site: Site) -> None:
    limit = backend_site.settings.login_max_failures
    with running(backend_site.app) as base:
        clients = [httpx.Client(base_url=base, timeout=60) for _ in range(IN_FLIGHT)]
        tokens = []
        for client in clients:
            client.get("/login")
            tokens.append(csrf_token(read_session(client.cookies["lp_session"], SECRET, 3600).sid, SECRET))
        start = threading.Barrier(IN_FLIGHT, timeout=60)

        def wrong(n: int) -> int:
            start.wait()
            return clients[n].post("/login", data={"name": "boss", "password": f"wrong-{n}",
                                                   "csrf_token": tokens[n]}).status_code

        with ThreadPoolExecutor(IN_FLIGHT) as pool:
            statuses = list(pool.map(wrong, range(IN_FLIGHT)))
        for client in clients:
            client.close()
    assert statuses.count(401) == limit and statuses.count(429) == IN_FLIGHT - limit


def test_one_users_lockout_leaves_colleagues_at_the_same_address_alone(site: Site) -> None:
    with site.store.session() as session:
        add_user(session, name="typo", role="analyst", password=PASSWORD, actor="test")
        add_user(session, name="colleague", role="analyst", password=PASSWORD, actor="test")
    client = site.client()
    client.get("/login")
    statuses = [_sign_in(client, site, "typo", f"wrong-{i}") for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert _sign_in(client, site, "typo", PASSWORD) == 429  # even the right one waits
    other = site.client()
    other.get("/login")
    assert _sign_in(other, site, "colleague", PASSWORD) == 303


def test_users_unlock_lifts_a_lockout(site: Site) -> None:
    with site.store.session() as session:
        add_user(session, name="locked", role="analyst", password=PASSWORD, actor="test")
    client = site.client()
    client.get("/login")
    for i in range(4):
        _sign_in(client, site, "locked", f"wrong-{i}")
    assert _sign_in(client, site, "locked", PASSWORD) == 429
    runner = CliRunner()
    done = runner.invoke(cli, ["users", "unlock", "locked", "--db", site.store.url])
    assert done.exit_code == 0 and "unlocked" in done.output
    assert _sign_in(client, site, "locked", PASSWORD) == 303
    missing = runner.invoke(cli, ["users", "unlock", "nobody", "--db", site.store.url])
    assert missing.exit_code == 3 and "no user" in missing.output and "Traceback" not in missing.output
