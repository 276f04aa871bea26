"""The parcel statuses, each with its labels and colour, and the precedence that picks one.

One registry, as `layers.kinds.KINDS` is for kinds and `cases.rules.FINDINGS`
for findings: maps, exports, reports and the web app read names, labels and
colours from here, and nothing else defines them.

Colours are Okabe–Ito (2008) "Color Universal Design", so the seven statuses
stay distinguishable for the common forms of colour blindness and in greyscale
print; `uninspected` is a neutral grey because it is the absence of news.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cases.rules import patrol_interval_days
from geo.i18n import registry_label

STATUS_CONTEXT = "parcel status"  # the catalogue's context of the statuses' labels


@dataclass(frozen=True)
class Status:
    """One parcel status: its code, labels and map colour."""

    code: str
    label_en: str
    color: str

    def label(self, lang: str) -> str:
        """The status's name in the user's language (Chinese from the catalogue)."""
        return registry_label(STATUS_CONTEXT, self.label_en, lang)

    @property
    def label_zh(self) -> str:
        """The status's Chinese name."""
        return self.label("zh")


STATUS_BY_CODE: dict[str, Status] = {
    status.code: status
    for status in (
        Status("uninspected", "Uninspected", "#BBBBBB"),
        Status("compliant", "Compliant", "#009E73"),
        Status("violation", "Violation", "#D55E00"),
        Status("rectifying", "Rectifying", "#E69F00"),
        Status("rectified", "Rectified", "#56B4E9"),
        Status("recurrence", "Recurrence", "#CC79A7"),
        Status("overdue", "Overdue", "#0072B2"),
    )
}
# Views of the registry in the shapes most callers want.
STATUSES: tuple[str, ...] = tuple(STATUS_BY_CODE)
STATUS_LABELS: dict[str, tuple[str, str]] = {c: (s.label_zh, s.label_en) for c, s in STATUS_BY_CODE.items()}
STATUS_COLORS: dict[str, str] = {c: s.color for c, s in STATUS_BY_CODE.items()}


def classify(frame: pd.DataFrame, *, days_since: pd.Series) -> pd.Series:
    """The status of each parcel row, by the precedence documented in the README (Parcel status rules).

    Expects columns `kind`, `inspections_count`, `latest_violation`, `ever_violated`,
    `clean_after_violation`, `has_open_issue`, `falling`.
    """
    inspected = frame["inspections_count"].fillna(0).to_numpy() > 0
    latest_bad = frame["latest_violation"].fillna(False).to_numpy(dtype=bool)
    ever_bad = frame["ever_violated"].fillna(False).to_numpy(dtype=bool)
    recurred = frame["clean_after_violation"].fillna(False).to_numpy(dtype=bool)
    open_issue = frame["has_open_issue"].fillna(False).to_numpy(dtype=bool)
    falling = frame["falling"].fillna(False).to_numpy(dtype=bool)
    kinds = frame["kind"]
    intervals = {kind: patrol_interval_days(kind) for kind in kinds.unique()}
    interval = kinds.map(intervals).to_numpy(dtype=float)
    late = days_since.to_numpy(dtype=float) > interval
    status = np.select(
        [
            ~inspected,
            latest_bad & recurred,
            latest_bad & open_issue & falling,
            latest_bad,
            late,
            ever_bad,
        ],
        ["uninspected", "recurrence", "rectifying", "violation", "overdue", "rectified"],
        default="compliant",
    )
    return pd.Series(status, index=frame.index, dtype=object)
