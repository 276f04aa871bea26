"""The parcels behind the report's counts, so a reader can tell which ones are meant.

A count of "3 in violation" names no parcel; the bureau's own report states
"3 parcels still occupied, 5176.28 m²". These are the lists by street and the
area of each kind in each status.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.status.rules import STATUSES
from layers.models import Parcel

LISTED_STATUSES = ("violation", "recurrence", "rectifying", "overdue")


def with_names(session: Session, table: pd.DataFrame) -> pd.DataFrame:
    """The status table (indexed by parcel id) with each parcel's code and name."""
    names = pd.DataFrame(session.execute(sa.select(Parcel.id, Parcel.code, Parcel.name)).all(),
                         columns=["parcel_id", "code", "name"]).set_index("parcel_id")
    return table.join(names)


def _days(value: Any) -> int | None:
    """Whole days since the last visit; None for a parcel never visited."""
    return None if value is None or pd.isna(value) else math.floor(float(value))


def _parcel_item(row: pd.Series) -> dict[str, Any]:
    return {"code": row["code"], "name": row["name"], "kind": row["kind"],
            "area_m2": round(float(row["area_m2"]), 2), "days_since": _days(row["days_since"])}


def parcel_lists(table: pd.DataFrame, street_names: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """For each listed status, its parcels by street: code, name, kind, area and days since the last visit."""
    lists: dict[str, list[dict[str, Any]]] = {}
    for status in LISTED_STATUSES:
        rows = table[table["status"] == status].sort_values(["street_code", "code"], na_position="last")
        lists[status] = [
            {"code": code, "name": street_names.get(code, code),
             "parcels": [_parcel_item(row) for _, row in group.iterrows()]}
            for code, group in rows.fillna({"street_code": ""}).groupby("street_code", sort=False)
        ]
    return lists


def area_by_status(rows: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Parcels and m² in each status, e.g. illegal land: 3 parcels in violation, 3719.78 m²."""
    grouped = rows.groupby("status")["area_m2"]
    counts, areas = grouped.size(), grouped.sum()
    return {status: {"parcels": int(counts.get(status, 0)),
                     "area_m2": round(float(areas.get(status, 0.0)), 2)} for status in STATUSES}
