"""What every command shares: the store option, fixed choices, ids, and checked file paths.

Output in table, JSON or CSV lives in `scripts.cli_output` (re-exported here).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from geo.errors import InputError, NotFoundError
from geo.store import Store, open_store
from scripts.cli_output import OutputFormat, print_rows

__all__ = ["MAX_ID", "DbOption", "Lang", "OutputFormat", "check_folder", "check_input", "check_output",
           "choices", "print_rows", "store_from"]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="LANDPATROL_DB", show_envvar=True,
        help="Database URL (sqlite:///file.sqlite or postgresql+psycopg://…); "
        "default ./landpatrol.sqlite.",
    ),
]

DbReadOption = Annotated[
    str | None,
    typer.Option(
        "--db-read", envvar="LANDPATROL_DB_READ", show_envvar=True,
        help="Read-only replica for exports and reports (e.g. a PostGIS streaming standby); "
        "default: the --db store.",
    ),
]


class Lang(StrEnum):
    """The language of maps, reports and headers."""

    zh = "zh"
    en = "en"


def store_from(
    ctx: typer.Context, db: str | None = None, *, require_schema: bool = True, write: bool = False,
) -> Store:
    """The store named on this command, else on the root command, else the default.

    A command that `write`s holds the store's write turn until it ends, so two
    writers queue (saying so) instead of one failing with "database is locked".
    """
    root = ctx.find_root().obj or {}
    store = open_store(db or root.get("db"), root.get("db_read"))
    store.on_wait = _say_waiting
    if require_schema:
        store.require_schema()
    if write:
        ctx.with_resource(store.writing())
    return store


def _say_waiting() -> None:
    typer.echo("landpatrol: waiting for another writer…", err=True)


MAX_ID = 2**63 - 1  # the largest id a 64-bit integer column holds


def choices(name: str, values: Iterable[str]) -> type[StrEnum]:
    """An enum of fixed values: `--help` lists them, and anything else is refused by name."""
    return StrEnum(name, {value: value for value in values})  # type: ignore[return-value]


_BINARY_SNIFF = 8192
_ZIP_SUFFIXES = {".xlsx", ".zip"}
_TEXT_SUFFIXES = {".csv", ".json", ".geojson", ".txt"}


def check_input(path: Path, option: str) -> Path:
    """A file to read: it exists, is a file, is not empty, and looks like what its name says."""
    if not path.exists():
        raise NotFoundError(f"{option}: {path}: no such file", field=option, code="missing")
    if not path.is_file():
        raise InputError(f"{option}: {path} is a folder, not a file", field=option, code="not_a_file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{option}: {path}: not readable", field=option, code="not_readable")
    if path.stat().st_size == 0:
        raise InputError(f"{option}: {path} is empty", field=option, code="empty")
    suffix = path.suffix.lower()
    if suffix in _ZIP_SUFFIXES and not zipfile.is_zipfile(path):
        raise InputError(f"{option}: {path} is not a {suffix} file (not a zip archive)",
                         field=option, code="bad_file")
    if suffix in _TEXT_SUFFIXES:
        with path.open("rb") as handle:
            if b"\0" in handle.read(_BINARY_SNIFF):
                raise InputError(f"{option}: {path} is not a text file", field=option, code="bad_file")
    return path


def check_output(path: Path | None, option: str, *, makes_folders: bool = False) -> Path | None:
    """A file to write, checked before any work is committed: not a folder, in a writable folder.

    With `makes_folders` the command creates missing folders, so only the
    nearest existing one must be a writable folder.
    """
    if path is None:
        return None
    if path.is_dir():
        raise InputError(f"{option}: {path} is a folder; give a file name", field=option,
                         code="not_a_file")
    if not makes_folders and not path.parent.is_dir():
        raise InputError(f"{option}: folder {path.parent} does not exist", field=option,
                         code="no_folder")
    _check_writable_folder(path.parent, option)
    return path


def check_folder(path: Path, option: str) -> Path:
    """A folder to write into: an existing folder, or one that can be made."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{option}: {path} is a file, not a folder", field=option, code="not_a_folder")
    _check_writable_folder(path, option)
    return path


def _check_writable_folder(folder: Path, option: str) -> None:
    """The folder, or the nearest of its parents that exists, is a folder this user may write in."""
    existing = next(p for p in (folder.absolute(), *folder.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise InputError(f"{option}: {existing} is a file, not a folder", field=option,
                         code="not_a_folder")
    if not os.access(existing, os.W_OK):
        raise InputError(f"{option}: folder {existing} is not writable", field=option,
                         code="not_writable")
