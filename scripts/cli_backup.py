"""`landpatrol backup OUT` and `landpatrol restore IN [--force]`: the store and its photos in one file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import cases.models  # noqa: F401  (registers the tables whose rows the manifest counts)
import layers.models  # noqa: F401
from geo.backup import restore_backup, write_backup
from geo.errors import InputError, StoreError
from geo.orm import Base
from scripts.cli_common import DbOption, store_from
from scripts.migrate import current_revision, revisions


def _tables() -> list[str]:
    return [table.name for table in Base.metadata.sorted_tables]


def backup(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="The archive to write (a tar); must not exist.")],
    db: DbOption = None,
) -> None:
    """Copy the store (consistently, while it keeps serving), its photos and a checked manifest."""
    store = store_from(ctx, db)
    manifest = write_backup(store, out, media_dir=store.media_dir(), tables=_tables(),
                            revision=current_revision(store))
    rows = sum(manifest.tables.values())
    typer.echo(f"backup {out}: {rows} rows in {len(manifest.tables)} tables, "
               f"{len(manifest.members) - 1} media files, schema {manifest.revision}")


def restore(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="An archive written by `landpatrol backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a store that holds data.")] = False,
    db: DbOption = None,
) -> None:
    """Restore a backup into an empty store (any store with --force), checked before and after."""
    if not archive.is_file():
        raise InputError(f"{archive}: no such file", field="archive", code="missing")
    store = store_from(ctx, db, require_schema=False)
    manifest = restore_backup(store, archive, media_dir=store.media_dir(), tables=_tables(), force=force,
                              known_revisions=revisions())
    if current_revision(store) != manifest.revision:
        raise StoreError(f"restored schema is {current_revision(store)}, not {manifest.revision}")
    typer.echo(f"restored {archive} (made {manifest.created_at}): {sum(manifest.tables.values())} rows, "
               f"{len(manifest.members) - 1} media files, schema {manifest.revision}; counts checked")


def register(app: typer.Typer) -> None:
    """Add the backup commands to the root app."""
    app.command("backup")(backup)
    app.command("restore")(restore)
