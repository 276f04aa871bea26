"""Messages of the inspection write name their field by its label (Chinese first), never its API name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cases.field_labels import FIELD_LABELS, field_label, labelled
from tests.maps.web.conftest import Site


def post(site: Site, body: dict, lang: str = "") -> dict:
    client = site.client("inspector")
    reply = client.post(f"/api/parcels/QJ-BF-002/inspections{lang}", json={
        "inspected_at": "2022-10-20T10:00:00+08:00", **body}, headers={"X-CSRF-Token": site.csrf(client)})
    assert reply.status_code == 422, reply.text
    return reply.json()


def test_a_refused_record_names_its_field_by_label_and_keeps_the_api_name_apart(site: Site) -> None:
    refused = post(site, {"demolished_count": 3})
    assert refused["field"] == "demolished_count"
    assert refused["detail"].startswith("拆除数: 3 demolished but only 0 sheds on record")
    english = post(site, {"demolished_count": 3}, "?lang=en")
    assert english["detail"].startswith("Demolished: 3 demolished")
    typed = post(site, {"sheds_count": "abc"})
    assert typed["detail"].startswith("窝棚数: ") and "sheds_count" not in typed["detail"]


@given(field=st.sampled_from(sorted(FIELD_LABELS)), rest=st.text(max_size=40), row=st.booleans())
def test_labelled_replaces_the_leading_field_name_only(field: str, rest: str, row: bool) -> None:
    where = "row 3, " if row else ""
    out = labelled(f"{where}{field}: {rest}", field)
    assert out == f"{where}{field_label(field)}: {rest.lstrip()}"
    assert labelled(f"{field}: {rest}", "not-a-field") == f"{field}: {rest}"
