"""`landpatrol map street|all`: street maps and the district index as offline HTML files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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


@map_app.command("street")
def street(
    ctx: typer.Context,
    street: Annotated[str, typer.Argument(help="Street code, name or short name (前进).")],
    out: Annotated[Path | None, typer.Option(help="HTML file (default: map-<code>.html).")] = None,
    basemap: BasemapOpt = "none",
    as_of: AsOfOpt = None,
    lang: LangOpt = Lang.zh,
    db: DbOption = None,
) -> None:
    """Write one street's map: parcels by kind and status, legend, figures, search."""
    check_output(out, "--out", makes_folders=True)
    store = store_from(ctx, db)
    with store.session() as session:
        path = write_street_map(session, street, out, basemap=basemap, as_of=as_of,
                                lang=lang.value)
    typer.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")


@map_app.command("all")
def all_streets(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Folder for index.html and streets/<code>.html.")],
    basemap: BasemapOpt = "none",
    as_of: AsOfOpt = None,
    lang: LangOpt = Lang.zh,
    db: DbOption = None,
) -> None:
    """Write the district index and a map per street into one folder, to share offline."""
    check_folder(out, "--out")
    store = store_from(ctx, db)
    with store.session() as session:
        files = write_district(session, out, basemap=basemap, as_of=as_of, lang=lang.value)
    size = sum(f.stat().st_size for f in files) / 1e6
    typer.echo(f"wrote {files[0]} and {len(files) - 1} street maps ({size:.2f} MB)")


def register(app: typer.Typer) -> None:
    """Add `map street` and `map all` to the root app."""
    app.add_typer(map_app, name="map")
