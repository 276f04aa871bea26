"""GET /tiles/parcels/{z}/{x}/{y}.pbf: role-scoped parcel tiles with today's status, on both backends."""

from __future__ import annotations

import mapbox_vector_tile

from cases.tiles import LAYER
from geo.tiles import tile_of
from tests.maps.conftest import FENGHUANG, QIANJIN

Z = 11


def _tile_path(lon: float, lat: float, query: str = "") -> str:
    x, y = tile_of(lon, lat, Z)
    return f"/tiles/parcels/{Z}/{x}/{y}.pbf{query}"


def _codes(reply) -> dict[str, str]:
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    features = mapbox_vector_tile.decode(reply.content).get(LAYER, {"features": []})["features"]
    return {f["properties"]["code"]: f["properties"]["status"] for f in features}


def test_tiles_are_scoped_to_the_users_streets(backend_site):
    both = _tile_path(113.41, 23.155)
    everything = _codes(backend_site.client("manager").get(both))
    assert set(everything) == {c for codes in backend_site.sample.codes.values() for c in codes}
    assert everything["QJ-BF-002"] != "uninspected" and everything["QJ-BF-003"] == "uninspected"
    inspector = backend_site.client("inspector")
    assert set(_codes(inspector.get(both))) == set(backend_site.sample.codes[QIANJIN])
    assert inspector.get(_tile_path(113.41, 23.155, f"?street={FENGHUANG}")).status_code == 403
    one_street = _codes(backend_site.client("admin").get(_tile_path(113.41, 23.155, f"?street={FENGHUANG}")))
    assert set(one_street) == set(backend_site.sample.codes[FENGHUANG])


def test_tiles_need_sign_in_and_a_real_tile(site):
    assert site.client().get(_tile_path(113.41, 23.155)).status_code in (401, 303)
    admin = site.client("admin")
    outside = admin.get(f"/tiles/parcels/{Z}/{1 << Z}/0.pbf")
    assert outside.status_code == 422 and f"x and y must be 0 to {(1 << Z) - 1}" in outside.text
    assert admin.get("/tiles/parcels/23/0/0.pbf").status_code == 422
    empty = admin.get(f"/tiles/parcels/{Z}/0/0.pbf")
    assert empty.status_code == 200 and empty.content == b""
