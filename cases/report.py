"""The progress report (整改进展报告) a bureau publishes, built from the data alone.

`build_report` gathers the figures into a plain dict with stable keys (the
`--format json` output); `cases.report_sections` words it for people,
`cases.report_text` renders that as Markdown or HTML and `cases.report_docx`
as a Word document, in Chinese or English.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.issue_state import ISSUE_STATES
from cases.issues import category_label, ledger_frame
from cases.models import Measure
from cases.report_parcels import area_by_status, parcel_lists, with_names
from cases.status.clock import local_date, resolve_as_of
from cases.status.derive import district_status_table, figures_of
from geo.local_time import local_iso, local_text
from geo.units import m2_to_ha, m2_to_mu
from layers.kinds import get_kind
from layers.models import Street

REPORT_VERSION = 1


def _state_counts(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["state"].value_counts()
    return {state: int(counts.get(state, 0)) for state in ISSUE_STATES}


def _issue_item(row: pd.Series) -> dict[str, Any]:
    return {"ref": row["ref"], "title": row["title"], "state": row["state"],
            "deadline": row["deadline"].isoformat() if isinstance(row["deadline"], date) else None,
            "lead_department": row["lead_department"], "violating_parcels": row["violating_parcels"],
            "parcels": row["parcels"]}


def _area(area_m2: float) -> dict[str, float]:
    """An area in m², mu and hectares, rounded as the bureau reports them."""
    return {"area_m2": round(area_m2, 2), "area_mu": round(m2_to_mu(area_m2), 2),
            "area_ha": round(m2_to_ha(area_m2), 4)}


def _kind_items(table: pd.DataFrame, names: dict[str, str], lang: str) -> list[dict[str, Any]]:
    """Parcels and areas of each kind, district-wide and by street (e.g. 1344.57 mu of farmland)."""
    items = []
    for kind, rows in table.groupby("kind", sort=True):
        streets = [
            {"code": code, "name": names.get(code, code), "parcels": len(group),
             **_area(float(group["area_m2"].sum()))}
            for code, group in rows.groupby("street_code", sort=True)
        ]
        items.append({"kind": kind, "label": get_kind(str(kind)).label(lang), "parcels": len(rows),
                      **_area(float(rows["area_m2"].sum())),
                      "by_status": figures_of(rows)["by_status"], "area_by_status": area_by_status(rows),
                      "streets": streets})
    return items


def _figures(rows: pd.DataFrame) -> dict[str, Any]:
    """`figures_of`, plus the sheds neither demolished nor standing (97 found − 58 demolished in 前进)."""
    figures = figures_of(rows)
    figures["sheds_other"] = figures["sheds_found"] - figures["demolished"] - figures["sheds_standing"]
    return figures


def _progress(session: Session, issue_ids: list[int], day: date) -> list[dict[str, Any]]:
    """Measures carried out by each day a measure was done: the rectification's progress over time."""
    query = sa.select(Measure.issue_id, Measure.done_on).where(Measure.done_on <= day)
    done = pd.DataFrame(session.execute(query).all(), columns=["issue_id", "done_on"])
    per_day = done[done["issue_id"].isin(issue_ids)].groupby("done_on").size().sort_index().cumsum()
    return [{"date": on.isoformat(), "measures_done": int(count)} for on, count in per_day.items()]


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
    table = with_names(session, district_status_table(session, as_of=instant))
    query = sa.select(Street.code, Street.name, Street.short_name).order_by(Street.code)
    streets = session.execute(query).all()
    street_names = {code: name if lang == "zh" else short for code, name, short in streets}
    street_items = []
    for code, name, short in streets:
        rows = table[table["street_code"] == code]
        if rows.empty:
            continue
        figures = _figures(rows)
        street_items.append({"code": code, "name": name if lang == "zh" else short, **figures,
                             "area_mu": round(m2_to_mu(float(rows["area_m2"].sum())), 2)})
    return {
        "version": REPORT_VERSION,
        "as_of": local_iso(instant),
        "as_of_date": local_date(instant).isoformat(),
        "as_of_text": local_text(instant),
        "lang": lang,
        "issues": {
            "total": len(ledger), "by_state": _state_counts(ledger),
            "measures": int(ledger["measures"].sum()), "measures_done": int(ledger["measures_done"].sum()),
        },
        "categories": categories,
        "district": {**_figures(table), **_area(float(table["area_m2"].sum()))},
        "kinds": _kind_items(table, street_names, lang),
        "streets": street_items,
        "parcel_lists": parcel_lists(table, street_names),
        "progress": _progress(session, ledger["issue_id"].astype(int).tolist(), local_date(instant)),
        "past_deadline": [_issue_item(r) for _, r in ledger[ledger["past_deadline"]].iterrows()],
        "done_with_violation": [_issue_item(r) for _, r in ledger[ledger["done_with_violation"]].iterrows()],
    }
