"""`landpatrol demo`: build the Tianhe demo store, maps, report and exports in one go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from click.core import ParameterSource

from scripts.cli_common import check_folder
from scripts.demo import DEFAULT_DB, DEFAULT_OUT, run_demo, summary


def _root_db(ctx: typer.Context) -> str | None:
    """The root `--db`, only when typed on the command line.

    $LANDPATROL_DB usually names a working store; the demo must never wipe it
    just because it is set in the environment.
    """
    root = ctx.find_root()
    if root.get_parameter_source("db") is ParameterSource.COMMANDLINE:
        return (root.obj or {}).get("db")
    return None


def demo(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", help=f"Database URL for the demo store (default: {DEFAULT_DB}). Replaced on each run; "
        "a database holding anything else is refused.")] = None,
    out: Annotated[Path, typer.Option(
        "--out", help="Folder for maps/, report.*, exports/ and the generated data/.")] = DEFAULT_OUT,
) -> None:
    """Build the Tianhe demo: the 2022 rectification report as data, then maps, report, exports."""
    result = run_demo(db or _root_db(ctx) or DEFAULT_DB, check_folder(out, "--out"), say=typer.echo)
    typer.echo(summary(result))


def register(app: typer.Typer) -> None:
    """Add `demo` to the root app."""
    app.command("demo")(demo)
