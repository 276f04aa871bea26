"""`landpatrol inspect …`, `landpatrol issues …` and `landpatrol report`: thin shells over `cases`.

Each command opens one transaction: it is committed when the command
succeeds and rolled back on any error, so nothing is ever half-written.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cases import inspect_import, inspections, issues, ledger_io, report, report_docx, report_text
from cases.issue_state import ISSUE_STATES
from geo.errors import InputError
from scripts.cli_common import (
    MAX_ID,
    DbOption,
    Lang,
    OutputFormat,
    check_input,
    check_output,
    choices,
    print_rows,
    store_from,
)
from scripts.cli_findings import takes_findings
from scripts.cli_output import dumps, print_record

inspect_app = typer.Typer(help="Log, import, correct and read site inspections.", no_args_is_help=True)
issues_app = typer.Typer(
    help="The rectification ledger: issues, measures, links, states.", no_args_is_help=True)


class ReportFormat(StrEnum):
    """Formats of `landpatrol report`."""

    md = "md"
    html = "html"
    json = "json"
    docx = "docx"


Photos = Annotated[list[Path] | None, typer.Option("--photo", help="A photo file; repeat for more.")]
Lon = Annotated[float | None, typer.Option("--lon", help="GPS longitude (CGCS2000/WGS84).")]
Lat = Annotated[float | None, typer.Option("--lat", help="GPS latitude.")]
Note = Annotated[str | None, typer.Option("--note", help="Free text.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="A date or time; default now.")]
Fmt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]

IssueState = choices("IssueState", ISSUE_STATES)
CATEGORY_HELP = "Category: its number or name (" + "; ".join(
    f"{n} {zh} / {en}" for n, (zh, en) in issues.CATEGORIES.items()) + ")."
Category = Annotated[str | None, typer.Option("--category", metavar="N|NAME", help=CATEGORY_HELP)]


def _category(value: str | None) -> int | None:
    """A category by number (1–5, or another one the ledger uses) or by its Chinese or English name."""
    if value is None:
        return None
    text = value.strip()
    for number, names in issues.CATEGORIES.items():
        if text.casefold() in (str(number), names[0].casefold(), names[1].casefold()):
            return number
    if text.isdigit() and 0 < int(text) < 1000:
        return int(text)
    raise InputError(f"--category: {value!r} is neither a category number nor a category's name",
                     field="--category", code="unknown_category")


def _photos(paths: list[Path] | None) -> list[Path]:
    return [check_input(path, "--photo") for path in paths or []]


def _echo_json(value: Any) -> None:
    typer.echo(dumps(value))


@inspect_app.command("log")
@takes_findings
def inspect_log(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Parcel code.")],
    at: Annotated[str, typer.Option("--at", help="When: 2022-10-25T09:30 (Beijing time unless an offset).")],
    inspector: Annotated[str, typer.Option("--inspector", help="Who inspected.")],
    *, findings: dict[str, Any],
    note: Note = None, photo: Photos = None, lon: Lon = None, lat: Lat = None, db: DbOption = None,
) -> None:
    """Record one site visit to a parcel."""
    photos = _photos(photo)
    store = store_from(ctx, db, write=True)
    with store.session() as session:
        record = inspections.log_inspection(
            session, parcel_code=code, inspected_at=at, inspector=inspector, findings=findings,
            lon=lon, lat=lat, note=note, photos=photos, media=store.media(),
        )
        flag = " (GPS point over 200 m from the parcel: off_site)" if record.off_site else ""
        typer.echo(f"inspection {record.id} logged for {code}{flag}")


@inspect_app.command("correct")
@takes_findings
def inspect_correct(
    ctx: typer.Context,
    inspection_id: Annotated[int, typer.Argument(
        metavar="ID", min=1, max=MAX_ID, help="The inspection to correct.")],
    at: Annotated[str | None, typer.Option("--at", help="Corrected time.")] = None,
    inspector: Annotated[str | None, typer.Option("--inspector", help="Corrected inspector.")] = None,
    *, findings: dict[str, Any],
    note: Note = None, photo: Photos = None, lon: Lon = None, lat: Lat = None, db: DbOption = None,
) -> None:
    """Write a new record superseding inspection ID; the old one is kept."""
    changes = dict(findings)
    extra = {"inspected_at": at, "inspector": inspector, "note": note, "lon": lon, "lat": lat}
    changes.update({k: v for k, v in extra.items() if v is not None})
    photos = _photos(photo)
    store = store_from(ctx, db, write=True)
    with store.session() as session:
        record = inspections.correct_inspection(
            session, inspection_id, changes=changes, photos=photos, media=store.media())
        typer.echo(f"inspection {record.id} supersedes {inspection_id}")


@inspect_app.command("import")
def inspect_import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, or a GeoPackage point layer (QField).")],
    layer: Annotated[str | None, typer.Option("--layer", help="GeoPackage layer.")] = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="Keep the good rows; write the rest aside.")] = False,
    rejected: Annotated[Path | None, typer.Option("--rejected", help="Where rejected rows go.")] = None,
    fmt: Fmt = OutputFormat.table, db: DbOption = None,
) -> None:
    """Import field records; all-or-nothing unless --partial."""
    check_input(file, "FILE")
    if layer is not None and file.suffix.lower() != ".gpkg":
        raise InputError(f"--layer: {file.name} is not a GeoPackage; --layer applies only to one",
                         field="--layer", code="not_applicable")
    check_output(rejected, "--rejected")
    store = store_from(ctx, db, write=True)
    with store.session() as session:
        result = inspect_import.import_inspections(
            session, file, layer=layer, partial=partial, rejected_file=rejected, media=store.media())
    if fmt is OutputFormat.json:
        _echo_json(result.as_dict())
        return
    typer.echo(f"{result.written} of {result.read} rows imported, {result.skipped} already imported")
    if result.errors:
        typer.echo(f"{len({e.row for e in result.errors})} rows rejected, reasons in {result.rejected_file}")


@inspect_app.command("history")
def inspect_history(
    ctx: typer.Context, code: Annotated[str, typer.Argument(help="Parcel code.")],
    fmt: Fmt = OutputFormat.table, db: DbOption = None,
) -> None:
    """Every record of a parcel, newest first, corrections included."""
    with store_from(ctx, db).session() as session:
        rows = inspections.inspection_history(session, code)
    print_rows(rows, inspections.HISTORY_COLUMNS, fmt)


@issues_app.command("import")
def issues_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Ledger as .xlsx (issues, measures sheets) or .csv.")],
    measures: Annotated[Path | None, typer.Option("--measures", help="Measures CSV.")] = None,
    db: DbOption = None,
) -> None:
    """Load the ledger (台账); all-or-nothing."""
    check_input(file, "FILE")
    if measures is not None:
        check_input(measures, "--measures")
    with store_from(ctx, db, write=True).session() as session:
        counts = ledger_io.import_ledger(session, file, measures_path=measures)
    typer.echo(f"{counts['issues']} issues, {counts['measures']} measures, {counts['links']} parcel links")


@issues_app.command("add")
def issues_add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Reference, e.g. 2-1.")],
    category: Annotated[str, typer.Option("--category", metavar="N|NAME", help=CATEGORY_HELP)],
    title: Annotated[str, typer.Option("--title", help="The issue in a line.")],
    finding: Annotated[str | None, typer.Option("--finding", help="What was found.")] = None,
    lead: Annotated[str | None, typer.Option("--lead", help="Lead department.")] = None,
    partner: Annotated[
        list[str] | None, typer.Option("--partner", help="Partner department; repeat.")] = None,
    deadline: Annotated[str | None, typer.Option("--deadline", help="Date.")] = None,
    state: Annotated[IssueState, typer.Option("--state", help="Its state.")] = IssueState.in_progress,
    opened: Annotated[str | None, typer.Option("--opened", help="Opened on (date).")] = None,
    db: DbOption = None,
) -> None:
    """Add an issue."""
    with store_from(ctx, db, write=True).session() as session:
        issue = issues.add_issue(session, ref=ref, category=_category(category), title=title,
                                 finding=finding, lead_department=lead, partner_departments=partner or [],
                                 deadline=deadline, state=state.value, opened_on=opened)
        typer.echo(f"issue {issue.ref} added")


@issues_app.command("link")
def issues_link(
    ctx: typer.Context, ref: Annotated[str, typer.Argument()],
    codes: Annotated[list[str], typer.Argument(help="Parcel codes.")], db: DbOption = None,
) -> None:
    """Link parcels to an issue."""
    with store_from(ctx, db, write=True).session() as session:
        added = issues.link_parcels(session, ref=ref, codes=codes)
    typer.echo(f"{len(added)} parcels linked to {ref}")


@issues_app.command("measure")
def issues_measure(
    ctx: typer.Context, ref: Annotated[str, typer.Argument()], text: Annotated[str, typer.Argument()],
    owner: Annotated[str | None, typer.Option("--owner")] = None,
    due: Annotated[str | None, typer.Option("--due", help="Date.")] = None, db: DbOption = None,
) -> None:
    """Add a measure to an issue."""
    with store_from(ctx, db, write=True).session() as session:
        measure = issues.add_measure(session, ref=ref, text=text, owner=owner, due=due)
        typer.echo(f"measure {measure.id} added to {ref}")


@issues_app.command("measure-done")
def issues_measure_done(
    ctx: typer.Context, measure_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID)],
    on: Annotated[str | None, typer.Option("--on", help="Date; default today.")] = None, db: DbOption = None,
) -> None:
    """Mark a measure done."""
    with store_from(ctx, db, write=True).session() as session:
        measure = issues.measure_done(session, measure_id, on=on)
        typer.echo(f"measure {measure.id} done on {measure.done_on}")


@issues_app.command("state")
def issues_state(
    ctx: typer.Context, ref: Annotated[str, typer.Argument()],
    state: Annotated[IssueState, typer.Argument(help="The new state.")],
    note: Note = None, on: Annotated[str | None, typer.Option("--on", help="Date; default today.")] = None,
    db: DbOption = None,
) -> None:
    """Change an issue's state (kept as a dated note)."""
    with store_from(ctx, db, write=True).session() as session:
        update = issues.set_state(session, ref=ref, state=state.value, on=on, note=note)
        typer.echo(f"issue {ref} is {state.value} from {update.on}")


@issues_app.command("note")
def issues_note(
    ctx: typer.Context, ref: Annotated[str, typer.Argument()], text: Annotated[str, typer.Argument()],
    on: Annotated[str | None, typer.Option("--on", help="Date; default today.")] = None, db: DbOption = None,
) -> None:
    """Add a dated progress note."""
    with store_from(ctx, db, write=True).session() as session:
        update = issues.add_note(session, ref=ref, text=text, on=on)
        typer.echo(f"note added to {ref} on {update.on}")


LIST_COLUMNS = ("ref", "category", "title", "state", "deadline", "measures", "measures_done", "parcels",
                "past_deadline", "done_with_violation")


@issues_app.command("list")
def issues_list(
    ctx: typer.Context,
    state: Annotated[IssueState | None, typer.Option("--state")] = None,
    category: Category = None,
    street: Annotated[str | None, typer.Option("--street", help="Code or name.")] = None,
    as_of: AsOf = None, fmt: Fmt = OutputFormat.table, db: DbOption = None,
) -> None:
    """The ledger, with the flags where data and state disagree."""
    with store_from(ctx, db).session() as session:
        frame = issues.list_issues(session, state=state.value if state else None,
                                   category=_category(category), street=street, as_of=as_of)
    print_rows(frame.to_dict("records"), LIST_COLUMNS, fmt)


@issues_app.command("show")
def issues_show(
    ctx: typer.Context, ref: Annotated[str, typer.Argument()], as_of: AsOf = None,
    fmt: Fmt = OutputFormat.table, db: DbOption = None,
) -> None:
    """One issue with its measures, notes, parcels and flags."""
    with store_from(ctx, db).session() as session:
        detail = issues.issue_detail(session, ref, as_of=as_of)
    print_record(detail, fmt)


@issues_app.command("export")
def issues_export(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(help=".xlsx or .csv")],
    lang: Annotated[Lang, typer.Option("--lang")] = Lang.zh, as_of: AsOf = None, db: DbOption = None,
) -> None:
    """Write the ledger (问题, 责任部门, 配合部门, 整改期限, 措施, 状态)."""
    check_output(file, "FILE")
    with store_from(ctx, db).session() as session:
        ledger_io.export_ledger(session, file, lang=lang.value, as_of=as_of)
    typer.echo(f"ledger written to {file}")


def report_command(
    ctx: typer.Context, as_of: AsOf = None,
    lang: Annotated[Lang, typer.Option("--lang")] = Lang.zh,
    fmt: Annotated[ReportFormat, typer.Option("--format")] = ReportFormat.md,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="File; default stdout (docx needs a file).")] = None,
    db: DbOption = None,
) -> None:
    """The progress report, from the data alone."""
    if fmt is ReportFormat.docx and output is None:
        raise InputError("--output: a Word report needs a file, e.g. -o report.docx", field="output")
    check_output(output, "--output")
    with store_from(ctx, db).reader().session() as session:  # the replica, if one is given
        built = report.build_report(session, as_of=as_of, lang=lang.value)
    if output is None:
        typer.echo(report_text.render_report(built, fmt.value, lang.value))
        return
    try:
        if fmt is ReportFormat.docx:
            report_docx.write_docx(built, output, lang.value)
        else:
            output.write_text(report_text.render_report(built, fmt.value, lang.value), encoding="utf-8")
    except OSError as err:
        raise InputError(f"{output}: cannot write the report ({err.strerror})", field="output") from err
    typer.echo(f"report written to {output}")


def register(app: typer.Typer) -> None:
    """Add the inspection, ledger and report commands to the root app."""
    app.add_typer(inspect_app, name="inspect")
    app.add_typer(issues_app, name="issues")
    app.command("report")(report_command)
