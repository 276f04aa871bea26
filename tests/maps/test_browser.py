"""A generated street map in real headless Chromium, with every request off the file blocked.

Debian's /usr/bin/chromium through Playwright; nothing is downloaded. One browser
for the session and one generated folder for the module keep these few tests fast.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from geo.store import open_store
from maps import write_district
from tests.maps.conftest import AS_OF, QIANJIN, XSS_NOTE, MapSample, add_sample

pytestmark = pytest.mark.browser

PARCEL_PATHS = ".leaflet-lpParcels-pane path.leaflet-interactive"


@dataclass
class OpenedPage:
    """A page with what it tried to load from outside the file and what it logged as errors."""

    page: object
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def district(spatialite_template: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, MapSample]:
    """The sample store's index and street pages, written once for this module."""
    folder = tmp_path_factory.mktemp("maps")
    path = folder / "store.sqlite"
    shutil.copyfile(spatialite_template, path)
    store = open_store(f"sqlite:///{path}")
    with store.session() as session:
        sample = add_sample(session)
    with store.session() as session:
        write_district(session, folder / "out", as_of=AS_OF)
    store.dispose()
    return folder / "out", sample


def open_offline(browser: object, html_file: Path) -> Iterator[OpenedPage]:
    """Open a file with every non-file:// request aborted and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    opened = OpenedPage(page)

    def route(route: object) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            opened.blocked.append(url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.goto(html_file.as_uri())
    page.wait_for_selector(".lp-legend")
    yield opened
    context.close()


@pytest.fixture
def street_page(browser: object, district: tuple[Path, MapSample]) -> Iterator[OpenedPage]:
    yield from open_offline(browser, district[0] / "streets" / f"{QIANJIN}.html")


def test_street_map_draws_every_parcel_offline_without_errors(
    street_page: OpenedPage, district: tuple[Path, MapSample],
) -> None:
    page = street_page.page
    assert page.locator(PARCEL_PATHS).count() == len(district[1].codes[QIANJIN])
    assert page.locator(".lp-legend").is_visible()
    assert page.locator(".lp-figures").is_visible()
    assert page.locator(".leaflet-control-layers").is_visible()
    assert "前进街道" in page.locator(".lp-title").inner_text()
    assert street_page.blocked == []
    assert street_page.errors == []


def test_clicking_a_parcel_opens_its_popup_with_note_shown_as_text(
    street_page: OpenedPage, district: tuple[Path, MapSample],
) -> None:
    page, sample = street_page.page, district[1]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.locator(PARCEL_PATHS).first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    area = f"{sample.areas[sample.xss_code]:,.1f} m²"
    assert sample.xss_code in text and area in text
    assert XSS_NOTE in text
    assert popup.locator("script, img").count() == 0
    assert dialogs == [] and street_page.errors == []


def test_search_by_code_opens_that_parcels_popup(street_page: OpenedPage) -> None:
    page = street_page.page
    page.fill(".lp-search input", "qj-fp-001")
    page.press(".lp-search input", "Enter")
    page.locator(".leaflet-popup-content").wait_for()
    assert "QJ-FP-001" in page.locator(".leaflet-popup-content").inner_text()
    page.fill(".lp-search input", "NOPE-999")
    page.press(".lp-search input", "Enter")
    assert page.locator(".lp-search-msg").inner_text() != ""


def test_scale_bars_are_metric_only(browser: object, district: tuple[Path, MapSample]) -> None:
    for page_file in (district[0] / "streets" / f"{QIANJIN}.html", district[0] / "index.html"):
        for opened in open_offline(browser, page_file):
            lines = opened.page.locator(".leaflet-control-scale-line")
            assert lines.count() == 1
            assert re.fullmatch(r"\d+ k?m", lines.first.inner_text())


def test_district_index_shows_streets_and_links_offline(
    browser: object, district: tuple[Path, MapSample],
) -> None:
    for opened in open_offline(browser, district[0] / "index.html"):
        page = opened.page
        assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 2
        names = page.locator(".lp-street-label").all_inner_texts()
        assert sorted(names) == ["凤凰街道", "前进街道"]
        assert page.locator(f'a[href="streets/{QIANJIN}.html"]').count() >= 1
        assert opened.blocked == [] and opened.errors == []
