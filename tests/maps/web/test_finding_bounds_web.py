"""The web form and the JSON API refuse out-of-range findings as the services do (issue 13, item 1)."""

from __future__ import annotations

import json
import math

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Inspection
from cases.rules import FINDINGS
from tests.maps.web.conftest import Site

NUMERIC = [f.name for f in FINDINGS if f.kind != "flag"]
PARCEL = "QJ-BF-003"
CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def stored(site: Site) -> int:
    with site.store.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Inspection))


def form_post(site: Site, client, name: str, value: str):
    return client.post("/inspect", data={
        "code": PARCEL, "inspected_at": "2022-10-20T10:00", name: value, "csrf_token": site.csrf(client)})


def api_post(site: Site, client, name: str, value: object):
    # json.dumps writes NaN and Infinity as Python's json reads them: the API must refuse those too.
    body = json.dumps({"inspected_at": "2022-10-20T10:00:00+08:00", name: value})
    return client.post(f"/api/parcels/{PARCEL}/inspections", content=body,
                       headers={"X-CSRF-Token": site.csrf(client), "Content-Type": "application/json"})


def test_a_huge_count_is_refused_by_the_form_and_the_api(backend_site: Site) -> None:
    client = backend_site.client("inspector")
    before = stored(backend_site)
    form = form_post(backend_site, client, "sheds_count", "1e19")
    assert form.status_code == 422 and "sheds_count: 1e19 is over the maximum 10,000" in form.text
    api = api_post(backend_site, client, "sheds_count", 10**23)
    assert api.status_code == 422 and "sheds_count" in api.text
    assert stored(backend_site) == before
    assert form_post(backend_site, client, "sheds_count", "10000").status_code == 303


def test_the_api_schema_takes_its_bounds_from_the_findings(backend_site: Site) -> None:
    schema = backend_site.client().get("/openapi.json").json()["components"]["schemas"]["InspectionIn"]
    for finding in FINDINGS:
        if finding.kind != "flag":
            bounds = schema["properties"][finding.name]["anyOf"][0]
            assert (bounds["minimum"], bounds["maximum"]) == (finding.minimum, finding.maximum)


def huge_or_negative() -> st.SearchStrategy[float | int]:
    return st.one_of(st.integers(min_value=10**9 + 1, max_value=10**30), st.integers(max_value=-1),
                     st.floats(min_value=1e9 + 1), st.floats(max_value=-1e-6),
                     st.sampled_from([math.nan, math.inf, -math.inf]))


@settings(max_examples=20, deadline=None, suppress_health_check=CHECKS)
@given(name=st.sampled_from(NUMERIC), value=huge_or_negative())
def test_form_and_api_refuse_every_out_of_range_value(backend_site: Site, name: str, value: float) -> None:
    client = backend_site.client("inspector")
    before = stored(backend_site)
    form = form_post(backend_site, client, name, str(value))
    assert form.status_code == 422, form.text
    assert f"{name}:" in form.text
    assert api_post(backend_site, client, name, value).status_code == 422
    assert stored(backend_site) == before
