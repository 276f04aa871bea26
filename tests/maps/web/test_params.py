"""Path and query parameters: control characters and numbers out of range are 4xx naming the parameter
(issue 13 items 9 and 10), on both backends."""

from __future__ import annotations

from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import Site

CONTROLLED = [
    ("/api/parcels/JBNT%00QJ", "code"),
    ("/api/parcels/QJ-BF-001%0A/inspections", "code"),
    ("/api/issues?street=%00", "street"),
    ("/parcels/QJ%1F", "code"),
    (f"/api/streets/{QIANJIN}/parcels?bbox=1,2,3,4%00", "bbox"),
]
OUT_OF_RANGE = ["offset=99999999999999999999", "offset=-1", "limit=99999999999999999999"]


def test_bad_parameters_are_refused_naming_the_parameter(backend_site: Site) -> None:
    client = backend_site.client("admin")
    for path, name in CONTROLLED:
        reply = client.get(path)
        assert reply.status_code == 422 and "control characters" in reply.text, (path, reply.text)
        if path.startswith("/api"):
            assert reply.json()["field"] == name, (path, reply.text)
    for query in OUT_OF_RANGE:
        reply = client.get(f"/api/streets/{QIANJIN}/parcels?{query}")
        assert reply.status_code == 422, (query, reply.text)
        assert reply.json()["detail"].startswith(query.split("=")[0] + ":")


def test_every_numeric_parameter_is_bounded(site: Site) -> None:
    spec = site.client().get("/openapi.json").json()
    numeric = [(path, p) for path, ops in spec["paths"].items() for op in ops.values()
               for p in op.get("parameters", [])
               if p["schema"].get("type") in ("integer", "number")
               or any(s.get("type") in ("integer", "number") for s in p["schema"].get("anyOf", []))]
    assert numeric
    for path, param in numeric:
        bounds = [param["schema"], *param["schema"].get("anyOf", [])]
        assert any("maximum" in s for s in bounds), (path, param["name"])
