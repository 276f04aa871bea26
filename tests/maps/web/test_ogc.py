"""OGC API – Features, checked against the abstract test suites of Parts 1, 2 and 3 through HTTP.

Each test names the ATS requirement it follows. Requests carry an analyst's API
token (Bearer), as GDAL does, unless the test is about access.
"""

from __future__ import annotations

import base64

import pytest
import shapely

from maps.ogc.documents import CONFORMANCE
from maps.ogc.tokens import add_token, revoke_token, set_public
from tests.maps.conftest import FENGHUANG, QIANJIN
from tests.maps.web.conftest import USERS, Site

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
EPSG4547 = "http://www.opengis.net/def/crs/EPSG/0/4547"
FARMLAND = ["FH-BF-001", "QJ-BF-001", "QJ-BF-002", "QJ-BF-003"]  # basic_farmland, by code


def make_token(site: Site, who: str, name: str, **options: object) -> str:
    """A new API token of the user of role `who`."""
    with site.store.session() as session:
        return add_token(session, name=name, user_name=USERS[who][0], actor="test", **options)


@pytest.fixture(scope="module")
def tokens(site: Site) -> dict[str, str]:
    """One token per role."""
    return {who: make_token(site, who, f"t-{who}") for who in USERS}


@pytest.fixture(scope="module")
def api(site: Site, tokens: dict[str, str]):
    """A client sending the analyst's token."""
    client = site.client()
    client.headers["Authorization"] = f"Bearer {tokens['analyst']}"
    return client


def codes(reply) -> list[str]:
    return [f["id"] for f in reply.json()["features"]]


# --- Part 1 Core --------------------------------------------------------------------------------

def test_landing_page_links_api_conformance_and_data(api) -> None:
    """/conf/core/root-op, root-success: links to service-desc, conformance and data."""
    reply = api.get("/ogc", params={"f": "json"})
    assert reply.status_code == 200
    rels = {link["rel"]: link for link in reply.json()["links"]}
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= set(rels)
    assert api.get(rels["service-desc"]["href"]).json()["openapi"].startswith("3.0")
    assert api.get(rels["conformance"]["href"]).status_code == 200
    assert api.get(rels["data"]["href"]).status_code == 200


def test_conformance_lists_every_declared_class(api) -> None:
    """/conf/core/conformance-success."""
    assert set(api.get("/ogc/conformance").json()["conformsTo"]) == set(CONFORMANCE)


def test_collections_list_each_kind_streets_inspections_and_issues(api) -> None:
    """/conf/core/fc-md-success, fc-md-links, fc-md-items: every collection links its items."""
    found = {c["id"]: c for c in api.get("/ogc/collections").json()["collections"]}
    assert {"basic_farmland", "streets", "inspections", "issues"} <= set(found)
    for collection in found.values():
        rels = [link["rel"] for link in collection["links"]]
        assert "items" in rels and "self" in rels
    assert found["basic_farmland"]["storageCrs"] == EPSG4490
    assert {CRS84, EPSG4490, EPSG4547} <= set(found["basic_farmland"]["crs"])
    assert "storageCrs" not in found["issues"]  # not spatial


def test_items_are_a_feature_collection_with_counts_and_links(api) -> None:
    """/conf/core/fc-response, fc-links, fc-numberMatched, fc-numberReturned."""
    reply = api.get("/ogc/collections/basic_farmland/items")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/geo+json")
    body = reply.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == 4
    assert codes(reply) == FARMLAND
    rels = [link["rel"] for link in body["links"]]
    assert {"self", "alternate", "collection"} <= set(rels) and "next" not in rels
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["status"] in {"violation", "rectifying", "compliant", "overdue",
                                               "uninspected", "rectified", "recurrence"}


def test_paging_follows_next_links_to_every_feature_once(api) -> None:
    """/conf/core/fc-limit-response, fc-next: next links walk the whole collection."""
    seen, url = [], "/ogc/collections/basic_farmland/items?limit=1"
    while url:
        body = api.get(url).json()
        assert body["numberReturned"] <= 1 and body["numberMatched"] == 4
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert seen == FARMLAND


def test_offset_gives_the_same_page_as_next_links_and_a_prev_link(api) -> None:
    reply = api.get("/ogc/collections/basic_farmland/items", params={"limit": 2, "offset": 2})
    assert codes(reply) == FARMLAND[2:]
    assert "prev" in [link["rel"] for link in reply.json()["links"]]


@pytest.mark.parametrize("limit", ["0", "10001", "-1", "many", "1.5"])
def test_limit_out_of_bounds_is_400(api, limit: str) -> None:
    """/conf/core/fc-limit-definition: 1..10,000; anything else is a bad parameter."""
    reply = api.get("/ogc/collections/basic_farmland/items", params={"limit": limit})
    assert reply.status_code == 400
    assert "limit" in reply.json()["detail"]


def test_limit_of_10000_is_accepted(api) -> None:
    assert api.get("/ogc/collections/basic_farmland/items", params={"limit": 10000}).status_code == 200


def test_bbox_keeps_the_features_it_meets(api) -> None:
    """/conf/core/fc-bbox-response: only 前进's farmland lies west of 113.41."""
    reply = api.get("/ogc/collections/basic_farmland/items", params={"bbox": "113.39,23.12,113.41,23.14"})
    assert codes(reply) == ["QJ-BF-001", "QJ-BF-002", "QJ-BF-003"]
    assert reply.json()["numberMatched"] == 3


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "1,5,3,2", "nan,1,2,3"])
def test_bad_bbox_is_400(api, bbox: str) -> None:
    assert api.get("/ogc/collections/basic_farmland/items", params={"bbox": bbox}).status_code == 400


def test_unknown_collection_feature_and_parameter(api) -> None:
    """/conf/core/query-param-unknown (400), /conf/core/f-op and feature ids (404)."""
    assert api.get("/ogc/collections/nowhere").status_code == 404
    assert api.get("/ogc/collections/nowhere/items").status_code == 404
    assert api.get("/ogc/collections/basic_farmland/items/NO-SUCH").status_code == 404
    assert api.get("/ogc/collections/inspections/items/abc").status_code == 404
    assert api.get("/ogc/collections/basic_farmland/items", params={"colour": "red"}).status_code == 400


def test_one_feature_by_its_code(api) -> None:
    """/conf/core/f-success: the feature, with self and collection links."""
    reply = api.get("/ogc/collections/basic_farmland/items/QJ-BF-002")
    assert reply.status_code == 200
    body = reply.json()
    assert body["id"] == "QJ-BF-002" and body["type"] == "Feature"
    assert {"self", "collection"} <= {link["rel"] for link in body["links"]}


def test_properties_picks_a_subset(api) -> None:
    reply = api.get("/ogc/collections/basic_farmland/items", params={"properties": "status,area_m2"})
    assert set(reply.json()["features"][0]["properties"]) == {"status", "area_m2"}
    wrong = api.get("/ogc/collections/basic_farmland/items", params={"properties": "colour"})
    assert wrong.status_code == 400


def test_other_collections_serve_their_rows(api) -> None:
    streets = api.get("/ogc/collections/streets/items").json()
    assert sorted(codes_of(streets)) == sorted([QIANJIN, FENGHUANG])
    inspections = api.get("/ogc/collections/inspections/items").json()
    assert inspections["numberMatched"] >= 5
    assert all(f["geometry"]["type"] == "Point" for f in inspections["features"])
    issues = api.get("/ogc/collections/issues/items").json()
    assert codes_of(issues) == ["2-1"] and issues["features"][0]["geometry"] is None


def codes_of(body: dict) -> list[str]:
    return [f["id"] for f in body["features"]]


# --- HTML, OpenAPI -----------------------------------------------------------------------------

def test_every_resource_answers_in_html_too(api) -> None:
    """/conf/html/content: f=html and the Accept header both give a page."""
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/basic_farmland",
                 "/ogc/collections/basic_farmland/items", "/ogc/collections/basic_farmland/items/QJ-BF-001"):
        reply = api.get(path, params={"f": "html"})
        assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html"), path
    page = api.get("/ogc/collections/basic_farmland/items", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "<img src=x" not in page.text  # the nasty parcel name is escaped


def test_collection_titles_and_page_words_come_from_the_catalogue(api) -> None:
    zh = api.get("/ogc/collections", params={"f": "html", "lang": "zh"}).text
    en = api.get("/ogc/collections", params={"f": "html", "lang": "en"}).text
    assert "<td>街道</td>" in zh and "<td>永久基本农田</td>" in zh
    assert "<h2>链接</h2>" in zh and ">要素</a>" in zh
    assert "<td>Streets</td>" in en and "<td>Basic farmland</td>" in en and "<h2>Links</h2>" in en
    assert ">items</a>" in en and "链接" not in en
    listed = api.get("/ogc/collections", params={"lang": "zh"}).json()["collections"]
    titles = {c["id"]: c["title"] for c in listed}
    assert titles["inspections"] == "巡查记录" and titles["issues"] == "整改问题"


def test_api_definition_is_openapi_30(api) -> None:
    """/conf/oas30/oas-definition-1."""
    reply = api.get("/ogc/api")
    assert reply.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    assert reply.json()["openapi"] == "3.0.3"
    assert "/collections/{collectionId}/items" in reply.json()["paths"]


# --- Part 2 CRS ----------------------------------------------------------------------------------

def test_content_crs_and_axis_order(api) -> None:
    """/conf/crs/crs-parameter, content-crs-header: 4490 is latitude first, CRS84 longitude first."""
    url = "/ogc/collections/basic_farmland/items/QJ-BF-001"
    plain = api.get(url)
    assert plain.headers["content-crs"] == f"<{CRS84}>"
    lat_first = api.get(url, params={"crs": EPSG4490})
    assert lat_first.headers["content-crs"] == f"<{EPSG4490}>"
    lon = shapely.geometry.shape(plain.json()["geometry"]).centroid
    lat = shapely.geometry.shape(lat_first.json()["geometry"]).centroid
    assert 113 < lon.x < 114 and 23 < lon.y < 24
    assert (lat.x, lat.y) == pytest.approx((lon.y, lon.x))
    projected = shapely.geometry.shape(api.get(url, params={"crs": EPSG4547}).json()["geometry"]).centroid
    assert 300_000 < projected.x < 700_000 and 2_500_000 < projected.y < 2_600_000  # easting, northing
    assert api.get(url, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}).status_code == 400


def test_bbox_crs_follows_the_axis_order_of_its_crs(api) -> None:
    """/conf/crs/bbox-crs-parameter: the same box, latitude first in EPSG:4490."""
    reply = api.get("/ogc/collections/basic_farmland/items",
                    params={"bbox": "23.12,113.39,23.14,113.41", "bbox-crs": EPSG4490})
    assert codes(reply) == ["QJ-BF-001", "QJ-BF-002", "QJ-BF-003"]


# --- Part 3 Filtering, Basic CQL2 -------------------------------------------------------------

@pytest.mark.parametrize(("cql", "expected"), [
    ("street_code = '440106020'", ["QJ-BF-001", "QJ-BF-002", "QJ-BF-003"]),
    ("street_code <> '440106020'", ["FH-BF-001"]),
    ("area_m2 > 0 AND code LIKE 'QJ%'", ["QJ-BF-001", "QJ-BF-002", "QJ-BF-003"]),
    ("code IN ('QJ-BF-002', 'FH-BF-001')", ["FH-BF-001", "QJ-BF-002"]),
    ("code NOT IN ('QJ-BF-002', 'FH-BF-001')", ["QJ-BF-001", "QJ-BF-003"]),
    ("name IS NULL", ["QJ-BF-003"]),
    ("NOT (name IS NULL) AND code LIKE '%003'", []),
    ("code = 'QJ-BF-001' OR code = 'FH-BF-001'", ["FH-BF-001", "QJ-BF-001"]),
    ("status = 'uninspected'", ["QJ-BF-003"]),
    ("status IN ('uninspected', 'compliant') AND street_code = '440106020'", None),
    ("status LIKE 'unins%'", ["QJ-BF-003"]),
    ("S_INTERSECTS(geometry, BBOX(113.39, 23.12, 113.41, 23.14))", ["QJ-BF-001", "QJ-BF-002", "QJ-BF-003"]),
    ("S_INTERSECTS(geometry, POLYGON((113.4195 23.1795, 113.4215 23.1795, 113.4215 23.1815, "
     "113.4195 23.1795)))", ["FH-BF-001"]),
])
def test_cql2_basic_examples(api, cql: str, expected: list[str] | None) -> None:
    """/conf/basic-cql2: comparisons, AND/OR/NOT, IN, LIKE, IS NULL; S_INTERSECTS with BBOX and polygon."""
    reply = api.get("/ogc/collections/basic_farmland/items", params={"filter": cql})
    assert reply.status_code == 200, reply.text
    if expected is None:  # status of QJ parcels: whatever it is, the filter and the rows agree
        body = reply.json()
        assert all(f["properties"]["status"] in ("uninspected", "compliant") for f in body["features"])
        assert all(f["properties"]["street_code"] == QIANJIN for f in body["features"])
        assert "QJ-BF-003" in codes(reply)
    else:
        assert codes(reply) == expected
        assert reply.json()["numberMatched"] == len(expected)


def test_queryables_list_the_filterable_properties(api) -> None:
    """/conf/filter/queryables."""
    body = api.get("/ogc/collections/basic_farmland/queryables").json()
    assert {"code", "street_code", "status", "geometry"} <= set(body["properties"])
    assert "uninspected" in body["properties"]["status"]["enum"]


@pytest.mark.parametrize("cql", [
    "colour = 'red'",  # not a queryable
    "code = 1",  # wrong type
    "area_m2 = 'big'",
    "code = 'x'; DROP TABLE parcels; --",
    "code = 'x' OR 1=1",
    "1 = 1",
    "code = '' OR ''=''",
    "\"code\" = 'a' UNION SELECT * FROM users",
    "S_INTERSECTS(street_code, BBOX(1,2,3,4))",
    "S_INTERSECTS(geometry, POLYGON((1 1, 2 2)))",
    "code LIKE",
    "code = 'a\x00b'",
    "area_m2 > 99999999999999999999999",
    "status > 5",
    "T_AFTER(code, TIMESTAMP('2020-01-01T00:00:00Z'))",
    "x" * 5000,
])
def test_injection_and_bad_filters_are_400(api, cql: str) -> None:
    """/conf/filter/filter-param: never a 500, never an evaluated payload."""
    reply = api.get("/ogc/collections/basic_farmland/items", params={"filter": cql})
    assert reply.status_code == 400, (cql, reply.status_code, reply.text)
    assert reply.json()["detail"].startswith("filter:")
    assert api.get("/ogc/collections/basic_farmland/items").json()["numberMatched"] == 4  # nothing dropped


def test_filter_lang_other_than_cql2_text_is_400(api) -> None:
    reply = api.get("/ogc/collections/basic_farmland/items",
                    params={"filter": "{}", "filter-lang": "cql2-json"})
    assert reply.status_code == 400


# --- datetime: status as of a day ---------------------------------------------------------------

def test_datetime_gives_status_as_of_that_day(api) -> None:
    """Before its first inspection (2022-06-01) QJ-BF-001 was uninspected; it is not now."""
    url = "/ogc/collections/basic_farmland/items/QJ-BF-001"
    then = api.get(url, params={"datetime": "2022-05-01"}).json()["properties"]
    now = api.get(url).json()["properties"]
    assert then["status"] == "uninspected" and then["inspections_count"] == 0
    assert now["status"] != "uninspected" and now["inspections_count"] == 1
    past = api.get("/ogc/collections/basic_farmland/items",
                   params={"datetime": "2022-05-01", "filter": "status = 'uninspected'"}).json()
    assert past["numberMatched"] == 4
    for bad in ("2999-01-01", "yesterday", "2022-01-01/2022-02-01"):
        assert api.get(url, params={"datetime": bad}).status_code == 400


# --- access -------------------------------------------------------------------------------------

def test_anonymous_gets_401_with_a_challenge_unless_public(site: Site) -> None:
    client = site.client()
    reply = client.get("/ogc/collections/storage_plot/items")
    assert reply.status_code == 401 and "Basic" in reply.headers["www-authenticate"]
    assert [c["id"] for c in client.get("/ogc/collections").json()["collections"]] == []
    with site.store.session() as session:
        set_public(session, "storage_plot", True, actor="test")
    try:
        assert codes(client.get("/ogc/collections/storage_plot/items")) == ["QJ-SP-001"]
        assert [c["id"] for c in client.get("/ogc/collections").json()["collections"]] == ["storage_plot"]
        assert client.get("/ogc/collections/basic_farmland/items").status_code == 401
    finally:
        with site.store.session() as session:
            set_public(session, "storage_plot", False, actor="test")
    assert client.get("/ogc/collections/storage_plot/items").status_code == 401


def test_basic_auth_password_is_the_token_whatever_the_user_name(site: Site, tokens: dict[str, str]) -> None:
    client = site.client()
    credentials = base64.b64encode(f"qgis:{tokens['manager']}".encode()).decode()
    reply = client.get("/ogc/collections/basic_farmland/items",
                       headers={"Authorization": f"Basic {credentials}"})
    assert reply.status_code == 200
    wrong = base64.b64encode(b"qgis:not-a-token").decode()
    assert client.get("/ogc/collections", headers={"Authorization": f"Basic {wrong}"}).status_code == 401


def test_revoked_and_expired_tokens_get_401(site: Site) -> None:
    token = make_token(site, "analyst", "to-revoke")
    client = site.client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/ogc/collections/basic_farmland/items", headers=headers).status_code == 200
    with site.store.session() as session:
        revoke_token(session, "to-revoke", actor="test")
    assert client.get("/ogc/collections/basic_farmland/items", headers=headers).status_code == 401
    with site.store.session() as session:  # an expiry in the past cannot be made; age one instead
        from maps.ogc.tokens import ApiToken

        aged = make_token(site, "analyst", "to-expire", expires="2999-01-01")
        found = session.query(ApiToken).filter_by(name="to-expire").one()
        found.expires_on = found.created_at.date().replace(year=2000)
    assert client.get("/ogc/collections", headers={"Authorization": f"Bearer {aged}"}).status_code == 401


def test_an_inspector_sees_only_their_streets_and_no_issues(site: Site, tokens: dict[str, str]) -> None:
    client = site.client()
    client.headers["Authorization"] = f"Bearer {tokens['other']}"  # inspector of 凤凰
    assert codes(client.get("/ogc/collections/basic_farmland/items")) == ["FH-BF-001"]
    assert client.get("/ogc/collections/basic_farmland/items/QJ-BF-001").status_code == 403
    assert codes(client.get("/ogc/collections/streets/items")) == [FENGHUANG]
    assert client.get("/ogc/collections/issues/items").status_code == 403
    assert "issues" not in [c["id"] for c in client.get("/ogc/collections").json()["collections"]]


def test_a_signed_in_session_also_works(site: Site) -> None:
    assert site.client("manager").get("/ogc/collections/basic_farmland/items").status_code == 200


# --- caching and compression ------------------------------------------------------------------

def test_etag_gives_304_until_the_data_changes(site: Site, api, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from maps.web.routers import ogc

    # The ETag holds the minute too (status moves with the clock): keep the clock still.
    monkeypatch.setattr(ogc, "utc_now", lambda: datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    url = "/ogc/collections/basic_farmland/items"
    first = api.get(url)
    etag = first.headers["etag"]
    assert first.headers["last-modified"].endswith("GMT")
    again = api.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    make_token(site, "admin", "bump-version")  # any write adds an audit event: a new data version
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize(("accept", "coding"), [("br, gzip", "br"), ("gzip", "gzip"), ("identity", None)])
def test_compression_follows_accept_encoding(api, accept: str, coding: str | None) -> None:
    reply = api.get("/ogc/collections/basic_farmland/items", headers={"Accept-Encoding": accept})
    assert reply.headers.get("content-encoding") == coding
    assert reply.json()["numberMatched"] == 4  # httpx decodes br and gzip


def test_an_empty_or_repeated_properties_list(api) -> None:
    """Found by schemathesis: `properties=` (none) gave a 500."""
    empty = api.get("/ogc/collections/basic_farmland/items", params={"properties": ""})
    assert empty.status_code == 200 and all(f["properties"] == {} for f in empty.json()["features"])
    twice = api.get("/ogc/collections/basic_farmland/items", params={"properties": "code,code"})
    assert set(twice.json()["features"][0]["properties"]) == {"code"}
