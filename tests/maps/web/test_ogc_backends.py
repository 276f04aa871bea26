"""The OGC queries on both backends: keyset and offset paging, status filters, bbox, as-of status.

The same requests against SpatiaLite and PostGIS must give the same features:
the backend-specific parts (the box index test, the status id lists) differ.
"""

from __future__ import annotations

from maps.ogc.tokens import add_token
from tests.maps.web.conftest import USERS, Site

FARMLAND = ["FH-BF-001", "QJ-BF-001", "QJ-BF-002", "QJ-BF-003"]


def _client(site: Site):
    with site.store.session() as session:
        token = add_token(session, name="backend", user_name=USERS["analyst"][0], actor="test")
    client = site.client()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _ids(reply) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [f["id"] for f in reply.json()["features"]]


def test_paging_filters_and_status_agree_on_both_backends(backend_site: Site) -> None:
    api = _client(backend_site)
    items = "/ogc/collections/basic_farmland/items"
    assert _ids(api.get(items)) == FARMLAND
    assert _ids(api.get(items, params={"limit": 2, "offset": 1})) == FARMLAND[1:3]
    assert _ids(api.get(items, params={"limit": 2, "after": "QJ-BF-001"})) == FARMLAND[2:]
    assert _ids(api.get(items, params={"offset": 10})) == []
    statuses = {f["id"]: f["properties"]["status"] for f in api.get(items).json()["features"]}
    for status in set(statuses.values()):
        expected = sorted(c for c, s in statuses.items() if s == status)
        assert _ids(api.get(items, params={"filter": f"status = '{status}'"})) == expected
        others = sorted(c for c, s in statuses.items() if s != status)
        assert _ids(api.get(items, params={"filter": f"NOT (status = '{status}')"})) == others
    box = {"bbox": "113.39,23.12,113.41,23.14",
           "filter": "S_INTERSECTS(geometry, BBOX(113.39,23.12,113.41,23.14))"}
    assert _ids(api.get(items, params=box)) == FARMLAND[1:]
    assert _ids(api.get(items, params={"filter": "area_m2 > 1000 AND village LIKE '珠%'"})) == FARMLAND
    past = api.get(items, params={"datetime": "2022-05-01"}).json()["features"]
    assert {f["properties"]["status"] for f in past} == {"uninspected"}
    points = api.get("/ogc/collections/inspections/items", params={"filter": "inspector = '李四'"}).json()
    assert points["numberMatched"] == 2
    assert all(f["geometry"]["type"] == "Point" for f in points["features"])
    issue = api.get("/ogc/collections/issues/items", params={"filter": "category = 2"}).json()
    assert [f["id"] for f in issue["features"]] == ["2-1"]
