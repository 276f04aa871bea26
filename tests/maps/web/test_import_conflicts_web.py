"""The web admin import checks its records like the form does: conflicts reach the review list."""

from __future__ import annotations

from cases.inspections import log_inspection
from tests.maps.web.conftest import Site


def test_an_uploaded_record_contradicted_by_a_later_one_shows_in_review(backend_site: Site) -> None:
    with backend_site.store.session() as session:
        later = log_inspection(session, parcel_code="QJ-IL-001", inspected_at="2022-10-12T10:00",
                               inspector="赵", findings={"sheds_count": 3}).id
    admin = backend_site.client("admin")
    table = ("parcel_code,inspected_at,inspector,sheds_count,client_id\n"
             "QJ-IL-001,2022-10-10 09:00,张三,1,web-conflict-0001\n").encode()
    form = {"target": "inspections", "csrf_token": backend_site.csrf(admin)}
    reply = admin.post("/admin/imports", data=form, files={"file": ("巡查.csv", table, "text/csv")})
    assert reply.status_code in (200, 303), reply.text
    [conflict] = backend_site.client("manager").get("/api/conflicts").json()
    assert (conflict["reason"], conflict["other_inspection_id"]) == ("other_record", later)
    assert conflict["parcel_code"] == "QJ-IL-001" and conflict["inspector"] == "张三"
