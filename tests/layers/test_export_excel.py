"""Exports read by people: Beijing time, rounded and formatted numbers, a usable sheet."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from cases.status.export_rows import StatusQuery, export_status
from geo.store import Store
from layers.export_spec import ExportOptions
from tests.layers.export_seed import AS_OF, Seeded

QUERY = StatusQuery(as_of=AS_OF)
BF1_LAST = "2022-09-20T11:00:00+08:00"  # inspected 2022-09-20 03:00 UTC


def _sheet(path: Path, title: str) -> tuple[openpyxl.worksheet.worksheet.Worksheet, list[str]]:
    sheet = openpyxl.load_workbook(path)[title]
    return sheet, [c.value for c in sheet[1]]


@pytest.mark.parametrize(("lang", "title", "header", "crs"), [
    ("zh", "永久基本农田", "最近巡查时间(北京时间)", None),
    ("en", "Basic farmland", "Last inspected (Beijing time)", "EPSG:4547"),
])
def test_excel_shows_beijing_time_and_formatted_numbers(
    store: Store, seeded: Seeded, tmp_path: Path, lang: str, title: str, header: str,
    crs: str | None,
) -> None:
    path = tmp_path / "s.xlsx"
    export_status(store, path, QUERY, ExportOptions(crs=crs), lang=lang)
    sheet, headers = _sheet(path, title)
    rows = {row[0].value: {h: c for h, c in zip(headers, row, strict=True)}
            for row in sheet.iter_rows(min_row=2)}
    when = rows["BF-001"][header]
    assert when.value == datetime(2022, 9, 20, 11, 0) and when.number_format == "yyyy-mm-dd hh:mm"
    for code, row in rows.items():
        for label in headers[6:8]:  # area in m² and in mu
            assert row[label].value == round(row[label].value, 2)
            assert row[label].number_format == "#,##0.00"
        x = row[headers[-2]]
        assert x.value == round(x.value, 7 if crs is None else 2), code
        assert x.number_format == ("0.0000000" if crs is None else "#,##0.00")
    assert rows["BF-001"][headers[6]].value == round(seeded.areas["BF-001"], 2)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    for index, label in enumerate(headers, start=1):
        width = sheet.column_dimensions[get_column_letter(index)].width
        assert width >= min(40, len(label)), label
    summary = {r[0]: r[1] for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)}
    exported = next(v for k, v in summary.items() if k in ("导出时间", "Exported at"))
    assert exported.endswith("+08:00")


def test_csv_and_geojson_times_carry_their_offset(store: Store, seeded: Seeded,
                                                  tmp_path: Path) -> None:
    export_status(store, tmp_path / "s.csv", QUERY, ExportOptions(), lang="en")
    with (tmp_path / "s.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["code"]: r for r in csv.DictReader(handle)}
    assert rows["BF-001"]["last_inspected_at"] == BF1_LAST
    export_status(store, tmp_path / "s.geojson", QUERY, ExportOptions(), lang="en")
    features = json.loads((tmp_path / "s.geojson").read_text())["features"]
    properties = {f["properties"]["code"]: f["properties"] for f in features}
    assert properties["BF-001"]["last_inspected_at"] == BF1_LAST
