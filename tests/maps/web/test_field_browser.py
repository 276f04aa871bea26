"""The field app on a 390×844 phone: a patrol with the network off, nothing lost once back online.

Debian's Chromium through Playwright against a real uvicorn on 127.0.0.1. "Offline" is both
`context.set_offline(True)` and the server stopped (offline emulation may not cover the service
worker's own fetches); it comes back on the same port, with the same store.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from cases.models import Inspection
from cases.status.rules import STATUS_COLORS
from layers.models import Parcel
from tests.maps.conftest import FENGHUANG, QIANJIN
from tests.maps.web.conftest import PASSWORD, Site, free_port, running

pytestmark = pytest.mark.browser
FILL_OF = """code => {
  let fill = null;
  window.fieldMap.eachLayer(l => {
    if (l.feature && l.feature.properties.code === code) fill = l.options.fillColor;
  });
  return fill;
}"""
PACKAGES = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("landpatrol-field");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(["packages", "queue"]);
    const keys = tx.objectStore("packages").getAllKeys();
    const queue = tx.objectStore("queue").count();
    tx.oncomplete = () => { db.close(); resolve([keys.result, queue.result]); };
  };
})"""


def _photo(folder: Path, name: str, colour: str) -> Path:
    path = folder / name
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


@contextmanager
def _phone(browser: Any, base: str) -> Iterator[tuple[Any, Any]]:
    """A 390×844 phone (context, page); every request it makes must go to the app itself."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  geolocation={"longitude": 113.4005, "latitude": 23.1305},
                                  permissions=["geolocation"])
    outside: list[str] = []

    def watch(request: Any) -> None:
        if not request.url.startswith((base, "data:", "blob:")):
            outside.append(request.url)

    context.on("request", watch)
    try:
        yield context, context.new_page()
    finally:
        context.close()
    assert outside == []


def _sign_in(page: Any, base: str, name: str) -> None:
    """Open the app; not signed in, it sends the visitor to sign in, and back once signed in."""
    page.goto(f"{base}/field/")
    _fill_sign_in(page, base, name)


def _fill_sign_in(page: Any, base: str, name: str) -> None:
    page.wait_for_url(f"{base}/login?next=/field/")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/field/")
    expect_ready(page)


def expect_ready(page: Any) -> None:
    """The app has read its offline copy and its queue."""
    from playwright.sync_api import expect

    expect(page.locator("body")).to_have_attribute("data-ready", "1")


def _log(page: Any, code: str, fields: dict[str, str], photos: list[Path]) -> None:
    from playwright.sync_api import expect

    page.locator(f"#patrol li[data-parcel-code='{code}'] button.log").click()
    for name, value in fields.items():
        page.fill(f"#record input[name={name}]", value)
    page.set_input_files("#record input[name=photos]", [str(p) for p in photos])
    expect(page.locator("#photo-list img")).to_have_count(len(photos))
    page.click("#record button[type=submit]")
    expect(page.locator("#view-list")).to_be_visible()


def _count(site: Site) -> int:
    with site.store.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Inspection))


def test_a_patrol_offline_is_uploaded_once_back_online(site: Site, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    photos = [_photo(tmp_path, f"p{i}.jpg", colour) for i, colour in enumerate(("red", "green", "blue"))]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    before = _count(site)
    with _phone(browser, base) as (context, page):
        with running(site.app, port):  # 1. sign in as an inspector of one street and open /field/
            _sign_in(page, base, "insp")
            expect(page.locator("#freshness")).to_contain_text("离线数据更新于")
            codes = page.locator("#patrol li[data-parcel-code]").evaluate_all(
                "items => items.map(i => i.dataset.parcelCode)")
            assert sorted(codes) == sorted(site.sample.codes[QIANJIN])
            page.click("#near")  # the phone's position: the server's order, with distances
            expect(page.locator("#patrol li[data-parcel-code] .meta").nth(1)).to_contain_text(" 米")
            page.locator(".tabs button[data-view=map]").click()
            assert page.evaluate(FILL_OF, "QJ-BF-003") == STATUS_COLORS["uninspected"]
            assert page.evaluate("() => window.fieldMap.getZoom()") >= 15  # the parcels, not the street
            expect(page.locator(".leaflet-control-scale-line")).to_have_count(1)  # metric only
            page.click("#locate")  # 我的位置: the parcels and a dot for the phone
            parcels = len(site.sample.codes[QIANJIN])
            expect(page.locator("path.leaflet-interactive")).to_have_count(parcels + 1)
            page.locator(".tabs button[data-view=list]").click()

        context.set_offline(True)  # 2. no network, and the server is stopped: a reload still works
        page.reload()
        expect_ready(page)
        expect(page.locator("#patrol li[data-parcel-code]")).to_have_count(len(site.sample.codes[QIANJIN]))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        _log(page, "QJ-BF-003", {"sheds_count": "2"}, photos[:2])  # 3. three records, two parcels
        _log(page, "QJ-BF-003", {"sheds_count": "2", "hardened_m2": "15"}, photos[2:])
        _log(page, "QJ-BF-002", {"vehicles_count": "1"}, photos[1:2])
        expect(page.get_by_test_id("queue-count")).to_have_text("3 条待上传")
        page.close()

        page = context.new_page()  # 4. closed and opened again
        page.goto(f"{base}/field/")
        expect_ready(page)
        expect(page.get_by_test_id("queue-count")).to_have_text("3 条待上传")

        with running(site.app, port):  # 5. the network is back: send
            context.set_offline(False)
            page.get_by_test_id("sync").click()
            expect(page.get_by_test_id("queue-count")).to_have_text("0 条待上传")
            expect(page.locator("#patrol li[data-parcel-code='QJ-BF-003']")).to_have_attribute(
                "data-status", "violation")
            page.locator(".tabs button[data-view=map]").click()
            assert page.evaluate(FILL_OF, "QJ-BF-003") == STATUS_COLORS["violation"]
    assert _count(site) - before == 3
    with site.store.session() as session:
        stored = session.execute(sa.select(Inspection).where(Inspection.inspector == "insp")
                                 .order_by(Inspection.id.desc()).limit(3)).scalars().all()
        assert sorted(len(i.photos) for i in stored) == [1, 1, 2]
        assert all(i.client_id and len(i.client_id) == 36 for i in stored)  # made on the phone


def test_a_refused_record_stays_queued_with_its_message(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with _phone(browser, base) as (_context, page), running(site.app, port):
        _sign_in(page, base, "insp2")
        codes = page.locator("#patrol li[data-parcel-code]").evaluate_all(
            "items => items.map(i => i.dataset.parcelCode)")
        assert sorted(codes) == sorted(site.sample.codes[FENGHUANG])  # only the user's street
        # Nothing was ever built here: the server refuses demolitions (the phone cannot know).
        _log(page, "FH-TL-001", {"demolished_count": "4", "sheds_count": "1"}, [])
        expect(page.locator("#notice")).to_contain_text("1 条被退回")
        expect(page.get_by_test_id("queue-count")).to_have_text("1 条待上传")
        page.locator(".tabs button[data-view=queue]").click()
        refused = page.locator("#queue li.refused")
        expect(refused.locator(".field-error")).to_contain_text("拆除数:")
        refused.locator("button.edit").click()
        expect(page.locator("#record input[name=demolished_count]")).to_have_value("4")
        expect(page.locator("#record input[name=sheds_count]")).to_have_value("1")
        expect(page.locator("[data-error-for=demolished_count]")).to_contain_text("拆除数:")
        page.reload()  # still there after a reload
        expect(page.get_by_test_id("queue-count")).to_have_text("1 条待上传")

        asked: list[str] = []
        page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        page.click("#sign-out")
        page.wait_for_url(f"{base}/login?next=/field/")
        assert asked == ["还有 1 条记录未上传，退出将删除它们。确定退出？"]
        assert page.evaluate(PACKAGES) == [[], 0]  # the offline copy is gone


FOREIGN_RECORD = """street => FieldStore.putRecord({
  client_id: "recorded-by-insp-0001", user: "insp", parcel_code: "FH-BF-001", street_code: street,
  inspected_at: new Date().toISOString(), values: {sheds_count: "9"}, photos: [], error: null,
  saved_at: new Date().toISOString()})"""


def test_records_wait_for_the_user_who_made_them(site: Site, browser: Any) -> None:
    from playwright.sync_api import expect

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with _phone(browser, base) as (context, page), running(site.app, port):
        _sign_in(page, base, "insp2")
        page.evaluate(FOREIGN_RECORD, FENGHUANG)  # left on this phone by another inspector
        context.clear_cookies()  # the session expires
        _log(page, "FH-BF-001", {"sheds_count": "1"}, [])
        expect(page.locator("#notice")).to_contain_text("登录已过期")
        expect(page.get_by_test_id("queue-count")).to_have_text("1 条待上传")

        page.click("#notice a")  # sign in again: the record goes out
        _fill_sign_in(page, base, "insp2")
        expect(page.get_by_test_id("queue-count")).to_have_text("0 条待上传")
        page.locator(".tabs button[data-view=queue]").click()
        expect(page.locator("#queue li.others")).to_contain_text("另有 1 条")
        page.click("#lang")  # Chinese first, English on request
        expect(page.locator("#queue li.others")).to_contain_text("1 more were recorded by other users")
        expect(page.get_by_test_id("queue-count")).to_have_text("0 waiting to upload")
    with site.store.session() as session:
        mine = session.scalars(sa.select(Inspection.inspector).join(Parcel, Parcel.id == Inspection.parcel_id)
                               .where(Parcel.code == "FH-BF-001")).all()
    assert mine.count("insp2") == 1 and "insp" not in mine
