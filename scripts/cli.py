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
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # Typer's own click; no public name
from typer.core import TyperGroup

from geo.errors import InputError, LandpatrolError, StoreError
from scripts import (
    cli_backup,
    cli_cases,
    cli_demo,
    cli_export,
    cli_layers,
    cli_maps,
    cli_ogc,
    cli_patrol,
    cli_store,
    cli_web,
)
from scripts.cli_common import DbOption, DbReadOption
from scripts.cli_hints import cli_message


class _Group(TyperGroup):
    """Turns domain errors and bad command lines into one line and an exit code, never a traceback."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Checked in `invoke`, where an error can still be printed as one line.
        ctx.meta["landpatrol.nul_arg"] = any("\0" in arg for arg in args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            if ctx.meta.get("landpatrol.nul_arg"):
                raise InputError("the command line holds a NUL character", code="nul")
            return self._invoke_translating_db_errors(ctx)
        except LandpatrolError as err:
            typer.echo(f"landpatrol: error: {cli_message(err)}", err=True)
            raise typer.Exit(err.exit_code) from None
        except NoArgsIsHelpError:
            raise
        except UsageError as err:
            message = " ".join(err.format_message().replace("Value error, ", "").split())
            typer.echo(f"landpatrol: error: {_command_words(err.ctx)}{message} (see --help)", err=True)
            raise typer.Exit(InputError.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("landpatrol: interrupted; the store is unchanged", err=True)
            raise typer.Exit(130) from None

    def _invoke_translating_db_errors(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError as err:
            reason = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
            raise StoreError(f"database error: {reason}") from err


def _command_words(ctx: click.Context | None) -> str:
    """`parcels list: ` for the command an error is about (nothing for the root)."""
    words = []
    while ctx is not None and ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return f"{' '.join(reversed(words))}: " if words else ""


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
cli_patrol.register(app)
cli_ogc.register(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
