"""An inspector on a phone: sign in, log an inspection with a photo, see the parcel change colour.

Debian's /usr/bin/chromium through Playwright at a 360-px viewport, against a
real uvicorn on 127.0.0.1; any request elsewhere is blocked and fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.status.rules import STATUS_COLORS
from tests.cases.images import image_bytes
from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import PASSWORD, Site, running

pytestmark = pytest.mark.browser
PNG = image_bytes("PNG")
FILL_OF = """code => {
  for (const key in window) {
    let map; try { map = window[key] instanceof L.Map ? window[key] : null; } catch (e) { continue; }
    if (!map) continue;
    let fill = null;
    map.eachLayer(l => { if (l.feature && l.feature.properties.c === code) fill = l.options.fillColor; });
    if (fill) return fill;
  }
  return null;
}"""


def test_an_inspector_logs_a_visit_on_a_phone(site: Site, browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    photo = tmp_path / "shed.png"
    photo.write_bytes(PNG)
    outside: list[str] = []
    with running(site.app) as base:
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
            geolocation={"longitude": 113.4005, "latitude": 23.1305}, permissions=["geolocation"])

        def guard(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if url.startswith(base) or url.startswith("data:"):
                route.continue_()  # type: ignore[attr-defined]
            else:
                outside.append(url)
                route.abort()  # type: ignore[attr-defined]

        context.route("**/*", guard)
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=name]", "insp")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")

        page.goto(f"{base}/streets/{QIANJIN}/map")
        assert page.evaluate(FILL_OF, "QJ-BF-003") == STATUS_COLORS["uninspected"]

        page.goto(f"{base}/inspect?code=QJ-BF-003")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        page.fill("input[name=sheds_count]", "2")
        page.check("input[name=clothes_drying]")
        page.click("#use-gps")
        # Not wait_for_function: its polled string predicate is an eval, which the CSP refuses.
        expect(page.locator("#lon")).not_to_have_value("")
        page.set_input_files("input[name=photos]", str(photo))
        page.click("form#inspect-form button[type=submit]")
        page.wait_for_url("**/parcels/QJ-BF-003?saved=1")
        assert page.locator("#status").get_attribute("data-status") == "violation"
        assert page.locator(".photos img").count() == 1

        page.goto(f"{base}/streets/{QIANJIN}/map")
        assert page.evaluate(FILL_OF, "QJ-BF-003") == STATUS_COLORS["violation"]
        context.close()
    assert outside == []
