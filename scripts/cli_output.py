"""Printing listings and records: a table for people, strict JSON and CSV for programs.

Missing values (None, NaN, NaT) print as nothing in tables and CSV and as null
in JSON (never `NaN`, which is not JSON). Times are Beijing time: `2022-10-25
09:30` in tables, ISO 8601 with +08:00 in JSON and CSV (`geo.local_time`).
Tables fit the terminal: columns are taken in the caller's order while they
fit whole, long text wraps, and codes are never cut.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from geo.local_time import local_iso, local_text


class OutputFormat(StrEnum):
    """How a listing is printed."""

    table = "table"
    json = "json"
    csv = "csv"


WRAP_WIDTH = 30  # longer text wraps at this width, or down to WRAP_MIN when space is short
WRAP_MIN = 10
WHOLE_WIDTH = 20  # values up to this wide (codes, times) are never wrapped, nor is the first column
_CELL_OVERHEAD = 3  # padding on both sides and a border


def plain(value: Any) -> Any:
    """A value JSON can hold: None for anything missing, ISO +08:00 text for a time."""
    if value is None or type(value).__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return local_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    """What a table shows: nothing when missing, Beijing time to the minute."""
    shown = plain(value)
    if shown is not None and isinstance(value, datetime):
        return local_text(value)
    return "" if shown is None else str(shown)


def dumps(value: Any) -> str:
    """Strict JSON (`allow_nan=False`) of plain values, nested lists and dicts."""
    return json.dumps(_plain_deep(value), ensure_ascii=False, indent=2, allow_nan=False, default=str)


def _plain_deep(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_deep(v) for v in value]
    return plain(value)


def print_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: OutputFormat) -> None:
    """Print rows as a table that fits the terminal, a JSON array (stable keys), or CSV with a header."""
    if fmt is OutputFormat.json:
        typer.echo(dumps([{c: row.get(c) for c in columns} for row in rows]))
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if (v := plain(row.get(c))) is None else v for c in columns])
    else:
        _print_table(rows, columns)


def _print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    console = Console(highlight=False)
    if not rows:
        console.print("(none)")
        return
    cells = {c: [_cell(row.get(c)) for row in rows] for c in columns}
    shown = [c for c in columns if any(cells[c])]  # a column with nothing in it is left out
    chosen, left_out, room = [], [], console.width - 1
    for column in shown:
        natural = max((cell_len(v) for v in cells[column]), default=0)
        whole = natural <= WHOLE_WIDTH or column == columns[0]  # codes, times, and the key
        need = max(natural if whole else WRAP_MIN, *(cell_len(word) for word in _header(column).split()))
        if need + _CELL_OVERHEAD <= room or not chosen:
            chosen.append((column, need, whole))
            room -= need + _CELL_OVERHEAD
        else:
            left_out.append(column)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for column, need, whole in chosen:
        table.add_column(Text(_header(column), no_wrap=False), no_wrap=whole, overflow="fold",
                         min_width=need, max_width=None if whole else WRAP_WIDTH)
    for index in range(len(rows)):
        table.add_row(*(Text(cells[column][index]) for column, _, _ in chosen))
    console.print(table)
    if left_out:
        console.print(Text(f"(not shown for width: {', '.join(left_out)}; use --format json or csv)"))


def _header(column: str) -> str:
    """A column's name as a table header, which may wrap between its words."""
    return column.replace("_", " ")



def print_record(record: Mapping[str, Any], fmt: OutputFormat) -> None:
    """One record: `key: value` lines (lists of rows as tables), or a JSON object."""
    if fmt is not OutputFormat.table:
        typer.echo(dumps(record))
        return
    width = max((cell_len(k) for k in record), default=0)
    nested = {k: v for k, v in record.items() if _is_rows(v)}
    for key, value in record.items():
        if key in nested:
            continue
        shown = ", ".join(_cell(v) for v in value) if isinstance(value, (list, tuple)) else _cell(value)
        typer.echo(f"{key:>{width}}: {shown}")
    for key, value in nested.items():
        typer.echo(f"\n{key} ({len(value)}):")
        if value:
            print_rows(value, list(value[0]), OutputFormat.table)


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)
