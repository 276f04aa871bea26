"""The JSON API and the inspection form on both backends: GeoJSON pages, idempotent posts, audit."""

from __future__ import annotations

import sqlalchemy as sa

from geo.audit import AuditEvent
from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import Site


def test_street_parcels_as_geojson_with_bbox_and_paging(backend_site: Site) -> None:
    client = backend_site.client("analyst")
    url = f"/api/streets/{QIANJIN}/parcels"
    first = client.get(url, params={"limit": 4})
    assert first.headers["content-type"].startswith("application/geo+json")
    page = first.json()
    assert page["type"] == "FeatureCollection" and page["numberMatched"] == 6 and page["numberReturned"] == 4
    rest = client.get(page["links"][0]["href"]).json()
    codes = [f["properties"]["code"] for f in page["features"] + rest["features"]]
    assert codes == sorted(backend_site.sample.codes[QIANJIN]) and rest["links"] == []
    statuses = {f["properties"]["code"]: f["properties"]["status"] for f in page["features"]}
    assert statuses["QJ-BF-003"] == "uninspected" and statuses["QJ-BF-001"] != "uninspected"
    boxed = client.get(url, params={"bbox": "113.3999,23.1299,113.4012,23.1312"}).json()
    assert [f["properties"]["code"] for f in boxed["features"]] == ["QJ-BF-001"]
    assert client.get(url, params={"bbox": "1,2,3"}).status_code == 422


def test_street_pages_link_on_by_the_last_code_and_end_exactly_at_the_last_parcel(backend_site: Site) -> None:
    client = backend_site.client("analyst")
    url, codes, hrefs = f"/api/streets/{QIANJIN}/parcels?limit=2", [], []
    while url:
        page = client.get(url).json()
        codes += [f["properties"]["code"] for f in page["features"]]
        url = page["links"][0]["href"] if page["links"] else None
        hrefs += [url] if url else []
    # six parcels: three full pages, and no empty fourth one
    assert codes == sorted(backend_site.sample.codes[QIANJIN])
    assert len(hrefs) == 2 and all(f"after={c}" in h for c, h in zip(codes[1::2], hrefs, strict=False))
    old = client.get(f"/api/streets/{QIANJIN}/parcels", params={"limit": 2, "offset": 4}).json()
    assert [f["properties"]["code"] for f in old["features"]] == codes[4:] and old["links"] == []


def test_a_retried_post_is_stored_once_and_audited_with_the_user(backend_site: Site) -> None:
    client = backend_site.client("inspector")
    body = {"inspected_at": "2022-10-20T10:00:00+08:00", "sheds_count": 2, "client_id": "phone-0001-a"}
    headers = {"X-CSRF-Token": backend_site.csrf(client)}
    first = client.post("/api/parcels/QJ-BF-003/inspections", json=body, headers=headers)
    again = client.post("/api/parcels/QJ-BF-003/inspections", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["inspector"] == "insp"
    assert len(client.get("/api/parcels/QJ-BF-003/inspections").json()) == 1
    assert client.get("/api/parcels/QJ-BF-003").json()["status"] == "violation"
    other = {**body, "client_id": "phone-0001-a"}
    assert client.post("/api/parcels/QJ-BF-002/inspections", json=other, headers=headers).status_code == 409
    with backend_site.store.session() as session:
        query = sa.select(AuditEvent.actor).where(AuditEvent.action == "inspection.log")
        actors = session.scalars(query).all()
    assert actors == ["insp"]


def test_validation_errors_stand_beside_their_field_and_keep_what_was_typed(backend_site: Site) -> None:
    client = backend_site.client("inspector")
    form = {"code": "QJ-BF-003", "inspected_at": "2022-10-20T10:00", "hardened_m2": "99999999",
            "note": "窝棚旁晾晒衣物", "client_id": "form-0001-aa", "debris": "1",
            "csrf_token": backend_site.csrf(client)}
    reply = client.post("/inspect", data=form)
    assert reply.status_code == 422
    html = reply.text
    error_at = html.index('class="field-error"')
    assert html.rindex('name="hardened_m2"', 0, error_at) > html.rindex("<label", 0, error_at) - 200
    assert "larger than the parcel" in html and "窝棚旁晾晒衣物" in html and 'value="99999999"' in html
    assert 'name="debris" value="1" checked' in html
    ok = client.post("/inspect", data={**form, "hardened_m2": "10"})
    assert ok.status_code == 303 and ok.headers["location"] == "/parcels/QJ-BF-003?saved=1"
    assert client.post("/inspect", data={**form, "hardened_m2": "10"}).status_code == 303
    assert len(client.get("/api/parcels/QJ-BF-003/inspections").json()) == 1


def test_an_inspector_cannot_write_outside_their_streets(backend_site: Site) -> None:
    client = backend_site.client("other")
    body = {"inspected_at": "2022-10-20T10:00:00+08:00", "client_id": "phone-0002-b"}
    reply = client.post("/api/parcels/QJ-BF-003/inspections", json=body,
                        headers={"X-CSRF-Token": backend_site.csrf(client)})
    assert reply.status_code == 403


def test_managers_edit_issues_and_measures(backend_site: Site) -> None:
    client = backend_site.client("manager")
    headers = {"X-CSRF-Token": backend_site.csrf(client)}
    measure = {"text": "复绿", "due": "2022-12-31"}
    made = client.post("/api/issues/2-1/measures", json=measure, headers=headers)
    assert made.status_code == 201
    done = client.post(f"/api/measures/{made.json()['id']}/done", json={"on": "2022-10-01"}, headers=headers)
    assert done.json()["done_on"] == "2022-10-01"
    state = client.post("/api/issues/2-1/state", json={"state": "done", "on": "2022-10-02"}, headers=headers)
    assert state.status_code == 200
    assert client.get("/api/issues", params={"state": "done"}).json()[0]["ref"] == "2-1"
    assert client.get("/api/issues", params={"street": "凤凰"}).json() == []
