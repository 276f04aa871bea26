"""Styling and the GCJ-02 shift of overlays, without a database."""

from __future__ import annotations

import json
import re
from datetime import date

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
import shapely
import shapely.geometry
from hypothesis import given
from hypothesis import strategies as st

from cases.status.rules import STATUS_COLORS, STATUSES
from maps import district_index, style
from maps.district_index import IN_VIOLATION, StreetRow, share_definition, violation_share
from maps.popups import browser_config, findings_text, parcel_properties
from maps.street_map import StreetData, render_html, street_map

GEOD = pyproj.Geod(ellps="GRS80")


def test_every_status_has_its_own_colour_and_a_darker_outline() -> None:
    fills = [style.status_colour(s) for s in STATUSES]
    assert len(set(fills)) == len(STATUSES)
    assert fills == [STATUS_COLORS[s] for s in STATUSES]
    assert style.darker("#D55E00") == "#803800"
    assert style.status_colour("not-a-status") == style.UNINSPECTED_GREY


def test_share_colours_rise_with_the_share_and_cover_every_value() -> None:
    colours = [style.share_colour(x) for x in (0.0, 0.07, 0.15, 0.3, 1.0)]
    assert colours == [colour for _, colour in style.SHARE_BINS]
    assert [low for low, _, _ in style.share_bins()] == [0.0, 0.05, 0.10, 0.20, 0.40]


def _figures(parcels: int, **by_status: int) -> dict:
    return {"parcels": parcels, "by_status": {s: by_status.get(s, 0) for s in STATUSES}}


def _index_rows() -> list[StreetRow]:
    def box(x: float) -> shapely.Polygon:
        return shapely.box(113.40 + x, 23.13, 113.41 + x, 23.14)

    return [
        StreetRow("440106001", "甲街道", box(0.00), _figures(0)),
        StreetRow("440106002", "乙街道", box(0.02), _figures(4, compliant=4)),
        StreetRow("440106003", "丙街道", box(0.04), _figures(4, rectifying=1, compliant=3)),
    ]


def test_index_share_is_defined_once_and_the_map_says_what_it_counts() -> None:
    rows = _index_rows()
    assert [r.share for r in rows] == [None, 0.0, 0.25]  # 整改中 counts
    district = _figures(8, rectifying=1, compliant=7)
    html = render_html(district_index(rows, district, as_of=date(2022, 10, 25)))
    definition = share_definition("zh")
    assert definition == "违法违规占比 = （违法违规 + 整改中 + 新增反弹）地块数 ÷ 地块总数"
    assert f'<p class="lp-note">{definition}</p>' in html  # under the table
    assert html.count(definition) == 2  # and in the map's legend
    assert "12.5%" in html  # the district's share by the same definition
    assert "(Violation + Rectifying + Recurrence)" in share_definition("en")


def test_a_street_without_parcels_does_not_look_like_zero_percent() -> None:
    rows = _index_rows()
    html = render_html(district_index(rows, _figures(8, rectifying=1, compliant=7),
                                      as_of=date(2022, 10, 25)))
    drawn = {f["properties"]["c"]: f["properties"]["st"]
             for f in _layer_data(html, "districtStreets")["features"]}
    empty, zero = drawn["440106001"], drawn["440106002"]
    assert empty["fillOpacity"] == 0 and empty["dashArray"]
    assert zero["fillOpacity"] > 0.5 and "dashArray" not in zero
    assert zero["fillColor"] == style.share_colour(0.0)
    assert "lp-swatch-none" in html


@given(st.fixed_dictionaries({s: st.integers(0, 10_000) for s in STATUSES}))
def test_every_count_gives_a_share_drawn_filled_and_only_no_parcels_is_unfilled(
    counts: dict[str, int],
) -> None:
    figures = {"parcels": sum(counts.values()), "by_status": counts}
    share = violation_share(figures)
    drawn = style.share_style(share)
    if share is None:
        assert figures["parcels"] == 0 and drawn["fillOpacity"] == 0 and drawn["dashArray"]
    else:
        assert share * figures["parcels"] == pytest.approx(sum(counts[s] for s in IN_VIOLATION))
        assert 0 <= share <= 1 and drawn["fillOpacity"] > 0.5 and "dashArray" not in drawn


def test_index_map_names_every_street_at_a_point_inside_it() -> None:
    rows = _index_rows()
    html = render_html(district_index(rows, _figures(8), as_of=date(2022, 10, 25)))
    for feature in _layer_data(html, "districtStreets")["features"]:
        props = feature["properties"]
        assert props["n"] in {r.name for r in rows}
        assert shapely.geometry.shape(feature["geometry"]).contains(shapely.Point(props["lp"]))


def test_browser_config_lists_statuses_in_order_with_their_labels() -> None:
    zh, en = browser_config("zh"), browser_config("en")
    assert zh["statuses"][STATUSES.index("violation")] == "违法违规"
    assert en["statuses"][STATUSES.index("violation")] == "Violation"
    assert zh["fill"] == [style.status_colour(s) for s in STATUSES]
    assert set(zh["outlines"]) == set(style.KIND_OUTLINES)


def test_findings_text_names_what_is_there_and_skips_zeros() -> None:
    row = {"sheds_count": 3, "sheds_area_m2": 120.0, "clothes_drying": True, "debris": False,
           "hardened_m2": 0.0, "demolished_count": pd.NA}
    assert findings_text(row, "zh") == "窝棚数 3；窝棚面积(m²) 120；晾晒衣物"
    assert findings_text({"sheds_count": 0}, "en") is None


def _one_parcel_street(lon: float = 113.40, lat: float = 23.13) -> StreetData:
    square = shapely.box(lon, lat, lon + 0.001, lat + 0.001)
    parcels = gpd.GeoDataFrame(
        {"id": [1], "code": ["T-1"], "kind": ["basic_farmland"], "name": ["<b>x</b>"],
         "village": ["珠村"], "area_m2": [11344.1], "status": ["violation"],
         "last_inspected_at": pd.to_datetime(["2022-06-01T02:00Z"]), "inspections_count": [1],
         "note": ["</script><script>alert(1)</script>"], "issue_states": ["2-1:done"]},
        geometry=[shapely.MultiPolygon([square])], crs="EPSG:4490",
    )
    figures = {"parcels": 1, "by_status": {s: int(s == "violation") for s in STATUSES}}
    return StreetData("440106020", "前进街道", True, square.buffer(0.001), parcels, figures,
                      date(2022, 10, 25))


def _layer_data(html: str, function: str) -> dict:
    """The GeoJSON handed to `landpatrol.<function>(...)` in a rendered page."""
    match = re.search(rf"landpatrol\.{function}\((\{{.*?\}}\]\}})", html)
    assert match, f"no {function} layer in the page"
    return json.loads(match.group(1))


def _first_point(feature: dict) -> tuple[float, float]:
    x, y = shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))[0]
    return float(x), float(y)


def test_popup_properties_are_compact_and_keep_the_true_centre() -> None:
    props = parcel_properties(_one_parcel_street().parcels, "zh")[0]
    assert props["c"] == "T-1" and props["s"] == STATUSES.index("violation")
    assert props["a"] == 11344.1 and props["d"] == "2022-06-01 10:00" and props["i"] == "2-1:done"
    assert props["p"] == [113.4005, 23.1305]


def test_popup_shows_the_last_inspection_in_beijing_time() -> None:
    parcels = _one_parcel_street().parcels
    parcels["last_inspected_at"] = pd.to_datetime(["2022-06-01T18:30Z"])  # 02:30 next day there
    assert parcel_properties(parcels, "en")[0]["d"] == "2022-06-02 02:30"
    parcels["last_inspected_at"] = pd.Series([pd.NaT], dtype="datetime64[ns, UTC]")
    assert "d" not in parcel_properties(parcels, "zh")[0]


def _setup_bounds(html: str) -> list[list[float]]:
    match = re.search(r"landpatrol\.setup\(.*,(?: )?(\[\[[^\]]*\],\[[^\]]*\]\])\);", html)
    assert match, "no bounds handed to landpatrol.setup"
    return json.loads(match.group(1))


def test_street_map_opens_fitted_to_its_parcels_inside_the_street_outline() -> None:
    data = _one_parcel_street()  # the outline reaches 100 m beyond the parcel on every side
    html = render_html(street_map(data))
    assert _setup_bounds(html) == [pytest.approx([23.13, 113.40]), pytest.approx([23.131, 113.401])]
    assert _layer_data(html, "boundary")["features"]  # the outline is still drawn around them
    no_parcels = StreetData(data.code, data.name, False, data.outline, data.parcels.iloc[:0],
                            data.figures, data.as_of)
    west, south, east, north = data.outline.bounds
    assert _setup_bounds(render_html(street_map(no_parcels))) == [
        pytest.approx([south, west]), pytest.approx([north, east])]


def test_gaode_basemap_shifts_overlays_about_600_m_but_not_the_popup_centre() -> None:
    data = _one_parcel_street()
    plain = _layer_data(render_html(street_map(data)), "parcels")["features"][0]
    gaode = _layer_data(render_html(street_map(data, basemap="gaode")), "parcels")["features"][0]
    assert _first_point(plain) == pytest.approx((113.401, 23.13))
    moved = GEOD.inv(*_first_point(plain), *_first_point(gaode))[2]
    assert 500 < moved < 700
    assert plain["properties"]["p"] == gaode["properties"]["p"] == [113.4005, 23.1305]
    outline = _layer_data(render_html(street_map(data, basemap="gaode")), "boundary")
    true_outline = shapely.get_coordinates(data.outline)[0]
    assert GEOD.inv(*true_outline, *_first_point(outline["features"][0]))[2] > 500


def test_user_text_cannot_close_the_script_it_is_embedded_in() -> None:
    html = render_html(street_map(_one_parcel_street()))
    assert "</script><script>alert(1)" not in html
    assert "<b>x</b>" not in html
    assert "\\u003c/script\\u003e" in html


def test_schematic_street_carries_the_warning_in_both_languages() -> None:
    assert "示意数据" in render_html(street_map(_one_parcel_street()))
    assert "Schematic data" in render_html(street_map(_one_parcel_street(), lang="en"))
