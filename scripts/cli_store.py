"""`landpatrol init`: create or upgrade the store."""

from __future__ import annotations

import typer

from scripts.cli_common import DbOption, store_from
from scripts.migrate import upgrade


def init(ctx: typer.Context, db: DbOption = None) -> None:
    """Create the store, or upgrade its schema to this version (safe to run again)."""
    store = store_from(ctx, db, require_schema=False, write=True)
    before, after = upgrade(store)
    where = store.file_path() or store.url.split("@")[-1]
    if before == after:
        typer.echo(f"store {where} is up to date (schema {after})")
    else:
        typer.echo(f"store {where} ready (schema {before or 'none'} → {after})")


def register(app: typer.Typer) -> None:
    """Add the store commands to the root app."""
    app.command("init")(init)
