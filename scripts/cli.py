"""The `landpatrol` command: one Typer app, one sub-app per topic.

Every command is a thin shell over the services in `layers`, `cases` and
`maps`; domain errors become one line on stderr and their exit code here,
in `_Group.invoke`, and nowhere else.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Annotated, Any

import click
import typer
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from geo.errors import LandpatrolError, StoreError
from scripts import cli_backup, cli_cases, cli_demo, cli_export, cli_layers, cli_maps, cli_store, cli_web
from scripts.cli_common import DbOption, DbReadOption


class _Group(TyperGroup):
    """Turns domain errors into one line and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke_translating_db_errors(ctx)
        except LandpatrolError as err:
            typer.echo(f"landpatrol: error: {err}", err=True)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("landpatrol: interrupted; the store is unchanged", err=True)
            raise typer.Exit(130) from None

    def _invoke_translating_db_errors(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError as err:
            reason = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise StoreError(f"database error: {reason}") from err


app = typer.Typer(
    cls=_Group,
    help="Field inspection of protected land parcels (landpatrol).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"landpatrol {version('landpatrol')}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    db: DbOption = None,
    db_read: DbReadOption = None,
    _version_flag: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Field inspection of protected land parcels: store, inspections, issues, maps, exports."""
    ctx.obj = {"db": db, "db_read": db_read}


cli_store.register(app)
cli_backup.register(app)
cli_layers.register(app)
cli_export.register(app)
cli_cases.register(app)
cli_maps.register(app)
cli_demo.register(app)
cli_web.register(app)



def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
