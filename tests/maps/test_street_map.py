"""Street maps and the district index from a store, on each backend, and their commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geo.errors import InputError, NotFoundError
from geo.store import Store
from maps import external_urls, read_street, render_html, street_map, write_district
from maps.offline import leaflet_css
from scripts.cli import app
from tests.maps.conftest import AS_OF, FENGHUANG, QIANJIN, XSS_NOTE, MapSample


@pytest.mark.parametrize("name", ["前进", "前进街道", QIANJIN])
def test_street_is_found_by_short_name_full_name_or_code(store: Store, sample: MapSample,
                                                         name: str) -> None:
    with store.session() as session:
        data = read_street(session, name, as_of=AS_OF)
    assert data.code == QIANJIN
    assert sorted(data.parcels["code"]) == sorted(sample.codes[QIANJIN])
    assert data.figures["parcels"] == len(sample.codes[QIANJIN])
    assert data.figures["by_status"]["violation"] == 1
    assert data.figures["sheds_found"] == 5 and data.figures["demolished"] == 2


def test_street_map_is_self_contained_and_shows_every_parcel_once(store: Store,
                                                                 sample: MapSample) -> None:
    with store.session() as session:
        html = render_html(street_map(read_street(session, "前进", as_of=AS_OF)))
    assert external_urls(html) == []
    assert "cdn." not in html and "jquery" not in html.lower()
    for code in sample.codes[QIANJIN]:
        assert html.count(f'"c":"{code}"') == 1
    assert XSS_NOTE not in html  # embedded as escaped JSON, shown as text by the script
    assert "前进街道 土地巡查图" in html and "截至 2022-10-25" in html
    assert "示意数据" not in html


def test_unknown_street_and_basemap_fail_with_one_line(store: Store, sample: MapSample) -> None:
    with store.session() as session, pytest.raises(NotFoundError, match="known streets"):
        read_street(session, "不存在")
    with store.session() as session:
        data = read_street(session, "凤凰", as_of=AS_OF)
    with pytest.raises(InputError, match="unknown basemap"):
        street_map(data, basemap="bing")
    with pytest.raises(InputError, match="LANDPATROL_TIANDITU_KEY"):
        street_map(data, basemap="tianditu")


def test_district_index_links_a_page_per_street(store: Store, sample: MapSample,
                                                tmp_path: Path) -> None:
    with store.session() as session:
        files = write_district(session, tmp_path, as_of=AS_OF, lang="en")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert files[0] == tmp_path / "index.html"
    for code in (QIANJIN, FENGHUANG):
        assert (tmp_path / "streets" / f"{code}.html").is_file()
        assert f'href="streets/{code}.html"' in index
    assert "District total" in index and external_urls(index) == []
    assert "Schematic data" in (tmp_path / "streets" / f"{FENGHUANG}.html").read_text("utf-8")
    assert '"h":"streets/440106020.html"' in index


def test_leaflet_css_carries_its_images_inline() -> None:
    css = leaflet_css()
    assert "images/" not in css and css.count("data:image/png;base64,") >= 3
    assert not re.search(r"url\((?!data:|#)", css)  # `#default#VML` is a fragment


def test_map_commands_write_files_and_report_errors_in_one_line(
    store: Store, sample: MapSample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LANDPATROL_TIANDITU_KEY", raising=False)
    runner = CliRunner()
    base = ["--db", store.url, "map"]
    out = tmp_path / "qj.html"
    result = runner.invoke(app, [*base, "street", "前进", "--out", str(out), "--as-of",
                                 "2022-10-25", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Qianjin" not in out.read_text("utf-8") and "as of 2022-10-25" in out.read_text("utf-8")
    result = runner.invoke(app, [*base, "all", "--out", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "all" / "streets" / f"{FENGHUANG}.html").is_file()
    bad = runner.invoke(app, [*base, "street", "前进", "--basemap", "tianditu"])
    assert bad.exit_code == InputError.exit_code
    assert "Traceback" not in bad.output
    missing = runner.invoke(app, [*base, "street", "nowhere"])
    assert missing.exit_code == NotFoundError.exit_code
