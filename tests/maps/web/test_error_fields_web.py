"""The web reads an error's field, row and code; it never parses the message, nor shows a `--flag`.

Services raise with `field`, `row` and `code` (`geo.errors`); the form marks the
input `err.field` names, the import report numbers rows by `row`, and where the
command line would name an option the web adds its own words, chosen by `code`.
"""

from __future__ import annotations

import re

import pytest

import maps.web.routers.inspect_form as inspect_form
from geo.errors import InputError
from maps.web.schemas import form_errors
from tests.maps.web.conftest import Site

FLAG = re.compile(r"--[a-z]")
REJECTED_TABLE = ("parcel_code,inspected_at,inspector\n"
                  "QJ-IL-001,2022-10-03 09:00,张三\n"
                  "NOPE-9,2022-10-03 09:00,张三\n").encode()
PARCELS_CSV = b'code,wkt\nP1,"POLYGON ((113.4 23.1, 113.41 23.1, 113.41 23.11, 113.4 23.1))"\n'


def _api_import(site: Site, name: str, body: bytes, target: str, lang: str) -> dict:
    client = site.client("admin")
    reply = client.post(f"/api/imports?lang={lang}", data={"target": target, "kind": "basic_farmland"},
                        files={"file": (name, body, "text/csv")}, headers={"X-CSRF-Token": site.csrf(client)})
    assert reply.status_code == 422, reply.text
    return reply.json()


@pytest.mark.parametrize(("lang", "hint"), [
    ("zh", "如需导入其余各行，请在“无效要素”中选择“跳过”"),
    ("en", "to import the good rows, choose Skip under Invalid features"),
])
def test_a_rejected_import_says_what_to_do_on_the_web_not_on_the_command_line(
        site: Site, lang: str, hint: str) -> None:
    body = _api_import(site, "巡查.csv", REJECTED_TABLE, "inspections", lang)
    assert "NOPE-9" in body["detail"] and "nothing imported" in body["detail"]
    assert body["detail"].endswith(hint) and not FLAG.search(body["detail"])
    assert body["field"] == "parcel_code"


def test_a_layer_without_crs_says_what_to_upload(site: Site) -> None:
    body = _api_import(site, "parcels.csv", PARCELS_CSV, "parcels", "en")
    assert "a CSV file has no CRS" in body["detail"]
    assert "upload a file that declares its CRS" in body["detail"]
    assert not FLAG.search(body["detail"])


def test_the_import_page_shows_the_web_hint_beside_the_file(site: Site) -> None:
    client = site.client("admin")
    reply = client.post("/admin/imports", data={"target": "inspections", "on_invalid": "fail",
                                                "csrf_token": site.csrf(client)},
                        files={"file": ("巡查.csv", REJECTED_TABLE, "text/csv")})
    assert reply.status_code == 422
    error = reply.text[reply.text.index('class="field-error"'):]
    error = error[:error.index("</span>")]
    assert "NOPE-9" in error and "请在“无效要素”中选择“跳过”" in error and not FLAG.search(error)


def _error_follows(html: str, name: str) -> bool:
    """Whether the page's one field error stands right after the input called `name`."""
    error_at = html.index('class="field-error"')
    return html.rindex("<label", 0, error_at) < html.rindex(f'name="{name}"', 0, error_at)


def _submit(site: Site, monkeypatch: pytest.MonkeyPatch, err: InputError) -> str:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise err

    monkeypatch.setattr(inspect_form, "log_once", refuse)
    client = site.client("inspector")
    reply = client.post("/inspect", data={"code": "QJ-SP-001", "inspected_at": "2022-10-03T09:00",
                                          "hardened_m2": "5", "csrf_token": site.csrf(client)})
    assert reply.status_code == 422
    return reply.text


def test_the_form_marks_the_field_the_error_names(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    html = _submit(site, monkeypatch, InputError("over what the parcel holds", field="hardened_m2"))
    assert _error_follows(html, "hardened_m2") and "over what the parcel holds" in html


@pytest.mark.parametrize(("field", "marked"), [("lon/lat", "lat"), ("photos", "photos"), ("code", "code")])
def test_the_form_marks_the_input_of_the_errors_field(
        site: Site, monkeypatch: pytest.MonkeyPatch, field: str, marked: str) -> None:
    assert _error_follows(_submit(site, monkeypatch, InputError("refused", field=field)), marked)


def test_a_message_that_starts_like_a_field_marks_no_input(site: Site,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    html = _submit(site, monkeypatch, InputError("hardened_m2: said in words only"))
    assert 'class="field-error"' not in html


def test_form_errors_place_the_line_by_the_errors_field() -> None:
    fields = ("ref", "title")
    assert form_errors(InputError("title: looks like the title", field="ref"), fields, "form") == {
        "ref": "title: looks like the title"}
    assert form_errors(InputError("title: no field given"), fields, "form") == {
        "form": "title: no field given"}
    assert form_errors(InputError("x", field="title"), fields, "form", "标题: x") == {"title": "标题: x"}
