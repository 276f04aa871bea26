"""The findings an inspector records, and which of them make a violation, in one place.

Everything that decides whether a finding is a violation lives here: the SQL
that `cases.status.queries` runs and the pandas code of `cases.status.derive`
both read these tables, so the rules cannot drift apart between the database
and Python. The statuses themselves, and their precedence, are `cases.status.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from geo.i18n import registry_label
from layers.kinds import KINDS

FINDING_CONTEXT = "finding"  # the catalogue's context of the findings' labels

FieldKind = Literal["count", "area", "flag"]
MAX_COUNT = 10_000  # sheds, machines, vehicles on one parcel: more is a typo, not a finding
MAX_AREA_M2 = 1e9  # 1,000 km²; an area is also never above its parcel's (`cases.validation`)


@dataclass(frozen=True)
class Finding:
    """One typed finding of an inspection: its column, CLI option (and help) and labels."""

    name: str
    kind: FieldKind
    option: str
    help: str
    label_en: str
    minimum: float = 0
    maximum: float | None = None  # counts and areas; None for yes/no flags

    def label(self, lang: str) -> str:
        """The finding's name in the user's language (Chinese from the catalogue)."""
        return registry_label(FINDING_CONTEXT, self.label_en, lang)

    @property
    def label_zh(self) -> str:
        """The finding's Chinese name."""
        return self.label("zh")


FINDINGS: tuple[Finding, ...] = (
    Finding("sheds_count", "count", "--sheds", "Sheds (窝棚) standing.", "Sheds", maximum=MAX_COUNT),
    Finding("sheds_area_m2", "area", "--sheds-area", "Ground covered by sheds, m².", "Shed area (m²)",
            maximum=MAX_AREA_M2),
    Finding("clothes_drying", "flag", "--residence", "Signs of residence: clothes drying (晾晒衣物).",
            "Clothes drying"),
    Finding("cars_parked", "flag", "--cars-parked", "Cars parked by the sheds.", "Cars parked"),
    Finding("hardened_m2", "area", "--hardened", "Hardened ground (硬底化), m².", "Hardened ground (m²)",
            maximum=MAX_AREA_M2),
    Finding("demolished_count", "count", "--demolished", "Sheds demolished since the last visit.",
            "Demolished", maximum=MAX_COUNT),
    Finding("rebuilt_count", "count", "--rebuilt", "Standard tool/guard houses rebuilt.",
            "Rebuilt to standard", maximum=MAX_COUNT),
    Finding("abandoned_m2", "area", "--abandoned", "Abandoned (撂荒) area, m².", "Abandoned (m²)",
            maximum=MAX_AREA_M2),
    Finding("debris", "flag", "--debris", "Construction debris (建筑垃圾) on site.", "Debris"),
    Finding("machinery_count", "count", "--machinery", "Machines (excavators…) on site.", "Machinery",
            maximum=MAX_COUNT),
    Finding("vehicles_count", "count", "--vehicles", "Vehicles (trucks…) on site.", "Vehicles",
            maximum=MAX_COUNT),
    Finding("replanted_m2", "area", "--replanted", "Replanted (复绿/复耕) area, m².", "Replanted (m²)",
            maximum=MAX_AREA_M2),
)
"""The one list of findings, in the order forms and exports show them.

The models' columns (`cases.models`), the API schema (`maps.web.schemas.Findings`), the
CLI options (`scripts.cli_findings`), the forms and the labels are all derived from it:
adding a finding means one entry here plus one migration adding its columns to
`inspections` and `parcel_summaries` (`tests/maps/web/test_findings_declared_once.py`).
"""
FINDINGS_BY_NAME: dict[str, Finding] = {f.name: f for f in FINDINGS}
FINDING_NAMES: tuple[str, ...] = tuple(f.name for f in FINDINGS)

# A finding is a violation when any of its kind's measures is above zero (or set).
# Signs of residence (clothes, cars) only describe a shed; demolished, rebuilt and
# replanted record the cure. Abandonment is a violation only on basic farmland.
DEFAULT_VIOLATION_MEASURES: tuple[str, ...] = (
    "sheds_count", "sheds_area_m2", "hardened_m2", "debris", "machinery_count", "vehicles_count",
)
KIND_VIOLATION_MEASURES: dict[str, tuple[str, ...]] = {
    "basic_farmland": (*DEFAULT_VIOLATION_MEASURES, "abandoned_m2"),
}
ALL_VIOLATION_MEASURES: tuple[str, ...] = (*DEFAULT_VIOLATION_MEASURES, "abandoned_m2")
DEFAULT_PATROL_DAYS = 90


def violation_measures(kind: str) -> tuple[str, ...]:
    """The findings that make an inspection of this kind of parcel a violation."""
    return KIND_VIOLATION_MEASURES.get(kind, DEFAULT_VIOLATION_MEASURES)


def patrol_interval_days(kind: str) -> int:
    """Days between patrols the kind requires (its registry entry, else a default)."""
    registered = KINDS.get(kind)
    return registered.patrol_interval_days if registered else DEFAULT_PATROL_DAYS


def _measure_sql(name: str, alias: str) -> str:
    column = f"{alias}.{name}"
    return column if FINDINGS_BY_NAME[name].kind == "flag" else f"{column} > 0"


def violation_sql(*, kind_column: str, alias: str) -> str:
    """SQL (both backends) giving 1 where the row is a violation for its kind, else 0."""

    def flag(measures: tuple[str, ...]) -> str:
        test = " OR ".join(_measure_sql(m, alias) for m in measures)
        return f"CASE WHEN {test} THEN 1 ELSE 0 END"

    branches = " ".join(
        f"WHEN '{kind}' THEN {flag(measures)}" for kind, measures in KIND_VIOLATION_MEASURES.items()
    )
    return f"CASE {kind_column} {branches} ELSE {flag(DEFAULT_VIOLATION_MEASURES)} END"


def _relevance(kinds: pd.Series) -> np.ndarray:
    """Boolean matrix: row r, column m of ALL_VIOLATION_MEASURES counts for row r's kind."""
    unique = list(kinds.unique())
    columns = [
        kinds.isin([k for k in unique if m in violation_measures(k)]).to_numpy(dtype=bool)
        for m in ALL_VIOLATION_MEASURES
    ]
    return np.column_stack(columns) if len(kinds) else np.zeros((0, len(columns)), dtype=bool)


def _values(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return frame[columns].astype(float).to_numpy()


def is_violation(frame: pd.DataFrame) -> pd.Series:
    """Per row of findings with a `kind` column: does it violate its kind's rules."""
    now = _values(frame, list(ALL_VIOLATION_MEASURES))
    return pd.Series(((now > 0) & _relevance(frame["kind"])).any(axis=1), index=frame.index)


def findings_falling(frame: pd.DataFrame, previous: dict[str, str]) -> pd.Series:
    """Rows where no violation measure rose since the inspection before, and one fell.

    `previous` maps each measure to the column holding its value on the
    inspection before (NaN where there was none: then nothing is falling).
    Sheds demolished on this visit count as falling, if nothing rose.
    """
    relevant = _relevance(frame["kind"])
    now = _values(frame, list(ALL_VIOLATION_MEASURES))
    before = _values(frame, [previous[m] for m in ALL_VIOLATION_MEASURES])
    none_rose = ((now <= before) | ~relevant).all(axis=1)
    some_fell = ((now < before) & relevant).any(axis=1)
    demolished = frame["demolished_count"].fillna(0).to_numpy(dtype=float) > 0
    has_before = ~np.isnan(before).all(axis=1)
    return pd.Series(none_rose & has_before & (some_fell | demolished), index=frame.index)
