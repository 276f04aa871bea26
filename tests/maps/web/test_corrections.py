"""Correcting inspections on the web: a new record supersedes the old, which stays in the history."""

from __future__ import annotations

from tests.maps.web.conftest import Site


def _current(client: object, code: str) -> dict:
    history = client.get(f"/api/parcels/{code}/inspections").json()  # type: ignore[attr-defined]
    return next(item for item in history if item["superseded_by"] is None)


def test_a_correction_keeps_the_old_record_and_the_status_follows_the_new(backend_site: Site) -> None:
    client = backend_site.client("inspector")
    old = _current(client, "QJ-BF-001")
    assert client.get("/api/parcels/QJ-BF-001").json()["status"] == "violation"
    parcel_page = client.get("/parcels/QJ-BF-001").text
    assert f'href="/inspections/{old["id"]}/correct"' in parcel_page and "更正" in parcel_page

    form = client.get(f"/inspections/{old['id']}/correct")
    assert form.status_code == 200
    assert 'name="sheds_count" inputmode="numeric" value="3"' in form.text  # prefilled
    assert 'name="clothes_drying" value="1" checked' in form.text
    assert "<script>alert(1)</script>" not in form.text and "&lt;script&gt;" in form.text  # the note
    reply = client.post(f"/inspections/{old['id']}/correct", data={
        "inspected_at": "2022-06-01T08:00", "sheds_count": "0", "sheds_area_m2": "", "hardened_m2": "",
        "note": "已拆除", "csrf_token": backend_site.csrf(client)})
    assert reply.status_code == 303 and reply.headers["location"] == "/parcels/QJ-BF-001?saved=1"

    history = client.get("/api/parcels/QJ-BF-001/inspections").json()
    new = _current(client, "QJ-BF-001")
    assert {item["id"] for item in history} == {old["id"], new["id"]}
    assert new["supersedes_id"] == old["id"] and new["sheds_count"] == 0 and new["note"] == "已拆除"
    kept = next(item for item in history if item["id"] == old["id"])
    assert kept["superseded_by"] == new["id"] and kept["sheds_count"] == 3  # never overwritten
    assert client.get("/api/parcels/QJ-BF-001").json()["status"] != "violation"
    page = client.get("/parcels/QJ-BF-001").text
    assert f'href="/inspections/{old["id"]}/correct"' not in page  # only the latest is correctable


def test_the_api_corrects_once_and_then_points_at_the_newer_record(site: Site) -> None:
    client = site.client("admin")
    headers = {"X-CSRF-Token": site.csrf(client)}
    old = _current(client, "QJ-BF-002")
    reply = client.post(f"/api/inspections/{old['id']}/corrections", json={"replanted_m2": 80.5},
                        headers=headers)
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["supersedes_id"] == old["id"] and body["findings"]["replanted_m2"] == 80.5
    assert body["inspector"] == old["inspector"]  # the visit's inspector stays; the audit names the admin
    again = client.post(f"/api/inspections/{old['id']}/corrections", json={"debris": True}, headers=headers)
    assert again.status_code == 409 and str(body["id"]) in again.json()["detail"]
    empty = client.post(f"/api/inspections/{body['id']}/corrections", json={}, headers=headers)
    assert empty.status_code == 422
    assert client.post("/api/inspections/999999/corrections", json={"debris": True},
                       headers=headers).status_code == 404


def test_a_bad_value_stands_beside_its_field_and_what_was_typed_is_kept(site: Site) -> None:
    client = site.client("inspector")
    old = _current(client, "QJ-SP-001")
    reply = client.post(f"/inspections/{old['id']}/correct", data={
        "hardened_m2": "99999999", "note": "再核实", "csrf_token": site.csrf(client)})
    assert reply.status_code == 422
    html = reply.text
    error_at = html.index('class="field-error"')
    assert html.rindex('name="hardened_m2"', 0, error_at) > html.rindex("<label", 0, error_at) - 200
    assert 'value="99999999"' in html and "再核实" in html
    assert _current(client, "QJ-SP-001")["id"] == old["id"]  # nothing stored


def test_only_the_streets_inspector_and_admins_may_correct(site: Site) -> None:
    target = _current(site.client("admin"), "QJ-SP-001")["id"]
    for who in ("other", "manager", "analyst"):
        client = site.client(who)
        csrf = site.csrf(client)
        assert client.get(f"/inspections/{target}/correct").status_code == 403, who
        assert client.post(f"/inspections/{target}/correct",
                           data={"debris": "1", "csrf_token": csrf}).status_code == 403, who
        assert client.post(f"/api/inspections/{target}/corrections", json={"debris": True},
                           headers={"X-CSRF-Token": csrf}).status_code == 403, who
    assert "/correct" not in site.client("manager").get("/parcels/QJ-SP-001").text
    assert _current(site.client("admin"), "QJ-SP-001")["id"] == target


def test_corrections_refuse_a_post_without_csrf_token(site: Site) -> None:
    client = site.client("inspector")
    target = _current(client, "QJ-SP-001")["id"]
    assert client.post(f"/inspections/{target}/correct", data={"debris": "1"}).status_code == 403
    assert client.post(f"/api/inspections/{target}/corrections", json={"debris": True}).status_code == 403
    assert client.post(f"/api/inspections/{target}/corrections", json={"debris": True},
                       headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    assert _current(client, "QJ-SP-001")["id"] == target
