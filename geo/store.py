"""The spatial store: one engine and session factory for a database URL.

The URL picks the backend (`sqlite:///file` for SpatiaLite, `postgresql+psycopg://`
for PostGIS); nothing above this module needs to know which one it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from geo.dialects import select_dialect
from geo.errors import StoreError
from geo.media import DB_CHOICE, Media, choose_media
from geo.write_turn import write_turn

ENV_VAR = "LANDPATROL_DB"
READ_ENV_VAR = "LANDPATROL_DB_READ"  # a read-only replica for exports, reports and analysts
DEFAULT_URL = "sqlite:///landpatrol.sqlite"
# Connections each process keeps (and may add under load) per engine: a web worker serves
# requests on a thread pool, so N workers hold up to N x (size + overflow) connections.
POOL_ENV = {"pool_size": ("LANDPATROL_POOL_SIZE", 10), "max_overflow": ("LANDPATROL_POOL_OVERFLOW", 20)}


def resolve_url(url: str | None = None) -> str:
    """The database URL: the one given, else $LANDPATROL_DB, else ./landpatrol.sqlite.

    A bare file path is taken as a SpatiaLite file.
    """
    chosen = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if "://" not in chosen:
        chosen = f"sqlite:///{chosen}"
    try:
        make_url(chosen)
    except ArgumentError as err:
        raise StoreError(f"not a database URL: {chosen!r}") from err
    return chosen


def pool_sizes() -> dict[str, int]:
    """Pool size and overflow per engine, from $LANDPATROL_POOL_SIZE / $LANDPATROL_POOL_OVERFLOW."""
    sizes = {}
    for name, (variable, default) in POOL_ENV.items():
        text = os.environ.get(variable) or str(default)
        if not text.isdigit():
            raise StoreError(f"{variable}: a whole number, not {text!r}")
        sizes[name] = int(text)
    return sizes


@dataclass
class Store:
    """A database, its backend module, and sessions on it; reads that may lag go to `reader()`."""

    url: str
    read_url: str | None = None
    read_only: bool = False
    _engine: Engine | None = field(default=None, repr=False)
    on_wait: Callable[[], None] | None = field(default=None, repr=False)
    """Called once when a writer must wait for another (the CLI says so)."""

    @cached_property
    def backend(self) -> ModuleType:
        """The module of backend-specific SQL (see `geo.dialects`)."""
        return select_dialect(make_url(self.url).get_backend_name())

    @property
    def engine(self) -> Engine:
        """The engine, created on first use (never at import time)."""
        if self._engine is None:
            self._engine = self.backend.make_engine(self.url, read_only=self.read_only, **pool_sizes())
        return self._engine

    @cached_property
    def _reader(self) -> Store:
        return Store(self.read_url, read_only=True) if self.read_url else self

    def reader(self) -> Store:
        """The store for reads that may lag a little (exports, reports): the read-only replica
        given by `--db-read` / $LANDPATROL_DB_READ, else this store itself."""
        return self._reader

    @property
    def is_spatialite(self) -> bool:
        """True for the embedded SpatiaLite file store."""
        return self.backend.__name__.endswith("spatialite")

    @cached_property
    def _sessions(self) -> sessionmaker[Session]:
        return sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self, *, dry_run: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error.

        With `dry_run`, everything runs as for real and is rolled back at the end.
        """
        with self._sessions() as session:
            transaction = session.begin()
            try:
                yield session
            except BaseException:
                transaction.rollback()
                raise
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()

    def writing(self) -> AbstractContextManager[None]:
        """This thread's turn to write: SpatiaLite writers queue, across processes too.

        Take it around every transaction that writes (see `geo.write_turn`);
        PostgreSQL needs no turn.
        """
        path = self.file_path()
        return write_turn(path, on_wait=self.on_wait) if path else nullcontext()

    def file_path(self) -> Path | None:
        """The SpatiaLite file, or None for a server database."""
        database = make_url(self.url).database
        return Path(database) if self.is_spatialite and database else None

    def media_dir(self) -> Path:
        """The media folder: $LANDPATROL_MEDIA, else `<store>.media/` beside the file (unused with `db`)."""
        configured = os.environ.get("LANDPATROL_MEDIA")
        if configured and configured.strip().lower() != DB_CHOICE:
            return Path(configured)
        path = self.file_path()
        return path.with_name(path.name + ".media") if path else Path("media")

    def media(self) -> Media:
        """Where photos are kept: the media folder, or the store itself with LANDPATROL_MEDIA=db."""
        return choose_media(os.environ.get("LANDPATROL_MEDIA"), self.media_dir())

    def require_schema(self) -> None:
        """Fail with a helpful message when `landpatrol init` has not been run."""
        path = self.file_path()
        if path is not None and not path.exists():
            raise StoreError(f"no store at {path}; run `landpatrol init` first")
        if not inspect(self.engine).has_table("parcels"):
            raise StoreError(f"the store at {self.url} has no schema; run `landpatrol init`")

    def dispose(self) -> None:
        """Close every pooled connection (the replica's too)."""
        if self._engine is not None:
            self._engine.dispose()
        if self.read_url and "_reader" in self.__dict__:
            self._reader.dispose()


def open_store(url: str | None = None, read_url: str | None = None) -> Store:
    """The store named by `url` (or the environment, or the default file), with its replica
    for reads if one is named by `read_url` or $LANDPATROL_DB_READ."""
    replica = read_url or os.environ.get(READ_ENV_VAR)
    return Store(resolve_url(url), read_url=resolve_url(replica) if replica else None)
