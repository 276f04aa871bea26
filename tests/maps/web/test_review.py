"""Conflicts over HTTP: the phone is told in the write's answer, managers review and resolve."""

from __future__ import annotations

import re

import sqlalchemy as sa

from geo.audit import AuditEvent
from tests.cases.test_photo_evidence import jpeg
from tests.maps.conftest import FENGHUANG
from tests.maps.web.conftest import Site


def send(site: Site, client_id: str, **extra) -> dict:
    client = site.client("inspector")
    reply = client.post("/api/parcels/QJ-SP-001/inspections", headers={"X-CSRF-Token": site.csrf(client)},
                        json={"inspected_at": "2022-10-20T10:00:00+08:00", "client_id": client_id, **extra})
    assert reply.status_code in (200, 201), reply.text
    return reply.json()


def test_the_phone_sees_the_conflict_and_a_manager_accepts_it_in_review(site: Site) -> None:
    stored = send(site, "review-0001", street_code=FENGHUANG)  # the phone's copy had another street
    [conflict] = stored["conflicts"]
    assert conflict["reason"] == "moved" and conflict["reason_label_zh"] == "地块已划入其他街道"
    assert send(site, "review-0001", street_code=FENGHUANG)["conflicts"] == stored["conflicts"]  # a retry
    assert send(site, "review-0002")["conflicts"] == []

    manager = site.client("manager")
    page = manager.get("/review")
    assert page.status_code == 200 and f'data-conflict-id="{conflict["id"]}"' in page.text
    assert "地块已划入其他街道" in page.text and "2022-10-20 10:00" in page.text
    assert [c["id"] for c in manager.get("/api/conflicts").json()] == [conflict["id"]]
    analyst_page = site.client("analyst").get("/review")
    assert analyst_page.status_code == 200 and "/accept" not in analyst_page.text
    csrf = site.csrf(manager)
    reply = manager.post(f"/review/conflicts/{conflict['id']}/accept", data={"csrf_token": csrf})
    assert reply.status_code == 303
    assert manager.get("/api/conflicts").json() == []
    assert manager.get("/api/conflicts?resolved=true").json()[0]["resolved_by"] == "boss"
    again = manager.post(f"/api/conflicts/{conflict['id']}/accept", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409
    with site.store.session() as session:
        actions = session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.entity == "inspection_conflict", AuditEvent.entity_key == str(conflict["id"]))).all()
    assert actions == ["conflict.accept"]


def test_a_manager_supersedes_a_record_with_a_correction(site: Site) -> None:
    conflict = send(site, "review-0003", street_code=FENGHUANG, sheds_count=2)["conflicts"][0]
    manager = site.client("manager")
    reply = manager.post(f"/api/conflicts/{conflict['id']}/supersede", json={"sheds_count": 1},
                         headers={"X-CSRF-Token": site.csrf(manager)})
    assert reply.status_code == 201, reply.text
    correction = reply.json()
    assert correction["supersedes_id"] == conflict["inspection_id"]
    assert correction["findings"]["sheds_count"] == 1
    [closed] = [c for c in manager.get("/api/conflicts?resolved=true").json() if c["id"] == conflict["id"]]
    assert (closed["resolution"], closed["correction_id"]) == ("superseded", correction["id"])
    empty = manager.post(f"/api/conflicts/{conflict['id']}/supersede", json={},
                         headers={"X-CSRF-Token": site.csrf(manager)})
    assert empty.status_code == 422
    again = manager.post(f"/api/conflicts/{conflict['id']}/supersede", json={"sheds_count": 0},
                         headers={"X-CSRF-Token": site.csrf(manager)})
    assert again.status_code == 409 and "already resolved" in again.json()["detail"]


def test_photo_flags_show_on_the_parcel_page_and_in_review_with_thumbnails(site: Site, tmp_path) -> None:
    photo = jpeg(tmp_path / "far.jpg", taken="2022:10:21 09:05:00", at=(113.5, 23.2), size=(400, 300))
    inspector = site.client("inspector")
    reply = inspector.post("/inspect", data={
        "code": "QJ-SP-001", "inspected_at": "2022-10-21T09:00", "client_id": "review-photo-1",
        "csrf_token": site.csrf(inspector)}, files={"photos": ("far.jpg", photo.read_bytes(), "image/jpeg")})
    assert reply.status_code == 303, reply.text
    page = inspector.get("/parcels/QJ-SP-001").text
    assert "照片拍摄位置距地块超过200米" in page
    name = re.search(r'src="/photos/([0-9a-f]{64}\.jpg)\?thumb=1"', page).group(1)
    thumb = inspector.get(f"/photos/{name}?thumb=1")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert len(thumb.content) < len(inspector.get(f"/photos/{name}").content)
    review = site.client("manager").get("/review").text
    assert "照片拍摄位置距地块超过200米" in review and "QJ-SP-001" in review
