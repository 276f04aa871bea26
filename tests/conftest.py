"""Fixtures shared by every test package."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from hypothesis import settings

if TYPE_CHECKING:
    from geo.store import Store

# No per-example time limit: a deadline is a wall-clock assertion, and one slow example on a
# busy CI machine would fail a correct test. Speed is the benchmarks' job.
settings.register_profile("landpatrol", deadline=None)
settings.load_profile("landpatrol")

# The store seeded for the export tests, shared by tests/layers and tests/cases.
pytest_plugins = ("tests.layers.export_seed",)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = PROJECT_ROOT.parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The real public Tianhe files, read in place beside the project (never copied)."""
    if not REAL_DATA.is_dir():
        pytest.fail(f"real data folder missing: {REAL_DATA}")
    return REAL_DATA


# --- the store, on every backend -------------------------------------------------------------
# One fixture runs each store test on SpatiaLite and on PostGIS. The schema is
# made once per session by the real migrations into a template (a file, or a
# template database); each test gets a fresh copy of it.

PG_ENV = "LANDPATROL_TEST_PG"  # admin URL of a PostgreSQL server with PostGIS available
REQUIRE_PG_ENV = "LANDPATROL_REQUIRE_POSTGIS"  # "1": a missing PostGIS fails instead of skipping
BACKENDS = ("spatialite", "postgis")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-postgis", action="store_true",
        help="fail, not skip, the PostGIS tests when no server is configured",
    )


def _postgis_required(config: pytest.Config) -> bool:
    return bool(config.getoption("--require-postgis") or os.environ.get(REQUIRE_PG_ENV) == "1")


@pytest.fixture(scope="session")
def spatialite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SpatiaLite file with the full schema, made by `landpatrol init`'s migrations."""
    from geo.store import open_store
    from scripts.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    store.dispose()
    return path


@pytest.fixture(scope="session")
def postgis_admin(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """An autocommit engine on the test server's maintenance database."""
    url = os.environ.get(PG_ENV)
    if not url:
        message = f"PostGIS tests need {PG_ENV}=postgresql+psycopg://user:pw@host/postgres"
        if _postgis_required(request.config):
            pytest.fail(message)
        pytest.skip(message)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _pg_url(admin: sa.Engine, database: str) -> str:
    return admin.url.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgis_template(postgis_admin: sa.Engine) -> Iterator[str]:
    """A template database with PostGIS and the full schema, dropped after the session."""
    from geo.store import open_store
    from scripts.migrate import upgrade

    name = f"landpatrol_tpl_{os.getpid()}"
    with postgis_admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    store = open_store(_pg_url(postgis_admin, name))
    upgrade(store)
    store.dispose()
    yield name
    _drop_database(postgis_admin, name)


def _drop_database(admin: sa.Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@contextmanager
def _scratch_database(admin: sa.Engine, prefix: str, template: str | None = None) -> Iterator[str]:
    """URL of a new database (a copy of `template`, if given), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f" TEMPLATE {template}" if template else ""
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}{copy}"))
    try:
        yield _pg_url(admin, name)
    finally:
        _drop_database(admin, name)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, initialised store on each backend."""
    if request.param == "spatialite":
        path = tmp_path / "store.sqlite"
        shutil.copyfile(request.getfixturevalue("spatialite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin = request.getfixturevalue("postgis_admin")
    template = request.getfixturevalue("postgis_template")
    with _scratch_database(admin, "landpatrol_t", template) as url:
        yield url


@pytest.fixture
def store(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A fresh, initialised store on each backend; its media folder is in tmp_path."""
    from geo.store import open_store

    monkeypatch.setenv("LANDPATROL_MEDIA", str(tmp_path / "media"))
    opened = open_store(store_url)
    yield opened
    opened.dispose()


@pytest.fixture
def empty_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database (no schema) on the backend of the `backend` param."""
    backend = getattr(request, "param", "spatialite")
    if backend == "spatialite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    with _scratch_database(request.getfixturevalue("postgis_admin"), "landpatrol_e") as url:
        yield url


# --- the browser ---------------------------------------------------------------------------------
# Debian's Chromium driven by Playwright; never a downloaded browser. One Playwright for the
# whole session: a second sync_playwright() while the first runs fails ("inside the asyncio loop").

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium, once per session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
