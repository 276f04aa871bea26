"""`GET /api/patrol`: each user gets the patrol of the streets they may see."""

from __future__ import annotations

from itertools import pairwise

from pydantic import TypeAdapter

from cases.patrol import patrol_entries
from maps.web.routers.patrol import PatrolEntry
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


def test_the_body_is_the_entries_through_the_documented_model(backend_site: Site) -> None:
    # The route writes its body column by column; it must say what the model's JSON of the
    # entries says (open issues, a parcel never inspected, distances) on both backends.
    model = TypeAdapter(list[PatrolEntry])
    for as_of, position in (("2022-10-25", None), (None, (113.40, 23.13))):
        query = f"as_of={as_of}" if as_of else f"lon={position[0]}&lat={position[1]}"
        reply = backend_site.client("manager").get(f"/api/patrol?{query}")
        assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
        with backend_site.store.session() as session:
            entries = patrol_entries(session, street_codes=None, as_of=as_of, position=position)
        served = reply.json()
        assert served == model.dump_python(model.validate_python(list(entries)), mode="json")
        assert any(e["open_issues"] for e in served) and any(e["last_inspected_at"] for e in served)
    schema = backend_site.client().get("/openapi.json").json()
    content = schema["paths"]["/api/patrol"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"]["items"] == {"$ref": "#/components/schemas/PatrolEntry"}
    assert "open_issues" in schema["components"]["schemas"]["PatrolEntry"]["properties"]
