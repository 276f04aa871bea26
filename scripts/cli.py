"""The `landpatrol` command: one Typer app, one sub-app per topic.

Every command is a thin shell over the services in `layers`, `cases` and
`maps`; domain errors become one line on stderr and their exit code here,
in `_Group.invoke`, and nowhere else.

A command's module (and with it geopandas, folium, FastAPI…) is imported only
when that command runs: `_COMMANDS` names each command's modules and the first
paragraph of its help, so `landpatrol --help` lists them without importing any
(tests/scripts/test_cli_lazy.py checks the listing against the commands).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from importlib.metadata import version
from typing import Annotated, Any, NamedTuple

import click
import typer
import typer.main
from sqlalchemy.exc import DBAPIError
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # Typer's own click; no public name
from typer.core import TyperGroup

from geo.errors import InputError, LandpatrolError, StoreError
from scripts.cli_common import DbOption, DbReadOption
from scripts.cli_hints import cli_message


class _Lazy(NamedTuple):
    """A command of the root app: the modules whose `register` adds it, and its listed help."""

    modules: tuple[str, ...]
    help: str


_CASES = ("scripts.cli_cases",)
# In the order `--help` lists them (Typer lists single commands before groups).
_COMMANDS: dict[str, _Lazy] = {
    "init": _Lazy(("scripts.cli_store",),
                  "Create the store, or upgrade its schema to this version (safe to run again)."),
    "backup": _Lazy(("scripts.cli_backup",), "Copy the store (consistently, while it keeps serving), "
                    "its photos and a checked manifest."),
    "restore": _Lazy(("scripts.cli_backup",), "Restore a backup into an empty store "
                     "(any store with --force), checked before and after."),
    "export": _Lazy(("scripts.cli_export",), "Export parcel status (one row per parcel) as GeoPackage, "
                    "GeoJSON, Shapefile, CSV,\nGeoParquet, FlatGeobuf or Excel; "
                    "the file appears only once it is complete."),
    "report": _Lazy(_CASES, "The progress report, from the data alone."),
    "demo": _Lazy(("scripts.cli_demo",), "Build the Tianhe demo: the 2022 rectification report as data, "
                  "then maps, report, exports."),
    "serve": _Lazy(("scripts.cli_web",), "Run the web app (uvicorn). LANDPATROL_SECRET_KEY keeps "
                   "sign-ins across restarts; PostGIS needs it."),
    "streets": _Lazy(("scripts.cli_layers",), "Streets (街道): import and list."),
    "parcels": _Lazy(("scripts.cli_layers",), "Parcels: import, list and show."),
    "inspect": _Lazy((*_CASES, "scripts.cli_patrol"),  # patrol adds `inspect conflicts`
                     "Log, import, correct and read site inspections."),
    "issues": _Lazy(_CASES, "The rectification ledger: issues, measures, links, states."),
    "map": _Lazy(("scripts.cli_maps",), "Maps: one HTML file per street, and the district index."),
    "users": _Lazy(("scripts.cli_web",), "People who sign in to the web app, and their roles."),
    "patrol": _Lazy(("scripts.cli_patrol",), "Today's patrol: parcels in order of urgency."),
    "tokens": _Lazy(("scripts.cli_ogc",), "API tokens for desktop GIS (QGIS, GDAL) reading /ogc."),
    "ogc": _Lazy(("scripts.cli_ogc",), "The OGC API – Features at /ogc: which collections are public."),
}

_registered = typer.Typer()  # every command module registers here once, when first needed
_registered_modules: set[str] = set()


def _load(name: str) -> click.Command:
    """The Click command `name`, importing and registering the modules that define it."""
    for module in _COMMANDS[name].modules:
        if module not in _registered_modules:
            importlib.import_module(module).register(_registered)
            _registered_modules.add(module)
    return typer.main.get_group(_registered).commands[name]


class _Commands(Mapping[str, click.Command]):
    """The root's commands by name; each is built when first looked up."""

    def __init__(self) -> None:
        self._built: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._built:
            if name not in _COMMANDS:
                raise KeyError(name)
            self._built[name] = _load(name)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_COMMANDS)

    def __len__(self) -> int:
        return len(_COMMANDS)


class _Group(TyperGroup):
    """Turns domain errors and bad command lines into one line and an exit code, never a traceback.

    Its commands are built when first used; listing them in `--help` builds none.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands()  # type: ignore[assignment]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx.meta["landpatrol.listing"] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta["landpatrol.listing"] = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # (Typer's own walks the items, building every command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = _COMMANDS.get(cmd_name)
        if lazy is not None and ctx.meta.get("landpatrol.listing"):
            return click.Command(cmd_name, help=lazy.help)  # listed by name and help only
        return super().get_command(ctx, cmd_name)

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



def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
