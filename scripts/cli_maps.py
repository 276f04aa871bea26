"""`landpatrol map street|all`: street maps and the district index as offline HTML files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from maps import BASEMAPS, write_district, write_street_map
from scripts.cli_common import DbOption, Lang, check_folder, check_output, store_from

map_app = typer.Typer(help="Maps: one HTML file per street, and the district index.",
                      no_args_is_help=True)

BasemapOpt = Annotated[
    str, typer.Option(help=f"Background tiles: {'|'.join(BASEMAPS)}. `none` works offline; "
                      "tianditu needs $LANDPATROL_TIANDITU_KEY; gaode shifts overlays to GCJ-02.")
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Show status as of the end of this day (2022-10-25).")
]
LangOpt = Annotated[Lang, typer.Option(help="Language of the map: zh (default) or en.")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="Replace maps that exist.")]


@map_app.command("street")
def street(
    ctx: typer.Context,
    street: Annotated[str, typer.Argument(help="Street code, name or short name (前进).")],
    out: Annotated[Path | None, typer.Option(
        help="HTML file (default: map-<code>.html); its folder must exist.")] = None,
    basemap: BasemapOpt = "none",
    as_of: AsOfOpt = None,
    lang: LangOpt = Lang.zh,
    overwrite: OverwriteOpt = False,
    db: DbOption = None,
) -> None:
    """Write one street's map: parcels by kind and status, legend, figures, search."""
    check_output(out, "--out", makes_folders=True)
    store = store_from(ctx, db)
    with store.session() as session:
        path = write_street_map(session, street, out, basemap=basemap, as_of=as_of,
                                lang=lang.value, overwrite=overwrite)
    typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")


@map_app.command("all")
def all_streets(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(
        help="Folder for index.html and streets/<code>.html (made if missing; its parent must exist).")],
    basemap: BasemapOpt = "none",
    as_of: AsOfOpt = None,
    lang: LangOpt = Lang.zh,
    overwrite: OverwriteOpt = False,
    db: DbOption = None,
) -> None:
    """Write the district index and a map per street into one folder, to share offline."""
    check_folder(out, "--out")
    store = store_from(ctx, db)
    console = Console(stderr=True)
    with store.session() as session, Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(f"map all {out.name}", total=None)
        files = write_district(session, out, basemap=basemap, as_of=as_of, lang=lang.value,
                               overwrite=overwrite,
                               progress=lambda done, total: bar.update(task, completed=done,
                                                                       total=total))
    size = sum(f.stat().st_size for f in files) / 1e6
    typer.echo(f"wrote {files[0]} and {len(files) - 1} street maps ({size:.2f} MB)")


def register(app: typer.Typer) -> None:
    """Add `map street` and `map all` to the root app."""
    app.add_typer(map_app, name="map")
