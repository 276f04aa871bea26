"""The Tianhe demo: the 2022 rectification report's situation as data, end to end.

From nothing to maps, report and exports, through the same services the
commands use: the generated streets and parcels are written as GeoPackages
and loaded by the real importers, the inspections as a field-record CSV, the
ledger as CSVs; then the state history is replayed, and every output is
built as of the report date, 2022-10-25. Run it again and it rebuilds
everything it wrote, and nothing else.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

import cases.models  # noqa: F401  (every table on Base.metadata, to tell ours from foreign ones)
from cases.inspect_import import import_inspections
from cases.issues import add_note, set_state
from cases.ledger_io import export_ledger, import_ledger
from cases.report import build_report
from cases.report_docx import write_docx
from cases.report_sections import number
from cases.report_text import measures_sentence, render_report, summary_sentence
from cases.status.export_rows import StatusQuery, export_status
from geo.errors import ConflictError
from geo.orm import Base
from geo.store import Store, open_store
from layers.export_spec import ExportOptions
from layers.models import ImportRun
from layers.parcels_import import ReadOptions, import_parcels
from layers.streets_import import import_streets
from maps import write_district
from scripts import demo_history, demo_ledger
from scripts.demo_parcels import parcel_geometries, representative_points, write_parcels
from scripts.demo_streets import write_streets
from scripts.migrate import downgrade, upgrade

REPORT_DATE = "2022-10-25"
ACTOR = "demo"
DEFAULT_DB = "demo/tianhe.sqlite"
DEFAULT_OUT = Path("demo/out")
# What the demo writes under --out; a re-run removes exactly these.
OUTPUTS = ("data", "maps", "exports", "report.zh.md", "report.en.md", "report.json", "report.zh.docx")
# Tables a PostGIS database has of its own; anything else not ours means a foreign database.
SYSTEM_TABLES = frozenset({"spatial_ref_sys", "alembic_version", "topology", "layer"})

Say = Callable[[str], None]


@dataclass
class DemoResult:
    """What the demo wrote, and the report's figures, for the summary and the tests."""

    db_url: str
    out: Path
    report: dict = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0


def fresh_store(url: str) -> Store:
    """An empty, current schema at `url`, refusing any database that holds someone's data.

    Only an earlier demo store is replaced: a SpatiaLite file (and its media
    folder) is deleted and made anew; on a server, landpatrol's tables are
    dropped by the migrations' downgrade and made again by their upgrade.
    """
    store = open_store(url)
    path = store.file_path()
    if path is None or path.exists():
        _check_replaceable(store)
    if path is not None:
        store.dispose()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        shutil.rmtree(store.media_dir(), ignore_errors=True)
        store = open_store(url)
    elif "alembic_version" in sa.inspect(store.engine).get_table_names():
        downgrade(store)
    upgrade(store)
    return store


def _check_replaceable(store: Store) -> None:
    """Refuse a database with tables that are not landpatrol's, or data not written by the demo."""
    where = store.file_path() or store.engine.url.render_as_string()
    try:
        tables = set(sa.inspect(store.engine).get_table_names())
    except sa.exc.DatabaseError:
        if store.file_path() is None:
            raise
        tables = set()  # not even SQLite
    if store.file_path() is not None and "parcels" not in tables:
        raise ConflictError(f"{where} exists and is not a landpatrol demo store; remove it or "
                            "give the demo another --db")
    foreign = sorted(tables - set(Base.metadata.tables) - SYSTEM_TABLES)
    if store.file_path() is None and foreign:
        raise ConflictError(f"the database {where} holds tables that are not landpatrol's "
                            f"({', '.join(foreign[:5])}); give the demo an empty database")
    if "import_runs" in tables:
        with store.session() as session:
            actors = set(session.scalars(sa.select(ImportRun.actor).distinct()))
        if actors - {ACTOR}:
            raise ConflictError(f"{where} holds landpatrol data not written by the demo "
                                f"(imported by {', '.join(sorted(actors - {ACTOR}))}); "
                                "the demo replaces only its own store")


def shown_url(url: str) -> str:
    """The URL as printed: the password hidden."""
    return make_url(url).render_as_string(hide_password=True) if "://" in url else url


def _clean(out: Path) -> None:
    """Remove what an earlier run wrote under `out`, and only that."""
    for name in OUTPUTS:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def load_dataset(store: Store, data: Path, say: Say) -> None:
    """Generate the dataset as files and load them through the importers; replay the issue history."""
    data.mkdir(parents=True, exist_ok=True)
    streets = import_streets(store, write_streets(data / "streets.gpkg"), actor=ACTOR, schematic=True)
    say(f"街道:导入 {streets.created} 个(示意边界)")
    geoms = parcel_geometries()
    parcels_file = data / "parcels.gpkg"
    for kind, layer in write_parcels(parcels_file, geoms).items():
        report = import_parcels(store, parcels_file, kind=kind, actor=ACTOR,
                                read_options=ReadOptions(layer=layer))
        say(f"地块:{kind} 导入 {report.created} 块")
    inspections_file = data / "inspections.csv"
    demo_history.write_inspections(inspections_file, representative_points(geoms))
    with store.session() as session:
        result = import_inspections(session, inspections_file, actor=ACTOR)
    say(f"巡查记录:导入 {result.written} 条(2022-03-17 至 {REPORT_DATE})")
    issues_file, measures_file = data / "issues.csv", data / "measures.csv"
    demo_ledger.write_ledger(issues_file, measures_file)
    with store.session() as session:
        counts = import_ledger(session, issues_file, measures_path=measures_file, actor=ACTOR)
        for ref, day, state, note in demo_ledger.HISTORY:
            if state is None:
                add_note(session, ref=ref, text=note, on=day, actor=ACTOR)
            else:
                set_state(session, ref=ref, state=state, on=day, note=note, actor=ACTOR)
    say(f"整改台账:问题 {counts['issues']} 个、措施 {counts['measures']} 条、关联地块 "
        f"{counts['links']} 处、进展记录 {len(demo_ledger.HISTORY)} 条")


def write_outputs(store: Store, out: Path, result: DemoResult, say: Say) -> None:
    """Maps, the report in three forms, and the exports, all as of the report date."""
    with store.session() as session:
        files = write_district(session, out / "maps", as_of=REPORT_DATE, lang="zh")
        result.files["maps"] = files[0]
        say(f"地图:总览 1 张、街道地图 {len(files) - 1} 张")
        reports = {lang: build_report(session, as_of=REPORT_DATE, lang=lang) for lang in ("zh", "en")}
    for lang, report in reports.items():
        path = out / f"report.{lang}.md"
        path.write_text(render_report(report, "md", lang), encoding="utf-8")
        result.files[f"report.{lang}"] = path
    result.files["report.json"] = out / "report.json"
    result.files["report.json"].write_text(render_report(reports["zh"], "json"), encoding="utf-8")
    result.files["report.docx"] = out / "report.zh.docx"
    write_docx(reports["zh"], result.files["report.docx"], "zh")
    result.report = reports["zh"]
    say("报告:中文、英文 Markdown 与 JSON")
    _write_exports(store, out / "exports", result, say)


def _write_exports(store: Store, folder: Path, result: DemoResult, say: Say) -> None:
    """The status layer as a GeoPackage and the ledger as Excel."""
    folder.mkdir(parents=True, exist_ok=True)
    status = export_status(store, folder / "tianhe-status.gpkg", StatusQuery(as_of=REPORT_DATE),
                           ExportOptions(overwrite=True), lang="zh", actor=ACTOR)
    result.files["status"] = status.path
    with store.session() as session:
        result.files["ledger"] = export_ledger(session, folder / "ledger.xlsx", lang="zh",
                                               as_of=REPORT_DATE)
    say(f"导出:地块状态 {status.rows} 块(GeoPackage)、整改台账(Excel)")


def run_demo(db_url: str = DEFAULT_DB, out: Path = DEFAULT_OUT, say: Say = print) -> DemoResult:
    """Build the demo store at `db_url` and write maps, report and exports under `out`."""
    started = time.perf_counter()
    out = Path(out)
    result = DemoResult(db_url=db_url, out=out)
    say(f"[1/4] 新建数据库 {shown_url(db_url)}")
    store = fresh_store(db_url)
    _clean(out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        say("[2/4] 生成并导入演示数据(街道、地块、巡查记录、整改台账)")
        load_dataset(store, out / "data", say)
        say(f"[3/4] 生成地图、报告和导出文件(截至 {REPORT_DATE})")
        write_outputs(store, out, result, say)
    finally:
        store.dispose()
    result.seconds = time.perf_counter() - started
    say("[4/4] 完成")
    return result


def summary(result: DemoResult) -> str:
    """The closing lines: the report's headline figures and where everything is."""
    report = result.report
    lines = [f"截至 {report['as_of_date']}:{summary_sentence(report['issues'], 'zh')}。",
             measures_sentence(report["issues"], "zh")]
    lines += [f"  {k['label']}: {k['parcels']} 块, {number(k['area_mu'])} 亩 = {number(k['area_ha'])} 公顷"
              f" = {number(k['area_m2'])} m², 分布在 {len(k['streets'])} 个街道"
              for k in report.get("kinds", [])]
    labels = {"maps": "地图总览", "report.zh": "报告(中文)", "report.en": "报告(英文)",
              "report.json": "报告(JSON)", "report.docx": "报告(Word)", "status": "地块状态图层",
              "ledger": "整改台账"}
    lines += [f"  {labels[key]}: {path}" for key, path in result.files.items()]
    lines += [f"  {line}" for line in result.skipped]
    lines.append(f"数据库: {shown_url(result.db_url)}    用时 {result.seconds:.1f} 秒")
    return "\n".join(lines)
