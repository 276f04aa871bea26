"""Imports on the web: real uploads through the page and the API, refused files storing nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo.errors import InputError
from maps.web.importing import safe_name, saved_upload, unzip
from tests.cases.images import image_bytes
from tests.maps.conftest import QIANJIN, XSS_NAME
from tests.maps.web.conftest import Site

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 256
NEW_CODES = ["UP-BF-001", "UP-BF-002"]


def _parcels_gpkg(folder: Path) -> Path:
    """Two parcels inside 前进街道 (no street field: the importer finds it), one named with a payload."""
    squares = [box(113.405 + i * 0.001, 23.132, 113.4058 + i * 0.001, 23.1328) for i in range(2)]
    frame = gpd.GeoDataFrame({"code": NEW_CODES, "name": [XSS_NAME, "上传二号"]}, geometry=squares,
                             crs=4490)
    path = folder / "上传 parcels.gpkg"
    frame.to_file(path, layer="parcels", driver="GPKG")
    return path


def _street_codes(site: Site) -> set[str]:
    reply = site.client("admin").get(f"/api/streets/{QIANJIN}/parcels")
    return {f["properties"]["code"] for f in reply.json()["features"]}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


def test_an_uploaded_geopackage_shows_up_in_its_street(backend_site: Site, tmp_path: Path) -> None:
    client = backend_site.client("admin")
    path = _parcels_gpkg(tmp_path)
    form = {"target": "parcels", "kind": "basic_farmland", "on_invalid": "fail",
            "csrf_token": backend_site.csrf(client)}
    dry = client.post("/admin/imports", data={**form, "dry_run": "true"},
                      files={"file": (path.name, path.read_bytes(), "application/geopackage+sqlite3")})
    assert dry.status_code == 200 and 'id="count-created">2<' in dry.text
    assert not set(NEW_CODES) & _street_codes(backend_site)  # a dry run stores nothing

    reply = client.post("/admin/imports", data=form, files={"file": (path.name, path.read_bytes())})
    assert reply.status_code == 200, reply.text
    assert 'id="count-read">2<' in reply.text and 'id="count-created">2<' in reply.text
    assert "上传_parcels.gpkg" in reply.text  # the client's name, cleaned
    assert set(NEW_CODES) <= _street_codes(backend_site)
    for page in ("/parcels/UP-BF-001", f"/streets/{QIANJIN}", f"/streets/{QIANJIN}/map"):
        text = client.get(page).text
        assert XSS_NAME not in text and '<img src=x' not in text, page


def test_the_api_imports_a_zipped_shapefile_and_reports_json(site: Site, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"code": ["ZS-001"], "name": ["压缩"]},
                             geometry=[box(113.407, 23.131, 113.4075, 23.1315)], crs=4490)
    frame.to_file(tmp_path / "zs.shp", encoding="utf-8")
    archive = _zip({f"layer/zs{s}": (tmp_path / f"zs{s}").read_bytes()
                    for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")})
    client = site.client("admin")
    reply = client.post("/api/imports", data={"target": "parcels", "kind": "storage_plot"},
                        files={"file": ("zs.zip", archive, "application/zip")},
                        headers={"X-CSRF-Token": site.csrf(client)})
    assert reply.status_code == 200, reply.text
    report = reply.json()
    counts = (report["target"], report["kind"], report["read"], report["created"])
    assert counts == ("parcels", "storage_plot", 1, 1)
    assert report["file"] == "zs.shp" and report["skipped"] == [] and not report["dry_run"]
    assert "ZS-001" in _street_codes(site)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("photo.gpkg", PNG, "photo.gpkg: not a readable GeoPackage"),
    ("evil.zip", _zip({"../evil.geojson": b"{}"}), "outside the archive"),
    ("abs.zip", _zip({"/tmp/abs.geojson": b"{}"}), "outside the archive"),
    ("two.zip", _zip({"a.csv": b"code\n1\n", "b.csv": b"code\n2\n"}), "exactly one"),
    ("notzip.zip", PNG, "not a zip"),
    ("run.exe", b"MZ", "not an accepted type"),
])
def test_a_bad_upload_is_one_line_beside_the_form_and_stores_nothing(
    site: Site, name: str, data: bytes, message: str,
) -> None:
    client = site.client("admin")
    before = _street_codes(site)
    form = {"target": "parcels", "kind": "forest_patch", "on_invalid": "skip",
            "csrf_token": site.csrf(client)}
    reply = client.post("/admin/imports", data=form, files={"file": (name, data, "application/octet-stream")})
    assert reply.status_code == 422
    html = reply.text
    error = html[html.index('class="field-error"'):]
    line = error[error.index(">") + 1:error.index("</span>")]
    assert message in line and "\n" not in line and "Traceback" not in html, line
    assert "lp-import-" not in html  # no server path
    assert html.index('class="field-error"') > html.index('name="file"')  # beside the file field
    assert '<option value="forest_patch" selected>' in html and '<option value="skip" selected>' in html
    assert _street_codes(site) == before
    assert not (Path("/tmp") / "evil.geojson").exists() and not (Path("/tmp") / "abs.geojson").exists()


def test_options_the_service_cannot_honour_are_refused_beside_their_field(site: Site) -> None:
    client = site.client("admin")
    headers = {"X-CSRF-Token": site.csrf(client)}
    files = {"file": ("l.csv", b"ref,category,title\n7-7,2,t\n", "text/csv")}
    for form, field in (({"target": "ledger", "on_invalid": "skip"}, "on_invalid"),
                        ({"target": "parcels", "kind": "nope"}, "kind"),
                        ({"target": "planets"}, "target")):
        reply = client.post("/api/imports", data=form, files=files, headers=headers)
        assert reply.status_code == 422 and reply.json()["detail"].startswith(field), reply.text


def test_a_ledger_csv_imports_through_the_api(site: Site) -> None:
    client = site.client("admin")
    table = "ref,category,title,parcels\n7-1,2,上传的问题,QJ-BF-003\n".encode()
    reply = client.post("/api/imports", data={"target": "ledger"}, files={"file": ("台账.csv", table)},
                        headers={"X-CSRF-Token": site.csrf(client)})
    assert reply.status_code == 200, reply.text
    assert reply.json()["counts"] == {"issues": 1, "measures": 0, "links": 1}
    assert client.get("/api/issues/7-1").json()["title"] == "上传的问题"


def test_a_csv_ledger_brings_its_measures_as_a_second_csv(site: Site) -> None:
    client = site.client("admin")
    issues = "编号,类别,问题\n7-3,2,附带措施的问题\n".encode()
    measures = "问题编号,措施,责任单位,完成期限\n7-3,拆除窝棚并复绿,石牌街道,2022-12-31\n".encode()
    reply = client.post("/admin/imports", data={"target": "ledger", "csrf_token": site.csrf(client)},
                        files={"file": ("台账.csv", issues), "measures": ("措施.csv", measures)})
    assert reply.status_code == 200, reply.text
    stored = client.get("/api/issues/7-3/measures").json()
    expected = [("拆除窝棚并复绿", "石牌街道", "2022-12-31")]
    assert [(m["text"], m["owner"], m["due"]) for m in stored] == expected


def test_a_measures_table_without_a_csv_ledger_is_refused_and_nothing_is_stored(site: Site) -> None:
    client = site.client("admin")
    headers = {"X-CSRF-Token": site.csrf(client)}
    measures = ("m.csv", b"ref,text\n7-4,x\n")
    wrong_target = client.post("/api/imports", data={"target": "streets"}, headers=headers,
                               files={"file": ("s.csv", b"code,name\n"), "measures": measures})
    assert wrong_target.status_code == 422 and wrong_target.json()["detail"].startswith("measures")
    workbook = io.BytesIO()
    pd.DataFrame({"ref": ["7-4"], "category": ["2"], "title": ["t"]}).to_excel(workbook, index=False)
    excel = client.post("/api/imports", data={"target": "ledger"}, headers=headers,
                        files={"file": ("l.xlsx", workbook.getvalue()), "measures": measures})
    assert excel.status_code == 422 and "its own sheet" in excel.json()["detail"]
    assert client.get("/api/issues/7-4").status_code == 404


def test_imports_refuse_a_post_without_csrf_token(site: Site, tmp_path: Path) -> None:
    client = site.client("admin")
    path = _parcels_gpkg(tmp_path)
    for url in ("/admin/imports", "/api/imports"):
        reply = client.post(url, data={"target": "parcels", "kind": "basic_farmland"},
                            files={"file": (path.name, path.read_bytes())})
        assert reply.status_code == 403
    assert not set(NEW_CODES) & _street_codes(site)


def test_names_from_the_client_cannot_reach_outside_the_folder() -> None:
    assert safe_name("../../etc/passwd.csv") == "passwd.csv"
    assert safe_name("..\\..\\x.GPKG") == "x.gpkg"
    assert safe_name("/abs/.hidden.geojson") == "hidden.geojson"
    assert safe_name("...csv") == "upload.csv"
    with pytest.raises(InputError, match="not an accepted type"):
        safe_name("a.gpkg/..")


def test_uploads_over_the_cap_are_refused() -> None:
    with pytest.raises(InputError, match="over the"), saved_upload(io.BytesIO(b"x" * 100), "a.csv", cap=10):
        pass


def test_a_ledger_with_a_bad_row_stores_nothing(site: Site) -> None:
    client = site.client("admin")
    table = b"ref,category,title\n7-5,2,first\n7-5,2,again\n"
    reply = client.post("/admin/imports", data={"target": "ledger", "csrf_token": site.csrf(client)},
                        files={"file": ("ledger.csv", table)})
    assert reply.status_code == 409 and "exists already" in reply.text
    assert client.get("/api/issues/7-5").status_code == 404


def test_inspections_import_with_bad_rows_skipped_and_reported(site: Site) -> None:
    client = site.client("admin")
    table = ("parcel_code,inspected_at,inspector,sheds_count,client_id\n"
             "QJ-IL-001,2022-10-03 09:00,张三,2,web-import-0001\n"
             "NOPE-9,2022-10-03 09:00,张三,1,web-import-0002\n").encode()
    headers = {"X-CSRF-Token": site.csrf(client)}
    files = {"file": ("巡查.csv", table, "text/csv")}
    strict = client.post("/api/imports", data={"target": "inspections"}, files=files, headers=headers)
    assert strict.status_code == 422 and "NOPE-9" in strict.json()["detail"]
    assert client.get("/api/parcels/QJ-IL-001/inspections").json() == []
    reply = client.post("/api/imports", data={"target": "inspections", "on_invalid": "skip"},
                        files={"file": ("巡查.csv", table, "text/csv")}, headers=headers)
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert (report["read"], report["created"], len(report["skipped"])) == (2, 1, 1)
    skipped = report["skipped"][0]  # the 2nd data row (line 3), as every import report numbers rows
    assert (skipped["row"], skipped["reason"]) == (2, "parcel_code: no parcel 'NOPE-9'")
    assert len(client.get("/api/parcels/QJ-IL-001/inspections").json()) == 1


def test_user_text_in_the_report_comes_back_escaped(site: Site, tmp_path: Path) -> None:
    payload = '<script>alert("c")</script>'
    frame = gpd.GeoDataFrame({"code": [payload, payload], "name": ["a", "b"]},
                             geometry=[box(113.409, 23.131, 113.4095, 23.1315)] * 2, crs=4490)
    path = tmp_path / "dup.gpkg"
    frame.to_file(path, driver="GPKG")
    client = site.client("admin")
    form = {"target": "parcels", "kind": "illegal_land", "dry_run": "true", "on_invalid": "skip",
            "csrf_token": site.csrf(client)}
    reply = client.post("/admin/imports", data=form, files={"file": (path.name, path.read_bytes())})
    assert reply.status_code == 200 and "already used by feature 1" in reply.text
    assert payload not in reply.text and "&lt;script&gt;" in reply.text


def test_the_zip_bomb_message_names_the_limit_not_what_is_left(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("maps.web.importing.MAX_UNZIPPED_BYTES", 3 * 1024 * 1024)
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(_zip({"a.csv": b"0" * (2 * 1024 * 1024), "b.csv": b"0" * (2 * 1024 * 1024)}))
    (tmp_path / "out").mkdir()
    with pytest.raises(InputError, match="over the 3 MB limit"):
        unzip(archive, tmp_path / "out")


def test_photos_named_in_an_uploaded_table_come_only_from_the_upload(
    backend_site: Site, tmp_path: Path,
) -> None:
    secret = tmp_path / "server-secret.png"
    secret.write_bytes(image_bytes("PNG", colour="red"))  # a real image: only where it lies may refuse it
    climb = "../" * 12 + str(secret).lstrip("/")
    names = [str(secret), climb, "/no/such/photo.png", "photos/../../x.png"]
    rows = [f"QJ-BF-003,2022-10-03 09:0{n},张三,upload-photo-{n},{name}" for n, name in enumerate(names)]
    rows.append("QJ-BF-003,2022-10-03 09:00,张三,upload-photo-9,photos/ok.png")
    table = "parcel_code,inspected_at,inspector,client_id,photos\n" + "\n".join(rows) + "\n"
    upload = _zip({"visits.csv": table.encode(), "photos/ok.png": image_bytes("PNG")})
    client = backend_site.client("admin")
    reply = client.post("/api/imports", data={"target": "inspections", "on_invalid": "skip"},
                        files={"file": ("visits.zip", upload)},
                        headers={"X-CSRF-Token": backend_site.csrf(client)})
    assert reply.status_code == 200, reply.text
    report = reply.json()
    assert report["created"] == 1 and len(report["skipped"]) == len(names)
    reasons = {note["reason"].replace(repr(name), "NAME")
               for note, name in zip(report["skipped"], names, strict=True)}
    assert reasons == {"photos: NAME is not a file of this upload"}  # one message: nothing tells what exists
    stored = [p.read_bytes() for p in backend_site.store.media_dir().rglob("*.png")]
    assert image_bytes("PNG") in stored and image_bytes("PNG", colour="red") not in stored
