"""Excel export: a summary sheet, then one sheet per layer, headers in the export's language.

openpyxl's write-only mode streams rows to disk, so 100,000 parcels do not
sit in memory as cell objects. Polygons do not fit in a cell (32,767
characters at most), so each row carries a point inside its shape instead.
Times are shown in Beijing time without an offset, as Excel has no time zones.
For analysts: numbers rounded and formatted (2 decimals; 7 for degrees), the
header frozen, an autofilter, columns wide enough to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import suppress
from copy import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from geo.crs import MEASURE_CRS
from geo.local_time import LOCAL_TZ
from layers.export_spec import (
    ExportOptions,
    ExportSpec,
    Field,
    LayerSpec,
    Tally,
    layer_runs,
    point_columns,
    surface_points,
)

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)
_FORMATS = {"float": "#,##0.00", "datetime": "yyyy-mm-dd hh:mm", "int": "0"}
_DECIMALS = 2
_DEGREE_DECIMALS = 7  # about 1 cm
_WIDTHS = {"str": 14, "float": 12, "int": 8, "bool": 8, "datetime": 17}


def write_excel(path: Path, frames: Iterable[pd.DataFrame], spec: ExportSpec,
                options: ExportOptions) -> list[str]:
    """Write the workbook; the summary sheet comes first and is filled last."""
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_summary_title(spec))
    x_name, y_name = point_columns(options.crs or "")
    point_fields = [Field(x_name, "float", x_name), Field(y_name, "float", y_name)]
    decimals = {name: _DEGREE_DECIMALS if options.crs != MEASURE_CRS else _DECIMALS
                for name in (x_name, y_name)}
    tally = Tally(spec)
    names: set[str] = {summary.title}
    try:
        for layer, run in layer_runs(frames, spec):
            fields = [*(spec.field(name) for name in layer.fields), *point_fields]
            sheet = workbook.create_sheet(_sheet_title(layer, names))
            _header(sheet, fields)
            templates = [_template(sheet, f, decimals.get(f.name, _DECIMALS)) for f in fields]
            rows = 0
            for frame in run:
                tally.count(frame)
                _append(sheet, frame, fields, spec, (x_name, y_name), templates, decimals)
                rows += len(frame)
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{rows + 1}"
        _write_summary(summary, spec, tally)
    except BaseException:
        for sheet in workbook.worksheets:  # close their temporary files now, not at exit
            with suppress(Exception):
                sheet.close()
        raise
    workbook.save(path)
    return []


def _summary_title(spec: ExportSpec) -> str:
    return spec.words["summary"][:31]


def _sheet_title(layer: LayerSpec, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", layer.title)[:31] or layer.name[:31]
    title, n = base, 2
    while title.lower() in {t.lower() for t in taken}:
        title = f"{base[:28]} {n}"
        n += 1
    taken.add(title)
    return title


def _header(sheet: WriteOnlyWorksheet, fields: Sequence[Field]) -> None:
    sheet.freeze_panes = "A2"
    for index, f in enumerate(fields, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(40, max(
            _WIDTHS[f.type], _display_width(f.label) + 2))
    cells = []
    for f in fields:
        cell = WriteOnlyCell(sheet, value=f.label)
        cell.font = _BOLD
        cells.append(cell)
    sheet.append(cells)


def _display_width(text: str) -> int:
    """Columns a header takes: Chinese characters are twice as wide as Latin ones."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def _template(sheet: WriteOnlyWorksheet, f: Field, decimals: int) -> WriteOnlyCell | None:
    """A cell carrying the number format of the field's values (None: no format needed)."""
    if f.type not in ("float", "datetime"):
        return None
    cell = WriteOnlyCell(sheet)
    cell.number_format = _FORMATS["datetime"] if f.type == "datetime" else (
        _FORMATS["float"] if decimals == _DECIMALS else "0." + "0" * decimals)
    return cell


def _append(sheet: WriteOnlyWorksheet, frame: pd.DataFrame, fields: Sequence[Field],
            spec: ExportSpec, xy: tuple[str, str], templates: Sequence[WriteOnlyCell | None],
            decimals: dict[str, int]) -> None:
    x, y = surface_points(frame)
    table = pd.DataFrame(frame).assign(**{xy[0]: x, xy[1]: y})
    columns = [_formatted(sheet, _cells(sheet, table.get(f.name), f, len(table),
                                        decimals.get(f.name, _DECIMALS)), template)
               for f, template in zip(fields, templates, strict=True)]
    styled = _style_index(fields, spec)
    fills = {c.value: PatternFill("solid", start_color=c.color.lstrip("#"))
             for c in (spec.style.categories if spec.style else ())}
    for values in zip(*columns, strict=True):
        if styled is None:
            sheet.append(values)
            continue
        row: list[Any] = list(values)
        fill = fills.get(row[styled])
        if fill is not None:
            cell = WriteOnlyCell(sheet, value=row[styled])
            cell.fill = fill
            row[styled] = cell
        sheet.append(row)


def _style_index(fields: Sequence[Field], spec: ExportSpec) -> int | None:
    if spec.style is None:
        return None
    names = [f.name for f in fields]
    return names.index(spec.style.column) if spec.style.column in names else None


def _formatted(sheet: WriteOnlyWorksheet, values: list[Any],
               template: WriteOnlyCell | None) -> list[Any]:
    """Values in cells styled like `template` (missing values stay empty cells)."""
    if template is None:
        return values
    cells: list[Any] = []
    for value in values:
        if value is None:
            cells.append(None)
            continue
        cell = WriteOnlyCell(sheet, value=value)
        cell._style = copy(template._style)  # one shared style, not a lookup per cell
        cells.append(cell)
    return cells


def _cells(sheet: WriteOnlyWorksheet, values: pd.Series | None, f: Field, size: int,
           decimals: int = _DECIMALS) -> list[Any]:
    """Plain Python values openpyxl accepts: None for missing, naive Beijing time for times,
    floats rounded, text as text."""
    if values is None:
        return [None] * size
    if f.type == "datetime":
        stamps = pd.to_datetime(values, utc=True).dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in stamps]
    if f.type == "float":
        values = pd.to_numeric(values, errors="coerce").round(decimals)
    if f.type in ("int", "float", "bool"):
        cast = {"int": int, "float": float, "bool": bool}[f.type]
        return [None if _missing(v) else cast(v) for v in values]
    return [None if _missing(v) else text_cell(sheet, str(v)) for v in values]


def excel_text(text: str) -> str:
    """Text as an Excel cell may hold it: control characters (refused by openpyxl) removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def text_cell(sheet: WriteOnlyWorksheet, text: str) -> str | WriteOnlyCell:
    """Text for a write-only sheet; what openpyxl would store as a formula (`=…`) is a text cell."""
    text = excel_text(text)
    if not text.startswith("="):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def no_formulas(sheet: Worksheet) -> None:
    """Turn every formula cell of a sheet built from data (no formulas meant) back into text."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _write_summary(sheet: WriteOnlyWorksheet, spec: ExportSpec, tally: Tally) -> None:
    """Export facts, then rows and summed measures per layer and category, and totals."""
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 36
    for key, value in spec.metadata.items():
        sheet.append([_bold(sheet, spec.words.get(key, key)), text_cell(sheet, value)])
    sheet.append([])
    measures = list(spec.measures)
    category_label = spec.field(spec.style.column).label if spec.style else ""
    header = [spec.field(spec.layer_column).label, category_label, spec.words["rows"],
              *(spec.field(m).label for m in measures)]
    sheet.append([_bold(sheet, text) for text in header])
    categories = [(c.value, c.label) for c in spec.style.categories] if spec.style else []
    totals = dict.fromkeys(["rows", *measures], 0.0)
    for layer in spec.layers:
        seen = {key[1] for key in tally.cells if key[0] == layer.name}
        known = [value for value, _ in categories]
        extra = [(value, value) for value in sorted(seen - set(known))]
        for value, label in [*categories, *extra]:
            cell = tally.cells.get((layer.name, value))
            if cell is None:
                continue
            sheet.append([layer.title, label, int(cell["rows"]),
                          *(round(cell.get(m, 0.0), 2) for m in measures)])
            for key in totals:
                totals[key] += cell.get(key, 0.0)
    sheet.append([_bold(sheet, spec.words["total"]), "", int(totals["rows"]),
                  *(round(totals[m], 2) for m in measures)])


def _bold(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = _BOLD
    return cell
