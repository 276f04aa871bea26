"""`GET /api/patrol`: each user gets the patrol of the streets they may see."""

from __future__ import annotations

from itertools import pairwise

from tests.maps.conftest import FENGHUANG, QIANJIN
from tests.maps.web.conftest import Site


def codes(reply) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [entry["code"] for entry in reply.json()]


def test_inspectors_get_their_streets_and_others_any(site: Site) -> None:
    mine = codes(site.client("inspector").get("/api/patrol"))
    assert sorted(mine) == sorted(site.sample.codes[QIANJIN])
    other = site.client("other")
    assert sorted(codes(other.get("/api/patrol"))) == sorted(site.sample.codes[FENGHUANG])
    assert other.get(f"/api/patrol?street={QIANJIN}").status_code == 403
    manager = site.client("manager")
    assert len(codes(manager.get("/api/patrol"))) == sum(map(len, site.sample.codes.values()))
    assert sorted(codes(manager.get("/api/patrol?street=凤凰"))) == sorted(site.sample.codes[FENGHUANG])


def test_a_position_gives_distances_and_needs_both_coordinates(site: Site) -> None:
    client = site.client("inspector")
    entries = client.get("/api/patrol?lon=113.40&lat=23.13&as_of=2022-10-25").json()
    assert all(e["distance_m"] is not None and e["distance_m"] >= 0 for e in entries)
    for before, after in pairwise(entries):
        assert (before["group"], before["distance_m"]) <= (after["group"], after["distance_m"])
    half = client.get("/api/patrol?lon=113.40")
    assert half.status_code == 422
    assert half.json() == {"detail": "经纬度: give both or neither", "field": "lon/lat"}
