"""The progress report on the Tianhe demo store: which parcels, what the figures mean, Word output.

One demo store per backend (module-scoped), loaded through the demo's own
importers; every test reads reports built from it.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from typer.testing import CliRunner

from cases import report_charts
from cases.report import build_report
from cases.report_docx import docx_bytes
from cases.report_sections import number, report_sections
from cases.report_text import render_report
from geo.errors import LandpatrolError
from geo.units import m2_to_mu
from scripts.cli import app
from scripts.demo import REPORT_DATE, fresh_store, load_dataset
from tests.conftest import BACKENDS, _drop_database, _pg_url

pytestmark = pytest.mark.slow  # a demo store per backend, a few seconds each

CHANGXING, LONGDONG, FENGHUANG, QIANJIN = "440106017", "440106018", "440106019", "440106020"
LATER = "2023-06-01"  # past the 2022-12-31 deadlines of 1-3, 2-4, 3-3, 5-1 and 5-2


@dataclass(frozen=True)
class Demo:
    """The demo store's URL and its reports: zh and en at the report date, zh at a later day."""

    url: str
    zh: dict[str, Any]
    en: dict[str, Any]
    later: dict[str, Any]


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp(f"report-{request.param}")
    admin, name = None, f"landpatrol_report_{uuid.uuid4().hex[:10]}"
    if request.param == "spatialite":
        url = f"sqlite:///{folder / 'tianhe.sqlite'}"
    else:
        admin = request.getfixturevalue("postgis_admin")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        url = _pg_url(admin, name)
    try:
        store = fresh_store(url)
        load_dataset(store, folder / "data", lambda _line: None)
        with store.session() as session:
            reports = [build_report(session, as_of=day, lang=lang)
                       for day, lang in ((REPORT_DATE, "zh"), (REPORT_DATE, "en"), (LATER, "zh"))]
        store.dispose()
        yield Demo(url, *reports)
    finally:
        if admin is not None:
            _drop_database(admin, name)


def _markdown_section(markdown: str, heading: str) -> str:
    """The text under `## heading`, up to the next heading."""
    return markdown.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def _listed(report: dict[str, Any], status: str) -> dict[str, list[str]]:
    return {s["code"]: [p["code"] for p in s["parcels"]] for s in report["parcel_lists"][status]}


# --- what the report says ---------------------------------------------------------------------

def test_past_deadline_names_the_linked_parcels(demo: Demo) -> None:
    late = {i["ref"]: i for i in demo.later["past_deadline"]}
    assert set(late) == {"1-3", "2-4", "3-3", "5-1", "5-2"}
    fenghuang_farmland = [f"JBNT-{FENGHUANG}-0{n}" for n in range(1, 5)]
    assert late["1-3"]["parcels"] == ",".join(fenghuang_farmland)
    assert late["2-4"]["parcels"] == f"LSYD-{FENGHUANG}-01"
    table = _markdown_section(render_report(demo.later, "md", "zh"), "逾期未完成的整改任务")
    row = next(line for line in table.splitlines() if line.startswith("| 1-3 |"))
    assert row.split(" | ")[-1] == "、".join(fenghuang_farmland) + " |"
    assert f"| LSYD-{FENGHUANG}-01 |" in table


def test_parcel_lists_name_the_parcels_by_street(demo: Demo) -> None:
    assert _listed(demo.zh, "violation") == {
        CHANGXING: [f"WFYD-{CHANGXING}-01"], LONGDONG: [f"WFYD-{LONGDONG}-02"],
        FENGHUANG: [f"WFYD-{FENGHUANG}-01"]}
    assert _listed(demo.zh, "rectifying") == {
        FENGHUANG: [f"JBNT-{FENGHUANG}-01", f"JBNT-{FENGHUANG}-03", f"LSYD-{FENGHUANG}-01"]}
    assert _listed(demo.zh, "recurrence") == {}
    overdue = demo.zh["parcel_lists"]["overdue"]
    assert [s["name"] for s in overdue] == ["长兴街道"]
    storage = overdue[0]["parcels"][0]
    assert storage["code"] == f"CBTD-{CHANGXING}-01" and storage["name"] == "长湴三鸟市场收储地块"
    assert storage["area_m2"] == 28000.0 and storage["days_since"] == 47
    markdown = render_report(demo.zh, "md", "zh")
    assert (f"| 长兴街道 | WFYD-{CHANGXING}-01 | 石狮陇地块 | 违法用地 | 980 | 35 |"
            in _markdown_section(markdown, "地块清单:违法违规"))
    assert _markdown_section(markdown, "地块清单:新增反弹").strip() == "无"
    english = render_report(demo.en, "md", "en")
    short = next(s["name"] for s in demo.en["streets"] if s["code"] == CHANGXING)  # the short name
    assert (f"| {short} | CBTD-{CHANGXING}-01 | 长湴三鸟市场收储地块 | Storage plot | 28,000 | 47 |"
            in _markdown_section(english, "Parcels: Overdue"))


def test_area_by_status_of_each_kind(demo: Demo) -> None:
    kinds = {k["kind"]: k for k in demo.zh["kinds"]}
    illegal = kinds["illegal_land"]["area_by_status"]
    assert illegal["violation"] == {"parcels": 3, "area_m2": pytest.approx(980 + 1852.34 + 887.44)}
    assert illegal["rectified"] == {"parcels": 1, "area_m2": pytest.approx(2436.5)}
    for kind in kinds.values():
        parts = kind["area_by_status"].values()
        assert sum(p["parcels"] for p in parts) == kind["parcels"]
        assert sum(p["area_m2"] for p in parts) == pytest.approx(kind["area_m2"], abs=0.05)
    table = _markdown_section(render_report(demo.zh, "md", "zh"), "各类地块按状态的面积")
    assert "| 违法用地 | 违法违规 | 3 | 3,719.78 |" in table
    assert "| 违法用地 | 已整改 | 1 | 2,436.50 |" in table


def test_district_area_is_filled_in(demo: Demo) -> None:
    district = demo.zh["district"]
    total_m2 = sum(k["area_m2"] for k in demo.zh["kinds"])
    assert district["area_m2"] == pytest.approx(total_m2, abs=0.05)
    assert district["area_mu"] == pytest.approx(m2_to_mu(total_m2), abs=0.01)
    assert district["area_mu"] == pytest.approx(sum(s["area_mu"] for s in demo.zh["streets"]), abs=0.05)
    lines = render_report(demo.zh, "md", "zh").splitlines()
    row = next(line for line in lines if line.startswith("| 全区 |"))
    assert row.split(" | ")[9] == number(district["area_mu"]) == "1,442.60"


def test_numbers_read_as_people_write_them(demo: Demo) -> None:
    markdown = render_report(demo.zh, "md", "zh")
    kinds = _markdown_section(markdown, "各类地块面积")
    assert "| 永久基本农田 | 14 | 896,380 | 1,344.57 | 89.638 |" in kinds
    assert "| 林地图斑 | 3 | 19,200 | 28.80 | 1.92 |" in kinds
    assert not re.search(r"\d\.0 |\d{4,}\.\d", markdown)  # no 896380.0, no ungrouped thousands
    assert "896,380" in render_report(demo.zh, "html", "zh")


def test_sheds_that_do_not_add_up_are_explained(demo: Demo) -> None:
    streets = {s["code"]: s for s in demo.zh["streets"]}
    assert (streets[QIANJIN]["sheds_found"], streets[QIANJIN]["demolished"]) == (97, 58)
    assert streets[QIANJIN]["sheds_other"] == 39
    assert streets[LONGDONG]["sheds_other"] == streets[FENGHUANG]["sheds_other"] == 0
    zh = _markdown_section(render_report(demo.zh, "md", "zh"), "各街道地块情况")
    assert "前进街道:发现窝棚97间,已拆除58间,现存0间;其余39间未记录拆除" in zh
    assert "发现窝棚:各地块历次巡查所见窝棚数的最大值之和" in zh
    assert "龙洞街道:发现" not in zh  # 25 found, 25 demolished: nothing to explain
    en = _markdown_section(render_report(demo.en, "md", "en"), "Parcels by street")
    short = next(s["name"] for s in demo.en["streets"] if s["code"] == QIANJIN)
    assert f"{short}: 97 sheds found, 58 demolished, 0 standing; the other 39" in en


def test_times_are_beijing_time(demo: Demo) -> None:
    assert demo.zh["as_of"] == "2022-10-25T23:59:59+08:00"
    assert demo.zh["as_of_text"] == "2022-10-25 23:59"
    assert "截至 2022-10-25 23:59(北京时间)" in render_report(demo.zh, "md", "zh")
    assert "As of 2022-10-25 23:59 (Beijing time)" in render_report(demo.en, "md", "en")


def test_source_figures_and_earlier_keys_stay(demo: Demo) -> None:
    report = json.loads(render_report(demo.zh, "json"))
    assert report["summary"] == "共20项整改任务,已完成14项、基本完成1项,其余5项正在推进"
    assert (report["issues"]["measures"], report["issues"]["total"]) == (83, 20)
    assert {"version", "as_of", "as_of_date", "lang", "issues", "categories", "district", "kinds",
            "streets", "past_deadline", "done_with_violation"} <= set(report)
    assert {"ref", "title", "state", "deadline", "lead_department", "violating_parcels"} <= set(
        report["done_with_violation"][0])
    kinds = {k["kind"]: k for k in report["kinds"]}
    assert kinds["basic_farmland"]["area_mu"] == pytest.approx(1344.57, abs=0.005)
    assert kinds["forest_patch"]["area_ha"] == pytest.approx(1.92, abs=0.005)


def test_progress_counts_measures_done_by_day(demo: Demo) -> None:
    steps = demo.zh["progress"]
    assert steps[-1]["measures_done"] == demo.zh["issues"]["measures_done"] == 72
    assert [s["date"] for s in steps] == sorted(s["date"] for s in steps)
    assert all(a["measures_done"] < b["measures_done"] for a, b in itertools.pairwise(steps))
    assert steps[-1]["date"] <= REPORT_DATE


# --- the Word report and its charts ---------------------------------------------------------

def _png_is_drawn(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and image.width > 400 and image.height > 200
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or ()) > 20  # drawn, not blank
    return image


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_charts_are_real_images_with_every_glyph(demo: Demo, lang: str) -> None:
    report = demo.zh if lang == "zh" else demo.en
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for boxes
        charts = [report_charts.status_by_street(report, lang), report_charts.progress(report, lang)]
    for data in charts:
        _png_is_drawn(data)


def test_docx_holds_the_same_sections_and_two_charts(demo: Demo) -> None:
    document = docx.Document(io.BytesIO(docx_bytes(demo.zh, "zh")))
    sections = report_sections(demo.zh, "zh")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [s.heading for s in sections] + ["图表"]
    assert document.paragraphs[0].text == "巡察整改进展情况"
    texts = [p.text for p in document.paragraphs]
    assert "共20项整改任务,已完成14项、基本完成1项,其余5项正在推进。" in texts
    assert any(t.startswith("前进街道:发现窝棚97间,已拆除58间") for t in texts)
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in document.tables]
    assert tables == [[s.header, *s.rows] for s in sections if s.rows]
    pictures = document.inline_shapes
    assert len(pictures) == 2
    for picture in pictures:
        blip = picture._inline.graphic.graphicData.pic.blipFill.blip.embed
        _png_is_drawn(document.part.related_parts[blip].blob)


def test_an_empty_store_still_gives_a_whole_docx(store: Any) -> None:
    with store.session() as session:
        report = build_report(session, lang="zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        document = docx.Document(io.BytesIO(docx_bytes(report, "zh")))
    assert len(document.inline_shapes) == 2 and len(document.tables) == 1  # the district row only
    assert "无" in [p.text for p in document.paragraphs]


def _report(demo: Demo, *args: str) -> Any:
    return CliRunner().invoke(app, ["report", "--db", demo.url, "--as-of", REPORT_DATE, *args])


def test_report_command_writes_docx(demo: Demo, tmp_path: Path) -> None:
    target = tmp_path / "报告.docx"
    result = _report(demo, "--format", "docx", "-o", str(target), "--lang", "en")
    assert result.exit_code == 0, result.output
    document = docx.Document(str(target))
    assert document.paragraphs[0].text == "Rectification progress"
    assert len(document.inline_shapes) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["报告.docx"]


def test_report_command_refuses_docx_without_a_file(demo: Demo, tmp_path: Path) -> None:
    result = _report(demo, "--format", "docx")
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].endswith(
        "--output: a Word report needs a file, e.g. -o report.docx")
    missing = tmp_path / "no-such-folder" / "report.docx"
    result = _report(demo, "--format", "docx", "-o", str(missing))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"--output: folder {missing.parent} does not exist" in result.output
    assert not missing.parent.exists()


def test_no_cjk_font_is_a_clear_error_and_no_file(
    demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(report_charts, "CJK_FONTS", ("No Such Font CJK",))
    with pytest.raises(LandpatrolError, match=r"no Chinese font found.*fonts-noto-cjk"):
        report_charts.cjk_font()
    target = tmp_path / "report.docx"
    result = _report(demo, "--format", "docx", "-o", str(target))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "charts: no Chinese font found" in result.output
    assert list(tmp_path.iterdir()) == []


# --- numbers ----------------------------------------------------------------------------------

def test_number_examples() -> None:
    values = (896380.0, 5176.28, 2436.5, 0.6156, 89.638, 42.0, 1344, -0.0, None, "1-3")
    assert [number(v) for v in values] == [
        "896,380", "5,176.28", "2,436.50", "0.6156", "89.638", "42", "1,344", "0", "", "1-3"]


@given(st.one_of(st.integers(-10**12, 10**12),
                 st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)))
def test_number_groups_thousands_and_keeps_the_value(value: float) -> None:
    text = number(value)
    assert re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d{2,4})?", text), text
    assert float(text.replace(",", "")) == pytest.approx(round(value, 4), abs=1e-4)
