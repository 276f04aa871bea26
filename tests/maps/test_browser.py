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
from maps.style import LABEL_ZOOM
from tests.maps.conftest import AS_OF, FENGHUANG, QIANJIN, XSS_NOTE, MapSample, add_sample

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


def open_offline(browser: object, html_file: Path, width: int = 1400, height: int = 900,
                 ) -> Iterator[OpenedPage]:
    """Open a file with every non-file:// request aborted and recorded."""
    context = browser.new_context(viewport={"width": width, "height": height})
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


SET_VIEW = """([lat, lon, zoom]) => {
  const map = Object.values(window).find((v) => v instanceof L.Map);
  map.setView([lat, lon], zoom, {animate: false});
}"""


def test_parcel_codes_are_written_on_the_map_only_at_close_zoom(street_page: OpenedPage) -> None:
    page = street_page.page
    labels = page.locator(".lp-parcel-label")
    page.evaluate(SET_VIEW, [23.1305, 113.4025, LABEL_ZOOM - 1])  # QJ-BF-002's centre
    assert labels.count() == 0
    page.evaluate(SET_VIEW, [23.1305, 113.4025, LABEL_ZOOM + 1])
    shown = labels.all_inner_texts()
    assert "QJ-BF-002" in shown and len(shown) < 6  # only the parcels in view
    assert street_page.errors == []


# Every control of a map: none may cover another, and together they leave most of the map.
CONTROL_BOXES = """() => {
  const map = document.querySelector('.leaflet-container').getBoundingClientRect();
  const boxes = Array.from(document.querySelectorAll('.leaflet-control'))
    .map((e) => [e.className, e.getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && r.height > 0)
    .map(([name, r]) => ({name, x: r.x, y: r.y, w: r.width, h: r.height}));
  return {map: {x: map.x, y: map.y, w: map.width, h: map.height}, boxes};
}"""


def _overlap(a: dict, b: dict) -> float:
    width = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
    height = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
    return max(width, 0) * max(height, 0)


@pytest.mark.parametrize("page_name", [f"streets/{QIANJIN}.html", f"streets/{FENGHUANG}.html",
                                       "index.html"])
def test_at_phone_width_panels_fold_and_no_control_covers_another(
    browser: object, district: tuple[Path, MapSample], tmp_path: Path, page_name: str,
) -> None:
    for opened in open_offline(browser, district[0] / page_name, width=390, height=844):
        page = opened.page
        page.screenshot(path=str(tmp_path / "phone.png"))  # kept by pytest for a look
        found = page.evaluate(CONTROL_BOXES)
        boxes, frame = found["boxes"], found["map"]
        assert len(boxes) >= 3
        for box in boxes:
            assert box["x"] >= frame["x"] - 0.5 and box["x"] + box["w"] <= frame["x"] + 390.5
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert _overlap(a, b) < 1, f"{a['name']} covers {b['name']}"
        assert sum(b["w"] * b["h"] for b in boxes) < 0.25 * frame["w"] * frame["h"]
        legend = page.locator(".lp-legend table").first
        assert not legend.is_visible()
        page.locator(".lp-legend .lp-fold").click()
        assert legend.is_visible()
        assert opened.errors == []


def test_at_phone_width_the_layer_list_opens_from_its_button(
    browser: object, district: tuple[Path, MapSample],
) -> None:
    for opened in open_offline(browser, district[0] / "streets" / f"{QIANJIN}.html",
                               width=390, height=844):
        page = opened.page
        layers = page.locator(".leaflet-control-layers-list")
        assert not layers.is_visible()
        page.locator(".leaflet-control-layers-toggle").click()
        assert layers.is_visible()
        assert page.locator(".lp-figures .lp-fold").is_visible()
        assert not page.locator(".lp-figures table").is_visible()


# Draws each character in the map's own font and compares its pixels with U+10FFFD's, which
# no font has: a character drawn exactly like it, or like its neighbours, is a missing-glyph
# box. Pixels, not widths: a CJK font's ideographs and its missing-glyph box are all 1 em wide.
GLYPHS = """(chars) => {
  const family = getComputedStyle(document.querySelector('.leaflet-container')).fontFamily;
  const draw = (text) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 64;
    const pen = canvas.getContext('2d');
    pen.font = '40px ' + family;
    pen.textBaseline = 'top';
    pen.fillText(text, 8, 8);
    return Array.from(pen.getImageData(0, 0, 64, 64).data).join();
  };
  const missing = draw(String.fromCodePoint(0x10FFFD));
  const drawn = chars.map(draw);
  return {likeMissing: drawn.map((d) => d === missing), distinct: new Set(drawn).size};
}"""
CJK_SAMPLE = ["土", "地", "巡", "查", "违", "规", "街", "道"]


def test_chinese_text_is_drawn_with_real_glyphs_not_boxes(street_page: OpenedPage) -> None:
    found = street_page.page.evaluate(GLYPHS, CJK_SAMPLE)
    assert not any(found["likeMissing"]), "CJK characters render as boxes: install fonts-noto-cjk"
    assert found["distinct"] == len(CJK_SAMPLE)
