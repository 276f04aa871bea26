"""The ledger (台账) in and out: CSV or Excel, issues and their measures.

Headers may be English keys or the ledger's Chinese ones; the export writes
Chinese headers that the import reads back. An import is all-or-nothing: the
first bad field stops it, naming sheet, row and field, and the caller's
transaction is rolled back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from cases.issue_state import STATE_LABELS
from cases.issues import add_issue, add_measure, category_label, ledger_frame, link_parcels
from cases.models import Issue
from geo.errors import InputError, LandpatrolError, NotFoundError
from geo.i18n import NC_, registry_label, translations
from layers.export_excel import excel_text, no_formulas
from layers.export_text import csv_frame

# The ledger's columns: the English headers are the keys; the Chinese ones are in the catalogue.
_ISSUE_COLUMNS = (
    NC_("ledger issue column", "ref"), NC_("ledger issue column", "category"),
    NC_("ledger issue column", "title"), NC_("ledger issue column", "finding"),
    NC_("ledger issue column", "lead_department"), NC_("ledger issue column", "partner_departments"),
    NC_("ledger issue column", "deadline"), NC_("ledger issue column", "state"),
    NC_("ledger issue column", "state_on"), NC_("ledger issue column", "opened_on"),
    NC_("ledger issue column", "parcels"),
)
_MEASURE_COLUMNS = (
    NC_("ledger measure column", "ref"), NC_("ledger measure column", "text"),
    NC_("ledger measure column", "owner"), NC_("ledger measure column", "due"),
    NC_("ledger measure column", "done_on"),
)
_MEASURES_LISTED = NC_("ledger issue column", "measures")  # the issues sheet's list of measures


def _chinese(columns: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {key: registry_label(context, key, "zh") for context, key in columns}


ISSUE_HEADERS = _chinese(_ISSUE_COLUMNS)
MEASURE_HEADERS = _chinese(_MEASURE_COLUMNS)
LIST_SPLIT = re.compile(r"[、,，;；]\s*")
STATE_WORDS = {zh: code for code, (zh, _en) in STATE_LABELS.items()} | {
    en: code for code, (_zh, en) in STATE_LABELS.items()}
SHEETS: dict[str, tuple[str, str]] = {  # the Excel ledger's sheets: English names, Chinese in the catalogue
    "issues": NC_("ledger sheet", "issues"), "measures": NC_("ledger sheet", "measures")}


def sheet_name(sheet: str, lang: str) -> str:
    """The name of one of the ledger's sheets (`issues`, `measures`) in the language."""
    return translations(lang).pgettext(*SHEETS[sheet])


# The sheet names an imported ledger may use (lower-cased): either language's, or the bureau's `问题`.
ISSUE_SHEETS = ("issues", "问题", sheet_name("issues", "zh"))
MEASURE_SHEETS = ("measures", sheet_name("measures", "zh"))


def _normalise(
    frame: pd.DataFrame, headers: dict[str, str], where: str, required: tuple[str, ...],
) -> pd.DataFrame:
    by_header = {zh: key for key, zh in headers.items()} | {key: key for key in headers}
    frame = frame.rename(columns=lambda c: by_header.get(str(c).strip(), str(c).strip()))
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{where}: missing column {', '.join(missing)} ({headers[missing[0]]})",
                         field=missing[0], code="missing_column")
    return frame.astype(object).where(frame.notna(), None)


def _read_tables(path: Path, measures_path: Path | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if not path.is_file():
        raise NotFoundError(f"no file {str(path)!r}", field="file", code="missing")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        if measures_path is not None:
            raise InputError(f"{measures_path.name}: an Excel ledger keeps its measures on its own sheet",
                             field="measures", code="not_applicable")
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
        names = list(sheets)
        issues_name = next((n for n in names if n.lower() in ISSUE_SHEETS), names[0])
        rest = [n for n in names if n != issues_name]
        measures_name = next((n for n in rest if n.lower() in MEASURE_SHEETS), rest[0] if rest else None)
        return sheets[issues_name], sheets[measures_name] if measures_name else None
    if path.suffix.lower() != ".csv":
        raise InputError(f"{path.name}: unsupported ledger type {path.suffix!r} (use .csv or .xlsx)",
                         field="file", code="bad_file")
    issues = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if measures_path is None:
        return issues, None
    if not measures_path.is_file():
        raise NotFoundError(f"no file {str(measures_path)!r}", field="measures", code="missing")
    return issues, pd.read_csv(measures_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value).strip()


def _category(value: Any) -> int:
    text = _text(value)
    try:
        number = float(text)
    except ValueError:
        raise InputError(f"category: {text!r} is not a category number", field="category",
                         code="not_a_number") from None
    if number % 1:
        raise InputError(f"category: {text!r} is not a whole number", field="category", code="not_a_number")
    return int(number)


def _rows(frame: pd.DataFrame, where: str, handle: Callable[[dict[str, str]], None]) -> int:
    """Apply `handle` to each row; an error is re-raised naming sheet and row."""
    for position, row in enumerate(frame.to_dict("records")):
        if not any(_text(v) for v in row.values()):
            continue
        try:
            handle({k: _text(v) for k, v in row.items()})
        except LandpatrolError as err:
            raise type(err)(f"{where} row {position + 2}, {err}", field=err.field, row=position + 1,
                            code=err.code) from None
    return len(frame)


def import_ledger(
    session: Session, path: Path, *, measures_path: Path | None = None, actor: str | None = None,
) -> dict[str, int]:
    """Load issues (and measures: a second sheet, or a second CSV) into the ledger.

    Returns counts: issues, measures, links.
    """
    issues_raw, measures_raw = _read_tables(path, measures_path)
    issues = _normalise(issues_raw, ISSUE_HEADERS, f"{path.name} issues", ("ref", "category", "title"))
    counts = {"issues": 0, "measures": 0, "links": 0}

    def one_issue(row: dict[str, str]) -> None:
        state = row.get("state") or "in_progress"
        add_issue(
            session, ref=row["ref"], category=_category(row["category"]), title=row["title"],
            finding=row.get("finding") or None, lead_department=row.get("lead_department") or None,
            partner_departments=LIST_SPLIT.split(row.get("partner_departments") or ""),
            deadline=row.get("deadline") or None, state=STATE_WORDS.get(state, state),
            state_on=row.get("state_on") or None, opened_on=row.get("opened_on") or None, actor=actor,
        )
        codes = [c for c in LIST_SPLIT.split(row.get("parcels") or "") if c]
        if codes:
            counts["links"] += len(link_parcels(session, ref=row["ref"], codes=codes, actor=actor))
        counts["issues"] += 1

    _rows(issues, f"{path.name} issues", one_issue)
    if measures_raw is not None:
        where = f"{(measures_path or path).name} measures"
        measures = _normalise(measures_raw, MEASURE_HEADERS, where, ("ref", "text"))

        def one_measure(row: dict[str, str]) -> None:
            add_measure(session, ref=row["ref"], text=row["text"], owner=row.get("owner") or None,
                        due=row.get("due") or None, done_on=row.get("done_on") or None, actor=actor)
            counts["measures"] += 1

        _rows(measures, where, one_measure)
    return counts


def ledger_tables(
    session: Session, *, lang: str = "zh", as_of: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger as two tables (issues with their measures listed, and measures), headed in `lang`."""
    frame = ledger_frame(session, as_of=as_of)
    issues = {i.ref: i for i in session.query(Issue).all()}
    measure_rows = [
        {"ref": ref, "text": m.text, "owner": m.owner, "due": m.due, "done_on": m.done_on}
        for ref in frame["ref"] for m in issues[ref].measures
    ]
    measures = pd.DataFrame(measure_rows, columns=list(MEASURE_HEADERS))
    listed = measures.groupby("ref")["text"].agg(
        lambda t: "\n".join(f"{n}. {x}" for n, x in enumerate(t, start=1)))
    table = pd.DataFrame({
        "ref": frame["ref"], "category": frame["category"], "title": frame["title"],
        "finding": frame["ref"].map(lambda r: issues[r].finding),
        "lead_department": frame["lead_department"],
        "partner_departments": frame["ref"].map(lambda r: "、".join(issues[r].partner_departments)),
        "deadline": frame["deadline"], "measures": frame["ref"].map(listed).fillna(""),
        "state": frame["state"].map(lambda s: STATE_LABELS[s][0 if lang == "zh" else 1]),
        "parcels": frame["parcels"].str.replace(",", "、"),
    })
    if lang == "zh":
        table = table.rename(columns=ISSUE_HEADERS | _chinese((_MEASURES_LISTED,)))
        measures = measures.rename(columns=MEASURE_HEADERS)
    else:
        table.insert(2, "category_name", table["category"].map(lambda c: category_label(int(c), "en")))
    return table, measures


def export_ledger(session: Session, path: Path, *, lang: str = "zh", as_of: Any = None) -> Path:
    """Write the ledger (问题, 责任部门, 配合部门, 整改期限, 措施, 状态) as Excel or CSV.

    Excel gets two sheets (问题台账, 措施); CSV writes the measures beside as `<name>.measures.csv`.
    """
    table, measures = ledger_tables(session, lang=lang, as_of=as_of)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table, measures = (t.map(lambda v: excel_text(v) if isinstance(v, str) else v)
                           for t in (table, measures))
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            table.to_excel(writer, sheet_name=sheet_name("issues", lang), index=False)
            measures.to_excel(writer, sheet_name=sheet_name("measures", lang), index=False)
            for sheet in writer.sheets.values():
                no_formulas(sheet)
    elif suffix == ".csv":
        csv_frame(table).to_csv(path, index=False, encoding="utf-8-sig")
        csv_frame(measures).to_csv(path.with_name(f"{path.stem}.measures.csv"), index=False,
                                   encoding="utf-8-sig")
    else:
        raise InputError(f"{path.name}: unsupported ledger type {suffix!r} (use .xlsx or .csv)")
    return path
