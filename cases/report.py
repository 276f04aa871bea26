"""The progress report (整改进展报告) a bureau publishes, built from the data alone.

`build_report` gathers the figures into a plain dict with stable keys (the
`--format json` output); `cases.report_text` renders it as Markdown or HTML
in Chinese or English.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.clock import LOCAL_TZ, local_date, resolve_as_of
from cases.issue_state import ISSUE_STATES
from cases.issues import category_label, ledger_frame
from cases.status import figures_of, street_table
from geo.units import m2_to_mu
from layers.models import Street

REPORT_VERSION = 1


def _state_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["state"].value_counts()
    return {state: int(counts.get(state, 0)) for state in ISSUE_STATES}


def _issue_item(row: pd.Series) -> dict[str, Any]:
    return {"ref": row["ref"], "title": row["title"], "state": row["state"],
            "deadline": row["deadline"].isoformat() if isinstance(row["deadline"], date) else None,
            "lead_department": row["lead_department"], "violating_parcels": row["violating_parcels"]}


def build_report(
    session: Session, *, as_of: datetime | date | str | None = None, lang: str = "zh",
) -> dict[str, Any]:
    """Every figure of the report as of the instant (now by default).

    `lang` sets the labels inside (category and street names); the keys and
    numbers are the same in both languages.
    """
    instant = resolve_as_of(as_of)
    ledger = ledger_frame(session, as_of=instant)
    categories = []
    for category, rows in ledger.groupby("category", sort=True):
        categories.append({
            "category": int(category), "label": category_label(int(category), lang),
            "issues": len(rows), "by_state": _state_counts(rows),
            "measures": int(rows["measures"].sum()), "measures_done": int(rows["measures_done"].sum()),
        })
    table = street_table(session, as_of=instant)
    query = sa.select(Street.code, Street.name, Street.short_name).order_by(Street.code)
    streets = session.execute(query).all()
    street_items = []
    for code, name, short in streets:
        rows = table[table["street_code"] == code]
        if rows.empty:
            continue
        figures = figures_of(rows)
        street_items.append({"code": code, "name": name if lang == "zh" else short, **figures,
                             "area_mu": round(m2_to_mu(float(rows["area_m2"].sum())), 2)})
    return {
        "version": REPORT_VERSION,
        "as_of": instant.astimezone(LOCAL_TZ).isoformat(timespec="seconds"),
        "as_of_date": local_date(instant).isoformat(),
        "lang": lang,
        "issues": {
            "total": len(ledger), "by_state": _state_counts(ledger),
            "measures": int(ledger["measures"].sum()), "measures_done": int(ledger["measures_done"].sum()),
        },
        "categories": categories,
        "district": figures_of(table),
        "streets": street_items,
        "past_deadline": [_issue_item(r) for _, r in ledger[ledger["past_deadline"]].iterrows()],
        "done_with_violation": [_issue_item(r) for _, r in ledger[ledger["done_with_violation"]].iterrows()],
    }
