"""The field app's server side: the shell, the offline package and the queued records' upload.

On both backends where the store matters; the upload is the one the phone's queue uses.
"""

from __future__ import annotations

import io
import json
import re
import threading
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from cases.models import Inspection
from cases.rules import FINDINGS, MAX_COUNT
from geo.errors import InputError
from maps.web.routers.field import FIELD_STATIC, refusal
from tests.maps.conftest import FENGHUANG, QIANJIN
from tests.maps.web.conftest import PASSWORD, Site, running

SHELL_LIST = re.compile(r"var SHELL = \[(.*?)\];", re.S)


def _jpeg(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _package(client: Any) -> dict[str, Any]:
    reply = client.get("/api/field/package", headers={"Accept-Encoding": "gzip"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-encoding"] == "gzip" and "no-store" in reply.headers["cache-control"]
    assert reply.num_bytes_downloaded < len(reply.content) / 2  # as transferred
    return reply.json()


def test_the_package_holds_only_the_users_streets(backend_site: Site) -> None:
    codes = backend_site.sample.codes
    for who, name, street in (("inspector", "insp", QIANJIN), ("other", "insp2", FENGHUANG)):
        package = _package(backend_site.client(who))
        assert package["user"] == name
        assert [s["code"] for s in package["streets"]] == [street]
        parcels = package["parcels"]["features"]
        assert sorted(f["properties"]["code"] for f in parcels) == sorted(codes[street])
        assert sorted(e["code"] for e in package["patrol"]) == sorted(codes[street])
        assert package["generated_at"].endswith("+08:00")  # Beijing time
    package = _package(backend_site.client("inspector"))
    shed = next(f["properties"] for f in package["parcels"]["features"]
                if f["properties"]["code"] == "QJ-BF-001")
    assert shed["findings"]["sheds_count"] == 3 and "<img" in shed["name"]  # data, escaped by the app
    assert package["streets"][0]["outline"]["type"] in ("Polygon", "MultiPolygon")
    assert backend_site.client("analyst").get("/api/field/package").status_code == 403
    assert backend_site.client().get("/api/field/package").status_code == 401


def test_the_packages_patrol_is_the_apis_and_script_safe(backend_site: Site) -> None:
    # The package embeds the patrol's JSON text as `/api/patrol` writes it, made safe to sit in
    # a page's <script> (a parcel's name holds markup).
    client = backend_site.client("inspector")
    reply = client.get("/api/field/package")
    assert reply.status_code == 200 and b"<img" not in reply.content and b"\\u003cimg" in reply.content
    patrol = reply.json()["patrol"]
    assert patrol == client.get("/api/patrol").json()
    assert any(e["name"].startswith("珠村<img") for e in patrol) and any(e["open_issues"] for e in patrol)


def test_the_form_is_the_findings_with_the_apis_bounds(site: Site) -> None:
    form = _package(site.client("inspector"))["form"]
    assert [(f["name"], f["label_zh"], f["kind"]) for f in form] == [
        (f.name, f.label_zh, f.kind) for f in FINDINGS]
    bounds = {f["name"]: (f["min"], f["max"]) for f in form}
    assert bounds["sheds_count"] == (0, MAX_COUNT) and bounds["debris"] == (None, None)


def test_the_shell_holds_no_user_data_and_every_cached_file_is_served(site: Site) -> None:
    client = site.client("inspector")
    shell = client.get("/field/")
    assert shell.status_code == 200 and site.csrf(client) not in shell.text
    assert not re.search(r"\binsp\b", shell.text)
    assert site.client().get("/field/").text == shell.text  # the same bytes for everyone
    worker = client.get("/field/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/field/"
    cached = json.loads("[" + SHELL_LIST.search(worker.text).group(1).rstrip().rstrip(",") + "]")
    assert "/field/" in cached and not [p for p in cached if p.startswith("/api") or p == "/login"]
    anonymous = site.client()
    assert {path: anonymous.get(path).status_code for path in cached} == dict.fromkeys(cached, 200)
    manifest = anonymous.get("/field/manifest.webmanifest").json()
    assert manifest["start_url"] == manifest["scope"] == "/field/"
    for icon in manifest["icons"]:
        size = int(icon["sizes"].split("x")[0])
        assert Image.open(io.BytesIO(anonymous.get(icon["src"]).content)).size == (size, size)


def test_the_session_answer_is_never_cached(site: Site) -> None:
    client = site.client("inspector")
    reply = client.get("/api/field/session")
    expected = {"user": "insp", "role": "inspector", "streets": [QIANJIN], "csrf": site.csrf(client)}
    assert reply.json() == expected
    assert "no-store" in reply.headers["cache-control"]


def _record(client_id: str, code: str = "QJ-BF-003", **fields: str) -> dict[str, str]:
    return {"parcel_code": code, "client_id": client_id, "inspected_at": "2022-10-20T02:00:00Z", **fields}


def test_the_same_records_sent_twice_at_once_are_stored_once(backend_site: Site) -> None:
    records = [_record(f"twice-{n}-0000", sheds_count=str(n)) for n in range(3)]
    photo = _jpeg("red")
    replies: list[int] = []
    with running(backend_site.app) as base:
        signer = httpx.Client(base_url=base)
        signer.get("/login")
        form = {"name": "insp", "password": PASSWORD, "csrf_token": backend_site.csrf(signer)}
        assert signer.post("/login", data=form).status_code == 303
        csrf = backend_site.csrf(signer)
        start = threading.Barrier(6)

        def send(record: dict[str, str]) -> None:
            with httpx.Client(base_url=base, cookies=signer.cookies, timeout=60) as phone:
                start.wait()
                reply = phone.post("/api/field/inspections", data=record, headers={"X-CSRF-Token": csrf},
                                   files=[("photos", ("a.jpg", photo, "image/jpeg"))])
                replies.append(reply.status_code)

        threads = [threading.Thread(target=send, args=(r,)) for r in records * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        signer.close()
    assert sorted(replies) == [200, 200, 200, 201, 201, 201]
    with backend_site.store.session() as session:
        stored = session.scalars(sa.select(Inspection).where(Inspection.client_id.like("twice-%"))).all()
        assert sorted(i.client_id for i in stored) == [r["client_id"] for r in records]
        assert all(len(i.photos) == 1 for i in stored)


def _post(site: Site, who: str, data: dict[str, str], files: Any = None, lang: str = "zh") -> httpx.Response:
    client = site.client(who)
    return client.post(f"/api/field/inspections?lang={lang}", data=data, files=files,
                       headers={"X-CSRF-Token": site.csrf(client)})


def test_a_refusal_names_its_field_by_its_label_and_stores_nothing(site: Site) -> None:
    bad = _post(site, "inspector", _record("refused-0001", demolished_count="4"))
    assert bad.status_code == 422
    assert bad.json()["field"] == "demolished_count" and bad.json()["detail"].startswith("拆除数:")
    typed = _post(site, "inspector", _record("refused-0002", sheds_count="abc"), lang="en")
    assert typed.json()["field"] == "sheds_count" and typed.json()["detail"].startswith("Sheds:")
    photos = [("photos", (f"{n}.jpg", _jpeg("blue"), "image/jpeg")) for n in range(11)]
    many = _post(site, "inspector", _record("refused-0003"), files=photos)
    assert many.json() == {"detail": "照片: at most 10 a record", "field": "photos"}
    other = _post(site, "other", _record("refused-0004"))
    assert other.status_code == 403 and "not one of yours" in other.json()["detail"]
    no_token = site.client("inspector").post("/api/field/inspections", data=_record("refused-0005"))
    assert no_token.status_code == 403
    with site.store.session() as session:
        assert not session.scalars(sa.select(Inspection).where(Inspection.client_id.like("refused-%"))).all()


def test_a_record_sent_late_tells_the_phone_its_conflicts(backend_site: Site) -> None:
    from cases.inspections import log_inspection

    with backend_site.store.session() as session:  # another inspector came by after the offline visit
        log_inspection(session, parcel_code="QJ-SP-001", inspected_at="2022-10-22T09:00+08:00",
                       inspector="root", findings={"debris": True}, actor="test")
    late = _post(backend_site, "inspector", _record("late-0001", code="QJ-SP-001", street_code=FENGHUANG))
    assert late.status_code == 201, late.text
    reasons = {c["reason"]: c for c in late.json()["conflicts"]}
    assert set(reasons) == {"other_record", "moved"}  # the phone knew the parcel in another street
    assert reasons["other_record"]["reason_label_zh"] == "其他巡查员随后记录了不同结果"


@given(field=st.sampled_from([f.name for f in FINDINGS]), rest=st.text(max_size=40).map(str.strip))
def test_every_finding_is_named_by_its_label(field: str, rest: str) -> None:
    finding = next(f for f in FINDINGS if f.name == field)
    message = f"{field}: {rest}"
    assert refusal(InputError(message, field=field), "zh") == (field, f"{finding.label_zh}: {rest}")
    assert refusal(InputError(message, field=field), "en") == (field, f"{finding.label_en}: {rest}")


@pytest.mark.parametrize(("message", "field", "expected"), [
    ("photos: photo 2, x.jpg is not an image", "photos", ("photos", "照片: photo 2, x.jpg is not an image")),
    ("photos: at most 10 a record", "photos", ("photos", "照片: at most 10 a record")),
    ("lon/lat: give both lon and lat, or neither", "lon/lat",
     ("lon", "经纬度: give both lon and lat, or neither")),
    ("row 1, parcel_code: parcel 'X' is retired", "parcel_code",
     ("parcel_code", "row 1, 地块编号: parcel 'X' is retired")),
    ("this street is not one of yours", None, ("", "this street is not one of yours")),
    ("no parcel 'Q': did you mean QJ-1?", None, ("", "no parcel 'Q': did you mean QJ-1?")),
])
def test_the_refused_field_is_the_errors_own(message: str, field: str | None,
                                             expected: tuple[str, str]) -> None:
    assert refusal(InputError(message, field=field), "zh") == expected


@pytest.mark.parametrize("message", ["hardened_m2: 5 is negative", "photo 2: not an image", "lat: bad"])
def test_a_message_naming_a_field_marks_none_without_the_errors_field(message: str) -> None:
    """The message is never read for a field: only `err.field` says which input to mark."""
    assert refusal(InputError(message), "zh") == ("", message)



WORDS_SCRIPT = re.compile(r"\Awindow\.FIELD_WORDS = (\{.*\});\n\Z", re.S)


def test_the_apps_words_come_from_the_catalogue_in_both_languages(site: Site) -> None:
    """Every word app.js asks for exists in both languages, the Chinese from the catalogue, and
    the words are part of the offline shell (the language switch works without signal)."""
    reply = site.client().get("/field/words.js")
    assert reply.headers["content-type"].startswith("text/javascript")
    words = json.loads(WORDS_SCRIPT.match(reply.text).group(1))
    app = (FIELD_STATIC / "app.js").read_text(encoding="utf-8")
    asked = set(re.findall(r'\bt\("(\w+)"', app))
    assert asked and asked <= set(words["zh"]) == set(words["en"])
    assert words["zh"]["queue_count"] == "{n} 条待上传" and words["en"]["lang"] == "中文"
    assert words["zh"]["groups"] == {"1": "需立即处理", "2": "逾期未巡", "3": "7 天内到期", "4": "其他"}
    untranslated = [k for k, v in words["zh"].items() if k != "groups" and v == words["en"][k]]
    assert untranslated == []
    assert "WORDS = {" not in app  # no second table of words in the script
    assert '"/field/words.js"' in SHELL_LIST.search((FIELD_STATIC / "sw.js").read_text()).group(1)
