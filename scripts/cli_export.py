"""`landpatrol export`: parcel status layers for GIS, Excel and the public report."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from cases.status.export_rows import StatusQuery, export_status
from layers.export_spec import ExportOptions, ExportResult
from layers.export_write import FORMATS
from scripts.cli_common import DbOption, Lang, store_from

_FORMATS = "|".join(FORMATS)


def _many(values: list[str] | None) -> tuple[str, ...]:
    """`--kind a --kind b` and `--kind a,b` alike."""
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="Output file; its extension picks the format.")],
    fmt: Annotated[str | None, typer.Option("--format", help=f"{_FORMATS} (default: from OUT).")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Parcel kind(s) only.")] = None,
    street: Annotated[list[str] | None, typer.Option(
        "--street", help="Street(s) only: code, name or short name (前进, 前进街道).")] = None,
    status: Annotated[list[str] | None, typer.Option("--status", help="Status(es) only.")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Status as of the end of this day (YYYY-MM-DD, Beijing time).")] = None,
    crs: Annotated[str | None, typer.Option(
        "--crs", help="EPSG:4490 (default), EPSG:4326, EPSG:4547 or gcj02 (for Gaode/AMap); "
        "GeoJSON is always WGS84 lon/lat (EPSG:4326 or gcj02).")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Headers, labels and sheet names.")] = Lang.zh,
    layer: Annotated[str | None, typer.Option(
        "--layer", help="GeoPackage: one layer of this name instead of one per kind.")] = None,
    xy: Annotated[bool, typer.Option(
        "--xy", help="CSV: lon/lat of a point inside each parcel instead of WKT.")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace OUT if it exists.")] = False,
    db: DbOption = None,
) -> None:
    """Export parcel status (one row per parcel) as GeoPackage, GeoJSON, Shapefile, CSV,
    GeoParquet, FlatGeobuf or Excel; the file appears only once it is complete."""
    store = store_from(ctx, db)
    query = StatusQuery(_many(kind), _many(street), _many(status), as_of)
    options = ExportOptions(fmt=fmt, crs=crs, overwrite=overwrite, xy=xy, layer=layer)
    console = Console(stderr=True)
    with _sigterm_as_interrupt(), Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(f"export {out.name}", total=None)
        result = export_status(
            store, out, query, options, lang=lang.value,
            progress=lambda n: bar.advance(task, n),
            on_total=lambda n: bar.update(task, total=n),
        )
    typer.echo(_summary(result))


def _summary(result: ExportResult) -> str:
    layers = ", ".join(f"{name} {n}" for name, n in result.rows_by_layer.items() if n)
    lines = [f"wrote {result.rows} parcels to {result.path} ({result.fmt}, {result.crs})"
             + (f": {layers}" if layers else "")]
    lines.extend(f"note: {note}" for note in result.notes)
    return "\n".join(lines)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """A `kill` stops the export like Ctrl-C: the partial file is removed on the way out."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread (e.g. inside a test runner's worker)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def register(app: typer.Typer) -> None:
    """Add `export` to the root app."""
    app.command("export")(export)
