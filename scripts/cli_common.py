"""What every command shares: the store option and output in table, JSON or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from geo.store import Store, open_store

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


class OutputFormat(StrEnum):
    """How a listing is printed."""

    table = "table"
    json = "json"
    csv = "csv"


class Lang(StrEnum):
    """The language of maps, reports and headers."""

    zh = "zh"
    en = "en"


def store_from(ctx: typer.Context, db: str | None = None, *, require_schema: bool = True) -> Store:
    """The store named on this command, else on the root command, else the default."""
    root = ctx.find_root().obj or {}
    store = open_store(db or root.get("db"), root.get("db_read"))
    if require_schema:
        store.require_schema()
    return store


def print_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: OutputFormat) -> None:
    """Print rows as a Rich table, a JSON array (stable keys), or CSV with a header."""
    if fmt is OutputFormat.json:
        typer.echo(json.dumps([{c: row.get(c) for c in columns} for row in rows],
                              ensure_ascii=False, indent=2, default=str))
    elif fmt is OutputFormat.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
        Console().print(table)
