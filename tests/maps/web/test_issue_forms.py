"""Managers add issues and link parcels to them: from the ledger page and through the API."""

from __future__ import annotations

from cases.issue_state import ref_key
from tests.maps.web.conftest import Site

XSS_TITLE = '<script>alert("t")</script>窝棚'


def test_a_manager_adds_an_issue_and_links_parcels_from_the_pages(backend_site: Site) -> None:
    client = backend_site.client("manager")
    csrf = backend_site.csrf(client)
    assert 'href="/issues/new"' in client.get("/issues").text
    assert client.get("/issues/new").status_code == 200
    reply = client.post("/issues/new", data={
        "ref": "6-1", "category": "3", "title": XSS_TITLE, "lead_department": "前进街道",
        "partner_departments": "规划分局, 农业农村局", "deadline": "2022-12-31", "csrf_token": csrf})
    assert reply.status_code == 303 and reply.headers["location"] == "/issues/6-1"
    issue = client.get("/api/issues/6-1").json()
    assert issue["partner_departments"] == ["规划分局", "农业农村局"] and issue["deadline"] == "2022-12-31"
    page = client.get("/issues/6-1").text
    assert 'id="link-form"' in page
    for path in ("/issues", "/issues/6-1"):
        assert "<script>alert" not in client.get(path).text

    linked = client.post("/issues/6-1/parcels", data={"codes": "QJ-BF-003，QJ-SP-001", "csrf_token": csrf})
    assert linked.status_code == 303
    assert set(client.get("/api/issues/6-1").json()["parcels"].split(",")) == {"QJ-BF-003", "QJ-SP-001"}
    parcel = client.get("/api/parcels/QJ-BF-003")  # never inspected: no time, no 500
    assert parcel.status_code == 200 and parcel.json()["last_inspected_at"] is None
    assert "6-1" in parcel.json()["open_issue_refs"]


def test_form_errors_stand_beside_their_field_and_keep_what_was_typed(site: Site) -> None:
    client = site.client("manager")
    csrf = site.csrf(client)
    taken = client.post("/issues/new", data={"ref": "2-1", "category": "2", "title": "重复的编号",
                                             "csrf_token": csrf})
    assert taken.status_code == 409
    html = taken.text
    assert html.index('class="field-error"') > html.index('name="ref"') and "重复的编号" in html
    bad_date = client.post("/issues/new", data={"ref": "6-9", "category": "2", "title": "t",
                                                "deadline": "someday", "csrf_token": csrf})
    assert bad_date.status_code == 422 and 'value="someday"' in bad_date.text
    assert client.get("/api/issues/6-9").status_code == 404

    unknown = client.post("/issues/2-1/parcels", data={"codes": "QJ-BF-003 NOPE-1", "csrf_token": csrf})
    assert unknown.status_code == 404
    assert "NOPE-1" in unknown.text and 'class="field-error"' in unknown.text
    assert "QJ-BF-003" not in client.get("/api/issues/2-1").json()["parcels"]  # all or nothing


def test_the_api_adds_issues_and_links_parcels_once(site: Site) -> None:
    client = site.client("admin")
    headers = {"X-CSRF-Token": site.csrf(client)}
    made = client.post("/api/issues", json={"ref": "6-2", "category": 2, "title": "新增"}, headers=headers)
    assert made.status_code == 201 and made.json()["ref"] == "6-2"
    again = client.post("/api/issues", json={"ref": "6-2", "category": 2, "title": "x"}, headers=headers)
    assert again.status_code == 409
    body = {"codes": ["QJ-FP-001"]}
    first = client.post("/api/issues/6-2/parcels", json=body, headers=headers)
    second = client.post("/api/issues/6-2/parcels", json=body, headers=headers)
    assert first.json() == {"ref": "6-2", "added": ["QJ-FP-001"]} and second.json()["added"] == []
    assert client.post("/api/issues/9-99/parcels", json=body, headers=headers).status_code == 404


def test_issue_writes_refuse_a_post_without_csrf_token(site: Site) -> None:
    client = site.client("manager")
    assert client.post("/issues/new", data={"ref": "6-3", "category": "2", "title": "t"}).status_code == 403
    assert client.post("/api/issues", json={"ref": "6-3", "category": 2, "title": "t"}).status_code == 403
    assert client.post("/issues/2-1/parcels", data={"codes": "QJ-IL-001"}).status_code == 403
    assert client.post("/api/issues/2-1/parcels", json={"codes": ["QJ-IL-001"]}).status_code == 403
    assert client.get("/api/issues/6-3").status_code == 404
    assert "QJ-IL-001" not in client.get("/api/issues/2-1").json()["parcels"]


def test_refs_follow_the_ledger_pattern_and_lettered_ones_still_sort(site: Site) -> None:
    client = site.client("manager")
    headers = {"X-CSRF-Token": site.csrf(client)}
    bad = client.post("/api/issues", json={"ref": "2 1/..", "category": 1, "title": "t"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("ref")
    made = client.post("/api/issues", json={"ref": "5-a", "category": 5, "title": "t"}, headers=headers)
    assert made.status_code == 201
    listed = client.get("/api/issues")
    assert listed.status_code == 200
    refs = [i["ref"] for i in listed.json()]
    assert "5-a" in refs and refs == sorted(refs, key=ref_key)
