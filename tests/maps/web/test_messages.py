"""What new users read (issue 14 items 5 and 6, issue 13 item 6): sign-in redirects back, refusals and
unknown codes in the user's language with what was typed kept, suggestions only from streets one may
see, and Beijing time on pages."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maps.web.routers.auth import safe_next
from tests.maps.conftest import FENGHUANG, QIANJIN
from tests.maps.web.conftest import PASSWORD, Site


def test_a_visitor_not_signed_in_goes_to_the_sign_in_page_and_back(site: Site) -> None:
    client = site.client()
    for here in ("/", f"/streets/{QIANJIN}?lang=en"):
        reply = client.get(here)
        assert reply.status_code == 303
        target = urlsplit(reply.headers["location"])
        assert target.path == "/login" and parse_qs(target.query)["next"] == [here]
    assert client.get("/api/streets").status_code == 401  # the API answers, it does not redirect
    form = client.get("/login?next=%2F").text
    assert 'name="next" value="/"' in form
    signed = client.post("/login", data={"name": "ana", "password": PASSWORD, "next": "/",
                                         "csrf_token": site.csrf(client)})
    assert signed.status_code == 303 and signed.headers["location"] == "/"


@pytest.mark.parametrize("target", [
    "//evil.example/", "/\\evil.example", "https://evil.example/", "/\t/evil.example", "/\n/evil.example",
    "", "evil", None,
])
def test_next_never_leaves_the_site(target: str | None) -> None:
    assert safe_next(target) == "/"


@given(st.text(max_size=40))
def test_next_is_always_a_local_path(text: str) -> None:
    went = safe_next(text)
    assert went.startswith("/") and not went.startswith("//") and "\\" not in went
    assert not any(c.isspace() for c in went)


def test_refusals_speak_the_users_language(site: Site) -> None:
    analyst = site.client("analyst")
    reply = analyst.get("/admin/users")
    assert reply.status_code == 403 and "分析员角色无权进行此操作" in reply.text
    english = analyst.get("/admin/users?lang=en")
    assert english.status_code == 403 and "the analyst role may not do this" in english.text
    other = site.client("other").get("/parcels/QJ-BF-001")
    assert other.status_code == 403 and "这条街道不在您的巡查范围内" in other.text
    missing = analyst.get("/no/such/page")
    assert missing.status_code == 404 and "页面不存在" in missing.text
    api = analyst.get("/api/users")  # the JSON API keeps its English line
    assert api.status_code == 403 and api.json()["detail"] == "the analyst role may not do this"


def test_an_unknown_code_in_the_form_names_the_near_ones_and_keeps_what_was_typed(site: Site) -> None:
    inspector = site.client("inspector")
    reply = inspector.post("/inspect", data={"code": "QJ-BF-01", "inspected_at": "2022-10-22T09:00",
                                             "note": "东边围墙", "csrf_token": site.csrf(inspector)})
    assert reply.status_code == 422
    assert "没有编号为“QJ-BF-01”的地块；您是否要找：QJ-BF-001" in reply.text
    assert 'class="field-error"' in reply.text
    assert 'value="QJ-BF-01"' in reply.text and "东边围墙" in reply.text
    opened = inspector.get("/inspect?code=QJ-BF-01&lang=en")
    assert opened.status_code == 404 and "no parcel &#39;QJ-BF-01&#39;; did you mean QJ-BF-001" in opened.text
    assert 'value="QJ-BF-01"' in opened.text


def test_suggestions_come_only_from_streets_the_user_may_read(backend_site: Site) -> None:
    inspector = backend_site.client("inspector")  # 前进 only
    reply = inspector.get("/api/parcels/FH-BF-00")
    assert reply.status_code == 404 and "FH-BF-001" not in reply.json()["detail"]
    assert "QJ-BF-001" in inspector.get("/api/parcels/QJ-BF-00").json()["detail"]
    page = inspector.get("/parcels/FH-TL-01")
    assert page.status_code == 404 and "FH-TL-001" not in page.text
    street = inspector.get("/api/streets/凤凰/parcels")
    assert street.status_code in (403, 404) and FENGHUANG not in street.json()["detail"]
    unknown = inspector.get("/api/streets/nowhere/parcels").json()["detail"]
    assert QIANJIN in unknown and FENGHUANG not in unknown
    assert "FH-BF-001" in backend_site.client("manager").get("/api/parcels/FH-BF-00").json()["detail"]


def test_pages_show_beijing_time_and_the_api_iso_times_with_offset(site: Site) -> None:
    inspector = site.client("inspector")
    body = {"inspected_at": "2022-10-20T09:30:00+08:00", "client_id": "beijing-time-01"}
    posted = inspector.post("/api/parcels/QJ-SP-001/inspections", json=body,
                            headers={"X-CSRF-Token": site.csrf(inspector)})
    assert posted.status_code == 201, posted.text
    page = inspector.get("/parcels/QJ-SP-001").text
    assert "2022-10-20 09:30" in page and "01:30" not in page and "UTC" not in page
    listed = inspector.get("/api/parcels/QJ-SP-001/inspections").json()
    again = next(r for r in listed if r["id"] == posted.json()["id"])
    for at in (posted.json()["inspected_at"], again["inspected_at"]):
        assert datetime.fromisoformat(at) == datetime.fromisoformat(body["inspected_at"])
        assert datetime.fromisoformat(at).utcoffset() is not None, at
