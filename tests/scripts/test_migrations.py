"""Migrations stand alone, and a store made at any earlier revision upgrades to what head makes.

Every revision in Alembic's script directory is covered without listing it:
the store is filled through plain SQL written for revision 0001's schema,
which every later revision carries forward.
"""

from __future__ import annotations

import ast
import os
import random
import re
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cases.status import summaries
from cases.status.derive import status_frame
from cases.status.summaries import refresh_summaries
from geo.orm import utc_now
from geo.store import Store, open_store
from scripts import migrate
from scripts.cli import app
from scripts.migrate import STALE_TABLE, current_revision, head_revision, revisions, upgrade
from tests.conftest import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "scripts" / "migrations"
MIGRATION_FILES = sorted([MIGRATIONS / "env.py", *(MIGRATIONS / "versions").glob("*.py")])
ALLOWED_IMPORTS = {"alembic", "sqlalchemy", "geoalchemy2", *sys.stdlib_module_names}
BACKEND_PAIRS = [("spatialite", "spatialite"), ("postgis", "postgis")]


def _imported_roots(path: Path) -> set[str]:
    """The top-level packages a file imports anywhere in it ('.' for a relative import)."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add("." if node.level else (node.module or "").split(".")[0])
    return roots


@pytest.mark.parametrize("path", MIGRATION_FILES, ids=lambda p: p.name)
def test_no_migration_imports_the_application(path):
    assert _imported_roots(path) - ALLOWED_IMPORTS == set()


def test_the_import_check_sees_imports_inside_functions(tmp_path):
    sneaky = tmp_path / "0099_sneaky.py"
    sneaky.write_text("import sqlalchemy as sa\n\ndef upgrade():\n    from cases.summaries import x\n"
                      "    from . import y\n", encoding="utf-8")
    assert _imported_roots(sneaky) - ALLOWED_IMPORTS == {"cases", "."}


# --- the history every earlier revision is filled with, in revision 0001's schema ----------------

TIMESTAMP = sa.DateTime(timezone=True)
T0 = datetime(2022, 3, 1, 2, 0, tzinfo=UTC)
SQUARE = "MULTIPOLYGON((({x} 23.13, {x2} 23.13, {x2} 23.131, {x} 23.131, {x} 23.13)))"
KINDS = ("basic_farmland", "basic_farmland", "storage_plot", "forest_patch", "illegal_land", "forest_patch")
FINDINGS = {
    "sheds_count": int, "demolished_count": int, "rebuilt_count": int, "machinery_count": int,
    "vehicles_count": int, "sheds_area_m2": float, "hardened_m2": float, "abandoned_m2": float,
    "replanted_m2": float, "clothes_drying": bool, "cars_parked": bool, "debris": bool,
}


def _table(name: str, *columns: str | tuple[str, Any]) -> sa.TableClause:
    """A table as revision 0001 made it, named column by column (a tuple gives a column's type)."""
    return sa.table(name, *(sa.column(*c) if isinstance(c, tuple) else sa.column(c) for c in columns))


def _geometry(wkt: str) -> sa.ColumnElement[Any]:
    return sa.func.ST_GeomFromText(wkt, 4490)  # SpatiaLite knows the ST_ name too


def _findings(rng: random.Random) -> dict[str, Any]:
    """Findings mostly zero, sometimes set, so that the parcels reach several statuses."""
    values: dict[str, Any] = {}
    for name, kind in FINDINGS.items():
        if rng.random() > 0.3:
            values[name] = kind(0)
        else:
            values[name] = True if kind is bool else kind(rng.randint(1, 4) * (7.5 if kind is float else 1))
    return values


def _inspections(parcel_ids: list[int]) -> list[dict[str, Any]]:
    """A seeded history: up to five records per parcel, some from an import run, two corrected."""
    rng = random.Random(18)
    rows: list[dict[str, Any]] = []
    for parcel_id in parcel_ids[:-1]:  # the last parcel stays uninspected
        for n in range(rng.randint(1, 5)):
            at = T0 + timedelta(days=30 * n + rng.randint(0, 20), hours=rng.randint(0, 10))
            note = rng.choice([None, "拆除一处", "=1+1"])
            rows.append({"id": len(rows) + 1, "parcel_id": parcel_id, "inspected_at": at, "recorded_at": at,
                         "inspector": "王", "client_id": f"c{len(rows) + 1}", "supersedes_id": None,
                         "off_site": n == 0 and parcel_id == 2, "note": note,
                         "import_id": 1 if rng.random() < 0.5 else None, **_findings(rng)})
    for old in (rows[0], rows[3]):  # corrections: the same visit, recorded again a week later
        rows.append({**old, "id": len(rows) + 1, "client_id": None, "supersedes_id": old["id"],
                     "recorded_at": old["recorded_at"] + timedelta(days=7), **_findings(rng)})
    return rows


def _fill(conn: sa.Connection) -> None:
    """Parcels, inspections (corrections among them), issues and photos, as revision 0001 stores them."""
    conn.execute(sa.insert(_table("import_runs", "id", ("at", TIMESTAMP), "actor", "target", "file_name",
                                  ("report", sa.JSON))),
                 [{"id": 1, "at": T0, "actor": "王", "target": "inspections", "file_name": "field.csv",
                   "report": {"rows": 0}}])
    conn.execute(sa.insert(_table("streets", "id", "code", "name", "short_name", "schematic",
                                  ("updated_at", TIMESTAMP), "geom")).values(
        id=1, code="440106020", name="前进街道", short_name="前进", schematic=False, updated_at=T0,
        geom=_geometry(SQUARE.format(x=113.39, x2=113.42))))
    parcels = _table("parcels", "id", "code", "kind", "name", "street_code", "village", "area_m2",
                     ("properties", sa.JSON), ("created_at", TIMESTAMP), ("updated_at", TIMESTAMP), "geom")
    for i, kind in enumerate(KINDS, start=1):
        x = 113.40 + i * 0.003
        conn.execute(sa.insert(parcels).values(
            id=i, code=f"QJ-{i:03d}", kind=kind, name=f"地块{i}", street_code="440106020", village="珠村",
            area_m2=10_000.0, properties={}, created_at=T0, updated_at=T0,
            geom=_geometry(SQUARE.format(x=x, x2=x + 0.001))))
    inspections = _table("inspections", "id", "parcel_id", ("inspected_at", TIMESTAMP),
                         ("recorded_at", TIMESTAMP), "inspector", "client_id", "supersedes_id", "off_site",
                         "note", "import_id", *FINDINGS)
    conn.execute(sa.insert(inspections), _inspections(list(range(1, len(KINDS) + 1))))
    conn.execute(sa.insert(_table("photos", "id", "sha256", "media_type", "size_bytes", "original_name")),
                 [{"id": 1, "sha256": "ab" * 32, "media_type": "image/jpeg", "size_bytes": 1024,
                   "original_name": "现场.jpg"}])
    conn.execute(sa.insert(_table("inspection_photos", "inspection_id", "photo_id")),
                 [{"inspection_id": 1, "photo_id": 1}])
    issues = _table("issues", "id", "ref", "category", "title", ("partner_departments", sa.JSON), "state",
                    ("opened_on", sa.Date), ("created_at", TIMESTAMP))
    conn.execute(sa.insert(issues),
                 [{"id": 1, "ref": "3.1", "category": 3, "title": "违建窝棚", "partner_departments": [],
                   "state": "in_progress", "opened_on": date(2022, 3, 1), "created_at": T0},
                  {"id": 2, "ref": "3.2", "category": 3, "title": "建筑垃圾", "partner_departments": [],
                   "state": "in_progress", "opened_on": date(2022, 3, 2), "created_at": T0}])
    conn.execute(sa.insert(_table("issue_parcels", "issue_id", "parcel_id")),
                 [{"issue_id": 1, "parcel_id": 1}, {"issue_id": 1, "parcel_id": 2},
                  {"issue_id": 2, "parcel_id": 3}])
    conn.execute(sa.insert(_table("issue_updates", "id", "issue_id", ("on", sa.Date), "text", "state",
                                  "author", ("recorded_at", TIMESTAMP))),
                 [{"id": 1, "issue_id": 2, "on": date(2022, 6, 1), "text": "已清运", "state": "done",
                   "author": "王", "recorded_at": T0}])


# --- upgrading ----------------------------------------------------------------------------------


def _summaries(store: Store) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM parcel_summaries ORDER BY parcel_id"))]


def _schema(store: Store) -> dict[str, list[str]]:
    """Each table's column names, in order."""
    with store.engine.connect() as conn:
        inspector = sa.inspect(conn)
        return {t: [c["name"] for c in inspector.get_columns(t)] for t in sorted(inspector.get_table_names())}


def _status(store: Store, *, from_history: bool = False) -> Any:
    """Today's status of every parcel (from the summaries, or worked out from the history)."""
    with store.session() as session:
        frame = status_frame(session, as_of=utc_now() if from_history else None)
    return frame.drop(columns="days_since")


def _upgrade_paths() -> list[tuple[str, ...]]:
    """Each earlier revision, straight to head, and by way of each later one short of head."""
    earlier = revisions()[:-1]
    return [(start,) for start in earlier] + [
        (start, stop) for i, start in enumerate(earlier) for stop in earlier[i + 1 :]
    ]


@pytest.mark.parametrize(("store_url", "empty_store_url"), BACKEND_PAIRS, indirect=True,
                         ids=[backend for backend, _ in BACKEND_PAIRS])
@pytest.mark.parametrize("path", _upgrade_paths(), ids="-".join)
def test_a_store_filled_at_any_earlier_revision_upgrades_to_what_head_makes(path, store, empty_store_url):
    old = open_store(empty_store_url)
    upgrade(old, path[0])
    with old.engine.begin() as conn:
        _fill(conn)
    for stop in path[1:]:
        upgrade(old, stop)  # stopping short of head: what a migration marks stale waits for head
    result = CliRunner().invoke(app, ["--db", empty_store_url, "init"])
    assert result.exit_code == 0, result.output
    assert f"schema {path[-1]} → {head_revision()}" in result.output
    assert current_revision(old) == head_revision()
    with store.engine.begin() as conn:  # the same history stored at head, its summaries built afresh
        _fill(conn)
        refresh_summaries(conn)
    assert STALE_TABLE not in _schema(old)
    assert _schema(old) == _schema(store)
    assert _summaries(old) == _summaries(store)
    assert len(_summaries(old)) == len(KINDS) - 1
    upgraded = _status(old)
    assert upgraded.equals(_status(store))
    assert upgraded.equals(_status(old, from_history=True))
    assert set(upgraded["status"]) == {"uninspected", "violation", "overdue"}
    old.dispose()


def test_a_mark_this_version_cannot_rebuild_fails_init_and_changes_nothing(store, store_url):
    with store.engine.begin() as conn:
        _fill(conn)
        conn.execute(sa.text(f"CREATE TABLE {STALE_TABLE} (name VARCHAR(60) PRIMARY KEY)"))
        conn.execute(sa.text(f"INSERT INTO {STALE_TABLE} VALUES ('parcel_summaries'), ('parcel_forecasts')"))
    result = CliRunner().invoke(app, ["--db", store_url, "init"])
    assert result.exit_code == 5
    assert result.output == ("landpatrol: error: the store marks parcel_forecasts stale, "
                             "which this version cannot rebuild\n")
    assert _summaries(store) == []  # nothing rebuilt, the marks kept
    with store.engine.connect() as conn:
        assert len(conn.execute(sa.text(f"SELECT name FROM {STALE_TABLE}")).all()) == 2


# --- the next migration that changes the summaries ----------------------------------------------

FUTURE_MIGRATION = '''"""A migration after head adding a column to the summaries, as the next finding will."""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parcel_summaries") as batch:
        batch.add_column(sa.Column("extra_m2", sa.Float))
    op.execute("CREATE TABLE IF NOT EXISTS stale_derived_tables (name VARCHAR(60) PRIMARY KEY)")
    op.execute("INSERT INTO stale_derived_tables (name) VALUES ('parcel_summaries') ON CONFLICT DO NOTHING")


def downgrade() -> None:
    with op.batch_alter_table("parcel_summaries") as batch:
        batch.drop_column("extra_m2")
'''


@pytest.fixture
def future_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Migration 9999 after today's head, and the summaries code of that day, writing its column."""
    versions = tmp_path / "future_versions"
    versions.mkdir()
    (versions / "9999_extra.py").write_text(FUTURE_MIGRATION.format(head=head_revision()), encoding="utf-8")
    today_config, today_ctes = migrate._config, summaries.summary_ctes

    def config_with_future() -> Any:
        config = today_config()
        config.set_main_option("path_separator", "os")
        locations = os.pathsep.join([str(MIGRATIONS / "versions"), str(versions)])
        config.set_main_option("version_locations", locations)
        return config

    def ctes_with_extra(dialect: str, parcel_filter: str) -> str:
        renamed = re.sub(r"\bsummary AS( MATERIALIZED)? \(", r"summary_today AS\1 (",
                         today_ctes(dialect, parcel_filter))
        return f"{renamed}, summary AS (SELECT summary_today.*, 0.5 AS extra_m2 FROM summary_today)"

    monkeypatch.setattr(migrate, "_config", config_with_future)
    monkeypatch.setattr(summaries, "summary_ctes", ctes_with_extra)
    monkeypatch.setattr(summaries, "SUMMARY_COLUMNS", (*summaries.SUMMARY_COLUMNS, "extra_m2"))
    return "9999"


@pytest.mark.parametrize("empty_store_url", ["spatialite", "postgis"], indirect=True)
def test_a_later_migration_changing_the_summaries_leaves_the_oldest_stores_upgradable(
    future_migration, empty_store_url
):
    old = open_store(empty_store_url)
    upgrade(old, revisions()[0])
    with old.engine.begin() as conn:
        _fill(conn)
    result = CliRunner().invoke(app, ["--db", empty_store_url, "init"])
    assert result.exit_code == 0, result.output
    assert current_revision(old) == future_migration
    with old.engine.connect() as conn:
        extra = conn.execute(sa.text("SELECT DISTINCT extra_m2 FROM parcel_summaries")).scalars().all()
    assert extra == [0.5]
    assert STALE_TABLE not in _schema(old)
    assert _status(old).equals(_status(old, from_history=True))
    old.dispose()
