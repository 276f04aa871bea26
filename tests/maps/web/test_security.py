"""Security at the edge: CSRF, escaping, path traversal, no traces, cookies.

Sign-in limits are in test_sign_in_limits.py, server sessions in test_sessions.py.
"""

from __future__ import annotations

import io

import pytest

from maps.web.security import SessionData, read_session, sign_session
from tests.maps.conftest import QIANJIN, XSS_NAME, XSS_NOTE
from tests.maps.web.conftest import PASSWORD, SECRET, Site

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RAW = ("<script>alert", "<img src=x", "<b>窝棚</b>", "<i>并复耕</i>")


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(site: Site) -> None:
    client = site.client("inspector")
    before = len(client.get("/api/parcels/QJ-BF-003/inspections").json())
    body = {"inspected_at": "2022-10-20T10:00", "client_id": "no-csrf-0001"}
    assert client.post("/api/parcels/QJ-BF-003/inspections", json=body).status_code == 403
    bad = {"X-CSRF-Token": "0" * 64}
    assert client.post("/api/parcels/QJ-BF-003/inspections", json=body, headers=bad).status_code == 403
    form = {"code": "QJ-BF-003", "inspected_at": "2022-10-20T10:00", "client_id": "no-csrf-0002"}
    assert client.post("/inspect", data=form).status_code == 403
    assert len(client.get("/api/parcels/QJ-BF-003/inspections").json()) == before
    assert site.client("manager").post("/issues/2-1/state", data={"state": "done"}).status_code == 403


def test_sign_in_itself_needs_the_forms_csrf_token(site: Site) -> None:
    client = site.client()
    client.get("/login")
    assert client.post("/login", data={"name": "root", "password": PASSWORD}).status_code == 403


def test_user_text_comes_back_escaped_in_every_page_and_map(site: Site) -> None:
    inspector = site.client("inspector")
    reply = inspector.post("/inspect", data={
        "code": "QJ-BF-003", "inspected_at": "2022-10-22T09:00", "client_id": "xss-note-0001", "note": XSS,
        "csrf_token": site.csrf(inspector)})
    assert reply.status_code == 303
    manager = site.client("manager")
    pages = ["/", f"/streets/{QIANJIN}", f"/streets/{QIANJIN}/map", "/parcels/QJ-BF-001",
             "/parcels/QJ-BF-003", "/issues", "/issues/2-1", "/inspect?code=QJ-BF-001"]
    admin = site.client("admin")
    for path in pages:
        text = admin.get(path).text
        for raw in RAW:
            assert raw not in text, f"{raw!r} unescaped in {path}"
    assert "&lt;script&gt;" in admin.get("/parcels/QJ-BF-003").text
    named = admin.get("/parcels/QJ-BF-001").text
    assert XSS_NAME not in named and "&lt;img src=x" in named
    assert XSS_NOTE not in manager.get("/parcels/QJ-BF-001").text
    # A typed value shown again after an error is escaped too.
    again = inspector.post("/inspect", data={"code": "QJ-BF-003", "inspected_at": "2022-10-22T09:00",
                                             "sheds_count": XSS, "csrf_token": site.csrf(inspector)})
    assert again.status_code == 422 and "<script>alert" not in again.text


@pytest.mark.parametrize("name", [
    "..%2F..%2Fetc%2Fpasswd", "%2E%2E", "%2e%2e%2fstore.sqlite", "....//....//etc/passwd",
    "parcels-20221025-000000-deadbeef.csv%00.txt", "%2Fetc%2Fpasswd", "..%5C..%5Cstore.sqlite",
])
def test_path_traversal_in_download_names_is_refused(site: Site, name: str) -> None:
    client = site.client("analyst")
    for prefix in ("/exports/files/", "/photos/"):
        reply = client.get(prefix + name)
        assert reply.status_code in (404, 422), (prefix, name, reply.status_code)
        assert b"root:" not in reply.content and b"SQLite format" not in reply.content


def test_errors_carry_no_stack_trace(site: Site) -> None:
    client = site.client("admin")
    headers = {"X-CSRF-Token": site.csrf(client)}
    replies = [
        client.get("/parcels/NOPE"), client.get("/api/parcels/NOPE"), client.get("/no/such/page"),
        client.get("/api/streets/440106020/parcels?bbox=a,b"), client.get("/api/issues/9-9"),
        client.post("/api/issues/2-1/state", json={"state": "bogus"}, headers=headers),
        client.post("/api/measures/999999/done", json={}, headers=headers),
        client.post("/inspect", data={"code": "NOPE", "csrf_token": site.csrf(client)}),
    ]
    for reply in replies:
        assert 400 <= reply.status_code < 500, reply.status_code
        assert "Traceback" not in reply.text and 'File "' not in reply.text


def test_session_cookie_is_signed_httponly_and_samesite(site: Site) -> None:
    client = site.client()
    client.get("/login")
    reply = client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf_token": site.csrf(client),
                                        "next": "//evil.example/"})
    cookie = reply.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert reply.headers["location"] == "/"
    forged = sign_session(SessionData(1, "x"), "another-secret-key-000000")
    assert read_session(forged, SECRET, 3600) is None
    client.cookies.set("lp_session", forged)
    assert client.get("/api/streets").status_code == 401


def test_photos_are_checked_by_content(site: Site) -> None:
    client = site.client("inspector")
    fake = io.BytesIO(b"MZ\x90\x00 not an image at all")
    reply = client.post("/inspect", data={"code": "QJ-BF-003", "inspected_at": "2022-10-22T09:30",
                                          "note": "留下", "client_id": "fake-photo-01",
                                          "csrf_token": site.csrf(client)},
                        files={"photos": ("evil.jpg", fake, "image/jpeg")})
    assert reply.status_code == 422
    assert 'class="field-error"' in reply.text and "not an image" in reply.text
    assert "留下" in reply.text  # what was typed is kept
    big = io.BytesIO(b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024))
    reply = client.post("/inspect", data={"code": "QJ-BF-003", "inspected_at": "2022-10-22T09:30",
                                          "client_id": "big-photo-01", "csrf_token": site.csrf(client)},
                        files={"photos": ("big.jpg", big, "image/jpeg")})
    assert reply.status_code == 422 and "20 MB" in reply.text
