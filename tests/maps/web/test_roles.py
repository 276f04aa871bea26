"""The role matrix over every route: each role gets exactly what it should, 401/403 otherwise.

The test fails when a route exists that the matrix does not list, so a new
route cannot ship without deciding who may use it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.cases.images import image_bytes
from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import USERS, Site

ROLES = tuple(USERS)  # admin, manager, analyst, inspector, other (inspector of another street)
EVERYONE = frozenset(ROLES)
STREET_READERS = frozenset({"admin", "manager", "analyst", "inspector"})  # not `other`
READERS = frozenset({"admin", "manager", "analyst"})
EDITORS = frozenset({"admin", "manager"})
LOGGERS = frozenset({"admin", "inspector"})
ADMINS = frozenset({"admin"})
PUBLIC = {("GET", "/login"), ("GET", "/lang/{lang}"), ("GET", "/openapi.json"), ("POST", "/login"),
          # The field app's shell: the same bytes for everyone, no user data (its data is under /api/field).
          ("GET", "/field/"), ("GET", "/field/sw.js"), ("GET", "/field/manifest.webmanifest"),
          ("GET", "/field/words.js"),
          # OGC API: these name no data; /ogc/collections lists only what the caller may read
          ("GET", "/ogc"), ("GET", "/ogc/"), ("GET", "/ogc/conformance"), ("GET", "/ogc/api"),
          ("GET", "/ogc/collections")}
FIELD_USERS = LOGGERS | {"other"}  # an inspector of another street has a field app of their own
PNG = image_bytes("PNG")  # photos are decoded in full: a header alone is refused
CALLERS = ("anon", *ROLES)  # each caller writes rows of its own, so allowed roles never collide
NUMBER = {who: i for i, who in enumerate(CALLERS, start=1)}
STREET_CODES = f'{{"{QIANJIN}": {{"name": "前进街道"}}}}'.encode()  # a street-code file, run dry

Request = Callable[[Any, str, str], Any]  # (client, role, csrf) -> response


def _inspection(role: str, n: list[int]) -> dict[str, Any]:
    n[0] += 1
    return {"inspected_at": "2022-10-20T10:00:00+08:00", "client_id": f"matrix-{role}-{n[0]:04d}"}


Row = tuple[str, str, frozenset, Request]
Fixtures = tuple[str, int, str, dict[str, int]]


def _dry_import() -> dict[str, Any]:
    return {"files": {"file": ("streets.json", io.BytesIO(STREET_CODES), "application/json")}}


def matrix(
    site: Site, photo: str, measure_id: int, export_name: str, inspections: dict[str, int],
) -> list[Row]:
    """(method, route path, roles allowed, how to call it)."""
    n = [0]

    def get(url: str) -> Request:
        return lambda c, role, csrf: c.get(url)

    def post_json(url: str, body: Callable[[str], dict]) -> Request:
        return lambda c, role, csrf: c.post(url, json=body(role), headers={"X-CSRF-Token": csrf})

    def post_form(url: str, body: Callable[[str], dict], files: Any = None) -> Request:
        return lambda c, role, csrf: c.post(url, data={**body(role), "csrf_token": csrf}, files=files)

    def correct(kind: str, call: Callable[[Any, str, str, int], Any]) -> Request:
        return lambda c, role, csrf: call(c, role, csrf, inspections[f"{kind}-{role}"])

    def upload(url: str, headers: bool) -> Request:
        form = {"target": "streets", "dry_run": "true"}
        return lambda c, role, csrf: c.post(
            url, data=form if headers else {**form, "csrf_token": csrf},
            headers={"X-CSRF-Token": csrf} if headers else None, **_dry_import())

    street = f"/streets/{QIANJIN}"
    return [
        ("GET", "/", EVERYONE, get("/")),
        ("GET", "/api/streets", EVERYONE, get("/api/streets")),
        ("GET", "/api/patrol", EVERYONE, get("/api/patrol")),
        ("POST", "/logout", EVERYONE, post_form("/logout", lambda r: {})),
        ("GET", "/streets/{code}", STREET_READERS, get(street)),
        ("GET", "/streets/{code}/map", STREET_READERS, get(f"{street}/map")),
        ("GET", "/api/streets/{code}/parcels", STREET_READERS, get(f"/api/streets/{QIANJIN}/parcels")),
        ("GET", "/tiles/parcels/{z}/{x}/{y}.pbf", STREET_READERS,
         get(f"/tiles/parcels/16/53400/28600.pbf?street={QIANJIN}")),
        ("GET", "/parcels/{code}", STREET_READERS, get("/parcels/QJ-BF-001")),
        ("GET", "/api/parcels/{code}", STREET_READERS, get("/api/parcels/QJ-BF-001")),
        ("GET", "/api/parcels/{code}/inspections", STREET_READERS, get("/api/parcels/QJ-BF-001/inspections")),
        ("GET", "/photos/{name}", STREET_READERS, get(f"/photos/{photo}")),
        ("POST", "/api/parcels/{code}/inspections", LOGGERS,
         post_json("/api/parcels/QJ-BF-003/inspections", lambda r: _inspection(r, n))),
        ("GET", "/inspect", LOGGERS, get("/inspect?code=QJ-BF-001")),
        ("POST", "/inspect", LOGGERS, post_form(
            "/inspect", lambda r: {"code": "QJ-BF-003", **_inspection(r, n)},
            files={"photos": ("p.png", io.BytesIO(PNG), "image/png")})),
        ("GET", "/api/field/session", FIELD_USERS, get("/api/field/session")),
        ("GET", "/api/field/package", FIELD_USERS, get("/api/field/package")),
        ("POST", "/api/field/inspections", LOGGERS, post_form(
            "/api/field/inspections", lambda r: {"parcel_code": "QJ-BF-003", **_inspection(r, n)},
            files={"photos": ("p.png", io.BytesIO(PNG), "image/png")})),
        ("GET", "/issues", READERS, get("/issues")),
        ("GET", "/issues/{ref}", READERS, get("/issues/2-1")),
        ("GET", "/api/issues", READERS, get("/api/issues")),
        ("GET", "/api/issues/{ref}", READERS, get("/api/issues/2-1")),
        ("GET", "/api/issues/{ref}/measures", READERS, get("/api/issues/2-1/measures")),
        ("POST", "/api/issues/{ref}/measures", EDITORS,
         post_json("/api/issues/2-1/measures", lambda r: {"text": f"措施 {r}"})),
        ("POST", "/api/measures/{measure_id}/done", EDITORS,
         post_json(f"/api/measures/{measure_id}/done", lambda r: {"on": "2022-10-01"})),
        ("POST", "/api/issues/{ref}/state", EDITORS,
         post_json("/api/issues/2-1/state", lambda r: {"state": "in_progress", "note": r})),
        ("POST", "/issues/{ref}/measures", EDITORS, post_form("/issues/2-1/measures", lambda r: {"text": r})),
        ("POST", "/issues/{ref}/state", EDITORS,
         post_form("/issues/2-1/state", lambda r: {"state": "in_progress"})),
        ("POST", "/measures/{measure_id}/done", EDITORS,
         post_form(f"/measures/{measure_id}/done", lambda r: {})),
        ("GET", "/exports", READERS, get("/exports")),
        ("POST", "/exports", READERS, post_form("/exports", lambda r: {"what": "parcels", "format": "csv"})),
        ("POST", "/api/exports", READERS, post_json("/api/exports", lambda r: {"format": "csv"})),
        ("GET", "/api/exports", READERS, get("/api/exports")),
        ("GET", "/exports/files/{name}", READERS, get(f"/exports/files/{export_name}")),
        ("GET", "/inspections/{inspection_id}/correct", LOGGERS,
         get(f"/inspections/{inspections['form-admin']}/correct")),
        ("POST", "/inspections/{inspection_id}/correct", LOGGERS, correct("form", lambda c, r, csrf, i: (
            c.post(f"/inspections/{i}/correct", data={"sheds_count": "5", "csrf_token": csrf})))),
        ("POST", "/api/inspections/{inspection_id}/corrections", LOGGERS, correct("api", lambda c, r, k, i: (
            c.post(f"/api/inspections/{i}/corrections", json={"sheds_count": 4},
                   headers={"X-CSRF-Token": k})))),
        ("GET", "/issues/new", EDITORS, get("/issues/new")),
        ("POST", "/issues/new", EDITORS, post_form("/issues/new", lambda r: {
            "ref": f"8-{NUMBER[r]}", "category": "2", "title": f"表单 {r}"})),
        ("POST", "/api/issues", EDITORS, post_json("/api/issues", lambda r: {
            "ref": f"9-{NUMBER[r]}", "category": 3, "title": f"接口 {r}"})),
        ("POST", "/issues/{ref}/parcels", EDITORS,
         post_form("/issues/2-1/parcels", lambda r: {"codes": "QJ-BF-003"})),
        ("POST", "/api/issues/{ref}/parcels", EDITORS,
         post_json("/api/issues/2-1/parcels", lambda r: {"codes": ["QJ-SP-001"]})),
        ("GET", "/review", READERS, get("/review")),
        ("GET", "/api/conflicts", READERS, get("/api/conflicts")),
        ("POST", "/review/conflicts/{conflict_id}/accept", EDITORS, correct(
            "conflict-form", lambda c, r, k, i: c.post(f"/review/conflicts/{i}/accept",
                                                       data={"csrf_token": k}))),
        ("POST", "/api/conflicts/{conflict_id}/accept", EDITORS, correct("conflict-api", lambda c, r, k, i: (
            c.post(f"/api/conflicts/{i}/accept", headers={"X-CSRF-Token": k})))),
        ("POST", "/api/conflicts/{conflict_id}/supersede", EDITORS, correct(
            "conflict-new", lambda c, r, k, i: c.post(f"/api/conflicts/{i}/supersede",
                                                      json={"sheds_count": 2}, headers={"X-CSRF-Token": k}))),
        ("GET", "/admin/imports", ADMINS, get("/admin/imports")),
        ("POST", "/admin/imports", ADMINS, upload("/admin/imports", headers=False)),
        ("POST", "/api/imports", ADMINS, upload("/api/imports", headers=True)),
        ("GET", "/admin/users", ADMINS, get("/admin/users")),
        ("POST", "/admin/users", ADMINS, post_form("/admin/users", lambda r: {
            "name": f"new-form-{r}", "role": "analyst", "password": "long-enough-1"})),
        ("POST", "/admin/users/{name}/disable", ADMINS,
         post_form("/admin/users/victim1/disable", lambda r: {})),
        ("GET", "/api/users", ADMINS, get("/api/users")),
        ("POST", "/api/users", ADMINS, post_json("/api/users", lambda r: {
            "name": f"new-api-{r}", "role": "manager", "password": "long-enough-1"})),
        ("POST", "/api/users/{name}/disable", ADMINS, post_json("/api/users/victim2/disable", lambda r: {})),
        # OGC API: inspectors read their own streets' features (scoped, not refused); anonymous 401
        ("GET", "/ogc/collections/{collection_id}", EVERYONE, get("/ogc/collections/basic_farmland")),
        ("GET", "/ogc/collections/{collection_id}/queryables", EVERYONE,
         get("/ogc/collections/basic_farmland/queryables")),
        ("GET", "/ogc/collections/{collection_id}/items", EVERYONE,
         get("/ogc/collections/basic_farmland/items")),
        ("GET", "/ogc/collections/{collection_id}/items", READERS, get("/ogc/collections/issues/items")),
        ("GET", "/ogc/collections/{collection_id}/items/{feature_id}", STREET_READERS,
         get("/ogc/collections/basic_farmland/items/QJ-BF-001")),
    ]


def _routes(site: Site) -> Iterator[tuple[str, str]]:
    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            yield from walk(inner.routes) if inner is not None else [route]

    for route in walk(site.app.routes):
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                yield method, route.path


@pytest.fixture(scope="module")
def fixtures(site: Site) -> Fixtures:
    """A photo, a measure, an export file and inspections to correct, to address in the matrix."""
    from cases.conflicts import conflicts_of
    from cases.inspections import log_inspection
    from maps.web.users import add_user

    inspections = {}
    with site.store.session() as session:
        for name in ("victim1", "victim2"):
            add_user(session, name=name, role="analyst", password="long-enough-1", actor="test")
        for who in CALLERS:
            for kind in ("form", "api"):
                inspections[f"{kind}-{who}"] = log_inspection(
                    session, parcel_code="QJ-FP-001", inspected_at="2022-10-02T09:00", inspector="张三",
                    findings={"sheds_count": 1}, actor="test").id
            for kind in ("conflict-form", "conflict-api", "conflict-new"):  # a record made offline each
                made = log_inspection(session, parcel_code="QJ-IL-001", inspected_at="2022-10-02T09:00",
                                      inspector="张三", actor="test", known_street="440106999")
                inspections[f"{kind}-{who}"] = conflicts_of(session, made.id)[0]["id"]
    inspector = site.client("inspector")
    reply = inspector.post("/inspect", data={
        "code": "QJ-BF-002", "inspected_at": "2022-10-21T09:00", "client_id": "fixture-photo-1",
        "csrf_token": site.csrf(inspector)}, files={"photos": ("a.png", io.BytesIO(PNG + b"x"), "image/png")})
    assert reply.status_code == 303, reply.text
    photo = inspector.get("/api/parcels/QJ-BF-002/inspections").json()[0]["photos"].split(";")[0]
    manager = site.client("manager")
    full = next(p for p in (site.store.media_dir()).rglob("*.png") if p.name.startswith(photo))
    measure = manager.get("/api/issues/2-1/measures").json()[0]["id"]
    made = manager.post("/api/exports", json={"format": "csv"}, headers={"X-CSRF-Token": site.csrf(manager)})
    return full.name, measure, made.json()["name"], inspections


def test_the_matrix_lists_every_route(site: Site, fixtures: Fixtures) -> None:
    listed = {(m, p) for m, p, _, _ in matrix(site, *fixtures)} | PUBLIC
    assert set(_routes(site)) - listed == set(), "routes without a decision on who may use them"


def _signed_out(method: str, path: str) -> int:
    """What a visitor not signed in gets: pages send them to sign in (303); the API, the OGC API
    (desktop GIS clients answer a challenge, not a page) and posts say 401."""
    return 303 if method == "GET" and not path.startswith(("/api", "/ogc")) else 401


@pytest.mark.parametrize("role", [None, *ROLES])
def test_each_role_gets_exactly_its_routes(
    site: Site, fixtures: Fixtures, role: str | None,
) -> None:
    client = site.client(role)
    csrf = site.csrf(client)
    wrong = []
    for method, path, allowed, call in matrix(site, *fixtures):
        if method == "POST" and path == "/logout":
            continue  # checked last, with its own client
        reply = call(client, role or "anon", csrf)
        status = reply.status_code
        expected = "ok" if role in allowed else (_signed_out(method, path) if role is None else 403)
        if status == 303 and reply.headers["location"].startswith("/login?"):
            status = 303 if role is None else 401  # sent to sign in: right only when signed out
        if (expected == "ok" and status >= 400) or (expected != "ok" and status != expected):
            wrong.append(f"{method} {path}: {status}, expected {expected}")
    logout = site.client(role)
    status = logout.post("/logout", data={"csrf_token": site.csrf(logout)}).status_code
    if status != (303 if role else 401):
        wrong.append(f"POST /logout: {status}")
    assert wrong == []


def test_an_inspector_sees_only_their_own_streets(site: Site) -> None:
    client = site.client("other")
    assert [s["code"] for s in client.get("/api/streets").json()] == [USERS["other"][2][0]]
    assert QIANJIN not in client.get("/").text
