"""`landpatrol streets …` and `landpatrol parcels …`: import and list the land layers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import cases.status.export_rows  # noqa: F401  (declares the columns an export derives: re-imports leave them out)
from cases.status.derive import parcel_status, status_frame
from cases.status.rules import STATUSES
from geo.audit import default_actor
from geo.units import m2_to_mu
from layers.import_report import ON_INVALID_CHOICES, ImportReport
from layers.kinds import KINDS
from layers.parcels_import import FieldOptions, ReadOptions, import_parcels
from layers.query import get_parcel, parcels_frame
from layers.streets import list_streets, street_codes
from layers.streets_import import import_streets
from scripts.cli_common import DbOption, OutputFormat, check_input, check_output, choices, store_from
from scripts.cli_output import dumps, print_record, print_rows

streets_app = typer.Typer(help="Streets (街道): import and list.", no_args_is_help=True)
parcels_app = typer.Typer(help="Parcels: import, list and show.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="GeoPackage, Shapefile, GeoJSON, FlatGeobuf or CSV.")]
LayerOpt = Annotated[str | None, typer.Option(help="Layer of a multi-layer file (GeoPackage).")]
EncodingOpt = Annotated[
    str | None, typer.Option(help="Text encoding of the attributes, e.g. gbk (detected if absent).")
]
CrsOpt = Annotated[
    str | None, typer.Option(help="Source CRS, overriding the file's: EPSG:4490, 4547, gcj02…")
]
OnInvalid = choices("OnInvalid", ON_INVALID_CHOICES)
Kind = choices("Kind", KINDS)
Status = choices("Status", STATUSES)
OnInvalidOpt = Annotated[OnInvalid, typer.Option(help="What to do with an invalid row.")]
DryRunOpt = Annotated[bool, typer.Option(help="Check and report, store nothing.")]
ReportOpt = Annotated[Path | None, typer.Option(help="Also write the import report as JSON here.")]
CodeFieldOpt = Annotated[str | None, typer.Option(help="Field holding the code.")]
NameFieldOpt = Annotated[str | None, typer.Option(help="Field holding the name.")]
WktFieldOpt = Annotated[str | None, typer.Option(help="CSV: column holding WKT geometry.")]
LonFieldOpt = Annotated[str | None, typer.Option(help="CSV: column holding longitude.")]
LatFieldOpt = Annotated[str | None, typer.Option(help="CSV: column holding latitude.")]


def _finish(report: ImportReport, report_path: Path | None) -> None:
    """Print the report; write it as JSON where asked (its path was checked before the import)."""
    typer.echo(report.summary())
    for line in report.detail_lines():
        typer.echo(line)
    if report_path is not None:
        report_path.write_text(dumps(report.to_dict()), encoding="utf-8")


@streets_app.command("import")
def streets_import(
    ctx: typer.Context, file: FileArg, db: DbOption = None, layer: LayerOpt = None,
    encoding: EncodingOpt = None, crs: CrsOpt = None, code_field: CodeFieldOpt = None,
    name_field: NameFieldOpt = None, on_invalid: OnInvalidOpt = OnInvalid.fail,
    schematic: Annotated[bool, typer.Option(help="Mark the boundaries as schematic.")] = False,
    dry_run: DryRunOpt = False, report: ReportOpt = None,
) -> None:
    """Import streets: an NBS code list (JSON) or boundary polygons matched by code or name."""
    check_input(file, "FILE")
    check_output(report, "--report")
    result = import_streets(
        store_from(ctx, db, write=True), file, actor=default_actor(),
        read_options=ReadOptions(layer=layer, encoding=encoding, crs=crs),
        fields=FieldOptions(code=code_field, name=name_field),
        on_invalid=on_invalid.value, schematic=schematic, dry_run=dry_run,  # type: ignore[arg-type]
    )
    _finish(result, report)


@streets_app.command("list")
def streets_list(
    ctx: typer.Context, db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option(help="table, json or csv.")] = OutputFormat.table,
) -> None:
    """List the streets with their codes and whether they have a boundary."""
    with store_from(ctx, db).session() as session:
        rows = [
            {"code": s.code, "name": s.name, "short_name": s.short_name,
             "has_boundary": s.geom is not None,
             "area_km2": round(s.area_m2 / 1e6, 3) if s.area_m2 else None}
            for s in list_streets(session)
        ]
    print_rows(rows, ["code", "name", "short_name", "has_boundary", "area_km2"], format)


@parcels_app.command("import")
def parcels_import(
    ctx: typer.Context, file: FileArg,
    kind: Annotated[Kind, typer.Option(help="Kind of parcel.")],
    db: DbOption = None, layer: LayerOpt = None, encoding: EncodingOpt = None, crs: CrsOpt = None,
    code_field: CodeFieldOpt = None, name_field: NameFieldOpt = None,
    street_field: Annotated[str | None, typer.Option(help="Field holding the street.")] = None,
    village_field: Annotated[str | None, typer.Option(help="Field holding the village.")] = None,
    wkt_field: WktFieldOpt = None, lon_field: LonFieldOpt = None, lat_field: LatFieldOpt = None,
    on_invalid: OnInvalidOpt = OnInvalid.fail, dry_run: DryRunOpt = False, report: ReportOpt = None,
) -> None:
    """Import parcels of one kind; a code already stored is updated, its old shape kept."""
    check_input(file, "FILE")
    check_output(report, "--report")
    store = store_from(ctx, db, write=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("reading", total=None)

        def tick(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        result = import_parcels(
            store, file, kind=kind.value, actor=default_actor(),
            read_options=ReadOptions(layer=layer, encoding=encoding, crs=crs, wkt_field=wkt_field,
                                     lon_field=lon_field, lat_field=lat_field),
            fields=FieldOptions(code=code_field, name=name_field, street=street_field,
                                village=village_field),
            on_invalid=on_invalid.value, dry_run=dry_run, progress=tick,  # type: ignore[arg-type]
        )
    _finish(result, report)


PARCEL_LIST_COLUMNS = ["code", "kind", "name", "street_code", "street_name", "village",
                       "area_m2", "area_mu", "status", "last_inspected_at"]


@parcels_app.command("list")
def parcels_list(
    ctx: typer.Context, db: DbOption = None,
    street: Annotated[list[str] | None, typer.Option(help="Street code or name (repeatable).")] = None,
    kind: Annotated[list[Kind] | None, typer.Option(help="Kind (repeatable).")] = None,
    status: Annotated[list[Status] | None, typer.Option(help="Status as of --as-of (repeatable).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Status as of the end of this day (YYYY-MM-DD, Beijing time).")] = None,
    format: Annotated[OutputFormat, typer.Option(help="table, json or csv.")] = OutputFormat.table,
) -> None:
    """List parcels, optionally of some streets, kinds and statuses."""
    with store_from(ctx, db).session() as session:
        codes = street_codes(session, street) if street else None
        frame = parcels_frame(session, street_codes=codes, kinds=[k.value for k in kind] if kind else None)
        status_table = status_frame(session, as_of=as_of, parcel_ids=frame["id"].tolist())
    if not frame.empty:  # (an empty frame's ids cannot be joined: they have no type)
        frame = frame.join(status_table[["status", "last_inspected_at"]], on="id")
    if status:
        frame = frame[frame["status"].isin([s.value for s in status])]
    rows = [
        {**r, "area_m2": round(r["area_m2"], 2), "area_mu": round(m2_to_mu(r["area_m2"]), 4)}
        for r in frame.drop(columns="geometry").to_dict("records")
    ]
    print_rows(rows, PARCEL_LIST_COLUMNS, format)


@parcels_app.command("show")
def parcels_show(
    ctx: typer.Context, code: Annotated[str, typer.Argument(help="The parcel's code.")],
    db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option(help="table or json.")] = OutputFormat.table,
) -> None:
    """Show one parcel: its attributes, area, and earlier geometries."""
    with store_from(ctx, db).session() as session:
        parcel = get_parcel(session, code)
        frame = parcels_frame(session, codes=[code], include_retired=True)
        row = frame.drop(columns="geometry").to_dict("records")[0]
        status = parcel_status(session, parcel)
        row |= {
            "status": status["status"],
            "last_inspected_at": status.get("last_inspected_at"),
            "inspections_count": status.get("inspections_count", 0),
            "area_mu": round(m2_to_mu(parcel.area_m2), 4),
            "bounds": [round(v, 6) for v in frame.geometry.iloc[0].bounds],
            "versions": len(parcel.versions),
            "updated_at": parcel.updated_at,
        }
    print_record(row, format)


def register(app: typer.Typer) -> None:
    """Add the street and parcel commands to the root app."""
    app.add_typer(streets_app, name="streets")
    app.add_typer(parcels_app, name="parcels")
