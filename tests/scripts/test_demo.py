"""The Tianhe demo, end to end on each backend: the source report's figures come out of the data.

One demo run per backend (module-scoped); every test reads what it wrote.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pyogrio
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from geo.errors import ConflictError
from geo.store import open_store
from geo.units import m2_to_mu
from layers.models import Parcel
from scripts.cli import app
from scripts.demo import fresh_store, run_demo
from scripts.demo_ledger import ISSUES
from scripts.demo_parcels import FARMLAND, FOREST, ILLEGAL, parcel_geometries
from scripts.demo_streets import STREETS
from tests.conftest import BACKENDS, _drop_database, _pg_url, _scratch_database

QIANJIN, LONGDONG, FENGHUANG, CHANGXING = "440106020", "440106018", "440106019", "440106017"
pytestmark = pytest.mark.slow  # a demo run per backend, about 5 s each

FARMLAND_STREETS = {"440106019", "440106018", "440106020", "440106001", "440106022"}


@dataclass(frozen=True)
class Run:
    """One demo run through the command: where it wrote, and the report.json it wrote."""

    db_url: str
    out: Path
    report: dict[str, Any]
    printed: str


def _run_command(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        for key, value in env.items():
            patch.setenv(key, value)
        result = CliRunner().invoke(app, ["demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module", params=BACKENDS)
def demo_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """`landpatrol demo`, run once on each backend.

    On SpatiaLite with the defaults and $LANDPATROL_DB naming another store,
    which the demo must leave alone.
    """
    folder = tmp_path_factory.mktemp(f"demo-{request.param}")
    if request.param == "spatialite":
        precious = folder / "precious.sqlite"
        printed = _run_command([], folder, {"LANDPATROL_DB": f"sqlite:///{precious}"})
        assert not precious.exists()
        out = folder / "demo" / "out"
        yield Run(f"sqlite:///{folder / 'demo' / 'tianhe.sqlite'}", out,
                  json.loads((out / "report.json").read_text("utf-8")), printed)
        return
    admin = request.getfixturevalue("postgis_admin")
    name = f"landpatrol_demo_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        url, out = _pg_url(admin, name), folder / "out"
        printed = _run_command(["--db", url, "--out", str(out)], folder, {})
        yield Run(url, out, json.loads((out / "report.json").read_text("utf-8")), printed)
    finally:
        _drop_database(admin, name)


def _street(report: dict[str, Any], code: str) -> dict[str, Any]:
    return next(s for s in report["streets"] if s["code"] == code)


def _kinds(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's figures per parcel kind, by kind."""
    return {k["kind"]: k for k in report["kinds"]}


# --- the report's figures ---------------------------------------------------------------------

def test_issues_states_and_measures(demo_run: Run) -> None:
    issues = demo_run.report["issues"]
    assert demo_run.report["as_of_date"] == "2022-10-25"
    assert issues["total"] == 20
    assert issues["by_state"] == {"done": 14, "basically_done": 1, "in_progress": 5}
    assert issues["measures"] == 83
    assert [c["category"] for c in demo_run.report["categories"]] == [1, 2, 3, 4, 5]
    assert sum(c["issues"] for c in demo_run.report["categories"]) == 20
    assert demo_run.report["summary"] == "共20项整改任务,已完成14项、基本完成1项,其余5项正在推进"


def test_qianjin_guard_huts(demo_run: Run) -> None:
    qianjin = _street(demo_run.report, QIANJIN)
    assert qianjin["sheds_found"] == 97  # rectified: none standing any more
    assert qianjin["sheds_standing"] == 0
    assert qianjin["demolished"] == 58
    assert qianjin["by_status"]["rectified"] == 3


def test_longdong_sheds_and_tool_houses(demo_run: Run) -> None:
    longdong = _street(demo_run.report, LONGDONG)
    assert longdong["sheds_found"] == 25
    assert longdong["demolished"] == 25
    assert longdong["rebuilt"] == 23
    assert longdong["sheds_standing"] == 0


def test_fenghuang_still_in_progress(demo_run: Run) -> None:
    fenghuang = _street(demo_run.report, FENGHUANG)
    assert fenghuang["sheds_standing"] > 0
    assert fenghuang["by_status"]["rectifying"] >= 1  # 金鸡 plot and the 自然课堂 remains


def test_storage_plot_overdue(demo_run: Run) -> None:
    assert _street(demo_run.report, CHANGXING)["overdue"] == 1
    assert demo_run.report["district"]["overdue"] == 1


def test_farmland_mu_in_five_streets(demo_run: Run) -> None:
    farmland = _kinds(demo_run.report)["basic_farmland"]
    assert farmland["area_mu"] == pytest.approx(1344.57, abs=0.01)
    assert {s["code"] for s in farmland["streets"]} == FARMLAND_STREETS


def test_forest_patch_hectares(demo_run: Run) -> None:
    forest = _kinds(demo_run.report)["forest_patch"]
    assert forest["area_ha"] == pytest.approx(1.92, abs=0.005)
    assert forest["parcels"] == 3 and {s["code"] for s in forest["streets"]} == {"440106022"}


def test_illegal_land_still_occupied(demo_run: Run) -> None:
    streets = {s["code"]: s for s in _kinds(demo_run.report)["illegal_land"]["streets"]}
    occupied = streets[LONGDONG]["area_m2"] + streets[FENGHUANG]["area_m2"]
    assert occupied == pytest.approx(5176.28, abs=0.01)


# --- the outputs ------------------------------------------------------------------------------

def test_maps_for_every_street(demo_run: Run) -> None:
    maps = demo_run.out / "maps" / "index.html"
    assert maps.is_file()
    for street in STREETS:
        page = maps.parent / "streets" / f"{street.code}.html"
        assert page.is_file(), street.name
    assert "示意" in (maps.parent / "streets" / f"{QIANJIN}.html").read_text("utf-8")


def test_reports_in_both_languages(demo_run: Run) -> None:
    zh = (demo_run.out / "report.zh.md").read_text("utf-8")
    en = (demo_run.out / "report.en.md").read_text("utf-8")
    assert "共20项整改任务,已完成14项、基本完成1项,其余5项正在推进" in zh
    assert "共提出83条整改措施" in zh
    assert "20 rectification tasks" in en
    assert len(docx.Document(str(demo_run.out / "report.zh.docx")).inline_shapes) == 2


def test_exports_open(demo_run: Run) -> None:
    status = demo_run.out / "exports" / "tianhe-status.gpkg"
    layers = {name for name, _type in pyogrio.list_layers(status)}
    assert {"basic_farmland", "forest_patch", "illegal_land", "storage_plot",
            "temporary_land"} <= {name.split(".")[-1] for name in layers} | layers
    rows = sum(len(pyogrio.read_dataframe(status, layer=name)) for name, kind in
               pyogrio.list_layers(status) if kind is not None)
    assert rows == 23
    book = openpyxl.load_workbook(demo_run.out / "exports" / "ledger.xlsx", read_only=True)
    sheets = [book[name] for name in book.sheetnames]
    assert [sheet.max_row - 1 for sheet in sheets[:2]] == [20, 83]


def test_progress_is_printed(demo_run: Run) -> None:
    assert "[1/4]" in demo_run.printed and "[4/4]" in demo_run.printed
    assert "巡查记录:导入 88 条" in demo_run.printed
    assert "地图总览" in demo_run.printed and "用时" in demo_run.printed


# --- re-runs, refusals, the command -----------------------------------------------------------

def _parcel_count(url: str) -> int:
    store = open_store(url)
    try:
        with store.session() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(Parcel))
    finally:
        store.dispose()


@pytest.fixture
def demo_copy(demo_run: Run, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A copy of the demo store, so a test may replace it whatever runs after it."""
    if demo_run.db_url.startswith("sqlite"):
        copy = tmp_path / "copy.sqlite"
        shutil.copyfile(demo_run.db_url.removeprefix("sqlite:///"), copy)
        yield f"sqlite:///{copy}"
        return
    template = sa.make_url(demo_run.db_url).database
    with _scratch_database(request.getfixturevalue("postgis_admin"), "landpatrol_copy", template) as url:
        yield url


def test_rerun_replaces_the_store(demo_run: Run, demo_copy: str) -> None:
    """A re-run on a demo store starts from an empty, current schema (and leaves other stores alone)."""
    assert _parcel_count(demo_copy) == 23
    fresh_store(demo_copy).dispose()
    assert _parcel_count(demo_copy) == 0
    assert _parcel_count(demo_run.db_url) == 23


def test_rerun_rebuilds_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "maps").mkdir(parents=True)
    (out / "maps" / "stale.html").write_text("old")
    (out / "notes.txt").write_text("mine")
    store = tmp_path / "demo.sqlite"
    store.write_bytes(b"")  # not a store: refused before anything under out is touched
    with pytest.raises(ConflictError):
        run_demo(f"sqlite:///{store}", out, say=lambda _line: None)
    assert (out / "maps" / "stale.html").exists()
    store.unlink()
    result = run_demo(f"sqlite:///{store}", out, say=lambda _line: None)
    assert result.report["issues"]["total"] == 20
    assert not (out / "maps" / "stale.html").exists()
    assert (out / "notes.txt").read_text() == "mine"


def test_refuses_a_store_with_other_data(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    other.write_bytes(b"")
    with pytest.raises(ConflictError, match="not a landpatrol demo store"):
        fresh_store(f"sqlite:///{other}")
    assert other.exists()


# --- the dataset itself, without a store ------------------------------------------------------

def test_dataset_areas_are_exact() -> None:
    from geo.measure import areas_m2

    geoms = parcel_geometries()

    def total(parcels: tuple) -> float:
        return float(areas_m2([geoms[p.code] for p in parcels]).sum())

    assert m2_to_mu(total(FARMLAND)) == pytest.approx(1344.57, abs=0.001)
    assert {p.street for p in FARMLAND} == {"凤凰", "龙洞", "前进", "五山", "新塘"}
    assert total(FOREST) == pytest.approx(19_200.0, abs=0.01)
    assert total(ILLEGAL[1:]) == pytest.approx(5176.28, abs=0.01)
    assert len(ISSUES) == 20 and sum(len(i.measures) for i in ISSUES) == 83
