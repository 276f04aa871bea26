"""`landpatrol patrol list` and `landpatrol inspect conflicts`: the field work's commands.

The patrol order is `cases.patrol`'s (the web app's `/api/patrol` and the phone
list the same), conflicts are `cases.conflicts`'; this module picks the streets,
resolves what it is told to, and prints rows.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from cases.conflicts import accept_conflict, list_conflicts
from cases.patrol import PatrolEntries, patrol_entries
from cases.patrol_json import json_values, records_json
from geo.errors import InputError
from geo.local_time import local_iso, local_text
from layers.streets import street_codes
from maps.web.policy import limited_to_streets
from maps.web.users import get_user
from scripts.cli_cases import inspect_app
from scripts.cli_common import MAX_ID, DbOption, Lang, OutputFormat, print_rows, store_from

patrol_app = typer.Typer(help="Today's patrol: parcels in order of urgency.", no_args_is_help=True)

COLUMNS = ("group", "code", "kind", "name", "street", "status", "last_inspected_at", "days_since",
           "interval_days", "due_in_days", "open_issues", "lon", "lat")


def _columns(entries: PatrolEntries, *, lang: Lang, fmt: OutputFormat) -> pd.DataFrame:
    """The entries as printed, a column at a time: labels in the user's language, times in
    Beijing time (each distinct time formatted once), open issues as `ref:state,...`."""
    suffix = "zh" if lang is Lang.zh else "en"
    when = local_text if fmt is OutputFormat.table else local_iso
    codes, times = pd.factorize(entries.field("last_inspected_at"))
    shown = np.array([when(t.to_pydatetime()) for t in times] + [when(None)], dtype=object)
    issues = np.full(len(entries), "", dtype=object)
    for row, found in entries.open_issues.items():
        issues[row] = ",".join(f"{i['ref']}:{i['state']}" for i in found)
    frame = pd.DataFrame({key: entries.field(key) for key in ("group", "code", "name", "days_since",
                                                              "interval_days", "due_in_days", "lon", "lat")})
    return frame.assign(
        kind=entries.field(f"kind_label_{suffix}"), status=entries.field(f"status_label_{suffix}"),
        street=entries.field("street_name").fillna(entries.field("street_code")),
        last_inspected_at=shown[codes], open_issues=issues,
    )[list(COLUMNS)]


def _print(frame: pd.DataFrame, fmt: OutputFormat) -> None:
    """JSON and CSV written whole from the columns; a table through `print_rows`."""
    if fmt is OutputFormat.json:
        typer.echo(records_json({c: json_values(frame[c]) for c in frame}, indent=2).decode())
    elif fmt is OutputFormat.csv:
        frame.to_csv(sys.stdout, index=False, lineterminator="\r\n")
    else:
        print_rows(frame.to_dict("records"), COLUMNS, fmt)


@patrol_app.command("list")
def patrol_list(
    ctx: typer.Context,
    inspector: Annotated[str | None, typer.Option("--inspector", help="A user: their streets.")] = None,
    street: Annotated[str | None, typer.Option("--street", help="A street by code or name.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="A date or time; default now.")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of labels.")] = Lang.zh,
    db: DbOption = None,
) -> None:
    """Parcels in order of urgency: action needed, overdue, due within 7 days, the rest."""
    if inspector and street:
        raise InputError("--inspector, --street: give one of them, not both")
    with store_from(ctx, db).session() as session:
        if inspector:
            streets = limited_to_streets(get_user(session, inspector))
        else:
            streets = street_codes(session, [street]) if street else None
        entries = patrol_entries(session, street_codes=streets, as_of=as_of)
    _print(_columns(entries, lang=lang, fmt=fmt), fmt)


CONFLICT_COLUMNS = ("id", "inspection_id", "parcel_code", "inspector", "inspected_at", "recorded_at",
                    "reason", "detail", "resolution", "resolved_by")


def _conflict_row(conflict: dict[str, Any], *, lang: Lang, fmt: OutputFormat) -> dict[str, Any]:
    when = local_text if fmt is OutputFormat.table else local_iso
    detail = "; ".join(f"{k}: {v if isinstance(v, str) else ','.join(map(str, v))}"
                       for k, v in conflict["detail"].items())
    return {**conflict, "inspected_at": when(conflict["inspected_at"]),
            "recorded_at": when(conflict["recorded_at"]),
            "reason": conflict["reason_label_zh" if lang is Lang.zh else "reason_label_en"],
            "detail": detail + (f" (#{conflict['other_inspection_id']})" if conflict["other_inspection_id"]
                                else "")}


def inspect_conflicts(
    ctx: typer.Context,
    accept: Annotated[int | None, typer.Option("--accept", metavar="ID", min=1, max=MAX_ID,
                                               help="Accept the record of this conflict.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Resolved ones too.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of labels.")] = Lang.zh,
    db: DbOption = None,
) -> None:
    """Records stored although their parcel changed after the visit; --accept ID resolves one.

    To supersede a record instead, correct it (`inspect correct ID`): that closes its conflicts.
    """
    with store_from(ctx, db).session() as session:
        if accept is not None:
            done = accept_conflict(session, accept)
            typer.echo(f"conflict {done['id']} accepted (inspection {done['inspection_id']})")
            return
        rows = list_conflicts(session, open_only=not every)
    print_rows([_conflict_row(c, lang=lang, fmt=fmt) for c in rows], CONFLICT_COLUMNS, fmt)


def register(app: typer.Typer) -> None:
    """Add the patrol commands to the root app, and `conflicts` to `inspect`."""
    app.add_typer(patrol_app, name="patrol")
    inspect_app.command("conflicts")(inspect_conflicts)
