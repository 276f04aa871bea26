"""A street of 20,000 parcels in Chromium: parcels come by vector tiles, a click opens a popup.

Debian's /usr/bin/chromium through Playwright against a real uvicorn on
127.0.0.1 over a SpatiaLite store; any request elsewhere is blocked and fails the test.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers.parcels_import import FieldOptions, import_parcels
from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import PASSWORD, Site, running

pytestmark = pytest.mark.browser
SIDE, STEP, COLUMNS, COUNT = 0.00025, 0.0003, 150, 20_000  # about 25 m parcels, 30 m apart
ORIGIN = (113.43, 23.14)  # clear of the sample's parcels
# The centre of an SVG parcel drawn wholly inside the map, or null while none is.
A_DRAWN_PARCEL = """() => {
  const frame = document.getElementById("tile-map").getBoundingClientRect();
  for (const path of document.querySelectorAll("#tile-map path.leaflet-interactive")) {
    const r = path.getBoundingClientRect();
    if (r.width > 4 && r.height > 4 && r.left > frame.left + 60 && r.right < frame.right - 60
        && r.top > frame.top + 60 && r.bottom < frame.bottom - 60) {
      return [r.left + r.width / 2, r.top + r.height / 2];
    }
  }
  return null;
}"""


@pytest.fixture(scope="module")
def big_street(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The web sample plus 20,000 parcels on 前进街道, imported from a GeoPackage."""
    path = tmp_path_factory.mktemp("big") / "big.gpkg"
    west = [ORIGIN[0] + (i % COLUMNS) * STEP for i in range(COUNT)]
    south = [ORIGIN[1] + (i // COLUMNS) * STEP for i in range(COUNT)]
    squares = shapely.box(west, south, [w + SIDE for w in west], [s + SIDE for s in south])
    frame = gpd.GeoDataFrame({"code": [f"BIG-{i:05d}" for i in range(COUNT)], "street": QIANJIN,
                              "name": [f"大田{i}号" for i in range(COUNT)]}, geometry=squares, crs=4490)
    frame.to_file(path, driver="GPKG")
    import_parcels(site.store, path, kind="basic_farmland", actor="test",
                   fields=FieldOptions(street="street"))
    return site


def test_a_street_of_20000_parcels_draws_by_tiles_and_opens_a_popup(
    big_street: Site, browser: object,
) -> None:
    from playwright.sync_api import expect

    outside: list[str] = []
    tiles: list[str] = []
    with running(big_street.app) as base:
        context = browser.new_context(viewport={"width": 1000, "height": 800})  # type: ignore[attr-defined]
        context.route(lambda url: not url.startswith((base, "data:")),
                      lambda route: (outside.append(route.request.url), route.abort()))
        page = context.new_page()
        page.on("request", lambda request: tiles.append(request.url) if "/tiles/" in request.url else None)
        page.goto(f"{base}/login")
        for field, value in (("name", "boss"), ("password", PASSWORD)):
            page.fill(f"input[name={field}]", value)
        with page.expect_navigation():
            page.press("input[name=password]", "Enter")
        page.goto(f"{base}/streets/{QIANJIN}")
        assert page.locator("iframe#street-map").count() == 0  # no embedded map of 20,000 parcels
        page.wait_for_function(A_DRAWN_PARCEL, timeout=60_000)  # the first parcels are drawn
        page.wait_for_load_state("networkidle")  # the view has settled: its tiles are in
        x, y = page.evaluate(A_DRAWN_PARCEL)
        page.mouse.click(x, y)
        popup = page.locator(".leaflet-popup-content .parcel-popup a")
        expect(popup).to_contain_text("BIG-", timeout=30_000)
        assert popup.get_attribute("href").startswith("/parcels/BIG-")
        context.close()
    assert tiles and all(f"?street={QIANJIN}" in url for url in tiles)
    assert outside == []
