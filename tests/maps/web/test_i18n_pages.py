"""Pages in English show no Chinese but the users' own data; pages in Chinese take their words
from the catalogue; templates hold no Chinese words of their own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from cases.models import Inspection, Issue, IssueUpdate, Measure
from layers.models import Parcel, Street
from maps.web.pages import TEMPLATES
from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import Site

TEMPLATE_DIR = Path(__file__).resolve().parents[3] / "maps" / "web" / "templates"
# The field app's shell is filled in by its script from the offline package, in the phone's language.
SCRIPT_FILLED = {"field.html"}
CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
PAGES = ["/", f"/streets/{QIANJIN}", "/parcels/QJ-BF-002", "/inspect", "/issues", "/issues/2-1",
         "/issues/new", "/exports", "/admin/users", "/admin/imports", "/review", "/parcels/NO-SUCH",
         f"/streets/{QIANJIN}/map"]


def _data_text(site: Site) -> str:
    """Every text the users stored in the sample (names, notes, titles...), which shows as it was typed."""
    columns = (Street.name, Parcel.name, Parcel.village, Inspection.inspector, Inspection.note,
               Issue.title, Issue.finding, Issue.lead_department, Measure.text, Measure.owner,
               IssueUpdate.text)
    with site.store.session() as session:
        found = [value for column in columns for value in session.scalars(sa.select(column)) if value]
    return "\n".join(found)


def test_templates_hold_no_chinese_words() -> None:
    for path in sorted(TEMPLATE_DIR.glob("*.html")):
        if path.name not in SCRIPT_FILLED:
            assert not CJK_RUN.findall(path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize("page", PAGES)
def test_an_english_page_shows_chinese_only_in_stored_data(site: Site, page: str) -> None:
    reply = site.client("admin").get(page, params={"lang": "en"})
    assert reply.status_code in (200, 404)
    data = _data_text(site)
    strays = {run for run in CJK_RUN.findall(reply.text) if run not in data} - {"中文"}  # the switch
    assert strays == set()


def test_the_parcel_area_unit_follows_the_language(site: Site) -> None:
    client = site.client("admin")
    zh = client.get("/parcels/QJ-BF-002", params={"lang": "zh"}).text
    en = client.get("/parcels/QJ-BF-002", params={"lang": "en"}).text
    assert re.search(r"m² \(\d+\.\d\d 亩\)", zh) and "<dt>面积</dt>" in zh
    assert re.search(r"m² \(\d+\.\d\d mu\)", en) and "<dt>Area</dt>" in en


def test_pages_take_their_words_from_the_catalogue(site: Site) -> None:
    client = site.client("manager")
    zh = client.get("/review", params={"lang": "zh"}).text
    en = client.get("/review", params={"lang": "en"}).text
    assert "<h1>冲突复核</h1>" in zh and "<th>巡查员</th>" in zh
    assert 'href="/lang/en' in zh and ">English<" in zh
    assert "<h1>Conflict review</h1>" in en and "<th>Inspector</th>" in en and ">中文<" in en
    imports = site.client("admin").get("/admin/imports", params={"lang": "zh"}).text
    assert '<option value="ledger" >整改台账</option>' in imports
    assert '<option value="skip" >跳过</option>' in imports


def test_partner_departments_are_listed_in_the_page_language(site: Site) -> None:
    client = site.client("manager")
    reply = client.post("/issues/new", data={
        "ref": "9-1", "category": "2", "title": "partners", "partner_departments": "Planning, Farming",
        "csrf_token": site.csrf(client)})
    assert reply.status_code == 303
    assert "Planning、Farming" in client.get("/issues/9-1", params={"lang": "zh"}).text
    assert "Planning, Farming" in client.get("/issues/9-1", params={"lang": "en"}).text


def test_the_field_app_is_installed_under_its_chinese_name(site: Site) -> None:
    manifest = site.client().get("/field/manifest.webmanifest").json()
    names = (manifest["name"], manifest["short_name"], manifest["lang"])
    assert names == ("天河区土地巡查 · 外业", "土地巡查", "zh-CN")


class _Marked:
    """Translations whose every word is markup, as a careless catalogue entry might be."""

    def gettext(self, message: str) -> str:
        return "<b>bold</b>"

    def pgettext(self, context: str, message: str) -> str:
        return "<b>bold</b>"


def test_a_translation_is_shown_as_text_never_as_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("maps.web.i18n.translations", lambda lang: _Marked())
    page = TEMPLATES.env.from_string('{{ _("Sign in") }} {{ pgettext("street", "Code") }} '
                                     '{{ _("Hi %(name)s", name="<i>") }}').render(lang="zh")
    assert page == "&lt;b&gt;bold&lt;/b&gt; &lt;b&gt;bold&lt;/b&gt; &lt;b&gt;bold&lt;/b&gt;"
