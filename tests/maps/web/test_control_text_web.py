"""A NUL in a note, a measure or a state note is a 422 naming the field, not a 503, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cases.field_labels import field_label
from cases.models import Inspection, IssueUpdate, Measure
from tests.maps.web.conftest import Site

NUL = "\x00"


def stored(site: Site) -> tuple[int, int, int]:
    with site.store.session() as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(m))
                     for m in (Inspection, Measure, IssueUpdate))


REQUESTS = [
    ("note", lambda c, k: c.post("/inspect", data={
        "code": "QJ-BF-003", "inspected_at": "2022-10-20T10:00", "note": f"窝棚{NUL}", "csrf_token": k})),
    ("text", lambda c, k: c.post("/issues/2-1/measures", data={"text": f"拆除{NUL}", "csrf_token": k})),
    ("note", lambda c, k: c.post("/issues/2-1/state", data={
        "state": "done", "note": f"已完成{NUL}", "csrf_token": k})),
    ("text", lambda c, k: c.post("/api/issues/2-1/measures", json={"text": f"拆除{NUL}"},
                                 headers={"X-CSRF-Token": k})),
    ("note", lambda c, k: c.post("/api/issues/2-1/state", json={"state": "done", "note": f"x{NUL}"},
                                 headers={"X-CSRF-Token": k})),
    ("note", lambda c, k: c.post("/api/parcels/QJ-BF-003/inspections", headers={"X-CSRF-Token": k},
                                 json={"inspected_at": "2022-10-20T10:00:00+08:00", "note": f"x{NUL}"})),
]


@pytest.mark.parametrize("field, call", REQUESTS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(REQUESTS)])
def test_nul_in_text_is_refused_naming_the_field(backend_site: Site, field, call) -> None:
    client = backend_site.client("admin")
    before = stored(backend_site)
    reply = call(client, backend_site.csrf(client))
    assert reply.status_code == 422, reply.text
    # pages name the field by its label; the API also gives the field's own name
    assert field_label(field, "zh") in reply.text or reply.json()["field"] == field
    assert stored(backend_site) == before
